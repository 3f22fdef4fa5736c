import { Emitter } from './events.js';
export type User = import('./frames.js').User;
export type ChatMessage = import('./frames.js').ChatMessage;
export type ServerFrame = import('./frames.js').ServerFrame;
export type ClientFrame = import('./frames.js').ClientFrame;
export type WelcomeFrame = import('./frames.js').WelcomeFrame;
export type ErrorFrame = import('./frames.js').ErrorFrame;
export type Role = import('./frames.js').Role;
export type RoomSettings = import('./frames.js').RoomSettings;
export type ModerationFrame = import('./frames.js').ModerationFrame;
export type SearchFrame = import('./frames.js').SearchFrame;
export type Ban = import('./frames.js').Ban;
export type OutboxItem = import('./outbox.js').OutboxItem;
export type Storage = import('./storage.js').Storage;
export type ConnectionOptions = import('./connection.js').ConnectionOptions;
export type Status = import('./client-events.js').Status;
export type ChatEventMap = import('./client-events.js').ChatEventMap;
export type Placement = import('./sync.js').Placement;
export type RoomOptions = {
    /**
     * a room name (1–64 of a-z 0-9 _ -, case-insensitive)
     */
    room: string;
    /**
     * keeps the outbox (localStorage keeps it across reloads); in memory by default
     */
    storage?: Storage;
};
export type ChatClientOptions = RoomOptions & ConnectionOptions;
/**
 * One room, as one user sees it.
 *
 * Changes to messages (edit, delete, react) settle alike. Each resolves with the message as held
 * once it is in the state asked for: when the room's `update` acknowledges it, at once when it
 * already is (a change that changes nothing, which the room leaves unanswered), or when another
 * copy (another tab's change) brings that state. Each rejects with the room's error frame, which
 * names the `id`; at once with the one the room would send when what is held tells (a deleted
 * message: `not_found`; muted: `forbidden`; empty or too long text); with a RangeError for a
 * message not held (loadAround() first). A change waits while disconnected and goes after the
 * reconnect, unless what is held by then shows it done. No promise waits for an answer that never
 * comes (how: requests.js); close() rejects whatever still waits.
 *
 * Moderation (moderators; setRole() the owner) resolves with the room's `moderation` frame
 * announcing it, or null when the room changed nothing (lifting a mute or a ban there isn't, a
 * role the user has already), and rejects with the room's error frame.
 * @extends {Emitter<ChatEventMap>}
 */
