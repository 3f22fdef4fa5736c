// @ts-check
// `node bench/profile.mjs`: a CPU profile of the app's runtime during one bench scenario (the
// storm by default). Starts the app with `wrangler dev` and a fixed inspector port, attaches to
// the runtime's V8 through wrangler's inspector proxy (the Chrome DevTools protocol), runs
// Profiler.start, the scenario, Profiler.stop, and prints where the time went: self time per
// function and per source. The whole profile is written to bench/results/<scenario>.cpuprofile.tmp
// (open it in Chrome DevTools, Performance tab, or speedscope). The Worker and its Durable Objects
// run in one isolate under wrangler dev, so the profile covers both.
// Flags: --scenario storm|storm-heavy|burst|fanout (default storm), --storm <sockets> (default
// 2000), --interval <µs> sampling interval (default 200), --top <n> rows (default 30).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { freePort } from '../test/e2e/wrangler.mjs';
import { startTarget } from './lib/targets.mjs';
import { burst } from './scenarios/burst.mjs';
import { fanout } from './scenarios/paced.mjs';
import { storm, stormHeavy } from './scenarios/storm.mjs';

const SCENARIOS = { storm, 'storm-heavy': stormHeavy, burst, fanout };
const { values: flags } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'storm' },
    storm: { type: 'string', default: '2000' },
    interval: { type: 'string', default: '200' },
    top: { type: 'string', default: '30' },
  },
});
const scenarioName = /** @type {keyof typeof SCENARIOS} */ (flags.scenario);
const scenario = SCENARIOS[scenarioName];
if (!scenario) {
  console.error(`--scenario ${flags.scenario}: use one of ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}

const inspectorPort = await freePort();
const target = await startTarget('app', 'memory', { inspectorPort });
const inspector = await attach(inspectorPort);
try {
  await inspector.call('Profiler.enable');
  await inspector.call('Profiler.setSamplingInterval', { interval: Number(flags.interval) });
  await inspector.call('Profiler.start');
  // The JS heap's high-water mark over the run: what of the runtime's memory is V8's.
  const heap = { used: 0, total: 0 };
  const heapBefore = /** @type {{ usedSize: number; totalSize: number }} */ (
    await inspector.call('Runtime.getHeapUsage')
  );
  const heapTimer = setInterval(async () => {
    const usage = /** @type {{ usedSize: number; totalSize: number }} */ (
      await inspector.call('Runtime.getHeapUsage')
    );
    heap.used = Math.max(heap.used, usage.usedSize);
    heap.total = Math.max(heap.total, usage.totalSize);
  }, 250);
  const result = await scenario.run({
    target,
    quick: false,
    stormSize: Number(flags.storm),
    tag: `p${Date.now().toString(36).slice(-6)}-${scenarioName}`,
    deadline: Date.now() + 120_000,
  });
  clearInterval(heapTimer);
  const mib = (/** @type {number} */ bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  console.log(
    `JS heap: before ${mib(heapBefore.usedSize)} used of ${mib(heapBefore.totalSize)}; ` +
      `peak ${mib(heap.used)} used, ${mib(heap.total)} allocated; ` +
      `runtime RSS growth ${mib((result.rssKiB.peak - result.rssKiB.baseline) * 1024)}`,
  );
  const { profile } = /** @type {{ profile: CpuProfile }} */ (
    await inspector.call('Profiler.stop')
  );
  const file = fileURLToPath(new URL(`./results/${scenarioName}.cpuprofile.tmp`, import.meta.url));
  writeFileSync(file, JSON.stringify(profile));
  console.log(
    `${scenarioName}: ${result.sockets} sockets, delivered ${result.delivered}/${result.expected}, ` +
      `extra ${JSON.stringify(result.extra)}`,
  );
  summarise(profile, Number(flags.top));
  console.log(`\nwrote ${file}`);
} finally {
  inspector.close();
  await target.stop();
}

/**
 * @typedef {{ id: number; callFrame: { functionName: string; url: string; lineNumber: number };
 *   children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }} CpuProfile
 */

/**
 * Prints self time per function and per source file, and the idle share.
 * @param {CpuProfile} profile
 * @param {number} top
 */
function summarise(profile, top) {
  /** @type {Map<number, number>} */
  const selfUs = new Map();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = profile.endTime - profile.startTime;
  /** @type {Map<string, number>} */
  const byFunction = new Map();
  /** @type {Map<string, number>} */
  const bySource = new Map();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (!us) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const source = shortSource(url);
    const key = `${functionName || '(anonymous)'}  ${source}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    if (functionName !== '(idle)') bySource.set(source, (bySource.get(source) ?? 0) + us);
  }
  const busy = total - (byFunction.get('(idle)  (native)') ?? 0);
  const ms = (/** @type {number} */ us) => (us / 1000).toFixed(1).padStart(9);
  const pct = (/** @type {number} */ us) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
  console.log(`\nprofile ${ms(total)} ms, of it not idle ${ms(busy)} ms (self time below)`);
  console.log('\nby function:');
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    if (!key.startsWith('(idle)')) console.log(`${ms(us)} ms ${pct(us)}  ${key}`);
  console.log('\nby source:');
  for (const [source, us] of [...bySource].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`${ms(us)} ms ${pct(us)}  ${source}`);
}

/**
 * The part of a script URL that says where code comes from: a package, a file of src/, or
 * (native) for the runtime's own work (garbage collection, the program, idle).
 * @param {string} url
 */
function shortSource(url) {
  if (!url) return '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] ?? url;
  const src = /(src\/[^?]+|public\/[^?]+|bench\/[^?]+)/.exec(url);
  return src?.[1] ?? url.slice(-60);
}

/**
 * Connects to wrangler's inspector proxy (which forwards to the runtime's V8) and returns a
 * DevTools-protocol client with request/response matching.
 * @param {number} port
 */
async function attach(port) {
  const list = /** @type {{ webSocketDebuggerUrl: string }[]} */ (
    await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()
  );
  const url = list[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 1;
  /** @type {Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>} */
  const pending = new Map();
  ws.on('message', (data) => {
    const message = JSON.parse(String(data));
    const waiting = message.id !== undefined ? pending.get(message.id) : undefined;
    if (!waiting) return;
    pending.delete(message.id);
    if (message.error) waiting.reject(new Error(JSON.stringify(message.error)));
    else waiting.resolve(message.result);
  });
  return {
    /**
     * @param {string} method
     * @param {Record<string, unknown>} [params]
     */
    call(method, params = {}) {
      const id = nextId++;
      ws.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    close: () => ws.close(),
  };
}
