// @ts-check
// Turns the runs of every scenario into figures per target (samples pooled across rounds), the
// app's ratios to the floor, the pass/fail of each target, and the printed table.
import { median, ratio, round, summarize } from './stats.mjs';

/** @typedef {import('../scenarios/common.mjs').RunResult} RunResult */

/**
 * p99 of one kind of delivery over another's, within one server, each pooled over the rounds of
 * one bench run (the changes scenario's target): [figure, kind, base kind].
 */
const KIND_RATIOS = /** @type {const} */ ([['updateToMessageP99', 'update', 'message']]);

/**
 * The figures of one target in one scenario, over all its rounds.
 * @param {RunResult[]} runs
 */
export function aggregate(runs) {
  const connect = summarize(runs.flatMap((r) => r.connectMs));
  const latency = summarize(runs.flatMap((r) => r.latencyMs));
  const delivered = runs.reduce((sum, r) => sum + r.delivered, 0);
  const expected = runs.reduce((sum, r) => sum + r.expected, 0);
  /** @type {Record<string, number>} */
  const connectFailures = {};
  /** @type {Record<string, number>} */
  const errors = {};
  for (const r of runs) {
    for (const [k, n] of Object.entries(r.connectFailures))
      connectFailures[k] = (connectFailures[k] ?? 0) + n;
    for (const [k, n] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + n;
  }
  /** @type {Record<string, number | boolean | string | null>} */
  const extra = {};
  for (const key of new Set(runs.flatMap((r) => Object.keys(r.extra)))) {
    const values = runs.map((r) => r.extra[key]);
    if (values.every((v) => typeof v === 'boolean'))
      extra[key] = values.every((v) => v === values[0])
        ? /** @type {boolean} */ (values[0])
        : 'mixed';
    else extra[key] = nullableRound(median(values.map((v) => (typeof v === 'number' ? v : null))));
  }
  // Latency by kind, pooled across rounds like the latency above (a median of per-run p99s would
  // be the lower of two rounds' figures).
  for (const kind of new Set(runs.flatMap((r) => Object.keys(r.latencyByKindMs ?? {})))) {
    const pooled = summarize(runs.flatMap((r) => r.latencyByKindMs?.[kind] ?? []));
    extra[`${kind}P50Ms`] = pooled.p50;
    extra[`${kind}P99Ms`] = pooled.p99;
  }
  for (const [key, kind, base] of KIND_RATIOS) {
    const [p99, baseP99] = [extra[`${kind}P99Ms`], extra[`${base}P99Ms`]];
    if (typeof p99 === 'number' && typeof baseP99 === 'number') extra[key] = ratio(p99, baseP99);
  }
  // Only runs on a freshly started runtime say what sockets cost: RSS is a high-water mark, and a
  // warm runtime reuses memory an earlier run left behind.
  const freshRuns = runs.filter((r) => r.fresh);
  const memoryRuns = freshRuns.length ? freshRuns : runs;
  const perSocket = memoryRuns.map((r) =>
    r.sockets > 0 ? (r.rssKiB.peak - r.rssKiB.baseline) / r.sockets : null,
  );
  return {
    rounds: runs.length,
    sockets: median(runs.map((r) => r.sockets)),
    connectMs: { p50: connect.p50, p99: connect.p99 },
    connectFailures,
    latencyMs: {
      p50: latency.p50,
      p95: latency.p95,
      p99: latency.p99,
      max: latency.max,
      samples: latency.count,
    },
    deliveredPerSec: nullableRound(median(runs.map((r) => r.deliveredPerSec)), 0),
    delivered,
    expected,
    lost: Math.max(0, expected - delivered),
    // Runs whose wait for the last deliveries ran out of time: what is missing is late or lost.
    timedOutRuns: runs.filter((r) => r.timedOut).length,
    duplicates: runs.reduce((sum, r) => sum + r.duplicates, 0),
    errors,
    rss: {
      // Growth of the runtime workerd (the process running the Worker and its Durable Objects)
      // from before the first socket to its peak, per connected socket.
      perSocketKiB: nullableRound(median(perSocket), 1),
      fromFreshRuntime: freshRuns.length === memoryRuns.length,
      peakMiB: nullableRound(Math.max(...runs.map((r) => r.rssKiB.peak)) / 1024, 1),
      peakWithDevProxyMiB: nullableRound(
        Math.max(...runs.map((r) => r.rssKiB.peakTotal)) / 1024,
        1,
      ),
    },
    extra,
  };
}

/** @typedef {ReturnType<typeof aggregate>} Figures */

/** Scenario-specific figures that are compared too, when both targets have them. */
const EXTRA_RATIOS = [
  'connectAllMs',
  'broadcastMs',
  'acceptedPerSec',
  'runtimeCpuMsPer1kDeliveries',
  'runtimeCpuMsPerConnect',
  'pongP99Ms',
  'messageP99Ms',
  'updateP99Ms',
];
/** @type {Set<string>} scenario figures that are already a ratio (within one server) */
const RATIO_EXTRAS = new Set(KIND_RATIOS.map(([key]) => key));

/**
 * app / floor for every comparable figure.
 * @param {Figures} floor
 * @param {Figures} app
 */
export function ratios(floor, app) {
  /** @type {Record<string, number | null>} */
  const out = {
    connectP50: ratio(app.connectMs.p50, floor.connectMs.p50),
    connectP99: ratio(app.connectMs.p99, floor.connectMs.p99),
    latencyP50: ratio(app.latencyMs.p50, floor.latencyMs.p50),
    latencyP95: ratio(app.latencyMs.p95, floor.latencyMs.p95),
    latencyP99: ratio(app.latencyMs.p99, floor.latencyMs.p99),
    latencyMax: ratio(app.latencyMs.max, floor.latencyMs.max),
    deliveredPerSec: ratio(app.deliveredPerSec, floor.deliveredPerSec),
    rssPerSocket: ratio(app.rss.perSocketKiB, floor.rss.perSocketKiB),
  };
  for (const key of EXTRA_RATIOS) {
    const a = app.extra[key];
    const f = floor.extra[key];
    if (typeof a === 'number' && typeof f === 'number') out[key] = ratio(a, f);
  }
  return out;
}

/**
 * The issues' targets: [scenario, figure, key, 'max' | 'min', limit, label], where the figure is
 * one of the app's ratios to the floor (`ratio`) or one of the app's own scenario figures (`app`,
 * a key of its `extra`). The storms' (issue 15): connect p99, the time until every socket has its
 * welcome (`connectAllMs`), the runtime's memory growth per socket, and the time from the one
 * broadcast until every socket has it; `storm-heavy` is the storm with the largest welcome. The changes
 * scenario's compares the app with itself: an update against a message, in the same run.
 */
export const TARGETS = /** @type {const} */ ([
  ['fanout', 'ratio', 'latencyP99', 'max', 1.25, 'fan-out p99 latency <= 1.25x floor'],
  ['burst', 'ratio', 'deliveredPerSec', 'min', 0.8, 'burst throughput >= 0.8x floor'],
  ['storm', 'ratio', 'connectP99', 'max', 1.3, 'storm: connect p99 <= 1.3x floor'],
  ['storm', 'ratio', 'connectAllMs', 'max', 1.3, 'storm: time until all welcomed <= 1.3x floor'],
  ['storm', 'ratio', 'rssPerSocket', 'max', 1.3, 'storm: memory growth per socket <= 1.3x floor'],
  ['storm', 'ratio', 'broadcastMs', 'max', 1.25, 'storm: time to deliver to all <= 1.25x floor'],
  ['storm-heavy', 'ratio', 'connectP99', 'max', 1.3, 'storm-heavy: connect p99 <= 1.3x floor'],
  [
    'storm-heavy',
    'ratio',
    'connectAllMs',
    'max',
    1.3,
    'storm-heavy: time until all welcomed <= 1.3x floor',
  ],
  [
    'storm-heavy',
    'ratio',
    'rssPerSocket',
    'max',
    1.3,
    'storm-heavy: memory growth per socket <= 1.3x floor',
  ],
  [
    'storm-heavy',
    'ratio',
    'broadcastMs',
    'max',
    1.25,
    'storm-heavy: time to deliver to all <= 1.25x floor',
  ],
  [
    'changes',
    'app',
    'updateToMessageP99',
    'max',
    1.25,
    'changes: update fan-out p99 <= 1.25x message fan-out p99 (app)',
  ],
]);

/**
 * @param {number | null | undefined} value
 * @param {number} [digits]
 */
function nullableRound(value, digits = 2) {
  return typeof value === 'number' && Number.isFinite(value) ? round(value, digits) : null;
}

/**
 * @param {number | null | undefined} value
 * @param {number} [digits]
 */
function fmt(value, digits = 1) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 1_000) return value.toFixed(0);
  return value.toFixed(digits);
}

