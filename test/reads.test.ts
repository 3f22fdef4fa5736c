// Read markers (docs/protocol.md, "Read markers"): stored per user per room, forward only, capped
// at the newest message, told to the user's other sockets (not the sender, nobody else), and in
// the welcome's readUpTo, across eviction.
import { evictDurableObject } from 'cloudflare:test';
import { expect, it } from 'vitest';
import {
  closeAll,
  connect,
  drainPending,
  expectNext,
  newUser,
  roomStub,
  sendMessages,
  uniqueRoom,
} from './helpers.ts';

it('moves a user’s marker forward only, tells their other tabs, and keeps it across eviction', async () => {
  const room = uniqueRoom('reads');
  const ann = await newUser('Ann');
  const bob = await newUser('Bob');
  const tab1 = await connect(room, ann.token);
  const first = await expectNext(tab1, 'welcome');
  expect(first.readUpTo).toBe(0);
  const tab2 = await connect(room, ann.token);
  await expectNext(tab2, 'welcome');
  const other = await connect(room, bob.token);
  await expectNext(other, 'welcome');
  await sendMessages(other, 5);
  await Promise.all([drainPending(tab1), drainPending(tab2), drainPending(other)]);

  tab1.send({ type: 'read', id: 3 });
  expect(await tab2.nextOf('read')).toEqual({ type: 'read', id: 3 });
  // The sender and other users hear nothing of it.
  expect(await drainPending(tab1)).toEqual([]);
  expect(await drainPending(other)).toEqual([]);
  // Backwards and standing still change nothing and tell nobody.
  tab2.send({ type: 'read', id: 2 });
  tab2.send({ type: 'read', id: 3 });
  expect(await drainPending(tab1)).toEqual([]);
  // Past the newest message counts as the newest.
  tab2.send({ type: 'read', id: 999 });
  expect(await tab1.nextOf('read')).toEqual({ type: 'read', id: 5 });
  await closeAll(tab1, tab2, other);

  await evictDurableObject(roomStub(room));
  const later = await connect(room, ann.token);
  expect((await expectNext(later, 'welcome')).readUpTo).toBe(5);
  const bobLater = await connect(room, bob.token);
  expect((await expectNext(bobLater, 'welcome')).readUpTo).toBe(0);
  await closeAll(later, bobLater);
});

it('refuses a read frame without a valid id', async () => {
  const room = uniqueRoom('reads-bad');
  const socket = await connect(room, (await newUser('Ann')).token);
  await expectNext(socket, 'welcome');
  for (const bad of [{}, { id: -1 }, { id: 'x' }, { id: 1.5 }]) {
    socket.send({ type: 'read', ...bad });
    expect(await socket.nextOf('error')).toMatchObject({ code: 'bad_frame' });
  }
  await closeAll(socket);
});
