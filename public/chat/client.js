// @ts-check
// ChatClient: one room of an edge chat server, for a page, a Node bot or any front-end. It keeps a
// connection up (socket.js), resumes after a loss from its position without losing or repeating
// a message (timeline.js), sends what is written exactly once and in order (outbox.js), and keeps
// the member list. Everything it learns is an event with a `detail`; it never touches a DOM.
// The wire contract is docs/protocol.md.
import { Emitter } from './events.js';
import { parseServerFrame } from './frames.js';
import { Outbox } from './outbox.js';
import {
  codePointLength,
  HEARTBEAT_INTERVAL_MS,
  MAX_PAGE,
  MAX_TEXT_LENGTH,
  parseRoomName,
  PING_FRAME,
  WELCOME_MESSAGES,
} from './rules.js';
import { ReconnectingSocket } from './socket.js';
import { memoryStorage } from './storage.js';
import { Timeline } from './timeline.js';

/** @typedef {import('./frames.js').User} User */
/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').ServerFrame} ServerFrame */
/** @typedef {import('./frames.js').ClientFrame} ClientFrame */
/** @typedef {Extract<ClientFrame, { type: 'history' }>} HistoryRequest */
/** @typedef {import('./frames.js').WelcomeFrame} WelcomeFrame */
/** @typedef {import('./frames.js').HistoryFrame} HistoryFrame */
/** @typedef {import('./frames.js').ErrorFrame} ErrorFrame */
/** @typedef {import('./frames.js').JoinFrame} JoinFrame */
/** @typedef {import('./frames.js').LeaveFrame} LeaveFrame */
/** @typedef {import('./frames.js').PresenceFrame} PresenceFrame */
/** @typedef {import('./frames.js').TypingFrame} TypingFrame */
/** @typedef {import('./frames.js').PongFrame} PongFrame */
/** @typedef {import('./outbox.js').OutboxItem} OutboxItem */
/** @typedef {import('./storage.js').Storage} Storage */
/** @typedef {import('./socket.js').WebSocketClass} WebSocketClass */
/** @typedef {'connecting' | 'open' | 'reconnecting' | 'closed'} Status */
/**
 * Where a batch of new messages goes: `join` is the latest page of a fresh join (or of a start
 * over), `newer` follows everything known (live, or caught up after a reconnect), `older` comes
 * before everything known (loadOlder()).
 * @typedef {'join' | 'newer' | 'older'} Placement
 */
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
 * Every event and its `detail`. One per server frame type (`history`, `join`, `leave`,
 * `presence`, `typing`, `error`, `pong` carry the frame itself), and:
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
 */

/** Messages per loadOlder() page. */
const OLDER_PAGE = 50;
/** typing() sends at most this often. */
const TYPING_EVERY_MS = 2_500;
const PONG_TIMEOUT_MS = 10_000;
/** When the server gives no wait with a rate_limited refusal of a history request. */
const DEFAULT_RETRY_MS = 1_000;

/** @extends {Emitter<ChatEventMap>} */
export class ChatClient extends Emitter {
  #room;
  #origin;
  #token;
  #socket;
  #timeline = new Timeline();
  #outbox;
  /** Null until the first attempt starts, so that its 'connecting' is announced too. */
  /** @type {Status | null} */ #status = null;
  /** @type {User | null} */ #me = null;
  /** @type {Map<string, User>} */ #members = new Map();
  #memberCount = 0;
  #hasOlder = false;
  /** Whether this connection's welcome came: only then is anything sent. */
  #welcomed = false;
  /** While a page is awaited that must come first (catching up, starting over), live messages wait here. */
  /** @type {ChatMessage[] | null} */ #held = null;
  /** One history request at a time, so a refusal without a clientId can be matched to it. */
  /** @type {{ frame: HistoryRequest, placement: Placement } | null} */
  #pendingHistory = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */ #historyRetry;
  #typingSentAt = -Infinity;
  /** This connection's `welcome.seq`: the position once caught up. */
  #welcomeSeq = 0;

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
    return [...this.#members.values()];
  }

  /** How many users are connected in all. */
  get memberCount() {
    return this.#memberCount;
  }

  /** Whether older messages than the oldest known exist (see loadOlder()). */
  get hasOlder() {
    return this.#hasOlder;
  }

  /** Whether a loadOlder() page is on its way. */
  get loadingOlder() {
    return this.#pendingHistory?.placement === 'older';
  }

