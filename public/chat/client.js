// @ts-check
// ChatClient: one room of an edge chat server, for a page, a Node bot or any front-end. It keeps a
// connection up, resumes after a loss from its position without losing or repeating a message,
// holds every message it received in its current state, sends what is written exactly once and
// in order, changes messages, jumps, searches and moderates, and keeps the member list and this
// user's standing (role, mute, read marker). Everything it learns is an event with a `detail`
// (client-events.js); it never touches a DOM. This is the API; session.js puts the parts
// together. The wire contract is docs/protocol.md.
import { Emitter } from './events.js';
import { parseRoomName } from './rules.js';
import { Session } from './session.js';

// The types a user of ChatClient meets, importable from here.
/** @typedef {import('./frames.js').User} User */
/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').ServerFrame} ServerFrame */
/** @typedef {import('./frames.js').ClientFrame} ClientFrame */
/** @typedef {import('./frames.js').WelcomeFrame} WelcomeFrame */
/** @typedef {import('./frames.js').ErrorFrame} ErrorFrame */
/** @typedef {import('./frames.js').Role} Role */
/** @typedef {import('./frames.js').RoomSettings} RoomSettings */
/** @typedef {import('./frames.js').ModerationFrame} ModerationFrame */
/** @typedef {import('./frames.js').SearchFrame} SearchFrame */
/** @typedef {import('./frames.js').Ban} Ban */
/** @typedef {import('./outbox.js').OutboxItem} OutboxItem */
/** @typedef {import('./storage.js').Storage} Storage */
/** @typedef {import('./connection.js').ConnectionOptions} ConnectionOptions */
/** @typedef {import('./client-events.js').Status} Status */
/** @typedef {import('./client-events.js').ChatEventMap} ChatEventMap */
/** @typedef {import('./sync.js').Placement} Placement */
/**
 * @typedef {object} RoomOptions
 * @property {string} room a room name (1–64 of a-z 0-9 _ -, case-insensitive)
 * @property {Storage} [storage] keeps the outbox (localStorage keeps it across reloads); in memory by default
 */
/**
 * The room, how to reach it (`url`, `token`, `WebSocket`, the heartbeat and backoff: see
 * ConnectionOptions in connection.js) and where to keep the outbox.
 * @typedef {RoomOptions & ConnectionOptions} ChatClientOptions
 */
/** typing() sends at most this often. */
const TYPING_EVERY_MS = 2_500;
/** The room's words for a reply to a message that is gone. */
const REPLY_GONE = 'the message this replies to is deleted or no longer kept';

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
export class ChatClient extends Emitter {
  #room;
  #session;
  #typingSentAt = -Infinity;

