// @ts-check
// The wire rules, in one place for both sides: the server (src/protocol.ts and
// src/client-frames.ts build their valibot schemas on these) and every client (the library and
// the page check them for UX only; the server is the authority). Plain JavaScript with no
// imports, so browsers, Node and bundlers load it unchanged. The contract in words is
// docs/protocol.md.

/** Frames larger than this many UTF-8 bytes are refused before they are parsed. */
export const MAX_FRAME_BYTES = 16 * 1024;
/** Longest message text, in Unicode code points, after trimming. */
export const MAX_TEXT_LENGTH = 2000;
/** Longest display name, in code points, after normalisation. */
export const MAX_NAME_LENGTH = 32;
/** Longest user id (`sub`) a token may carry; it also becomes a WebSocket tag (max 256). */
export const MAX_USER_ID_LENGTH = 128;
/** Messages in `welcome` on a fresh join, and the default `history` page. */
export const WELCOME_MESSAGES = 50;
/** Messages in `welcome` when resuming with `after`, and the largest `history` page. */
export const MAX_PAGE = 100;
/** A connection refused this many times for rate within a minute is closed with 1008. */
export const MAX_RATE_REFUSALS_PER_MINUTE = 50;
/** Open sockets one user may hold in one room (tabs, devices). */
export const MAX_SOCKETS_PER_USER = 10;
/** How often clients send `ping`; a socket silent for two periods is treated as gone. */
export const HEARTBEAT_INTERVAL_MS = 30_000;

/**
 * The heartbeat, client -> server, exactly these 15 bytes. The runtime's auto-response compares
 * the whole frame, so only this spelling is answered without waking a hibernated room.
 */
export const PING_FRAME = '{"type":"ping"}';
/** The heartbeat's answer, server -> client. */
export const PONG_FRAME = '{"type":"pong"}';

/** Close codes, server -> client. 1008 and 1009 are final: retrying would be refused again. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_POLICY = 1008;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_SERVER_ERROR = 1011;

/** The `code` of an `error` frame, server -> client. */
export const ERROR_CODES = /** @type {const} */ ([
  'bad_json',
  'bad_frame',
  'too_long',
  'empty',
  'rate_limited',
  'forbidden',
  'not_found',
]);

/** A member's place in a room, from most to least rights. */
export const ROLES = /** @type {const} */ (['owner', 'moderator', 'member']);
/** Longest mute, in seconds (a week); 0 lifts a mute. */
export const MAX_MUTE_SECONDS = 7 * 24 * 60 * 60;
/** Longest timed ban, in seconds (a year); a ban without `seconds` is permanent. */
export const MAX_BAN_SECONDS = 365 * 24 * 60 * 60;
/** Longest slow mode, in seconds (an hour); 0 turns it off. */
export const MAX_SLOW_MODE_SECONDS = 3600;
/** Longest ban reason, in code points (the rules of message text otherwise). */
export const MAX_REASON_LENGTH = 200;
/** Longest search query, in code points. */
export const MAX_SEARCH_QUERY_LENGTH = 200;
/** Search results per page: the default and the most. */
export const SEARCH_PAGE = 20;
export const MAX_SEARCH_PAGE = 50;
// A word is a run of letters and digits (with the marks that belong to them); anything else
// only separates words. Search never reads a query's own syntax: these are all it keeps.
const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

/** The words of a search query, in order (a query with none is refused). */
export function searchWords(/** @type {string} */ query) {
  return query.normalize('NFC').match(WORD) ?? [];
}

/** Room patterns a token's `rooms` or `mod` claim may list. */
export const MAX_ROOM_PATTERNS = 50;

/** Code points of the answered message that a reply's `reply.text` excerpt carries. */
export const REPLY_EXCERPT_LENGTH = 100;
/** Different reactions one message may carry; a 21st is refused. */
export const MAX_REACTIONS_PER_MESSAGE = 20;
/** Longest reaction, in code points (flags and skin-tone sequences take several). */
export const MAX_EMOJI_LENGTH = 16;
/** User ids a reaction lists in `users` (the earliest); `count` counts them all. */
export const REACTION_USERS_LISTED = 20;
// Whitespace, controls and invisible formatting characters (Cf), except the zero-width joiner and
// the tag characters that emoji sequences and subdivision flags are made of.
const EMOJI_FORBIDDEN = /[\s\p{Cc}]|(?![\u200D\u{E0020}-\u{E007F}])\p{Cf}/u;

