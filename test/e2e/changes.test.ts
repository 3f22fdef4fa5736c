// Changing messages through the shipped ChatClient over real TCP against `wrangler dev`: edit,
// delete and react resolve once the room acknowledges them and reject with the room's exact error
// frame; a change that changes nothing settles too, whether the client can tell at once or only
// when the copy that made it a no-op arrives, or only once the room is past it; replies keep their
// excerpts fresh, live and on resume; loadAround() jumps to an old message and joins it up.
// Every frame the library sends here is one the server's schema accepts.
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, type ChatClientOptions } from '../../public/chat/client.js';
import { type ChatMessage, type ServerFrame } from '../../src/protocol.ts';
import { parseClientFrame } from '../../src/client-frames.ts';
import {
  Gate,
  newUser,
  nextEvent,
  openSocket,
  pollUntil,
  roundTrip,
  trackedWebSocket,
  uniqueRoom,
  type E2ESocket,
} from './client.ts';
import { startDevServer, type DevServer } from './wrangler.mjs';

let server: DevServer;
const trackers: ReturnType<typeof trackedWebSocket>[] = [];

beforeAll(async () => {
  // A snapshot: a reload (any edit under src/ or public/) would drop every socket mid-test.
  // Rate limits lifted, so that a few hundred messages go in a moment.
  server = await startDevServer({
    snapshot: true,
    vars: { MESSAGE_RATE: '1000', MESSAGE_BURST: '1000' },
  });
});

afterAll(async () => {
  await server?.stop();
});

// What a person wrote is the room's to judge: the library sends text and emoji as they are.
const CONTENT_REFUSALS = new Set([
  'text contains control characters',
  'emoji must be 1-16 characters without spaces or invisible characters',
]);

afterEach(() => {
  // Every frame the library put on the wire is one the room's schema accepts, but for content.
  for (const tracker of trackers.splice(0))
    for (const frame of tracker.sent) {
      const parsed = parseClientFrame(JSON.stringify(frame));
      const refusal = parsed.ok ? null : parsed.error.message;
      expect(refusal === null || CONTENT_REFUSALS.has(refusal), JSON.stringify(frame)).toBe(true);
    }
});

/** A ChatClient on the test server over a tracked `ws` WebSocket; options override. */
function client(
  room: string,
  token: ChatClientOptions['token'],
  options: Partial<ChatClientOptions> = {},
) {
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

const opened = (chat: ChatClient) =>
  nextEvent(chat, 'status', { where: (status) => status === 'open', timeoutMs: 20_000 });

/** A raw socket in `room`, welcomed. */
async function enter(room: string, token: string): Promise<E2ESocket> {
  const socket = await openSocket(server.origin, room, token);
  await socket.nextOf('welcome');
  return socket;
}

/** Sends `text` on a raw socket and returns the stored message. */
async function say(socket: E2ESocket, text: string, replyTo?: number): Promise<ChatMessage> {
  const clientId = `say-${Math.random().toString(36).slice(2)}`;
  socket.send({ type: 'message', text, clientId, ...(replyTo !== undefined && { replyTo }) });
  for (;;) {
    const frame = await socket.next();
    if (frame.type === 'message' && frame.clientId === clientId) return frame;
    if (frame.type === 'error') throw new Error(`refused: ${JSON.stringify(frame)}`);
  }
}

/** The change frames (edit, delete, react) a tracker saw go out. */
const changesSent = (tracker: ReturnType<typeof trackedWebSocket>) =>
  tracker.sent.filter(
    (frame) =>
      typeof frame === 'object' &&
      frame !== null &&
      'type' in frame &&
      ['edit', 'delete', 'react'].includes(String(frame.type)),
  );

const NOT_FOUND = 'no such message (deleted, or no longer kept)';

/** Sends a ping the room itself answers on a client's own socket, and waits for its pong. */
function roomPong(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const listener = (data: WebSocket.RawData) => {
      if (data.toString() !== '{"type":"pong"}') return;
      ws.off('message', listener);
      resolve();
    };
    ws.on('message', listener);
    ws.send('{ "type": "ping" }');
  });
}

