// The room's gate for every frame, in the contract's order (docs/protocol.md, "Limits and
// abuse"): size, a rate-limit token, parse and validate, then for a message the resend lookup
// before permission (a resend is answered with its stored copy even if its sender was muted or
// the message it answers was deleted since), then permission. It decides; it answers nothing.
import {
  MAX_FRAME_BYTES,
  MAX_RATE_REFUSALS_PER_MINUTE,
  utf8ByteLength,
} from '../public/chat/rules.js';
import type { History } from './history.ts';
import { replyTo } from './message-rows.ts';
import type { Moderation, Refusal } from './moderation.ts';
import { CLOSE_POLICY, CLOSE_TOO_BIG, type ErrorFrame, type Reply, type User } from './protocol.ts';
import {
  changeError,
  clientIdOf,
  errorFrame,
  idOf,
  parseClientFrame,
  type ClientFrame,
} from './client-frames.ts';
import type { TokenBuckets } from './rate-limit.ts';

/** Stands in the inbox for a frame over MAX_FRAME_BYTES, which is dropped on arrival. */
export const TOO_BIG = Symbol('frame too big');
export type Raw = string | ArrayBuffer | typeof TOO_BIG;
export type CloseReason = { code: number; reason: string };
type MessageFrame = Extract<ClientFrame, { type: 'message' }>;

/** What the room makes of one frame: a message to store, another frame to act on, a refusal, nothing, or a close. */
export type Admitted =
  | { kind: 'message'; message: MessageFrame; reply: Reply | undefined }
  | { kind: 'other'; frame: Exclude<ClientFrame, { type: 'message' }> }
  | { kind: 'refusal'; error: ErrorFrame }
  /** Dropped without an answer (a muted user's typing). */
  | { kind: 'drop' }
  | ({ kind: 'close' } & CloseReason);

/** The frame as the inbox keeps it: one over MAX_FRAME_BYTES is dropped on arrival. */
export function sized(raw: string | ArrayBuffer): Raw {
  return isTooBig(raw) ? TOO_BIG : raw;
}

/** Over MAX_FRAME_BYTES of UTF-8; a UTF-16 unit is 1–3 bytes, so most frames need no counting. */
function isTooBig(raw: string | ArrayBuffer): boolean {
  if (typeof raw !== 'string') return raw.byteLength > MAX_FRAME_BYTES;
  return (
    raw.length > MAX_FRAME_BYTES ||
    (raw.length * 3 > MAX_FRAME_BYTES && utf8ByteLength(raw) > MAX_FRAME_BYTES)
  );
}

export class Admission {
  readonly #buckets: TokenBuckets;
  readonly #history: History;
  readonly #moderation: Moderation;
  readonly #rateRefusals = new RefusalCounter();
  readonly #sizeRefusals = new RefusalCounter();
  /**
   * When each user's last message was admitted, while slow mode is on (a message admitted in this
   * batch is not in SQLite yet); looked up in SQLite if unknown.
   */
  readonly #lastMessageAt = new Map<string, number>();

  constructor(buckets: TokenBuckets, history: History, moderation: Moderation) {
    this.#buckets = buckets;
    this.#history = history;
    this.#moderation = moderation;
  }

  /**
   * Takes `raw` from `user` at `now` through every check: from their socket `ws`, or from the
   * HTTP API (`ws` null: there is no socket to close, so refusals are not counted toward a close).
   */
  admit(ws: WebSocket | null, user: User, raw: Raw, now: number): Admitted {
    if (raw === TOO_BIG) {
      // Refused before it costs a token, but not for free: a stream of them closes the socket.
      if (ws && this.#sizeRefusals.count(ws, now) > MAX_RATE_REFUSALS_PER_MINUTE)
        return { kind: 'close', code: CLOSE_TOO_BIG, reason: 'frames too large, repeatedly' };
      return refusal(errorFrame('too_long', `frame is larger than ${MAX_FRAME_BYTES} bytes`));
    }
    const retryAfterMs = this.#buckets.take(user.id, now);
    if (retryAfterMs > 0) {
      // The frame is not processed, but naming its message (clientId, or the id of a change)
      // lets the sender retry it.
      const json = typeof raw === 'string' ? safeJson(raw) : undefined;
      const error = { ...errorFrame('rate_limited', 'slow down', clientIdOf(json)), ...idOf(json) };
      return this.#rateLimited(ws, now, error, retryAfterMs);
    }
    if (typeof raw !== 'string')
      return refusal(errorFrame('bad_frame', 'binary frames are not accepted'));
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) return refusal(parsed.error);
    const { frame } = parsed;
    switch (frame.type) {
      case 'message':
        return this.#message(ws, user, frame, now);
      case 'edit':
      case 'react': {
        const muted = this.#moderation.refuseChange(user, now);
        // not_found comes before forbidden: a change to a message that is gone is left to the
        // change's own rules, which answer not_found.
        return muted && this.#isLive(frame.id)
          ? refusal(withRetry(changeError(muted.code, muted.reason, frame.id), muted))
          : { kind: 'other', frame };
      }
      case 'typing':
        return this.#moderation.mutedUntil(user.id, now) === undefined
          ? { kind: 'other', frame }
          : { kind: 'drop' };
      default:
        return { kind: 'other', frame };
    }
  }

