// @ts-check
// ChatClient: one room of an edge chat server, for a page, a Node bot or any front-end. It keeps a
// connection up (socket.js), resumes after a loss from its position without losing or repeating
// a message (timeline.js), sends what is written exactly once and in order (outbox.js), and keeps
// the member list. Everything it learns is an event with a `detail`; it never touches a DOM.
// The wire contract is docs/protocol.md.
import { Emitter } from './events.js';
import { parseServerFrame } from './frames.js';
import { MemberList } from './members.js';
import { Outbox } from './outbox.js';
import {
  codePointLength,
  HEARTBEAT_INTERVAL_MS,
  MAX_TEXT_LENGTH,
  parseRoomName,
  PING_FRAME,
} from './rules.js';
import { ReconnectingSocket } from './socket.js';
import { memoryStorage } from './storage.js';
import { RoomSync } from './sync.js';

/** @typedef {import('./frames.js').User} User */
/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').ServerFrame} ServerFrame */
/** @typedef {import('./frames.js').ClientFrame} ClientFrame */
/** @typedef {import('./frames.js').WelcomeFrame} WelcomeFrame */
/** @typedef {import('./frames.js').HistoryFrame} HistoryFrame */
/** @typedef {import('./frames.js').ErrorFrame} ErrorFrame */
/** @typedef {import('./frames.js').JoinFrame} JoinFrame */
/** @typedef {import('./frames.js').LeaveFrame} LeaveFrame */
/** @typedef {import('./frames.js').PresenceFrame} PresenceFrame */
/** @typedef {import('./frames.js').TypingFrame} TypingFrame */
/** @typedef {import('./frames.js').PongFrame} PongFrame */
/** @typedef {import('./frames.js').UpdateFrame} UpdateFrame */
/** @typedef {import('./frames.js').PurgedFrame} PurgedFrame */
/** @typedef {import('./frames.js').ModerationFrame} ModerationFrame */
/** @typedef {import('./frames.js').BannedFrame} BannedFrame */
/** @typedef {import('./frames.js').SettingsFrame} SettingsFrame */
/** @typedef {import('./frames.js').BansFrame} BansFrame */
/** @typedef {import('./frames.js').ReadFrame} ReadFrame */
/** @typedef {import('./frames.js').SearchFrame} SearchFrame */
/** @typedef {import('./outbox.js').OutboxItem} OutboxItem */
/** @typedef {import('./storage.js').Storage} Storage */
/** @typedef {import('./socket.js').WebSocketClass} WebSocketClass */
/** @typedef {'connecting' | 'open' | 'reconnecting' | 'closed'} Status */
/** @typedef {import('./sync.js').Placement} Placement */
/**
 * @typedef {object} ChatClientOptions
 * @property {string} url the app's origin, e.g. `https://chat.example.com`
 * @property {string} room a room name (1–64 of a-z 0-9 _ -, case-insensitive)
 * @property {string | (() => string | Promise<string>)} token an access token, or a function
 *   called before every connection attempt that returns one
 * @property {WebSocketClass} [WebSocket] the global WebSocket by default (Node 20 has none: pass `ws`)
 * @property {Storage} [storage] keeps the outbox (localStorage keeps it across reloads); in memory by default
 * @property {number} [heartbeatIntervalMs] how often to send the heartbeat (30 s)
 * @property {number} [pongTimeoutMs] how long a heartbeat may go unanswered before the connection is given up (10 s)
 * @property {() => number} [random] the backoff's jitter source (Math.random)
 * @property {number} [firstDelayMs] the first wait before reconnecting (1 s), doubling per failure
 * @property {number} [maxDelayMs] the longest wait (30 s)
 * @property {number} [stableAfterMs] a connection open this long resets the backoff (10 s)
 * @property {number} [connectTimeoutMs] an attempt not open by then is given up (10 s)
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
 * @property {CustomEvent<HistoryFrame>} history
 * @property {CustomEvent<JoinFrame>} join
 * @property {CustomEvent<LeaveFrame>} leave
 * @property {CustomEvent<PresenceFrame>} presence
 * @property {CustomEvent<TypingFrame>} typing someone else is typing
 * @property {CustomEvent<ErrorFrame>} error the room refused a frame
 * @property {CustomEvent<PongFrame>} pong
 * @property {CustomEvent<UpdateFrame>} update a known message changed (edited, deleted, reacted to)
 * @property {CustomEvent<PurgedFrame>} purged every retained message of a user became a tombstone
 * @property {CustomEvent<ModerationFrame>} moderation
 * @property {CustomEvent<BannedFrame>} banned we are banned here (a final close follows)
 * @property {CustomEvent<SettingsFrame>} settings
 * @property {CustomEvent<BansFrame>} bans
 * @property {CustomEvent<ReadFrame>} read our read marker moved (from another of our sockets)
 * @property {CustomEvent<SearchFrame>} search
 */

