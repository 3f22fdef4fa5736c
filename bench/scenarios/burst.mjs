// @ts-check
// Scenario 2: 20 clients in one room all send as fast as a window of 10 in-flight messages
// allows (in flight: sent, own echo not yet back). Measures the room's throughput ceiling.
import { closeAll, connectMany, Deliveries, messageFrame, sleep, waitFor } from '../lib/client.mjs';
import { runtimeCpuSeconds } from '../lib/memory.mjs';
import { budget, runResult, sampleMemory } from './common.mjs';
import { performance } from 'node:perf_hooks';

const CLIENTS = 20;
const WINDOW = 10;

export const burst = {
  name: 'burst',
  title: 'burst: 1 room x 20 clients, each 500 msgs, window 10 in flight',
  /**
   * A run takes seconds and its throughput swings with the machine's load: ten bench runs of
   * nearly the same room, each the median of 4 runs per server, ranged 0.67-1.21x. Four times the
   * rounds.
   */
  roundsFactor: 4,
  /**
   * @param {import('./common.mjs').RunContext} ctx
   * @returns {Promise<import('./common.mjs').RunResult>}
   */
  async run(ctx) {
    const { target, tag, deadline } = ctx;
    const each = ctx.quick ? 100 : 500;
    const memory = sampleMemory(target);
    const connected = await connectMany(target, {
      count: CLIENTS,
      concurrency: 20,
      timeoutMs: budget(deadline, 15_000),
      room: () => `${tag}-burst`,
      userId: (i) => `${tag}-u${i}`,
      deadline: deadline - (ctx.quick ? 5_000 : 20_000),
    });
    const { clients } = connected;
    const deliveries = new Deliveries(CLIENTS, each);
    const inFlight = new Array(CLIENTS).fill(0);
    const sent = new Array(CLIENTS).fill(0);
    let echoed = 0;
    let lastEchoAt = 0;
    const stopAt = Date.now() + budget(deadline, 60_000);
    /** @param {import('../lib/client.mjs').Client} client */
    const pump = (client) => {
      const s = client.index;
      while (inFlight[s] < WINDOW && sent[s] < each && Date.now() < stopAt) {
        deliveries.sent(clients.length);
        client.send(messageFrame({ s, n: sent[s]++, t: performance.now() }));
        inFlight[s]++;
      }
    };
    for (const c of clients) {
      c.onFrame = (client, raw) => {
        const stamp = deliveries.receive(client, raw);
        if (stamp && stamp.s === client.index) {
          inFlight[client.index]--;
          echoed++;
          lastEchoAt = performance.now();
          pump(client);
        }
      };
    }
    await sleep(200); // let join frames settle before the clock starts
    const cpuBefore = runtimeCpuSeconds(target.pgid);
    for (const c of clients) pump(c);
    const allDelivered = await waitFor(
      () => deliveries.done && echoed >= clients.length * each,
      budget(deadline, 60_000),
    );
    const cpuSeconds = runtimeCpuSeconds(target.pgid) - cpuBefore;
    const rssKiB = memory.stop();
    await closeAll(clients, budget(deadline + 5_000, 5_000));
    const seconds = (deliveries.lastDeliveryAt - deliveries.firstSendAt) / 1000;
    const sendSeconds = (lastEchoAt - deliveries.firstSendAt) / 1000;
    return runResult({
      clients,
      connectFailures: connected.failures,
      deliveries,
      allDelivered,
      deliveredPerSec: seconds > 0 ? deliveries.delivered / seconds : null,
      rssKiB,
      extra: {
        sent: sent.reduce((a, b) => a + b, 0),
        // Messages the room accepted and echoed per second: its ingest rate.
        acceptedPerSec: sendSeconds > 0 ? echoed / sendSeconds : null,
        durationMs: seconds * 1000,
        // The runtime's CPU time per 1,000 deliveries: what the room costs, less swayed by noise.
        runtimeCpuMsPer1kDeliveries:
          deliveries.delivered > 0 ? (cpuSeconds * 1000) / (deliveries.delivered / 1000) : null,
      },
    });
  },
};
