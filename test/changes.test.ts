// Messages people change (docs/protocol.md, "Messages and the change sequence"): edits, deletes,
// reactions and replies through real sockets, each refusal with its exact code and the message's
// id, tombstones everywhere a message can be read, the text gone from SQLite after a delete, and
// resume by `seq` bringing a client to the room's current state.
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../src/protocol.ts';
import {
  annAndBob,
  closeAll,
  connect,
  expectNext,
  newUser,
  drainPending,
  roomStub,
  say,
  sendMessages,
  type Frame,
  type TestSocket,
} from './helpers.ts';

const NOT_FOUND = 'no such message (deleted, or no longer kept)';

/** A change frame about one message: edit, delete or react. */
type ChangeFrame = { type: string; id: number; [field: string]: unknown };

/**
 * Sends a change frame about message `frame.id` and returns its answer: the `update` of that
 * message or an `error`. What was on its way before is read off first; frames about other
 * messages (someone else's messages and updates) are skipped.
 */
async function change(
  socket: TestSocket,
  frame: ChangeFrame,
): Promise<Frame<'update'> | Frame<'error'>> {
  await drainPending(socket);
  socket.send(frame);
  for (;;) {
    const next = await socket.next();
    if (next.type === 'error') return next;
    if (next.type === 'update' && next.message.id === frame.id) return next;
  }
}

async function updated(socket: TestSocket, frame: ChangeFrame): Promise<ChatMessage> {
  const answer = await change(socket, frame);
  if (answer.type !== 'update')
    throw new Error(`expected an update, got ${JSON.stringify(answer)}`);
  return answer.message;
}

async function refused(socket: TestSocket, frame: ChangeFrame): Promise<Frame<'error'>> {
  const answer = await change(socket, frame);
  if (answer.type !== 'error') throw new Error(`expected an error, got ${JSON.stringify(answer)}`);
  return answer;
}

/** The messages and updates on their way to `socket` (joins and leaves of readers skipped). */
async function pendingChanges(socket: TestSocket): Promise<unknown[]> {
  const frames = await drainPending(socket);
  return frames.filter((frame) => frame.type === 'update' || frame.type === 'message');
}

/** What SQLite holds for message `id`: its row's text and reactions, and its reaction rows. */
function stored(room: string, id: number) {
  return runInDurableObject(roomStub(room), (_room, state) => ({
    rows: state.storage.sql
      .exec('SELECT text, reactions, reply_to, edited_at FROM messages WHERE id = ?', id)
      .toArray(),
    reactions: state.storage.sql
      .exec('SELECT emoji, user_id FROM reactions WHERE message_id = ?', id)
      .toArray(),
  }));
}

/** A newcomer's welcome (optionally resuming with `after`), its socket closed again. */
async function welcomeOf(
  room: string,
  query: Record<string, string> = {},
): Promise<Frame<'welcome'>> {
  const socket = await connect(room, (await newUser('Reader')).token, query);
  const frame = await expectNext(socket, 'welcome');
  await socket.close();
  return frame;
}

