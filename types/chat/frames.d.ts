import { ERROR_CODES } from './rules.js';
export type User = {
    id: string;
    name: string;
};
export type ChatMessage = {
    type: 'message';
    id: number;
    user: User;
    text: string;
    ts: number;
    clientId?: string;
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
};
export type PresenceChange = {
    type: 'join' | 'leave';
    user: User;
    ts: number;
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
    retryAfterMs?: number;
};
export type PongFrame = {
    type: 'pong';
};
export type ServerFrame = WelcomeFrame | ChatMessage | JoinFrame | LeaveFrame | PresenceFrame | HistoryFrame | TypingFrame | ErrorFrame | PongFrame;
export type ServerFrameResult = {
    ok: true;
    frame: ServerFrame;
} | {
    ok: false;
    error: string;
};
export type ClientFrame = {
    type: 'message';
    text: string;
    clientId?: string;
} | {
    type: 'history';
    before: number;
    limit?: number;
} | {
    type: 'history';
    after: number;
    limit?: number;
} | {
    type: 'typing';
};
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
export declare function parseServerFrame(raw: string): ServerFrameResult;
