// Ban and purge (docs/protocol.md, the `ban`, `unban` and `bans` frames): every socket of the
// banned user gets `banned` and is closed 1008, others hear the moderation frame and one leave;
// a banned user's new connections are answered the same way until the ban ends; a purge turns
// every retained message of theirs into a tombstone, announced by one `purged` frame, with the
// text gone from SQLite and the tombstones handed to a client that resumes from before it.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../src/protocol.ts';
import {
  closeAll,
  connect,
  drainPending,
  expectNext,
  firstFrame,
  moderatedRoom,
  roomStub,
  say,
  untilClosed,
  type Participant,
  type TestSocket,
} from './helpers.ts';

/** A second tab of `person` in `room`, welcomed, and having sent a frame (see the last test). */
async function secondTab(room: string, person: Participant): Promise<TestSocket> {
  const socket = await connect(room, person.token);
  await expectNext(socket, 'welcome');
  await drainPending(socket);
  return socket;
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now()) + 50));
}

describe('ban', () => {
  it('closes every tab of the banned user with banned and 1008, and tells the others once', async () => {
    const { room, mia, ann, bob } = await moderatedRoom('ban-tabs');
    const tab2 = await secondTab(room, bob);
    await drainPending(bob.socket);

    mia.socket.send({ type: 'ban', userId: bob.user.id, seconds: 60, reason: 'spam' });
    const announced = {
      type: 'moderation',
      action: 'ban',
      target: bob.user,
      by: mia.user,
      until: expect.any(Number),
      reason: 'spam',
    };
    const banned = { type: 'banned', until: expect.any(Number), reason: 'spam' };
    for (const tab of [bob.socket, tab2]) {
      expect(await untilClosed(tab)).toEqual({
        frames: [announced, banned],
        code: 1008,
        reason: 'banned',
      });
    }
    const others = [await drainPending(ann.socket), await drainPending(mia.socket)];
    for (const frames of others) {
      expect(frames).toEqual([
        announced,
        { type: 'leave', user: bob.user, ts: expect.any(Number) },
      ]);
    }
    // The member list no longer has Bob.
    expect(await firstFrame(room, ann.token)).toMatchObject({ members: [mia.user, ann.user] });
    await closeAll(mia.socket, ann.socket);
  });

  it('answers a reconnect with banned and 1008 until a 2-second ban ends, then welcomes them', async () => {
    const { room, mia, ann, bob } = await moderatedRoom('ban-short');
    mia.socket.send({ type: 'ban', userId: bob.user.id, seconds: 2 });
    const { frames } = await untilClosed(bob.socket);
    const until = frames.find((frame) => frame.type === 'banned')?.until ?? 0;
    expect(until).toBeGreaterThan(Date.now());
    await drainPending(ann.socket);

    const again = await connect(room, bob.token);
    expect(await untilClosed(again)).toEqual({
      frames: [{ type: 'banned', until }],
      code: 1008,
      reason: 'banned',
    });
    // A turned-away connection is never a member: nobody hears of it.
    expect(await drainPending(ann.socket)).toEqual([]);

    await sleepUntil(until);
    const back = await connect(room, bob.token);
    expect(await expectNext(back, 'welcome')).toMatchObject({ user: bob.user, role: 'member' });
    expect(await ann.socket.nextOf('join')).toMatchObject({ user: bob.user });
    await closeAll(mia.socket, ann.socket, back);
  });

  it('keeps a permanent ban until an unban, telling no until and no reason when none was given', async () => {
    const { room, mia, ann, bob } = await moderatedRoom('ban-permanent');
    mia.socket.send({ type: 'ban', userId: bob.user.id });
    expect((await untilClosed(bob.socket)).frames.at(-1)).toEqual({ type: 'banned' });
    expect(await firstFrame(room, bob.token)).toEqual({ type: 'banned' });
    await drainPending(ann.socket);

    mia.socket.send({ type: 'unban', userId: bob.user.id });
    expect(await ann.socket.next()).toEqual({
      type: 'moderation',
      action: 'unban',
      target: bob.user,
      by: mia.user,
    });
    expect(await firstFrame(room, bob.token)).toMatchObject({ type: 'welcome', user: bob.user });
    await closeAll(mia.socket, ann.socket);
  });

  it('lists the bans in force with until, by and reason, and forgets one that ended', async () => {
    const { mia, ann, bob } = await moderatedRoom('ban-list');
    const stranger = crypto.randomUUID();
    mia.socket.send({ type: 'ban', userId: bob.user.id, seconds: 600, reason: 'flooding' });
    const { until } = await mia.socket.nextOf('moderation');
    mia.socket.send({ type: 'ban', userId: stranger });
    // Someone the room never saw has no name to tell.
    expect(await mia.socket.nextOf('moderation')).toEqual({
      type: 'moderation',
      action: 'ban',
      target: { id: stranger },
      by: mia.user,
    });
    mia.socket.send({ type: 'ban', userId: ann.user.id, seconds: 1 });
    const short = await mia.socket.nextOf('moderation');

    await sleepUntil(short.until ?? 0);
    mia.socket.send({ type: 'bans' });
    const { bans } = await mia.socket.nextOf('bans');
    expect(bans).toHaveLength(2);
    expect(bans).toEqual(
      expect.arrayContaining([
        { userId: bob.user.id, until, by: mia.user, reason: 'flooding' },
        { userId: stranger, by: mia.user },
      ]),
    );
    await closeAll(mia.socket);
  });

  it('sends the moderation frame again for a second ban of the same user, with the new terms', async () => {
    const { room, mia, ann, bob } = await moderatedRoom('ban-again');
    mia.socket.send({ type: 'ban', userId: bob.user.id, seconds: 60 });
    await untilClosed(bob.socket);
    await drainPending(ann.socket);
    mia.socket.send({ type: 'ban', userId: bob.user.id, reason: 'for good' });
    expect(await ann.socket.next()).toEqual({
      type: 'moderation',
      action: 'ban',
      target: bob.user,
      by: mia.user,
      reason: 'for good',
    });
    expect(await firstFrame(room, bob.token)).toEqual({ type: 'banned', reason: 'for good' });
    await closeAll(mia.socket, ann.socket);
  });
});