describe('edit', () => {
  it('replaces the text of one’s own message, tells everyone with the next seq, and keeps the id', async () => {
    const { sa, sb } = await annAndBob('edit');
    const original = await say(sa);
    await sb.nextOf('message');
    const before = Date.now();
    const edited = await updated(sa, { type: 'edit', id: original.id, text: '  fixed  ' });
    expect(edited).toEqual({
      ...original,
      seq: original.seq + 1,
      text: 'fixed',
      editedAt: expect.any(Number),
    });
    expect(edited.editedAt).toBeGreaterThanOrEqual(before);
    expect(await sb.nextOf('update')).toEqual({ type: 'update', message: edited });
    await closeAll(sa, sb);
  });

  it('sends nothing for an edit to the same text', async () => {
    const { sa, sb } = await annAndBob('edit-same');
    const message = await say(sa);
    await sb.nextOf('message');
    sa.send({ type: 'edit', id: message.id, text: ` ${message.text} ` });
    expect(await pendingChanges(sa)).toEqual([]);
    expect(await pendingChanges(sb)).toEqual([]);
    await closeAll(sa, sb);
  });

  it.each([
    ['someone else’s message', 'theirs', 'forbidden', 'only its author can edit a message'],
    ['one’s own deleted message', 'mine-deleted', 'not_found', NOT_FOUND],
    ['an id nobody has', 'missing', 'not_found', NOT_FOUND],
    [
      'someone else’s deleted message (not_found before forbidden)',
      'theirs-deleted',
      'not_found',
      NOT_FOUND,
    ],
  ])(
    'refuses an edit of %s with its code and the id, changing nothing',
    async (_, target, code, message) => {
      const { room, sa, sb } = await annAndBob('edit-refused');
      const mine = await say(sa);
      const theirs = await say(sb);
      if (target === 'mine-deleted') await updated(sa, { type: 'delete', id: mine.id });
      if (target === 'theirs-deleted') await updated(sb, { type: 'delete', id: theirs.id });
      const id = target === 'mine-deleted' ? mine.id : target === 'missing' ? 999 : theirs.id;
      const before = await welcomeOf(room);
      await Promise.all([drainPending(sa), drainPending(sb)]);
      expect(await refused(sa, { type: 'edit', id, text: 'hijack' })).toEqual({
        type: 'error',
        code,
        message,
        id,
      });
      expect(await pendingChanges(sb)).toEqual([]);
      const after = await welcomeOf(room);
      expect(after.messages).toEqual(before.messages);
      expect(after.seq).toBe(before.seq);
      expect(sa.ws.readyState).toBe(WebSocket.OPEN);
      await closeAll(sa, sb);
    },
  );

  it.each([
    ['empty text', { text: '   ' }, 'empty'],
    ['text over 2000 characters', { text: 'x'.repeat(2001) }, 'too_long'],
    ['a control character', { text: 'a\u0007b' }, 'bad_frame'],
    ['no text', {}, 'bad_frame'],
  ])('refuses an edit with %s and names the message', async (_, fields, code) => {
    const { sa, sb } = await annAndBob('edit-bad');
    const mine = await say(sa);
    expect(await refused(sa, { type: 'edit', id: mine.id, ...fields })).toMatchObject({
      code,
      id: mine.id,
    });
    await closeAll(sa, sb);
  });
});

describe('delete', () => {
  it('leaves a tombstone for everyone and removes the text and reactions from SQLite', async () => {
    const { room, sa, sb } = await annAndBob('delete');
    sa.send({ type: 'message', text: 'regrettable secret', clientId: 'del-1' });
    const message = await sa.nextOf('message');
    await updated(sb, { type: 'react', id: message.id, emoji: '😮', on: true });
    await updated(sa, { type: 'edit', id: message.id, text: 'regrettable secret, edited' });
    const tombstone = await updated(sa, { type: 'delete', id: message.id });
    expect(tombstone).toEqual({
      type: 'message',
      id: message.id,
      seq: message.id + 3,
      user: message.user,
      text: '',
      ts: message.ts,
      clientId: 'del-1',
      deleted: true,
    });
    expect(await pendingChanges(sb)).toContainEqual({ type: 'update', message: tombstone });
    expect(await stored(room, message.id)).toEqual({
      rows: [{ text: '', reactions: null, reply_to: null, edited_at: null }],
      reactions: [],
    });
    // Read back every way a client can: no text, no reactions, no editedAt.
    expect((await welcomeOf(room)).messages).toEqual([tombstone]);
    expect((await welcomeOf(room, { after: '0' })).messages).toEqual([tombstone]);
    sa.send({ type: 'history', before: 100 });
    expect((await sa.nextOf('history')).messages).toEqual([tombstone]);
    await closeAll(sa, sb);
  });

  it('answers a resend of a deleted message’s clientId with the tombstone and stores nothing', async () => {
    const { room, sa, sb } = await annAndBob('delete-resend');
    sa.send({ type: 'message', text: 'gone soon', clientId: 'resend-1' });
    const message = await sa.nextOf('message');
    const tombstone = await updated(sa, { type: 'delete', id: message.id });
    sa.send({ type: 'message', text: 'gone soon', clientId: 'resend-1' });
    expect(await sa.nextOf('message')).toEqual(tombstone);
    expect((await welcomeOf(room)).seq).toBe(tombstone.seq);
    await closeAll(sa, sb);
  });

  it.each([
    [
      'someone else’s message',
      'theirs',
      'forbidden',
      'only its author or a moderator can delete a message',
    ],
    ['a message deleted already', 'deleted', 'not_found', NOT_FOUND],
    ['an id nobody has', 'missing', 'not_found', NOT_FOUND],
  ])('refuses to delete %s with its code and the id', async (_, target, code, message) => {
    const { room, sa, sb } = await annAndBob('delete-refused');
    const mine = await say(sa);
    const theirs = await say(sb);
    if (target === 'deleted') await updated(sa, { type: 'delete', id: mine.id });
    const id = target === 'deleted' ? mine.id : target === 'missing' ? 4242 : theirs.id;
    const before = await welcomeOf(room);
    await drainPending(sa);
    expect(await refused(sa, { type: 'delete', id })).toEqual({ type: 'error', code, message, id });
    expect((await welcomeOf(room)).messages).toEqual(before.messages);
    await closeAll(sa, sb);
  });
});