  #message(ws: WebSocket | null, user: User, frame: MessageFrame, now: number): Admitted {
    const { clientId } = frame;
    // Only a message that could be refused pays for the resend lookup; the common one doesn't.
    const held = this.#moderation.refuseMessage(user, now, () => this.#lastMessage(user.id));
    const target = frame.replyTo === undefined ? undefined : this.#history.find(frame.replyTo);
    const gone = frame.replyTo !== undefined && (!target || target.deleted);
    if ((held || gone) && clientId !== undefined && this.#history.hasClientId(user.id, clientId)) {
      return { kind: 'message', message: frame, reply: undefined };
    }
    // not_found comes before forbidden (and before slow mode, which waiting would not cure).
    if (gone) {
      return refusal(
        errorFrame(
          'not_found',
          'the message this replies to is deleted or no longer kept',
          clientId,
        ),
      );
    }
    if (held) {
      const error = withRetry(errorFrame(held.code, held.reason, clientId), held);
      return held.code === 'rate_limited'
        ? this.#rateLimited(ws, now, error, held.retryAfterMs ?? 0)
        : refusal(error);
    }
    this.#noteMessage(user.id, clientId, now);
    return { kind: 'message', message: frame, reply: target ? replyTo(target) : undefined };
  }

  /** A `rate_limited` refusal, or the 1008 close once a socket collects too many in a minute. */
  #rateLimited(
    ws: WebSocket | null,
    now: number,
    error: ErrorFrame,
    retryAfterMs: number,
  ): Admitted {
    if (ws && this.#rateRefusals.count(ws, now) > MAX_RATE_REFUSALS_PER_MINUTE)
      return { kind: 'close', code: CLOSE_POLICY, reason: 'rate limit exceeded repeatedly' };
    return refusal({ ...error, retryAfterMs });
  }

  /** One token of `user`'s bucket for an HTTP read: 0, or the ms until one is available. */
  takeToken(user: User, now: number): number {
    return this.#buckets.take(user.id, now);
  }

  /**
   * Remembers when `userId`'s admitted message will be stored, for slow mode: not for a resend,
   * which stores nothing (telling one costs a lookup, in slow mode only). Outside slow mode nothing
   * is kept (and what was kept is dropped, or it would hide a message stored meanwhile); SQLite
   * answers once slow mode is back on.
   */
  #noteMessage(userId: string, clientId: string | undefined, now: number): void {
    if (this.#moderation.settings.slowModeSeconds === 0) {
      if (this.#lastMessageAt.size > 0) this.#lastMessageAt.delete(userId);
      return;
    }
    if (clientId !== undefined && this.#history.hasClientId(userId, clientId)) return;
    this.#lastMessageAt.set(userId, now);
  }

  /** Whether message `id` is retained and not deleted. */
  #isLive(id: number): boolean {
    const found = this.#history.find(id);
    return found !== null && !found.deleted;
  }

  #lastMessage(userId: string): number | null {
    const known = this.#lastMessageAt.get(userId);
    return known ?? this.#history.lastMessageAt(userId);
  }
}

/** How many times each socket was refused within the current minute (from its first refusal). */
class RefusalCounter {
  readonly #bySocket = new WeakMap<WebSocket, { count: number; since: number }>();

  /** Counts one more refusal at `now` and returns the count in this socket's current minute. */
  count(ws: WebSocket, now: number): number {
    const previous = this.#bySocket.get(ws);
    const current =
      previous && now - previous.since < 60_000
        ? { count: previous.count + 1, since: previous.since }
        : { count: 1, since: now };
    this.#bySocket.set(ws, current);
    return current.count;
  }
}

function refusal(error: ErrorFrame): Admitted {
  return { kind: 'refusal', error };
}

function withRetry(error: ErrorFrame, { retryAfterMs }: Refusal): ErrorFrame {
  return retryAfterMs === undefined ? error : { ...error, retryAfterMs };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
