// Helpers for the tests that run inside workerd: unique rooms, tokens signed with the test
// secret, and a socket wrapper whose every received frame is checked against the contract.
import {
  createExecutionContext,
  listDurableObjectIds,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { sign } from 'hono/jwt';
import * as v from 'valibot';
import { issueToken } from '../src/auth.ts';
import worker from '../src/index.ts';
import type { ChatMessage, ServerFrame, User } from '../src/protocol.ts';
import { FrameQueue, type Frame } from './frame-queue.ts';

export const ORIGIN = 'http://chat.test';
let counter = 0;

/** A room name no other test in this file uses (storage is isolated per file, not per test). */
export function uniqueRoom(prefix = 'room'): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

/** A user with a fresh id and a token for them, signed with the test secret. */
export async function newUser(
  name = 'alice',
  id: string = crypto.randomUUID(),
): Promise<{ user: User; token: string }> {
  const secret = env.AUTH_SECRET;
  if (!secret) throw new Error('AUTH_SECRET missing from the test bindings');
  const { token } = await issueToken({ id, name }, secret, 900);
  return { user: { id, name }, token };
}

/**
 * A user whose token also carries `claims` (a backend's scoped token: `rooms`, `mod`, or a
 * malformed claim to be refused), signed with the test secret as a backend would sign it.
 */
export async function scopedUser(
  name: string,
  claims: Record<string, unknown>,
  id: string = crypto.randomUUID(),
): Promise<{ user: User; token: string }> {
  const secret = env.AUTH_SECRET;
  if (!secret) throw new Error('AUTH_SECRET missing from the test bindings');
  const iat = Math.floor(Date.now() / 1000);
  const token = await sign({ sub: id, name, iat, exp: iat + 900, ...claims }, secret, 'HS256');
  return { user: { id, name }, token };
}

/**
 * Sends `request` to the Worker with `overrides` on top of the test bindings (PRIVATE_ROOMS, say),
 * and waits for whatever it left running.
 */
export async function fetchWorker(
  request: Request,
  overrides: Partial<Env> = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** How many rooms (Durable Objects) exist in this test file's storage. */
export async function roomCount(): Promise<number> {
  return (await listDurableObjectIds(env.CHAT_ROOM)).length;
}

/** `POST /api/rooms` (or `method`) with `Authorization: Bearer <token>`, none when undefined. */
export function roomsRequest(token: string | undefined, method = 'POST'): Request {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  return new Request(`${ORIGIN}/api/rooms`, { method, headers });
}

const CreatedRoom = v.object({ room: v.string(), url: v.string() });

/** Creates a room with POST /api/rooms as `token`'s holder; throws unless it answers 201. */
export async function createRoom(
  token: string,
  overrides: Partial<Env> = {},
): Promise<{ room: string; url: string }> {
  const res = await fetchWorker(roomsRequest(token), overrides);
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST /api/rooms answered ${res.status}: ${text}`);
  return v.parse(CreatedRoom, JSON.parse(text));
}

/** A room created by a new user, who owns it, with the owner's socket welcomed. */
export async function ownedRoom(ownerName = 'Olga'): Promise<{
  room: string;
  owner: { user: User; token: string };
  socket: TestSocket;
  welcome: Frame<'welcome'>;
}> {
  const owner = await newUser(ownerName);
  const { room } = await createRoom(owner.token);
  const socket = await connect(room, owner.token);
  const welcome = await expectNext(socket, 'welcome');
  return { room, owner, socket, welcome };
}

/** A fresh connection's first frame (a `welcome`, or `banned` for a banned user), its socket closed again. */
export async function firstFrame(
  room: string,
  token: string,
  query: Record<string, string> = {},
): Promise<ServerFrame> {
  const socket = await connect(room, token, query);
  const frame = await socket.next();
  await socket.close();
  return frame;
}

/** The room's Durable Object stub, for evictDurableObject, runInDurableObject and friends. */
export function roomStub(room: string): DurableObjectStub {
  return env.CHAT_ROOM.getByName(room.toLowerCase());
}

export type { Frame } from './frame-queue.ts';

export interface TestSocket {
  ws: WebSocket;
  /** The next frame, or a rejection after `timeoutMs` (or when a frame broke the contract). */
  next(timeoutMs?: number): Promise<ServerFrame>;
  /** Skips frames until one of `type` arrives. */
  nextOf<T extends ServerFrame['type']>(type: T, timeoutMs?: number): Promise<Frame<T>>;
  /** Resolves to true when no frame arrives within `ms`. */
  silentFor(ms: number): Promise<boolean>;
  /** The frames that arrived and were not read yet (see untilClosed). */
  takeQueued(): ServerFrame[];
  /** Sends a string or binary frame as is, anything else as JSON text. */
  send(frame: unknown): void;
  /** Resolves with the close code once the server closes the socket. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** The upgrade request the Worker sees from a client; `query` and `headers` are sent as given. */
export function upgradeRequest(
  room: string,
  query: Record<string, string> = {},
  headers: Record<string, string> = { Upgrade: 'websocket' },
): Request {
  const params = new URLSearchParams(query);
  const search = params.size > 0 ? `?${params}` : '';
  return new Request(`${ORIGIN}/api/rooms/${room}/ws${search}`, { headers });
}

/** Sends an upgrade request through the Worker's real route and returns its raw answer (101 or a refusal). */
export function upgrade(
  room: string,
  query: Record<string, string> = {},
  headers?: Record<string, string>,
): Promise<Response> {
  return exports.default.fetch(upgradeRequest(room, query, headers));
}

/** Opens a room socket through the Worker's real upgrade route. */
export async function connect(
  room: string,
  token: string,
  query: Record<string, string> = {},
): Promise<TestSocket> {
  return acceptSocket(await upgrade(room, { token, ...query }));
}

/** Accepts the client end of a 101 answer; throws with the status and body when it was refused. */
export async function acceptSocket(res: Response): Promise<TestSocket> {
  const ws = res.webSocket;
  if (!ws) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
  ws.accept();
  return wrap(ws);
}

function wrap(ws: WebSocket): TestSocket {
  const frames = new FrameQueue();
  let closeResolve: (value: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>(
    (resolve) => (closeResolve = resolve),
  );
  ws.addEventListener('message', (event) => {
    if (typeof event.data === 'string') frames.receive(event.data);
    else frames.fail(new Error('the server sent a binary frame'));
  });
  ws.addEventListener('close', (event) => closeResolve({ code: event.code, reason: event.reason }));

  return {
    ws,
    next: (timeoutMs) => frames.next(timeoutMs),
    nextOf: (type, timeoutMs) => frames.nextOf(type, timeoutMs),
    silentFor: (ms) => frames.silentFor(ms),
    takeQueued: () => frames.takeQueued(),
    send(frame) {
      // Strings and binary data go out as they are (a binary frame stays binary); anything else as JSON.
      if (typeof frame === 'string' || frame instanceof ArrayBuffer || ArrayBuffer.isView(frame))
        ws.send(frame);
      else ws.send(JSON.stringify(frame));
    },
    closed,
    async close() {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'done');
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
    },
  };
}

/** A spelling of ping the runtime's auto-response does not match, so the room itself answers it. */
export const ROOM_PING = '{ "type": "ping" }';

/**
 * Proves nothing is queued for `socket`: the room answers a ping after everything it sent before,
 * so when the very next frame is that pong, no other frame was on its way.
 */
export async function nothingPending(socket: TestSocket): Promise<ServerFrame> {
  socket.send(ROOM_PING);
  return socket.next();
}

/** The next frame, which must be of `type`; anything else fails the test with what came instead. */
export async function expectNext<T extends ServerFrame['type']>(
  socket: TestSocket,
  type: T,
  timeoutMs?: number,
): Promise<Frame<T>> {
  const frame = await socket.next(timeoutMs);
  if (frame.type !== type)
    throw new Error(`expected a ${type} frame, got ${JSON.stringify(frame)}`);
  return frame as Frame<T>;
}

/**
 * Sends `count` messages `${prefix}1..count` from `socket`, all at once, and returns the stored
 * copies in order as the sender's acknowledgements report them. Other frames in between are skipped.
 */
export async function sendMessages(
  socket: TestSocket,
  count: number,
  prefix = 'm',
): Promise<ChatMessage[]> {
  for (let i = 1; i <= count; i++) socket.send({ type: 'message', text: `${prefix}${i}` });
  const acks: ChatMessage[] = [];
  while (acks.length < count) acks.push(await socket.nextOf('message'));
  return acks;
}

/**
 * Waits (up to `timeoutMs`) for the server to close `socket`, then returns the close and the
 * frames that came before it and were not read yet: a socket's messages are dispatched before its
 * close event.
 */
export async function untilClosed(
  socket: TestSocket,
  timeoutMs = 5000,
): Promise<{ frames: ServerFrame[]; code: number; reason: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not closed within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const { code, reason } = await Promise.race([socket.closed, timeout]);
    return { frames: socket.takeQueued(), code, reason };
  } finally {
    clearTimeout(timer);
  }
}

/** Closes every socket, even when some are already closed. */
export async function closeAll(...sockets: { close(): Promise<void> }[]): Promise<void> {
  await Promise.all(sockets.map((socket) => socket.close()));
}

/** Reads and returns whatever was on its way to `socket`, up to the pong for a room-answered ping. */
export async function drainPending(socket: TestSocket): Promise<ServerFrame[]> {
  socket.send(ROOM_PING);
  const frames: ServerFrame[] = [];
  // Bounded: a test socket never has more than a few hundred frames in flight.
  for (let i = 0; i < 1000; i++) {
    const frame = await socket.next();
    if (frame.type === 'pong') return frames;
    frames.push(frame);
  }
  throw new Error('no pong after 1000 frames');
}

/** Ann and Bob in a fresh room: both welcomed, and Bob's join already read off Ann's socket. */
export async function annAndBob(prefix: string): Promise<{
  room: string;
  a: { user: User; token: string };
  b: { user: User; token: string };
  sa: TestSocket;
  sb: TestSocket;
}> {
  const room = uniqueRoom(prefix);
  const a = await newUser('Ann');
  const b = await newUser('Bob');
  const sa = await connect(room, a.token);
  await expectNext(sa, 'welcome');
  const sb = await connect(room, b.token);
  await expectNext(sb, 'welcome');
  await expectNext(sa, 'join');
  return { room, a, b, sa, sb };
}

/** Someone connected to a room: who they are, their token (to connect again) and their socket. */
export interface Participant {
  user: User;
  token: string;
  socket: TestSocket;
}

/**
 * A fresh room with Mia, a moderator by her token's `mod` claim, and Ann and Bob, members: all
 * welcomed, every join already read.
 */
export async function moderatedRoom(prefix: string): Promise<{
  room: string;
  mia: Participant;
  ann: Participant;
  bob: Participant;
}> {
  const room = uniqueRoom(prefix);
  const people: Participant[] = [];
  for (const { user, token } of [
    await scopedUser('Mia', { mod: [room] }),
    await newUser('Ann'),
    await newUser('Bob'),
  ]) {
    const socket = await connect(room, token);
    await expectNext(socket, 'welcome');
    people.push({ user, token, socket });
  }
  for (const { socket } of people) await drainPending(socket);
  const [mia, ann, bob] = people;
  if (!mia || !ann || !bob) throw new Error('unreachable');
  return { room, mia, ann, bob };
}

/** Runs `fn` inside the Durable Object of a fresh room, with its state: for unit tests of its parts. */
export function inFreshRoom<R>(
  prefix: string,
  fn: (state: DurableObjectState) => R | Promise<R>,
): Promise<R> {
  return runInDurableObject(roomStub(uniqueRoom(prefix)), (_instance, state) => fn(state));
}

/** A socket pair opened inside a room's Durable Object by `acceptIn`. */
export interface AcceptedSocket {
  /** The room's end, accepted by the Durable Object's state. */
  server: WebSocket;
  /** The peer's end. */
  client: WebSocket;
  /** Closes the peer's end and resolves once the close is through (at most a second). */
  close(): Promise<void>;
}

/**
 * A real socket pair (`pair`, or a new one) opened inside a room's Durable Object as the room's
 * connect opens one: the server end accepted by `state`, tagged with `userId`, with `attachment`
 * attached; the client end accepted too. For unit tests of the room's parts; the room itself
 * handles the socket's frames and close like any other's.
 */
export function acceptIn(
  state: DurableObjectState,
  userId: string,
  attachment: unknown,
  pair: { 0: WebSocket; 1: WebSocket } = new WebSocketPair(),
): AcceptedSocket {
  const { 0: client, 1: server } = pair;
  state.acceptWebSocket(server, [userId]);
  server.serializeAttachment(attachment);
  client.accept();
  const closed = new Promise<void>((resolve) => client.addEventListener('close', () => resolve()));
  return {
    server,
    client,
    async close() {
      if (client.readyState === WebSocket.OPEN) client.close(1000, 'done');
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
    },
  };
}

let said = 0;
/**
 * Sends one message with `text` exactly (and `fields` such as `replyTo`) and returns the stored
 * copy from its own acknowledgement; others' frames on the way are skipped, a refusal throws.
 */
export async function say(
  socket: TestSocket,
  text = `said ${said}`,
  fields: object = {},
): Promise<ChatMessage> {
  const clientId = `say-${said++}`;
  socket.send({ type: 'message', text, clientId, ...fields });
  for (;;) {
    const next = await socket.next();
    if (next.type === 'message' && next.clientId === clientId) return next;
    if (next.type === 'error') throw new Error(`refused: ${JSON.stringify(next)}`);
  }
}
