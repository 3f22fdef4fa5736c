// The HTTP API for backends as the room sees it (docs/protocol.md, "HTTP API"): the same frames,
// rules and refusals as a socket, turned into JSON answers with HTTP statuses. The Worker has
// checked the token and its scopes; this module turns a request into the frame a socket would
// have sent, and a refusal into its status.
import * as v from 'valibot';
import type { Admission } from './admission.ts';
import type { History } from './history.ts';
import type { Moderation } from './moderation.ts';
import type { Paging } from './paging.ts';
import { ERROR_CODES, type ErrorFrame, type ServerFrame, type User } from './protocol.ts';
import { errorFrame, parseClientFrame, type ClientFrame } from './client-frames.ts';
import type { Search } from './search.ts';

/** Who calls the API, as the Worker verified: the user, and whether a `mod` claim matches here. */
export interface ApiCaller {
  user: User;
  moderator: boolean;
}

/** An answer for the Worker to send as JSON, with `Retry-After` (seconds) on a 429. */
export interface ApiAnswer {
  status: number;
  body: object;
  retryAfterSeconds?: number;
}

/** The parts of the room the API works with. */
export interface ApiRoom {
  history: History;
  paging: Paging;
  search: Search;
  moderation: Moderation;
  admission: Admission;
  /** Handles the frames that arrived before this request. */
  drainInbox(): void;
  /** Sends a frame to every socket in the room. */
  broadcast(frame: ServerFrame): void;
}

const HISTORY_PARAMS = ['before', 'after', 'around', 'afterId', 'limit'];
const SEARCH_PARAMS = ['q', 'before', 'limit'];

export class RoomApi {
  readonly #room: ApiRoom;

  constructor(room: ApiRoom) {
    this.#room = room;
  }

  /** `POST /api/rooms/:name/messages`: a message from a backend, stored and sent as any other. */
  post(caller: ApiCaller, body: string): ApiAnswer {
    // Frames that arrived first are handled first (a ban, a setting), so this one meets the room
    // as they left it and is stored after theirs.
    this.#room.drainInbox();
    const now = Date.now();
    const refused = this.#gate(caller, now);
    if (refused) return refused;
    const raw = messageFrameOf(body);
    if (typeof raw !== 'string') {
      // A body that is no message still costs a token, as a bad frame does on a socket.
      const retryAfterMs = this.#room.admission.takeToken(caller.user, now);
      if (retryAfterMs > 0)
        return refusalAnswer({ ...errorFrame('rate_limited', 'slow down'), retryAfterMs });
      return refusalAnswer(raw);
    }
    const admitted = this.#room.admission.admit(null, caller.user, raw, now);
    if (admitted.kind === 'refusal') return refusalAnswer(admitted.error);
    if (admitted.kind !== 'message')
      throw new Error(`a message body was admitted as ${admitted.kind}`);
    const { text, clientId, replyTo } = admitted.message;
    const draft = { user: caller.user, text, clientId, ts: now, replyTo, reply: admitted.reply };
    const [stored] = this.#room.history.appendAll([draft]);
    if (!stored) throw new Error('a message was neither stored nor found');
    if (!stored.duplicate) this.#room.broadcast(stored.message);
    return { status: stored.duplicate ? 200 : 201, body: stored.message };
  }

  /** `GET /api/rooms/:name/messages`: a page, by the `history` frame's rules, and the room's `seq`. */
  read(caller: ApiCaller, params: Record<string, string>): ApiAnswer {
    this.#room.drainInbox();
    const refused = this.#gate(caller, Date.now(), true);
    if (refused) return refused;
    const anchored = Object.keys(params).some((name) => name !== 'limit');
    const frame = queryFrame(
      'history',
      anchored ? params : { ...params, before: `${Number.MAX_SAFE_INTEGER}` },
      HISTORY_PARAMS,
    );
    if (frame.type === 'error') return refusalAnswer(frame);
    return {
      status: 200,
      body: { ...this.#room.paging.answer(frame), seq: this.#room.history.seq },
    };
  }

  /** `GET /api/rooms/:name/search`: the `search` frame's answer. */
  search(caller: ApiCaller, params: Record<string, string>): ApiAnswer {
    this.#room.drainInbox();
    const refused = this.#gate(caller, Date.now(), true);
    if (refused) return refused;
    if (params.q === undefined)
      return refusalAnswer(errorFrame('bad_frame', 'q (the query) is required'));
    const frame = queryFrame('search', params, SEARCH_PARAMS);
    if (frame.type === 'error') return refusalAnswer(frame);
    this.#room.search.catchUp(this.#room.history.lastId);
    const found = this.#room.search.find(
      frame.query,
      frame.before,
      frame.limit,
      this.#room.history.floor,
    );
    if (!found) return refusalAnswer(errorFrame('bad_frame', 'query has no word to search for'));
    return { status: 200, body: found };
  }