describe('edit, delete and react', () => {
  it('resolve with the message as held once the room acknowledges each, and everyone sees each update', async () => {
    const room = uniqueRoom('change');
    const ann = await newUser('Ann');
    const bob = await newUser('Bob');
    const { chat } = client(room, ann.token);
    await opened(chat);
    const b = await enter(room, bob.token);
    const updates: ChatMessage[] = [];
    chat.addEventListener('update', (event) => updates.push(event.detail.message));

    const sent = await chat.send('first');
    const edited = await chat.edit(sent.id, '  first, edited  ');
    expect(edited).toMatchObject({
      id: sent.id,
      text: 'first, edited',
      editedAt: expect.any(Number),
    });
    expect(edited.seq).toBeGreaterThan(sent.seq);
    expect((await b.nextOf('update')).message).toEqual(edited);

    const liked = await chat.react(sent.id, '👍', true);
    expect(liked.reactions).toEqual([{ emoji: '👍', count: 1, users: [ann.user.id] }]);
    expect((await b.nextOf('update')).message).toEqual(liked);
    const unliked = await chat.react(sent.id, '👍', false);
    expect(unliked.reactions).toBeUndefined();
    expect((await b.nextOf('update')).message).toEqual(unliked);

    const gone = await chat.delete(sent.id);
    expect(gone).toEqual({
      type: 'message',
      id: sent.id,
      seq: expect.any(Number),
      user: ann.user,
      text: '',
      ts: sent.ts,
      clientId: sent.clientId,
      deleted: true,
    });
    expect((await b.nextOf('update')).message).toEqual(gone);
    expect(updates).toEqual([edited, liked, unliked, gone]);
    expect(chat.message(sent.id)).toEqual(gone);
    chat.close();
    await b.close();
  });

  it('reject with the room’s error frame naming the message, and change nothing', async () => {
    const room = uniqueRoom('refuse');
    const ann = await newUser('Ann');
    const bob = await newUser('Bob');
    const { chat } = client(room, ann.token);
    await opened(chat);
    const b = await enter(room, bob.token);
    const bobs = await say(b, 'bob’s');
    const own = await chat.send('own');
    await pollUntil(() => chat.message(bobs.id) !== undefined, 5_000, 10);

    const refusal = (promise: Promise<unknown>) => promise.catch((error: unknown) => error);
    const error = (code: string, message: string, id: number) => ({
      type: 'error',
      code,
      message,
      id,
    });
    expect(await refusal(chat.edit(bobs.id, 'mine now'))).toEqual(
      error('forbidden', 'only its author can edit a message', bobs.id),
    );
    expect(await refusal(chat.delete(bobs.id))).toEqual(
      error('forbidden', 'only its author or a moderator can delete a message', bobs.id),
    );
    expect(await refusal(chat.edit(own.id, 'bell \u0007 rings'))).toEqual(
      error('bad_frame', 'text contains control characters', own.id),
    );
    expect(await refusal(chat.react(own.id, 'two words', true))).toEqual(
      error(
        'bad_frame',
        'emoji must be 1-16 characters without spaces or invisible characters',
        own.id,
      ),
    );
    const emoji = Array.from({ length: 20 }, (_, i) => String.fromCodePoint(0x1f600 + i));
    for (const each of emoji) await chat.react(own.id, each, true);
    expect(await refusal(chat.react(own.id, '🚀', true))).toEqual(
      error('bad_frame', 'a message carries at most 20 different reactions', own.id),
    );
    // Nothing changed: each message as a fresh read has it.
    const reader = await enter(room, (await newUser('Rex')).token);
    reader.send({ type: 'history', before: own.id + 1, limit: 10 });
    const page = await reader.nextOf('history');
    expect(page.messages).toEqual([chat.message(bobs.id), chat.message(own.id)]);
    expect(chat.message(bobs.id)).toEqual(bobs);
    expect(chat.message(own.id)?.reactions?.map((r) => r.emoji)).toEqual(emoji);
    chat.close();
    await b.close();
    await reader.close();
  });

  it('reject at once, sending nothing, what the room would refuse as the client can tell', async () => {
    const room = uniqueRoom('refuse-here');
    const ann = await newUser('Ann');
    const { chat, tracker } = client(room, ann.token);
    await opened(chat);
    const own = await chat.send('own');
    const gone = await chat.send('gone');
    await chat.delete(gone.id);
    const before = changesSent(tracker).length;

    const refusal = (promise: Promise<unknown>) => promise.catch((error: unknown) => error);
    expect(await refusal(chat.edit(own.id, '  \n '))).toEqual({
      type: 'error',
      code: 'empty',
      message: 'text is empty',
      id: own.id,
    });
    expect(await refusal(chat.edit(own.id, 'x'.repeat(2001)))).toEqual({
      type: 'error',
      code: 'too_long',
      message: 'text is longer than 2000 characters',
      id: own.id,
    });
    for (const change of [
      chat.edit(gone.id, 'back'),
      chat.delete(gone.id),
      chat.react(gone.id, '👍', true),
    ])
      expect(await refusal(change)).toEqual({
        type: 'error',
        code: 'not_found',
        message: NOT_FOUND,
        id: gone.id,
      });
    expect(await refusal(chat.send('re', { replyTo: gone.id }))).toEqual({
      type: 'error',
      code: 'not_found',
      message: 'the message this replies to is deleted or no longer kept',
    });
    await expect(chat.edit(own.id + 1000, 'who?')).rejects.toThrow(RangeError);
    // @ts-expect-error: the point is input the types don't allow
    await expect(chat.react(own.id, '👍', 'yes')).rejects.toThrow(TypeError);
    expect(changesSent(tracker)).toHaveLength(before);
    chat.close();
  });

  it('settle a change that changes nothing at once, sending nothing', async () => {
    const room = uniqueRoom('no-op');
    const ann = await newUser('Ann');
    const { chat, tracker } = client(room, ann.token);
    await opened(chat);
    const own = await chat.send('same');
    const liked = await chat.react(own.id, '👍', true);
    const before = changesSent(tracker).length;

    expect(await chat.edit(own.id, ' same ')).toEqual(chat.message(own.id));
    expect(await chat.react(own.id, '👍', true)).toEqual(liked);
    expect(await chat.react(own.id, '👎', false)).toEqual(liked);
    expect(changesSent(tracker)).toHaveLength(before);
    chat.close();
  });

  it('settle a change the room leaves unanswered when what was held was stale, once the copy that made it a no-op arrives', async () => {
    const room = uniqueRoom('stale');
    const ann = await newUser('Ann');
    const { chat, tracker } = client(room, ann.token);
    await opened(chat);
    const own = await chat.send('before');
    // Another tab of Ann's changes the message; this client hears of it late.
    const tab = await enter(room, ann.token);
    const held: ServerFrame[] = [];
    tracker.hold((frame) => frame.type === 'update' && held.push(frame) > 0);
    tab.send({ type: 'edit', id: own.id, text: 'after' });
    const edit = await tab.nextOf('update');
    tab.send({ type: 'react', id: own.id, emoji: '🎉', on: true });
    const react = await tab.nextOf('update');
    let settled = 0;
    const edited = chat.edit(own.id, 'after').then((message) => (settled++, message));
    const reacted = chat.react(own.id, '🎉', true).then((message) => (settled++, message));
    // The edit went out (the reaction waits for its outcome), and the room found nothing to
    // change: by the answer to a ping sent after it, it had sent this client nothing new.
    expect(await pollUntil(() => changesSent(tracker).length === 1, 5_000, 10)).toBe(true);
    await roomPong(tracker.current());
    expect(held).toHaveLength(2);
    expect(settled).toBe(0);

    // The copies that made them no-ops come in, and each settles as of the copy that first
    // showed it done. The reaction went out once the edit was settled, before the copy with the
    // reaction was taken in: the room changed nothing for it either, and the copy settled it.
    tracker.release();
    expect(await edited).toEqual(edit.message);
    expect(await reacted).toEqual(react.message);
    expect(changesSent(tracker)).toHaveLength(2);
    expect(await roundTrip(tab)).toEqual([]);
    chat.close();
    await tab.close();
  });

  it('ask the room when what is held can’t tell: a reaction past the 20 users it lists settles once the room is past it', async () => {
    const room = uniqueRoom('crowd');
    const ann = await newUser('Ann');
    const { chat, tracker } = client(room, ann.token);
    const pages: unknown[] = [];
    chat.addEventListener('history', (event) => pages.push(event.detail));
    await opened(chat);
    const own = await chat.send('popular');
    for (let i = 0; i < 21; i++) {
      const fan = await enter(room, (await newUser(`Fan ${i}`)).token);
      fan.send({ type: 'react', id: own.id, emoji: '👍', on: true });
      await fan.nextOf('update');
      await fan.close();
    }
    await pollUntil(() => chat.message(own.id)?.reactions?.[0]?.count === 21, 5_000, 10);
    const listed = chat.message(own.id)?.reactions?.[0]?.users;
    expect(listed).toHaveLength(20);
    expect(listed).not.toContain(ann.user.id);

    const barriers = () =>
      tracker.sent.filter(
        (frame) => JSON.stringify(frame) === '{"type":"history","before":0,"limit":1}',
      );
    // Added: the room applies it (count 22), and the barrier's answer settles it. Each settles
    // at once, not at the next heartbeat's answer.
    const react = (on: boolean) => within(chat.react(own.id, '👍', on), 2_000);
    expect((await react(true)).reactions?.[0]?.count).toBe(22);
    expect(barriers()).toHaveLength(1);
    // Added again: the room changes nothing, and still it settles.
    expect((await react(true)).reactions?.[0]?.count).toBe(22);
    expect(barriers()).toHaveLength(2);
    expect((await react(false)).reactions?.[0]?.count).toBe(21);
    // The barriers' pages are the library's own business.
    expect(pages).toEqual([]);
    chat.close();
  });
});

