// No message lost: the welcome's latest page, its `after=<id>` catch-up and its `seq`, `history`
// paging in both directions (and `pruned` when a catch-up crosses pruned messages), clientId
// idempotency, retention (HISTORY_LIMIT is 300 in this project) and history across eviction, all
// through real sockets opened by the Worker's upgrade route.
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { History, type Draft } from '../src/history.ts';
import { Search } from '../src/search.ts';
import type { ChatRoom } from '../src/room.ts';
import type { ChatMessage, User } from '../src/protocol.ts';
import {
  annAndBob,
  closeAll,
  connect,
  drainPending,
  expectNext,
  newUser,
  roomStub,
  sendMessages,
  uniqueRoom,
  type Frame,
  type TestSocket,
} from './helpers.ts';

const HISTORY_LIMIT = 300;

function ids(messages: readonly ChatMessage[]): number[] {
  return messages.map((message) => message.id);
}

/** `[from, from+1, ..., to]` */
function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** A room holding `count` messages from one user, and that user's socket (welcome consumed). */
async function roomWith(
  count: number,
  prefix = 'hist',
): Promise<{ room: string; token: string; socket: TestSocket; sent: ChatMessage[] }> {
  const room = uniqueRoom(prefix);
  const { token } = await newUser('Writer');
  const socket = await connect(room, token);
  await expectNext(socket, 'welcome');
  const sent = await sendMessages(socket, count);
  expect(ids(sent)).toEqual(range(1, count));
  return { room, token, socket, sent };
}

async function welcome(
  room: string,
  query: Record<string, string> = {},
): Promise<{ socket: TestSocket; frame: Frame<'welcome'> }> {
  const socket = await connect(room, (await newUser('Reader')).token, query);
  return { socket, frame: await expectNext(socket, 'welcome') };
}

async function history(
  socket: TestSocket,
  request: { before?: number; after?: number; limit?: number },
): Promise<Frame<'history'>> {
  socket.send({ type: 'history', ...request });
  // Join and leave frames of readers may come first; the answer is the next history frame.
  return socket.nextOf('history');
}

/** Every id reachable from a fresh welcome by paging back with `limit`, in the order pages arrive. */
async function pageBackFromWelcome(
  room: string,
  limit: number,
): Promise<{ pages: number; seen: number[] }> {
  const { socket, frame } = await welcome(room);
  const seen = ids(frame.messages).reverse();
  let hasMore = frame.hasMore;
  let pages = 1;
  // Bounded: a room here never holds more than a few hundred messages.
  while (hasMore && pages < 100) {
    const oldest = seen[seen.length - 1];
    if (oldest === undefined) throw new Error('hasMore without messages');
    const page = await history(socket, { before: oldest, limit });
    expect(page.messages.length).toBeLessThanOrEqual(limit);
    seen.push(...ids(page.messages).reverse());
    hasMore = page.hasMore;
    pages++;
  }
  await socket.close();
  return { pages, seen: seen.reverse() };
}

describe('welcome', () => {
  it('carries the latest 50 messages, oldest first, with hasMore only when older ones exist', async () => {
    const { room, socket } = await roomWith(49);
    let reader = await welcome(room);
    expect(ids(reader.frame.messages)).toEqual(range(1, 49));
    expect(reader.frame.hasMore).toBe(false);
    await reader.socket.close();
    await sendMessages(socket, 1, 'fifty');
    reader = await welcome(room);
    expect(ids(reader.frame.messages)).toEqual(range(1, 50));
    expect(reader.frame.hasMore).toBe(false);
    await reader.socket.close();
    await sendMessages(socket, 1, 'fifty-one');
    reader = await welcome(room);
    expect(ids(reader.frame.messages)).toEqual(range(2, 51));
    expect(reader.frame.hasMore).toBe(true);
    expect(reader.frame.messages.at(-1)).toMatchObject({ text: 'fifty-one1' });
    expect(reader.frame).not.toHaveProperty('pruned');
    await closeAll(reader.socket, socket);
  });

  it('with after=<id> carries the oldest 100 newer messages, hasMore when newer ones were left out', async () => {
    const { room, socket } = await roomWith(150, 'after');
    // One room for all cases: filling it is the slow part, and each case only reads.
    const cases: [after: number, expected: number[], hasMore: boolean][] = [
      [0, range(1, 100), true],
      [10, range(11, 110), true],
      [49, range(50, 149), true],
      [50, range(51, 150), false],
      [140, range(141, 150), false],
      [150, [], false],
      [9999, [], false],
    ];
    for (const [after, expected, hasMore] of cases) {
      const reader = await welcome(room, { after: String(after) });
      expect({
        after,
        ids: ids(reader.frame.messages),
        hasMore: reader.frame.hasMore,
        pruned: reader.frame.pruned,
      }).toEqual({
        after,
        ids: expected,
        hasMore,
        pruned: undefined,
      });
      await reader.socket.close();
    }
    await socket.close();
  });
});

