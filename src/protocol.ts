// The wire contract (../shared/PROTOCOL.md) as code: limits, one schema per frame, and the parse
// functions that turn untrusted input into typed values. No Workers-only APIs here, so the
// browser client (through JSDoc), the tests and the benchmark can share these types.
import * as v from 'valibot';

/** Frames larger than this many UTF-8 bytes are refused before they are parsed. */
export const MAX_FRAME_BYTES = 16 * 1024;
/** Longest message text, in Unicode code points, after trimming. */
export const MAX_TEXT_LENGTH = 2000;
/** Longest display name, in code points, after normalisation. */
export const MAX_NAME_LENGTH = 32;
/** Longest user id (`sub`) we accept in a token; it also becomes a WebSocket tag (max 256). */
export const MAX_USER_ID_LENGTH = 128;
/** Messages in `welcome` on a fresh join, and the default `history` page. */
export const WELCOME_MESSAGES = 50;
/** Messages in `welcome` when resuming with `after=<id>`, and the largest `history` page. */
export const MAX_PAGE = 100;
/** A connection refused this many times for rate within a minute is closed with 1008. */
export const MAX_RATE_REFUSALS_PER_MINUTE = 50;
/** Open sockets one user may hold in one room (tabs, devices). */
export const MAX_SOCKETS_PER_USER = 10;
/** How often clients send `ping`; a socket silent for two periods is treated as gone. */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/**
 * The exact heartbeat text. The runtime's auto-response compares the whole frame, so only this
 * spelling is answered without waking a hibernated room.
 */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

