// A full `wrangler dev` restart on the same --persist-to directory: the room's SQLite history and
// its id sequence come back from disk, not from anything kept in memory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newUser, openSocket, uniqueRoom } from './client.ts';
import { startDevServer, type DevServer } from './wrangler.mjs';

const storage = mkdtempSync(join(tmpdir(), 'edge-chat-restart-'));
let server: DevServer;

beforeAll(async () => {
  // A snapshot: a reload (any edit under src/ or public/) would drop every socket mid-test.
  server = await startDevServer({ snapshot: true, persistTo: storage });
});

afterAll(async () => {
  await server?.stop();
  rmSync(storage, { recursive: true, force: true });
});

it('keeps history and increasing ids across a restart with the same storage', async () => {
  const room = uniqueRoom('durable');
  const ann = await newUser('Ann');
  const bob = await newUser('Bob');
  const a = await openSocket(server.origin, room, ann.token);
  await a.nextOf('welcome');
  const sent = [];
  for (const text of ['one', 'two', 'three']) {
    a.send({ type: 'message', text, clientId: `before-${text}` });
    sent.push(await a.nextOf('message'));
  }
  await a.close();

  const pidBefore = server.pid();
  await server.restart();
  expect(server.pid()).not.toBe(pidBefore);

  const b = await openSocket(server.origin, room, bob.token);
  const welcome = await b.nextOf('welcome');
  expect(welcome).toMatchObject({ members: [bob.user], memberCount: 1, hasMore: false });
  expect(welcome.messages).toEqual(sent);

  b.send({ type: 'message', text: 'four' });
  const next = await b.nextOf('message');
  expect(next).toMatchObject({ text: 'four', user: bob.user });
  expect(next.id).toBeGreaterThan(Math.max(...sent.map((m) => m.id)));

  // A resend of a clientId stored before the restart is still recognised.
  const a2 = await openSocket(server.origin, room, ann.token, { after: next.id });
  expect(await a2.nextOf('welcome')).toMatchObject({ messages: [], hasMore: false });
  expect(await b.nextOf('join')).toMatchObject({ user: ann.user });
  a2.send({ type: 'message', text: 'one', clientId: 'before-one' });
  expect(await a2.nextOf('message')).toEqual(sent[0]);
  // Answered to the resending socket only: Bob doesn't see "one" a second time.
  expect(await b.silentFor(500)).toBe(true);
  await a2.close();
  await b.close();
});