describe('welcome.seq', () => {
  it('is 0 in a fresh room, the highest id after messages, and the same after eviction', async () => {
    const room = uniqueRoom('seq');
    const empty = await welcome(room);
    expect(empty.frame.seq).toBe(0);
    await empty.socket.close();
    const { token } = await newUser('Writer');
    const writer = await connect(room, token);
    expect((await expectNext(writer, 'welcome')).seq).toBe(0);
    expect(ids(await sendMessages(writer, 3))).toEqual([1, 2, 3]);
    let reader = await welcome(room);
    expect(reader.frame.seq).toBe(3);
    await reader.socket.close();
    // A resume says the room's latest change too, whatever position it resumes from.
    for (const after of ['0', '3', '9999']) {
      reader = await welcome(room, { after });
      expect({ after, seq: reader.frame.seq }).toEqual({ after, seq: 3 });
      await reader.socket.close();
    }
    await drainPending(writer);
    await evictDurableObject(roomStub(room));
    reader = await welcome(room);
    expect(reader.frame.seq).toBe(3);
    await closeAll(reader.socket, writer);
  });
});

describe('history frames', () => {
  it('pages before and after an id with the default limit of 50 and limits 1..100', async () => {
    const { socket } = await roomWith(150, 'page');
    const cases: [{ before?: number; after?: number; limit?: number }, number[], boolean][] = [
      [{ before: 151 }, range(101, 150), true],
      [{ before: 1_000_000 }, range(101, 150), true],
      [{ before: 101, limit: 1 }, [100], true],
      [{ before: 150, limit: 100 }, range(50, 149), true],
      [{ before: 101, limit: 100 }, range(1, 100), false],
      [{ before: 51, limit: 100 }, range(1, 50), false],
      [{ before: 1 }, [], false],
      [{ before: 0 }, [], false],
      [{ after: 0 }, range(1, 50), true],
      [{ after: 0, limit: 1 }, [1], true],
      [{ after: 0, limit: 100 }, range(1, 100), true],
      [{ after: 50, limit: 100 }, range(51, 150), false],
      [{ after: 149, limit: 100 }, [150], false],
      [{ after: 150 }, [], false],
    ];
    for (const [request, expected, hasMore] of cases) {
      const page = await history(socket, request);
      expect({ request, ids: ids(page.messages), hasMore: page.hasMore }).toEqual({
        request,
        ids: expected,
        hasMore,
      });
    }
    await socket.close();
  });

  it('answers only the socket that asked', async () => {
    const { room, socket } = await roomWith(3, 'only');
    const other = await welcome(room);
    await drainPending(socket);
    const page = await history(other.socket, { after: 0 });
    expect(ids(page.messages)).toEqual([1, 2, 3]);
    expect(await drainPending(socket)).toEqual([]);
    await closeAll(socket, other.socket);
  });

  it('pages backwards from the welcome through all 250 messages, each exactly once, in order', async () => {
    const { room, socket } = await roomWith(250, 'back');
    // 37 does not divide 200, so the last page is a short one.
    const { pages, seen } = await pageBackFromWelcome(room, 37);
    expect(seen).toEqual(range(1, 250));
    expect(pages).toBe(1 + Math.ceil(200 / 37));
    await socket.close();
  });

  it('pages forwards from after=0 through all 250 messages, each exactly once, in order, with their content', async () => {
    const { socket, sent } = await roomWith(250, 'forward');
    const seen: ChatMessage[] = [];
    let hasMore = true;
    for (let pages = 0; hasMore && pages < 100; pages++) {
      const page = await history(socket, { after: seen.at(-1)?.id ?? 0, limit: 41 });
      seen.push(...page.messages);
      hasMore = page.hasMore;
    }
    expect(hasMore).toBe(false);
    expect(seen).toEqual(sent);
    await socket.close();
  });

  it.each<[string, unknown]>([
    ['both before and after', { type: 'history', before: 10, after: 1 }],
    ['neither before nor after', { type: 'history', limit: 10 }],
    ['limit 0', { type: 'history', before: 10, limit: 0 }],
    ['limit 101', { type: 'history', before: 10, limit: 101 }],
    ["limit '5'", { type: 'history', before: 10, limit: '5' }],
    ['limit 1.5', { type: 'history', after: 0, limit: 1.5 }],
    ['limit -1', { type: 'history', after: 0, limit: -1 }],
    ['limit null', { type: 'history', after: 0, limit: null }],
    ['before -1', { type: 'history', before: -1 }],
    ['after -1', { type: 'history', after: -1 }],
    ['before 1.5', { type: 'history', before: 1.5 }],
    ["before '5'", { type: 'history', before: '5' }],
    ['after null', { type: 'history', after: null }],
    ['before beyond the largest safe integer', { type: 'history', before: 2 ** 53 }],
  ])(
    'refuses a history frame with %s as bad_frame and keeps the socket working',
    async (_label, frame) => {
      const { socket } = await roomWith(3, 'badhist');
      socket.send(frame);
      expect(await expectNext(socket, 'error')).toMatchObject({ type: 'error', code: 'bad_frame' });
      expect(ids((await history(socket, { after: 0 })).messages)).toEqual([1, 2, 3]);
      await socket.close();
    },
  );
});

