// The ChatRoom Durable Object through real sockets opened by the Worker's upgrade route:
// messages, welcome, presence (join/leave, the PRESENCE_LIMIT count, the per-user socket cap),
// errors that keep the socket open, heartbeats, typing, hibernation and the ghost-socket sweep.
// This project runs with PRESENCE_LIMIT 5 and rate limits lifted (vitest.config.ts).
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  HEARTBEAT_INTERVAL_MS,
  MAX_FRAME_BYTES,
  MAX_SOCKETS_PER_USER,
  PING_FRAME,
  type ServerFrame,
} from '../src/protocol.ts';
import {
  annAndBob,
  closeAll,
  connect,
  drainPending,
  expectNext,
  newUser,
  nothingPending,
  ROOM_PING,
  roomStub,
  uniqueRoom,
  upgrade,
  type TestSocket,
} from './helpers.ts';

const PRESENCE_LIMIT = 5;

/** Connects and consumes the welcome. */
async function join(room: string, token: string): Promise<TestSocket> {
  const socket = await connect(room, token);
  await expectNext(socket, 'welcome');
  return socket;
}

/** Expects that nothing but the pong for a room-answered ping is on its way to each socket. */
async function expectQuiet(...sockets: TestSocket[]): Promise<void> {
  for (const socket of sockets) expect(await nothingPending(socket)).toEqual({ type: 'pong' });
}

describe('messages', () => {
  it('delivers a message to everyone in the room, the sender’s copy with its clientId as acknowledgement', async () => {
    const { room, a, b, sa, sb } = await annAndBob('msg');
    const before = Date.now();
    sa.send({ type: 'message', text: '  hello  ', clientId: 'c-1' });
    const ack = await expectNext(sa, 'message');
    expect(ack).toEqual({
      type: 'message',
      id: 1,
      seq: 1,
      user: a.user,
      text: 'hello',
      ts: expect.any(Number),
      clientId: 'c-1',
    });
    expect(ack.ts).toBeGreaterThanOrEqual(before);
    expect(ack.ts).toBeLessThanOrEqual(Date.now());
    expect(await expectNext(sb, 'message')).toEqual(ack);
    sb.send({ type: 'message', text: 'no client id' });
    const plain = await expectNext(sb, 'message');
    expect(plain).toEqual({
      type: 'message',
      id: 2,
      seq: 2,
      user: b.user,
      text: 'no client id',
      ts: expect.any(Number),
    });
    expect(await expectNext(sa, 'message')).toEqual(plain);
    await closeAll(sa, sb);
  });

  it('relays text exactly as sent: no HTML escaping, inner whitespace, emoji and line breaks kept', async () => {
    const room = uniqueRoom('exact');
    const a = await newUser();
    const sa = await join(room, a.token);
    const text =
      '<script>alert("&amp;")</script>\n\tline two\r\n\u{1F469}\u200D\u{1F4BB} \u00A0 end';
    sa.send({ type: 'message', text });
    expect((await expectNext(sa, 'message')).text).toBe(text);
    await sa.close();
  });

  it('stamps a message with the token’s user, id and time whatever the frame claims', async () => {
    const room = uniqueRoom('stamp');
    const a = await newUser('Ann');
    const b = await newUser('Bob');
    const sa = await join(room, a.token);
    const sb = await join(room, b.token);
    sa.send({ type: 'message', text: 'forged', user: b.user, id: 999, ts: 0 });
    const message = await sa.nextOf('message');
    expect(message).toMatchObject({ id: 1, user: a.user, text: 'forged' });
    expect(message.ts).toBeGreaterThan(0);
    expect(await expectNext(sb, 'message')).toEqual(message);
    await closeAll(sa, sb);
  });

  it('keeps rooms apart: no message, typing or presence from room A reaches room B', async () => {
    const roomA = uniqueRoom('iso-a');
    const roomB = uniqueRoom('iso-b');
    const a = await newUser('Ann');
    const b = await newUser('Bob');
    const both = await newUser('Cy');
    const inB = await join(roomB, b.token);
    const bothInB = await join(roomB, both.token);
    await expectNext(inB, 'join');
    const inA = await join(roomA, a.token);
    // The same user in both rooms: a socket in A must not leak into B either.
    const bothInA = await join(roomA, both.token);
    await expectNext(inA, 'join');
    inA.send({ type: 'message', text: 'only for A' });
    inA.send({ type: 'typing' });
    await bothInA.nextOf('message');
    await expectNext(bothInA, 'typing');
    await inA.close();
    await expectNext(bothInA, 'leave');
    await expectQuiet(inB, bothInB);
    // Ids are per room: B's first message is 1 although A already has one.
    inB.send({ type: 'message', text: 'first in B' });
    expect(await expectNext(bothInB, 'message')).toMatchObject({ id: 1, text: 'first in B' });
    await expectQuiet(bothInA);
    await closeAll(inB, bothInB, bothInA);
  });

  // The room handles frames in batches (one SQLite commit per batch); these hold it to its order.
  it('answers frames sent back to back in the order they were sent, errors and acknowledgements alike', async () => {
    const room = uniqueRoom('order');
    const socket = await join(room, (await newUser('Ann')).token);
    socket.send({ type: 'message', text: 'one', clientId: 'c-1' });
    socket.send('not json');
    socket.send({ type: 'message', text: '   ', clientId: 'c-2' });
    socket.send({ type: 'message', text: 'two', clientId: 'c-3' });
    socket.send({ type: 'history', after: 0, limit: 10 });
    expect(await expectNext(socket, 'message')).toMatchObject({ id: 1, clientId: 'c-1' });
    expect(await expectNext(socket, 'error')).toMatchObject({ code: 'bad_json' });
    expect(await expectNext(socket, 'error')).toMatchObject({ code: 'empty', clientId: 'c-2' });
    expect(await expectNext(socket, 'message')).toMatchObject({ id: 2, clientId: 'c-3' });
    expect((await expectNext(socket, 'history')).messages.map((m) => m.text)).toEqual([
      'one',
      'two',
    ]);
    await closeAll(socket);
  });

  it('stores messages sent right before the sender closes, and announces the leave after them', async () => {
    const room = uniqueRoom('last-words');
    const a = await newUser('Ann');
    const b = await newUser('Bob');
    const observer = await join(room, b.token);
    const sender = await join(room, a.token);
    await expectNext(observer, 'join');
    sender.send({ type: 'message', text: 'bye 1' });
    sender.send({ type: 'message', text: 'bye 2' });
    sender.ws.close(1000, 'leaving');
    expect(await expectNext(observer, 'message')).toMatchObject({ id: 1, text: 'bye 1' });
    expect(await expectNext(observer, 'message')).toMatchObject({ id: 2, text: 'bye 2' });
    expect(await expectNext(observer, 'leave')).toMatchObject({ user: a.user });
    await closeAll(observer);
  });

  it('welcomes a socket that connects right after a burst with every message of the burst', async () => {
    const room = uniqueRoom('burst-welcome');
    const a = await newUser('Ann');
    const sender = await join(room, a.token);
    for (let i = 1; i <= 20; i++) sender.send({ type: 'message', text: `m${i}` });
    const late = await connect(room, (await newUser('Bob')).token);
    const welcome = await expectNext(late, 'welcome');
    // Whatever of the burst reached the room before the connect is in the welcome, in order;
    // the rest follows live. Together: all 20, once each.
    const live: string[] = [];
    while (welcome.messages.length + live.length < 20)
      live.push((await expectNext(late, 'message')).text);
    expect([...welcome.messages.map((m) => m.text), ...live]).toEqual(
      Array.from({ length: 20 }, (_, i) => `m${i + 1}`),
    );
    await closeAll(sender, late);
  });
});

