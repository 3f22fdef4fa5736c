// ChatRoom: one Durable Object per room. It decides what is said: every frame is sized, rate
// limited and validated here, then stored and broadcast. It trusts the Worker for who is talking
// (the verified user arrives on the internal connect request) and nothing a client sends.
// Assume eviction between any two events: per-socket facts live in attachments, history in SQLite,
// and what is kept in memory is a cache rebuilt on demand, a bucket or counter that is safe to
// forget, or the inbox of frames not yet handled (and the messages admitted from it and not yet
// stored), which is never more than one macrotask old.
import { DurableObject } from 'cloudflare:workers';
import { Admission, sized, type Admitted, type CloseReason, type Raw } from './admission.ts';
import { Attachments, type Attachment } from './attachments.ts';
import { Changes } from './changes.ts';
import { readConfig, type Config } from './config.ts';
import { broadcast, closeQuietly, send, sendSerialised } from './delivery.ts';
import { GHOST_AFTER_MS, Ghosts } from './ghosts.ts';
import { FrameHandlers } from './handlers.ts';
import { History, type Appended, type Draft } from './history.ts';
import { parseConnect, parseCreate } from './internal.ts';
import { logEvent } from './log.ts';
import { Moderation } from './moderation.ts';
import { Paging } from './paging.ts';
import { Presence } from './presence.ts';
import { Reads } from './reads.ts';
import { RoomApi, type ApiAnswer, type ApiCaller } from './room-api.ts';
import { Search } from './search.ts';
import { WelcomePage, type WelcomeRest } from './welcome.ts';
import {
  CLOSE_NORMAL,
  CLOSE_POLICY,
  CLOSE_SERVER_ERROR,
  MAX_SOCKETS_PER_USER,
  PING_FRAME,
  PONG_FRAME,
  type ServerFrame,
  type User,
} from './protocol.ts';
import { TokenBuckets } from './rate-limit.ts';

/** A message waiting to be stored, with the socket that sent it. */
type RoomDraft = Draft & { ws: WebSocket };
// Close codes the runtime synthesises; they can't be sent back in a Close frame.
const SYNTHETIC_CLOSE_CODES = new Set([1005, 1006, 1015]);

export class ChatRoom extends DurableObject<Env> {
  readonly #config: Config;
  readonly #history: History;
  readonly #changes: Changes;
  readonly #search: Search;
  readonly #reads: Reads;
  readonly #api: RoomApi;
  readonly #handlers: FrameHandlers;
  readonly #paging: Paging;
  readonly #welcome: WelcomePage;
  readonly #moderation: Moderation;
  readonly #admission: Admission;
  readonly #attachments = new Attachments();
  readonly #ghosts: Ghosts;
  readonly #presence: Presence;
  /** Frames received and not yet handled, oldest first (see webSocketMessage). */
  readonly #inbox: { ws: WebSocket; raw: Raw; at: number }[] = [];
  /** Messages admitted from the inbox and not yet stored; stored before anything else is answered. */
  readonly #drafts: RoomDraft[] = [];
  /** Sockets the room has closed: frames of theirs still in the inbox are not handled. */
  readonly #closedByRoom = new WeakSet<WebSocket>();
  /** The alarm we know is set (ms), or null when unknown, as after a wake. */
  #alarmAt: number | null = null;

