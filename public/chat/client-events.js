// @ts-check
// The events of ChatClient (client.js) and what each carries in its `detail`. Types only: the
// library's .d.ts files (npm run types:client) are made from them, and listeners get `detail`
// typed by the event's name.

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
