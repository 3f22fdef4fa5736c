// @ts-check
// ChatClient: one room of an edge chat server, for a page, a Node bot or any front-end. It keeps a
// connection up (socket.js), resumes after a loss from its position without losing or repeating
// a message (timeline.js), sends what is written exactly once and in order (outbox.js), and keeps
// the member list. Everything it learns is an event with a `detail`; it never touches a DOM.
// The wire contract is docs/protocol.md.
import { roomSocket } from './connection.js';
import { Emitter } from './events.js';
import { parseServerFrame } from './frames.js';
import { MemberList } from './members.js';
import { Outbox } from './outbox.js';
import { parseRoomName } from './rules.js';
import { memoryStorage } from './storage.js';
import { RoomSync } from './sync.js';

// The types a user of ChatClient meets, importable from here.
/** @typedef {import('./frames.js').User} User */
/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').ServerFrame} ServerFrame */
/** @typedef {import('./frames.js').ClientFrame} ClientFrame */
/** @typedef {import('./frames.js').WelcomeFrame} WelcomeFrame */
/** @typedef {import('./frames.js').ErrorFrame} ErrorFrame */
/** @typedef {import('./outbox.js').OutboxItem} OutboxItem */
/** @typedef {import('./storage.js').Storage} Storage */
/** @typedef {import('./connection.js').ConnectionOptions} ConnectionOptions */
/**
 * @template {ServerFrame['type']} T
 * @typedef {Extract<ServerFrame, { type: T }>} Frame
 */
/** @typedef {'connecting' | 'open' | 'reconnecting' | 'closed'} Status */
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
/**
 * Every event and its `detail`. One per server frame type (the others carry the frame itself;
 * `update` comes once the change is applied, in the room's order, caught up or not), and:
 * @typedef {object} ChatEventMap
 * @property {CustomEvent<Status>} status
 * @property {CustomEvent<WelcomeFrame>} welcome the welcome frame of each connection
 * @property {CustomEvent<ChatMessage>} message once per message id, the first time the client learns of it
 * @property {CustomEvent<{ messages: ChatMessage[], placement: Placement }>} messages the same
 *   messages in batches, with where they go (for a view that places them)
 * @property {CustomEvent<{ members: User[], count: number }>} members who is connected changed
 * @property {CustomEvent<{ after: number }>} gap messages after `after` are no longer kept: what
 *   follows does not join up with what came before
 * @property {CustomEvent<WelcomeFrame>} reset the room's storage was reset under this client: it
 *   forgot everything and starts over as a fresh join
 * @property {CustomEvent<{ delayMs: number, failures: number }>} retry the next connection attempt is planned
 * @property {CustomEvent<{ code: number, reason: string, final: boolean }>} disconnect a connection ended
 * @property {CustomEvent<{ error: unknown }>} failure an attempt failed before it opened a socket (the token function threw)
 * @property {CustomEvent<OutboxItem[]>} outbox the messages not yet acknowledged changed
 * @property {CustomEvent<{ clientId: string, message: ChatMessage }>} sent one of them was acknowledged
 * @property {CustomEvent<{ item: OutboxItem, error: ErrorFrame }>} failed one was refused for good
 * @property {CustomEvent<Frame<'history'>>} history
 * @property {CustomEvent<Frame<'join'>>} join
 * @property {CustomEvent<Frame<'leave'>>} leave
 * @property {CustomEvent<Frame<'presence'>>} presence
 * @property {CustomEvent<Frame<'typing'>>} typing someone else is typing
 * @property {CustomEvent<ErrorFrame>} error the room refused a frame
 * @property {CustomEvent<Frame<'pong'>>} pong
 * @property {CustomEvent<Frame<'update'>>} update a known message changed (edited, deleted, reacted to)
 * @property {CustomEvent<Frame<'purged'>>} purged every retained message of a user became a tombstone
 * @property {CustomEvent<Frame<'moderation'>>} moderation
 * @property {CustomEvent<Frame<'banned'>>} banned we are banned here (a final close follows)
 * @property {CustomEvent<Frame<'settings'>>} settings
 * @property {CustomEvent<Frame<'bans'>>} bans
 * @property {CustomEvent<Frame<'read'>>} read our read marker moved (from another of our sockets)
 * @property {CustomEvent<Frame<'search'>>} search
 */

/** typing() sends at most this often. */
const TYPING_EVERY_MS = 2_500;

