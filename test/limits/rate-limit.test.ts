// The shipped rate limit (MESSAGE_BURST 10, MESSAGE_RATE 2/s) through real sockets: the burst,
// retryAfterMs, one bucket per user per room, the contract's order (size, token, parse), the
// 1008 close after repeated refusals, and what eviction does to the in-memory buckets.
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { closeAll, connect, newUser, roomStub, uniqueRoom, type TestSocket } from '../helpers.ts';
import type { ChatMessage, ServerFrame } from '../../src/protocol.ts';

// The shipped limits (docs/protocol.md#limits-and-abuse-handling), written out so drift fails here.
const BURST = 10;
const RATE_PER_SECOND = 2;
const REFILL_MS = 1000 / RATE_PER_SECOND;
const MAX_REFUSALS = 50;
// A spelling of ping the runtime's auto-response does not match, so it reaches the room.
const ROOM_PING = '{ "type": "ping" }';
// The exact heartbeat, answered by the runtime without reaching the room.
const PING = '{"type":"ping"}';

type ErrorFrame = Extract<ServerFrame, { type: 'error' }>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Tokens that could have refilled since `start`: zero unless the machine stalled for 500 ms or
 * more. Counts below allow for it, so a slow machine loosens an exact count instead of failing it;
 * in every run seen so far it was zero.
 */
function refillSince(start: number): number {
  return Math.floor(((Date.now() - start) * RATE_PER_SECOND) / 1000);
}

/** The next frame answering this socket's own sends: presence and other users' messages skipped. */
async function nextAnswer(socket: TestSocket, prefix: string): Promise<ServerFrame> {
  for (let i = 0; i < 200; i++) {
    const frame = await socket.next();
    if (
      frame.type === 'join' ||
      frame.type === 'leave' ||
      frame.type === 'presence' ||
      frame.type === 'typing'
    )
      continue;
    if (frame.type === 'message' && !frame.clientId?.startsWith(prefix)) continue;
    return frame;
  }
  throw new Error('no answer among 200 frames');
}

function expectRateLimited(frame: ServerFrame | undefined, clientId?: string): void {
  expect(frame).toEqual({
    type: 'error',
    code: 'rate_limited',
    message: expect.stringMatching(/\S/),
    retryAfterMs: expect.any(Number),
    ...(clientId ? { clientId } : {}),
  });
  if (frame?.type !== 'error' || frame.retryAfterMs === undefined) return;
  expect(frame.retryAfterMs).toBeGreaterThan(0);
  expect(frame.retryAfterMs).toBeLessThanOrEqual(REFILL_MS);
}

interface Burst {
  accepted: ChatMessage[];
  refused: ErrorFrame[];
  /** Tokens that may have refilled while the burst ran (normally 0). */
  slack: number;
}

/**
 * Sends `count` messages with clientIds `${prefix}1..count` at once and sorts the answers. Every
 * refusal must be a well-formed rate_limited naming the message it refused.
 */
async function burst(
  socket: TestSocket,
  count: number,
  prefix: string,
  since = Date.now(),
): Promise<Burst> {
  for (let i = 1; i <= count; i++)
    socket.send({ type: 'message', text: `${prefix} ${i}`, clientId: `${prefix}${i}` });
  const accepted: ChatMessage[] = [];
  const refused: ErrorFrame[] = [];
  for (let i = 1; i <= count; i++) {
    const frame = await nextAnswer(socket, prefix);
    if (frame.type === 'message') {
      expect(frame.clientId).toBe(`${prefix}${i}`);
      accepted.push(frame);
    } else if (frame.type === 'error') {
      expectRateLimited(frame, `${prefix}${i}`);
      refused.push(frame);
    } else throw new Error(`unexpected answer ${JSON.stringify(frame)}`);
  }
  return { accepted, refused, slack: refillSince(since) };
}

/** Exactly `allowed` of the burst got through, in order (more only if tokens refilled meanwhile). */
function expectAllowed({ accepted, slack }: Burst, allowed: number, prefix: string): void {
  expect(accepted.slice(0, allowed).map((m) => m.clientId)).toEqual(
    Array.from({ length: allowed }, (_, i) => `${prefix}${i + 1}`),
  );
  expect(accepted.length).toBeLessThanOrEqual(allowed + slack);
}

/** Spends the user's whole bucket; returns the refusal that shows it is empty and when it came. */
async function exhaust(
  socket: TestSocket,
  prefix: string,
): Promise<{ refusal: ErrorFrame; at: number }> {
  const result = await burst(socket, BURST + 1, prefix);
  expectAllowed(result, BURST, prefix);
  const refusal = result.refused.at(-1);
  if (!refusal) throw new Error(`bucket not exhausted: ${result.accepted.length} accepted`);
  return { refusal, at: Date.now() };
}