/** typing() sends at most this often. */
const TYPING_EVERY_MS = 2_500;
const PONG_TIMEOUT_MS = 10_000;

/** @extends {Emitter<ChatEventMap>} */
export class ChatClient extends Emitter {
  #room;
  #origin;
  #token;
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
    this.#origin = httpOrigin(options.url);
    if (typeof options.token !== 'string' && typeof options.token !== 'function')
      throw new TypeError('token must be a string or a function returning one');
    this.#token = options.token;
    const WebSocketClass = options.WebSocket ?? globalThis.WebSocket;
    if (typeof WebSocketClass !== 'function')
      throw new TypeError('no global WebSocket here: pass one (in Node 20, the ws package’s)');
    this.#socket = new ReconnectingSocket({
      url: () => this.#socketUrl(),
      WebSocket: WebSocketClass,
      heartbeat: {
        frame: PING_FRAME,
        intervalMs: options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS,
        timeoutMs: options.pongTimeoutMs ?? PONG_TIMEOUT_MS,
      },
      ...pick(options, [
        'random',
        'firstDelayMs',
        'maxDelayMs',
        'stableAfterMs',
        'connectTimeoutMs',
      ]),
    });
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
    if (typeof text !== 'string') return Promise.reject(new TypeError('text must be a string'));
    const refusal = checkText(text);
    if (refusal) return Promise.reject(refusal);
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

  async #socketUrl() {
    const token = typeof this.#token === 'function' ? await this.#token() : this.#token;
    if (typeof token !== 'string' || token === '')
      throw new TypeError('the token function gave no token');
    const url = new URL(`/api/rooms/${this.#room}/ws`, this.#origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', token);
    const position = this.#sync.position;
    if (position !== null) url.searchParams.set('after', String(position));
    return url.href;
  }

  /** @param {ReconnectingSocket} socket */
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
      // Frames of features this client leaves to its user (moderation, search, read markers).
      case 'purged':
        return this.emit('purged', frame);
      case 'moderation':
        return this.emit('moderation', frame);
      case 'banned':
        return this.emit('banned', frame);
      case 'settings':
        return this.emit('settings', frame);
      case 'bans':
        return this.emit('bans', frame);
      case 'read':
        return this.emit('read', frame);
      case 'search':
        return this.emit('search', frame);
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

/**
 * The refusal the room would answer `text` with for being empty or too long, as an error frame;
 * null when it may be sent. Everything else (control characters, say) is the room's to judge.
 * @param {string} text
 * @returns {ErrorFrame | null}
 */
function checkText(text) {
  const trimmed = text.trim();
  if (trimmed === '') return { type: 'error', code: 'empty', message: 'text is empty' };
  if (codePointLength(trimmed) > MAX_TEXT_LENGTH)
    return {
      type: 'error',
      code: 'too_long',
      message: `text is longer than ${MAX_TEXT_LENGTH} characters`,
    };
  return null;
}

/** The http(s) origin of `url` (ws and wss are taken as their http twins). @param {string} url */
function httpOrigin(url) {
  /** @type {URL} */ let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`not a URL: ${JSON.stringify(url)}`);
  }
  const schemes = { 'http:': 'http:', 'https:': 'https:', 'ws:': 'http:', 'wss:': 'https:' };
  const scheme = Object.entries(schemes).find(([from]) => from === parsed.protocol)?.[1];
  if (!scheme) throw new TypeError(`not an http(s) or ws(s) URL: ${JSON.stringify(url)}`);
  return `${scheme}//${parsed.host}`;
}

/**
 * The options of `keys` that are set, so unset ones keep the socket's defaults.
 * @template {object} T
 * @template {keyof T} K
 * @param {T} options
 * @param {K[]} keys
 * @returns {Partial<Pick<T, K>>}
 */
function pick(options, keys) {
  /** @type {Partial<Pick<T, K>>} */ const picked = {};
  for (const key of keys) if (options[key] !== undefined) picked[key] = options[key];
  return picked;
}
