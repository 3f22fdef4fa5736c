// @ts-check
// Scenario: search in a room of 10,000 messages (quick: 300). One client fills the room, then
// sends `search` frames one at a time and times each until its answer. The index is built lazily
// (on the first search, or by the alarm), so the first search is reported apart and left out of
// the latency figures. The app only: the floor has no history to search.
import { performance } from 'node:perf_hooks';
import { closeAll, connect, waitFor } from '../lib/client.mjs';
import { budget, runResult, sampleMemory } from './common.mjs';

const FULL = { messages: 10_000, searches: 200 };
const QUICK = { messages: 300, searches: 10 };
/** Messages in flight while filling (sent, echo not back yet). */
const WINDOW = 50;
const VOCABULARY = Array.from({ length: 400 }, (_, i) => word(i));

export const search = {
  name: 'search',
  title: 'search: 1 room of 10,000 messages, searches one at a time (app only)',
  appOnly: true,
  /**
   * @param {import('./common.mjs').RunContext} ctx
   * @returns {Promise<import('./common.mjs').RunResult>}
   */
  async run(ctx) {
    const { target, tag, deadline } = ctx;
    const plan = ctx.quick ? QUICK : FULL;
    const room = `${tag}-search`;
    const memory = sampleMemory(target);
    const started = performance.now();
    const client = await connect(target, await target.url(room, `${tag}-u0`), room, 0, 10_000);
    const random = seeded(7);
    // Fill: 8–20 words a message, so a word is in about 3% of them and a search finds many.
    let sent = 0;
    let echoed = 0;
    /** @type {((frame: { type: string; query?: string; messages?: unknown[] }) => void) | null} */
    let onAnswer = null;
    /** @type {Record<string, number>} */
    const errors = {};
    const pump = () => {
      while (sent - echoed < WINDOW && sent < plan.messages) {
        const count = 8 + Math.floor(random() * 13);
        const text = Array.from({ length: count }, () => pick(random)).join(' ');
        client.send(JSON.stringify({ type: 'message', text, clientId: `s${sent++}` }));
      }
    };
    client.onFrame = (_client, raw) => {
      const frame = JSON.parse(raw);
      if (frame.type === 'message') {
        echoed++;
        pump();
      } else if (frame.type === 'search') onAnswer?.(frame);
      else if (frame.type === 'error') errors[frame.code] = (errors[frame.code] ?? 0) + 1;
    };
    pump();
    const filled = await waitFor(() => echoed >= plan.messages, budget(deadline - 10_000, 60_000));
    const fillMs = performance.now() - started;
    /** @type {number[]} */
    const latencies = [];
    /** @type {number[]} */
    const hits = [];
    let firstSearchMs = null;
    let answered = 0;
    let asked = 0;
    for (let i = 0; filled && i < plan.searches && Date.now() < deadline - 5_000; i++) {
      // Every other query is two words, the last a prefix (as someone types it).
      const query = i % 2 === 0 ? pick(random) : `${pick(random)} ${pick(random).slice(0, 3)}`;
      asked++;
      const t0 = performance.now();
      const answer = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(null), budget(deadline, 10_000));
        onAnswer = (frame) => {
          if (frame.query !== query) return;
          clearTimeout(timer);
          resolve(frame);
        };
        client.send(JSON.stringify({ type: 'search', query }));
      });
      const ms = performance.now() - t0;
      if (!answer) continue;
      answered++;
      hits.push(/** @type {{ messages: unknown[] }} */ (answer).messages.length);
      if (firstSearchMs === null) firstSearchMs = ms;
      else latencies.push(ms);
    }
    const rssKiB = memory.stop();
    await closeAll([client], 2_000);
    return runResult({
      clients: [client],
      connectFailures: {},
      deliveries: {
        latencies,
        delivered: answered,
        expected: asked,
        duplicates: 0,
        errors,
        firstSendAt: 0,
        lastDeliveryAt: 0,
      },
      allDelivered: answered === asked,
      deliveredPerSec: null,
      rssKiB,
      extra: {
        messages: echoed,
        fillMs,
        searches: asked,
        // The first search indexes every message stored so far (the index is lazy).
        firstSearchMs,
        medianHits: hits.length ? (hits.sort((a, b) => a - b)[hits.length >> 1] ?? 0) : null,
      },
    });
  },
};

/**
 * A made-up word for index `i`: letters only, so the search's word rules keep it whole.
 * @param {number} i
 */
function word(i) {
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa'];
  let out = '';
  for (let n = i + 10; n > 0; n = Math.floor(n / 10)) out += syllables[n % 10];
  return out;
}

/** @param {() => number} random */
function pick(random) {
  return VOCABULARY[Math.floor(random() * VOCABULARY.length)] ?? 'ka';
}

/**
 * A small deterministic generator (mulberry32), so every run searches the same room.
 * @param {number} seed
 */
function seeded(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