/** @extends {Emitter<ChatEventMap>} */
export class ChatClient extends Emitter {
  #room;
  #socket;
  #outbox;
  #members = new MemberList();
  #sync = new RoomSync({
    send: (frame) => this.#send(frame),
    deliver: (messages, placement) => {
      this.emit('messages', { messages, placement });
      for (const message of messages) this.emit('message', message);
    },
    changed: (messages) => {
      for (const message of messages) this.emit('update', { type: 'update', message });
    },
    gap: (after) => this.emit('gap', { after }),
    reset: (welcome) => this.emit('reset', welcome),
  });
  /** Null until the first attempt starts, so that its 'connecting' is announced too. */
  /** @type {Status | null} */ #status = null;
  /** @type {User | null} */ #me = null;
  /** Whether this connection's welcome came: only then is anything sent. */
  #welcomed = false;
  #typingSentAt = -Infinity;

  /** @param {ChatClientOptions} options */
  constructor(options) {
    super();
    const room = parseRoomName(options.room);
    if (!room) throw new TypeError(`not a valid room name: ${JSON.stringify(options.room)}`);
    this.#room = room;
    this.#socket = roomSocket(options, room, () => this.#sync.position);
    this.#outbox = new Outbox({
      storage: options.storage ?? memoryStorage(),
      key: `edgechat:outbox:${room}`,
      transmit: (item) => this.#send({ type: 'message', text: item.text, clientId: item.clientId }),
    });
    this.#outbox.addEventListener('change', (event) => this.emit('outbox', event.detail));
    this.#outbox.addEventListener('sent', (event) => this.emit('sent', event.detail));
    this.#outbox.addEventListener('failed', (event) => this.emit('failed', event.detail));
    this.#listen(this.#socket);
    // Started after the constructor's caller has had the chance to add its listeners.
    queueMicrotask(() => this.#socket.start());
  }

  /** The room's canonical (lower-case) name. */
  get room() {
    return this.#room;
  }

  /** @returns {Status} */
  get status() {
    return this.#status ?? 'connecting';
  }

  /** Who the server says we are; null before the first welcome. */
  get user() {
    return this.#me;
  }

  /** Who is connected, one entry per user (at most PRESENCE_LIMIT of them in a crowded room). */
  get members() {
    return this.#members.list;
  }

  /** How many users are connected in all. */
  get memberCount() {
    return this.#members.count;
  }

  /** Whether older messages than the oldest known exist (see loadOlder()). */
  get hasOlder() {
    return this.#sync.hasOlder;
  }

  /** Whether a loadOlder() page is on its way. */
  get loadingOlder() {
    return this.#sync.loadingOlder;
  }

  /** Where a reconnect resumes: the highest change received (null before the first welcome). */
  get position() {
    return this.#sync.position;
  }

  /** The messages written and not yet acknowledged, oldest first, refused ones included. */
  get pending() {
    return this.#outbox.items();
  }

  /**
   * Sends a message: resolves with the stored message once the room acknowledges it, exactly once
   * however often the connection drops meanwhile; rejects with the error frame when the room
   * refuses it for good (or at once, for text it would refuse for being empty or too long).
   * @param {string} text
   * @returns {Promise<ChatMessage>}
   */
  send(text) {
    if (this.#status === 'closed') return Promise.reject(new Error('the client is closed'));
    return this.#outbox.enqueue(text);
  }

  /** Sends a message that was refused for good once more (from `pending`). */
  retry(/** @type {string} */ clientId) {
    this.#outbox.retry(clientId);
  }

  /** Forgets a message not yet acknowledged (one refused for good, usually). */
  discard(/** @type {string} */ clientId) {
    this.#outbox.discard(clientId);
  }

  /** Takes in outbox changes another client made in the same storage (another tab's). */
  syncOutbox() {
    this.#outbox.sync();
  }

  /** Tells the room we are typing, at most once every 2.5 s; returns whether it was sent. */
  typing() {
    const now = Date.now();
    // Not while a history request is out: a rate-limit refusal without a clientId must be its.
    if (this.#sync.waitingForHistory || now - this.#typingSentAt < TYPING_EVERY_MS) return false;
    const sent = this.#send({ type: 'typing' });
    if (sent) this.#typingSentAt = now;
    return sent;
  }

  /** Asks for the page before the oldest known message; false when there is none or one is on its way. */
  loadOlder() {
    return this.#sync.loadOlder();
  }

  /** Skips the wait before the next connection attempt (the page calls this when the network or tab returns). */
  reconnectNow() {
    this.#socket.reconnectNow();
  }

  /** Gives up the current connection as lost and reconnects by the backoff (the network went away). */
  interrupt() {
    this.#socket.interrupt('interrupted');
  }

  /** Leaves the room for good: no socket, timer or reconnect remains; pending sends reject (the outbox stays stored). */
  close() {
    if (this.#status === 'closed') return;
    this.#socket.close(1000, 'closed by the client');
    this.#connectionEnded();
    this.#outbox.close();
    this.#setStatus('closed');
  }

  /** @param {import('./socket.js').ReconnectingSocket} socket */
  #listen(socket) {
    socket.addEventListener('connecting', () => this.#setStatus('connecting'));
    socket.addEventListener('message', (event) => this.#receive(event.detail.data));
    socket.addEventListener('failure', (event) => this.emit('failure', event.detail));
    socket.addEventListener('lost', (event) => {
      const { code, reason, final } = event.detail;
      this.#connectionEnded();
      this.emit('disconnect', { code, reason, final });
    });
    socket.addEventListener('retry', (event) => {
      this.#setStatus('reconnecting');
      this.emit('retry', event.detail);
    });
    socket.addEventListener('closed', () => {
      this.#outbox.close();
      this.#setStatus('closed');
    });
  }

  /** @param {string} raw */
  #receive(raw) {
    const parsed = parseServerFrame(raw);
    // A newer server may send frames this client doesn't know: they are skipped, not fatal.
    if (!parsed.ok) return;
    const { frame } = parsed;
    switch (frame.type) {
      case 'welcome':
        return this.#onWelcome(frame);
      case 'message':
        this.#acknowledgeOwn([frame]);
        return this.#sync.live(frame);
      case 'history':
        this.#acknowledgeOwn(frame.messages);
        this.#sync.history(frame);
        return this.emit('history', frame);
      case 'join':
      case 'leave':
        this.#members.apply(frame.type, frame.user);
        this.#emitMembers();
        return frame.type === 'join' ? this.emit('join', frame) : this.emit('leave', frame);
      case 'presence':
        this.#members.presence(frame.count);
        this.#emitMembers();
        return this.emit('presence', frame);
      case 'typing':
        return this.emit('typing', frame);
      case 'error':
        // A refusal of one of our messages is the outbox's; one without, maybe a history request's.
        if (!this.#outbox.refuse(frame)) this.#sync.refused(frame);
        return this.emit('error', frame);
      case 'pong':
        return this.emit('pong', frame);
      case 'update':
        return this.#sync.live(frame.message, true);
      // Frames of features this client leaves to its user (moderation, search, read markers):
      // passed on as they are, each as the event of its type.
      case 'purged':
      case 'moderation':
      case 'banned':
      case 'settings':
      case 'bans':
      case 'read':
      case 'search':
        return void this.dispatchEvent(new CustomEvent(frame.type, { detail: frame }));
      default: {
        // A new frame type breaks the typecheck here until it is handled.
        /** @type {never} */ const unhandled = frame;
        return unhandled;
      }
    }
  }

  /** @param {WelcomeFrame} welcome */
  #onWelcome(welcome) {
    this.#me = welcome.user;
    this.#welcomed = true;
    this.#members.welcome(welcome);
    this.emit('welcome', welcome);
    this.#emitMembers();
    this.#acknowledgeOwn(welcome.messages);
    this.#sync.welcome(welcome);
    this.#setStatus('open');
    this.#outbox.resume();
  }

  /** Our own messages acknowledge outbox items, wherever they turn up. @param {readonly ChatMessage[]} messages */
  #acknowledgeOwn(messages) {
    for (const message of messages)
      if (message.clientId !== undefined && message.user.id === this.#me?.id)
        this.#outbox.acknowledge(message);
  }

  /** Sends a frame on a welcomed connection; false when there is none. @param {ClientFrame} frame */
  #send(frame) {
    return this.#welcomed && this.#socket.send(JSON.stringify(frame));
  }

  /** Forgets what only made sense on the connection that ended. */
  #connectionEnded() {
    this.#welcomed = false;
    this.#sync.ended();
    this.#outbox.pause();
  }

  #emitMembers() {
    this.emit('members', { members: this.#members.list, count: this.#members.count });
  }

  /** @param {Status} status */
  #setStatus(status) {
    if (this.#status === status || this.#status === 'closed') return;
    this.#status = status;
    this.emit('status', status);
  }
}