describe('welcome', () => {
  it('tells the user who they are, the room, who is here and the latest messages', async () => {
    const room = uniqueRoom('welcome');
    const a = await newUser('Ann');
    const b = await newUser('Bob');
    const sa = await connect(room, a.token);
    expect(await expectNext(sa, 'welcome')).toEqual({
      type: 'welcome',
      user: a.user,
      room,
      members: [a.user],
      memberCount: 1,
      messages: [],
      hasMore: false,
      seq: 0,
      role: 'member',
      settings: { slowModeSeconds: 0, readOnly: false },
      readUpTo: 0,
    });
    sa.send({ type: 'message', text: 'one' });
    sa.send({ type: 'message', text: 'two', clientId: 'k2' });
    const one = await expectNext(sa, 'message');
    const two = await expectNext(sa, 'message');
    const sb = await connect(room, b.token);
    expect(await expectNext(sb, 'welcome')).toEqual({
      type: 'welcome',
      user: b.user,
      room,
      members: [a.user, b.user],
      memberCount: 2,
      messages: [one, two],
      hasMore: false,
      seq: two.id,
      role: 'member',
      settings: { slowModeSeconds: 0, readOnly: false },
      readUpTo: 0,
    });
    await closeAll(sa, sb);
  });

  it('lists each user once, with the name of their newest connection, most recent last', async () => {
    const room = uniqueRoom('members');
    const a = await newUser('Ann');
    const renamed = await newUser('Annie', a.user.id);
    const b = await newUser('Bob');
    const c = await newUser('Cy');
    const a1 = await join(room, a.token);
    const sb = await join(room, b.token);
    const a2 = await join(room, renamed.token);
    const sc = await connect(room, c.token);
    expect(await expectNext(sc, 'welcome')).toMatchObject({
      members: [b.user, { id: a.user.id, name: 'Annie' }, c.user],
      memberCount: 3,
    });
    await closeAll(a1, sb, a2, sc);
  });
  it('names a member after their newest connection still open, and places them by it, when their newest tab closes', async () => {
    const room = uniqueRoom('tab-names');
    const old = await newUser('Old Name');
    const middle = await newUser('Middle Name', old.user.id);
    const newest = await newUser('New Name', old.user.id);
    const [b, c, d, e] = await Promise.all([
      newUser('Bob'),
      newUser('Cy'),
      newUser('Dee'),
      newUser('Eve'),
    ]);
    const tab1 = await join(room, old.token);
    const sb = await join(room, b.token);
    await expectNext(tab1, 'join');
    const tab2 = await join(room, middle.token);
    const tab3 = await join(room, newest.token);
    await tab3.close();
    await expectQuiet(tab1, tab2, sb);
    const sc = await connect(room, c.token);
    expect(await expectNext(sc, 'welcome')).toMatchObject({
      members: [b.user, middle.user, c.user],
      memberCount: 3,
    });
    await tab2.close();
    const sd = await connect(room, d.token);
    expect(await expectNext(sd, 'welcome')).toMatchObject({
      members: [old.user, b.user, c.user, d.user],
      memberCount: 4,
    });
    // The list rebuilt after a wake says the same.
    await evictDurableObject(roomStub(room));
    const se = await connect(room, e.token);
    expect(await expectNext(se, 'welcome')).toMatchObject({
      members: [old.user, b.user, c.user, d.user, e.user],
      memberCount: 5,
    });
    await closeAll(tab1, sb, sc, sd, se);
  });
});