/** 1–64 of `a-z 0-9 _ -`, starting with a letter or digit; compared lower-cased. */
export const ROOM_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
/** A message's `clientId`: 1–64 of `A-Z a-z 0-9 _ -`. */
export const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** C0 and C1 controls and DEL, except tab, LF and CR, which messages may carry. */
export const TEXT_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/**
 * A bidi control: the embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the
 * marks U+200E, U+200F and U+061C. Names refuse them; a page ends a link at one, so that no link
 * reorders its own text.
 */
export const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
// Names also refuse bidi controls and invisible characters that let one person pass for another.
const NAME_FORBIDDEN = new RegExp(
  `[\\u0000-\\u001F\\u007F-\\u009F\\u200B\\uFEFF]|${BIDI_CONTROL.source}`,
);
// JavaScript's \s minus U+FEFF, which names refuse rather than trim away.
const NAME_SPACE_RUN = /[^\S\uFEFF]+/g;
const NAME_EDGE_SPACE = /^[^\S\uFEFF]+|[^\S\uFEFF]+$/g;

/** Length in Unicode code points, which is how the contract counts characters. */
export function codePointLength(/** @type {string} */ text) {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** UTF-8 size of `text` in bytes, without allocating an encoded copy. */
export function utf8ByteLength(/** @type {string} */ text) {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // Surrogate halves count 2 bytes each (a pair is 4); BMP code points above 0x7F take 2 or 3.
    if (unit > 0x7f) bytes += unit > 0x7ff && (unit < 0xd800 || unit > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

/**
 * The canonical (lower-case) room name, or `null` when `raw` breaks the room-name rule.
 * @param {string | undefined | null} raw
 */
export function parseRoomName(raw) {
  return typeof raw === 'string' && ROOM_NAME.test(raw) ? raw.toLowerCase() : null;
}

/** Whether `value` is a valid `clientId`. @returns {value is string} */
export function isClientId(/** @type {unknown} */ value) {
  return typeof value === 'string' && CLIENT_ID.test(value);
}

/**
 * Whether `value` may be a reaction: 1–16 code points, well-formed, no whitespace, control or
 * invisible formatting characters but the joiners emoji need.
 * @returns {value is string}
 */
export function isReaction(/** @type {unknown} */ value) {
  if (typeof value !== 'string' || value.length === 0 || !value.isWellFormed()) return false;
  return codePointLength(value) <= MAX_EMOJI_LENGTH && !EMOJI_FORBIDDEN.test(value);
}

/**
 * @typedef {{ ok: true, name: string }
 *   | { ok: false, error: string, reason: 'type' | 'malformed' | 'empty' | 'too_long' | 'forbidden' }} NameResult
 */

/**
 * Normalises a display name (NFC, runs of whitespace collapsed to one space, trimmed) and checks
 * the rules: 1–32 code points, no control, bidi or invisible formatting characters.
 * @param {unknown} raw
 * @returns {NameResult}
 */
export function parseDisplayName(raw) {
  if (typeof raw !== 'string') return { ok: false, error: 'name must be a string', reason: 'type' };
  if (!raw.isWellFormed()) {
    return { ok: false, error: 'name is not well-formed Unicode', reason: 'malformed' };
  }
  const name = raw.normalize('NFC').replace(NAME_SPACE_RUN, ' ').replace(NAME_EDGE_SPACE, '');
  const length = codePointLength(name);
  if (length === 0) return { ok: false, error: 'name is empty', reason: 'empty' };
  if (length > MAX_NAME_LENGTH) {
    return {
      ok: false,
      error: `name is longer than ${MAX_NAME_LENGTH} characters`,
      reason: 'too_long',
    };
  }
  if (NAME_FORBIDDEN.test(name)) {
    return {
      ok: false,
      error: 'name contains control or invisible formatting characters',
      reason: 'forbidden',
    };
  }
  return { ok: true, name };
}