  /** Where a reconnect resumes: the highest change received (null before the first welcome). */
  get position() {
    return this.#timeline.position;
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
    if (this.#pendingHistory || now - this.#typingSentAt < TYPING_EVERY_MS) return false;
    const sent = this.#send({ type: 'typing' });
    if (sent) this.#typingSentAt = now;
    return sent;
  }

  /** Asks for the page before the oldest known message; false when there is none or one is on its way. */
  loadOlder() {
    const before = this.#timeline.oldestId;
    if (!this.#hasOlder || this.#held || this.#pendingHistory || before === null) return false;
    return this.#requestHistory({ type: 'history', before, limit: OLDER_PAGE }, 'older');
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
    const position = this.#timeline.position;
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
        return this.#onLive(frame);
      case 'history':
        this.#onHistory(frame);
        return this.emit('history', frame);
      case 'join':
      case 'leave':
        this.#onPresenceChange(frame);
        return frame.type === 'join' ? this.emit('join', frame) : this.emit('leave', frame);
      case 'presence':
        this.#memberCount = frame.count;
        this.#emitMembers();
        return this.emit('presence', frame);
      case 'typing':
        return this.emit('typing', frame);
      case 'error':
        this.#onError(frame);
        return this.emit('error', frame);
      case 'pong':
        return this.emit('pong', frame);
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
    this.#welcomeSeq = welcome.seq;
    this.#members = new Map(welcome.members.map((user) => [user.id, user]));
    this.#memberCount = welcome.memberCount;
    this.emit('welcome', welcome);
    this.#emitMembers();
    this.#acknowledgeOwn(welcome.messages);
    const position = this.#timeline.position;
    if (position === null) {
      // A fresh join: the latest page, and `hasMore` says whether older ones exist.
      this.#hasOlder = welcome.hasMore;
      this.#deliver(this.#timeline.takeNewer(welcome.messages), 'join');
      this.#timeline.caughtUp(welcome.seq);
    } else if (welcome.seq < position) {
      // The room's latest change is behind what we received: its storage was reset under us, and
      // what we know belongs to a room that is gone. Start over with its latest page.
      this.#timeline.forget();
      this.#hasOlder = false;
      this.emit('reset', welcome);
      this.#held = [];
      const before = welcome.seq + 1;
      this.#requestHistory({ type: 'history', before, limit: WELCOME_MESSAGES }, 'join');
    } else {
      // A resume: what came after our position, and `hasMore` says newer ones were left out.
      if (welcome.pruned) this.emit('gap', { after: position });
      this.#deliver(this.#timeline.takeNewer(welcome.messages), 'newer');
      if (welcome.hasMore) this.#catchUp();
      else this.#timeline.caughtUp(welcome.seq);
    }
    this.#setStatus('open');
    this.#outbox.resume();
  }

  /** @param {ChatMessage} message */
  #onLive(message) {
    this.#acknowledgeOwn([message]);
    if (this.#held) this.#held.push(message);
    else this.#deliver(this.#timeline.takeNewer([message]), 'newer');
  }

  /** @param {HistoryFrame} page */
  #onHistory(page) {
    const request = this.#pendingHistory;
    if (!request) return;
    this.#pendingHistory = null;
    this.#acknowledgeOwn(page.messages);
    switch (request.placement) {
      case 'older':
        this.#hasOlder = page.hasMore;
        return this.#deliver(this.#timeline.takeOlder(page.messages), 'older');
      case 'join':
        // A start over's latest page: `hasMore`, as in a welcome, says older ones exist.
        this.#hasOlder = page.hasMore;
        this.#deliver(this.#timeline.takeNewer(page.messages), 'join');
        break;
      case 'newer':
        if (page.pruned)
          this.emit('gap', { after: 'after' in request.frame ? request.frame.after : 0 });
        this.#deliver(this.#timeline.takeNewer(page.messages), 'newer');
        // An empty page that claims more would ask for the same page forever.
        if (page.hasMore && page.messages.length > 0) return this.#catchUp();
    }
    // Every change up to the welcome's is in: only now may the position take its seq.
    this.#timeline.caughtUp(this.#welcomeSeq);
    const held = this.#held ?? [];
    this.#held = null;
    this.#deliver(this.#timeline.takeNewer(held), 'newer');
  }

  /**
   * Pages forward from our position while the room says more are left, holding live messages
   * back meanwhile: shown before the pages in between, they would leave a gap that resuming from
   * the highest id received would then skip for good.
   */
  #catchUp() {
    this.#held ??= [];
    const after = this.#timeline.position ?? 0;
    this.#requestHistory({ type: 'history', after, limit: MAX_PAGE }, 'newer');
  }

  /** @param {ErrorFrame} error */
  #onError(error) {
    if (this.#outbox.refuse(error)) return;
    const request = this.#pendingHistory;
    if (error.code !== 'rate_limited' || !request) return;
    clearTimeout(this.#historyRetry);
    this.#historyRetry = setTimeout(() => {
      if (this.#pendingHistory === request) this.#send(request.frame);
    }, error.retryAfterMs ?? DEFAULT_RETRY_MS);
  }

  /**
   * join and leave mean a user's first connection opened or their last one closed, so they move
   * the count by one; a join of someone already listed (ourselves, say) changes nothing.
   * @param {JoinFrame | LeaveFrame} frame
   */
  #onPresenceChange(frame) {
    const known = this.#members.has(frame.user.id);
    if (frame.type === 'join') {
      this.#members.set(frame.user.id, frame.user);
      if (!known) this.#memberCount++;
    } else {
      this.#members.delete(frame.user.id);
      // Not clamped to the list: after a crowded spell (counts only) the list may lack people.
      this.#memberCount = Math.max(0, this.#memberCount - 1);
    }
    this.#emitMembers();
  }

  /** Our own messages acknowledge outbox items, wherever they turn up. @param {readonly ChatMessage[]} messages */
  #acknowledgeOwn(messages) {
    for (const message of messages)
      if (message.clientId !== undefined && message.user.id === this.#me?.id)
        this.#outbox.acknowledge(message);
  }

  /** @param {ChatMessage[]} messages @param {Placement} placement */
  #deliver(messages, placement) {
    if (messages.length === 0) return;
    this.emit('messages', { messages, placement });
    for (const message of messages) this.emit('message', message);
  }

  /** @param {HistoryRequest} frame @param {Placement} placement */
  #requestHistory(frame, placement) {
    if (!this.#send(frame)) return false;
    this.#pendingHistory = { frame, placement };
    return true;
  }

  /** Sends a frame on a welcomed connection; false when there is none. @param {ClientFrame} frame */
  #send(frame) {
    return this.#welcomed && this.#socket.send(JSON.stringify(frame));
  }

  /** Forgets what only made sense on the connection that ended; what was held back comes again. */
  #connectionEnded() {
    this.#welcomed = false;
    this.#held = null;
    this.#pendingHistory = null;
    clearTimeout(this.#historyRetry);
    this.#outbox.pause();
  }

  #emitMembers() {
    this.emit('members', { members: this.members, count: this.#memberCount });
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
