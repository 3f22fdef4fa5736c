// Where a user stands, through the shipped ChatClient over real TCP against `wrangler dev`: read
// markers across the tabs of one user, search, every moderation method (resolving with the room's
// announcement, null when nothing changed, rejecting with its exact error frame) and the events
// that follow (role, muted, settings, purged), a muted client holding its outbox until the mute
// ends, and a banned client stopping for good with its outbox kept.
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, type ChatClientOptions } from '../../public/chat/client.js';
import { memoryStorage } from '../../public/chat/storage.js';
import { type ChatMessage } from '../../src/protocol.ts';
import { parseClientFrame } from '../../src/client-frames.ts';
import {
  createRoom,
  newUser,
  nextEvent,
  openSocket,
  pollUntil,
  roundTrip,
  sleep,
  trackedWebSocket,
  uniqueRoom,
  type E2ESocket,
} from './client.ts';
import { startDevServer, type DevServer } from './wrangler.mjs';

let server: DevServer;
const trackers: ReturnType<typeof trackedWebSocket>[] = [];

beforeAll(async () => {
  // A snapshot: a reload (any edit under src/ or public/) would drop every socket mid-test.
  server = await startDevServer({
    snapshot: true,
    vars: { MESSAGE_RATE: '1000', MESSAGE_BURST: '1000' },
  });
});

afterAll(async () => {
  await server?.stop();
});

/** What a test gives the library to send that the room's schema refuses, on purpose. */
const provoked = new Set<string>();

afterEach(() => {
  // Every frame the library put on the wire is one the room's schema accepts, but those whose
  // values the test made bad on purpose (the library passes them on for the room to judge).
  for (const tracker of trackers.splice(0))
    for (const frame of tracker.sent) {
      const parsed = parseClientFrame(JSON.stringify(frame));
      const refusal = parsed.ok ? null : parsed.error.message;
      expect(refusal === null || provoked.has(refusal), JSON.stringify(frame)).toBe(true);
    }
  provoked.clear();
});

/** A ChatClient on the test server over a tracked `ws` WebSocket; options override. */
function client(room: string, token: string, options: Partial<ChatClientOptions> = {}) {
  const tracker = trackedWebSocket();
  trackers.push(tracker);
  const chat = new ChatClient({
    url: server.origin,
    room,
    token,
    WebSocket: tracker.WebSocket,
    firstDelayMs: 20,
    ...options,
  });
  return { chat, tracker };
}

/** A ChatClient, once it is open. */
async function joined(room: string, token: string, options: Partial<ChatClientOptions> = {}) {
  const made = client(room, token, options);
  await nextEvent(made.chat, 'status', { where: (status) => status === 'open' });
  return made;
}

/** A raw socket in `room`, welcomed. */
async function enter(room: string, token: string): Promise<E2ESocket> {
  const socket = await openSocket(server.origin, room, token);
  await socket.nextOf('welcome');
  return socket;
}

/** Sends `texts` on a raw socket; returns the stored messages. */
async function say(socket: E2ESocket, ...texts: string[]): Promise<ChatMessage[]> {
  for (const text of texts) socket.send({ type: 'message', text });
  const stored: ChatMessage[] = [];
  while (stored.length < texts.length) stored.push(await socket.nextOf('message'));
  return stored;
}

/** The frames of `type` a tracker saw go out. */
const sentOf = (tracker: ReturnType<typeof trackedWebSocket>, type: string) =>
  tracker.sent.filter(
    (frame) =>
      typeof frame === 'object' && frame !== null && 'type' in frame && frame.type === type,
  );

/** Records every `type` event of `chat`. */
function recorded<K extends 'read' | 'role' | 'muted' | 'update'>(chat: ChatClient, type: K) {
  const details: unknown[] = [];
  chat.addEventListener(type, (event: CustomEvent<unknown>) => details.push(event.detail));
  return details;
}

const refusal = (promise: Promise<unknown>) => promise.catch((error: unknown) => error);
const forbidden = (message: string) => ({ type: 'error', code: 'forbidden', message });