async function joined(
  room: string,
  name: string,
): Promise<{ socket: TestSocket; user: { id: string; name: string } }> {
  const { user, token } = await newUser(name);
  const socket = await connect(room, token);
  await socket.nextOf('welcome');
  return { socket, user };
}

describe('the message rate limit', () => {
  it('lets a burst of 10 through, then refuses the 11th with rate_limited, retryAfterMs and its clientId', async () => {
    const room = uniqueRoom('burst');
    const { socket } = await joined(room, 'Burst');
    const result = await burst(socket, BURST + 1, 'b');
    expectAllowed(result, BURST, 'b');
    expect(result.refused.map((frame) => frame.clientId)).toEqual(
      result.accepted.length === BURST ? [`b${BURST + 1}`] : [],
    );
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    await socket.close();
  });

  it('accepts exactly one more frame after waiting retryAfterMs', async () => {
    const room = uniqueRoom('retry');
    const { socket } = await joined(room, 'Retry');
    const { refusal, at } = await exhaust(socket, 'r');
    const wait = refusal.retryAfterMs ?? REFILL_MS;
    await sleep(wait);
    // Tokens beyond the one we waited for could only come from time spent past `wait`.
    const result = await burst(socket, 2, 'again', at + wait);
    expectAllowed(result, 1, 'again');
    await socket.close();
  });

  it("shares one bucket between a user's two sockets in a room", async () => {
    const room = uniqueRoom('shared');
    const { user, token } = await newUser('Twin');
    const first = await connect(room, token);
    await first.nextOf('welcome');
    const second = await connect(room, token);
    await second.nextOf('welcome');
    const start = Date.now();
    // Eleven frames from one user over two sockets: ten tokens in all, not ten per socket.
    for (let i = 1; i <= 5; i++) first.send({ type: 'message', text: 'one', clientId: `x${i}` });
    for (let i = 1; i <= 6; i++) second.send({ type: 'message', text: 'two', clientId: `y${i}` });
    const answers = [...(await answersTo(first, 'x', 5)), ...(await answersTo(second, 'y', 6))];
    const slack = refillSince(start);
    const accepted = answers.filter((frame) => frame.type === 'message');
    expect(accepted.length).toBeGreaterThanOrEqual(BURST);
    expect(accepted.length).toBeLessThanOrEqual(BURST + slack);
    for (const frame of accepted) expect(frame).toMatchObject({ user });
    const refused = answers.filter((frame) => frame.type === 'error');
    expect(refused).toHaveLength(BURST + 1 - accepted.length);
    for (const frame of refused) expectRateLimited(frame, frame.clientId);
    await closeAll(first, second);
  });

  it('does not slow another user in the same room while the first is limited', async () => {
    const room = uniqueRoom('fair');
    const limited = await joined(room, 'Loud');
    const other = await joined(room, 'Quiet');
    const { at } = await exhaust(limited.socket, 'l');
    const { accepted, refused } = await burst(other.socket, BURST, 'q');
    expect(accepted).toHaveLength(BURST);
    expect(refused).toEqual([]);
    // The first user is still out of tokens, unless half a second went by meanwhile.
    const late = await burst(limited.socket, 1, 'late', at);
    expectAllowed(late, 0, 'late');
    await closeAll(limited.socket, other.socket);
  });

  it('charges a token for every frame that reaches the room, valid or not', async () => {
    const room = uniqueRoom('cost');
    const { socket } = await joined(room, 'Cost');
    const start = Date.now();
    const frames: (string | Uint8Array)[] = [
      JSON.stringify({ type: 'message', text: 'valid', clientId: 'k1' }),
      JSON.stringify({ type: 'history', after: 0 }),
      JSON.stringify({ type: 'typing' }),
      ROOM_PING,
      'not json',
      JSON.stringify({ type: 'nope' }),
      new Uint8Array([1, 2, 3]),
      JSON.stringify({ type: 'message', text: '   ' }),
      JSON.stringify({ type: 'message', text: 'a'.repeat(2001) }),
      JSON.stringify({ type: 'message', text: 'hi', clientId: 'not valid!' }),
    ];
    expect(frames).toHaveLength(BURST);
    for (const raw of frames) socket.ws.send(raw);
    socket.send({ type: 'message', text: 'eleventh', clientId: 'k11' });
    // Typing is relayed to others only, so ten frames bring nine answers, then the eleventh's.
    const answers: ServerFrame[] = [];
    for (let i = 0; i < BURST; i++) answers.push(await nextAnswer(socket, 'k'));
    expect(
      answers.slice(0, -1).map((frame) => (frame.type === 'error' ? frame.code : frame.type)),
    ).toEqual([
      'message',
      'history',
      'pong',
      'bad_json',
      'bad_frame',
      'bad_frame',
      'empty',
      'too_long',
      'bad_frame',
    ]);
    const eleventh = answers.at(-1);
    if (eleventh?.type === 'message') expect(refillSince(start)).toBeGreaterThan(0);
    else expectRateLimited(eleventh, 'k11');
    await socket.close();
  });

  it('costs nothing for the exact heartbeat, which the runtime answers before the room', async () => {
    const room = uniqueRoom('heartbeat');
    const { socket } = await joined(room, 'Beat');
    for (let i = 0; i < 3 * BURST; i++) socket.ws.send(PING);
    for (let i = 0; i < 3 * BURST; i++) expect(await socket.next()).toEqual({ type: 'pong' });
    expectAllowed(await burst(socket, BURST + 1, 'h'), BURST, 'h');
    await socket.close();
  });

  it('checks size first: an oversized frame is too_long, costs no token, and is too_long even with no tokens left', async () => {
    const room = uniqueRoom('order-size');
    const { socket } = await joined(room, 'Size');
    const huge = JSON.stringify({ type: 'message', text: 'x'.repeat(17_000), clientId: 'big' });
    const tooLong = {
      type: 'error',
      code: 'too_long',
      message: 'frame is larger than 16384 bytes',
    };
    for (let i = 0; i < BURST; i++)
      socket.ws.send(i % 2 === 0 ? huge : new Uint8Array(16 * 1024 + 1));
    for (let i = 0; i < BURST; i++) expect(await socket.next()).toEqual(tooLong);
    // Ten oversized frames took nothing: the whole burst is still there.
    await exhaust(socket, 's');
    socket.ws.send(huge);
    expect(await socket.next()).toEqual(tooLong);
    await socket.close();
  });

  it('takes the token before parsing: with no tokens left, bad frames get rate_limited, not their parse error', async () => {
    const room = uniqueRoom('order-parse');
    const { socket } = await joined(room, 'Parse');
    const { at } = await exhaust(socket, 'p');
    socket.ws.send('not json');
    socket.ws.send(new Uint8Array([1, 2, 3]));
    socket.send({ type: 'nope' });
    socket.send({ type: 'message', text: '', clientId: 'p-empty' });
    socket.send({ type: 'message', text: 'a'.repeat(2001), clientId: 'p-long' });
    const expectedIds = [undefined, undefined, undefined, 'p-empty', 'p-long'];
    const answers: ServerFrame[] = [];
    for (let i = 0; i < expectedIds.length; i++) answers.push(await nextAnswer(socket, 'p'));
    const slack = refillSince(at);
    const parsed = answers.filter(
      (frame) => frame.type !== 'error' || frame.code !== 'rate_limited',
    );
    expect(parsed.length).toBeLessThanOrEqual(slack);
    for (const [i, frame] of answers.entries())
      if (!parsed.includes(frame)) expectRateLimited(frame, expectedIds[i]);
    await socket.close();
  });

  it('neither stores nor broadcasts a refused message', async () => {
    const room = uniqueRoom('refused');
    const sender = await joined(room, 'Sender');
    const watcher = await joined(room, 'Watcher');
    const result = await burst(sender.socket, BURST + 1, 'm');
    expectAllowed(result, BURST, 'm');
    const refusedIds = new Set(result.refused.map((frame) => frame.clientId));
    // The watcher sees exactly the accepted messages, then its own marker with the next id.
    watcher.socket.send({ type: 'message', text: 'marker', clientId: 'w1' });
    const seen: ChatMessage[] = [];
    for (;;) {
      const frame = await watcher.socket.nextOf('message');
      seen.push(frame);
      if (frame.clientId === 'w1') break;
    }
    expect(seen.map((m) => m.clientId)).toEqual([...result.accepted.map((m) => m.clientId), 'w1']);
    expect(seen.at(-1)?.id).toBe(result.accepted.length + 1);
    watcher.socket.send({ type: 'history', after: 0, limit: 100 });
    const history = await watcher.socket.nextOf('history');
    expect(history.messages.map((m) => m.clientId)).toEqual(seen.map((m) => m.clientId));
    expect(history.messages.filter((m) => refusedIds.has(m.clientId))).toEqual([]);
    await closeAll(sender.socket, watcher.socket);
  });

  it('closes with 1008 and a reason after more than 50 refusals within a minute, without an error frame for the last', async () => {
    const room = uniqueRoom('flood');
    const flood = await joined(room, 'Flood');
    const bystander = await joined(room, 'Bystander');
    // Every frame after the burst is refused; the 51st refusal closes the socket.
    const total = BURST + MAX_REFUSALS + 10;
    for (let i = 1; i <= total; i++)
      flood.socket.send({ type: 'message', text: 'flood', clientId: `f${i}` });
    const { code, reason } = await withTimeout(
      flood.socket.closed,
      10_000,
      'the flooding socket was not closed',
    );
    // Every frame arrived before the close; drain them from the queue.
    const answers: ServerFrame[] = [];
    for (;;) {
      const frame = await flood.socket.next(100).catch(() => null);
      if (!frame) break;
      answers.push(frame);
    }
    expect(code).toBe(1008);
    expect(reason).toMatch(/rate/i);
    const refusals = answers.filter((frame) => frame.type === 'error');
    expect(refusals).toHaveLength(MAX_REFUSALS);
    for (const frame of refusals) expectRateLimited(frame, frame.clientId);
    expect(answers.filter((frame) => frame.type === 'message').length).toBeGreaterThanOrEqual(
      BURST,
    );
    // The room and the other user carry on.
    bystander.socket.send({ type: 'message', text: 'still fine', clientId: 'ok' });
    expect(await nextAnswer(bystander.socket, 'ok')).toMatchObject({
      type: 'message',
      text: 'still fine',
      clientId: 'ok',
    });
    await bystander.socket.close();
  });
});

