// Mute (docs/protocol.md, the `mute` frame): a muted user's `message`, `edit` and `react` are
// refused with `forbidden` and `retryAfterMs`, their `typing` is dropped, their own `delete` still
// works, their welcome says until when, a resend of a stored message still gets its stored copy,
// and the mute ends by itself with no frame and no timer.
import { describe, expect, it } from 'vitest';
import {
  closeAll,
  connect,
  drainPending,
  expectNext,
  firstFrame,
  moderatedRoom,
  newUser,
  ownedRoom,
  say,
  type Participant,
} from './helpers.ts';

const MUTED = 'you are muted in this room';

/** Mia mutes Bob for `seconds`; returns when the mute ends, as the moderation frame says. */
async function mute(mia: Participant, bob: Participant, seconds: number): Promise<number> {
  mia.socket.send({ type: 'mute', userId: bob.user.id, seconds });
  const frame = await mia.socket.nextOf('moderation');
  expect(frame).toEqual({
    type: 'moderation',
    action: 'mute',
    target: bob.user,
    by: mia.user,
    until: expect.any(Number),
  });
  expect(frame.until).toBeGreaterThan(Date.now() + seconds * 1000 - 1000);
  expect(await drainPending(bob.socket)).toEqual([frame]);
  if (frame.until === undefined) throw new Error('a mute without until');
  return frame.until;
}

describe('a muted user', () => {
  it('gets forbidden with retryAfterMs for message, edit and react, the changes naming their id', async () => {
    const { room, mia, ann, bob } = await moderatedRoom('mute');
    const own = await say(bob.socket, 'before');
    await drainPending(ann.socket);
    await drainPending(mia.socket);
    const until = await mute(mia, bob, 60);
    await drainPending(ann.socket);

    const sent = Date.now();
    bob.socket.send({ type: 'message', text: 'let me speak', clientId: 'c-2' });
    bob.socket.send({ type: 'edit', id: own.id, text: 'changed' });
    bob.socket.send({ type: 'react', id: own.id, emoji: '👍', on: true });
    const refusals = [await bob.socket.next(), await bob.socket.next(), await bob.socket.next()];
    const refusal = { type: 'error', code: 'forbidden', message: MUTED };
    expect(refusals).toEqual([
      { ...refusal, clientId: 'c-2', retryAfterMs: expect.any(Number) },
      { ...refusal, id: own.id, retryAfterMs: expect.any(Number) },
      { ...refusal, id: own.id, retryAfterMs: expect.any(Number) },
    ]);
    for (const frame of refusals) {
      if (frame.type !== 'error' || frame.retryAfterMs === undefined) throw new Error('no retry');
      // Counted from when the room handled the frame: after it was sent, before now.
      expect(frame.retryAfterMs).toBeLessThanOrEqual(until - sent);
      expect(frame.retryAfterMs).toBeGreaterThanOrEqual(until - Date.now());
    }
    // Nobody else heard of it, and nothing was stored or changed.
    expect(await drainPending(ann.socket)).toEqual([]);
    expect(await drainPending(mia.socket)).toEqual([]);
    expect(await firstFrame(room, ann.token)).toMatchObject({ messages: [own] });
    await closeAll(mia.socket, ann.socket, bob.socket);
  });

  it('types to nobody: typing is dropped without an answer, until the mute is lifted', async () => {
    const { mia, ann, bob } = await moderatedRoom('mute-typing');
    bob.socket.send({ type: 'typing' });
    expect(await ann.socket.nextOf('typing')).toEqual({ type: 'typing', user: bob.user });
    await drainPending(mia.socket);
    await mute(mia, bob, 60);
    await drainPending(ann.socket);

    bob.socket.send({ type: 'typing' });
    expect(await drainPending(bob.socket)).toEqual([]);
    expect(await drainPending(ann.socket)).toEqual([]);
    expect(await drainPending(mia.socket)).toEqual([]);

    mia.socket.send({ type: 'mute', userId: bob.user.id, seconds: 0 });
    expect(await ann.socket.nextOf('moderation')).toEqual({
      type: 'moderation',
      action: 'unmute',
      target: bob.user,
      by: mia.user,
    });
    bob.socket.send({ type: 'typing' });
    expect(await ann.socket.nextOf('typing')).toEqual({ type: 'typing', user: bob.user });
    await closeAll(mia.socket, ann.socket, bob.socket);
  });

  it('still deletes their own message', async () => {
    const { mia, ann, bob } = await moderatedRoom('mute-delete');
    const own = await say(bob.socket, 'regret');
    await drainPending(ann.socket);
    await drainPending(mia.socket);
    await mute(mia, bob, 60);
    await drainPending(ann.socket);

    bob.socket.send({ type: 'delete', id: own.id });
    const tombstone = { ...own, text: '', deleted: true, seq: own.seq + 1 };
    expect(await bob.socket.next()).toEqual({ type: 'update', message: tombstone });
    expect(await ann.socket.next()).toEqual({ type: 'update', message: tombstone });
    await closeAll(mia.socket, ann.socket, bob.socket);
  });

  it('is told mutedUntil in every welcome while muted, and not once the mute is lifted', async () => {
    const { room, mia, ann, bob } = await moderatedRoom('mute-welcome');
    expect(await firstFrame(room, bob.token)).not.toHaveProperty('mutedUntil');
    const until = await mute(mia, bob, 600);
    expect(await firstFrame(room, bob.token)).toMatchObject({ type: 'welcome', mutedUntil: until });
    // Only the muted user's welcome carries it.
    expect(await firstFrame(room, ann.token)).not.toHaveProperty('mutedUntil');

    mia.socket.send({ type: 'mute', userId: bob.user.id, seconds: 0 });
    await bob.socket.nextOf('moderation');
    expect(await firstFrame(room, bob.token)).not.toHaveProperty('mutedUntil');
    await closeAll(mia.socket, ann.socket, bob.socket);
  });

  it('is unmuted by time alone: a 1-second mute ends with no frame, and they may send again', async () => {
    const { room, mia, ann, bob } = await moderatedRoom('mute-expiry');
    const until = await mute(mia, bob, 1);
    await drainPending(ann.socket);
    bob.socket.send({ type: 'message', text: 'too soon' });
    const refused = await bob.socket.next();
    expect(refused).toMatchObject({ code: 'forbidden', message: MUTED });

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now()) + 50));
    expect(await drainPending(bob.socket)).toEqual([]);
    expect(await drainPending(ann.socket)).toEqual([]);
    expect(await firstFrame(room, bob.token)).not.toHaveProperty('mutedUntil');
    const after = await say(bob.socket, 'back');
    expect(after).toMatchObject({ text: 'back', user: bob.user });
    bob.socket.send({ type: 'typing' });
    expect(await ann.socket.nextOf('typing')).toEqual({ type: 'typing', user: bob.user });
    await closeAll(mia.socket, ann.socket, bob.socket);
  });

  it('gets the stored copy for a resend of a clientId stored before the mute, and nobody sees it twice', async () => {
    const { mia, ann, bob } = await moderatedRoom('mute-resend');
    bob.socket.send({ type: 'message', text: 'sent before', clientId: 'kept' });
    const stored = await bob.socket.nextOf('message');
    await drainPending(ann.socket);
    await drainPending(mia.socket);
    await mute(mia, bob, 60);
    await drainPending(ann.socket);

    bob.socket.send({ type: 'message', text: 'sent before', clientId: 'kept' });
    expect(await bob.socket.next()).toEqual(stored);
    bob.socket.send({ type: 'message', text: 'sent before', clientId: 'new' });
    expect(await bob.socket.next()).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await drainPending(ann.socket)).toEqual([]);
    await closeAll(mia.socket, ann.socket, bob.socket);
  });
});