describe('react', () => {
  it('adds and removes reactions idempotently, in the order first added, sending nothing for a no-op', async () => {
    const { sa, sb, a, b } = await annAndBob('react');
    const message = await say(sa);
    const id = message.id;
    const thumbs = await updated(sa, { type: 'react', id, emoji: '👍', on: true });
    expect(thumbs.reactions).toEqual([{ emoji: '👍', count: 1, users: [a.user.id] }]);
    expect(thumbs.seq).toBe(id + 1);
    sa.send({ type: 'react', id, emoji: '👍', on: true });
    expect(await pendingChanges(sa)).toEqual([]);
    await updated(sb, { type: 'react', id, emoji: '🎉', on: true });
    const both = await updated(sb, { type: 'react', id, emoji: '👍', on: true });
    expect(both.reactions).toEqual([
      { emoji: '👍', count: 2, users: [a.user.id, b.user.id] },
      { emoji: '🎉', count: 1, users: [b.user.id] },
    ]);
    // 👍 keeps its place while someone still has it; gone at 0, it comes back last.
    await updated(sa, { type: 'react', id, emoji: '👍', on: false });
    const gone = await updated(sb, { type: 'react', id, emoji: '👍', on: false });
    expect(gone.reactions).toEqual([{ emoji: '🎉', count: 1, users: [b.user.id] }]);
    const back = await updated(sa, { type: 'react', id, emoji: '👍', on: true });
    expect(back.reactions?.map((reaction) => reaction.emoji)).toEqual(['🎉', '👍']);
    await updated(sa, { type: 'react', id, emoji: '👍', on: false });
    const none = await updated(sb, { type: 'react', id, emoji: '🎉', on: false });
    expect(none).not.toHaveProperty('reactions');
    sb.send({ type: 'react', id, emoji: '🎉', on: false });
    expect(await pendingChanges(sb)).toEqual([]);
    await closeAll(sa, sb);
  });

  it('counts every user but lists the first 20, earliest first', async () => {
    const { room, sa, sb } = await annAndBob('react-many');
    const message = await say(sa);
    const users = await Promise.all(Array.from({ length: 22 }, (_, i) => newUser(`R${i}`)));
    let last: ChatMessage | undefined;
    for (const user of users) {
      const socket = await connect(room, user.token);
      await expectNext(socket, 'welcome');
      last = await updated(socket, { type: 'react', id: message.id, emoji: '❤️', on: true });
      await socket.close();
    }
    expect(last?.reactions).toEqual([
      { emoji: '❤️', count: 22, users: users.slice(0, 20).map((user) => user.user.id) },
    ]);
    await closeAll(sa, sb);
  });

  it('refuses a 21st different reaction with bad_frame and the id', async () => {
    const { sa, sb } = await annAndBob('react-cap');
    const message = await say(sa);
    const id = message.id;
    const emoji = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗'];
    for (const one of emoji) await updated(sa, { type: 'react', id, emoji: one, on: true });
    await drainPending(sb);
    expect(await refused(sb, { type: 'react', id, emoji: '🤔', on: true })).toEqual({
      type: 'error',
      code: 'bad_frame',
      message: 'a message carries at most 20 different reactions',
      id,
    });
    // One of the 20 can still be added by someone else.
    expect(
      (await updated(sb, { type: 'react', id, emoji: '😀', on: true })).reactions?.[0],
    ).toMatchObject({
      count: 2,
    });
    await closeAll(sa, sb);
  });

  it.each([
    ['an emoji with a space', { emoji: '👍 ', on: true }],
    ['an empty emoji', { emoji: '', on: true }],
    ['a bidi override', { emoji: '\u202E👍', on: true }],
    ['17 characters', { emoji: 'x'.repeat(17), on: true }],
    ['on missing', { emoji: '👍' }],
  ])('refuses a reaction with %s as bad_frame naming the message', async (_, fields) => {
    const { sa, sb } = await annAndBob('react-bad');
    const message = await say(sa);
    expect(await refused(sa, { type: 'react', id: message.id, ...fields })).toMatchObject({
      code: 'bad_frame',
      id: message.id,
    });
    await closeAll(sa, sb);
  });

  it('accepts flags, skin tones, ZWJ sequences and subdivision flags', async () => {
    const { sa, sb } = await annAndBob('react-emoji');
    const message = await say(sa);
    for (const emoji of ['🇫🇷', '👍🏽', '👨‍👩‍👧', '🏴󠁧󠁢󠁳󠁣󠁴󠁿']) {
      const result = await updated(sa, { type: 'react', id: message.id, emoji, on: true });
      expect(result.reactions?.at(-1)?.emoji).toBe(emoji);
    }
    await closeAll(sa, sb);
  });

  it('refuses a reaction on a deleted message with not_found', async () => {
    const { sa, sb } = await annAndBob('react-deleted');
    const message = await say(sa);
    await updated(sa, { type: 'delete', id: message.id });
    await drainPending(sb);
    expect(await refused(sb, { type: 'react', id: message.id, emoji: '👍', on: true })).toEqual({
      type: 'error',
      code: 'not_found',
      message: NOT_FOUND,
      id: message.id,
    });
    await closeAll(sa, sb);
  });
});