describe('read markers', () => {
  it('move forward only, reach this user’s other tabs and their welcome, and nobody else', async () => {
    const room = uniqueRoom('read');
    const ann = await newUser('Ann');
    const w = await enter(room, (await newUser('Wyn')).token);
    const ids = (await say(w, 'one', 'two', 'three', 'four', 'five')).map((m) => m.id);
    const a = await joined(room, ann.token);
    const b = await joined(room, ann.token);
    const readByA = recorded(a.chat, 'read');
    const readByB = recorded(b.chat, 'read');

    expect(a.chat.read(ids[2] ?? 0)).toBe(true);
    expect(a.chat.readUpTo).toBe(ids[2]);
    await pollUntil(() => b.chat.readUpTo === ids[2], 5_000, 10);
    expect(readByB).toEqual([{ id: ids[2] }]);
    // Back is no move: nothing is sent.
    expect(a.chat.read(ids[1] ?? 0)).toBe(false);
    // Past the newest message counts as the newest.
    expect(a.chat.read(10_000)).toBe(true);
    expect(a.chat.readUpTo).toBe(ids[4]);
    await pollUntil(() => b.chat.readUpTo === ids[4], 5_000, 10);
    expect(readByB).toEqual([{ id: ids[2] }, { id: ids[4] }]);
    expect(readByA).toEqual([]);
    expect(sentOf(a.tracker, 'read')).toEqual([
      { type: 'read', id: ids[2] },
      { type: 'read', id: ids[4] },
    ]);
    // Someone else hears nothing of it.
    expect((await roundTrip(w)).filter((frame) => frame.type === 'read')).toEqual([]);

    // A new tab of Ann's starts from her marker.
    const c = client(room, ann.token);
    const told = nextEvent(c.chat, 'read');
    expect(await told).toEqual({ id: ids[4] });
    expect(c.chat.readUpTo).toBe(ids[4]);
    for (const chat of [a.chat, b.chat, c.chat]) chat.close();
    await w.close();
  });
});

describe('search()', () => {
  it('resolves with the room’s answer newest first, pages with before, and rejects a query without a word with the room’s error frame', async () => {
    const room = uniqueRoom('search');
    const w = await enter(room, (await newUser('Wyn')).token);
    const stored = await say(w, 'Café at noon', 'tea later', 'the cafe is shut', 'CAFE again');
    const { chat } = await joined(room, (await newUser('Sam')).token);
    const events: unknown[] = [];
    chat.addEventListener('search', (event) => events.push(event.detail));
    const cafes = [stored[3], stored[2], stored[0]];

    const first = await chat.search('cafe', { limit: 2 });
    expect(first).toEqual({
      type: 'search',
      query: 'cafe',
      messages: cafes.slice(0, 2),
      hasMore: true,
    });
    const rest = await chat.search('cafe', { before: first.messages.at(-1)?.id ?? 0, limit: 2 });
    expect(rest).toEqual({
      type: 'search',
      query: 'cafe',
      messages: cafes.slice(2),
      hasMore: false,
    });
    expect(events).toEqual([first, rest]);
    provoked.add('query has no word to search for');
    expect(await refusal(chat.search('?!'))).toEqual({
      type: 'error',
      code: 'bad_frame',
      message: 'query has no word to search for',
    });
    chat.close();
    await w.close();
  });
});

