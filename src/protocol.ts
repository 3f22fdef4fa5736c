// The wire contract (docs/protocol.md) as code: the server's frames, one valibot schema each,
// giving both the frame's type and its validation (tests and clients check what they receive
// against them), over the wire rules of public/chat/rules.js, which the client library shares.
// The client's frames and their parsing are in client-frames.ts. No Workers-only APIs here.
import * as v from 'valibot';
import { ERROR_CODES, ROLES } from '../public/chat/rules.js';

export * from '../public/chat/rules.js';
export type { NameResult } from '../public/chat/rules.js';

export const UserSchema = v.object({ id: v.string(), name: v.string() });
/** A person as the room knows them: the verified token's `sub` and `name`. */
export type User = v.InferOutput<typeof UserSchema>;

const ReactionSchema = v.object({
  emoji: v.string(),
  count: v.number(),
  /** The first REACTION_USERS_LISTED user ids who added it, earliest first. */
  users: v.array(v.string()),
});
export const ReactionsSchema = v.array(ReactionSchema);
/** The answered message as it is now, computed when the reply is sent (never stored as a copy). */
const ReplySchema = v.union([
  v.object({ id: v.number(), user: UserSchema, text: v.string() }),
  v.object({ id: v.number(), deleted: v.literal(true) }),
]);
export const ChatMessageSchema = v.object({
  type: v.literal('message'),
  id: v.number(),
  /** The room's change number of this message's latest change (its `id` until it changes). */
  seq: v.number(),
  user: UserSchema,
  text: v.string(),
  ts: v.number(),
  clientId: v.optional(v.string()),
  reply: v.optional(ReplySchema),
  editedAt: v.optional(v.number()),
  deleted: v.optional(v.literal(true)),
  reactions: v.optional(ReactionsSchema),
});
/** A stored chat message in its current state, as broadcast and as found in history. */
export type ChatMessage = v.InferOutput<typeof ChatMessageSchema>;
export type Reaction = v.InferOutput<typeof ReactionSchema>;
export type Reply = v.InferOutput<typeof ReplySchema>;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const RoleSchema = v.picklist(ROLES);
/** A member's place in a room: `owner` (created rooms), `moderator` or `member`. */
export type Role = v.InferOutput<typeof RoleSchema>;
export const RoomSettingsSchema = v.object({ slowModeSeconds: v.number(), readOnly: v.boolean() });
export type RoomSettings = v.InferOutput<typeof RoomSettingsSchema>;
const BanSchema = v.object({
  userId: v.string(),
  until: v.optional(v.number()),
  by: UserSchema,
  reason: v.optional(v.string()),
});
export type Ban = v.InferOutput<typeof BanSchema>;

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
    /** The room's latest change (0 in an empty room). */
    seq: v.number(),
    role: RoleSchema,
    settings: RoomSettingsSchema,
    /** Present while this user is muted here: ms since epoch. */
    mutedUntil: v.optional(v.number()),
    /** The id this user has read up to here (0 if none). */
    readUpTo: v.number(),
  }),
  ChatMessageSchema,
  v.object({ type: v.literal('update'), message: ChatMessageSchema }),
  v.object({ type: v.literal('join'), user: UserSchema, ts: v.number() }),
  v.object({ type: v.literal('leave'), user: UserSchema, ts: v.number() }),
  v.object({ type: v.literal('presence'), count: v.number() }),
  v.object({
    type: v.literal('history'),
    messages: v.array(ChatMessageSchema),
    hasMore: v.boolean(),
    hasNewer: v.optional(v.boolean()),
    /** Answering `after`: as in `welcome`, some messages after it are no longer retained. */
    pruned: v.optional(v.literal(true)),
  }),
  v.object({ type: v.literal('typing'), user: UserSchema }),
  v.object({
    type: v.literal('error'),
    code: v.picklist(ERROR_CODES),
    message: v.string(),
    clientId: v.optional(v.string()),
    /** The message an `edit`, `delete` or `react` named. */
    id: v.optional(v.number()),
    retryAfterMs: v.optional(v.number()),
  }),
  v.object({ type: v.literal('pong') }),
  v.object({ type: v.literal('purged'), userId: v.string(), seq: v.number() }),
  v.object({
    type: v.literal('moderation'),
    action: v.picklist(['mute', 'unmute', 'ban', 'unban', 'role']),
    target: v.object({ id: v.string(), name: v.optional(v.string()) }),
    by: UserSchema,
    until: v.optional(v.number()),
    role: v.optional(RoleSchema),
    reason: v.optional(v.string()),
  }),
  v.object({
    type: v.literal('banned'),
    until: v.optional(v.number()),
    reason: v.optional(v.string()),
  }),
  v.object({
    type: v.literal('settings'),
    slowModeSeconds: v.number(),
    readOnly: v.boolean(),
    by: UserSchema,
  }),
  v.object({ type: v.literal('bans'), bans: v.array(BanSchema) }),
  v.object({ type: v.literal('read'), id: v.number() }),
  v.object({
    type: v.literal('search'),
    query: v.string(),
    messages: v.array(ChatMessageSchema),
    hasMore: v.boolean(),
  }),
]);
export type ServerFrame = v.InferOutput<typeof ServerFrameSchema>;
export type ErrorFrame = Extract<ServerFrame, { type: 'error' }>;