/** @param {number | null | undefined} value */
function x(value) {
  return typeof value === 'number' ? `${value.toFixed(2)}x` : '-';
}

/**
 * One scenario figure as printed: a ratio as `1.07x`, other numbers rounded.
 * @param {string} key
 * @param {number | boolean | string | null} value
 */
function extraCell(key, value) {
  if (typeof value !== 'number') return String(value);
  return RATIO_EXTRAS.has(key) ? x(value) : fmt(value, 1);
}

/**
 * The table for one scenario: a row per target and a row of ratios.
 * @param {string} title
 * @param {Partial<Record<'floor' | 'app', Figures>>} figures
 * @param {Record<string, number | null> | null} r
 */
export function scenarioTable(title, figures, r) {
  const head = [
    '',
    'sockets',
    'conn p50',
    'conn p99',
    'lat p50',
    'lat p95',
    'lat p99',
    'lat max',
    'deliv/s',
    'delivered/expected',
    'KiB/sock',
  ];
  /** @type {string[][]} */
  const rows = [head];
  for (const name of /** @type {const} */ (['floor', 'app'])) {
    const f = figures[name];
    if (!f) continue;
    rows.push([
      name,
      fmt(f.sockets, 0),
      fmt(f.connectMs.p50),
      fmt(f.connectMs.p99),
      fmt(f.latencyMs.p50, 2),
      fmt(f.latencyMs.p95, 2),
      fmt(f.latencyMs.p99, 2),
      fmt(f.latencyMs.max, 1),
      fmt(f.deliveredPerSec, 0),
      `${f.delivered}/${f.expected}${f.lost ? ' LOST!' : ''}`,
      fmt(f.rss.perSocketKiB, 1),
    ]);
  }
  if (r) {
    rows.push([
      'app/floor',
      '',
      x(r.connectP50),
      x(r.connectP99),
      x(r.latencyP50),
      x(r.latencyP95),
      x(r.latencyP99),
      x(r.latencyMax),
      x(r.deliveredPerSec),
      '',
      x(r.rssPerSocket),
    ]);
  }
  const widths = head.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  '),
  );
  const extras = [];
  for (const name of /** @type {const} */ (['floor', 'app'])) {
    const f = figures[name];
    if (f && Object.keys(f.extra).length)
      extras.push(
        `  ${name}: ${Object.entries(f.extra)
          .map(([k, v]) => `${k}=${extraCell(k, v)}`)
          .join(' ')}`,
      );
  }
  const extraRatios = r ? EXTRA_RATIOS.filter((key) => typeof r[key] === 'number') : [];
  if (r && extraRatios.length)
    extras.push(`  app/floor: ${extraRatios.map((key) => `${key}=${x(r[key])}`).join(' ')}`);
  return [title, ...lines, ...extras].join('\n');
}