describe('join and leave', () => {
  it('announces a user’s first socket and last close only, never a second tab', async () => {
    const room = uniqueRoom('presence');
    const o = await newUser('Obs');
    const a = await newUser('Ann');
    const observer = await join(room, o.token);
    const tab1 = await join(room, a.token);
    const joined = await expectNext(observer, 'join');
    expect(joined).toEqual({ type: 'join', user: a.user, ts: expect.any(Number) });
    // The arriving socket is not told about itself.
    await expectQuiet(tab1);
    const tab2 = await connect(room, a.token);
    expect(await expectNext(tab2, 'welcome')).toMatchObject({
      members: [o.user, a.user],
      memberCount: 2,
    });
    await expectQuiet(observer, tab1);
    await tab1.close();
    await expectQuiet(observer, tab2);
    await tab2.close();
    expect(await expectNext(observer, 'leave')).toEqual({
      type: 'leave',
      user: a.user,
      ts: expect.any(Number),
    });
    await expectQuiet(observer);
    // Coming back is a new arrival.
    const tab3 = await join(room, a.token);
    expect((await expectNext(observer, 'join')).user).toEqual(a.user);
    await closeAll(observer, tab3);
  });

  it('switches from join/leave to a throttled presence count past PRESENCE_LIMIT users', async () => {
    const room = uniqueRoom('crowd');
    const users = await Promise.all(
      Array.from({ length: PRESENCE_LIMIT + 3 }, (_, i) => newUser(`u${i + 1}`)),
    );
    const sockets: TestSocket[] = [];
    const [first, ...rest] = users;
    if (!first) throw new Error('no users');
    const observer = await join(room, first.token);
    sockets.push(observer);
    for (const user of rest.slice(0, PRESENCE_LIMIT - 1)) {
      sockets.push(await join(room, user.token));
      expect(await expectNext(observer, 'join')).toMatchObject({ user: user.user });
    }
    // The sixth user makes the room larger than the limit: a count, not a join.
    const sixth = rest[PRESENCE_LIMIT - 1];
    if (!sixth) throw new Error('not enough users');
    const sixthSocket = await connect(room, sixth.token);
    sockets.push(sixthSocket);
    expect(await expectNext(sixthSocket, 'welcome')).toMatchObject({
      memberCount: PRESENCE_LIMIT + 1,
    });
    expect(await expectNext(observer, 'presence')).toEqual({
      type: 'presence',
      count: PRESENCE_LIMIT + 1,
    });
    // Two more within the same second: at most one count a second, so the observer gets counts
    // (one or two, depending on timing) ending at 8, and never a join.
    const [seventhUser, eighthUser] = rest.slice(PRESENCE_LIMIT);
    if (!seventhUser || !eighthUser) throw new Error('not enough users');
    const seventh = await connect(room, seventhUser.token);
    const eighth = await connect(room, eighthUser.token);
    sockets.push(seventh, eighth);
    let count = 0;
    for (let frames = 0; frames < 3 && count !== PRESENCE_LIMIT + 3; frames++)
      count = (await expectNext(observer, 'presence', 5000)).count;
    expect(count).toBe(PRESENCE_LIMIT + 3);
    await expectNext(seventh, 'welcome');
    // members is capped at the limit and holds the most recent arrivals, oldest first.
    expect(await expectNext(eighth, 'welcome')).toMatchObject({
      memberCount: PRESENCE_LIMIT + 3,
      members: users.slice(3).map((user) => user.user),
    });
    // A departure in a large room is a count too.
    await eighth.close();
    expect(await expectNext(observer, 'presence', 5000)).toEqual({
      type: 'presence',
      count: PRESENCE_LIMIT + 2,
    });
    await seventh.close();
    expect(await expectNext(observer, 'presence', 5000)).toEqual({
      type: 'presence',
      count: PRESENCE_LIMIT + 1,
    });
    // Back at the limit, departures are named again.
    await sixthSocket.close();
    expect(await expectNext(observer, 'leave')).toMatchObject({ user: sixth.user });
    await closeAll(...sockets);
  });

  it('keeps a client’s count right when a crowd shrinks back to the limit within a second', async () => {
    const room = uniqueRoom('shrink');
    const users = await Promise.all(
      Array.from({ length: PRESENCE_LIMIT + 2 }, (_, i) => newUser(`u${i + 1}`)),
    );
    const sockets: TestSocket[] = [];
    for (const user of users) sockets.push(await connect(room, user.token));
    const [observer] = sockets;
    if (!observer) throw new Error('no observer');
    // The count a client derives from the contract's frames: welcome, then join +1, leave -1, presence =.
    let count = 0;
    const apply = (frame: ServerFrame) => {
      if (frame.type === 'welcome') count = frame.memberCount;
      else if (frame.type === 'join') count++;
      else if (frame.type === 'leave') count--;
      else if (frame.type === 'presence') count = frame.count;
    };
    const readUntil = async (target: number, ms: number) => {
      const deadline = Date.now() + ms;
      // Bounded by the deadline and by a frame count.
      for (let frames = 0; count !== target && frames < 50 && Date.now() < deadline; frames++) {
        try {
          apply(await observer.next(Math.max(1, deadline - Date.now())));
        } catch {
          break;
        }
      }
    };
    await readUntil(PRESENCE_LIMIT + 2, 5000);
    expect(count).toBe(PRESENCE_LIMIT + 2);
    // Two leave back to back: 7 -> 6 is a throttled count, 6 -> 5 is back at the limit.
    await sockets[PRESENCE_LIMIT + 1]?.close();
    await sockets[PRESENCE_LIMIT]?.close();
    await readUntil(PRESENCE_LIMIT, 3000);
    expect(count).toBe(PRESENCE_LIMIT);
    await closeAll(...sockets);
  });

  it('keeps a client’s count right when the room hovers at the limit: a join and a leave within a second', async () => {
    const room = uniqueRoom('hover');
    const users = await Promise.all(
      Array.from({ length: PRESENCE_LIMIT + 2 }, (_, i) => newUser(`h${i + 1}`)),
    );
    const sockets: TestSocket[] = [];
    for (const user of users.slice(0, PRESENCE_LIMIT + 1))
      sockets.push(await connect(room, user.token));
    const [observer] = sockets;
    if (!observer) throw new Error('no observer');
    let count = 0;
    // Reads until the room has been quiet for longer than the presence throttle (bounded in frames).
    const readUntilQuiet = async () => {
      for (let frames = 0; frames < 60; frames++) {
        let frame: ServerFrame;
        try {
          frame = await observer.next(1500);
        } catch {
          return;
        }
        if (frame.type === 'welcome') count = frame.memberCount;
        else if (frame.type === 'join') count++;
        else if (frame.type === 'leave') count--;
        else if (frame.type === 'presence') count = frame.count;
      }
    };
    await readUntilQuiet();
    expect(count).toBe(PRESENCE_LIMIT + 1);
    // Down to the limit (an exact count goes out), then up (a throttled count) and down again at once.
    await sockets[PRESENCE_LIMIT]?.close();
    sockets.push(await connect(room, users[PRESENCE_LIMIT + 1]?.token ?? ''));
    await sockets[PRESENCE_LIMIT - 1]?.close();
    await readUntilQuiet();
    expect(count).toBe(PRESENCE_LIMIT);
    await closeAll(...sockets);
  });

  it('refuses a user’s eleventh socket in a room with 429 while others still join', async () => {
    const room = uniqueRoom('cap');
    const a = await newUser('Ann');
    const b = await newUser('Bob');
    const tabs: TestSocket[] = [];
    for (let i = 0; i < MAX_SOCKETS_PER_USER; i++) tabs.push(await join(room, a.token));
    const refused = await upgrade(room, { token: a.token });
    expect(refused.status).toBe(429);
    expect(refused.webSocket).toBeNull();
    expect(await refused.json()).toEqual({
      error: 'too many connections: at most 10 per user in a room',
    });
    const sb = await connect(room, b.token);
    expect(await expectNext(sb, 'welcome')).toMatchObject({ memberCount: 2 });
    // The cap counts open sockets: closing one makes room for another.
    await tabs.pop()?.close();
    tabs.push(await join(room, a.token));
    sb.send({ type: 'message', text: 'still works' });
    for (const tab of tabs)
      expect(await tab.nextOf('message')).toMatchObject({ text: 'still works' });
    await closeAll(sb, ...tabs);
  });
});

