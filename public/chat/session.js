// @ts-check
// The parts of one client in one room and how what comes in moves between them: the connection
// (connection.js, socket.js), the messages held and the position (timeline.js), keeping in step
// (sync.js), jumps (jump.js), the requests whose outcome is awaited (requests.js), the outbox,
// the members, this user's standing, changes and moderation. Every frame is taken in by the part
// it concerns, then shown to the request out, then told as events. ChatClient (client.js) is the
// API over this.
import { Changes } from './changes.js';
import { roomSocket } from './connection.js';
import { parseServerFrame } from './frames.js';
import { Jumps } from './jump.js';
import { MemberList } from './members.js';
import { Moderation } from './moderation.js';
import { Outbox } from './outbox.js';
import { RequestLane } from './requests.js';
import { Standing } from './standing.js';
import { memoryStorage } from './storage.js';
import { RoomSync } from './sync.js';
import { Timeline } from './timeline.js';

/** @typedef {import('./frames.js').User} User */
/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').ServerFrame} ServerFrame */
/** @typedef {import('./frames.js').ClientFrame} ClientFrame */
/** @typedef {import('./frames.js').WelcomeFrame} WelcomeFrame */
/** @typedef {import('./client-events.js').ChatEventMap} ChatEventMap */
/** @typedef {import('./client-events.js').Status} Status */
/**
 * Dispatches one of ChatClient's events.
 * @typedef {<K extends keyof ChatEventMap & string>(type: K, detail: ChatEventMap[K]['detail']) => void} Emit
 */
/**
 * @typedef {import('./connection.js').ConnectionOptions
 *   & { storage?: import('./storage.js').Storage }} SessionOptions
 */

export class Session {
  #emit;
  /** Null until the first attempt starts, so that its 'connecting' is announced too. */
  /** @type {Status | null} */ #status = null;
  /** @type {User | null} */ #me = null;
  /** Whether this connection's welcome came: only then is anything sent. */
  #welcomed = false;

