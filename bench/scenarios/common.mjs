// @ts-check
// What every scenario run returns, and the measuring both paced scenarios and the others share.
import { startRssSampler } from '../lib/memory.mjs';

/**
 * @typedef {object} RunContext
 * @property {import('../lib/targets.mjs').Target} target
 * @property {boolean} quick
 * @property {number} deadline Date.now() by which this run must have ended
 * @property {string} tag unique per run: room names and user ids start with it
 * @property {number} stormSize sockets for the connection storm
 */

/**
 * One scenario against one target, once. Raw samples stay in memory for pooling across rounds
 * and are left out of the JSON file.
 * @typedef {object} RunResult
 * @property {number} sockets sockets that connected
 * @property {Record<string, number>} connectFailures reason -> count
 * @property {number[]} connectMs per socket, until usable
 * @property {number[]} readyAtMs per socket, when it became usable (ms since the first handshake)
 * @property {number[]} latencyMs per delivery, from the sender's send to the receiver's receipt
 * @property {Record<string, number[]>} [latencyByKindMs] the same samples by kind of frame (for
 *   a scenario that compares kinds; one kind may take in others), pooled across rounds per kind
 * @property {number} delivered
 * @property {number} expected
 * @property {boolean} timedOut the wait for the last deliveries ran out of time (so the missing
 *   ones are late or lost: either way, not delivered within the run)
 * @property {number} duplicates
 * @property {Record<string, number>} errors error frames received, by code
 * @property {number | null} deliveredPerSec deliveries / (last delivery - first send)
 * @property {{ baseline: number; peak: number; peakTotal: number; runtimeGone: boolean }} rssKiB runtime workerd at start and at
 *   its peak; peakTotal adds the dev proxy; runtimeGone: a workerd process ended during the run
 * @property {Record<string, number | boolean | string | null>} extra figures only this scenario has
 * @property {boolean} [fresh] the runtime was started just before this run (set by run.mjs)
 */

/**
 * A scenario either runs start to end (`run`) or in two halves (`start`, then the function it
 * returns), so the floor's and the app's idle waits can overlap.
 * `timeFactor` multiplies the time a run may take (a scenario that moves far more bytes);
 * `appOnly` runs against the app alone (a feature the floor doesn't have: no ratios).
 * @typedef {{ name: string; title: string; roundsFactor?: number; overlapped?: boolean; timeFactor?: number; appOnly?: boolean } &
 *   ({ run: (ctx: RunContext) => Promise<RunResult> } | { start: (ctx: RunContext) => Promise<() => Promise<RunResult>> })} Scenario
 */

/**
 * Starts the RSS sampler for a target and returns a function that turns what it saw into the
 * RunResult field.
 * @param {import('../lib/targets.mjs').Target} target
 */
export function sampleMemory(target) {
  const sampler = startRssSampler(target.pgid);
  return {
    sample: sampler.sample,
    /** @returns {RunResult['rssKiB']} */
    stop() {
      const { baseline, peak, processes, vanished } = sampler.stop();
      return {
        baseline: baseline.runtime,
        peak: peak.runtime,
        peakTotal: peak.total,
        runtimeGone: vanished || processes === 0,
      };
    },
  };
}

/**
 * @typedef {Pick<import('../lib/client.mjs').Deliveries,
 *   'latencies' | 'delivered' | 'expected' | 'duplicates' | 'errors' | 'firstSendAt' | 'lastDeliveryAt'>} DeliveryCounts
 */

/**
 * Several Deliveries (kinds of delivery a scenario counts apart) as one: every sample, every
 * count, from the first send to the last delivery of any of them.
 * @param {import('../lib/client.mjs').Deliveries[]} parts
 * @returns {DeliveryCounts}
 */
export function pooled(parts) {
  /** @type {Record<string, number>} */
  const errors = {};
  for (const part of parts)
    for (const [code, n] of Object.entries(part.errors)) errors[code] = (errors[code] ?? 0) + n;
  /** @param {(part: import('../lib/client.mjs').Deliveries) => number} count */
  const sum = (count) => parts.reduce((total, part) => total + count(part), 0);
  return {
    latencies: parts.flatMap((part) => part.latencies),
    delivered: sum((part) => part.delivered),
    expected: sum((part) => part.expected),
    duplicates: sum((part) => part.duplicates),
    errors,
    firstSendAt: Math.min(...parts.map((part) => part.firstSendAt)),
    lastDeliveryAt: Math.max(0, ...parts.map((part) => part.lastDeliveryAt)),
  };
}

/**
 * The RunResult of a run that delivered through `deliveries` to `clients`; the scenario adds
 * only its own throughput figure and extras.
 * @param {{ clients: { connectMs: number; readyAtMs: number }[]; connectFailures: Record<string, number>; deliveries: DeliveryCounts;
 *   allDelivered: boolean; deliveredPerSec: number | null; rssKiB: RunResult['rssKiB']; extra: RunResult['extra'] }} run
 * @returns {RunResult}
 */
export function runResult({
  clients,
  connectFailures,
  deliveries,
  allDelivered,
  deliveredPerSec,
  rssKiB,
  extra,
}) {
  return {
    sockets: clients.length,
    connectFailures,
    connectMs: clients.map((c) => c.connectMs),
    readyAtMs: clients.map((c) => c.readyAtMs),
    latencyMs: deliveries.latencies,
    delivered: deliveries.delivered,
    expected: deliveries.expected,
    timedOut: !allDelivered,
    duplicates: deliveries.duplicates,
    errors: deliveries.errors,
    deliveredPerSec,
    rssKiB,
    extra,
  };
}

/**
 * Milliseconds left before `deadline`, at most `cap`.
 * @param {number} deadline
 * @param {number} cap
 */
export function budget(deadline, cap) {
  return Math.max(0, Math.min(cap, deadline - Date.now()));
}
