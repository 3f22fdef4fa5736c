/** Frames larger than this many UTF-8 bytes are refused before they are parsed. */
export declare const MAX_FRAME_BYTES: number;
/** Longest message text, in Unicode code points, after trimming. */
export declare const MAX_TEXT_LENGTH = 2000;
/** Longest display name, in code points, after normalisation. */
export declare const MAX_NAME_LENGTH = 32;
/** Longest user id (`sub`) a token may carry; it also becomes a WebSocket tag (max 256). */
export declare const MAX_USER_ID_LENGTH = 128;
/** Messages in `welcome` on a fresh join, and the default `history` page. */
export declare const WELCOME_MESSAGES = 50;
/** Messages in `welcome` when resuming with `after`, and the largest `history` page. */
export declare const MAX_PAGE = 100;
/** A connection refused this many times for rate within a minute is closed with 1008. */
export declare const MAX_RATE_REFUSALS_PER_MINUTE = 50;
/** Open sockets one user may hold in one room (tabs, devices). */
export declare const MAX_SOCKETS_PER_USER = 10;
/** How often clients send `ping`; a socket silent for two periods is treated as gone. */
export declare const HEARTBEAT_INTERVAL_MS = 30000;
/**
 * The heartbeat, client -> server, exactly these 15 bytes. The runtime's auto-response compares
 * the whole frame, so only this spelling is answered without waking a hibernated room.
 */
export declare const PING_FRAME = "{\"type\":\"ping\"}";
/** The heartbeat's answer, server -> client. */
export declare const PONG_FRAME = "{\"type\":\"pong\"}";
/** Close codes, server -> client. 1008 and 1009 are final: retrying would be refused again. */
export declare const CLOSE_NORMAL = 1000;
export declare const CLOSE_POLICY = 1008;
export declare const CLOSE_TOO_BIG = 1009;
export declare const CLOSE_SERVER_ERROR = 1011;
/** The `code` of an `error` frame, server -> client. */
export declare const ERROR_CODES: readonly ['bad_json', 'bad_frame', 'too_long', 'empty', 'rate_limited', 'forbidden', 'not_found'];
/** A member's place in a room, from most to least rights. */
export declare const ROLES: readonly ['owner', 'moderator', 'member'];
/** Longest mute, in seconds (a week); 0 lifts a mute. */
export declare const MAX_MUTE_SECONDS: number;
/** Longest timed ban, in seconds (a year); a ban without `seconds` is permanent. */
export declare const MAX_BAN_SECONDS: number;
/** Longest slow mode, in seconds (an hour); 0 turns it off. */
export declare const MAX_SLOW_MODE_SECONDS = 3600;
/** Longest ban reason, in code points (the rules of message text otherwise). */
export declare const MAX_REASON_LENGTH = 200;
/** Longest search query, in code points. */
export declare const MAX_SEARCH_QUERY_LENGTH = 200;
/** Search results per page: the default and the most. */
export declare const SEARCH_PAGE = 20;
export declare const MAX_SEARCH_PAGE = 50;
/** The words of a search query, in order (a query with none is refused). */
export declare function searchWords(/** @type {string} */ query: string): RegExpMatchArray | [];
/** Room patterns a token's `rooms` or `mod` claim may list. */
export declare const MAX_ROOM_PATTERNS = 50;
/** Code points of the answered message that a reply's `reply.text` excerpt carries. */
export declare const REPLY_EXCERPT_LENGTH = 100;
/** Different reactions one message may carry; a 21st is refused. */
export declare const MAX_REACTIONS_PER_MESSAGE = 20;
/** Longest reaction, in code points (flags and skin-tone sequences take several). */
export declare const MAX_EMOJI_LENGTH = 16;
/** User ids a reaction lists in `users` (the earliest); `count` counts them all. */
export declare const REACTION_USERS_LISTED = 20;
/** 1–64 of `a-z 0-9 _ -`, starting with a letter or digit; compared lower-cased. */
export declare const ROOM_NAME: RegExp;
/** A message's `clientId`: 1–64 of `A-Z a-z 0-9 _ -`. */
export declare const CLIENT_ID: RegExp;
/** C0 and C1 controls and DEL, except tab, LF and CR, which messages may carry. */
export declare const TEXT_FORBIDDEN: RegExp;
/**
 * A bidi control: the embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the
 * marks U+200E, U+200F and U+061C. Names refuse them; a page ends a link at one, so that no link
 * reorders its own text.
 */
export declare const BIDI_CONTROL: RegExp;
/** Length in Unicode code points, which is how the contract counts characters. */
export declare function codePointLength(/** @type {string} */ text: string): number;
/** UTF-8 size of `text` in bytes, without allocating an encoded copy. */
export declare function utf8ByteLength(/** @type {string} */ text: string): number;
/**
 * The canonical (lower-case) room name, or `null` when `raw` breaks the room-name rule.
 * @param {string | undefined | null} raw
 */
export declare function parseRoomName(raw: string | undefined | null): string | null;
/** Whether `value` is a valid `clientId`. @returns {value is string} */
export declare function isClientId(/** @type {unknown} */ value: unknown): value is string;
/**
 * Whether `value` may be a reaction: 1–16 code points, well-formed, no whitespace, control or
 * invisible formatting characters but the joiners emoji need.
 * @returns {value is string}
 */
export declare function isReaction(/** @type {unknown} */ value: unknown): value is string;
export type NameResult = {
    ok: true;
    name: string;
} | {
    ok: false;
    error: string;
    reason: 'type' | 'malformed' | 'empty' | 'too_long' | 'forbidden';
};
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
export declare function parseDisplayName(raw: unknown): NameResult;