describe('clientId idempotency', () => {
  it('answers a resend with the stored message, to the sender only, and stores nothing new', async () => {
    const { room, a, b, sa, sb } = await annAndBob('idem');
    sa.send({ type: 'message', text: 'hello', clientId: 'c-1' });
    const stored = await expectNext(sa, 'message');
    expect(stored).toMatchObject({ id: 1, text: 'hello', clientId: 'c-1', user: a.user });
    expect(await expectNext(sb, 'message')).toEqual(stored);
    // The resend may differ (a client that edited its draft); the stored copy wins.
    sa.send({ type: 'message', text: 'hello, edited', clientId: 'c-1' });
    expect(await expectNext(sa, 'message')).toEqual(stored);
    sa.send({ type: 'message', text: 'hello', clientId: 'c-1' });
    expect(await expectNext(sa, 'message')).toEqual(stored);
    expect(await drainPending(sb)).toEqual([]);
    // No id was used up by the resends.
    sa.send({ type: 'message', text: 'next', clientId: 'c-2' });
    expect(await expectNext(sb, 'message')).toMatchObject({ id: 2, text: 'next' });
    await expectNext(sa, 'message');
    const reader = await welcome(room);
    expect(reader.frame.messages.map((m) => [m.id, m.text])).toEqual([
      [1, 'hello'],
      [2, 'next'],
    ]);
    await closeAll(sa, sb, reader.socket);
  });

  it('answers a resend from another tab of the same user on that tab only', async () => {
    const room = uniqueRoom('idem-tab');
    const a = await newUser('Ann');
    const tab1 = await connect(room, a.token);
    await expectNext(tab1, 'welcome');
    const tab2 = await connect(room, a.token);
    await expectNext(tab2, 'welcome');
    tab1.send({ type: 'message', text: 'once', clientId: 'shared' });
    const stored = await expectNext(tab1, 'message');
    expect(await expectNext(tab2, 'message')).toEqual(stored);
    tab2.send({ type: 'message', text: 'once', clientId: 'shared' });
    expect(await expectNext(tab2, 'message')).toEqual(stored);
    expect(await drainPending(tab1)).toEqual([]);
    await closeAll(tab1, tab2);
  });

  it('treats the same clientId from a different user as a different message', async () => {
    const { room, a, b, sa, sb } = await annAndBob('idem-users');
    sa.send({ type: 'message', text: 'from Ann', clientId: 'same' });
    const first = await expectNext(sb, 'message');
    await expectNext(sa, 'message');
    sb.send({ type: 'message', text: 'from Bob', clientId: 'same' });
    const second = await expectNext(sa, 'message');
    expect(await expectNext(sb, 'message')).toEqual(second);
    expect(first).toMatchObject({ id: 1, user: a.user, text: 'from Ann', clientId: 'same' });
    expect(second).toMatchObject({ id: 2, user: b.user, text: 'from Bob', clientId: 'same' });
    await closeAll(sa, sb);
  });

  it('still recognises a resend after eviction', async () => {
    const room = uniqueRoom('idem-evict');
    const a = await newUser('Ann');
    const sa = await connect(room, a.token);
    await expectNext(sa, 'welcome');
    sa.send({ type: 'message', text: 'kept', clientId: 'evict-1' });
    const stored = await expectNext(sa, 'message');
    await evictDurableObject(roomStub(room));
    sa.send({ type: 'message', text: 'kept', clientId: 'evict-1' });
    expect(await expectNext(sa, 'message')).toEqual(stored);
    sa.send({ type: 'message', text: 'new' });
    expect(await expectNext(sa, 'message')).toMatchObject({ id: 2 });
    await sa.close();
  });
});

