// What the room writes to the log about connections: with LOG_CONNECTIONS=on (as `npm run dev`
// sets it) one line per connect and per disconnect, carrying the room, the user id and the member
// count and never the token; with the default (off, as deployed) none, while refusals still are.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  expectRefused,
  newUser,
  occurrences,
  openSocket,
  pollUntil,
  uniqueRoom,
} from './client.ts';
import { startDevServer, type DevServer } from './wrangler.mjs';

let logging: DevServer;
let quiet: DevServer;

beforeAll(async () => {
  [logging, quiet] = await Promise.all([
    startDevServer({ snapshot: true, logLevel: 'log', vars: { LOG_CONNECTIONS: 'on' } }),
    startDevServer({ snapshot: true, logLevel: 'log' }),
  ]);
});

afterAll(async () => {
  await Promise.all([logging?.stop(), quiet?.stop()]);
});

it('logs each connect and disconnect with LOG_CONNECTIONS=on, without the token', async () => {
  const room = uniqueRoom('logged');
  const ann = await newUser('Ann');
  const socket = await openSocket(logging.origin, room, ann.token);
  await socket.nextOf('welcome');
  await socket.close();
  const connect = `{"event":"connect","room":"${room}","userId":"${ann.user.id}","members":1}`;
  const disconnect = `{"event":"disconnect","room":"${room}","userId":"${ann.user.id}","members":0}`;
  expect(await pollUntil(() => logging.output().includes(disconnect), 5_000)).toBe(true);
  expect(occurrences(logging.output(), connect)).toBe(1);
  expect(logging.output()).not.toContain(ann.token);
});

it('logs no connect or disconnect by default, and still logs a refusal', async () => {
  const room = uniqueRoom('quiet');
  const ann = await newUser('Ann');
  const socket = await openSocket(quiet.origin, room, ann.token);
  await socket.nextOf('welcome');
  await socket.close();
  expect((await expectRefused(quiet.origin, room, 'not-a-token')).status).toBe(401);
  const refused = `{"event":"refused","route":"ws","status":401,"room":"${room}"}`;
  expect(await pollUntil(() => quiet.output().includes(refused), 5_000)).toBe(true);
  expect(quiet.output()).not.toContain(`"room":"${room}","userId"`);
});
