// The frames a client sends (docs/protocol.md), one valibot schema each, giving both the frame's
// type and its validation, and the one function that turns an untrusted frame into a typed one
// (or the `error` frame that answers it). The server's frames are in protocol.ts.
import * as v from 'valibot';
import {
  CLIENT_ID,
  codePointLength,
  isClientId,
  SEARCH_PAGE,
  searchWords,
  isReaction,
  MAX_BAN_SECONDS,
  MAX_MUTE_SECONDS,
  MAX_PAGE,
  MAX_REASON_LENGTH,
  MAX_SEARCH_PAGE,
  MAX_SEARCH_QUERY_LENGTH,
  MAX_SLOW_MODE_SECONDS,
  MAX_USER_ID_LENGTH,
  MAX_TEXT_LENGTH,
  TEXT_FORBIDDEN,
  WELCOME_MESSAGES,
} from '../public/chat/rules.js';
import { type ErrorCode, type ErrorFrame } from './protocol.ts';

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

/** `{"type":"message","text","clientId"?,"replyTo"?}`: send a chat message. Unknown fields are dropped. */
export const SendMessageFrame = v.object({
  type: v.literal('message'),
  text: MessageText,
  clientId: v.optional(ClientId),
  replyTo: v.optional(MessageId),
});
const PageLimit = v.optional(
  v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(MAX_PAGE)),
  WELCOME_MESSAGES,
);
const PAGE_ANCHORS = ['before', 'after', 'around', 'afterId'] as const;
/**
 * `{"type":"history", one of before|after|around|afterId, "limit"?}`: a page of stored messages.
 * `after` is a change `seq` (catching up); the others are message ids.
 */
export const HistoryRequestFrame = v.pipe(
  v.object({
    type: v.literal('history'),
    before: v.optional(MessageId),
    after: v.optional(MessageId),
    around: v.optional(MessageId),
    afterId: v.optional(MessageId),
    limit: PageLimit,
  }),
  v.check(
    (frame) => PAGE_ANCHORS.filter((anchor) => frame[anchor] !== undefined).length === 1,
    'give exactly one of before, after, around and afterId',
  ),
);
export const TypingFrame = v.object({ type: v.literal('typing') });
export const PingFrame = v.object({ type: v.literal('ping') });
/** `{"type":"edit","id","text"}`: replace the text of one's own message. */
export const EditFrame = v.object({ type: v.literal('edit'), id: MessageId, text: MessageText });
/** `{"type":"delete","id"}`: delete one's own message, or any as a moderator. */
export const DeleteFrame = v.object({ type: v.literal('delete'), id: MessageId });
/** `{"type":"react","id","emoji","on"}`: add or remove one's reaction. */
export const ReactFrame = v.object({
  type: v.literal('react'),
  id: MessageId,
  emoji: v.pipe(
    v.string(),
    v.check(
      (emoji) => isReaction(emoji),
      'emoji must be 1-16 characters without spaces or invisible characters',
    ),
  ),
  on: v.boolean(),
});

/** `{"type":"read","id"}`: the user has read up to this message. */
export const ReadFrame = v.object({ type: v.literal('read'), id: MessageId });
/** `{"type":"search","query","before"?,"limit"?}`: full-text search of this room. */
export const SearchFrame = v.object({
  type: v.literal('search'),
  query: v.pipe(
    v.string(),
    v.check((query) => query.isWellFormed(), 'query is not well-formed Unicode'),
    v.check(
      (query) => codePointLength(query) <= MAX_SEARCH_QUERY_LENGTH,
      `query is longer than ${MAX_SEARCH_QUERY_LENGTH} characters`,
    ),
    v.check((query) => searchWords(query).length > 0, 'query has no word to search for'),
  ),
  before: v.optional(MessageId),
  limit: v.optional(
    v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(MAX_SEARCH_PAGE)),
    SEARCH_PAGE,
  ),
});

const UserId = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_USER_ID_LENGTH));
// A ban's reason follows the rules of message text, but is refused as the bad field it is
// (`bad_frame`), not as a message that is empty or too long.
const Reason = v.pipe(
  v.string(),
  v.check((text) => text.isWellFormed(), 'reason is not well-formed Unicode'),
  v.check((text) => !TEXT_FORBIDDEN.test(text), 'reason contains control characters'),
  v.trim(),
  v.check((text) => text.length > 0, 'reason is empty'),
  v.check(
    (text) => codePointLength(text) <= MAX_REASON_LENGTH,
    `reason is longer than ${MAX_REASON_LENGTH} characters`,
  ),
);
const Seconds = (min: number, max: number) =>
  v.pipe(v.number(), v.safeInteger(), v.minValue(min), v.maxValue(max));
