// @ts-check
// `npm run bench`: starts the floor (bench/floor) and the app with `wrangler dev` on loopback, runs
// every scenario against both (one after the other, never at the same time), prints a table of
// the app's figures as ratios to the floor and writes them to bench/results/latest.json.
// Flags: --quick (a short version of everything, under a minute), --only <name[,name]>,
// --rounds <n>, --storm <sockets>, --storage memory|disk (where Durable Object storage lives;
// see bench/lib/targets.mjs). Every wait is bounded, and a hard deadline ends the run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sleep } from './lib/client.mjs';
import { runChart } from './lib/chart.mjs';
import { aggregate, ratios, scenarioTable, TARGETS } from './lib/report.mjs';
import { startTarget, storageRoot } from './lib/targets.mjs';
import { burst } from './scenarios/burst.mjs';
import { changes } from './scenarios/changes.mjs';
import { idle } from './scenarios/idle.mjs';
import { fanout, rooms } from './scenarios/paced.mjs';
import { search } from './scenarios/search.mjs';
import { storm, stormHeavy } from './scenarios/storm.mjs';

/** @type {import('./scenarios/common.mjs').Scenario[]} */
// The newest last, so that a --quick run on a loaded machine, which ends at its deadline, still
// gets through the older ones.
const SCENARIOS = [fanout, burst, rooms, storm, idle, changes, stormHeavy, search];
/** File descriptors we ask for: the runtime workerd of wrangler dev holds about 6 per WebSocket. */
const WANTED_NOFILE = 65_536;
const STORM_MIN = 2_000;
const STORM_MAX = 8_000;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    storm: { type: 'string' },
    storage: { type: 'string', default: 'memory' },
  },
});

raiseFileLimitOrContinue();

const quick = flags.quick ?? false;
const storage = flags.storage === 'disk' ? 'disk' : 'memory';
if (flags.storage !== 'disk' && flags.storage !== 'memory')
  fail(`--storage ${flags.storage}: use memory or disk`);
const started = Date.now();
// The whole run ends by itself: about 10 minutes normally, under a minute with --quick.
const hardDeadline = started + (quick ? 58_000 : 25 * 60_000);
const perRunCapMs = quick ? 12_000 : 60_000;
const rounds = Number(flags.rounds ?? (quick ? 1 : 2));
const nofile = openFileLimit();
// Each socket costs one descriptor here and about 6 in the runtime workerd, which inherits our
// limit (measured: 14,749 open for 2,454 sockets); past that, handshakes fail with ECONNRESET.
const stormSize = Number(
  flags.storm ?? Math.max(STORM_MIN, Math.min(STORM_MAX, Math.floor((nofile - 1_500) / 7))),
);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10)
  fail(`--rounds ${flags.rounds}: use a whole number from 1 to 10`);
if (!Number.isInteger(stormSize) || stormSize < 1 || stormSize > 50_000)
  fail(`--storm ${flags.storm}: use a whole number of sockets`);
const only = flags.only?.split(',').map((s) => s.trim());
const selected = SCENARIOS.filter((s) => !only || only.includes(s.name));
if (selected.length === 0)
  fail(`--only ${flags.only}: no such scenario (have ${SCENARIOS.map((s) => s.name).join(', ')})`);
const runTag = `b${started.toString(36).slice(-6)}`;
const RESULTS = fileURLToPath(new URL('./results/latest.json', import.meta.url));

/** @type {Map<'floor' | 'app', import('./lib/targets.mjs').Target>} */
const targets = new Map();
/** @type {Record<string, Partial<Record<'floor' | 'app', import('./scenarios/common.mjs').RunResult[]>>>} */
const results = {};
/** @type {string[]} */
const problems = [];

const deadlineTimer = setTimeout(async () => {
  console.error(
    `\n!!! HARD DEADLINE: the run did not finish within ${Math.round((hardDeadline - started) / 1000)} s; stopping with what we have.`,
  );
  problems.push('hard deadline hit: results are partial');
  await finish(2);
}, hardDeadline - started);

