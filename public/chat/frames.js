// @ts-check
// Server frames become typed here and nowhere else: parseServerFrame narrows what came off the
// wire from `unknown`, field by field, into the ServerFrame union. It accepts exactly what the
// server's own schema (src/protocol.ts) accepts and, like it, keeps only the fields the contract
// names (test/parity.test.ts holds the two together). The contract in words is docs/protocol.md.
import { ERROR_CODES, ROLES } from './rules.js';

/** @typedef {{ id: string, name: string }} User */
/** @typedef {(typeof ROLES)[number]} Role */
/** @typedef {{ slowModeSeconds: number, readOnly: boolean }} RoomSettings */
/** @typedef {{ emoji: string, count: number, users: string[] }} Reaction */
/**
 * The message a reply answers, as it is now: an excerpt, or `deleted` once it is gone.
 * @typedef {{ id: number, user: User, text: string } | { id: number, deleted: true }} Reply
 */
/**
 * A stored chat message in its current state, as broadcast and as found in history (server ->
 * client). `seq` numbers its latest change (its `id` until it changes). The sender's own copy,
 * which carries its `clientId`, is the acknowledgement.
 * @typedef {{ type: 'message', id: number, seq: number, user: User, text: string, ts: number, clientId?: string, reply?: Reply, editedAt?: number, deleted?: true, reactions?: Reaction[] }} ChatMessage
 */
/**
 * The first frame on every connection: who we are and may do, who is here, a page of messages
 * (the latest ones, or the changes after the URL's `after`, with `pruned` when some are gone),
 * and `seq`, the room's latest change.
 * @typedef {{ type: 'welcome', user: User, room: string, members: User[], memberCount: number, messages: ChatMessage[], hasMore: boolean, pruned?: true, seq: number, role: Role, settings: RoomSettings, mutedUntil?: number, readUpTo: number }} WelcomeFrame
 */
/** @typedef {{ type: 'update', message: ChatMessage }} UpdateFrame */
/** @typedef {{ type: 'join', user: User, ts: number }} JoinFrame */
/** @typedef {{ type: 'leave', user: User, ts: number }} LeaveFrame */
/** @typedef {{ type: 'presence', count: number }} PresenceFrame */
/**
 * A page of stored messages, oldest first; answering `after`, `pruned` as in the welcome.
 * @typedef {{ type: 'history', messages: ChatMessage[], hasMore: boolean, hasNewer?: boolean, pruned?: true }} HistoryFrame
 */
/** @typedef {{ type: 'typing', user: User }} TypingFrame */
/** @typedef {(typeof ERROR_CODES)[number]} ErrorCode */
/**
 * The last frame was refused; the connection stays open. `clientId` names a refused message,
 * `id` the message a refused change named.
 * @typedef {{ type: 'error', code: ErrorCode, message: string, clientId?: string, id?: number, retryAfterMs?: number }} ErrorFrame
 */
/** @typedef {{ type: 'pong' }} PongFrame */
/** @typedef {{ type: 'purged', userId: string, seq: number }} PurgedFrame */
/** @typedef {(typeof MODERATION_ACTIONS)[number]} ModerationAction */
/** @typedef {{ type: 'moderation', action: ModerationAction, target: { id: string, name?: string }, by: User, until?: number, role?: Role, reason?: string }} ModerationFrame */
/** @typedef {{ type: 'banned', until?: number, reason?: string }} BannedFrame */
/** @typedef {{ type: 'settings', slowModeSeconds: number, readOnly: boolean, by: User }} SettingsFrame */
/** @typedef {{ userId: string, until?: number, by: User, reason?: string }} Ban */
/** @typedef {{ type: 'bans', bans: Ban[] }} BansFrame */
/** @typedef {{ type: 'read', id: number }} ReadFrame */
/** @typedef {{ type: 'search', query: string, messages: ChatMessage[], hasMore: boolean }} SearchFrame */
/**
 * Every frame the server sends, told apart by `type`.
 * @typedef {WelcomeFrame | ChatMessage | UpdateFrame | JoinFrame | LeaveFrame | PresenceFrame | HistoryFrame | TypingFrame | ErrorFrame | PongFrame | PurgedFrame | ModerationFrame | BannedFrame | SettingsFrame | BansFrame | ReadFrame | SearchFrame} ServerFrame
 */
/** @typedef {{ ok: true, frame: ServerFrame } | { ok: false, error: string }} ServerFrameResult */

/** @typedef {{ type: 'message', text: string, clientId?: string, replyTo?: number }} SendFrame */
/**
 * A page of stored messages: back by id (`before`), the changes after a `seq` (`after`), around
 * an id (`around`) or forward by id (`afterId`); exactly one of the four.
 * @typedef {{ type: 'history', before: number, limit?: number }
 *   | { type: 'history', after: number, limit?: number }
 *   | { type: 'history', around: number, limit?: number }
 *   | { type: 'history', afterId: number, limit?: number }} HistoryRequest
 */