describe('purge', () => {
  it('tombstones every retained message of the banned user in one purged frame, the text gone from SQLite', async () => {
    const { room, mia, ann, bob } = await moderatedRoom('purge');
    const first = await say(bob.socket, 'spam 1');
    const second = await say(bob.socket, 'spam 2');
    const kept = await say(ann.socket, 'mine');
    const third = await say(bob.socket, 'more spam');
    ann.socket.send({ type: 'react', id: first.id, emoji: '👎', on: true });
    const reacted = (await ann.socket.nextOf('update')).message;
    // An already deleted message takes no new change.
    await drainPending(bob.socket);
    bob.socket.send({ type: 'delete', id: second.id });
    const deleted = (await bob.socket.nextOf('update')).message;
    expect(deleted).toMatchObject({ id: second.id, deleted: true });
    for (const { socket } of [mia, ann, bob]) await drainPending(socket);
    const seqBefore = deleted.seq;

    mia.socket.send({ type: 'ban', userId: bob.user.id, purge: true });
    const purged = { type: 'purged', userId: bob.user.id, seq: seqBefore + 2 };
    const announced = { type: 'moderation', action: 'ban', target: bob.user, by: mia.user };
    expect(await drainPending(ann.socket)).toEqual([
      announced,
      purged,
      { type: 'leave', user: bob.user, ts: expect.any(Number) },
    ]);
    expect((await untilClosed(bob.socket)).frames).toEqual([announced, purged, { type: 'banned' }]);

    const tombstone = (message: ChatMessage, seq: number) => ({
      ...message,
      text: '',
      deleted: true,
      seq,
    });
    const welcome = await firstFrame(room, mia.token);
    expect(welcome).toMatchObject({
      seq: seqBefore + 2,
      messages: [tombstone(first, seqBefore + 1), deleted, kept, tombstone(third, seqBefore + 2)],
    });
    expect(reacted.reactions).toHaveLength(1);
    const rows = await runInDurableObject(roomStub(room), (_room, state) => ({
      texts: state.storage.sql
        .exec<{ text: string }>('SELECT text FROM messages WHERE user_id = ?', bob.user.id)
        .toArray()
        .map((row) => row.text),
      reactions: state.storage.sql.exec('SELECT * FROM reactions').toArray(),
      everything: state.storage.sql
        .exec("SELECT * FROM messages WHERE text LIKE '%spam%'")
        .toArray(),
    }));
    expect(rows).toEqual({ texts: ['', '', ''], reactions: [], everything: [] });
    await closeAll(mia.socket, ann.socket);
  });

  it('hands the tombstones to a client resuming from before the purge', async () => {
    const { room, mia, ann, bob } = await moderatedRoom('purge-resume');
    const first = await say(bob.socket, 'spam 1');
    const second = await say(bob.socket, 'spam 2');
    const kept = await say(ann.socket, 'mine');
    for (const { socket } of [mia, ann, bob]) await drainPending(socket);
    await ann.socket.close();

    mia.socket.send({ type: 'ban', userId: bob.user.id, purge: true });
    const { seq } = await mia.socket.nextOf('purged');
    const resumed = await firstFrame(room, ann.token, { after: String(kept.seq) });
    expect(resumed).toMatchObject({
      seq,
      hasMore: false,
      messages: [
        { ...first, text: '', deleted: true, seq: seq - 1 },
        { ...second, text: '', deleted: true, seq },
      ],
    });
    await closeAll(mia.socket);
  });

  it('sends no purged frame for a user with no retained messages', async () => {
    const { mia, ann, bob } = await moderatedRoom('purge-none');
    mia.socket.send({ type: 'ban', userId: bob.user.id, purge: true });
    expect(await drainPending(ann.socket)).toEqual([
      { type: 'moderation', action: 'ban', target: bob.user, by: mia.user },
      { type: 'leave', user: bob.user, ts: expect.any(Number) },
    ]);
    expect((await untilClosed(bob.socket)).frames).not.toContainEqual(
      expect.objectContaining({ type: 'purged' }),
    );
    await closeAll(mia.socket, ann.socket);
  });
});

// The platform fact behind the e2e tests' ping: under wrangler dev a client that never sent a
// frame may not see the room's close promptly. Inside workerd it does; this pins that down.
describe('a banned socket that never sent a frame', () => {
  it('sees banned and the close at once', async () => {
    const { room, mia, ann } = await moderatedRoom('ban-silent');
    const quiet = await connect(room, ann.token);
    await expectNext(quiet, 'welcome');
    mia.socket.send({ type: 'ban', userId: ann.user.id });
    expect(await untilClosed(quiet, 2000)).toMatchObject({ code: 1008, reason: 'banned' });
    await closeAll(mia.socket);
  });
});
