// The README's HTTP bot (examples/http-bot.mjs), run as a backend runs it, against `wrangler dev`:
// its message reaches a socket in the room like any other, its settings come from the arguments
// or the environment, and a refusal or a missing setting ends it with a clear error, posting
// nothing.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newUser, openSocket, uniqueRoom, type E2ESocket } from './client.ts';
import { mintToken, startDevServer, type DevServer } from './wrangler.mjs';

const BOT = fileURLToPath(new URL('../../examples/http-bot.mjs', import.meta.url));
let server: DevServer;

beforeAll(async () => {
  // A snapshot: a reload (any edit under src/ or public/) would drop the sockets mid-test.
  server = await startDevServer({ snapshot: true });
});

afterAll(async () => {
  await server?.stop();
});

interface BotRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the bot with `args`, in an environment holding only PATH and `env`. */
function runBot(args: string[], env: Record<string, string> = {}): Promise<BotRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BOT, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A reader's socket in a fresh room, past its welcome. */
async function reader(): Promise<{ room: string; socket: E2ESocket }> {
  const room = uniqueRoom('bot');
  const socket = await openSocket(server.origin, room, (await newUser('Reader')).token);
  await socket.nextOf('welcome');
  return { room, socket };
}

it('posts its message from the environment, and a socket in the room receives it', async () => {
  const { room, socket } = await reader();
  const bot = { id: 'deploy-bot', name: 'Deploy bot' };
  const run = await runBot([], {
    CHAT_ORIGIN: server.origin,
    CHAT_ROOM: room,
    CHAT_TOKEN: await mintToken(bot),
    CHAT_TEXT: 'deployed v1.2',
  });
  expect(run).toMatchObject({ code: 0, stderr: '' });
  const message = await socket.nextOf('message');
  expect(message).toMatchObject({ text: 'deployed v1.2', user: bot });
  expect(run.stdout).toBe(`posted message ${message.id}\n`);
  await socket.close();
});

it('takes its settings from the arguments before the environment', async () => {
  const { room, socket } = await reader();
  const elsewhere = await reader();
  const bot = { id: 'cron-bot', name: 'Cron' };
  const token = await mintToken(bot);
  const run = await runBot([server.origin, room, token, 'nightly backup done'], {
    CHAT_ORIGIN: server.origin,
    CHAT_ROOM: elsewhere.room,
    CHAT_TOKEN: token,
    CHAT_TEXT: 'not this one',
  });
  expect(run.code).toBe(0);
  expect(await socket.nextOf('message')).toMatchObject({ text: 'nightly backup done', user: bot });
  expect(await elsewhere.socket.silentFor(500)).toBe(true);
  await Promise.all([socket.close(), elsewhere.socket.close()]);
});

it('exits with the refusal’s status and body when the room refuses it, posting nothing', async () => {
  const { room, socket } = await reader();
  const env = { CHAT_ORIGIN: server.origin, CHAT_ROOM: room };
  const forged = await mintToken({ id: 'forger', name: 'Forger', secret: 'not-the-secret' });
  const unsigned = await runBot([], { ...env, CHAT_TOKEN: forged, CHAT_TEXT: 'let me in' });
  expect(unsigned.code).not.toBe(0);
  expect(unsigned.stderr).toContain('Error: 401 {"error":"invalid or expired token"}');
  const token = await mintToken({ id: 'verbose-bot', name: 'Verbose' });
  const tooLong = await runBot([], { ...env, CHAT_TOKEN: token, CHAT_TEXT: 'x'.repeat(2001) });
  expect(tooLong.code).not.toBe(0);
  expect(tooLong.stderr).toContain(
    'Error: 400 {"error":"text is longer than 2000 characters","code":"too_long"}',
  );
  expect(await socket.silentFor(500)).toBe(true);
  await socket.close();
});

it('exits with what it needs when a setting is missing, sending nothing', async () => {
  const { room, socket } = await reader();
  const run = await runBot([], { CHAT_ORIGIN: server.origin, CHAT_ROOM: room, CHAT_TEXT: 'hi' });
  expect(run.code).not.toBe(0);
  expect(run.stderr).toContain('Error: need an origin, room, token and text');
  expect(await socket.silentFor(500)).toBe(true);
  await socket.close();
});
