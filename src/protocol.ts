// The wire contract (docs/protocol.md) as code: one valibot schema per frame, giving both its type
// and its validation, and the parse functions that turn untrusted input into typed values. The
// limits and name rules come from public/chat/rules.js, which the client library shares. No
// Workers-only APIs here, so the client (through JSDoc), the tests and the benchmark can use it.
import * as v from 'valibot';
import {
  CLIENT_ID,
  codePointLength,
  ERROR_CODES,
  isClientId,
  MAX_PAGE,
  MAX_TEXT_LENGTH,
  TEXT_FORBIDDEN,
  WELCOME_MESSAGES,
} from '../public/chat/rules.js';

export * from '../public/chat/rules.js';
export type { NameResult } from '../public/chat/rules.js';

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
    /** Some messages after the requested `after` are no longer retained. */
    pruned: v.optional(v.literal(true)),
    /** The room's latest change: the highest message id ever assigned (0 in an empty room). */
    seq: v.number(),
  }),
  ChatMessageSchema,
  v.object({ type: v.literal('join'), user: UserSchema, ts: v.number() }),
  v.object({ type: v.literal('leave'), user: UserSchema, ts: v.number() }),
  v.object({ type: v.literal('presence'), count: v.number() }),
  v.object({
    type: v.literal('history'),
    messages: v.array(ChatMessageSchema),
    hasMore: v.boolean(),
    /** Answering `after`: as in `welcome`, some messages after it are no longer retained. */
    pruned: v.optional(v.literal(true)),
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
  return isClientId(id) ? id : undefined;
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