describe('moderation', () => {
  it('resolves each method with the room’s announcement (null when nothing changed), deletes anyone’s message, and the target’s client takes its role and mute from it', async () => {
    const owner = await newUser('Olga');
    const room = await createRoom(server.origin, owner.token);
    const max = await newUser('Max');
    const dan = await newUser('Dan');
    const o = await joined(room, owner.token);
    expect(o.chat.role).toBe('owner');
    const m = client(room, max.token);
    const roles = recorded(m.chat, 'role');
    const mutes = recorded(m.chat, 'muted');
    await nextEvent(m.chat, 'status', { where: (status) => status === 'open' });
    const d = await enter(room, dan.token);
    const target = { id: max.user.id, name: 'Max' };

    const mute = await o.chat.mute(max.user.id, 60);
    expect(mute).toEqual({
      type: 'moderation',
      action: 'mute',
      target,
      by: owner.user,
      until: expect.any(Number),
    });
    await pollUntil(() => m.chat.mutedUntil === mute?.until, 5_000, 10);
    expect(await o.chat.mute(max.user.id, 0)).toEqual({
      type: 'moderation',
      action: 'unmute',
      target,
      by: owner.user,
    });
    await pollUntil(() => m.chat.mutedUntil === null, 5_000, 10);
    expect(mutes).toEqual([{ until: mute?.until }, { until: null }]);
    // Nothing to lift: the room answers nothing, and the promise settles all the same.
    expect(await o.chat.mute(max.user.id, 0)).toBeNull();
    expect(await o.chat.unban(dan.user.id)).toBeNull();

    // A moderator (here the owner) deletes anyone's message with the ordinary delete().
    const [dans] = await say(d, 'from dan');
    await pollUntil(() => o.chat.message(dans?.id ?? 0) !== undefined, 5_000, 10);
    expect(await o.chat.delete(dans?.id ?? 0)).toMatchObject({ id: dans?.id, deleted: true });

    const ban = await o.chat.ban(dan.user.id, { seconds: 60, reason: 'spam' });
    expect(ban).toEqual({
      type: 'moderation',
      action: 'ban',
      target: { id: dan.user.id, name: 'Dan' },
      by: owner.user,
      until: expect.any(Number),
      reason: 'spam',
    });
    expect(await o.chat.bans()).toEqual([
      { userId: dan.user.id, until: ban?.until, by: owner.user, reason: 'spam' },
    ]);
    expect(await o.chat.unban(dan.user.id)).toMatchObject({ action: 'unban' });
    expect(await o.chat.bans()).toEqual([]);

    const settings = nextEvent(m.chat, 'settings');
    expect(await o.chat.setSettings({ slowModeSeconds: 5 })).toEqual({
      slowModeSeconds: 5,
      readOnly: false,
    });
    expect(await settings).toEqual({
      type: 'settings',
      slowModeSeconds: 5,
      readOnly: false,
      by: owner.user,
    });
    expect(m.chat.settings).toEqual({ slowModeSeconds: 5, readOnly: false });
    // As asked already: settled at once, nothing sent.
    const sent = sentOf(o.tracker, 'settings').length;
    expect(await o.chat.setSettings({ slowModeSeconds: 5, readOnly: false })).toEqual({
      slowModeSeconds: 5,
      readOnly: false,
    });
    expect(sentOf(o.tracker, 'settings')).toHaveLength(sent);

    expect(await o.chat.setRole(max.user.id, 'moderator')).toEqual({
      type: 'moderation',
      action: 'role',
      target,
      by: owner.user,
      role: 'moderator',
    });
    await pollUntil(() => m.chat.role === 'moderator', 5_000, 10);
    expect(await o.chat.setRole(max.user.id, 'moderator')).toBeNull();
    expect(roles).toEqual([{ role: 'member' }, { role: 'moderator' }]);
    o.chat.close();
    m.chat.close();
    await d.close();
  });

  it('rejects what the room refuses with its exact error frame', async () => {
    const owner = await newUser('Olga');
    const room = await createRoom(server.origin, owner.token);
    const mia = await newUser('Mia');
    const { chat: o } = await joined(room, owner.token);
    const { chat: m } = await joined(room, mia.token);
    const someone = 'someone-else';

    expect(await refusal(m.mute(owner.user.id, 10))).toEqual(
      forbidden('only moderators can do that'),
    );
    expect(await refusal(m.ban(someone))).toEqual(forbidden('only moderators can do that'));
    expect(await refusal(m.bans())).toEqual(forbidden('only moderators can do that'));
    expect(await refusal(m.setSettings({ readOnly: true }))).toEqual(
      forbidden('only moderators can do that'),
    );
    expect(await refusal(m.setRole(someone, 'moderator'))).toEqual(
      forbidden('only the owner appoints moderators'),
    );
    expect(await refusal(o.mute(owner.user.id, 10))).toEqual(
      forbidden('you can’t do that to yourself'),
    );
    const badFrame = (message: string) => {
      provoked.add(message);
      return { type: 'error', code: 'bad_frame', message };
    };
    expect(await refusal(o.ban(someone, { reason: 'r'.repeat(201) }))).toEqual(
      badFrame('reason is longer than 200 characters'),
    );
    expect(await refusal(o.mute(someone, -1))).toEqual(
      badFrame('invalid or missing field "seconds"'),
    );
    expect(await refusal(o.setSettings({}))).toEqual(
      badFrame('give slowModeSeconds, readOnly or both'),
    );
    // Nothing changed.
    expect(await o.bans()).toEqual([]);
    expect(o.settings).toEqual({ slowModeSeconds: 0, readOnly: false });
    o.close();
    m.close();
  });

  it('holds a muted client’s messages until the mute ends, then sends them, and rejects its edits meanwhile', async () => {
    const owner = await newUser('Olga');
    const room = await createRoom(server.origin, owner.token);
    const max = await newUser('Max');
    const { chat: o } = await joined(room, owner.token);
    const m = await joined(room, max.token);
    const before = await m.chat.send('before');
    const failed: unknown[] = [];
    m.chat.addEventListener('failed', (event) => failed.push(event.detail));

    // Known from the moderation frame: nothing is sent until the mute is over.
    const muted = nextEvent(m.chat, 'muted');
    const mute = await o.mute(max.user.id, 1);
    expect(await muted).toEqual({ until: mute?.until });
    const held = m.chat.send('written while muted');
    expect(await refusal(m.chat.edit(before.id, 'edited while muted'))).toEqual({
      type: 'error',
      code: 'forbidden',
      message: 'you are muted in this room',
      id: before.id,
      retryAfterMs: expect.any(Number),
    });
    await sleep(300);
    expect(sentOf(m.tracker, 'message')).toHaveLength(1);
    expect(sentOf(m.tracker, 'edit')).toHaveLength(0);
    const over = nextEvent(m.chat, 'muted');
    const stored = await held;
    expect(await over).toEqual({ until: null });
    expect(stored).toMatchObject({ text: 'written while muted' });
    expect(stored.ts).toBeGreaterThanOrEqual(mute?.until ?? Infinity);

    // Not known (the moderation frame is late): the room's refusal names the wait, and the
    // message waits that long instead of failing.
    m.tracker.hold((frame) => frame.type === 'moderation');
    const again = await o.mute(max.user.id, 1);
    const learned = nextEvent(m.chat, 'muted');
    const late = m.chat.send('sent into a mute');
    expect((await learned).until).toBeGreaterThan(Date.now());
    expect((await late).ts).toBeGreaterThanOrEqual(again?.until ?? Infinity);
    expect(sentOf(m.tracker, 'message')).toHaveLength(4);
    expect(failed).toEqual([]);
    m.tracker.release();
    o.close();
    m.chat.close();
  });

  it('stops a banned client for good: status closed, no reconnect, its outbox kept for later', async () => {
    const owner = await newUser('Olga');
    const room = await createRoom(server.origin, owner.token);
    const max = await newUser('Max');
    const { chat: o } = await joined(room, owner.token);
    const kept = memoryStorage();
    const m = await joined(room, max.token, { storage: kept });
    await o.mute(max.user.id, 60);
    await pollUntil(() => m.chat.mutedUntil !== null, 5_000, 10);
    const pending = m.chat.send('never sent');

    const banned = nextEvent(m.chat, 'banned');
    const closed = nextEvent(m.chat, 'status', { where: (status) => status === 'closed' });
    await o.ban(max.user.id, { reason: 'spam' });
    expect(await banned).toEqual({ type: 'banned', reason: 'spam' });
    await closed;
    await expect(pending).rejects.toThrow(/closed/);
    await expect(m.chat.search('anything')).rejects.toThrow(/closed/);
    expect(m.chat.pending).toEqual([expect.objectContaining({ text: 'never sent' })]);

    // A client that comes back is turned away the same way, and keeps the outbox too.
    const again = client(room, max.token, { storage: kept });
    expect(await nextEvent(again.chat, 'banned')).toEqual({ type: 'banned', reason: 'spam' });
    await sleep(1_000);
    expect(again.chat.status).toBe('closed');
    expect(m.tracker.sockets).toHaveLength(1);
    expect(again.tracker.sockets).toHaveLength(1);
    expect(again.chat.pending).toEqual([expect.objectContaining({ text: 'never sent' })]);
    expect(sentOf(m.tracker, 'message')).toEqual([]);
    o.close();
  });

  it('turns every held message of a purged user into a tombstone and refreshes the replies to them', async () => {
    const owner = await newUser('Olga');
    const room = await createRoom(server.origin, owner.token);
    const dan = await newUser('Dan');
    const d = await enter(room, dan.token);
    const [first, second] = await say(d, 'spam one', 'spam two');
    const { chat: o } = await joined(room, owner.token);
    const r = await joined(room, (await newUser('Rae')).token);
    const reply = await r.chat.send('what is this?', { replyTo: first?.id ?? 0 });
    const updates = recorded(r.chat, 'update');

    const purged = nextEvent(r.chat, 'purged');
    await o.ban(dan.user.id, { purge: true });
    const frame = await purged;
    expect(frame).toEqual({ type: 'purged', userId: dan.user.id, seq: expect.any(Number) });
    await pollUntil(() => updates.length === 3, 5_000, 10);
    expect(updates.map((update) => (update as { message: ChatMessage }).message.id)).toEqual([
      first?.id,
      reply.id,
      second?.id,
    ]);
    expect(r.chat.message(reply.id)?.reply).toEqual({ id: first?.id, deleted: true });
    expect(r.chat.position).toBe(frame.seq);

    // As a fresh read has them, but for the tombstones' own seq, which no purged frame tells.
    const reader = await enter(room, (await newUser('Rex')).token);
    reader.send({ type: 'history', before: reply.id + 1, limit: 10 });
    const page = await reader.nextOf('history');
    expect(r.chat.messages.map(({ seq: _, ...rest }) => rest)).toEqual(
      page.messages.map(({ seq: _, ...rest }) => rest),
    );
    o.close();
    r.chat.close();
    await d.close();
    await reader.close();
  });
});
