// @ts-check
// The two servers under test, started through the shared launcher: the floor (bench/floor) and
// the app, each with fresh storage. A target knows how to build a socket URL for a user, when a
// socket is ready to use, and how to count the wake-ups of its rooms in the server's log.
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintToken, startDevServer } from '../../test/e2e/wrangler.mjs';

/**
 * Test-only vars for the app: lift the per-user rate limit (default 2/s, burst 10), which would
 * otherwise refuse the benchmark's traffic and finally close its sockets with 1008. Presence and
 * history limits stay at their defaults: they are part of what is being measured.
 */
export const APP_VARS = { MESSAGE_RATE: '1000000', MESSAGE_BURST: '1000000' };

// A room that wakes from hibernation runs its constructor again. The floor logs every
// construction; the app is expected to log a line containing `"event":"wake"` at warn level
// or above when its constructor finds sockets already open (see the README).
const WAKE_LINES = {
  floor: /\[floor\] room (\S+) constructed with [1-9]\d* sockets/g,
  app: /"event":"wake"/g,
};

/**
 * @typedef {object} Target
 * @property {'floor' | 'app'} name
 * @property {number} port
 * @property {number} pgid process group of the wrangler process (workerd runs inside it); changes on restart
 * @property {'open' | 'welcome'} readyOn a socket is usable on `open` (floor) or on its `welcome` frame (app)
 * @property {(room: string, userId: string) => Promise<string>} url WebSocket URL for one user
 * @property {() => number} wakes how many room wake-ups the server has logged so far
 * @property {() => string} output everything wrangler printed so far
 * @property {() => Promise<void>} restart a fresh runtime (same port and storage), so memory is measured from a clean start
 * @property {() => Promise<void>} stop
 */

/**
 * Where Durable Object storage goes. `memory` (tmpfs, when the machine has /dev/shm): every commit
 * still runs SQLite, but fsync costs nothing, as on the platform, where a commit is made durable by
 * replication rather than by waiting on a local disk. `disk`: the temporary folder, so each
 * message also pays this machine's fsync latency (the output gate holds the broadcast until then).
 * @param {'memory' | 'disk'} storage
 */
export function storageRoot(storage) {
  return storage === 'memory' && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/**
 * Starts the floor or the app on a free loopback port, with storage in a fresh temporary folder.
 * @param {'floor' | 'app'} name
 * @param {'memory' | 'disk'} storage
 * @param {{ inspectorPort?: number }} [options] a fixed inspector port (bench/profile.mjs)
 * @returns {Promise<Target>}
 */
export async function startTarget(name, storage, options = {}) {
  const persistTo = mkdtempSync(join(storageRoot(storage), `edge-chat-bench-${name}-`));
  const snapshot = name === 'app' ? snapshotApp() : undefined;
  const config = snapshot ? join(snapshot, 'wrangler.toml') : 'bench/floor/wrangler.toml';
  /** @type {Awaited<ReturnType<typeof startDevServer>>} */
  let server;
  try {
    server = await startDevServer({
      config,
      persistTo,
      vars: name === 'app' ? APP_VARS : {},
      ...(options.inspectorPort !== undefined && { inspectorPort: options.inspectorPort }),
    });
  } catch (err) {
    if (snapshot) rmSync(snapshot, { recursive: true, force: true });
    throw err;
  }
  const base = `ws://127.0.0.1:${server.port}/api/rooms`;
  return {
    name,
    port: server.port,
    get pgid() {
      const pid = server.pid();
      if (pid === undefined) throw new Error(`${name}: wrangler dev is not running`);
      return pid;
    },
    readyOn: name === 'floor' ? 'open' : 'welcome',
    async url(room, userId) {
      if (name === 'floor') return `${base}/${room}/ws`;
      const token = await mintToken({ id: userId, name: userId.slice(-32), ttlSeconds: 3600 });
      return `${base}/${room}/ws?token=${encodeURIComponent(token)}`;
    },
    wakes: () => server.output().match(WAKE_LINES[name])?.length ?? 0,
    output: server.output,
    restart: server.restart,
    async stop() {
      await server.stop();
      rmSync(persistTo, { recursive: true, force: true });
      if (snapshot) rmSync(snapshot, { recursive: true, force: true });
    },
  };
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A copy of the app (src, public, wrangler.toml) for this run. wrangler dev rebuilds and restarts
 * the runtime, dropping every socket, whenever a source file changes, and other people may be
 * editing src/ while the benchmark runs. Outside the repository (where `tsc` would check the copy),
 * with a link to node_modules so the bundler still finds the imports.
 */
function snapshotApp() {
  const dir = mkdtempSync(join(tmpdir(), 'edge-chat-bench-app-'));
  for (const entry of ['src', 'public', 'wrangler.toml'])
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}
