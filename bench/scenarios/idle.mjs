// @ts-check
// Scenario 5: many idle sockets in one room; the room hibernates (wrangler dev evicts a room
// idle for about 10 s), a ping from every socket is still answered by the runtime without
// waking it, and a message afterwards wakes it and reaches everyone.
// Runs in two halves, so the floor's and the app's idle waits overlap (nothing happens on
// either server while it waits) and the whole scenario costs one wait, not two.
import { performance } from 'node:perf_hooks';
import { closeAll, connectMany, Deliveries, messageFrame, sleep, waitFor } from '../lib/client.mjs';
import { percentile } from '../lib/stats.mjs';
import { budget, runResult, sampleMemory } from './common.mjs';

/** wrangler dev hibernated an idle room after 10 s in our runs; wait a little longer. */
const HIBERNATE_AFTER_MS = 12_000;
const PING = '{"type":"ping"}';

export const idle = {
  name: 'idle',
  title: 'idle: N idle sockets, room hibernates, ping answered, then 1 message',
  overlapped: true,
  /**
   * Connects the sockets; the returned function finishes the run once the room has been idle.
   * @param {import('./common.mjs').RunContext} ctx
   * @returns {Promise<() => Promise<import('./common.mjs').RunResult>>}
   */
  async start(ctx) {
    const { target, tag, deadline } = ctx;
    const count = ctx.quick ? 150 : 1000;
    const memory = sampleMemory(target);
    const connected = await connectMany(target, {
      count,
      concurrency: 50,
      timeoutMs: budget(deadline, 15_000),
      room: () => `${tag}-idle`,
      userId: (i) => `${tag}-u${i}`,
      // Leave time to idle, ping and send.
      deadline: deadline - HIBERNATE_AFTER_MS - 6_000,
    });
    const idleSince = Date.now();
    const { clients } = connected;
    /** @type {(number | null)[]} ping send time by client index */
    const pingAt = new Array(count).fill(null);
    /** @type {number[]} */
    const pongMs = [];
    const deliveries = new Deliveries(1, 1);
    for (const c of clients) {
      c.onFrame = (client, raw) => {
        if (raw === '{"type":"pong"}') {
          const at = pingAt[client.index];
          if (at != null) pongMs.push(performance.now() - at);
          return;
        }
        deliveries.receive(client, raw);
      };
    }

    return async () => {
      await sleep(
        Math.min(idleSince + HIBERNATE_AFTER_MS - Date.now(), budget(deadline, HIBERNATE_AFTER_MS)),
      );
      const hibernatedRss = memory.sample();
      const wakesBeforePing = target.wakes();
      for (const c of clients) {
        pingAt[c.index] = performance.now();
        c.send(PING);
      }
      await waitFor(() => pongMs.length >= clients.length, budget(deadline, 10_000));
      await sleep(300); // a wake would be logged promptly; give the log a moment to arrive
      const wakesAfterPing = target.wakes();
      const sender = clients[0];
      if (sender) {
        deliveries.sent(clients.length);
        sender.send(messageFrame({ s: 0, n: 0, t: performance.now() }));
      }
      const allDelivered = await waitFor(() => deliveries.done, budget(deadline, 10_000));
      await waitFor(() => target.wakes() > wakesAfterPing, budget(deadline, 1_000), 50);
      const wakesAfterMessage = target.wakes();
      const rssKiB = memory.stop();
      await closeAll(clients, budget(deadline + 5_000, 10_000));
      return runResult({
        clients,
        connectFailures: connected.failures,
        deliveries,
        allDelivered,
        deliveredPerSec: null,
        rssKiB,
        extra: {
          // The message after the idle period woke the room: its constructor ran again.
          hibernated: wakesAfterMessage > wakesAfterPing,
          // Must stay false: the runtime answers the exact ping frame without waking the room.
          pingWokeRoom: wakesAfterPing > wakesBeforePing,
          pongs: pongMs.length,
          pongP50Ms: percentile(pongMs, 50),
          pongP99Ms: percentile(pongMs, 99),
          hibernatedRssKiB: hibernatedRss.runtime,
          idleMs: Date.now() - idleSince,
        },
      });
    };
  },
};
