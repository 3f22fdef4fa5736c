// Helpers for the end-to-end tests that talk to `wrangler dev` over real TCP with the `ws` package:
// unique rooms, users with minted tokens, and a socket wrapper whose every received frame is
// checked against the contract (the same shape as test/helpers.ts, plus terminate()).
import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import WebSocket from 'ws';
import type { ChatClient, ChatEventMap } from '../../public/chat/client.js';
import { ServerFrameSchema, UserSchema, type ServerFrame, type User } from '../../src/protocol.ts';
import { FrameQueue, type Frame } from '../frame-queue.ts';
import { mintToken } from './wrangler.mjs';

let counter = 0;

/** A room name no other test against the same server uses. */
export function uniqueRoom(prefix = 'room'): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

/**
 * A user with a fresh id and a token minted the way a "bring your own auth" backend would, with
 * any extra `claims` (`rooms`, `mod`).
 */
export async function newUser(
  name = 'alice',
  id: string = randomUUID(),
  claims: Record<string, unknown> = {},
): Promise<{ user: User; token: string }> {
  return { user: { id, name }, token: await mintToken({ id, name, claims }) };
}

export type { Frame } from '../frame-queue.ts';

/** The room refused the upgrade with an HTTP answer instead of 101. */
export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused: ${status} ${body}`);
  }
}

export interface E2ESocket {
  ws: WebSocket;
  /** The next frame, or a rejection after `timeoutMs` (or when a frame broke the contract). */
  next(timeoutMs?: number): Promise<ServerFrame>;
  /** The next frame with its exact text as it came off the wire. */
  nextRaw(timeoutMs?: number): Promise<{ frame: ServerFrame; text: string }>;
  /** Skips frames until one of `type` arrives. */
  nextOf<T extends ServerFrame['type']>(type: T, timeoutMs?: number): Promise<Frame<T>>;
  /** Resolves to true when no frame arrives within `ms`. */
  silentFor(ms: number): Promise<boolean>;
  send(frame: unknown): void;
  /** Resolves with the close code once the socket is closed, by either side or by terminate(). */
  closed: Promise<{ code: number; reason: string }>;
  /** Closes with a Close frame (1000) and waits, up to 2 s, for the server's answer. */
  close(): Promise<void>;
  /** Drops the TCP connection without a Close frame, as a dying network or a killed tab would. */
  terminate(): Promise<void>;
}

export interface OpenOptions {
  /** Resume: only messages with a larger id come in the welcome. A string is sent as is (to test refusals). */
  after?: number | string;
  /** Sent as the `Origin` header; none by default, as a non-browser client would. */
  origin?: string;
  /** How long to wait for the upgrade (default 10 s). */
  timeoutMs?: number;
}

/**
 * Opens a room socket through the Worker's upgrade route at `origin` (e.g. http://127.0.0.1:8787).
 * Rejects with UpgradeRefused when the server answers the upgrade with an HTTP status.
 */
export function openSocket(
  origin: string,
  room: string,
  token: string,
  options: OpenOptions = {},
): Promise<E2ESocket> {
  const url = new URL(`/api/rooms/${room}/ws`, origin.replace(/^http/, 'ws'));
  url.searchParams.set('token', token);
  if (options.after !== undefined) url.searchParams.set('after', String(options.after));
  const ws = new WebSocket(url, options.origin === undefined ? {} : { origin: options.origin });
  // Frames are queued from the first one on: the welcome can arrive in the same packet as the 101.
  const socket = wrap(ws);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no upgrade within ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    ws.once('unexpected-response', (_request, response) => {
      clearTimeout(timer);
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        reject(new UpgradeRefused(response.statusCode ?? 0, body));
        ws.terminate();
      });
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function wrap(ws: WebSocket): E2ESocket {
  const frames = new FrameQueue();
  let closeResolve: (value: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>(
    (resolve) => (closeResolve = resolve),
  );
  ws.on('message', (data, isBinary) => {
    if (isBinary) frames.fail(new Error('the server sent a binary frame'));
    else frames.receive(data.toString());
  });
  ws.on('close', (code, reason) => closeResolve({ code, reason: reason.toString() }));
  // After open, errors (a reset connection) end in 'close'; without a listener they would throw.
  ws.on('error', () => {});

  const waitClosed = (ms: number) =>
    Promise.race([closed, new Promise((resolve) => setTimeout(resolve, ms))]);

  return {
    ws,
    next: (timeoutMs) => frames.next(timeoutMs),
    nextRaw: (timeoutMs) => frames.nextRaw(timeoutMs),
    nextOf: (type, timeoutMs) => frames.nextOf(type, timeoutMs),
    silentFor: (ms) => frames.silentFor(ms),
    send(frame) {
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    closed,
    async close() {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'done');
      await waitClosed(2000);
      // No answer to our Close in time: don't leave the connection behind.
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    },
    async terminate() {
      ws.terminate();
      await waitClosed(1000);
    },
  };
}

/** Runs `task` over `items` with at most `limit` running at once; rejects with the first failure. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  // One iterator shared by every worker: each item is taken exactly once.
  const entries = items.entries();
  const worker = async () => {
    for (const [index, item] of entries) results[index] = await task(item, index);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Polls `check` every `intervalMs` until it returns true or `timeoutMs` passes; returns the last result. */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The JSON body of every HTTP refusal: `{"error": "..."}`. */
export const ErrorBodySchema = v.object({ error: v.string() });
/** The body of `POST /api/token` on success. */
export const TokenBodySchema = v.object({
  token: v.string(),
  refreshToken: v.string(),
  user: UserSchema,
  expiresAt: v.number(),
});

/** Reads a response body as JSON and checks it against `schema`; throws with the body when it doesn't match. */
export async function readJson<S extends v.GenericSchema>(
  res: Response,
  schema: S,
): Promise<v.InferOutput<S>> {
  const text = await res.text();
  try {
    return v.parse(schema, JSON.parse(text));
  } catch (err) {
    throw new Error(`unexpected body (${res.status}): ${text}: ${String(err)}`);
  }
}

/** The JSON error an upgrade was refused with, checked against the contract's shape. */
export function refusalBody(refused: UpgradeRefused): { error: string } {
  return v.parse(ErrorBodySchema, JSON.parse(refused.body));
}

/** Opens a socket expecting the upgrade to be refused; resolves with the refusal. */
export async function expectRefused(
  origin: string,
  room: string,
  token: string,
  options: OpenOptions = {},
): Promise<UpgradeRefused> {
  try {
    const socket = await openSocket(origin, room, token, options);
    await socket.close();
  } catch (err) {
    if (err instanceof UpgradeRefused) return err;
    throw err;
  }
  throw new Error(`the upgrade to ${room} was accepted`);
}

/**
 * `POST /api/token` as a guest would; `bearer` (a refresh token, to keep an identity) is sent as
 * `Authorization: Bearer`. `ip` is sent as CF-Connecting-IP, which wrangler dev passes through when
 * present (on Cloudflare the edge sets it), so tests can keep their guests apart.
 */
export function requestToken(
  origin: string,
  name: string,
  options: { ip?: string; bearer?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.ip !== undefined) headers['CF-Connecting-IP'] = options.ip;
  if (options.bearer !== undefined) headers.Authorization = `Bearer ${options.bearer}`;
  return fetch(new URL('/api/token', origin), {
    method: 'POST',
    headers,
    body: JSON.stringify({ name }),
  });
}

/** How many times `needle` occurs in `haystack` (e.g. a log line in a dev server's output). */
export function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---- The shipped ChatClient (public/chat/client.js) in tests ----

/**
 * The `ws` WebSocket class, counted: every socket a ChatClient opens with it is kept, so a test
 * can drop the current one as a dying network would (terminate(): no Close frame) or send raw
 * frames on it. Every text frame the client sends is recorded in `sent` (parsed), and incoming
 * frames that `hold` picks are kept from the client until `release()`, as a slow network would.
 */
export function trackedWebSocket(): {
  WebSocket: new (address: string) => WebSocket;
  sockets: WebSocket[];
  current(): WebSocket;
  sent: unknown[];
  hold(pick: (frame: ServerFrame) => boolean): void;
  release(): void;
} {
  const sockets: WebSocket[] = [];
  const sent: unknown[] = [];
  let pick: ((frame: ServerFrame) => boolean) | null = null;
  const held: (() => void)[] = [];
  class Tracked extends WebSocket {
    constructor(address: string) {
      super(address);
      sockets.push(this);
    }
    override send(data: string): void {
      sent.push(parsedOrRaw(data));
      super.send(data);
    }
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (
        event === 'message' &&
        pick &&
        pick(v.parse(ServerFrameSchema, JSON.parse(`${args[0]}`)))
      ) {
        held.push(() => super.emit(event, ...args));
        return true;
      }
      return super.emit(event, ...args);
    }
  }
  return {
    WebSocket: Tracked,
    sockets,
    current() {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('no socket opened yet');
      return socket;
    },
    sent,
    hold(choose) {
      pick = choose;
    },
    release() {
      pick = null;
      for (const deliver of held.splice(0)) deliver();
    },
  };
}

/** `text` parsed as JSON, or as it is when it is none (a test sending raw garbage, say). */
function parsedOrRaw(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The frames the room sent `socket` before it answered a ping spelled so that the room itself
 * answers it (not the runtime's auto-response): all it had to say about what was sent before.
 */
export async function roundTrip(socket: E2ESocket): Promise<ServerFrame[]> {
  socket.send('{ "type": "ping" }');
  const frames: ServerFrame[] = [];
  for (let i = 0; i < 1000; i++) {
    const frame = await socket.next();
    if (frame.type === 'pong') return frames;
    frames.push(frame);
  }
  throw new Error('no pong after 1000 frames');
}

/**
 * The detail of the next `type` event of `client` that `where` accepts; rejects after
 * `timeoutMs`. Listens from the moment it is called.
 */
export function nextEvent<K extends keyof ChatEventMap>(
  client: ChatClient,
  type: K,
  {
    where = () => true,
    timeoutMs = 10_000,
  }: {
    where?: (detail: ChatEventMap[K]['detail']) => boolean;
    timeoutMs?: number;
  } = {},
): Promise<ChatEventMap[K]['detail']> {
  return new Promise((resolve, reject) => {
    const listener = (event: ChatEventMap[K]) => {
      if (!where(event.detail)) return;
      clearTimeout(timer);
      client.removeEventListener(type, listener);
      resolve(event.detail);
    };
    const timer = setTimeout(() => {
      client.removeEventListener(type, listener);
      reject(new Error(`no "${type}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    client.addEventListener(type, listener);
  });
}

