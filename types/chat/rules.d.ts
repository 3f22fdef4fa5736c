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
export declare const ERROR_CODES: readonly ['bad_json', 'bad_frame', 'too_long', 'empty', 'rate_limited'];
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