describe('replies', () => {
  it('carries an excerpt of the answered message as it is now, following its edits and delete', async () => {
    const { room, sa, sb, a } = await annAndBob('reply');
    const long = `${'🙂'.repeat(99)}ab`;
    const target = await say(sa, long);
    const reply = await say(sb, 'answer', { replyTo: target.id });
    expect(reply.reply).toEqual({
      id: target.id,
      user: a.user,
      text: `${'🙂'.repeat(99)}${long.at(-2)}`,
    });
    expect([...(reply.reply && 'text' in reply.reply ? reply.reply.text : '')]).toHaveLength(100);
    await updated(sa, { type: 'edit', id: target.id, text: 'short now' });
    const afterEdit = (await welcomeOf(room)).messages.find((m) => m.id === reply.id);
    expect(afterEdit?.reply).toEqual({ id: target.id, user: a.user, text: 'short now' });
    // The reply itself did not change: its seq is where it was.
    expect(afterEdit?.seq).toBe(reply.seq);
    await updated(sa, { type: 'delete', id: target.id });
    const afterDelete = (await welcomeOf(room)).messages.find((m) => m.id === reply.id);
    expect(afterDelete?.reply).toEqual({ id: target.id, deleted: true });
    expect(await stored(room, reply.id)).toMatchObject({ rows: [{ reply_to: target.id }] });
    await closeAll(sa, sb);
  });

  it.each([
    ['an id nobody has', 'missing'],
    ['a deleted message', 'deleted'],
  ])(
    'refuses a reply to %s with not_found and its clientId, storing nothing',
    async (_, target) => {
      const { room, sa, sb } = await annAndBob('reply-refused');
      const message = await say(sa);
      if (target === 'deleted') await updated(sa, { type: 'delete', id: message.id });
      const replyTo = target === 'missing' ? 77 : message.id;
      const before = await welcomeOf(room);
      sb.send({ type: 'message', text: 'answer', replyTo, clientId: 'r-2' });
      expect(await sb.nextOf('error')).toEqual({
        type: 'error',
        code: 'not_found',
        message: 'the message this replies to is deleted or no longer kept',
        clientId: 'r-2',
      });
      expect((await welcomeOf(room)).seq).toBe(before.seq);
      await closeAll(sa, sb);
    },
  );

  it('answers a resend of a reply with its stored copy after the answered message was deleted', async () => {
    const { sa, sb } = await annAndBob('reply-resend');
    const target = await say(sa);
    const reply = await say(sb, 'answer', { replyTo: target.id });
    await updated(sa, { type: 'delete', id: target.id });
    await drainPending(sb);
    sb.send({ type: 'message', text: 'answer', replyTo: target.id, clientId: reply.clientId });
    expect(await sb.nextOf('message')).toEqual({
      ...reply,
      reply: { id: target.id, deleted: true },
    });
    await closeAll(sa, sb);
  });
});

