// @ts-check
// Scenario 4: as many sockets as the machine allows join one room (a window of handshakes in
// flight at once), then one client sends one message; how long until every socket has it.
import { performance } from 'node:perf_hooks';
import { closeAll, connectMany, Deliveries, messageFrame, sleep, waitFor } from '../lib/client.mjs';
import { budget, runResult, sampleMemory } from './common.mjs';

/** Handshakes in flight at once: a storm, but below the listen backlog, so the kernel drops no SYN. */
const CONCURRENCY = 256;

export const storm = {
  name: 'storm',
  title: 'connection storm: N sockets into 1 room, then 1 broadcast',
  /**
   * @param {import('./common.mjs').RunContext} ctx
   * @returns {Promise<import('./common.mjs').RunResult>}
   */
  async run(ctx) {
    const { target, tag, deadline } = ctx;
    const count = ctx.quick ? 400 : ctx.stormSize;
    const memory = sampleMemory(target);
    const connected = await connectMany(target, {
      count,
      concurrency: CONCURRENCY,
      timeoutMs: budget(deadline, 20_000),
      room: () => `${tag}-storm`,
      userId: (i) => `${tag}-u${i}`,
      // Leave time for the broadcast.
      deadline: deadline - (ctx.quick ? 3_000 : 10_000),
    });
    const { clients } = connected;
    const connectedRss = memory.sample();
    const deliveries = new Deliveries(1, 1);
    for (const c of clients) c.onFrame = (client, raw) => deliveries.receive(client, raw);
    await sleep(ctx.quick ? 300 : 1_000); // presence frames (at most one a second) settle first
    const sender = clients[0];
    if (sender) {
      deliveries.sent(clients.length);
      sender.send(messageFrame({ s: 0, n: 0, t: performance.now() }));
    }
    const allDelivered = await waitFor(() => deliveries.done, budget(deadline, 20_000));
    const rssKiB = memory.stop();
    const broadcastMs =
      deliveries.delivered > 0 ? deliveries.lastDeliveryAt - deliveries.firstSendAt : null;
    const closeStarted = performance.now();
    await closeAll(clients, budget(deadline + 10_000, 15_000));
    return runResult({
      clients,
      connectFailures: connected.failures,
      deliveries,
      allDelivered,
      deliveredPerSec: broadcastMs ? (deliveries.delivered / broadcastMs) * 1000 : null,
      rssKiB,
      extra: {
        planned: count,
        // Wall time from the first handshake to the last socket usable.
        connectAllMs: connected.elapsedMs,
        // From the one send until the last socket received it.
        broadcastMs,
        connectedRssKiB: connectedRss.runtime,
        closeAllMs: performance.now() - closeStarted,
      },
    });
  },
};