  members = new MemberList();
  timeline = new Timeline();
  lane = new RequestLane({
    send: (frame) => this.send(frame),
    mayProceed: () => !this.sync.catchingUp,
  });
  /** @type {import('./sync.js').SyncHooks} */
  #hooks = {
    deliver: (messages, placement) => {
      this.#emit('messages', { messages, placement });
      for (const message of messages) this.#emit('message', message);
    },
    changed: (messages) => {
      for (const message of messages) this.#emit('update', { type: 'update', message });
    },
    gap: (after) => this.#emit('gap', { after }),
    reset: (welcome) => {
      this.lane.failAll(new Error('the room’s storage was reset: what this was about is gone'));
      this.standing.forgetReads();
      this.#emit('reset', welcome);
    },
  };
  sync = new RoomSync({ timeline: this.timeline, lane: this.lane, hooks: this.#hooks });
  jumps = new Jumps({ timeline: this.timeline, lane: this.lane, hooks: this.#hooks });
  changes = new Changes({
    lane: this.lane,
    message: (id) => this.timeline.message(id),
    me: () => this.#me?.id,
    mutedUntil: () => this.standing.mutedUntil,
  });
  standing = new Standing({
    lane: this.lane,
    hooks: {
      role: (role) => this.#emit('role', { role }),
      muted: (until) => {
        this.outbox.hold(until !== null);
        this.#emit('muted', { until });
      },
      read: (id) => this.#emit('read', { id }),
    },
  });
  moderation = new Moderation({
    lane: this.lane,
    me: () => this.#me?.id,
    settings: () => this.standing.settings,
  });
  /** @type {Outbox} */ outbox;
  /** @type {import('./socket.js').ReconnectingSocket} */ socket;

  /**
   * @param {SessionOptions} options
   * @param {string} room the room's canonical name
   * @param {Emit} emit
   */
  constructor(options, room, emit) {
    this.#emit = emit;
    this.socket = roomSocket(options, room, () => this.timeline.position);
    this.outbox = new Outbox({
      storage: options.storage ?? memoryStorage(),
      key: `edgechat:outbox:${room}`,
      transmit: ({ text, clientId, replyTo }) =>
        this.send({ type: 'message', text, clientId, ...(replyTo !== undefined && { replyTo }) }),
    });
    this.outbox.addEventListener('change', (event) => emit('outbox', event.detail));
    this.outbox.addEventListener('sent', (event) => emit('sent', event.detail));
    this.outbox.addEventListener('failed', (event) => emit('failed', event.detail));
    this.#listen();
  }

  /** @returns {Status} */
  get status() {
    return this.#status ?? 'connecting';
  }

  /** Who the server says we are; null before the first welcome. */
  get user() {
    return this.#me;
  }

  /** Sends a frame on a welcomed connection; false when there is none. @param {ClientFrame} frame */
  send(frame) {
    return this.#welcomed && this.socket.send(JSON.stringify(frame));
  }

  /** Leaves the room for good (see ChatClient.close()). */
  close(reason = 'the client was closed') {
    if (this.#status === 'closed') return;
    this.socket.close(1000, 'closed by the client');
    this.#connectionEnded();
    this.#shutDown(reason);
  }

  #listen() {
    const { socket } = this;
    socket.addEventListener('connecting', () => this.#setStatus('connecting'));
    socket.addEventListener('message', (event) => this.#receive(event.detail.data));
    socket.addEventListener('failure', (event) => this.#emit('failure', event.detail));
    socket.addEventListener('lost', (event) => {
      const { code, reason, final } = event.detail;
      this.#connectionEnded();
      this.#emit('disconnect', { code, reason, final });
    });
    socket.addEventListener('retry', (event) => {
      this.#setStatus('reconnecting');
      this.#emit('retry', event.detail);
    });
    socket.addEventListener('closed', ({ detail }) =>
      this.#shutDown(`the connection closed for good (${detail.reason || detail.code})`),
    );
  }

  /** @param {string} raw */
  #receive(raw) {
    const parsed = parseServerFrame(raw);
    // A newer server may send frames this client doesn't know: they are skipped, not fatal.
    if (!parsed.ok) return;
    const { frame } = parsed;
    this.#take(frame);
    // After the frame is taken in, so that a request can see what it did.
    const barrier = this.lane.receive(frame);
    if (frame.type === 'history' && !barrier) this.#emit('history', frame);
  }

  /** What a frame changes, and who is told. @param {ServerFrame} frame */
  #take(frame) {
    const emit = this.#emit;
    switch (frame.type) {
      case 'welcome':
        return this.#welcome(frame);
      case 'message':
        this.#acknowledgeOwn([frame]);
        return this.sync.live(frame);
      case 'update':
        return this.sync.live(frame.message);
      case 'history':
        // The page is its request's to take in (requests.js hands it to sync.js or jump.js).
        return this.#acknowledgeOwn(frame.messages);
      case 'join':
      case 'leave':
        this.members.apply(frame.type, frame.user);
        this.#emitMembers();
        return frame.type === 'join' ? emit('join', frame) : emit('leave', frame);
      case 'presence':
        this.members.presence(frame.count);
        this.#emitMembers();
        return emit('presence', frame);
      case 'error':
        // Only a mute refuses with `forbidden` and a wait.
        if (frame.code === 'forbidden' && frame.retryAfterMs !== undefined)
          this.standing.mutedFor(frame.retryAfterMs);
        this.outbox.refuse(frame);
        return emit('error', frame);
      case 'purged':
        emit('purged', frame);
        return this.sync.purged(frame);
      case 'moderation':
        this.standing.moderation(frame, this.#me?.id);
        return emit('moderation', frame);
      case 'banned':
        emit('banned', frame);
        // The room closes the socket next (1008, final), but that close may be slow to come
        // (see docs/protocol.md, Bans): a ban is final from this frame on.
        return this.close('banned from the room');
      case 'settings':
        this.standing.settingsChanged(frame);
        return emit('settings', frame);
      case 'read':
        return void this.standing.markRead(frame.id);
      case 'typing':
        return emit('typing', frame);
      case 'pong':
        return emit('pong', frame);
      case 'bans':
        return emit('bans', frame);
      case 'search':
        return emit('search', frame);
      default: {
        // A new frame type breaks the typecheck here until it is handled.
        /** @type {never} */ const unhandled = frame;
        return unhandled;
      }
    }
  }

  /** @param {WelcomeFrame} welcome */
  #welcome(welcome) {
    this.#me = welcome.user;
    this.#welcomed = true;
    this.members.welcome(welcome);
    this.#emit('welcome', welcome);
    this.#emitMembers();
    this.#acknowledgeOwn(welcome.messages);
    this.standing.welcome(welcome);
    this.sync.welcome(welcome);
    this.#setStatus('open');
    this.outbox.resume();
    this.lane.open();
  }

  /** Our own messages acknowledge outbox items, wherever they turn up. @param {readonly ChatMessage[]} messages */
  #acknowledgeOwn(messages) {
    for (const message of messages)
      if (message.clientId !== undefined && message.user.id === this.#me?.id)
        this.outbox.acknowledge(message);
  }

  /** Forgets what only made sense on the connection that ended. */
  #connectionEnded() {
    this.#welcomed = false;
    this.sync.ended();
    this.lane.ended();
    this.outbox.pause();
  }

  /** For good: nothing waits any more, and no timer is left. @param {string} why */
  #shutDown(why) {
    this.outbox.close();
    this.standing.close();
    this.lane.close(new Error(why));
    this.#setStatus('closed');
  }

  #emitMembers() {
    this.#emit('members', { members: this.members.list, count: this.members.count });
  }

  /** @param {Status} status */
  #setStatus(status) {
    if (this.#status === status || this.#status === 'closed') return;
    this.#status = status;
    this.#emit('status', status);
  }
}
