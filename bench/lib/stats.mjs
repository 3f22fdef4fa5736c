// @ts-check
// Small numeric helpers: percentiles over raw samples, and rounding for the table.

/**
 * Nearest-rank percentile of unsorted samples; `null` when there are none.
 * @param {ArrayLike<number>} samples
 * @param {number} p 0–100
 * @returns {number | null}
 */
export function percentile(samples, p) {
  if (samples.length === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? null;
}

/**
 * p50/p95/p99/max of latency samples in ms, rounded to 0.01 ms; all `null` when there are none.
 * @param {ArrayLike<number>} samples
 */
export function summarize(samples) {
  if (samples.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = Float64Array.from(samples).sort();
  /** @param {number} p */
  const at = (p) =>
    round(
      sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
        0,
    );
  return {
    count: sorted.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: round(sorted[sorted.length - 1] ?? 0),
  };
}

/**
 * Median of a few numbers (one per round), `null` when there are none.
 * @param {Array<number | null | undefined>} values
 */
export function median(values) {
  const present = /** @type {number[]} */ (
    values.filter((v) => typeof v === 'number' && Number.isFinite(v))
  );
  return percentile(present, 50);
}

/**
 * @param {number} value
 * @param {number} [digits]
 */
export function round(value, digits = 2) {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * app / floor, or `null` when either is missing or the floor is 0.
 * @param {number | null | undefined} app
 * @param {number | null | undefined} floor
 */
export function ratio(app, floor) {
  if (typeof app !== 'number' || typeof floor !== 'number' || floor === 0) return null;
  return round(app / floor, 3);
}
