// A full `wrangler dev` restart on the same --persist-to directory: the room's SQLite history,
// its id and change sequences, read markers and search index come back from disk, not from memory.
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

it('keeps read markers, edits, reactions, seq and the search index across a restart', async () => {
  const room = uniqueRoom('durable-v2');
  const ann = await newUser('Ann');
  const bob = await newUser('Bob');
  const a = await openSocket(server.origin, room, ann.token);
  await a.nextOf('welcome');
  const sent = [];
  for (const text of ['first lighthouse', 'second harbour', 'third anchor']) {
    a.send({ type: 'message', text });
    sent.push(await a.nextOf('message'));
  }
  const [first, second, third] = sent;
  if (!first || !second || !third) throw new Error('three messages expected');
  a.send({ type: 'edit', id: third.id, text: 'third compass' });
  await a.nextOf('update');
  a.send({ type: 'react', id: first.id, emoji: '👍', on: true });
  await a.nextOf('update');
  a.send({ type: 'read', id: second.id });
  // The read frame has no answer: a ping after it proves the room handled it.
  a.send({ type: 'ping' });
  await a.nextOf('pong');
  const before = await openSocket(server.origin, room, bob.token);
  const held = await before.nextOf('welcome');
  await before.close();
  await a.close();

  await server.restart();

  const again = await openSocket(server.origin, room, ann.token);
  const welcome = await again.nextOf('welcome');
  expect(welcome.readUpTo).toBe(second.id);
  expect(welcome.seq).toBe(held.seq);
  expect(welcome.messages).toEqual(held.messages);
  expect(welcome.messages.at(-1)).toMatchObject({ id: third.id, text: 'third compass' });
  expect(welcome.messages[0]).toMatchObject({ id: first.id, reactions: [{ emoji: '👍' }] });

  // Forward only after the restart as before it: an older id changes nothing.
  again.send({ type: 'read', id: first.id });
  again.send({ type: 'search', query: 'compass' });
  const found = await again.nextOf('search');
  expect(found.messages.map((m) => m.id)).toEqual([third.id]);
  again.send({ type: 'search', query: 'anchor' });
  expect((await again.nextOf('search')).messages).toEqual([]);
  await again.close();
  const later = await openSocket(server.origin, room, ann.token);
  expect((await later.nextOf('welcome')).readUpTo).toBe(second.id);

  // The next change takes the next seq.
  later.send({ type: 'message', text: 'fourth' });
  expect((await later.nextOf('message')).seq).toBe(held.seq + 1);
  await later.close();
});
