import { ERROR_CODES, ROLES } from './rules.js';
export type User = {
    id: string;
    name: string;
};
export type Role = (typeof ROLES)[number];
export type RoomSettings = {
    slowModeSeconds: number;
    readOnly: boolean;
};
export type Reaction = {
    emoji: string;
    count: number;
    users: string[];
};
export type Reply = {
    id: number;
    user: User;
    text: string;
} | {
    id: number;
    deleted: true;
};
export type ChatMessage = {
    type: 'message';
    id: number;
    seq: number;
    user: User;
    text: string;
    ts: number;
    clientId?: string;
    reply?: Reply;
    editedAt?: number;
    deleted?: true;
    reactions?: Reaction[];
};
export type WelcomeFrame = {
    type: 'welcome';
    user: User;
    room: string;
    members: User[];
    memberCount: number;
    messages: ChatMessage[];
    hasMore: boolean;
    pruned?: true;
    seq: number;
    role: Role;
    settings: RoomSettings;
    mutedUntil?: number;
    readUpTo: number;
};
export type UpdateFrame = {
    type: 'update';
    message: ChatMessage;
};
export type JoinFrame = {
    type: 'join';
    user: User;
    ts: number;
};
export type LeaveFrame = {
    type: 'leave';
    user: User;
    ts: number;
};
export type PresenceFrame = {
    type: 'presence';
    count: number;
};
export type HistoryFrame = {
    type: 'history';
    messages: ChatMessage[];
    hasMore: boolean;
    hasNewer?: boolean;
    pruned?: true;
};
export type TypingFrame = {
    type: 'typing';
    user: User;
};
export type ErrorCode = (typeof ERROR_CODES)[number];
export type ErrorFrame = {
    type: 'error';
    code: ErrorCode;
    message: string;
    clientId?: string;
    id?: number;
    retryAfterMs?: number;
};
export type PongFrame = {
    type: 'pong';
};
export type PurgedFrame = {
    type: 'purged';
    userId: string;
    seq: number;
};
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
export type ModerationFrame = {
    type: 'moderation';
    action: ModerationAction;
    target: {
        id: string;
        name?: string;
    };
    by: User;
    until?: number;
    role?: Role;
    reason?: string;
};
export type BannedFrame = {
    type: 'banned';
    until?: number;
    reason?: string;
};
export type SettingsFrame = {
    type: 'settings';
    slowModeSeconds: number;
    readOnly: boolean;
    by: User;
};
export type Ban = {
    userId: string;
    until?: number;
    by: User;
    reason?: string;
};
export type BansFrame = {
    type: 'bans';
    bans: Ban[];
};
export type ReadFrame = {
    type: 'read';
    id: number;
};
export type SearchFrame = {
    type: 'search';
    query: string;
    messages: ChatMessage[];
    hasMore: boolean;
};
export type ServerFrame = WelcomeFrame | ChatMessage | UpdateFrame | JoinFrame | LeaveFrame | PresenceFrame | HistoryFrame | TypingFrame | ErrorFrame | PongFrame | PurgedFrame | ModerationFrame | BannedFrame | SettingsFrame | BansFrame | ReadFrame | SearchFrame;
export type ServerFrameResult = {
    ok: true;
    frame: ServerFrame;
} | {
    ok: false;
    error: string;
};
export type SendFrame = {
    type: 'message';
    text: string;
    clientId?: string;
    replyTo?: number;
};
export type HistoryRequest = {
    type: 'history';
    before: number;
    limit?: number;
} | {
    type: 'history';
    after: number;
    limit?: number;
} | {
    type: 'history';
    around: number;
    limit?: number;
} | {
    type: 'history';
    afterId: number;
    limit?: number;
};
export type ChangeFrame = {
    type: 'edit';
    id: number;
    text: string;
} | {
    type: 'delete';
    id: number;
} | {
    type: 'react';
    id: number;
    emoji: string;
    on: boolean;
};
export type ModerationRequest = {
    type: 'mute';
    userId: string;
    seconds: number;
} | {
    type: 'ban';
    userId: string;
    seconds?: number;
    purge?: boolean;
    reason?: string;
} | {
    type: 'unban';
    userId: string;
} | {
    type: 'bans';
} | {
    type: 'settings';
    slowModeSeconds?: number;
    readOnly?: boolean;
} | {
    type: 'role';
    userId: string;
    role: 'moderator' | 'member';
};
export type ClientFrame = SendFrame | HistoryRequest | ChangeFrame | ModerationRequest | {
    type: 'typing';
} | {
    type: 'ping';
} | {
    type: 'read';
    id: number;
} | {
    type: 'search';
    query: string;
    before?: number;
    limit?: number;
};
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
declare const MODERATION_ACTIONS: readonly ['mute', 'unmute', 'ban', 'unban', 'role'];
/**
 * One text frame from the server as a typed frame, or why it is not one (not JSON, an unknown
 * `type`, a field missing or of the wrong type). Fields the contract doesn't name are dropped.
 * @param {string} raw
 * @returns {ServerFrameResult}
 */
export declare function parseServerFrame(raw: string): ServerFrameResult;
export {};
