// @ts-check
// Scenario 4: as many sockets as the machine allows join one room (a window of handshakes in
// flight at once), then one client sends one message; how long until every socket has it.
// `storm-heavy` is the same storm into a room whose history holds WELCOME_MESSAGES messages of
// MAX_TEXT_LENGTH characters, so every app welcome carries the largest page there is (the floor
// has no history: its sockets are usable on open, as in the plain storm).
import { performance } from 'node:perf_hooks';
import { MAX_TEXT_LENGTH, WELCOME_MESSAGES } from '../../public/chat/rules.js';
import {
  closeAll,
  connect,
  connectMany,
  Deliveries,
  messageFrame,
  sleep,
  waitFor,
} from '../lib/client.mjs';
import { runtimeCpuSeconds } from '../lib/memory.mjs';
import { budget, runResult, sampleMemory } from './common.mjs';

/** Handshakes in flight at once: a storm, but below the listen backlog, so the kernel drops no SYN. */
const CONCURRENCY = 256;

export const storm = stormScenario({
  name: 'storm',
  title: 'connection storm: N sockets into 1 room, then 1 broadcast',
  fullHistory: false,
  // On a machine loaded by other work, 2,600 app connects can take over a minute.
  timeFactor: 2,
});

export const stormHeavy = stormScenario({
  name: 'storm-heavy',
  title: `connection storm, each welcome with ${WELCOME_MESSAGES} messages of ${MAX_TEXT_LENGTH} characters`,
  fullHistory: true,
  // About 100 KB per welcome, through the runtime and wrangler's dev proxy: a slower run.
  timeFactor: 3,
});

/**
 * @param {{ name: string; title: string; fullHistory: boolean; timeFactor: number }} options
 * @returns {{ name: string; title: string; timeFactor: number; run: (ctx: import('./common.mjs').RunContext) => Promise<import('./common.mjs').RunResult> }}
 */
function stormScenario({ name, title, fullHistory, timeFactor }) {
  return { name, title, timeFactor, run: (ctx) => runStorm(ctx, fullHistory) };
}

/**
 * @param {import('./common.mjs').RunContext} ctx
 * @param {boolean} fullHistory fill the app room's welcome page with the longest messages first
 * @returns {Promise<import('./common.mjs').RunResult>}
 */
async function runStorm(ctx, fullHistory) {
  const { target, tag, deadline } = ctx;
  // --quick: fewer sockets for the heavy storm (100 KB each), to stay under a minute.
  const count = ctx.quick ? (fullHistory ? 100 : 400) : ctx.stormSize;
  const room = `${tag}-storm`;
  if (fullHistory && target.readyOn === 'welcome') await fillHistory(target, room, tag, deadline);
  const memory = sampleMemory(target);
  const cpuBeforeConnect = runtimeCpuSeconds(target.pgid);
  const connected = await connectMany(target, {
    count,
    concurrency: CONCURRENCY,
    timeoutMs: budget(deadline, 20_000),
    room: () => room,
    userId: (i) => `${tag}-u${i}`,
    // Leave time for the broadcast.
    deadline: deadline - (ctx.quick ? 3_000 : 10_000),
  });
  const { clients } = connected;
  const connectedRss = memory.sample();
  const connectCpuSeconds = runtimeCpuSeconds(target.pgid) - cpuBeforeConnect;
  const deliveries = new Deliveries(1, 1);
  for (const c of clients) c.onFrame = (client, raw) => deliveries.receive(client, raw);
  await sleep(ctx.quick ? 300 : 1_000); // presence frames (at most one a second) settle first
  const sender = clients[0];
  const cpuBeforeBroadcast = runtimeCpuSeconds(target.pgid);
  if (sender) {
    deliveries.sent(clients.length);
    sender.send(messageFrame({ s: 0, n: 0, t: performance.now() }));
  }
  const allDelivered = await waitFor(() => deliveries.done, budget(deadline, 20_000));
  const broadcastCpuSeconds = runtimeCpuSeconds(target.pgid) - cpuBeforeBroadcast;
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
      // The runtime's CPU time (Worker, room and the runtime's own socket work) per socket
      // connected, and per 1,000 deliveries of the one broadcast (in 10 ms ticks: rough): what the capacity table is built on.
      runtimeCpuMsPerConnect:
        clients.length > 0 ? (connectCpuSeconds * 1000) / clients.length : null,
      runtimeCpuMsPer1kDeliveries:
        deliveries.delivered > 0
          ? (broadcastCpuSeconds * 1000) / (deliveries.delivered / 1000)
          : null,
      closeAllMs: performance.now() - closeStarted,
    },
  });
}

/**
 * Sends WELCOME_MESSAGES messages of MAX_TEXT_LENGTH characters into `room` and waits for their
 * echoes, so every later welcome carries them. Not measured: the sockets of the storm come after.
 * @param {import('../lib/targets.mjs').Target} target
 * @param {string} room
 * @param {string} tag
 * @param {number} deadline
 */
async function fillHistory(target, room, tag, deadline) {
  const userId = `${tag}-writer`;
  const writer = await connect(target, await target.url(room, userId), room, 0, 10_000);
  let echoed = 0;
  writer.onFrame = (_client, raw) => {
    if (raw.startsWith('{"type":"message"')) echoed++;
  };
  // Words and punctuation rather than one repeated letter: what a long message looks like.
  const words = 'the quick brown fox jumps over the lazy dog, again and again; ';
  const text = words.repeat(Math.ceil(MAX_TEXT_LENGTH / words.length)).slice(0, MAX_TEXT_LENGTH);
  for (let n = 0; n < WELCOME_MESSAGES; n++)
    writer.send(JSON.stringify({ type: 'message', text, clientId: `fill-${n}` }));
  const filled = await waitFor(() => echoed >= WELCOME_MESSAGES, budget(deadline, 10_000));
  await closeAll([writer], 2_000);
  if (!filled) throw new Error(`filling the history: ${echoed}/${WELCOME_MESSAGES} echoed`);
}