/** A binary frame holding `text` as UTF-8. */
function binaryFrame(text: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(text);
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

describe('errors', () => {
  it('closes a socket with 1009 after more than 50 oversized frames in a minute, each refused until then', async () => {
    const room = uniqueRoom('oversized');
    const a = await newUser('Ann');
    const b = await newUser('Bob');
    const sender = await join(room, a.token);
    const other = await join(room, b.token);
    await expectNext(sender, 'join');
    const big = 'x'.repeat(MAX_FRAME_BYTES + 1);
    for (let i = 0; i < 51; i++) sender.send(big);
    for (let i = 0; i < 50; i++)
      expect(await expectNext(sender, 'error')).toMatchObject({ code: 'too_long' });
    expect(await sender.closed).toEqual({ code: 1009, reason: 'frames too large, repeatedly' });
    expect(await expectNext(other, 'leave')).toMatchObject({ user: a.user });
    other.send({ type: 'message', text: 'still fine' });
    expect(await expectNext(other, 'message')).toMatchObject({ id: 1, text: 'still fine' });
    await closeAll(other);
  });

  it('closes only the faulty socket with 1011 when the room hits a bug, and serves the others', async () => {
    const room = uniqueRoom('fault');
    const a = await newUser('Ann');
    const b = await newUser('Bob');
    const broken = await join(room, a.token);
    const healthy = await join(room, b.token);
    await expectNext(broken, 'join');
    // A socket whose attachment no longer says who it is can only come from a bug of ours; the
    // eviction drops the room's cached copy so the corrupted one is read.
    const stub = roomStub(room);
    await runInDurableObject(stub, (_instance, state) =>
      state.getWebSockets(a.user.id)[0]?.serializeAttachment({ bogus: true }),
    );
    await evictDurableObject(stub);
    broken.send({ type: 'message', text: 'boom' });
    expect(await broken.closed).toEqual({ code: 1011, reason: 'internal error' });
    healthy.send({ type: 'message', text: 'still here' });
    expect(await expectNext(healthy, 'message')).toMatchObject({
      id: 1,
      text: 'still here',
      user: b.user,
    });
    await closeAll(healthy);
  });

  const big = (size: number) => {
    const shell = JSON.stringify({ type: 'message', text: 'padded', pad: '' });
    return JSON.stringify({
      type: 'message',
      text: 'padded',
      pad: 'x'.repeat(size - shell.length),
    });
  };

  it.each<[string, string | ArrayBuffer, string, string?]>([
    ['text that is not JSON', 'hello', 'bad_json', 'frame is not valid JSON'],
    ['truncated JSON', '{"type":"message","text":"hi"', 'bad_json', 'frame is not valid JSON'],
    ['an empty frame', '', 'bad_json', 'frame is not valid JSON'],
    [
      'a binary frame, even one holding a valid message',
      binaryFrame('{"type":"message","text":"hi"}'),
      'bad_frame',
      'binary frames are not accepted',
    ],
    ['a JSON array', '[]', 'bad_frame'],
    ['a JSON string', '"message"', 'bad_frame'],
    ['JSON null', 'null', 'bad_frame'],
    ['an object without type', '{"text":"hi"}', 'bad_frame'],
    ['an unknown type', '{"type":"shout","text":"hi"}', 'bad_frame'],
    ['a message without text', '{"type":"message"}', 'bad_frame'],
    ['a numeric text', '{"type":"message","text":5}', 'bad_frame'],
    ['a control character in the text', '{"type":"message","text":"a\\u0007b"}', 'bad_frame'],
    ['a C1 control character in the text', '{"type":"message","text":"a\\u009bb"}', 'bad_frame'],
    ['a lone surrogate in the text', '{"type":"message","text":"a\\ud800"}', 'bad_frame'],
    ['a clientId with a space', '{"type":"message","text":"hi","clientId":"a b"}', 'bad_frame'],
    [
      'a clientId of 65 characters',
      JSON.stringify({ type: 'message', text: 'hi', clientId: 'c'.repeat(65) }),
      'bad_frame',
    ],
    ['an empty clientId', '{"type":"message","text":"hi","clientId":""}', 'bad_frame'],
    [
      'text of 2001 characters',
      JSON.stringify({ type: 'message', text: 'a'.repeat(2001) }),
      'too_long',
      'text is longer than 2000 characters',
    ],
    [
      'text of 2001 emoji (8 KB, under the frame limit)',
      JSON.stringify({ type: 'message', text: '\u{1F600}'.repeat(2001) }),
      'too_long',
      'text is longer than 2000 characters',
    ],
    [
      'a frame of 16 KiB + 1 byte with short text',
      big(MAX_FRAME_BYTES + 1),
      'too_long',
      'frame is larger than 16384 bytes',
    ],
    [
      'a frame far over 16 KiB',
      JSON.stringify({ type: 'message', text: 'a'.repeat(100_000) }),
      'too_long',
      'frame is larger than 16384 bytes',
    ],
    ['empty text', '{"type":"message","text":""}', 'empty', 'text is empty'],
    [
      'text of whitespace only',
      '{"type":"message","text":" \\n\\t\\r "}',
      'empty',
      'text is empty',
    ],
  ])(
    'answers %s with an error frame, stores nothing and keeps the socket working',
    async (_label, frame, code, message) => {
      const { room, a, b, sa, sb } = await annAndBob('err');
      sa.send(frame);
      const error = await expectNext(sa, 'error');
      expect(error.code).toBe(code);
      if (message) expect(error.message).toBe(message);
      expect(error.message.length).toBeGreaterThan(0);
      expect(error).not.toHaveProperty('clientId');
      // The error goes to its sender only; nothing was stored or broadcast.
      await expectQuiet(sb);
      sa.send({ type: 'message', text: 'after the error' });
      expect(await expectNext(sa, 'message')).toMatchObject({ id: 1, text: 'after the error' });
      expect(await expectNext(sb, 'message')).toMatchObject({ id: 1, text: 'after the error' });
      await closeAll(sa, sb);
    },
  );

  it.each([
    ['empty', { type: 'message', text: '   ', clientId: 'retry-1' }],
    ['too_long', { type: 'message', text: 'a'.repeat(2001), clientId: 'retry-1' }],
    ['bad_frame', { type: 'message', text: 'a\u0000', clientId: 'retry-1' }],
  ])('echoes the clientId in a %s error', async (code, frame) => {
    const a = await newUser();
    const sa = await join(uniqueRoom('echo'), a.token);
    sa.send(frame);
    expect(await expectNext(sa, 'error')).toMatchObject({ code, clientId: 'retry-1' });
    await sa.close();
  });

  it('never echoes the client’s value in an error message', async () => {
    const a = await newUser();
    const sa = await join(uniqueRoom('noecho'), a.token);
    sa.send({ type: 'message', text: 42, clientId: 'SECRET<b>' });
    const error = await expectNext(sa, 'error');
    expect(error.code).toBe('bad_frame');
    expect(error.message).not.toContain('SECRET');
    expect(error.message).not.toContain('42');
    await sa.close();
  });

  it('accepts the largest valid text and frame: 2000 emoji, and exactly 16 KiB', async () => {
    const a = await newUser();
    const sa = await join(uniqueRoom('limits'), a.token);
    const text = '\u{1F600}'.repeat(2000);
    // Trimming happens before the length check.
    sa.send({ type: 'message', text: `  ${text}  ` });
    expect((await expectNext(sa, 'message')).text).toBe(text);
    const frame = big(MAX_FRAME_BYTES);
    expect(new TextEncoder().encode(frame).byteLength).toBe(MAX_FRAME_BYTES);
    sa.send(frame);
    expect(await expectNext(sa, 'message')).toMatchObject({ id: 2, text: 'padded' });
    await sa.close();
  });
});

describe('heartbeats and typing', () => {
  it('answers the exact ping through the runtime’s auto-response and any other spelling from the room', async () => {
    const { room, a, b, sa, sb } = await annAndBob('ping');
    sa.send(PING_FRAME);
    expect(await sa.next()).toEqual({ type: 'pong' });
    sb.send(ROOM_PING);
    expect(await sb.next()).toEqual({ type: 'pong' });
    sb.send({ type: 'ping', extra: true });
    expect(await sb.next()).toEqual({ type: 'pong' });
    const answeredByRuntime = await runInDurableObject(roomStub(room), (_instance, state) => ({
      a: state.getWebSocketAutoResponseTimestamp(onlySocket(state, a.user.id)) !== null,
      b: state.getWebSocketAutoResponseTimestamp(onlySocket(state, b.user.id)) !== null,
    }));
    expect(answeredByRuntime).toEqual({ a: true, b: false });
    // Pings are not broadcast.
    await expectQuiet(sa, sb);
    await closeAll(sa, sb);
  });

  it('relays typing to the other users, not to the typist’s own sockets, and stores nothing', async () => {
    const room = uniqueRoom('typing');
    const a = await newUser('Ann');
    const b = await newUser('Bob');
    const tab1 = await join(room, a.token);
    const tab2 = await join(room, a.token);
    const sb = await join(room, b.token);
    await expectNext(tab1, 'join');
    await expectNext(tab2, 'join');
    tab1.send({ type: 'typing' });
    expect(await expectNext(sb, 'typing')).toEqual({ type: 'typing', user: a.user });
    await expectQuiet(tab1, tab2);
    sb.send({ type: 'typing' });
    expect(await tab1.nextOf('typing')).toEqual({ type: 'typing', user: b.user });
    expect(await tab2.nextOf('typing')).toEqual({ type: 'typing', user: b.user });
    const late = await connect(room, b.token);
    expect(await expectNext(late, 'welcome')).toMatchObject({ messages: [] });
    await closeAll(tab1, tab2, sb, late);
  });
});

/** The one server-side socket tagged with `userId` (the room tags each socket with its user id). */
function onlySocket(state: DurableObjectState, userId: string): WebSocket {
  const sockets = state.getWebSockets(userId);
  expect(sockets).toHaveLength(1);
  const [socket] = sockets;
  if (!socket) throw new Error(`no socket for ${userId}`);
  return socket;
}

describe('hibernation', () => {
  it('keeps sockets, their users and increasing ids after eviction', async () => {
    const { room, a, b, sa, sb } = await annAndBob('hib-msg');
    sa.send({ type: 'message', text: 'before' });
    expect(await expectNext(sb, 'message')).toMatchObject({ id: 1 });
    await expectNext(sa, 'message');
    await evictDurableObject(roomStub(room));
    sa.send({ type: 'message', text: 'after', clientId: 'x1' });
    const after = await expectNext(sb, 'message');
    expect(after).toMatchObject({ id: 2, user: a.user, text: 'after', clientId: 'x1' });
    expect(await expectNext(sa, 'message')).toEqual(after);
    await evictDurableObject(roomStub(room));
    sb.send({ type: 'message', text: 'again' });
    expect(await expectNext(sa, 'message')).toMatchObject({ id: 3, user: b.user });
    await expectNext(sb, 'message');
    await closeAll(sa, sb);
  });

  it('lists members and announces arrivals after eviction', async () => {
    const room = uniqueRoom('hib-members');
    const a = await newUser('Ann');
    const b = await newUser('Bob');
    const c = await newUser('Cy');
    const a1 = await join(room, a.token);
    const a2 = await join(room, a.token);
    const sb = await join(room, b.token);
    await expectNext(a1, 'join');
    await expectNext(a2, 'join');
    await evictDurableObject(roomStub(room));
    const sc = await connect(room, c.token);
    expect(await expectNext(sc, 'welcome')).toMatchObject({
      members: [a.user, b.user, c.user],
      memberCount: 3,
    });
    for (const socket of [a1, a2, sb])
      expect(await expectNext(socket, 'join')).toMatchObject({ user: c.user });
    // A second tab after eviction is still no arrival.
    await evictDurableObject(roomStub(room));
    const a3 = await connect(room, a.token);
    expect(await expectNext(a3, 'welcome')).toMatchObject({
      members: [b.user, c.user, a.user],
      memberCount: 3,
    });
    await expectQuiet(sb, sc);
    await closeAll(a1, a2, a3, sb, sc);
  });

  it('stays silent when a second tab closes after eviction, and announces the last one', async () => {
    const room = uniqueRoom('hib-tabs');
    const a = await newUser('Ann');
    const b = await newUser('Bob');
    const a1 = await join(room, a.token);
    const a2 = await join(room, a.token);
    const sb = await join(room, b.token);
    await evictDurableObject(roomStub(room));
    await a1.close();
    await expectQuiet(sb);
    await evictDurableObject(roomStub(room));
    await a2.close();
    expect(await expectNext(sb, 'leave')).toEqual({
      type: 'leave',
      user: a.user,
      ts: expect.any(Number),
    });
    await closeAll(sb);
  });

  it('names a member after their newest connection still open when their newest tab closes right after eviction', async () => {
    const room = uniqueRoom('hib-tab-names');
    const old = await newUser('Old Name');
    const renamed = await newUser('New Name', old.user.id);
    const b = await newUser('Bob');
    const c = await newUser('Cy');
    const tab1 = await join(room, old.token);
    const sb = await join(room, b.token);
    await expectNext(tab1, 'join');
    const tab2 = await join(room, renamed.token);
    await evictDurableObject(roomStub(room));
    await tab2.close();
    await expectQuiet(tab1, sb);
    const sc = await connect(room, c.token);
    expect(await expectNext(sc, 'welcome')).toMatchObject({
      members: [old.user, b.user, c.user],
      memberCount: 3,
    });
    await closeAll(tab1, sb, sc);
  });

  it('announces both leaves when two users close back to back right after eviction', async () => {
    const room = uniqueRoom('evict-two');
    const [a, b, c] = await Promise.all([newUser('Ann'), newUser('Bob'), newUser('Cy')]);
    const observer = await join(room, c.token);
    const sa = await join(room, a.token);
    const sb = await join(room, b.token);
    await expectNext(observer, 'join');
    await expectNext(observer, 'join');
    await evictDurableObject(roomStub(room));
    sa.ws.close(1000, 'bye');
    sb.ws.close(1000, 'bye');
    const leaves = [await expectNext(observer, 'leave'), await expectNext(observer, 'leave')].map(
      (frame) => frame.user.name,
    );
    expect(leaves.sort()).toEqual(['Ann', 'Bob']);
    await expectQuiet(observer);
    await closeAll(observer);
  });

  it('announces the leave of a user whose only socket closes right after eviction', async () => {
    const { room, a, b, sa, sb } = await annAndBob('hib-leave');
    await evictDurableObject(roomStub(room));
    await sa.close();
    expect(await expectNext(sb, 'leave')).toEqual({
      type: 'leave',
      user: a.user,
      ts: expect.any(Number),
    });
    // And the member list agrees.
    const sc = await connect(room, (await newUser('Cy')).token);
    expect(await expectNext(sc, 'welcome')).toMatchObject({ memberCount: 2 });
    await closeAll(sb, sc);
  });

  it('answers the exact ping after eviction through the auto-response', async () => {
    const room = uniqueRoom('hib-ping');
    const a = await newUser();
    const sa = await join(room, a.token);
    await evictDurableObject(roomStub(room));
    sa.send(PING_FRAME);
    expect(await sa.next()).toEqual({ type: 'pong' });
    const stamped = await runInDurableObject(roomStub(room), (_instance, state) =>
      state.getWebSocketAutoResponseTimestamp(onlySocket(state, a.user.id)),
    );
    expect(stamped).toBeInstanceOf(Date);
    // And the room itself still answers everything else.
    sa.send({ type: 'message', text: 'awake' });
    expect(await expectNext(sa, 'message')).toMatchObject({ id: 1, user: a.user });
    await sa.close();
  });
});

// The sweep closes sockets that showed no sign of life for two heartbeat periods (60 s). Waiting a
// minute is too slow and workerd's Date can't be faked from a test, so the room is evicted (so its
// in-memory "last seen" times are gone, as after a real hibernation) and the sockets' attachments
// are rewritten to say they connected long ago. What the sweep then decides is the real code path.
describe('ghost sockets', () => {
  const Attachment = v.looseObject({ connectedAt: v.number() });

  async function ageSockets(room: string, userIds: string[], ageMs: number): Promise<void> {
    await runInDurableObject(roomStub(room), (_instance, state) => {
      for (const userId of userIds) {
        const ws = onlySocket(state, userId);
        const stored = v.parse(Attachment, ws.deserializeAttachment());
        ws.serializeAttachment({ ...stored, connectedAt: Date.now() - ageMs });
      }
    });
  }

  it('closes a socket silent for over two heartbeat periods on the alarm and announces its leave', async () => {
    const room = uniqueRoom('ghost');
    const ghost = await newUser('Ghost');
    const pinger = await newUser('Pinger');
    const talker = await newUser('Talker');
    const young = await newUser('Young');
    const sg = await join(room, ghost.token);
    const sp = await join(room, pinger.token);
    const st = await join(room, talker.token);
    const sy = await join(room, young.token);
    for (const socket of [sg, sp, st]) await drainPending(socket);
    await evictDurableObject(roomStub(room));
    await ageSockets(
      room,
      [ghost.user.id, pinger.user.id, talker.user.id],
      2 * HEARTBEAT_INTERVAL_MS + 5000,
    );
    await ageSockets(room, [young.user.id], 2 * HEARTBEAT_INTERVAL_MS - 5000);
    // Signs of life after the rewrite: an auto-answered ping, and a frame the room handles.
    sp.send(PING_FRAME);
    expect(await sp.next()).toEqual({ type: 'pong' });
    st.send(ROOM_PING);
    expect(await st.next()).toEqual({ type: 'pong' });

    expect(await runDurableObjectAlarm(roomStub(room))).toBe(true);
    expect(await sg.closed).toEqual({ code: 1000, reason: 'no heartbeat' });
    for (const socket of [sp, st, sy]) {
      expect(await expectNext(socket, 'leave')).toMatchObject({ user: ghost.user });
      await expectQuiet(socket);
    }
    // The sweep keeps looking while sockets remain.
    const alarm = await runInDurableObject(roomStub(room), (_instance, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm).toEqual(expect.any(Number));
    const late = await connect(room, (await newUser('Late')).token);
    expect(await expectNext(late, 'welcome')).toMatchObject({ memberCount: 4 });
    await closeAll(sp, st, sy, late);
  });

  it('sweeps ghosts when a new socket arrives after a wake, before counting members', async () => {
    const room = uniqueRoom('ghost-connect');
    const ghost = await newUser('Ghost');
    const live = await newUser('Live');
    const sg = await join(room, ghost.token);
    const sl = await join(room, live.token);
    await evictDurableObject(roomStub(room));
    await ageSockets(room, [ghost.user.id], 2 * HEARTBEAT_INTERVAL_MS + 5000);
    const newcomer = await newUser('New');
    const sn = await connect(room, newcomer.token);
    expect(await expectNext(sn, 'welcome')).toMatchObject({
      members: [live.user, newcomer.user],
      memberCount: 2,
    });
    expect(await sg.closed).toEqual({ code: 1000, reason: 'no heartbeat' });
    expect(await expectNext(sl, 'leave')).toMatchObject({ user: ghost.user });
    expect(await expectNext(sl, 'join')).toMatchObject({ user: newcomer.user });
    await closeAll(sl, sn);
  });
});
