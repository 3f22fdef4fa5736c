// A room's settings (docs/protocol.md, the `settings` frame): slow mode holds members to one
// message per n seconds, measured from their last stored message (moderators and the owner are
// exempt), and its refusals count toward the 1008 close like any `rate_limited`; read-only lets
// only moderators and the owner send. A change is announced to everyone and shown in welcomes;
// one that changes nothing announces nothing.
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MAX_RATE_REFUSALS_PER_MINUTE } from '../public/chat/rules.js';
import {
  closeAll,
  connect,
  drainPending,
  expectNext,
  firstFrame,
  moderatedRoom,
  ownedRoom,
  roomStub,
  say,
  scopedUser,
  untilClosed,
  type Participant,
} from './helpers.ts';

/** Mia changes the settings; returns the announcement as Ann received it. */
async function change(
  { mia, ann }: { mia: Participant; ann: Participant },
  settings: { slowModeSeconds?: number; readOnly?: boolean },
) {
  mia.socket.send({ type: 'settings', ...settings });
  const announced = await ann.socket.nextOf('settings');
  await drainPending(mia.socket);
  return announced;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('settings', () => {
  it('announces a change to everyone, keeping the field not given, and shows it in every welcome', async () => {
    const { room, mia, ann, bob } = await moderatedRoom('settings');
    expect(await firstFrame(room, bob.token)).toMatchObject({
      settings: { slowModeSeconds: 0, readOnly: false },
    });
    const announced = { type: 'settings', slowModeSeconds: 30, readOnly: false, by: mia.user };
    mia.socket.send({ type: 'settings', slowModeSeconds: 30 });
    for (const { socket } of [mia, ann, bob]) expect(await socket.next()).toEqual(announced);
    mia.socket.send({ type: 'settings', readOnly: true });
    expect(await bob.socket.next()).toEqual({ ...announced, readOnly: true });
    expect(await firstFrame(room, bob.token)).toMatchObject({
      settings: { slowModeSeconds: 30, readOnly: true },
    });
    await closeAll(mia.socket, ann.socket, bob.socket);
  });

  it('announces nothing for settings that change nothing', async () => {
    const { mia, ann, bob } = await moderatedRoom('settings-same');
    await change({ mia, ann }, { slowModeSeconds: 10 });
    await drainPending(bob.socket);
    mia.socket.send({ type: 'settings', slowModeSeconds: 10 });
    mia.socket.send({ type: 'settings', readOnly: false });
    mia.socket.send({ type: 'settings', slowModeSeconds: 10, readOnly: false });
    for (const { socket } of [mia, ann, bob]) expect(await drainPending(socket)).toEqual([]);
    await closeAll(mia.socket, ann.socket, bob.socket);
  });

  it.each([
    ['neither field', {}, 'give slowModeSeconds, readOnly or both'],
    ['a slow mode over an hour', { slowModeSeconds: 3601 }, undefined],
    ['a negative slow mode', { slowModeSeconds: -1 }, undefined],
    ['a fractional slow mode', { slowModeSeconds: 1.5 }, undefined],
    ['readOnly as a string', { readOnly: 'yes' }, undefined],
  ])('refuses settings with %s as bad_frame, changing nothing', async (_, fields, message) => {
    const { room, mia, ann } = await moderatedRoom('settings-bad');
    mia.socket.send({ type: 'settings', ...fields });
    const refusal = await mia.socket.next();
    expect(refusal).toMatchObject({ type: 'error', code: 'bad_frame' });
    if (message !== undefined)
      expect(refusal).toEqual({ type: 'error', code: 'bad_frame', message });
    expect(await drainPending(ann.socket)).toEqual([]);
    expect(await firstFrame(room, ann.token)).toMatchObject({
      settings: { slowModeSeconds: 0, readOnly: false },
    });
    await closeAll(mia.socket, ann.socket);
  });
});

describe('slow mode', () => {
  it('refuses a member’s next message within the window with rate_limited and retryAfterMs, then accepts it', async () => {
    const { mia, ann, bob } = await moderatedRoom('slow');
    await change({ mia, ann }, { slowModeSeconds: 2 });
    const first = await say(bob.socket, 'one');
    bob.socket.send({ type: 'message', text: 'two', clientId: 'too-soon' });
    const refusal = await bob.socket.nextOf('error');
    expect(refusal).toEqual({
      type: 'error',
      code: 'rate_limited',
      message: 'slow mode: one message every 2 s',
      clientId: 'too-soon',
      retryAfterMs: expect.any(Number),
    });
    const retryAfterMs = refusal.retryAfterMs ?? 0;
    expect(retryAfterMs).toBeLessThanOrEqual(2000);
    expect(retryAfterMs).toBeGreaterThan(1500);
    // Not stored, not broadcast: Ann got the first message only.
    expect(await drainPending(ann.socket)).toEqual([first]);

    await sleep(retryAfterMs + 20);
    expect(await say(bob.socket, 'two')).toMatchObject({ text: 'two', user: bob.user });
    await closeAll(mia.socket, ann.socket, bob.socket);
  });

  it('holds neither moderators (by claim or appointed) nor the owner', async () => {
    const { room, socket: ownerSocket } = await ownedRoom();
    const claim = await scopedUser('Mia', { mod: [room] });
    const appointed = await scopedUser('Max', {});
    ownerSocket.send({ type: 'role', userId: appointed.user.id, role: 'moderator' });
    await ownerSocket.nextOf('moderation');
    ownerSocket.send({ type: 'settings', slowModeSeconds: 600 });
    await ownerSocket.nextOf('settings');
    const mia = await connect(room, claim.token);
    const max = await connect(room, appointed.token);
    for (const socket of [mia, max]) await expectNext(socket, 'welcome');
    for (const socket of [ownerSocket, mia, max]) {
      for (const text of ['one', 'two', 'three'])
        expect(await say(socket, text)).toMatchObject({ text });
    }
    await closeAll(ownerSocket, mia, max);
  });

  it('measures the window from the member’s last stored message, also after the room is evicted', async () => {
    const { mia, ann, bob, room } = await moderatedRoom('slow-evict');
    const last = await say(bob.socket, 'before slow mode');
    await change({ mia, ann }, { slowModeSeconds: 60 });
    await drainPending(bob.socket);

    const retry = async () => {
      const sent = Date.now();
      bob.socket.send({ type: 'message', text: 'again' });
      const refusal = await bob.socket.nextOf('error');
      expect(refusal).toMatchObject({ code: 'rate_limited' });
      const retryAfterMs = refusal.retryAfterMs ?? 0;
      // Sixty seconds from the stored message, as the room saw the time when it handled this one.
      expect(retryAfterMs).toBeLessThanOrEqual(last.ts + 60_000 - sent);
      expect(retryAfterMs).toBeGreaterThanOrEqual(last.ts + 60_000 - Date.now());
    };
    await retry();
    await evictDurableObject(roomStub(room));
    await retry();
    expect(await firstFrame(room, bob.token)).toMatchObject({
      settings: { slowModeSeconds: 60, readOnly: false },
    });
    await closeAll(mia.socket, ann.socket, bob.socket);
  });

  it('counts from the last stored message, not from a resend that stored nothing', async () => {
    const { mia, ann, bob } = await moderatedRoom('slow-resend');
    await change({ mia, ann }, { slowModeSeconds: 1 });
    bob.socket.send({ type: 'message', text: 'once', clientId: 'once' });
    const stored = await bob.socket.nextOf('message');
    await sleep(stored.ts + 1000 - Date.now() + 50);
    // A resend after a lost acknowledgement is answered with the stored copy...
    bob.socket.send({ type: 'message', text: 'once', clientId: 'once' });
    expect(await bob.socket.next()).toEqual(stored);
    // ...and, having stored nothing, does not start a new window.
    expect(await say(bob.socket, 'next')).toMatchObject({ text: 'next' });
    await closeAll(mia.socket, ann.socket, bob.socket);
  });

  it('counts from a message stored while slow mode was off, once it is back on', async () => {
    const { mia, ann, bob } = await moderatedRoom('slow-toggle');
    await change({ mia, ann }, { slowModeSeconds: 60 });
    await say(bob.socket, 'in slow mode');
    await change({ mia, ann }, { slowModeSeconds: 0 });
    await sleep(1000);
    const later = await say(bob.socket, 'after slow mode');
    await change({ mia, ann }, { slowModeSeconds: 60 });
    await drainPending(bob.socket);
    const sent = Date.now();
    bob.socket.send({ type: 'message', text: 'again' });
    const refusal = await bob.socket.nextOf('error');
    expect(refusal.retryAfterMs).toBeGreaterThanOrEqual(later.ts + 60_000 - Date.now());
    expect(refusal.retryAfterMs).toBeLessThanOrEqual(later.ts + 60_000 - sent);
    await closeAll(mia.socket, ann.socket, bob.socket);
  });

  it('counts its refusals toward the 1008 close for repeated rate limiting', async () => {
    const { mia, ann, bob } = await moderatedRoom('slow-close');
    await change({ mia, ann }, { slowModeSeconds: 600 });
    await say(bob.socket, 'one');
    for (let i = 0; i <= MAX_RATE_REFUSALS_PER_MINUTE; i++)
      bob.socket.send({ type: 'message', text: `flood ${i}` });
    const { frames, code, reason } = await untilClosed(bob.socket);
    expect(frames).toHaveLength(MAX_RATE_REFUSALS_PER_MINUTE);
    for (const frame of frames)
      expect(frame).toMatchObject({ type: 'error', code: 'rate_limited' });
    expect({ code, reason }).toEqual({ code: 1008, reason: 'rate limit exceeded repeatedly' });
    await closeAll(mia.socket, ann.socket);
  });
});

describe('read-only', () => {
  it('refuses members’ messages with forbidden and lets moderators and the owner send', async () => {
    const { room, socket: ownerSocket } = await ownedRoom();
    const claim = await scopedUser('Mia', { mod: [room] });
    const member = await scopedUser('Bob', {});
    const mia = await connect(room, claim.token);
    const bob = await connect(room, member.token);
    for (const socket of [mia, bob]) await expectNext(socket, 'welcome');
    await drainPending(ownerSocket);
    const own = await say(bob, 'said before');

    mia.send({ type: 'settings', readOnly: true });
    await bob.nextOf('settings');
    await drainPending(ownerSocket);
    bob.send({ type: 'message', text: 'may I?', clientId: 'q' });
    expect(await bob.next()).toEqual({
      type: 'error',
      code: 'forbidden',
      message: 'this room is read-only',
      clientId: 'q',
    });
    expect(await drainPending(ownerSocket)).toEqual([]);
    // Only `message` is held: a member still reacts to and edits what they said before.
    bob.send({ type: 'react', id: own.id, emoji: '👍', on: true });
    expect(await bob.nextOf('update')).toMatchObject({ message: { id: own.id } });
    bob.send({ type: 'edit', id: own.id, text: 'said before, edited' });
    expect(await bob.nextOf('update')).toMatchObject({ message: { text: 'said before, edited' } });
    expect(await say(mia, 'announcement')).toMatchObject({ user: claim.user });
    expect(await say(ownerSocket, 'from the owner')).toMatchObject({ text: 'from the owner' });

    mia.send({ type: 'settings', readOnly: false });
    await bob.nextOf('settings');
    expect(await say(bob, 'finally')).toMatchObject({ user: member.user });
    await closeAll(ownerSocket, mia, bob);
  });
});