export declare class ChatClient extends Emitter<ChatEventMap> {
    #private;
    /** @param {ChatClientOptions} options */
    constructor(options: ChatClientOptions);
    /** The room's canonical (lower-case) name. */
    get room(): string;
    /** @returns {Status} */
    get status(): Status;
    /** Who the server says we are; null before the first welcome. */
    get user(): import("./frames.js").User | null;
    /** This user's role here (`owner`, `moderator`, `member`); null before the first welcome. */
    get role(): "member" | "moderator" | "owner" | null;
    /** The room's settings (slow mode, read-only); null before the first welcome. */
    get settings(): import("./frames.js").RoomSettings | null;
    /** Until when this user is muted here (ms epoch), or null; messages written meanwhile wait. */
    get mutedUntil(): number | null;
    /** The id of the newest message this user has read here, in any of their tabs (0: none). */
    get readUpTo(): number;
    /** Who is connected, one entry per user (at most PRESENCE_LIMIT of them in a crowded room). */
    get members(): import("./frames.js").User[];
    /** How many users are connected in all. */
    get memberCount(): number;
    /** Every message held, oldest first, each as it is now (tombstones included). */
    get messages(): import("./frames.js").ChatMessage[];
    /** Whether older messages than the oldest held exist (see loadOlder()). */
    get hasOlder(): boolean;
    /** Whether a loadOlder() page is on its way. */
    get loadingOlder(): boolean;
    /** Where a reconnect resumes: the highest change received (null before the first welcome). */
    get position(): number | null;
    /** The messages written and not yet acknowledged, oldest first, refused ones included. */
    get pending(): import("./outbox.js").OutboxItem[];
    /** The message with this id as it is now, or undefined when it isn't held (see loadAround()). */
    message(/** @type {number} */ id: number): import("./frames.js").ChatMessage | undefined;
    /**
     * Sends a message (a reply to message `replyTo`, if given): resolves with the stored message
     * once the room acknowledges it, exactly once however often the connection drops meanwhile;
     * rejects with the error frame when the room refuses it for good, or at once for text it would
     * refuse as empty or too long, or a reply to a message held as deleted. While this user is
     * muted it waits, and goes once the mute is over.
     * @param {string} text
     * @param {{ replyTo?: number }} [options]
     * @returns {Promise<ChatMessage>}
     */
    send(text: string, { replyTo }?: {
        replyTo?: number;
    }): Promise<ChatMessage>;
    /** Replaces the text of one's own message `id`. @param {number} id @param {string} text */
    edit(id: number, text: string): Promise<import("./frames.js").ChatMessage>;
    /** Deletes message `id` (one's own, or any as a moderator), done once it is a tombstone. @param {number} id */
    delete(id: number): Promise<import("./frames.js").ChatMessage>;
    /**
     * Adds (`on`) or takes back one's reaction `emoji` on message `id`. Past the 20 users a reaction
     * lists, what is held can't tell whether this user is among them: it then settles once the room
     * is past the frame.
     * @param {number} id
     * @param {string} emoji
     * @param {boolean} on
     */
    react(id: number, emoji: string, on: boolean): Promise<import("./frames.js").ChatMessage>;
    /**
     * Jumps to message `id` (the one a reply answers): resolves with it (or the next one the room
     * keeps, if it is gone; null if none is) once it is held, at once if it is. The page around it
     * comes as a `messages` batch placed `around` (before everything held, a gap after it), then
     * the pages after it, placed `forward`, until they reach what was held. One jump at a time.
     * @param {number} id
     */
    loadAround(id: number): Promise<import("./frames.js").ChatMessage | null>;
    /**
     * Marks the messages up to `id` read (at most the newest held); the room keeps the marker for
     * all of this user's tabs and answers nothing. Forward only: returns whether the marker moved.
     * @param {number} id
     */
    read(id: number): boolean;
    /**
     * Searches the room (every word, the last as a prefix): resolves with the answer, newest first
     * (`hasMore`: go on with `before` the last id); rejects with the room's error frame.
     * @param {string} query
     * @param {{ before?: number, limit?: number }} [page]
     * @returns {Promise<SearchFrame>}
     */
    search(query: string, { before, limit }?: {
        before?: number;
        limit?: number;
    }): Promise<SearchFrame>;
    /** Mutes `userId` for `seconds` (0 lifts a mute). @param {string} userId @param {number} seconds */
    mute(userId: string, seconds: number): Promise<import("./frames.js").ModerationFrame | null>;
    /**
     * Bans `userId` for `seconds` (or for good), with a `reason` if given; `purge` deletes every
     * message of theirs too.
     * @param {string} userId
     * @param {{ seconds?: number, purge?: boolean, reason?: string }} [options]
     */
    ban(userId: string, options?: {
        seconds?: number;
        purge?: boolean;
        reason?: string;
    }): Promise<import("./frames.js").ModerationFrame | null>;
    /** Lifts the ban of `userId`. @param {string} userId */
    unban(userId: string): Promise<import("./frames.js").ModerationFrame | null>;
    /** Resolves with the bans in force. */
    bans(): Promise<import("./frames.js").Ban[]>;
    /**
     * Changes the room's settings (either field may be left out): resolves with them once they are
     * as asked (at once if they are).
     * @param {{ slowModeSeconds?: number, readOnly?: boolean }} change
     */
    setSettings(change: {
        slowModeSeconds?: number;
        readOnly?: boolean;
    }): Promise<import("./frames.js").RoomSettings>;
    /** The owner makes `userId` a moderator here (`member` takes it back). @param {string} userId @param {'moderator' | 'member'} role */
    setRole(userId: string, role: 'moderator' | 'member'): Promise<import("./frames.js").ModerationFrame | null>;
    /** Sends a message that was refused for good once more (from `pending`). */
    retry(/** @type {string} */ clientId: string): void;
    /** Forgets a message not yet acknowledged (one refused for good, usually). */
    discard(/** @type {string} */ clientId: string): void;
    /** Takes in outbox changes another client made in the same storage (another tab's). */
    syncOutbox(): void;
    /** Tells the room we are typing, at most once every 2.5 s; returns whether it was sent. */
    typing(): boolean;
    /** Asks for the page before the oldest held message; false when there is none or one is on its way. */
    loadOlder(): boolean;
    /** Skips the wait before the next connection attempt (the page calls this when the network or tab returns). */
    reconnectNow(): void;
    /** Gives up the current connection as lost and reconnects by the backoff (the network went away). */
    interrupt(): void;
    /**
     * Leaves the room for good: no socket, timer or reconnect remains; pending sends and requests
     * reject (the outbox stays stored).
     */
    close(): void;
}