console.log(
  `edge chat bench: ${quick ? 'quick' : 'full'}, ${rounds} round(s), scenarios ${selected.map((s) => s.name).join(', ')}; ` +
    `open-file limit ${nofile}, storm ${stormSize} sockets, storage ${storage} (${storageRoot(storage)}), ${cpus().length} cpus`,
);
if (stormSize < STORM_MIN)
  problems.push(`storm uses ${stormSize} sockets, fewer than ${STORM_MIN}`);
// Both start at once (they are idle until their turn); wrangler takes a few seconds each.
await Promise.all(
  /** @type {const} */ (['floor', 'app']).map(async (name) => {
    const t0 = Date.now();
    try {
      targets.set(name, await startTarget(name, storage));
      console.log(
        `  ${name} up in ${((Date.now() - t0) / 1000).toFixed(1)} s on port ${targets.get(name)?.port}`,
      );
    } catch (err) {
      problems.push(`${name} did not start: ${String(err).slice(0, 2000)}`);
      console.error(`!!! ${name} did not start:\n${err}`);
    }
  }),
);

// Memory is a high-water mark that never comes down, so a full run gives every round a fresh
// runtime (a few seconds per restart); --quick measures memory on a warm one.
let runtimesUsed = false;
for (const scenario of selected) {
  results[scenario.name] = {};
  // Short scenarios get more rounds: their figure is a median, and one noisy round moves it less.
  const scenarioRounds = quick ? rounds : rounds * (scenario.roundsFactor ?? 1);
  for (let round = 0; round < scenarioRounds; round++) {
    const fresh = !quick || !runtimesUsed;
    if (!quick && runtimesUsed) await restartTargets();
    runtimesUsed = true;
    // ABBA: the floor goes first in even rounds, the app in odd ones, so drift cancels out.
    /** @type {('floor' | 'app')[]} */
    const order = round % 2 === 0 ? ['floor', 'app'] : ['app', 'floor'];
    const contexts = order.flatMap((name) => {
      const target = scenario.appOnly && name === 'floor' ? undefined : targets.get(name);
      return target
        ? [
            {
              target,
              quick,
              stormSize,
              tag: `${runTag}-${scenario.name}-${name}${round}`,
              deadline: Math.min(
                hardDeadline - 5_000,
                Date.now() + perRunCapMs * (scenario.overlapped ? 2 : 1),
              ),
            },
          ]
        : [];
    });
    if ('start' in scenario) {
      // Both connect (one after the other), both wait out the same idle period, both finish.
      const finishers = [];
      const t0 = Date.now();
      for (const ctx of contexts) finishers.push({ ctx, finishRun: await scenario.start(ctx) });
      for (const { ctx, finishRun } of finishers)
        record(scenario.name, ctx.target.name, { ...(await finishRun()), fresh }, t0);
    } else {
      for (const ctx of contexts) {
        const t0 = Date.now();
        ctx.deadline = Math.min(
          hardDeadline - 5_000,
          t0 + perRunCapMs * (scenario.timeFactor ?? 1),
        );
        record(scenario.name, ctx.target.name, { ...(await scenario.run(ctx)), fresh }, t0);
        await sleep(quick ? 200 : 1_000); // let closes drain before the other target starts
      }
    }
  }
}
clearTimeout(deadlineTimer);
await finish(0);

/** Restarts both runtimes at once; a target that fails to come back is dropped and reported. */
async function restartTargets() {
  await Promise.all(
    [...targets.values()].map(async (target) => {
      try {
        await target.restart();
      } catch (err) {
        targets.delete(target.name);
        problems.push(`${target.name} did not restart: ${String(err).slice(0, 2000)}`);
      }
    }),
  );
}

/**
 * @param {string} scenario
 * @param {'floor' | 'app'} target
 * @param {import('./scenarios/common.mjs').RunResult} result
 * @param {number} t0 when the run started (Date.now())
 */