  /** @param {ChatClientOptions} options */
  constructor(options) {
    super();
    const room = parseRoomName(options.room);
    if (!room) throw new TypeError(`not a valid room name: ${JSON.stringify(options.room)}`);
    this.#room = room;
    this.#session = new Session(options, room, (type, detail) => this.emit(type, detail));
    // Started after the constructor's caller has had the chance to add its listeners.
    queueMicrotask(() => this.#session.socket.start());
  }

  /** The room's canonical (lower-case) name. */
  get room() {
    return this.#room;
  }

  /** @returns {Status} */
  get status() {
    return this.#session.status;
  }

  /** Who the server says we are; null before the first welcome. */
  get user() {
    return this.#session.user;
  }

  /** This user's role here (`owner`, `moderator`, `member`); null before the first welcome. */
  get role() {
    return this.#session.standing.role;
  }

  /** The room's settings (slow mode, read-only); null before the first welcome. */
  get settings() {
    return this.#session.standing.settings;
  }

  /** Until when this user is muted here (ms epoch), or null; messages written meanwhile wait. */
  get mutedUntil() {
    return this.#session.standing.mutedUntil;
  }

  /** The id of the newest message this user has read here, in any of their tabs (0: none). */
  get readUpTo() {
    return this.#session.standing.readUpTo;
  }

  /** Who is connected, one entry per user (at most PRESENCE_LIMIT of them in a crowded room). */
  get members() {
    return this.#session.members.list;
  }

  /** How many users are connected in all. */
  get memberCount() {
    return this.#session.members.count;
  }

  /** Every message held, oldest first, each as it is now (tombstones included). */
  get messages() {
    return this.#session.timeline.messages();
  }

  /** Whether older messages than the oldest held exist (see loadOlder()). */
  get hasOlder() {
    return this.#session.timeline.hasOlder;
  }

  /** Whether a loadOlder() page is on its way. */
  get loadingOlder() {
    return this.#session.sync.loadingOlder;
  }

  /** Where a reconnect resumes: the highest change received (null before the first welcome). */
  get position() {
    return this.#session.timeline.position;
  }

  /** The messages written and not yet acknowledged, oldest first, refused ones included. */
  get pending() {
    return this.#session.outbox.items();
  }

  /** The message with this id as it is now, or undefined when it isn't held (see loadAround()). */
  message(/** @type {number} */ id) {
    return this.#session.timeline.message(id);
  }

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
  send(text, { replyTo } = {}) {
    if (this.#session.status === 'closed') return Promise.reject(new Error('the client is closed'));
    if (replyTo !== undefined && this.#session.timeline.message(replyTo)?.deleted)
      return Promise.reject({ type: 'error', code: 'not_found', message: REPLY_GONE });
    return this.#session.outbox.enqueue(text, replyTo);
  }

  /** Replaces the text of one's own message `id`. @param {number} id @param {string} text */
  edit(id, text) {
    return this.#session.changes.edit(id, text);
  }

  /** Deletes message `id` (one's own, or any as a moderator), done once it is a tombstone. @param {number} id */
  delete(id) {
    return this.#session.changes.delete(id);
  }

  /**
   * Adds (`on`) or takes back one's reaction `emoji` on message `id`. Past the 20 users a reaction
   * lists, what is held can't tell whether this user is among them: it then settles once the room
   * is past the frame.
   * @param {number} id
   * @param {string} emoji
   * @param {boolean} on
   */
  react(id, emoji, on) {
    return this.#session.changes.react(id, emoji, on);
  }

  /**
   * Jumps to message `id` (the one a reply answers): resolves with it (or the next one the room
   * keeps, if it is gone; null if none is) once it is held, at once if it is. The page around it
   * comes as a `messages` batch placed `around` (before everything held, a gap after it), then
   * the pages after it, placed `forward`, until they reach what was held. One jump at a time.
   * @param {number} id
   */
  loadAround(id) {
    return this.#session.jumps.loadAround(id);
  }

  /**
   * Marks the messages up to `id` read (at most the newest held); the room keeps the marker for
   * all of this user's tabs and answers nothing. Forward only: returns whether the marker moved.
   * @param {number} id
   */
  read(id) {
    const newest = this.#session.timeline.newestId;
    if (!Number.isSafeInteger(id) || newest === null) return false;
    return this.#session.standing.read(Math.min(id, newest));
  }

  /**
   * Searches the room (every word, the last as a prefix): resolves with the answer, newest first
   * (`hasMore`: go on with `before` the last id); rejects with the room's error frame.
   * @param {string} query
   * @param {{ before?: number, limit?: number }} [page]
   * @returns {Promise<SearchFrame>}
   */
  search(query, { before, limit } = {}) {
    return new Promise((resolve, reject) =>
      this.#session.lane.request({
        frame: {
          type: 'search',
          query,
          ...(before !== undefined && { before }),
          ...(limit !== undefined && { limit }),
        },
        answers: (incoming) => incoming.type === 'search',
        settle: (answer) =>
          answer?.type === 'search' ? resolve(answer) : reject(new Error('no answer')),
        fail: reject,
      }),
    );
  }

  /** Mutes `userId` for `seconds` (0 lifts a mute). @param {string} userId @param {number} seconds */
  mute(userId, seconds) {
    return this.#session.moderation.mute(userId, seconds);
  }

  /**
   * Bans `userId` for `seconds` (or for good), with a `reason` if given; `purge` deletes every
   * message of theirs too.
   * @param {string} userId
   * @param {{ seconds?: number, purge?: boolean, reason?: string }} [options]
   */
  ban(userId, options = {}) {
    return this.#session.moderation.ban(userId, options);
  }

  /** Lifts the ban of `userId`. @param {string} userId */
  unban(userId) {
    return this.#session.moderation.unban(userId);
  }

  /** Resolves with the bans in force. */
  bans() {
    return this.#session.moderation.bans();
  }

  /**
   * Changes the room's settings (either field may be left out): resolves with them once they are
   * as asked (at once if they are).
   * @param {{ slowModeSeconds?: number, readOnly?: boolean }} change
   */
  setSettings(change) {
    return this.#session.moderation.setSettings(change);
  }

  /** The owner makes `userId` a moderator here (`member` takes it back). @param {string} userId @param {'moderator' | 'member'} role */
  setRole(userId, role) {
    return this.#session.moderation.setRole(userId, role);
  }

  /** Sends a message that was refused for good once more (from `pending`). */
  retry(/** @type {string} */ clientId) {
    this.#session.outbox.retry(clientId);
  }

  /** Forgets a message not yet acknowledged (one refused for good, usually). */
  discard(/** @type {string} */ clientId) {
    this.#session.outbox.discard(clientId);
  }

  /** Takes in outbox changes another client made in the same storage (another tab's). */
  syncOutbox() {
    this.#session.outbox.sync();
  }

  /** Tells the room we are typing, at most once every 2.5 s; returns whether it was sent. */
  typing() {
    const now = Date.now();
    // Not while a request is out: a refusal that names no frame must be the request's.
    if (!this.#session.lane.idle || now - this.#typingSentAt < TYPING_EVERY_MS) return false;
    const sent = this.#session.send({ type: 'typing' });
    if (sent) this.#typingSentAt = now;
    return sent;
  }

  /** Asks for the page before the oldest held message; false when there is none or one is on its way. */
  loadOlder() {
    return this.#session.sync.loadOlder();
  }

  /** Skips the wait before the next connection attempt (the page calls this when the network or tab returns). */
  reconnectNow() {
    this.#session.socket.reconnectNow();
  }

  /** Gives up the current connection as lost and reconnects by the backoff (the network went away). */
  interrupt() {
    this.#session.socket.interrupt('interrupted');
  }

  /**
   * Leaves the room for good: no socket, timer or reconnect remains; pending sends and requests
   * reject (the outbox stays stored).
   */
  close() {
    this.#session.close();
  }
}