describe('a muted user aiming at a message that is gone', () => {
  it('gets not_found before forbidden for an edit, a reaction and a reply', async () => {
    const { mia, ann, bob } = await moderatedRoom('mute-gone');
    const gone = await say(bob.socket, 'soon gone');
    bob.socket.send({ type: 'delete', id: gone.id });
    await bob.socket.nextOf('update');
    await drainPending(mia.socket);
    await mute(mia, bob, 60);
    await drainPending(ann.socket);

    const notFound = { type: 'error', code: 'not_found' };
    for (const id of [gone.id, gone.id + 1000]) {
      bob.socket.send({ type: 'edit', id, text: 'changed' });
      expect(await bob.socket.next()).toMatchObject({ ...notFound, id });
      bob.socket.send({ type: 'react', id, emoji: '👍', on: true });
      expect(await bob.socket.next()).toMatchObject({ ...notFound, id });
      bob.socket.send({ type: 'message', text: 'a reply', replyTo: id, clientId: `r-${id}` });
      expect(await bob.socket.next()).toMatchObject({ ...notFound, clientId: `r-${id}` });
    }
    expect(await drainPending(ann.socket)).toEqual([]);
    await closeAll(mia.socket, ann.socket, bob.socket);
  });
});

describe('a muted moderator', () => {
  it('may not send messages but still moderates: moderation frames are not limited by a mute', async () => {
    const { room, socket } = await ownedRoom();
    const mod = await newUser('Max');
    const member = await newUser('Dan');
    socket.send({ type: 'role', userId: mod.user.id, role: 'moderator' });
    await socket.nextOf('moderation');
    const max = await connect(room, mod.token);
    expect(await expectNext(max, 'welcome')).toMatchObject({ role: 'moderator' });
    const dan = await connect(room, member.token);
    await expectNext(dan, 'welcome');
    socket.send({ type: 'mute', userId: mod.user.id, seconds: 60 });
    await max.nextOf('moderation');
    await drainPending(max);
    await drainPending(dan);

    max.send({ type: 'message', text: 'hello' });
    expect(await max.next()).toMatchObject({ type: 'error', code: 'forbidden', message: MUTED });
    max.send({ type: 'mute', userId: member.user.id, seconds: 60 });
    expect(await dan.nextOf('moderation')).toMatchObject({
      action: 'mute',
      target: member.user,
      by: mod.user,
    });
    max.send({ type: 'settings', readOnly: true });
    expect(await dan.nextOf('settings')).toMatchObject({ readOnly: true, by: mod.user });
    await closeAll(socket, max, dan);
  });
});