function record(scenario, target, result, t0) {
  const runs = (results[scenario] ??= {});
  (runs[target] ??= []).push(result);
  if (result.rssKiB.runtimeGone)
    problems.push(
      `${scenario}/${target}: a workerd process ended during the run (restart or crash); see ${target}-output.log.tmp`,
    );
  const lost = result.expected - result.delivered;
  const failed = Object.values(result.connectFailures).reduce((a, b) => a + b, 0);
  console.log(
    `  ${scenario.padEnd(11)} ${target.padEnd(5)} sockets ${result.sockets}, delivered ${result.delivered}/${result.expected}` +
      (lost
        ? ` (${lost} LOST${result.timedOut ? ': not delivered before the time limit' : ''})`
        : '') +
      (failed ? `, ${failed} connects FAILED ${JSON.stringify(result.connectFailures)}` : '') +
      (Object.keys(result.errors).length ? `, error frames ${JSON.stringify(result.errors)}` : '') +
      (result.rssKiB.runtimeGone ? ', THE RUNTIME RESTARTED OR DIED' : '') +
      ` (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
}

/** Prints the table, checks the targets, writes the JSON, stops both servers and exits. */
async function finish(/** @type {number} */ code) {
  /** @type {Record<string, unknown>} */
  const scenarios = {};
  /** @type {{ target: string; ratio: number | null; limit: number; met: boolean }[]} */
  const verdicts = [];
  const tables = [];
  for (const scenario of selected) {
    const runs = results[scenario.name];
    if (!runs) continue;
    const floor = runs.floor?.length ? aggregate(runs.floor) : undefined;
    const app = runs.app?.length ? aggregate(runs.app) : undefined;
    const r = floor && app ? ratios(floor, app) : null;
    scenarios[scenario.name] = { title: scenario.title, floor, app, ratios: r };
    tables.push(scenarioTable(`${scenario.name}: ${scenario.title}`, { floor, app }, r));
    for (const [name, f] of /** @type {const} */ ([
      ['floor', floor],
      ['app', app],
    ])) {
      if (!f) continue;
      if (f.lost > 0)
        problems.push(
          `${scenario.name}/${name}: ${f.lost} of ${f.expected} messages LOST` +
            (f.timedOutRuns
              ? ` (${f.timedOutRuns} run(s) ran out of time waiting: late or lost)`
              : ''),
        );
      if (f.duplicates > 0)
        problems.push(`${scenario.name}/${name}: ${f.duplicates} duplicate deliveries`);
      const failed = Object.values(f.connectFailures).reduce((a, b) => a + b, 0);
      if (failed > 0)
        problems.push(
          `${scenario.name}/${name}: ${failed} connects failed ${JSON.stringify(f.connectFailures)}`,
        );
      if (Object.keys(f.errors).length)
        problems.push(`${scenario.name}/${name}: error frames ${JSON.stringify(f.errors)}`);
      if (scenario.name === 'idle') {
        if (f.extra.hibernated !== true)
          problems.push(
            `idle/${name}: hibernation not seen (${f.extra.hibernated}); the room logs no wake, or never slept`,
          );
        if (f.extra.pingWokeRoom !== false)
          problems.push(`idle/${name}: a ping woke the room (${f.extra.pingWokeRoom})`);
        if (f.extra.pongs !== f.sockets)
          problems.push(`idle/${name}: ${f.extra.pongs} pongs for ${f.sockets} pings`);
      }
    }
  }
  for (const [scenario, figure, key, kind, limit, label] of TARGETS) {
    const entry =
      /** @type {{ ratios?: Record<string, number | null> | null; app?: import('./lib/report.mjs').Figures } | undefined} */ (
        scenarios[scenario]
      );
    if (!entry) continue;
    const found = figure === 'ratio' ? entry.ratios?.[key] : entry.app?.extra[key];
    const value = typeof found === 'number' ? found : null;
    verdicts.push({
      target: label,
      ratio: value,
      limit,
      met: value !== null && (kind === 'max' ? value <= limit : value >= limit),
    });
  }
  const lost = Object.values(scenarios).reduce((/** @type {number} */ sum, s) => {
    const { floor, app } = /** @type {{ floor?: { lost: number }; app?: { lost: number } }} */ (s);
    return sum + (floor?.lost ?? 0) + (app?.lost ?? 0);
  }, 0);
  verdicts.push({
    target: '0 messages lost everywhere',
    ratio: lost,
    limit: 0,
    met: lost === 0 && Object.keys(scenarios).length > 0,
  });

  console.log(`\n${tables.join('\n\n')}\n`);
  console.log(
    'latency and connect times in ms; deliv/s = deliveries per second; KiB/sock = peak RSS of the runtime workerd minus its RSS ' +
      `before the run, per connected socket (${quick ? 'warm runtime: rough' : 'each run on a freshly started runtime'})`,
  );
  console.log('\nTargets (the app as a ratio to the floor, or to itself, in the same run):');
  for (const v of verdicts)
    console.log(
      `  [${v.met ? 'MET' : 'NOT MET'}] ${v.target}: ${v.ratio === null ? 'no figure' : v.ratio}`,
    );
  if (lost > 0)
    console.error(
      `\n${'!'.repeat(72)}\n!!! ${lost} MESSAGES LOST. Anything lost is a bug.\n${'!'.repeat(72)}`,
    );
  if (problems.length)
    console.error(`\nProblems:\n${problems.map((p) => `  !!! ${p}`).join('\n')}`);

  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const json = {
    startedAt: new Date(started).toISOString(),
    durationSec: Math.round((Date.now() - started) / 1000),
    mode: quick ? 'quick' : 'full',
    storage,
    complete: code === 0,
    rounds,
    machine: { cpus: cpus().length, node: process.version, openFileLimit: nofile, stormSize },
    units: { time: 'ms', rate: 'per second', memory: 'KiB per socket, MiB peak' },
    scenarios,
    targets: verdicts,
    problems,
  };
  // --quick and --only runs are for trying things out; only a full run replaces latest.json.
  const file = quick || only ? RESULTS.replace('latest.json', 'partial.json.tmp') : RESULTS;
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  const chart = file.replace(/\.json(\.tmp)?$/, '.svg$1');
  writeFileSync(
    chart,
    runChart({
      title: `edge chat bench, ${json.mode} run of ${json.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
      subtitle:
        `${rounds} round(s), storm ${quick ? 400 : stormSize} sockets, ${cpus().length} cpus, storage ${storage}; ` +
        `targets met: ${verdicts.filter((v) => v.met).length}/${verdicts.length}`,
      scenarios: selected.flatMap((s) =>
        results[s.name] ? [{ name: s.name, title: s.title, runs: results[s.name] ?? {} }] : [],
      ),
    }),
  );
  console.log(`\nwrote ${file} and ${chart} (${json.durationSec} s)`);
  for (const target of targets.values()) {
    // What wrangler printed, for a look when something went wrong; *.tmp is not committed.
    if (problems.length)
      writeFileSync(
        RESULTS.replace('latest.json', `${target.name}-output.log.tmp`),
        target.output(),
      );
    await target.stop();
  }
  process.exit(
    code !== 0
      ? code
      : problems.length || verdicts.some((v) => !v.met && v.target.startsWith('0 messages'))
        ? 1
        : 0,
  );
}

