// @ts-check
// One SVG per bench run, readable at a glance: per scenario, the latency distribution of the app
// and the floor (their quantiles side by side), and for the storms the connect curve (sockets
// usable over time) and the connect-time distribution. Plain SVG text, no dependency.
import { percentile } from './stats.mjs';

/** @typedef {import('../scenarios/common.mjs').RunResult} RunResult */
/** @typedef {{ name: 'floor' | 'app'; values: number[] }} Series */

const QUANTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];
const COLORS = { floor: '#8a8f98', app: '#1f6feb' };
const PANEL = { width: 440, height: 230, gap: 20 };
const PLOT = { left: 58, right: 12, top: 34, bottom: 40 };

/**
 * @param {{ title: string; subtitle: string;
 *   scenarios: { name: string; title: string; runs: Partial<Record<'floor' | 'app', RunResult[]>> }[] }} run
 * @returns {string} the SVG document
 */
export function runChart({ title, subtitle, scenarios }) {
  /** @type {((x: number, y: number) => string)[]} */
  const panels = [];
  for (const { name, title: scenarioTitle, runs } of scenarios) {
    const latency = seriesOf(runs, (r) => r.latencyMs);
    if (latency.length) panels.push(quantilePanel(`${name}: latency (ms)`, scenarioTitle, latency));
    if (!name.startsWith('storm')) continue;
    panels.push(
      quantilePanel(
        `${name}: connect time (ms)`,
        scenarioTitle,
        seriesOf(runs, (r) => r.connectMs),
      ),
    );
    const curves = /** @type {const} */ (['floor', 'app']).flatMap((target) => {
      const ready = runs[target]?.[0]?.readyAtMs;
      return ready?.length ? [{ name: target, values: ready }] : [];
    });
    if (curves.length)
      panels.push(curvePanel(`${name}: sockets usable over time (first round)`, curves));
  }
  const columns = 2;
  const rows = Math.ceil(panels.length / columns);
  const width = columns * PANEL.width + (columns + 1) * PANEL.gap;
  const header = 64;
  const height = header + rows * (PANEL.height + PANEL.gap) + PANEL.gap;
  const body = panels.map((draw, i) =>
    draw(
      PANEL.gap + (i % columns) * (PANEL.width + PANEL.gap),
      header + Math.floor(i / columns) * (PANEL.height + PANEL.gap),
    ),
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${PANEL.gap}" y="26" font-size="16" font-weight="600" fill="#111">${esc(title)}</text>`,
    `<text x="${PANEL.gap}" y="46" fill="#444">${esc(subtitle)}</text>`,
    legend(width - PANEL.gap - 150, 20),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * Samples of every round of each target, pooled.
 * @param {Partial<Record<'floor' | 'app', RunResult[]>>} runs
 * @param {(run: RunResult) => number[]} pick
 * @returns {Series[]}
 */
function seriesOf(runs, pick) {
  return /** @type {const} */ (['floor', 'app']).flatMap((name) => {
    const values = (runs[name] ?? []).flatMap(pick);
    return values.length ? [{ name, values }] : [];
  });
}

/**
 * Bars of the quantiles of each series, floor and app side by side per quantile.
 * @param {string} title
 * @param {string} subtitle
 * @param {Series[]} series
 */
function quantilePanel(title, subtitle, series) {
  const quantiles = series.map(({ name, values }) => ({
    name,
    q: QUANTILES.map((p) => percentile(values, p) ?? 0),
  }));
  const top = niceMax(Math.max(...quantiles.flatMap(({ q }) => q)));
  return (/** @type {number} */ x0, /** @type {number} */ y0) => {
    const { w, h, frame } = panelFrame(x0, y0, title, subtitle, top, (v) => fmt(v));
    const slot = w / QUANTILES.length;
    const bar = (slot * 0.8) / Math.max(1, quantiles.length);
    const parts = [frame];
    QUANTILES.forEach((p, i) => {
      const sx = x0 + PLOT.left + i * slot + slot * 0.1;
      quantiles.forEach(({ name, q }, k) => {
        const v = q[i] ?? 0;
        const bh = top > 0 ? (v / top) * h : 0;
        parts.push(
          `<rect x="${r(sx + k * bar)}" y="${r(y0 + PLOT.top + h - bh)}" width="${r(bar - 1)}" height="${r(bh)}" fill="${COLORS[name]}"><title>${name} p${p}: ${fmt(v)}</title></rect>`,
        );
      });
      parts.push(
        `<text x="${r(sx + slot * 0.4)}" y="${r(y0 + PLOT.top + h + 14)}" text-anchor="middle" fill="#444">${p === 0 ? 'min' : p === 100 ? 'max' : `p${p}`}</text>`,
      );
    });
    return parts.join('\n');
  };
}

/**
 * Cumulative count of sockets usable against seconds since the first handshake.
 * @param {string} title
 * @param {Series[]} series ready times in ms since the storm started, per socket
 */
function curvePanel(title, series) {
  const lastMs = Math.max(...series.flatMap(({ values }) => values));
  const most = Math.max(...series.map(({ values }) => values.length));
  const top = niceMax(most);
  const right = niceMax(lastMs / 1000);
  return (/** @type {number} */ x0, /** @type {number} */ y0) => {
    const { w, h, frame } = panelFrame(
      x0,
      y0,
      title,
      'sockets usable (welcomed, or open for the floor)',
      top,
      (v) => fmt(v, 0),
    );
    const parts = [frame];
    for (const { name, values } of series) {
      const sorted = [...values].sort((a, b) => a - b);
      const step = Math.max(1, Math.floor(sorted.length / 200));
      const points = [`${r(x0 + PLOT.left)},${r(y0 + PLOT.top + h)}`];
      for (let i = 0; i < sorted.length; i += step) {
        const t = (sorted[i] ?? 0) / 1000;
        points.push(
          `${r(x0 + PLOT.left + (t / right) * w)},${r(y0 + PLOT.top + h - ((i + 1) / top) * h)}`,
        );
      }
      const t = (sorted[sorted.length - 1] ?? 0) / 1000;
      points.push(
        `${r(x0 + PLOT.left + (t / right) * w)},${r(y0 + PLOT.top + h - (sorted.length / top) * h)}`,
      );
      parts.push(
        `<polyline points="${points.join(' ')}" fill="none" stroke="${COLORS[name]}" stroke-width="2"><title>${name}: ${sorted.length} sockets in ${fmt(t)} s</title></polyline>`,
      );
    }
    for (let i = 0; i <= 4; i++) {
      const t = (right * i) / 4;
      parts.push(
        `<text x="${r(x0 + PLOT.left + (i / 4) * w)}" y="${r(y0 + PLOT.top + h + 14)}" text-anchor="middle" fill="#444">${fmt(t)} s</text>`,
      );
    }
    return parts.join('\n');
  };
}

/**
 * A panel's box, titles and horizontal grid with its labels.
 * @param {number} x0
 * @param {number} y0
 * @param {string} title
 * @param {string} subtitle
 * @param {number} top the value at the top of the plot
 * @param {(v: number) => string} label
 */
function panelFrame(x0, y0, title, subtitle, top, label) {
  const w = PANEL.width - PLOT.left - PLOT.right;
  const h = PANEL.height - PLOT.top - PLOT.bottom;
  const parts = [
    `<rect x="${x0}" y="${y0}" width="${PANEL.width}" height="${PANEL.height}" fill="none" stroke="#d0d4da"/>`,
    `<text x="${x0 + 8}" y="${y0 + 15}" font-weight="600" fill="#111">${esc(title)}</text>`,
    `<text x="${x0 + 8}" y="${y0 + 28}" fill="#666">${esc(subtitle.length > 80 ? `${subtitle.slice(0, 77)}...` : subtitle)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = y0 + PLOT.top + h - (i / 4) * h;
    parts.push(
      `<line x1="${x0 + PLOT.left}" x2="${x0 + PLOT.left + w}" y1="${r(y)}" y2="${r(y)}" stroke="#eceef1"/>`,
    );
    parts.push(
      `<text x="${x0 + PLOT.left - 6}" y="${r(y + 4)}" text-anchor="end" fill="#444">${label((top * i) / 4)}</text>`,
    );
  }
  return { w, h, frame: parts.join('\n') };
}

/** @param {number} x @param {number} y */
function legend(x, y) {
  return /** @type {const} */ (['floor', 'app'])
    .map(
      (name, i) =>
        `<rect x="${x + i * 75}" y="${y - 9}" width="12" height="12" fill="${COLORS[name]}"/><text x="${x + i * 75 + 17}" y="${y + 1}" fill="#111">${name}</text>`,
    )
    .join('\n');
}

/** A round number at or above `v`: 1, 2 or 5 times a power of ten. */
function niceMax(/** @type {number} */ v) {
  if (!(v > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * power >= v) return m * power;
  return 10 * power;
}

/** @param {number} v @param {number} [digits] */
function fmt(v, digits) {
  if (digits !== undefined) return v.toFixed(digits);
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** @param {number} v */
function r(v) {
  return Math.round(v * 10) / 10;
}

/** @param {string} text */
function esc(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