  // Runs again on every wake from hibernation: only cheap, idempotent work here.
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = readConfig(env);
    this.#search = new Search(ctx.storage.sql);
    this.#history = new History(ctx.storage, this.#config.historyLimit, this.#search);
    this.#changes = new Changes(this.#history, this.#search, ctx.storage.sql);
    this.#reads = new Reads(ctx.storage.sql, this.#history);
    this.#paging = new Paging(ctx.storage.sql, this.#history);
    this.#welcome = new WelcomePage(this.#paging, this.#history);
    this.#moderation = new Moderation(ctx.storage.sql);
    const buckets = new TokenBuckets(this.#config.messageRate, this.#config.messageBurst);
    this.#admission = new Admission(buckets, this.#history, this.#moderation);
    this.#api = new RoomApi({
      history: this.#history,
      paging: this.#paging,
      search: this.#search,
      moderation: this.#moderation,
      admission: this.#admission,
      drainInbox: () => this.#drainInbox(),
      broadcast: (frame) => this.#broadcast(frame),
    });
    this.#ghosts = new Ghosts(ctx, this.#attachments);
    this.#presence = new Presence(
      ctx,
      this.#attachments,
      this.#config.presenceLimit,
      (frame, except) => this.#broadcast(frame, except && new Set([except])),
    );
    this.#handlers = new FrameHandlers({
      history: this.#history,
      paging: this.#paging,
      changes: this.#changes,
      moderation: this.#moderation,
      reads: this.#reads,
      search: this.#search,
      presence: this.#presence,
      broadcast: (frame, except) => this.#broadcast(frame, except),
      socketsOf: (userId) => ctx.getWebSockets(userId),
      close: (ws, reason) => this.#closeFromRoom(ws, reason),
      gone: (ws) => {
        void this.#depart(ws);
        this.#attachments.markGone(ws);
      },
    });
    // Answered by the runtime itself, so heartbeats never wake (or bill) a hibernated room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    // Sockets that outlived the previous instance mean this is a wake from hibernation.
    const sockets = ctx.getWebSockets().length;
    if (sockets > 0) logEvent('wake', { sockets });
  }

  override async fetch(request: Request): Promise<Response> {
    const owner = await parseCreate(request);
    if (owner !== undefined) return this.#create(owner);
    const connect = parseConnect(request);
    if (!connect) return jsonError(400, 'bad internal connect request');
    const { room, user, after } = connect;
    this.#drainInbox();
    const now = Date.now();
    if (this.#ghosts.due(now)) await this.#closeGhosts(now);

    // A browser can't read a refused handshake, so a ban is told on an accepted socket.
    const banned = this.#moderation.banOf(user.id, now);
    if (banned) return this.#turnAway(banned);
    if (this.#presence.openSockets(user.id).length >= MAX_SOCKETS_PER_USER) {
      logEvent('refused', { route: 'room', status: 429, room, userId: user.id });
      return jsonError(
        429,
        `too many connections: at most ${MAX_SOCKETS_PER_USER} per user in a room`,
      );
    }
    this.#moderation.arrive(user, connect.moderator);
    const { 0: client, 1: server } = new WebSocketPair();
    const attachment: Attachment = { user, room, connectedAt: now };
    // Counted in before it is accepted, so a member list rebuilt now doesn't hold it already.
    const arriving = this.#presence.arrive(server, attachment);
    this.ctx.acceptWebSocket(server, [user.id]);
    this.#attachments.save(server, attachment);

    const mutedUntil = this.#moderation.mutedUntil(user.id, now);
    const rest: WelcomeRest = {
      user,
      room,
      members: this.#presence.recent(),
      memberCount: this.#presence.count,
      // A client whose position is above this resumed against storage that was reset under it.
      seq: this.#history.seq,
      role: this.#moderation.roleOf(user.id),
      settings: this.#moderation.settings,
      ...(mutedUntil !== undefined && { mutedUntil }),
      readUpTo: this.#reads.upTo(user.id),
    };
    sendSerialised(server, this.#welcome.frame(rest, after));
    if (arriving) await this.#announce({ type: 'join', user, ts: now }, server);
    await this.#ensureAlarm(now + GHOST_AFTER_MS);
    if (this.#config.logConnections)
      logEvent('connect', { room, userId: user.id, members: this.#presence.count });
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Makes the creator of a new room (POST /api/rooms) its owner. */
  #create(user: User | null): Response {
    if (!user) return jsonError(400, 'bad internal create request');
    if (!this.#moderation.claimOwnership(user)) return jsonError(409, 'this room has an owner');
    return new Response(null, { status: 201 });
  }

  /** Accepts a banned user's socket only to send them the `banned` frame, then closes it. */
  #turnAway(banned: Extract<ServerFrame, { type: 'banned' }>): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    // No attachment and no tag: the socket is never a member, and its frames are never handled.
    this.ctx.acceptWebSocket(server);
    send(server, banned);
    this.#closeFromRoom(server, { code: CLOSE_POLICY, reason: 'banned' });
    return new Response(null, { status: 101, webSocket: client });
  }

  // The HTTP API for backends (room-api.ts), called by the Worker over RPC.
  postMessage(caller: ApiCaller, body: string): ApiAnswer {
    return this.#api.post(caller, body);
  }

  readMessages(caller: ApiCaller, params: Record<string, string>): ApiAnswer {
    return this.#api.read(caller, params);
  }

  searchMessages(caller: ApiCaller, params: Record<string, string>): ApiAnswer {
    return this.#api.search(caller, params);
  }

  // Frames are handled one macrotask after they arrive, so that frames arriving together are
  // handled together in one event: their messages are stored by one INSERT and share one commit
  // (the runtime commits once per event and holds outgoing frames until then). A statement and a
  // commit per message held a busy room well below a bare relay's throughput (see the README's
  // Performance). Everything that must see those frames first (a connect, a close, the alarm)
  // drains the inbox.
  override webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): void {
    const now = Date.now();
    this.#ghosts.noteSeen(ws, now);
    // Sized on arrival, so the inbox never holds a frame of up to the runtime's 32 MiB.
    this.#inbox.push({ ws, raw: sized(raw), at: now });
    if (this.#inbox.length === 1) setTimeout(() => this.#drainInbox(), 0);
  }

  #drainInbox(): void {
    for (const { ws, raw, at } of this.#inbox.splice(0))
      if (!this.#closedByRoom.has(ws)) this.#receive(ws, raw, at);
    this.#storeDrafts();
  }

  #receive(ws: WebSocket, raw: Raw, now: number): void {
    const user = this.#attachments.get(ws)?.user;
    let admitted: Admitted;
    try {
      if (!user) throw new Error('socket without a valid attachment');
      admitted = this.#admission.admit(ws, user, raw, now);
    } catch (err) {
      admitted = { kind: 'close', ...internalError(err) };
    }
    if (admitted.kind === 'message' && user) {
      const { message, reply } = admitted;
      const { text, clientId, replyTo } = message;
      this.#drafts.push({ ws, user, text, clientId, ts: now, replyTo, reply });
      return;
    }
    if (admitted.kind === 'drop') return;
    // Everything else is answered in order, after the messages admitted before it.
    this.#storeDrafts();
    switch (admitted.kind) {
      case 'close':
        return this.#closeFromRoom(ws, admitted);
      case 'refusal':
        return send(ws, admitted.error);
      case 'other':
        try {
          if (user) this.#handlers.handle(ws, user, admitted.frame);
        } catch (err) {
          this.#closeFromRoom(ws, internalError(err));
        }
    }
  }

  /** Stores the admitted messages in one go, then broadcasts each new one and answers each resend. */
  #storeDrafts(): void {
    if (this.#drafts.length === 0) return;
    const drafts = this.#drafts.splice(0);
    let appended: Appended<RoomDraft>[];
    try {
      appended = this.#history.appendAll(drafts);
    } catch (err) {
      // Nothing was stored. The senders reconnect and resend from their outboxes.
      const close = internalError(err);
      for (const { ws } of drafts) this.#closeFromRoom(ws, close);
      return;
    }
    // One list of sockets for the whole batch: nobody joins or leaves while it is sent.
    const sockets = this.ctx.getWebSockets();
    // A resend after a lost acknowledgement gets the stored copy; nobody else sees it twice.
    for (const { draft, message, duplicate } of appended) {
      if (duplicate) send(draft.ws, message);
      else broadcast(sockets, message);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#drainInbox();
    // Hibernated sockets need their Close mirrored by hand on every compatibility date; on a
    // socket the runtime already closed this is a no-op.
    if (!SYNTHETIC_CLOSE_CODES.has(code)) closeQuietly(ws, code, reason);
    await this.#depart(ws);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.#drainInbox();
    logEvent('disconnect', { reason: 'socket error', message: String(error) });
    await this.#depart(ws);
  }

  /** Sweeps ghosts and sends a throttled presence count; rescheduled only while sockets remain. */
  override async alarm(): Promise<void> {
    this.#drainInbox();
    const now = Date.now();
    this.#alarmAt = null;
    // A big room's alarm also fires for each held-back presence count (up to once a second), and
    // a sweep walks every socket: not more often than a connect may sweep.
    if (this.#ghosts.due(now)) await this.#closeGhosts(now);
    // Messages are indexed for search here and on a search, never on the way of a new message.
    this.#search.catchUp(this.#history.lastId);
    const countDueAt = this.#presence.recount(now);
    if (countDueAt !== null) await this.#ensureAlarm(countDueAt);
    if (this.ctx.getWebSockets().length > 0) await this.#ensureAlarm(now + GHOST_AFTER_MS);
  }

  /** Counts out a closed or swept socket, announcing its user's leave if it was their last. */
  async #depart(ws: WebSocket): Promise<void> {
    const now = Date.now();
    const user = this.#presence.depart(ws, now);
    if (!user) return;
    const room = this.#attachments.get(ws)?.room;
    if (this.#config.logConnections)
      logEvent('disconnect', { room, userId: user.id, members: this.#presence.count });
    await this.#announce({ type: 'leave', user, ts: now });
  }

  /** Join/leave or a presence count (see presence.ts); a count held back is left to the alarm. */
  async #announce(
    frame: Extract<ServerFrame, { type: 'join' | 'leave' }>,
    except?: WebSocket,
  ): Promise<void> {
    const countDueAt = this.#presence.announce(frame, Date.now(), except);
    if (countDueAt !== null) await this.#ensureAlarm(countDueAt);
  }

  async #ensureAlarm(at: number): Promise<void> {
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = await this.ctx.storage.getAlarm();
    if (this.#alarmAt === null || this.#alarmAt > at) {
      await this.ctx.storage.setAlarm(at);
      this.#alarmAt = at;
    }
  }

  /** Closes the ghosts (see ghosts.ts), each announced as gone first and marked so it stays gone. */
  async #closeGhosts(now: number): Promise<void> {
    for (const ws of this.#ghosts.sweep(now)) {
      await this.#depart(ws);
      this.#attachments.markGone(ws);
      this.#closeFromRoom(ws, { code: CLOSE_NORMAL, reason: 'no heartbeat' });
    }
  }

  #closeFromRoom(ws: WebSocket, { code, reason }: CloseReason): void {
    this.#closedByRoom.add(ws);
    closeQuietly(ws, code, reason);
  }

  #broadcast(frame: ServerFrame, except?: ReadonlySet<WebSocket>): void {
    broadcast(this.ctx.getWebSockets(), frame, except);
  }
}

/** A throw while handling a frame is a bug, not an answer to input: logged, and that socket closed. */
function internalError(err: unknown): CloseReason {
  logEvent('error', {
    where: 'room',
    message: String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return { code: CLOSE_SERVER_ERROR, reason: 'internal error' };
}

function jsonError(status: number, error: string): Response {
  return Response.json({ error }, { status });
}
