// @ts-check
// Starts `wrangler dev` on a free loopback port for end-to-end tests, browser tests and the
// benchmark, and stops exactly the processes it started (its own process group).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sign } from 'hono/jwt';

/** The secret every test server signs with; test-only, passed with `--var`. */
export const TEST_SECRET = 'test-secret-for-local-servers-only';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRANGLER = fileURLToPath(
  new URL('../../node_modules/wrangler/bin/wrangler.js', import.meta.url),
);

// Process groups of the dev servers still running. wrangler runs detached (its own group, so a
// stop reaches workerd too), which also means it would outlive a test runner that is killed or
// times out; these hooks take the servers down with the runner.
/** @type {Set<number>} */
const runningGroups = new Set();
function killRunningGroups() {
  for (const pgid of runningGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {}
  }
  runningGroups.clear();
}
process.once('exit', killRunningGroups);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
  process.once(signal, () => {
    killRunningGroups();
    // Without other listeners, die of the signal as the process would have without us.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

/** @returns {Promise<number>} a TCP port that was free a moment ago */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * @typedef {object} DevServerOptions
 * @property {Record<string, string>} [vars] extra `--var`s (AUTH_SECRET defaults to TEST_SECRET)
 * @property {string} [persistTo] keep Durable Object storage here across restarts (default: a fresh
 *   temporary directory, so servers running side by side never share rooms)
 * @property {string} [config] wrangler config file (default: the app's wrangler.toml)
 * @property {number} [port] listen here (default: a free port)
 * @property {number} [readyTimeoutMs] how long to wait for the first answer (default 90 s)
 * @property {number} [inspectorPort] where wrangler serves the runtime's DevTools inspector
 *   (default: any free port); bench/profile.mjs takes CPU profiles through it
 * @property {'warn' | 'log'} [logLevel] what wrangler prints of the Worker's console (default
 *   warn: errors, warnings and wakes; log adds console.log lines)
 * @property {boolean} [snapshot] run from a copy of the app's files taken at start (default false).
 *   wrangler dev always watches src/ and public/ and reloads on any change, which restarts every
 *   Durable Object and drops every socket; a snapshot keeps a long test steady while files change.
 */

/**
 * @typedef {object} DevServer
 * @property {string} origin e.g. `http://127.0.0.1:43121`
 * @property {number} port
 * @property {string} root the directory wrangler dev runs in (the app, or its snapshot)
 * @property {() => number | undefined} pid the wrangler process id (also its process group)
 * @property {() => string} output everything wrangler printed so far
 * @property {() => Promise<void>} stop ends wrangler and workerd (and removes a snapshot)
 * @property {() => Promise<void>} restart stop, then start again on the same port and storage
 */

/**
 * Starts `wrangler dev` and resolves once it answers HTTP.
 * @param {DevServerOptions} [options]
 * @returns {Promise<DevServer>}
 */
export async function startDevServer(options = {}) {
  if (options.snapshot && options.config)
    throw new Error("snapshot runs the app's own wrangler.toml; it cannot be combined with config");
  const cwd = options.snapshot ? snapshotApp() : ROOT;
  const port = options.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const vars = { AUTH_SECRET: TEST_SECRET, ...options.vars };
  const args = [
    WRANGLER,
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(options.inspectorPort ?? 0),
    '--log-level',
    options.logLevel ?? 'warn',
    '--show-interactive-dev-session=false',
  ];
  if (options.config) args.push('--config', options.config);
  args.push('--persist-to', options.persistTo ?? mkdtempSync(join(tmpdir(), 'edge-chat-dev-')));
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);

  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  let log = '';

  async function start() {
    child = spawn(process.execPath, args, {
      cwd,
      // A process group of our own, so stop() reaches workerd too and nothing else.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        WRANGLER_SEND_METRICS: 'false',
        CI: 'true',
        NO_COLOR: '1',
      },
    });
    const pgid = child.pid;
    if (pgid !== undefined) {
      runningGroups.add(pgid);
      child.once('exit', () => runningGroups.delete(pgid));
    }
    child.stdout?.on('data', (chunk) => (log += chunk));
    child.stderr?.on('data', (chunk) => (log += chunk));
    const exited = new Promise((_, reject) =>
      child?.once('exit', (code) => reject(new Error(`wrangler dev exited (${code}):\n${log}`))),
    );
    exited.catch(() => {});
    const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
    while (Date.now() < deadline) {
      const ok = await Promise.race([
        fetch(`${origin}/api/health`).then(
          (res) => res.ok,
          () => false,
        ),
        exited,
      ]);
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await stop();
    throw new Error(`wrangler dev did not answer within the time limit:\n${log}`);
  }

  async function stop() {
    const running = child;
    child = undefined;
    if (!running?.pid || running.exitCode !== null) return;
    const gone = new Promise((resolve) => running.once('exit', resolve));
    try {
      process.kill(-running.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (running.pid) process.kill(-running.pid, 'SIGKILL');
      } catch {}
    }, 5_000);
    await gone;
    clearTimeout(timer);
  }

  await start();
  return {
    origin,
    port,
    root: cwd,
    pid: () => child?.pid,
    output: () => log,
    async stop() {
      await stop();
      // Removes the copy (the node_modules link itself, never what it points to).
      if (options.snapshot) rmSync(cwd, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      await start();
    },
  };
}

// What wrangler dev needs to build and serve the app; node_modules is linked, not copied.
const APP_FILES = [
  'wrangler.toml',
  'package.json',
  'tsconfig.json',
  'worker-configuration.d.ts',
  'src',
  'public',
];

/** @returns {string} a temporary directory holding a copy of the app as it is now */
function snapshotApp() {
  const dir = mkdtempSync(join(tmpdir(), 'edge-chat-app-'));
  for (const name of APP_FILES) {
    if (existsSync(join(ROOT, name)))
      cpSync(join(ROOT, name), join(dir, name), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/**
 * Mints a token the way a "bring your own auth" backend would, with any extra `claims` (the scope
 * claims `rooms` and `mod`, say).
 * @param {{ id: string; name: string; ttlSeconds?: number; secret?: string; claims?: Record<string, unknown> }} user
 */
export function mintToken({ id, name, ttlSeconds = 900, secret = TEST_SECRET, claims = {} }) {
  const iat = Math.floor(Date.now() / 1000);
  return sign({ ...claims, sub: id, name, iat, exp: iat + ttlSeconds }, secret, 'HS256');
}