/**
 * A door a token function can wait at: while it is shut, a client's reconnect attempts wait for
 * their token, which keeps that client away from its room for as long as a test needs.
 */
export class Gate {
  #open = true;
  #waiting: (() => void)[] = [];

  shut(): void {
    this.#open = false;
  }

  open(): void {
    this.#open = true;
    for (const resume of this.#waiting.splice(0)) resume();
  }

  /** Resolves at once while open, otherwise once open() is called. */
  pass(): Promise<void> {
    if (this.#open) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

/** The body of `POST /api/rooms` on success. */
export const CreatedRoomSchema = v.object({ room: v.string(), url: v.string() });

/** Creates a room with `POST /api/rooms` as `token`'s holder, who owns it; throws unless 201. */
export async function createRoom(origin: string, token: string): Promise<string> {
  const res = await fetch(new URL('/api/rooms', origin), {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  if (res.status !== 201) throw new Error(`POST /api/rooms: ${res.status} ${await res.text()}`);
  return (await readJson(res, CreatedRoomSchema)).room;
}

/** The close of `socket`, or a rejection when it has not come within `ms`. */
export function closedWithin(
  socket: E2ESocket,
  ms: number,
): Promise<{ code: number; reason: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not closed within ${ms} ms`)), ms);
  });
  return Promise.race([socket.closed, timeout]).finally(() => clearTimeout(timer));
}