describe('retention', () => {
  it('keeps exactly the newest HISTORY_LIMIT messages and keeps ids increasing', async () => {
    const { room, socket } = await roomWith(420, 'retain');
    const { seen } = await pageBackFromWelcome(room, 100);
    expect(seen).toHaveLength(HISTORY_LIMIT);
    expect(seen).toEqual(range(121, 420));
    // Nothing older can be reached from either direction.
    expect(await history(socket, { before: 121, limit: 100 })).toEqual({
      type: 'history',
      messages: [],
      hasMore: false,
    });
    const fromStart = await history(socket, { after: 0, limit: 5 });
    expect(ids(fromStart.messages)).toEqual(range(121, 125));
    expect(fromStart.hasMore).toBe(true);
    const [next] = await sendMessages(socket, 1, 'after-pruning');
    expect(next?.id).toBe(421);
    expect(ids((await history(socket, { before: 1000, limit: 100 })).messages).at(-1)).toBe(421);
    expect(ids((await history(socket, { after: 0, limit: 1 })).messages)).toEqual([122]);
    await socket.close();
  });

  it('marks an after=<id> welcome pruned exactly when messages newer than that id are gone', async () => {
    const { room, socket } = await roomWith(320, 'pruned');
    // 320 sent, 300 kept: ids 1..20 are gone.
    const cases: [after: number, pruned: true | undefined][] = [
      [0, true],
      [10, true],
      [19, true],
      // Everything newer than 20 is still there.
      [20, undefined],
      [200, undefined],
      [320, undefined],
    ];
    for (const [after, pruned] of cases) {
      const reader = await welcome(room, { after: String(after) });
      const first = Math.max(after, 20) + 1;
      expect({ after, ids: ids(reader.frame.messages), pruned: reader.frame.pruned }).toEqual({
        after,
        ids: range(first, Math.min(first + 99, 320)),
        pruned,
      });
      await reader.socket.close();
    }
    await socket.close();
  });

  it('marks a history answer to after=<id> pruned exactly as the welcome, when messages since were pruned', async () => {
    const room = uniqueRoom('pruned-page');
    const { token } = await newUser('Writer');
    const writer = await connect(room, token);
    await expectNext(writer, 'welcome');
    await sendMessages(writer, 2);
    const { socket: reader } = await welcome(room);
    const firstPage = await history(reader, { after: 0, limit: 2 });
    expect(ids(firstPage.messages)).toEqual([1, 2]);
    expect(firstPage).not.toHaveProperty('pruned');
    // 310 more: 312 sent, 300 kept, so 3..12 are gone by the time the reader asks after=2.
    await sendMessages(writer, 310, 'later');
    await drainPending(reader);
    const gap = await history(reader, { after: 2, limit: 2 });
    expect(gap).toMatchObject({ messages: [{ id: 13 }, { id: 14 }], hasMore: true, pruned: true });
    const sameAfter = await welcome(room, { after: '2' });
    expect(sameAfter.frame.pruned).toBe(true);
    const cases: [after: number, pruned: true | undefined][] = [
      [0, true],
      [11, true],
      // Everything newer than 12 is still there.
      [12, undefined],
      [100, undefined],
      [312, undefined],
      [9999, undefined],
    ];
    for (const [after, pruned] of cases) {
      const page = await history(reader, { after, limit: 1 });
      const resumed = await welcome(room, { after: String(after) });
      expect({ after, page: page.pruned, welcome: resumed.frame.pruned }).toEqual({
        after,
        page: pruned,
        welcome: pruned,
      });
      if (pruned === undefined) expect(page).not.toHaveProperty('pruned');
      await resumed.socket.close();
    }
    // Paging back by id says nothing of pruning, even from below the oldest retained message.
    for (const before of [5, 13, 400]) {
      const page = await history(reader, { before, limit: 1 });
      expect(page).not.toHaveProperty('pruned');
    }
    await closeAll(sameAfter.socket, reader, writer);
  });

  it('treats a clientId whose message is no longer retained as new', async () => {
    const room = uniqueRoom('retain-idem');
    const a = await newUser('Ann');
    const sa = await connect(room, a.token);
    await expectNext(sa, 'welcome');
    sa.send({ type: 'message', text: 'early', clientId: 'early' });
    expect(await expectNext(sa, 'message')).toMatchObject({ id: 1 });
    await sendMessages(sa, HISTORY_LIMIT);
    // Message 1 has just fallen out of retention (301 sent, 300 kept).
    sa.send({ type: 'message', text: 'early', clientId: 'early' });
    expect(await expectNext(sa, 'message')).toMatchObject({
      id: HISTORY_LIMIT + 2,
      text: 'early',
      clientId: 'early',
    });
    // And the new copy is the one a further resend gets.
    sa.send({ type: 'message', text: 'early', clientId: 'early' });
    expect(await expectNext(sa, 'message')).toMatchObject({ id: HISTORY_LIMIT + 2 });
    await sa.close();
  });
});