/** Soft limit on open files for this process (what sockets and the children we spawn get). */
function openFileLimit() {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = Number(line?.split(/\s+/)[3]);
  return Number.isFinite(soft) ? soft : 1024;
}

/**
 * Re-runs this script under a higher open-file limit when the shell allows raising it (root, or
 * a high enough hard limit). Otherwise carries on, and the storm uses fewer sockets.
 */
function raiseFileLimitOrContinue() {
  if (process.env.EDGE_CHAT_BENCH_NOFILE || openFileLimit() >= WANTED_NOFILE) return;
  const probe = spawnSync('sh', ['-c', `ulimit -n ${WANTED_NOFILE}`], { stdio: 'ignore' });
  if (probe.status !== 0) {
    console.warn(
      `note: the open-file limit stays at ${openFileLimit()} (raising it to ${WANTED_NOFILE} was refused); the storm size follows from it`,
    );
    return;
  }
  const child = spawn(
    'sh',
    [
      '-c',
      `ulimit -n ${WANTED_NOFILE} && exec "$0" "$@"`,
      process.execPath,
      ...process.argv.slice(1),
    ],
    {
      stdio: 'inherit',
      env: { ...process.env, EDGE_CHAT_BENCH_NOFILE: String(WANTED_NOFILE) },
    },
  );
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM']))
    process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  // Nothing below runs in this process: wait for the child forever.
  throw new ChildRunning();
}

/** @param {string} message */
function fail(message) {
  console.error(message);
  process.exit(2);
}

class ChildRunning extends Error {}
