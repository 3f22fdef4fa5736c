// Moderation state on disk: a room's owner, its appointed and claimed moderators, a mute, a ban
// and its settings come back after a full `wrangler dev` restart on the same --persist-to
// directory, and a ban closes every tab over real TCP (each tab heartbeats first, as real clients
// do: under wrangler dev a client that never sent a frame may not see the room's close promptly).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  closedWithin,
  createRoom,
  newUser,
  openSocket,
  type E2ESocket,
  type Frame,
} from './client.ts';
import type { ServerFrame } from '../../src/protocol.ts';
import { startDevServer, type DevServer } from './wrangler.mjs';

const storage = mkdtempSync(join(tmpdir(), 'edge-chat-moderation-'));
let server: DevServer;

beforeAll(async () => {
  // A snapshot: a reload (any edit under src/ or public/) would drop every socket mid-test.
  server = await startDevServer({ snapshot: true, persistTo: storage });
});

afterAll(async () => {
  await server?.stop();
  rmSync(storage, { recursive: true, force: true });
});

/** Opens a socket, reads its first frame and heartbeats once, as the page does. */
async function enter(
  room: string,
  token: string,
): Promise<{ socket: E2ESocket; first: ServerFrame }> {
  const socket = await openSocket(server.origin, room, token);
  socket.send({ type: 'ping' });
  const first = await socket.next();
  return { socket, first };
}

/** A fresh connection's welcome, its socket closed again. */
async function welcomeOf(room: string, token: string): Promise<Frame<'welcome'>> {
  const { socket, first } = await enter(room, token);
  await socket.close();
  if (first.type !== 'welcome') throw new Error(`expected a welcome, got ${JSON.stringify(first)}`);
  return first;
}

it('keeps the owner, roles, mutes, bans and settings across a restart with the same storage', async () => {
  const owner = await newUser('Olga');
  const room = await createRoom(server.origin, owner.token);
  const max = await newUser('Max');
  const dan = await newUser('Dan');
  const eve = await newUser('Eve');
  const mia = await newUser('Mia', undefined, { mod: [room] });
  expect(await welcomeOf(room, mia.token)).toMatchObject({ role: 'moderator' });

  const { socket: o } = await enter(room, owner.token);
  expect(await o.nextOf('pong')).toEqual({ type: 'pong' });
  o.send({ type: 'role', userId: max.user.id, role: 'moderator' });
  o.send({ type: 'mute', userId: dan.user.id, seconds: 600 });
  o.send({ type: 'ban', userId: eve.user.id, reason: 'spam' });
  o.send({ type: 'settings', slowModeSeconds: 10, readOnly: true });
  await o.nextOf('moderation');
  const mute = await o.nextOf('moderation');
  await o.nextOf('moderation');
  await o.nextOf('settings');
  await o.close();

  await server.restart();

  const settings = { slowModeSeconds: 10, readOnly: true };
  expect(await welcomeOf(room, owner.token)).toMatchObject({ role: 'owner', settings });
  expect(await welcomeOf(room, max.token)).toMatchObject({ role: 'moderator', settings });
  expect(await welcomeOf(room, mia.token)).toMatchObject({ role: 'moderator' });
  expect(await welcomeOf(room, dan.token)).toMatchObject({
    role: 'member',
    mutedUntil: mute.until,
  });
  const turnedAway = await enter(room, eve.token);
  expect(turnedAway.first).toEqual({ type: 'banned', reason: 'spam' });
  expect(await closedWithin(turnedAway.socket, 5000)).toEqual({ code: 1008, reason: 'banned' });

  // Mia's claim is remembered while she is offline: another moderator can't mute her.
  const { socket: m } = await enter(room, max.token);
  await m.nextOf('pong');
  m.send({ type: 'mute', userId: mia.user.id, seconds: 60 });
  expect(await m.nextOf('error')).toMatchObject({ code: 'forbidden' });
  m.send({ type: 'bans' });
  expect(await m.nextOf('bans')).toEqual({
    type: 'bans',
    bans: [{ userId: eve.user.id, by: owner.user, reason: 'spam' }],
  });
  // Dan's mute holds: his message is refused, with when he may try again.
  const { socket: d } = await enter(room, dan.token);
  d.send({ type: 'message', text: 'hello?' });
  expect(await d.nextOf('error')).toMatchObject({
    code: 'forbidden',
    retryAfterMs: expect.any(Number),
  });
  await d.close();
  await m.close();
});

it('closes both tabs of a banned user with banned and 1008 over TCP, and tells the others', async () => {
  const owner = await newUser('Olga');
  const room = await createRoom(server.origin, owner.token);
  const bob = await newUser('Bob');
  const { socket: o } = await enter(room, owner.token);
  const tabs = [(await enter(room, bob.token)).socket, (await enter(room, bob.token)).socket];
  for (const tab of tabs) await tab.nextOf('pong');
  await o.nextOf('join');

  o.send({ type: 'ban', userId: bob.user.id, seconds: 2, reason: 'cool off' });
  for (const tab of tabs) {
    expect(await tab.nextOf('banned')).toEqual({
      type: 'banned',
      until: expect.any(Number),
      reason: 'cool off',
    });
    expect(await closedWithin(tab, 5000)).toEqual({ code: 1008, reason: 'banned' });
  }
  expect(await o.nextOf('leave')).toMatchObject({ user: bob.user });

  // Turned away until the two seconds are over, then welcomed.
  const again = await enter(room, bob.token);
  expect(again.first).toMatchObject({ type: 'banned', reason: 'cool off' });
  await closedWithin(again.socket, 5000);
  await new Promise((resolve) => setTimeout(resolve, 2100));
  expect(await welcomeOf(room, bob.token)).toMatchObject({ user: bob.user, role: 'member' });
  await o.close();
});