/** WebSocket close codes the room uses. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_POLICY = 1008;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_SERVER_ERROR = 1011;

const ROOM_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
// C0 and C1 controls and DEL, except tab, LF and CR which messages may carry.
const TEXT_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// Names also refuse bidi controls and invisible characters that let one person pass for another.
const NAME_FORBIDDEN =
  /[\u0000-\u001F\u007F-\u009F\u061C\u200B\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/;
// JavaScript's \s minus U+FEFF, which names refuse rather than trim away.
const NAME_SPACE_RUN = /[^\S\uFEFF]+/g;
const NAME_EDGE_SPACE = /^[^\S\uFEFF]+|[^\S\uFEFF]+$/g;

/** Length in Unicode code points, which is how the contract counts characters. */
export function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** UTF-8 size of a frame in bytes, without allocating an encoded copy. */
export function utf8ByteLength(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // Surrogate halves count 2 bytes each (a pair is 4); BMP code points above 0x7F take 2 or 3.
    if (unit > 0x7f) bytes += unit > 0x7ff && (unit < 0xd800 || unit > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

/** The canonical (lower-case) room name, or `null` when `raw` is not 1–64 of `a-z 0-9 _ -`. */
export function parseRoomName(raw: string | undefined): string | null {
  return raw !== undefined && ROOM_NAME.test(raw) ? raw.toLowerCase() : null;
}

export type NameResult = { ok: true; name: string } | { ok: false; error: string };

/** Normalises a display name (NFC, whitespace collapsed and trimmed) and checks the contract's rules. */
export function parseDisplayName(raw: unknown): NameResult {
  if (typeof raw !== 'string') return { ok: false, error: 'name must be a string' };
  if (!raw.isWellFormed()) return { ok: false, error: 'name is not well-formed Unicode' };
  const name = raw.normalize('NFC').replace(NAME_SPACE_RUN, ' ').replace(NAME_EDGE_SPACE, '');
  const length = codePointLength(name);
  if (length === 0) return { ok: false, error: 'name is empty' };
  if (length > MAX_NAME_LENGTH)
    return { ok: false, error: `name is longer than ${MAX_NAME_LENGTH} characters` };
  if (NAME_FORBIDDEN.test(name))
    return { ok: false, error: 'name contains control or invisible formatting characters' };
  return { ok: true, name };
}

// Check messages double as markers for the contract's specific error codes (see codeOf below).
const TEXT_EMPTY = 'text is empty';
const TEXT_TOO_LONG = `text is longer than ${MAX_TEXT_LENGTH} characters`;

const MessageText = v.pipe(
  v.string(),
  v.check((text) => text.isWellFormed(), 'text is not well-formed Unicode'),
  v.check((text) => !TEXT_FORBIDDEN.test(text), 'text contains control characters'),
  v.trim(),
  v.check((text) => text.length > 0, TEXT_EMPTY),
  // A string has at most as many code points as UTF-16 units: most texts are decided without counting.
  v.check(
    (text) => text.length <= MAX_TEXT_LENGTH || codePointLength(text) <= MAX_TEXT_LENGTH,
    TEXT_TOO_LONG,
  ),
);
const ClientId = v.pipe(v.string(), v.regex(CLIENT_ID, 'clientId must be 1-64 of A-Z a-z 0-9 _ -'));
const MessageId = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

/** `{"type":"message","text","clientId"?}`: send a chat message. Unknown fields are dropped. */
export const SendMessageFrame = v.object({
  type: v.literal('message'),
  text: MessageText,
  clientId: v.optional(ClientId),
});
/** `{"type":"history","before"|"after","limit"?}`: ask for a page of stored messages. */
export const HistoryRequestFrame = v.pipe(
  v.object({
    type: v.literal('history'),
    before: v.optional(MessageId),
    after: v.optional(MessageId),
    limit: v.optional(
      v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(MAX_PAGE)),
      WELCOME_MESSAGES,
    ),
  }),
  v.check(
    (frame) => (frame.before === undefined) !== (frame.after === undefined),
    'give exactly one of before and after',
  ),
);
export const TypingFrame = v.object({ type: v.literal('typing') });
export const PingFrame = v.object({ type: v.literal('ping') });

/** Every frame a client may send, told apart by `type`. */
export const ClientFrameSchema = v.variant(
  'type',
  [SendMessageFrame, HistoryRequestFrame, TypingFrame, PingFrame],
  'unknown frame type',
);
export type ClientFrame = v.InferOutput<typeof ClientFrameSchema>;
// The same schemas by `type`, for the hot path: v.variant allocates a closure and a Set on every
// call (about 5% of a room's CPU per message in a profile), but picks the same schema and returns
// its result unchanged. A frame without a known `type` still goes through the variant.
const FRAME_SCHEMAS = new Map<
  unknown,
  typeof SendMessageFrame | typeof HistoryRequestFrame | typeof TypingFrame | typeof PingFrame
>([
  ['message', SendMessageFrame],
  ['history', HistoryRequestFrame],
  ['typing', TypingFrame],
  ['ping', PingFrame],
]);

export const UserSchema = v.object({ id: v.string(), name: v.string() });
/** A person as the room knows them: the verified token's `sub` and `name`. */
export type User = v.InferOutput<typeof UserSchema>;

export const ChatMessageSchema = v.object({
  type: v.literal('message'),
  id: v.number(),
  user: UserSchema,
  text: v.string(),
  ts: v.number(),
  clientId: v.optional(v.string()),
});
/** A stored chat message as broadcast and as found in history. */
export type ChatMessage = v.InferOutput<typeof ChatMessageSchema>;

export const ERROR_CODES = ['bad_json', 'bad_frame', 'too_long', 'empty', 'rate_limited'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Every frame the server sends. The server builds these itself; tests and clients validate with it. */
export const ServerFrameSchema = v.variant('type', [
  v.object({
    type: v.literal('welcome'),
    user: UserSchema,
    room: v.string(),
    members: v.array(UserSchema),
    memberCount: v.number(),
    messages: v.array(ChatMessageSchema),
    hasMore: v.boolean(),
    pruned: v.optional(v.literal(true)),
  }),
  ChatMessageSchema,
  v.object({ type: v.literal('join'), user: UserSchema, ts: v.number() }),
  v.object({ type: v.literal('leave'), user: UserSchema, ts: v.number() }),
  v.object({ type: v.literal('presence'), count: v.number() }),
  v.object({
    type: v.literal('history'),
    messages: v.array(ChatMessageSchema),
    hasMore: v.boolean(),
  }),
  v.object({ type: v.literal('typing'), user: UserSchema }),
  v.object({
    type: v.literal('error'),
    code: v.picklist(ERROR_CODES),
    message: v.string(),
    clientId: v.optional(v.string()),
    retryAfterMs: v.optional(v.number()),
  }),
  v.object({ type: v.literal('pong') }),
]);
export type ServerFrame = v.InferOutput<typeof ServerFrameSchema>;
export type ErrorFrame = Extract<ServerFrame, { type: 'error' }>;

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; error: ErrorFrame };

/**
 * Turns one text frame into a typed `ClientFrame`, or the `error` frame to answer it with.
 * The caller has already checked the frame's size.
 */
export function parseClientFrame(raw: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return refuse('bad_json', 'frame is not valid JSON');
  }
  const schema =
    typeof json === 'object' && json !== null && 'type' in json
      ? FRAME_SCHEMAS.get(json.type)
      : undefined;
  const result = v.safeParse(schema ?? ClientFrameSchema, json);
  if (result.success) return { ok: true, frame: result.output };
  const clientId = clientIdOf(json);
  const issue = result.issues[0];
  const code = codeOf(issue.message);
  // Never echo the client's value back: name the field, not what was in it.
  const field = issue.path?.map((item) => String(item.key)).join('.');
  const message =
    code !== 'bad_frame' || issue.type === 'check' || issue.type === 'variant' || !field
      ? issue.message
      : `invalid or missing field "${field}"`;
  return refuse(code, message, clientId);
}

/** The frame's `clientId` when it is a valid one, so even a refusal can name the message it refuses. */
export function clientIdOf(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || !('clientId' in json)) return undefined;
  const id = json.clientId;
  return typeof id === 'string' && CLIENT_ID.test(id) ? id : undefined;
}

function codeOf(message: string): ErrorCode {
  if (message === TEXT_EMPTY) return 'empty';
  if (message === TEXT_TOO_LONG) return 'too_long';
  return 'bad_frame';
}

/** An `error` frame; `clientId` names the message it refuses, when there is one. */
export function errorFrame(code: ErrorCode, message: string, clientId?: string): ErrorFrame {
  return { type: 'error', code, message, ...(clientId ? { clientId } : {}) };
}

function refuse(
  code: ErrorCode,
  message: string,
  clientId?: string,
): { ok: false; error: ErrorFrame } {
  return { ok: false, error: errorFrame(code, message, clientId) };
}