describe('replies', () => {
  it('carry the excerpt of the message they answer and keep it fresh as that one changes, live and on resume', async () => {
    const room = uniqueRoom('reply');
    const ann = await newUser('Ann');
    const bob = await newUser('Bob');
    const b = await enter(room, bob.token);
    const long = `${'🙂'.repeat(60)}${'x'.repeat(60)}`;
    const answered = await say(b, 'lunch at 1?');
    const gate = new Gate();
    const { chat, tracker } = client(room, async () => (await gate.pass(), ann.token));
    await opened(chat);
    const reply = await chat.send('sure', { replyTo: answered.id });
    expect(reply.reply).toEqual({ id: answered.id, user: bob.user, text: 'lunch at 1?' });
    const updates: ChatMessage[] = [];
    chat.addEventListener('update', (event) => updates.push(event.detail.message));

    // Live: the answered message's update refreshes the reply (an update of it too).
    b.send({ type: 'edit', id: answered.id, text: 'lunch at 1:30?' });
    await pollUntil(() => updates.length === 2, 5_000, 10);
    expect(updates.map((m) => m.id)).toEqual([answered.id, reply.id]);
    expect(chat.message(reply.id)?.reply).toEqual({
      id: answered.id,
      user: bob.user,
      text: 'lunch at 1:30?',
    });
    expect(chat.message(reply.id)?.seq).toBe(reply.seq);

    // Away while it changes twice: the resumed copy of the answered message refreshes it.
    gate.shut();
    tracker.current().terminate();
    b.send({ type: 'edit', id: answered.id, text: long });
    await b.nextOf('update');
    const resumed = nextEvent(chat, 'welcome');
    gate.open();
    await resumed;
    await pollUntil(
      () => chat.message(reply.id)?.reply?.id === answered.id && updates.length === 4,
      5_000,
      10,
    );
    const fresh = await enter(room, (await newUser('Rex')).token);
    fresh.send({ type: 'history', before: reply.id + 1, limit: 10 });
    const page = await fresh.nextOf('history');
    const roomsReply = page.messages.find((m) => m.id === reply.id);
    expect(roomsReply?.reply).toMatchObject({ text: `${'🙂'.repeat(60)}${'x'.repeat(40)}` });
    expect(chat.message(reply.id)).toEqual(roomsReply);

    // Deleted: the reply says so.
    b.send({ type: 'delete', id: answered.id });
    await pollUntil(() => updates.length === 6, 5_000, 10);
    expect(chat.message(reply.id)?.reply).toEqual({ id: answered.id, deleted: true });
    chat.close();
    await b.close();
    await fresh.close();
  });

  it('to a message the room doesn’t keep are refused with its not_found error', async () => {
    const room = uniqueRoom('reply-gone');
    const { chat } = client(room, (await newUser('Ann')).token);
    await opened(chat);
    const refused = await chat.send('re', { replyTo: 424_242 }).catch((error: unknown) => error);
    expect(refused).toEqual({
      type: 'error',
      code: 'not_found',
      message: 'the message this replies to is deleted or no longer kept',
      clientId: expect.any(String),
    });
    chat.close();
  });
});

