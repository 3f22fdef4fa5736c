// Helpers for the tests that run inside workerd: unique rooms, tokens signed with the test
// secret, and a socket wrapper whose every received frame is checked against the contract.
import { env, exports } from 'cloudflare:workers';
import * as v from 'valibot';
import { issueToken } from '../src/auth.ts';
import { ServerFrameSchema, type ServerFrame, type User } from '../src/protocol.ts';

export const ORIGIN = 'http://chat.test';
let counter = 0;

/** A room name no other test in this file uses (storage is isolated per file, not per test). */
export function uniqueRoom(prefix = 'room'): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

/** A user with a fresh id and a token for them, signed with the test secret. */
export async function newUser(name = 'alice', id: string = crypto.randomUUID()): Promise<{ user: User; token: string }> {
  const secret = env.AUTH_SECRET;
  if (!secret) throw new Error('AUTH_SECRET missing from the test bindings');
  const { token } = await issueToken({ id, name }, secret, 900);
  return { user: { id, name }, token };
}

export type Frame<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;

export interface TestSocket {
  ws: WebSocket;
  /** The next frame, or a rejection after `timeoutMs`. */
  next(timeoutMs?: number): Promise<ServerFrame>;
  /** Skips frames until one of `type` arrives. */
  nextOf<T extends ServerFrame['type']>(type: T, timeoutMs?: number): Promise<Frame<T>>;
  /** Resolves to true when no frame arrives within `ms`. */
  silentFor(ms: number): Promise<boolean>;
  send(frame: unknown): void;
  /** Resolves with the close code once the server closes the socket. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** Opens a room socket through the Worker's real upgrade route. */
export async function connect(room: string, token: string, query: Record<string, string> = {}): Promise<TestSocket> {
  const params = new URLSearchParams({ token, ...query });
  const res = await exports.default.fetch(`${ORIGIN}/api/rooms/${room}/ws?${params}`, { headers: { Upgrade: 'websocket' } });
  const ws = res.webSocket;
  if (!ws) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
  ws.accept();
  return wrap(ws);
}

function wrap(ws: WebSocket): TestSocket {
  const queue: ServerFrame[] = [];
  const waiters: ((frame: ServerFrame) => void)[] = [];
  let closeResolve: (value: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (closeResolve = resolve));
  ws.addEventListener('message', (event) => {
    // Every frame must match the contract exactly; a parse error here fails the test.
    const frame = v.parse(ServerFrameSchema, JSON.parse(String(event.data)));
    const waiter = waiters.shift();
    if (waiter) waiter(frame);
    else queue.push(frame);
  });
  ws.addEventListener('close', (event) => closeResolve({ code: event.code, reason: event.reason }));

  const next = (timeoutMs = 5000): Promise<ServerFrame> => {
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const waiter = (frame: ServerFrame) => {
        clearTimeout(timer);
        resolve(frame);
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.push(waiter);
    });
  };

  return {
    ws,
    next,
    async nextOf(type, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const frame = await next(Math.max(1, deadline - Date.now()));
        if (frame.type === type) return frame as Frame<typeof type>;
      }
    },
    async silentFor(ms) {
      try {
        await next(ms);
        return false;
      } catch {
        return true;
      }
    },
    send(frame) {
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    closed,
    async close() {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'done');
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
    },
  };
}