/** `{"type":"mute","userId","seconds"}` (moderators): `seconds` 0 lifts a mute. */
export const MuteFrame = v.object({
  type: v.literal('mute'),
  userId: UserId,
  seconds: Seconds(0, MAX_MUTE_SECONDS),
});
/** `{"type":"ban","userId","seconds"?,"purge"?,"reason"?}` (moderators): no `seconds` is permanent. */
export const BanFrame = v.object({
  type: v.literal('ban'),
  userId: UserId,
  seconds: v.optional(Seconds(1, MAX_BAN_SECONDS)),
  purge: v.optional(v.boolean()),
  reason: v.optional(Reason),
});
export const UnbanFrame = v.object({ type: v.literal('unban'), userId: UserId });
export const BansFrame = v.object({ type: v.literal('bans') });
/** `{"type":"settings","slowModeSeconds"?,"readOnly"?}` (moderators): at least one of them. */
export const SettingsFrame = v.pipe(
  v.object({
    type: v.literal('settings'),
    slowModeSeconds: v.optional(Seconds(0, MAX_SLOW_MODE_SECONDS)),
    readOnly: v.optional(v.boolean()),
  }),
  v.check(
    (frame) => frame.slowModeSeconds !== undefined || frame.readOnly !== undefined,
    'give slowModeSeconds, readOnly or both',
  ),
);
/** `{"type":"role","userId","role"}` (the owner): appoint or demote a moderator. */
export const RoleFrame = v.object({
  type: v.literal('role'),
  userId: UserId,
  role: v.picklist(['moderator', 'member']),
});

const CLIENT_FRAMES = [
  SendMessageFrame,
  HistoryRequestFrame,
  TypingFrame,
  PingFrame,
  EditFrame,
  DeleteFrame,
  ReactFrame,
  ReadFrame,
  SearchFrame,
  MuteFrame,
  BanFrame,
  UnbanFrame,
  BansFrame,
  SettingsFrame,
  RoleFrame,
] as const;
/** Every frame a client may send, told apart by `type`. */
export const ClientFrameSchema = v.variant('type', CLIENT_FRAMES, 'unknown frame type');
export type ClientFrame = v.InferOutput<typeof ClientFrameSchema>;
// The same schemas by `type`, for the hot path: v.variant allocates a closure and a Set on every
// call (about 5% of a room's CPU per message in a profile), but picks the same schema and returns
// its result unchanged. A frame without a known `type` still goes through the variant.
const FRAME_SCHEMAS = new Map<unknown, (typeof CLIENT_FRAMES)[number]>(
  CLIENT_FRAMES.map((schema) => [schemaType(schema), schema]),
);

function schemaType(schema: (typeof CLIENT_FRAMES)[number]): string {
  const object = 'pipe' in schema ? schema.pipe[0] : schema;
  return object.entries.type.literal;
}

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
  const issue = result.issues[0];
  const code = codeOf(issue.message);
  // Never echo the client's value back: name the field, not what was in it.
  const field = issue.path?.map((item) => String(item.key)).join('.');
  const message =
    code !== 'bad_frame' || issue.type === 'check' || issue.type === 'variant' || !field
      ? issue.message
      : `invalid or missing field "${field}"`;
  return { ok: false, error: { ...errorFrame(code, message, clientIdOf(json)), ...idOf(json) } };
}

// Frames about one message whose refusals name it, so a client knows which change failed.
const MESSAGE_CHANGES = new Set<unknown>(['edit', 'delete', 'react']);

/** `{ id }` of an edit, delete or react frame whose `id` is valid, else nothing. */
export function idOf(json: unknown): { id?: number } {
  if (typeof json !== 'object' || json === null || !('type' in json) || !('id' in json)) return {};
  const { type, id } = json;
  return MESSAGE_CHANGES.has(type) && v.is(MessageId, id) ? { id } : {};
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

/** An `error` frame about a change (`edit`, `delete`, `react`) to the message `id`. */
export function changeError(code: ErrorCode, message: string, id: number): ErrorFrame {
  return { type: 'error', code, message, id };
}

function refuse(
  code: ErrorCode,
  message: string,
  clientId?: string,
): { ok: false; error: ErrorFrame } {
  return { ok: false, error: errorFrame(code, message, clientId) };
}
