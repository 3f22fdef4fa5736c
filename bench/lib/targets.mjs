// @ts-check
// The two servers under test, started through the shared launcher: the floor (bench/floor) and
// the app, each with fresh storage. A target knows how to build a socket URL for a user, when a
// socket is ready to use, and how to count the wake-ups of its rooms in the server's log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
 * @property {number} pgid process group of the wrangler process (workerd runs inside it)
 * @property {'open' | 'welcome'} readyOn a socket is usable on `open` (floor) or on its `welcome` frame (app)
 * @property {(room: string, userId: string) => Promise<string>} url WebSocket URL for one user
 * @property {() => number} wakes how many room wake-ups the server has logged so far
 * @property {() => string} output everything wrangler printed so far
 * @property {() => Promise<void>} stop
 */

/**
 * Starts the floor or the app on a free loopback port, with storage in a fresh temporary folder.
 * @param {'floor' | 'app'} name
 * @returns {Promise<Target>}
 */
export async function startTarget(name) {
  const persistTo = mkdtempSync(join(tmpdir(), `edge-chat-bench-${name}-`));
  const server = await startDevServer(name === 'floor' ? { config: 'bench/floor/wrangler.toml', persistTo } : { vars: APP_VARS, persistTo });
  const pgid = server.pid();
  if (pgid === undefined) throw new Error(`${name}: wrangler dev has no process id`);
  const base = `ws://127.0.0.1:${server.port}/api/rooms`;
  return {
    name,
    port: server.port,
    pgid,
    readyOn: name === 'floor' ? 'open' : 'welcome',
    async url(room, userId) {
      if (name === 'floor') return `${base}/${room}/ws`;
      const token = await mintToken({ id: userId, name: userId.slice(-32), ttlSeconds: 3600 });
      return `${base}/${room}/ws?token=${encodeURIComponent(token)}`;
    },
    wakes: () => server.output().match(WAKE_LINES[name])?.length ?? 0,
    output: server.output,
    async stop() {
      await server.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}