describe('loadAround()', () => {
  it('jumps to an old message: the page around it, then pages forward until they join what is held, each message once', async () => {
    const room = uniqueRoom('jump');
    const w = await enter(room, (await newUser('Wyn')).token);
    // Ids 1–10, an edit (seq 11, so no message 11), then ids 12–261.
    for (let i = 1; i <= 10; i++) w.send({ type: 'message', text: `m${i}` });
    for (let i = 1; i <= 10; i++) await w.nextOf('message');
    w.send({ type: 'edit', id: 5, text: 'm5, edited' });
    await w.nextOf('update');
    for (let i = 12; i <= 261; i++) w.send({ type: 'message', text: `m${i}` });
    for (let i = 12; i <= 261; i++) await w.nextOf('message');
    w.send({ type: 'delete', id: 7 });
    await w.nextOf('update');

    const { chat, tracker } = client(room, (await newUser('Rae')).token);
    const batches: { placement: string; ids: number[] }[] = [];
    const seen: number[] = [];
    chat.addEventListener('messages', (event) =>
      batches.push({
        placement: event.detail.placement,
        ids: event.detail.messages.map((m) => m.id),
      }),
    );
    chat.addEventListener('message', (event) => seen.push(event.detail.id));
    await opened(chat);
    expect(chat.messages.map((m) => m.id)).toEqual(range(212, 261));

    // Message 11 never was: the jump lands on the next one.
    const landed = await chat.loadAround(11);
    expect(landed).toMatchObject({ id: 12, text: 'm12' });
    await pollUntil(() => chat.messages.length === 260, 10_000, 10);
    expect(batches).toEqual([
      { placement: 'join', ids: range(212, 261) },
      { placement: 'around', ids: [...range(1, 10), ...range(12, 51)] },
      { placement: 'forward', ids: range(52, 151) },
      { placement: 'forward', ids: range(152, 211) },
    ]);
    expect(seen.sort((a, b) => a - b)).toEqual([...range(1, 10), ...range(12, 261)]);
    expect(chat.hasOlder).toBe(false);

    // Held now, so no page is asked for: the edited one, and a tombstone for the deleted one.
    const pagesAsked = tracker.sent.length;
    expect(await chat.loadAround(5)).toMatchObject({ id: 5, text: 'm5, edited' });
    expect(await chat.loadAround(7)).toMatchObject({ id: 7, deleted: true });
    expect(await chat.loadAround(11)).toMatchObject({ id: 12 });
    expect(tracker.sent).toHaveLength(pagesAsked);
    chat.close();
    await w.close();
  });
});

/** `promise`, or a rejection when it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
