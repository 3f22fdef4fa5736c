// @ts-check
// Steady traffic: some clients in each room send at a fixed rate, every client measures every
// delivery. Scenario 1 (fan-out: one big room) and scenario 3 (many small rooms) are this with
// different shapes.
import { performance } from 'node:perf_hooks';
import { closeAll, connectMany, Deliveries, messageFrame, sleep, waitFor } from '../lib/client.mjs';
import { budget, runResult, sampleMemory } from './common.mjs';

/**
 * @typedef {{ rooms: number; perRoom: number; sendersPerRoom: number; rate: number; seconds: number }} Shape
 */

/**
 * @param {import('./common.mjs').RunContext} ctx
 * @param {Shape} shape
 * @returns {Promise<import('./common.mjs').RunResult>}
 */
export async function pacedTraffic(ctx, shape) {
  const { target, tag, deadline } = ctx;
  const memory = sampleMemory(target);
  const connected = await connectMany(target, {
    count: shape.rooms * shape.perRoom,
    concurrency: 20,
    timeoutMs: budget(deadline, 15_000),
    room: (i) => `${tag}-r${Math.floor(i / shape.perRoom)}`,
    userId: (i) => `${tag}-u${i}`,
    // Connecting must leave time for the traffic and its last deliveries.
    deadline: deadline - shape.seconds * 1000 - 5_000,
  });
  const { clients } = connected;
  /** @type {Map<string, number>} */
  const roomSize = new Map();
  for (const c of clients) roomSize.set(c.room, (roomSize.get(c.room) ?? 0) + 1);
  const senders = clients.filter((c) => c.index % shape.perRoom < shape.sendersPerRoom);
  const perSender = Math.ceil(shape.rate * shape.seconds);
  const deliveries = new Deliveries(senders.length, perSender);
  for (const c of clients) c.onFrame = (client, raw) => deliveries.receive(client, raw);
  await sleep(200); // let join and presence frames settle before the clock starts

  // One schedule for all senders: sender k sends its n-th message at start + n/rate, offset by
  // k/(senders*rate) so the sends are spread evenly rather than in bursts.
  const interval = 1000 / shape.rate;
  const total = senders.length * perSender;
  const start = performance.now();
  const stopAt = Date.now() + budget(deadline, shape.seconds * 1000 + 5_000);
  let sent = 0;
  for (let j = 0; j < total && Date.now() < stopAt; j++) {
    const s = j % senders.length;
    const n = Math.floor(j / senders.length);
    const due = start + n * interval + s * (interval / senders.length);
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait);
    const sender = senders[s];
    if (!sender) continue;
    deliveries.sent(roomSize.get(sender.room) ?? 0);
    sender.send(messageFrame({ s, n, t: performance.now() }));
    sent++;
  }
  const allDelivered = await waitFor(() => deliveries.done, budget(deadline, 10_000));
  const rssKiB = memory.stop();
  await closeAll(clients, budget(deadline + 5_000, 5_000));
  const seconds = (deliveries.lastDeliveryAt - deliveries.firstSendAt) / 1000;
  return runResult({
    clients,
    connectFailures: connected.failures,
    deliveries,
    allDelivered,
    deliveredPerSec: seconds > 0 ? deliveries.delivered / seconds : null,
    rssKiB,
    extra: { sent, planned: total },
  });
}

/** Scenario 1: one room, 50 clients, 5 of them sending 20 msg/s each. */
export const fanout = {
  name: 'fanout',
  title: 'fan-out: 1 room x 50 clients, 5 senders x 20 msg/s',
  /** @param {import('./common.mjs').RunContext} ctx */
  run: (ctx) =>
    pacedTraffic(ctx, {
      rooms: 1,
      perRoom: 50,
      sendersPerRoom: 5,
      rate: 20,
      seconds: ctx.quick ? 2 : 12,
    }),
};

/** Scenario 3: 20 rooms of 10 clients, one sender per room at 20 msg/s. */
export const rooms = {
  name: 'rooms',
  title: 'many rooms: 20 rooms x 10 clients, 1 sender/room x 20 msg/s',
  /** @param {import('./common.mjs').RunContext} ctx */
  run: (ctx) =>
    pacedTraffic(ctx, {
      rooms: 20,
      perRoom: 10,
      sendersPerRoom: 1,
      rate: 20,
      seconds: ctx.quick ? 2 : 12,
    }),
};
