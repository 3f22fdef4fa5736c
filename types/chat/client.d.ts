import { Emitter } from './events.js';
export type User = import('./frames.js').User;
export type ChatMessage = import('./frames.js').ChatMessage;
export type ServerFrame = import('./frames.js').ServerFrame;
export type ClientFrame = import('./frames.js').ClientFrame;
export type WelcomeFrame = import('./frames.js').WelcomeFrame;
export type ErrorFrame = import('./frames.js').ErrorFrame;
export type OutboxItem = import('./outbox.js').OutboxItem;
export type Storage = import('./storage.js').Storage;
export type ConnectionOptions = import('./connection.js').ConnectionOptions;
export type Frame<T extends ServerFrame['type']> = Extract<ServerFrame, {
    type: T;
}>;
export type Status = 'connecting' | 'open' | 'reconnecting' | 'closed';
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
export type ChatEventMap = {
    status: CustomEvent<Status>;
    /**
     * the welcome frame of each connection
     */
    welcome: CustomEvent<WelcomeFrame>;
    /**
     * once per message id, the first time the client learns of it
     */
    message: CustomEvent<ChatMessage>;
    /**
     * the same
     * messages in batches, with where they go (for a view that places them)
     */
    messages: CustomEvent<{
        messages: ChatMessage[];
        placement: Placement;
    }>;
    /**
     * who is connected changed
     */
    members: CustomEvent<{
        members: User[];
        count: number;
    }>;
    /**
     * messages after `after` are no longer kept: what
     * follows does not join up with what came before
     */
    gap: CustomEvent<{
        after: number;
    }>;
    /**
     * the room's storage was reset under this client: it
     * forgot everything and starts over as a fresh join
     */
    reset: CustomEvent<WelcomeFrame>;
    /**
     * the next connection attempt is planned
     */
    retry: CustomEvent<{
        delayMs: number;
        failures: number;
    }>;
    /**
     * a connection ended
     */
    disconnect: CustomEvent<{
        code: number;
        reason: string;
        final: boolean;
    }>;
    /**
     * an attempt failed before it opened a socket (the token function threw)
     */
    failure: CustomEvent<{
        error: unknown;
    }>;
    /**
     * the messages not yet acknowledged changed
     */
    outbox: CustomEvent<OutboxItem[]>;
    /**
     * one of them was acknowledged
     */
    sent: CustomEvent<{
        clientId: string;
        message: ChatMessage;
    }>;
    /**
     * one was refused for good
     */
    failed: CustomEvent<{
        item: OutboxItem;
        error: ErrorFrame;
    }>;
    history: CustomEvent<Frame<'history'>>;
    join: CustomEvent<Frame<'join'>>;
    leave: CustomEvent<Frame<'leave'>>;
    presence: CustomEvent<Frame<'presence'>>;
    /**
     * someone else is typing
     */
    typing: CustomEvent<Frame<'typing'>>;
    /**
     * the room refused a frame
     */
    error: CustomEvent<ErrorFrame>;
    pong: CustomEvent<Frame<'pong'>>;
    /**
     * a known message changed (edited, deleted, reacted to)
     */
    update: CustomEvent<Frame<'update'>>;
    /**
     * every retained message of a user became a tombstone
     */
    purged: CustomEvent<Frame<'purged'>>;
    moderation: CustomEvent<Frame<'moderation'>>;
    /**
     * we are banned here (a final close follows)
     */
    banned: CustomEvent<Frame<'banned'>>;
    settings: CustomEvent<Frame<'settings'>>;
    bans: CustomEvent<Frame<'bans'>>;
    /**
     * our read marker moved (from another of our sockets)
     */
    read: CustomEvent<Frame<'read'>>;
    search: CustomEvent<Frame<'search'>>;
};
/** @extends {Emitter<ChatEventMap>} */
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
    /** Who is connected, one entry per user (at most PRESENCE_LIMIT of them in a crowded room). */
    get members(): import("./frames.js").User[];
    /** How many users are connected in all. */
    get memberCount(): number;
    /** Whether older messages than the oldest known exist (see loadOlder()). */
    get hasOlder(): boolean;
    /** Whether a loadOlder() page is on its way. */
    get loadingOlder(): boolean;
    /** Where a reconnect resumes: the highest change received (null before the first welcome). */
    get position(): number | null;
    /** The messages written and not yet acknowledged, oldest first, refused ones included. */
    get pending(): import("./outbox.js").OutboxItem[];
    /**
     * Sends a message: resolves with the stored message once the room acknowledges it, exactly once
     * however often the connection drops meanwhile; rejects with the error frame when the room
     * refuses it for good (or at once, for text it would refuse for being empty or too long).
     * @param {string} text
     * @returns {Promise<ChatMessage>}
     */
    send(text: string): Promise<ChatMessage>;
    /** Sends a message that was refused for good once more (from `pending`). */
    retry(/** @type {string} */ clientId: string): void;
    /** Forgets a message not yet acknowledged (one refused for good, usually). */
    discard(/** @type {string} */ clientId: string): void;
    /** Takes in outbox changes another client made in the same storage (another tab's). */
    syncOutbox(): void;
    /** Tells the room we are typing, at most once every 2.5 s; returns whether it was sent. */
    typing(): boolean;
    /** Asks for the page before the oldest known message; false when there is none or one is on its way. */
    loadOlder(): boolean;
    /** Skips the wait before the next connection attempt (the page calls this when the network or tab returns). */
    reconnectNow(): void;
    /** Gives up the current connection as lost and reconnects by the backoff (the network went away). */
    interrupt(): void;
    /** Leaves the room for good: no socket, timer or reconnect remains; pending sends reject (the outbox stays stored). */
    close(): void;
}