/**
 * A change to a stored message: its text (one's own), a delete (one's own, or any as a
 * moderator), one's reaction added or taken back.
 * @typedef {{ type: 'edit', id: number, text: string }
 *   | { type: 'delete', id: number }
 *   | { type: 'react', id: number, emoji: string, on: boolean }} ChangeFrame
 */
/**
 * What only moderators (and the owner: `role`) may send.
 * @typedef {{ type: 'mute', userId: string, seconds: number }
 *   | { type: 'ban', userId: string, seconds?: number, purge?: boolean, reason?: string }
 *   | { type: 'unban', userId: string }
 *   | { type: 'bans' }
 *   | { type: 'settings', slowModeSeconds?: number, readOnly?: boolean }
 *   | { type: 'role', userId: string, role: 'moderator' | 'member' }} ModerationRequest
 */
/**
 * Every frame this library sends (client -> server). The heartbeat travels as rules.js's
 * PING_FRAME, exactly those bytes.
 * @typedef {SendFrame | HistoryRequest | ChangeFrame | ModerationRequest
 *   | { type: 'typing' }
 *   | { type: 'ping' }
 *   | { type: 'read', id: number }
 *   | { type: 'search', query: string, before?: number, limit?: number }} ClientFrame
 */

const MODERATION_ACTIONS = /** @type {const} */ (['mute', 'unmute', 'ban', 'unban', 'role']);

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
    case 'welcome':
      return toWelcome(d);
    case 'message':
      return toMessage(d);
    case 'update': {
      const message = toMessage(d.message);
      return message ? { type: 'update', message } : null;
    }
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
    case 'history':
      return toHistory(d);
    case 'typing': {
      const user = toUser(d.user);
      return user ? { type: 'typing', user } : null;
    }
    case 'error':
      return toError(d);
    case 'pong':
      return { type: 'pong' };
    case 'purged':
      if (!isString(d.userId) || !isNumber(d.seq)) return null;
      return { type: 'purged', userId: d.userId, seq: d.seq };
    case 'moderation':
      return toModeration(d);
    case 'banned': {
      if (!valid(d, { until: isNumber, reason: isString })) return null;
      /** @type {BannedFrame} */
      const banned = { type: 'banned' };
      if (isNumber(d.until)) banned.until = d.until;
      if (isString(d.reason)) banned.reason = d.reason;
      return banned;
    }
    case 'settings': {
      const by = toUser(d.by);
      if (!by || !isNumber(d.slowModeSeconds) || !isBoolean(d.readOnly)) return null;
      return { type: 'settings', slowModeSeconds: d.slowModeSeconds, readOnly: d.readOnly, by };
    }
    case 'bans': {
      const bans = listOf(d.bans, toBan);
      return bans ? { type: 'bans', bans } : null;
    }
    case 'read':
      return isNumber(d.id) ? { type: 'read', id: d.id } : null;
    case 'search': {
      const messages = listOf(d.messages, toMessage);
      if (!messages || !isString(d.query) || !isBoolean(d.hasMore)) return null;
      return { type: 'search', query: d.query, messages, hasMore: d.hasMore };
    }
    default:
      return null;
  }
}

/** @param {Record<string, unknown>} d @returns {WelcomeFrame | null} */
function toWelcome(d) {
  const user = toUser(d.user);
  const members = listOf(d.members, toUser);
  const messages = listOf(d.messages, toMessage);
  const role = ROLES.find((known) => known === d.role);
  const settings = toSettings(d.settings);
  if (!user || !members || !messages || !role || !settings || !isString(d.room)) return null;
  const { memberCount, hasMore, seq, readUpTo } = d;
  if (!isNumber(memberCount) || !isBoolean(hasMore) || !isNumber(seq) || !isNumber(readUpTo))
    return null;
  if (!valid(d, { pruned: isTrue, mutedUntil: isNumber })) return null;
  /** @type {WelcomeFrame} */
  const welcome = {
    type: 'welcome',
    user,
    room: d.room,
    members,
    memberCount,
    messages,
    hasMore,
    seq,
    role,
    settings,
    readUpTo,
  };
  if (d.pruned === true) welcome.pruned = true;
  if (isNumber(d.mutedUntil)) welcome.mutedUntil = d.mutedUntil;
  return welcome;
}

/** @param {Record<string, unknown>} d @returns {HistoryFrame | null} */
function toHistory(d) {
  const messages = listOf(d.messages, toMessage);
  if (!messages || !isBoolean(d.hasMore)) return null;
  if (!valid(d, { hasNewer: isBoolean, pruned: isTrue })) return null;
  /** @type {HistoryFrame} */
  const page = { type: 'history', messages, hasMore: d.hasMore };
  if (isBoolean(d.hasNewer)) page.hasNewer = d.hasNewer;
  if (d.pruned === true) page.pruned = true;
  return page;
}