describe('the rate limit and hibernation', () => {
  it('never holds more than a burst: after 6 s idle, 10 frames pass and the 11th is refused', async () => {
    // BURST / RATE = 5 s refills a spent bucket completely, before an idle room can hibernate
    // (~10 s), so forgetting buckets on hibernation forgives nothing; 6 s shows the cap.
    const room = uniqueRoom('refill');
    const { socket } = await joined(room, 'Idle');
    await exhaust(socket, 'i');
    await sleep(6000);
    const result = await burst(socket, BURST + 2, 'j');
    expectAllowed(result, BURST, 'j');
    expect(result.refused.length).toBe(BURST + 2 - result.accepted.length);
    await socket.close();
  });

  it('grants at most one fresh burst when the room is evicted mid-limit (buckets live in memory)', async () => {
    const room = uniqueRoom('evict');
    const { user, token } = await newUser('Evicted');
    const old = await connect(room, token);
    await old.nextOf('welcome');
    await exhaust(old, 'e');
    await evictDurableObject(roomStub(room));
    // Reconnecting after the eviction: the new instance starts with a full bucket for this user,
    // and that bucket is shared with the old (hibernated, still open) socket.
    const fresh = await connect(room, token);
    await fresh.nextOf('welcome');
    const start = Date.now();
    const result = await burst(fresh, BURST + 1, 'n');
    expectAllowed(result, BURST, 'n');
    for (const m of result.accepted) expect(m.user).toEqual(user);
    expectAllowed(await burst(old, 1, 'old', start), 0, 'old');
    await closeAll(old, fresh);
  });
});

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)),
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `count` answers to this socket's own frames (clientIds starting with `prefix`). */
async function answersTo(
  socket: TestSocket,
  prefix: string,
  count: number,
): Promise<ServerFrame[]> {
  const answers: ServerFrame[] = [];
  while (answers.length < count) answers.push(await nextAnswer(socket, prefix));
  return answers;
}

describe('a rate-limited change', () => {
  it('names the message an edit, delete or react was about', async () => {
    const room = uniqueRoom('rl-change');
    const { token } = await newUser('Changer');
    const socket = await connect(room, token);
    await socket.nextOf('welcome');
    socket.send({ type: 'message', text: 'to change', clientId: 'rl-c' });
    const message = await socket.nextOf('message');
    // Spend the rest of the burst on pings the room answers.
    for (let i = 1; i < BURST; i++) socket.send(ROOM_PING);
    for (let i = 1; i < BURST; i++) await socket.nextOf('pong');
    socket.send({ type: 'edit', id: message.id, text: 'changed' });
    socket.send({ type: 'delete', id: message.id });
    socket.send({ type: 'react', id: message.id, emoji: '👍', on: true });
    for (let i = 0; i < 3; i++) {
      const refused = await socket.nextOf('error');
      expect(refused).toMatchObject({ code: 'rate_limited', id: message.id });
      expect(refused).not.toHaveProperty('clientId');
    }
    await closeAll(socket);
  });
});