describe('resume and paging by seq', () => {
  it('returns new and changed messages after a seq, in seq order, in their current state', async () => {
    const { room, sa, sb } = await annAndBob('resume');
    const sent = await sendMessages(sa, 5);
    const position = (await welcomeOf(room)).seq;
    expect(position).toBe(5);
    const e = await updated(sa, { type: 'edit', id: sent[1]!.id, text: 'two, edited' });
    const r = await updated(sb, { type: 'react', id: sent[0]!.id, emoji: '👀', on: true });
    const d = await updated(sa, { type: 'delete', id: sent[3]!.id });
    const fresh = await say(sa, 'new');
    const expected = [e, r, d, fresh];
    const resumed = await welcomeOf(room, { after: String(position) });
    expect(resumed.messages).toEqual(expected);
    expect(resumed.seq).toBe(fresh.seq);
    expect(resumed.hasMore).toBe(false);
    sb.send({ type: 'history', after: position, limit: 2 });
    const first = await sb.nextOf('history');
    expect(first).toEqual({ type: 'history', messages: expected.slice(0, 2), hasMore: true });
    sb.send({ type: 'history', after: first.messages.at(-1)!.seq, limit: 2 });
    expect(await sb.nextOf('history')).toEqual({
      type: 'history',
      messages: expected.slice(2),
      hasMore: false,
    });
    // A message changed twice comes once, in its latest state.
    const again = await updated(sa, { type: 'edit', id: sent[1]!.id, text: 'two, again' });
    expect(
      (await welcomeOf(room, { after: String(position) })).messages.filter(
        (m) => m.id === sent[1]!.id,
      ),
    ).toEqual([again]);
    await closeAll(sa, sb);
  });

  it('jumps around a message and pages forward from it by id', async () => {
    const { sa, sb } = await annAndBob('around');
    const sent = await sendMessages(sa, 30);
    const idsOf = (frame: Frame<'history'>) => frame.messages.map((m) => m.id);
    sb.send({ type: 'history', around: 15, limit: 5 });
    const around = await sb.nextOf('history');
    expect(idsOf(around)).toEqual([13, 14, 15, 16, 17]);
    expect(around).toMatchObject({ hasMore: true, hasNewer: true });
    // Near the start, the older side's short share goes to the newer side.
    sb.send({ type: 'history', around: 2, limit: 6 });
    const early = await sb.nextOf('history');
    expect(idsOf(early)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(early).toMatchObject({ hasMore: false, hasNewer: true });
    sb.send({ type: 'history', around: 30, limit: 4 });
    const late = await sb.nextOf('history');
    expect(idsOf(late)).toEqual([27, 28, 29, 30]);
    expect(late).toMatchObject({ hasMore: true, hasNewer: false });
    // A deleted message is still there (a tombstone); an id not retained lands on the next one.
    await updated(sa, { type: 'delete', id: 10 });
    sb.send({ type: 'history', around: 10, limit: 1 });
    expect((await sb.nextOf('history')).messages).toMatchObject([{ id: 10, deleted: true }]);
    sb.send({ type: 'history', afterId: 17, limit: 10 });
    const forward = await sb.nextOf('history');
    expect(idsOf(forward)).toEqual([18, 19, 20, 21, 22, 23, 24, 25, 26, 27]);
    expect(forward.hasMore).toBe(true);
    sb.send({ type: 'history', afterId: 27, limit: 10 });
    expect(await sb.nextOf('history')).toMatchObject({ hasMore: false });
    expect(sent).toHaveLength(30);
    await closeAll(sa, sb);
  });

  it('keeps ids and seq across eviction: the next message takes the next seq', async () => {
    const { room, sa, sb } = await annAndBob('changes-evict');
    const one = await say(sa);
    await updated(sa, { type: 'edit', id: one.id, text: 'edited' });
    await updated(sa, { type: 'react', id: one.id, emoji: '👍', on: true });
    await closeAll(sa, sb);
    await evictDurableObject(roomStub(room));
    const socket = await connect(room, (await newUser('Later')).token);
    const welcome = await expectNext(socket, 'welcome');
    expect(welcome.seq).toBe(3);
    expect(welcome.messages).toMatchObject([
      { id: 1, seq: 3, text: 'edited', reactions: [{ emoji: '👍' }] },
    ]);
    const next = await say(socket);
    expect(next).toMatchObject({ id: 4, seq: 4 });
    await socket.close();
  });
});

describe('retention with changes', () => {
  it('counts messages, not changes, and reports a gap when a pruned message held a later change', async () => {
    const { room, sa, sb } = await annAndBob('retention-changes');
    const sent = await sendMessages(sa, 300);
    const first = sent[0]!;
    // Message 1 changes after message 300: its latest change (seq 302) outlives its id.
    await updated(sb, { type: 'react', id: first.id, emoji: '👍', on: true });
    await updated(sa, { type: 'edit', id: first.id, text: 'edited late' });
    expect((await welcomeOf(room)).messages.at(0)?.id).toBe(251);
    // One more message pushes message 1 out: exactly 300 stay, ids 2..302+1.
    const [newest] = await sendMessages(sa, 1, 'newest');
    expect(newest).toMatchObject({ id: 303, seq: 303 });
    await drainPending(sb);
    sb.send({ type: 'history', around: 1, limit: 1 });
    expect((await sb.nextOf('history')).messages.map((m) => m.id)).toEqual([2]);
    expect(await refused(sa, { type: 'edit', id: first.id, text: 'too late' })).toMatchObject({
      code: 'not_found',
      id: first.id,
    });
    expect(await welcomeOf(room, { after: '301' })).toMatchObject({ pruned: true });
    expect(await welcomeOf(room, { after: '302' })).not.toHaveProperty('pruned');
    sb.send({ type: 'history', after: 301 });
    expect(await sb.nextOf('history')).toMatchObject({ pruned: true });
    // 100 past the limit, the rows go for good, reactions included, and the gap is remembered.
    await sendMessages(sa, 99, 'more');
    expect(await stored(room, first.id)).toEqual({ rows: [], reactions: [] });
    const count = await runInDurableObject(
      roomStub(room),
      (_room, state) =>
        state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM messages').one().n,
    );
    expect(count).toBe(300);
    expect(await welcomeOf(room, { after: '301' })).toMatchObject({ pruned: true });
    await closeAll(sa, sb);
  });
});