/** @param {Record<string, unknown>} d @returns {ErrorFrame | null} */
function toError(d) {
  const code = ERROR_CODES.find((known) => known === d.code);
  if (!code || !isString(d.message)) return null;
  if (!valid(d, { clientId: isString, id: isNumber, retryAfterMs: isNumber })) return null;
  /** @type {ErrorFrame} */
  const error = { type: 'error', code, message: d.message };
  if (isString(d.clientId)) error.clientId = d.clientId;
  if (isNumber(d.id)) error.id = d.id;
  if (isNumber(d.retryAfterMs)) error.retryAfterMs = d.retryAfterMs;
  return error;
}

/** @param {unknown} value @returns {ChatMessage | null} */
function toMessage(value) {
  if (!isRecord(value) || value.type !== 'message') return null;
  const user = toUser(value.user);
  const { id, seq, text, ts } = value;
  if (!user || !isNumber(id) || !isNumber(seq) || !isString(text) || !isNumber(ts)) return null;
  const reply = isAbsent(value, 'reply') ? undefined : toReply(value.reply);
  const reactions = isAbsent(value, 'reactions') ? undefined : listOf(value.reactions, toReaction);
  if (reply === null || reactions === null) return null;
  if (!valid(value, { clientId: isString, editedAt: isNumber, deleted: isTrue })) return null;
  /** @type {ChatMessage} */
  const message = { type: 'message', id, seq, user, text, ts };
  if (isString(value.clientId)) message.clientId = value.clientId;
  if (reply) message.reply = reply;
  if (isNumber(value.editedAt)) message.editedAt = value.editedAt;
  if (value.deleted === true) message.deleted = true;
  if (reactions) message.reactions = reactions;
  return message;
}

// A union, as the server's schema has it: the first shape that fits, with only its fields.
/** @param {unknown} value @returns {Reply | null} */
function toReply(value) {
  if (!isRecord(value) || !isNumber(value.id)) return null;
  const user = toUser(value.user);
  if (user && isString(value.text)) return { id: value.id, user, text: value.text };
  return value.deleted === true ? { id: value.id, deleted: true } : null;
}

/** @param {unknown} value @returns {Reaction | null} */
function toReaction(value) {
  if (!isRecord(value) || !isString(value.emoji) || !isNumber(value.count)) return null;
  const users = listOf(value.users, (id) => (isString(id) ? id : null));
  return users ? { emoji: value.emoji, count: value.count, users } : null;
}

/** @param {Record<string, unknown>} d @returns {ModerationFrame | null} */
function toModeration(d) {
  const action = MODERATION_ACTIONS.find((known) => known === d.action);
  const by = toUser(d.by);
  const target = d.target;
  if (!action || !by || !isRecord(target) || !isString(target.id)) return null;
  const role = isAbsent(d, 'role') ? undefined : ROLES.find((known) => known === d.role);
  if (!isAbsent(d, 'role') && !role) return null;
  if (!valid(target, { name: isString }) || !valid(d, { until: isNumber, reason: isString }))
    return null;
  /** @type {ModerationFrame['target']} */
  const who = { id: target.id };
  if (isString(target.name)) who.name = target.name;
  /** @type {ModerationFrame} */
  const frame = { type: 'moderation', action, target: who, by };
  if (isNumber(d.until)) frame.until = d.until;
  if (role) frame.role = role;
  if (isString(d.reason)) frame.reason = d.reason;
  return frame;
}

/** @param {unknown} value @returns {Ban | null} */
function toBan(value) {
  if (!isRecord(value) || !isString(value.userId)) return null;
  const by = toUser(value.by);
  if (!by || !valid(value, { until: isNumber, reason: isString })) return null;
  /** @type {Ban} */
  const ban = { userId: value.userId, by };
  if (isNumber(value.until)) ban.until = value.until;
  if (isString(value.reason)) ban.reason = value.reason;
  return ban;
}

/** @param {unknown} value @returns {RoomSettings | null} */
function toSettings(value) {
  if (!isRecord(value) || !isNumber(value.slowModeSeconds) || !isBoolean(value.readOnly))
    return null;
  return { slowModeSeconds: value.slowModeSeconds, readOnly: value.readOnly };
}

/** @param {unknown} value @returns {User | null} */
function toUser(value) {
  if (!isRecord(value) || !isString(value.id) || !isString(value.name)) return null;
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
 * Whether each optional field is absent or valid (present with `null` is as wrong as a bad value).
 * @param {Record<string, unknown>} record
 * @param {Record<string, (value: unknown) => boolean>} checks
 */
function valid(record, checks) {
  return Object.entries(checks).every(
    ([key, isValid]) => isAbsent(record, key) || isValid(record[key]),
  );
}

/** Whether an optional field is absent (as valibot has it: missing, or undefined). */
function isAbsent(/** @type {Record<string, unknown>} */ record, /** @type {string} */ key) {
  return !(key in record) || record[key] === undefined;
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

/** @param {unknown} value @returns {value is boolean} */
function isBoolean(value) {
  return typeof value === 'boolean';
}

/** @param {unknown} value @returns {value is true} */
function isTrue(value) {
  return value === true;
}

/** @param {unknown} type */
function describe(type) {
  return typeof type === 'string' ? `"${type.slice(0, 40)}" frame` : 'frame (no type)';
}
