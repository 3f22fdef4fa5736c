// @ts-check
// Server frames become typed here and nowhere else: parseServerFrame narrows what came off the
// wire from `unknown`, field by field, into the ServerFrame union. It accepts exactly what the
// server's own schema (src/protocol.ts) accepts and, like it, keeps only the fields the contract
// names (test/parity.test.ts holds the two together). The contract in words is docs/protocol.md.
import { ERROR_CODES } from './rules.js';

/** @typedef {{ id: string, name: string }} User */
/**
 * A stored chat message, as broadcast and as found in history (server -> client). The sender's
 * own copy, which carries its `clientId`, is the acknowledgement.
 * @typedef {{ type: 'message', id: number, user: User, text: string, ts: number, clientId?: string }} ChatMessage
 */
/**
 * The first frame on every connection: who we are, who is here and a page of messages (the latest
 * ones, or those after the URL's `after`, with `pruned` when some of those are gone), and `seq`,
 * the room's latest change.
 * @typedef {{ type: 'welcome', user: User, room: string, members: User[], memberCount: number, messages: ChatMessage[], hasMore: boolean, pruned?: true, seq: number }} WelcomeFrame
 */
/** @typedef {{ type: 'join' | 'leave', user: User, ts: number }} PresenceChange */
/** @typedef {{ type: 'join', user: User, ts: number }} JoinFrame */
/** @typedef {{ type: 'leave', user: User, ts: number }} LeaveFrame */
/** @typedef {{ type: 'presence', count: number }} PresenceFrame */
/**
 * A page of stored messages, oldest first; answering `after`, `pruned` as in the welcome.
 * @typedef {{ type: 'history', messages: ChatMessage[], hasMore: boolean, pruned?: true }} HistoryFrame
 */
/** @typedef {{ type: 'typing', user: User }} TypingFrame */
/** @typedef {(typeof ERROR_CODES)[number]} ErrorCode */
/**
 * The last frame was refused; the connection stays open. `clientId` names the refused message.
 * @typedef {{ type: 'error', code: ErrorCode, message: string, clientId?: string, retryAfterMs?: number }} ErrorFrame
 */
/** @typedef {{ type: 'pong' }} PongFrame */
/**
 * Every frame the server sends, told apart by `type`.
 * @typedef {WelcomeFrame | ChatMessage | JoinFrame | LeaveFrame | PresenceFrame | HistoryFrame | TypingFrame | ErrorFrame | PongFrame} ServerFrame
 */
/** @typedef {{ ok: true, frame: ServerFrame } | { ok: false, error: string }} ServerFrameResult */

/**
 * Every frame a client sends (client -> server). The heartbeat travels as rules.js's PING_FRAME.
 * @typedef {{ type: 'message', text: string, clientId?: string }
 *   | { type: 'history', before: number, limit?: number }
 *   | { type: 'history', after: number, limit?: number }
 *   | { type: 'typing' }} ClientFrame
 */

/**
 * One text frame from the server as a typed frame, or why it is not one (not JSON, an unknown
 * `type`, a field missing or of the wrong type). Fields the contract doesn't name are dropped.
 * @param {string} raw
 * @returns {ServerFrameResult}
 */