  /**
   * What every API request passes first: the ban, and for reads a token of the user's bucket
   * (a POST takes its token in admission, as a frame does). Null when it may go on.
   */
  #gate(caller: ApiCaller, now: number, read = false): ApiAnswer | null {
    this.#room.moderation.arrive(caller.user, caller.moderator);
    const banned = this.#room.moderation.banOf(caller.user.id, now);
    if (banned) {
      const { type: _, ...ban } = banned;
      return {
        status: 403,
        body: { error: 'you are banned from this room', code: 'forbidden', ...ban },
      };
    }
    const retryAfterMs = read ? this.#room.admission.takeToken(caller.user, now) : 0;
    if (retryAfterMs > 0) {
      return refusalAnswer({ ...errorFrame('rate_limited', 'slow down'), retryAfterMs });
    }
    return null;
  }
}

const STATUS: Record<(typeof ERROR_CODES)[number], number> = {
  bad_json: 400,
  bad_frame: 400,
  too_long: 400,
  empty: 400,
  rate_limited: 429,
  forbidden: 403,
  not_found: 404,
};

/** The HTTP answer to a refusal: `{"error","code"}` (and `retryAfterMs`) with its status. */
export function refusalAnswer(error: ErrorFrame): ApiAnswer {
  const { code, message, retryAfterMs } = error;
  return {
    status: STATUS[code],
    body: { error: message, code, ...(retryAfterMs !== undefined && { retryAfterMs }) },
    ...(retryAfterMs !== undefined && { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) }),
  };
}

const BodySchema = v.record(v.string(), v.unknown());

/** A POST body as the `message` frame a socket would send: JSON text, or the refusal. */
export function messageFrameOf(body: string): string | ErrorFrame {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return errorFrame('bad_json', 'body is not valid JSON');
  }
  if (!v.is(BodySchema, json) || Array.isArray(json)) {
    return errorFrame('bad_frame', 'body must be a JSON object');
  }
  // `type` is the API's to set: a body can't turn itself into another frame.
  return JSON.stringify({ ...json, type: 'message' });
}

const NUMBER = /^\d{1,16}$/;

/**
 * A GET's query as the frame of that type (`history` or `search`), checked by the frame's own
 * schema; numbers must be plain non-negative integers. Unknown parameters are refused.
 */
export function queryFrame<T extends 'history' | 'search'>(
  type: T,
  params: Record<string, string>,
  allowed: readonly string[],
): Extract<ClientFrame, { type: T }> | ErrorFrame {
  const frame: Record<string, unknown> = { type };
  for (const [name, value] of Object.entries(params)) {
    // The client's own parameter name is not echoed back: the allowed ones are named instead.
    if (!allowed.includes(name)) {
      return errorFrame('bad_frame', `unknown query parameter: use ${allowed.join(', ')}`);
    }
    if (name === 'q') frame.query = value;
    else if (NUMBER.test(value)) frame[name] = Number(value);
    else return errorFrame('bad_frame', `${name} must be a non-negative integer`);
  }
  const parsed = parseClientFrame(JSON.stringify(frame));
  if (!parsed.ok) return parsed.error;
  return isOfType(parsed.frame, type) ? parsed.frame : errorFrame('bad_frame', 'bad query');
}

function isOfType<T extends ClientFrame['type']>(
  frame: ClientFrame,
  type: T,
): frame is Extract<ClientFrame, { type: T }> {
  return frame.type === type;
}
