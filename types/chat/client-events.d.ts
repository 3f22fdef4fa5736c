export type User = import('./frames.js').User;
export type ChatMessage = import('./frames.js').ChatMessage;
export type ServerFrame = import('./frames.js').ServerFrame;
export type WelcomeFrame = import('./frames.js').WelcomeFrame;
export type ErrorFrame = import('./frames.js').ErrorFrame;
export type Role = import('./frames.js').Role;
export type OutboxItem = import('./outbox.js').OutboxItem;
export type Placement = import('./sync.js').Placement;
export type Frame<T extends ServerFrame['type']> = Extract<ServerFrame, {
    type: T;
}>;
export type Status = 'connecting' | 'open' | 'reconnecting' | 'closed';
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
     * messages in batches, with where they go (for a view that places them; see Placement)
     */
    messages: CustomEvent<{
        messages: ChatMessage[];
        placement: Placement;
    }>;
    /**
     * a message held changed (edited, deleted, reacted
     * to, made a tombstone by a purge, or a reply whose excerpt of the message it answers changed),
     * as held now; in the room's order, once applied, live or while catching up
     */
    update: CustomEvent<Frame<'update'>>;
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
     * this user's role here: from the first welcome, then
     * whenever it changes (a welcome, or a `moderation` frame aimed at this user)
     */
    role: CustomEvent<{
        role: Role;
    }>;
    /**
     * this user's mute began or moved (until
     * when, ms epoch) or ended (null): from a welcome, `moderation` frames and a mute's refusal;
     * its end is announced when the time comes (the room announces nothing then)
     */
    muted: CustomEvent<{
        until: number | null;
    }>;
    /**
     * this user's read marker moved: in another of
     * their tabs, or as a welcome has it (not for read() here)
     */
    read: CustomEvent<{
        id: number;
    }>;
    /**
     * this user is banned here: the client closes for
     * good (status `closed`, no reconnect, the outbox kept in its storage)
     */
    banned: CustomEvent<Frame<'banned'>>;
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
    /**
     * a page the client asked for
     */
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
     * every message of a user became a tombstone
     */
    purged: CustomEvent<Frame<'purged'>>;
    /**
     * a mute, unmute, ban, unban or role, by anyone
     */
    moderation: CustomEvent<Frame<'moderation'>>;
    /**
     * the room's settings changed
     */
    settings: CustomEvent<Frame<'settings'>>;
    /**
     * the answer to bans()
     */
    bans: CustomEvent<Frame<'bans'>>;
    /**
     * the answer to search()
     */
    search: CustomEvent<Frame<'search'>>;
};
/** @typedef {import('./frames.js').User} User */
/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').ServerFrame} ServerFrame */
/** @typedef {import('./frames.js').WelcomeFrame} WelcomeFrame */
/** @typedef {import('./frames.js').ErrorFrame} ErrorFrame */
/** @typedef {import('./frames.js').Role} Role */
/** @typedef {import('./outbox.js').OutboxItem} OutboxItem */
/** @typedef {import('./sync.js').Placement} Placement */
/**
 * @template {ServerFrame['type']} T
 * @typedef {Extract<ServerFrame, { type: T }>} Frame
 */
/** @typedef {'connecting' | 'open' | 'reconnecting' | 'closed'} Status */
/**
 * Every event and its `detail`. One per server frame type (carrying the frame, unless said), and:
 * @typedef {object} ChatEventMap
 * @property {CustomEvent<Status>} status
 * @property {CustomEvent<WelcomeFrame>} welcome the welcome frame of each connection
 * @property {CustomEvent<ChatMessage>} message once per message id, the first time the client learns of it
 * @property {CustomEvent<{ messages: ChatMessage[], placement: Placement }>} messages the same
 *   messages in batches, with where they go (for a view that places them; see Placement)
 * @property {CustomEvent<Frame<'update'>>} update a message held changed (edited, deleted, reacted
 *   to, made a tombstone by a purge, or a reply whose excerpt of the message it answers changed),
 *   as held now; in the room's order, once applied, live or while catching up
 * @property {CustomEvent<{ members: User[], count: number }>} members who is connected changed
 * @property {CustomEvent<{ after: number }>} gap messages after `after` are no longer kept: what
 *   follows does not join up with what came before
 * @property {CustomEvent<WelcomeFrame>} reset the room's storage was reset under this client: it
 *   forgot everything and starts over as a fresh join
 * @property {CustomEvent<{ role: Role }>} role this user's role here: from the first welcome, then
 *   whenever it changes (a welcome, or a `moderation` frame aimed at this user)
 * @property {CustomEvent<{ until: number | null }>} muted this user's mute began or moved (until
 *   when, ms epoch) or ended (null): from a welcome, `moderation` frames and a mute's refusal;
 *   its end is announced when the time comes (the room announces nothing then)
 * @property {CustomEvent<{ id: number }>} read this user's read marker moved: in another of
 *   their tabs, or as a welcome has it (not for read() here)
 * @property {CustomEvent<Frame<'banned'>>} banned this user is banned here: the client closes for
 *   good (status `closed`, no reconnect, the outbox kept in its storage)
 * @property {CustomEvent<{ delayMs: number, failures: number }>} retry the next connection attempt is planned
 * @property {CustomEvent<{ code: number, reason: string, final: boolean }>} disconnect a connection ended
 * @property {CustomEvent<{ error: unknown }>} failure an attempt failed before it opened a socket (the token function threw)
 * @property {CustomEvent<OutboxItem[]>} outbox the messages not yet acknowledged changed
 * @property {CustomEvent<{ clientId: string, message: ChatMessage }>} sent one of them was acknowledged
 * @property {CustomEvent<{ item: OutboxItem, error: ErrorFrame }>} failed one was refused for good
 * @property {CustomEvent<Frame<'history'>>} history a page the client asked for
 * @property {CustomEvent<Frame<'join'>>} join
 * @property {CustomEvent<Frame<'leave'>>} leave
 * @property {CustomEvent<Frame<'presence'>>} presence
 * @property {CustomEvent<Frame<'typing'>>} typing someone else is typing
 * @property {CustomEvent<ErrorFrame>} error the room refused a frame
 * @property {CustomEvent<Frame<'pong'>>} pong
 * @property {CustomEvent<Frame<'purged'>>} purged every message of a user became a tombstone
 * @property {CustomEvent<Frame<'moderation'>>} moderation a mute, unmute, ban, unban or role, by anyone
 * @property {CustomEvent<Frame<'settings'>>} settings the room's settings changed
 * @property {CustomEvent<Frame<'bans'>>} bans the answer to bans()
 * @property {CustomEvent<Frame<'search'>>} search the answer to search()
 */
export {};