describe('messages that arrive together', () => {
  const ann: User = { id: 'ann-id', name: 'Ann' };
  const bob: User = { id: 'bob-id', name: 'Bob' };
  const draft = (user: User, text: string, clientId?: string): Draft => ({
    user,
    text,
    clientId,
    ts: 1_700_000_000_000,
  });

  /** Runs `use` on a History over the real SQLite storage of a fresh room's Durable Object. */
  function withHistory<T>(
    limit: number,
    use: (history: History, sql: SqlStorage) => T,
  ): Promise<T> {
    return runInDurableObject(roomStub(uniqueRoom('batch')), (_room, state) =>
      use(new History(state.storage, limit, new Search(state.storage.sql)), state.storage.sql),
    );
  }

  it('stores 45 messages of 3 users (three statements) with consecutive ids, in the order sent', async () => {
    const carol: User = { id: 'carol-id', name: 'Carol' };
    const users = [ann, bob, carol];
    const drafts = Array.from({ length: 45 }, (_, i) =>
      draft(users[i % 3]!, `t${i}`, i % 4 === 0 ? undefined : `c${i}`),
    );
    const { appended, stored, next } = await withHistory(HISTORY_LIMIT, (history, sql) => ({
      appended: history.appendAll(drafts),
      stored: sql.exec('SELECT id, user_id, text, client_id FROM messages ORDER BY id').toArray(),
      next: history.appendAll([draft(ann, 'after')]),
    }));
    expect(appended.map((a) => a.draft)).toEqual(drafts);
    expect(
      appended.map((a) => [
        a.message.id,
        a.message.user,
        a.message.text,
        a.message.clientId,
        a.duplicate,
      ]),
    ).toEqual(drafts.map((d, i) => [i + 1, d.user, d.text, d.clientId, false]));
    expect(stored).toEqual(
      drafts.map((d, i) => ({
        id: i + 1,
        user_id: d.user.id,
        text: d.text,
        client_id: d.clientId ?? null,
      })),
    );
    expect(next.map((a) => a.message.id)).toEqual([46]);
  });

  it('answers resends of messages from the same statement, an earlier one and an earlier batch with the stored copy, leaving no gap in the ids', async () => {
    // A batch of 27: the first statement stores rows 1-20, the second the rest.
    const first = Array.from({ length: 19 }, (_, i) => draft(ann, `a${i}`, `a${i}`));
    const second = [
      draft(bob, 'b0', 'x'),
      draft(ann, 'a3 again', 'a3'),
      draft(ann, 'x from Ann', 'x'),
      draft(bob, 'b0 again', 'x'),
      draft(ann, 'plain'),
      draft(ann, 'a18 again', 'a18'),
      draft(bob, 'b1', 'y'),
      draft(ann, 'x from Ann again', 'x'),
    ];
    const later = [draft(bob, 'b1 again', 'y'), draft(ann, 'new', 'z')];
    const { appended, appendedLater, count } = await withHistory(HISTORY_LIMIT, (history, sql) => ({
      appended: history.appendAll([...first, ...second]),
      appendedLater: history.appendAll(later),
      count: sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM messages').one().n,
    }));
    expect(appended.slice(0, 19).map((a) => [a.message.id, a.duplicate])).toEqual(
      first.map((_, i) => [i + 1, false]),
    );
    expect(appended.slice(19).map((a) => [a.message.id, a.message.text, a.duplicate])).toEqual([
      [20, 'b0', false],
      [4, 'a3', true], // first statement
      [21, 'x from Ann', false],
      [20, 'b0', true], // first statement
      [22, 'plain', false],
      [19, 'a18', true], // first statement
      [23, 'b1', false],
      [21, 'x from Ann', true], // same statement
    ]);
    expect(appendedLater.map((a) => [a.message.id, a.message.text, a.duplicate])).toEqual([
      [23, 'b1', true], // earlier batch
      [24, 'new', false],
    ]);
    expect(appended.map((a) => a.draft)).toEqual([...first, ...second]);
    expect(count).toBe(24);
  });

  it('stores a resend of a message past retention as new, in the order sent', async () => {
    const {
      appended,
      oldCopies,
      ids: stored,
    } = await withHistory(5, (history, sql) => {
      history.appendAll([draft(ann, 'early', 'early')]);
      history.appendAll(Array.from({ length: 5 }, (_, i) => draft(bob, `filler${i}`)));
      // Message 1 is past retention (6 stored, 5 kept); two resends of it and two new messages.
      const appended = history.appendAll([
        draft(bob, 'before'),
        draft(ann, 'early', 'early'),
        draft(ann, 'early', 'early'),
        draft(bob, 'after'),
      ]);
      return {
        appended,
        oldCopies: sql.exec("SELECT id FROM messages WHERE client_id = 'early'").toArray(),
        ids: sql
          .exec<{ id: number; text: string }>(
            'SELECT id, text FROM messages WHERE id > 6 ORDER BY id',
          )
          .toArray(),
      };
    });
    expect(appended.map((a) => [a.message.id, a.message.text, a.duplicate])).toEqual([
      [7, 'before', false],
      [8, 'early', false],
      [8, 'early', true],
      [9, 'after', false],
    ]);
    expect(oldCopies).toEqual([{ id: 8 }]);
    expect(stored).toEqual([
      { id: 7, text: 'before' },
      { id: 8, text: 'early' },
      { id: 9, text: 'after' },
    ]);
  });

  it('stores nothing of a batch when one of its statements fails, and goes on from the same id', async () => {
    const { error, count, lastId, next } = await withHistory(HISTORY_LIMIT, (history, sql) => {
      // A real SQLite failure on the second statement: row 22 of 25 is refused by a trigger.
      sql.exec(
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON messages WHEN NEW.text = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END",
      );
      const drafts = Array.from({ length: 25 }, (_, i) =>
        draft(i % 2 ? bob : ann, i === 21 ? 'boom' : `t${i}`, `c${i}`),
      );
      let error: unknown;
      try {
        history.appendAll(drafts);
      } catch (err) {
        error = err;
      }
      sql.exec('DROP TRIGGER refuse_boom');
      const count = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM messages').one().n;
      return {
        error: String(error),
        count,
        lastId: history.seq,
        next: history.appendAll(drafts.slice(0, 2)),
      };
    });
    expect(error).toContain('boom refused');
    expect(count).toBe(0);
    expect(lastId).toBe(0);
    expect(next.map((a) => [a.message.id, a.duplicate])).toEqual([
      [1, false],
      [2, false],
    ]);
  });

  it('still reports a gap after a resend replaces a message past retention that held a later change', async () => {
    const pruned = await withHistory(3, (history, sql) => {
      history.appendAll([draft(ann, 'a', 'c1'), draft(ann, 'b', 'c2'), draft(ann, 'c', 'c3')]);
      // Message 1 changes after message 3: its latest change is seq 4.
      history.change((seq) => void sql.exec('UPDATE messages SET seq = ? WHERE id = 1', seq));
      history.appendAll([draft(bob, 'd')]);
      const beforeResend = history.prunedAfter(3);
      const [resent] = history.appendAll([draft(ann, 'a', 'c1')]);
      return { beforeResend, afterResend: history.prunedAfter(3), resent };
    });
    expect(pruned.resent).toMatchObject({ duplicate: false, message: { id: 6 } });
    expect(pruned).toMatchObject({ beforeResend: true, afterResend: true });
  });

  it('does not count a clientId past retention as sent', async () => {
    const sent = await withHistory(2, (history) => {
      history.appendAll([draft(ann, 'a', 'c1'), draft(ann, 'b', 'c2'), draft(ann, 'c', 'c3')]);
      return ['c1', 'c2'].map((clientId) => history.hasClientId(ann.id, clientId));
    });
    expect(sent).toEqual([false, true]);
  });

  it('stores nothing for an empty batch', async () => {
    expect(
      await withHistory(HISTORY_LIMIT, (history) => [history.appendAll([]), history.seq]),
    ).toEqual([[], 0]);
  });

  /**
   * Hands frames to the room the way the runtime does when they arrive together: one
   * webSocketMessage call each, on the senders' own sockets, with no turn of the event loop between.
   */
  function arriveTogether(
    room: string,
    frames: readonly [userId: string, frame: unknown][],
  ): Promise<void> {
    return runInDurableObject(roomStub(room), (chatRoom: ChatRoom, state) => {
      for (const [userId, frame] of frames) {
        const [ws] = state.getWebSockets(userId);
        if (!ws) throw new Error(`no socket for ${userId}`);
        void chatRoom.webSocketMessage(
          ws,
          typeof frame === 'string' ? frame : JSON.stringify(frame),
        );
      }
    });
  }

  it('delivers a burst from three senders to everyone, each message once, in id order', async () => {
    const room = uniqueRoom('burst');
    const users = await Promise.all(['Ann', 'Bob', 'Cy'].map((name) => newUser(name)));
    const sockets: TestSocket[] = [];
    for (const { token } of users) {
      const socket = await connect(room, token);
      await expectNext(socket, 'welcome');
      sockets.push(socket);
    }
    await Promise.all(sockets.map((socket) => drainPending(socket)));
    // 90 interleaved messages, more than four statements' worth, one of them a resend.
    const frames: [string, unknown][] = [];
    for (let i = 0; i < 30; i++)
      for (const [s, { user }] of users.entries())
        frames.push([user.id, { type: 'message', text: `${s}:${i}`, clientId: `m${i}` }]);
    frames.splice(50, 0, [users[0]!.user.id, { type: 'message', text: 'resent', clientId: 'm3' }]);
    await arriveTogether(room, frames);
    for (const [s, socket] of sockets.entries()) {
      const received: ChatMessage[] = [];
      while (received.length < (s === 0 ? 91 : 90))
        received.push(await expectNext(socket, 'message'));
      // The sender of the resend gets the stored copy, where the resend was in the batch.
      const copy = s === 0 ? received.splice(50, 1)[0] : undefined;
      expect(copy).toEqual(s === 0 ? received[9] : undefined);
      expect(ids(received)).toEqual(range(1, 90));
      for (const [sender, { user }] of users.entries()) {
        expect(received.filter((m) => m.user.id === user.id).map((m) => m.text)).toEqual(
          range(0, 29).map((i) => `${sender}:${i}`),
        );
      }
      expect(await drainPending(socket)).toEqual([]);
    }
    await closeAll(...sockets);
  });

  it('closes the senders of a batch that could not be stored with 1011, announces none of it, and stores their resends', async () => {
    const { room, a, b, sa, sb } = await annAndBob('burst-fail');
    const reader = await connect(room, (await newUser('Reader')).token);
    await expectNext(reader, 'welcome');
    await Promise.all([drainPending(sa), drainPending(sb)]);
    // A real SQLite failure in the batch's second statement: message 22 of 25 is refused.
    const sql = (statement: string) =>
      runInDurableObject(roomStub(room), (_room, state) => void state.storage.sql.exec(statement));
    await sql(
      "CREATE TRIGGER refuse_boom BEFORE INSERT ON messages WHEN NEW.text = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END",
    );
    const frames = Array.from({ length: 25 }, (_, i): [string, unknown] => [
      (i % 2 ? b : a).user.id,
      { type: 'message', text: i === 21 ? 'boom' : `t${i}`, clientId: `c${i}` },
    ]);
    await arriveTogether(room, frames);
    expect((await sa.closed).code).toBe(1011);
    expect((await sb.closed).code).toBe(1011);
    // The reader sees the two leave, never the messages: none of the batch was stored.
    expect((await drainPending(reader)).map((f) => f.type)).toEqual(['leave', 'leave']);
    await sql('DROP TRIGGER refuse_boom');
    // Ann reconnects and resends her first message: new, with the first id, and everyone sees it.
    const again = await connect(room, a.token);
    expect((await expectNext(again, 'welcome')).messages).toEqual([]);
    again.send({ type: 'message', text: 't0', clientId: 'c0' });
    const stored = await expectNext(again, 'message');
    expect(stored).toMatchObject({ id: 1, text: 't0', clientId: 'c0' });
    expect(await reader.nextOf('message')).toEqual(stored);
    await closeAll(again, reader);
  });

  it('answers frames that arrive together in the order sent, history included', async () => {
    const { room, a, sa, sb } = await annAndBob('burst-order');
    const sent = [
      { type: 'message', text: 'one' },
      'not json',
      { type: 'message', text: 'two' },
      { type: 'history', after: 0 },
      { type: 'message', text: 'three' },
      { type: 'message', text: '   ' },
      { type: 'message', text: 'four' },
    ];
    await arriveTogether(
      room,
      sent.map((frame) => [a.user.id, frame]),
    );
    const frames = await drainPending(sa);
    expect(
      frames.map((f) =>
        f.type === 'message'
          ? f.text
          : f.type === 'history'
            ? ids(f.messages)
            : f.type === 'error'
              ? f.code
              : f.type,
      ),
    ).toEqual(['one', 'bad_json', 'two', [1, 2], 'three', 'empty', 'four']);
    expect((await drainPending(sb)).map((f) => f.type === 'message' && f.text)).toEqual([
      'one',
      'two',
      'three',
      'four',
    ]);
    await closeAll(sa, sb);
  });
});

describe('across eviction', () => {
  it('keeps history and ids after the room is evicted', async () => {
    const { room, socket, sent } = await roomWith(60, 'evict');
    await evictDurableObject(roomStub(room));
    const reader = await welcome(room);
    expect(reader.frame.messages).toEqual(sent.slice(10));
    expect(reader.frame.hasMore).toBe(true);
    const older = await history(reader.socket, { before: 11 });
    expect(older).toEqual({ type: 'history', messages: sent.slice(0, 10), hasMore: false });
    await drainPending(socket);
    await evictDurableObject(roomStub(room));
    // The socket that wrote them, after another eviction, continues the sequence.
    const [next] = await sendMessages(socket, 1, 'after-evict');
    expect(next?.id).toBe(61);
    const resumed = await welcome(room, { after: '55' });
    expect(ids(resumed.frame.messages)).toEqual(range(56, 61));
    await closeAll(socket, reader.socket, resumed.socket);
  });
});