export function parseServerFrame(raw) {
  /** @type {unknown} */ let data;
  try {
    data = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  if (!isRecord(data)) return { ok: false, error: 'not a JSON object' };
  const frame = narrow(data);
  return frame ? { ok: true, frame } : { ok: false, error: `not a valid ${describe(data.type)}` };
}

/** @param {Record<string, unknown>} d @returns {ServerFrame | null} */
function narrow(d) {
  switch (d.type) {
    case 'welcome': {
      const user = toUser(d.user);
      const members = listOf(d.members, toUser);
      const messages = listOf(d.messages, toMessage);
      if (!user || !members || !messages || typeof d.room !== 'string') return null;
      if (!isNumber(d.memberCount) || typeof d.hasMore !== 'boolean' || !isNumber(d.seq))
        return null;
      if (!optional(d, 'pruned', isTrue)) return null;
      /** @type {WelcomeFrame} */
      const welcome = {
        type: 'welcome',
        user,
        room: d.room,
        members,
        memberCount: d.memberCount,
        messages,
        hasMore: d.hasMore,
        seq: d.seq,
      };
      if (d.pruned === true) welcome.pruned = true;
      return welcome;
    }
    case 'message':
      return toMessage(d);
    case 'join':
    case 'leave': {
      const user = toUser(d.user);
      if (!user || !isNumber(d.ts)) return null;
      return d.type === 'join'
        ? { type: 'join', user, ts: d.ts }
        : { type: 'leave', user, ts: d.ts };
    }
    case 'presence':
      return isNumber(d.count) ? { type: 'presence', count: d.count } : null;
    case 'history': {
      const messages = listOf(d.messages, toMessage);
      if (!messages || typeof d.hasMore !== 'boolean' || !optional(d, 'pruned', isTrue))
        return null;
      /** @type {HistoryFrame} */
      const page = { type: 'history', messages, hasMore: d.hasMore };
      if (d.pruned === true) page.pruned = true;
      return page;
    }
    case 'typing': {
      const user = toUser(d.user);
      return user ? { type: 'typing', user } : null;
    }
    case 'error': {
      const code = ERROR_CODES.find((known) => known === d.code);
      if (!code || typeof d.message !== 'string') return null;
      if (!optional(d, 'clientId', isString) || !optional(d, 'retryAfterMs', isNumber)) return null;
      /** @type {ErrorFrame} */
      const error = { type: 'error', code, message: d.message };
      if (typeof d.clientId === 'string') error.clientId = d.clientId;
      if (isNumber(d.retryAfterMs)) error.retryAfterMs = d.retryAfterMs;
      return error;
    }
    case 'pong':
      return { type: 'pong' };
    default:
      return null;
  }
}

/** @param {unknown} value @returns {ChatMessage | null} */
function toMessage(value) {
  if (!isRecord(value) || value.type !== 'message') return null;
  const user = toUser(value.user);
  const { id, text, ts, clientId } = value;
  if (!user || !isNumber(id) || typeof text !== 'string' || !isNumber(ts)) return null;
  if (!optional(value, 'clientId', isString)) return null;
  /** @type {ChatMessage} */
  const message = { type: 'message', id, user, text, ts };
  if (typeof clientId === 'string') message.clientId = clientId;
  return message;
}

/** @param {unknown} value @returns {User | null} */
function toUser(value) {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.name !== 'string')
    return null;
  return { id: value.id, name: value.name };
}

/**
 * Every item narrowed, or null if any one isn't valid.
 * @template T
 * @param {unknown} value
 * @param {(item: unknown) => T | null} toItem
 * @returns {T[] | null}
 */
function listOf(value, toItem) {
  if (!Array.isArray(value)) return null;
  /** @type {T[]} */ const items = [];
  for (const item of value) {
    const narrowed = toItem(item);
    if (narrowed === null) return null;
    items.push(narrowed);
  }
  return items;
}

/**
 * An optional field is either absent or valid; present with `null` is as wrong as a bad value.
 * @param {Record<string, unknown>} record
 * @param {string} key
 * @param {(value: unknown) => boolean} isValid
 */
function optional(record, key, isValid) {
  return !(key in record) || record[key] === undefined || isValid(record[key]);
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** @param {unknown} value @returns {value is true} */
function isTrue(value) {
  return value === true;
}

/** @param {unknown} value @returns {value is string} */
function isString(value) {
  return typeof value === 'string';
}

// Any number but NaN, as the server's schema has it (JSON can't carry NaN, but 1e999 is Infinity).
/** @param {unknown} value @returns {value is number} */
function isNumber(value) {
  return typeof value === 'number' && !Number.isNaN(value);
}

/** @param {unknown} type */
function describe(type) {
  return typeof type === 'string' ? `"${type.slice(0, 40)}" frame` : 'frame (no type)';
}
