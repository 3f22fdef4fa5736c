// ChatRoom: one Durable Object per room. It decides what is said: every frame is sized, rate
// limited and validated here, then stored and broadcast. It trusts the Worker for who is talking
// (the verified user arrives on the internal connect request) and nothing a client sends.
// Assume eviction between any two events: per-socket facts live in attachments, history in SQLite,
// and what is kept in memory is a cache rebuilt on demand, a bucket or counter that is safe to
// forget, or the inbox of frames not yet handled (and the messages admitted from it and not yet
// stored), which is never more than one macrotask old.
import { DurableObject } from 'cloudflare:workers';
import { Attachments, type Attachment } from './attachments.ts';
import { readConfig, type Config } from './config.ts';
import { GHOST_AFTER_MS, Ghosts } from './ghosts.ts';
import { History, type Appended, type Draft } from './history.ts';
import { logEvent } from './log.ts';
import { Presence } from './presence.ts';
import {
  clientIdOf,
  CLOSE_NORMAL,
  CLOSE_POLICY,
  CLOSE_SERVER_ERROR,
  CLOSE_TOO_BIG,
  errorFrame,
  MAX_FRAME_BYTES,
  MAX_PAGE,
  MAX_RATE_REFUSALS_PER_MINUTE,
  MAX_SOCKETS_PER_USER,
  parseClientFrame,
  PING_FRAME,
  PONG_FRAME,
  utf8ByteLength,
  WELCOME_MESSAGES,
  type ClientFrame,
  type ErrorFrame,
  type ServerFrame,
  type User,
} from './protocol.ts';
import { TokenBuckets } from './rate-limit.ts';

/** A message waiting to be stored, with the socket that sent it. */
type RoomDraft = Draft & { ws: WebSocket };
/** What the room makes of one frame before answering anything: a frame to act on, a refusal, or a close. */
type Admitted =
  | { kind: 'message'; user: User; message: Extract<ClientFrame, { type: 'message' }> }
  | { kind: 'other'; user: User; frame: Exclude<ClientFrame, { type: 'message' }> }
  | { kind: 'refusal'; error: ErrorFrame }
  | ({ kind: 'close' } & CloseReason);
type CloseReason = { code: number; reason: string };

/** Stands in the inbox for a frame over MAX_FRAME_BYTES, which is dropped on arrival. */
const TOO_BIG = Symbol('frame too big');
// Close codes the runtime synthesises; they can't be sent back in a Close frame.
const SYNTHETIC_CLOSE_CODES = new Set([1005, 1006, 1015]);

/** The internal request the Worker sends to open a socket for an already verified user. */
export function roomRequest(room: string, user: User, after: number | undefined): Request {
  const url = new URL('https://chat-room.internal/connect');
  url.searchParams.set('room', room);
  url.searchParams.set('user', user.id);
  url.searchParams.set('name', user.name);
  if (after !== undefined) url.searchParams.set('after', String(after));
  return new Request(url, { headers: { Upgrade: 'websocket' } });
}

export class ChatRoom extends DurableObject<Env> {
  readonly #config: Config;
  readonly #history: History;
  readonly #buckets: TokenBuckets;
  readonly #attachments = new Attachments();
  readonly #ghosts: Ghosts;
  readonly #presence: Presence;
  /** Frames received and not yet handled, oldest first (see webSocketMessage). */
  readonly #inbox: { ws: WebSocket; raw: string | ArrayBuffer | typeof TOO_BIG; at: number }[] = [];
  /** Messages admitted from the inbox and not yet stored; stored before anything else is answered. */
  readonly #drafts: RoomDraft[] = [];
  /** Sockets the room has closed: frames of theirs still in the inbox are not handled. */
  readonly #closedByRoom = new WeakSet<WebSocket>();
  readonly #rateRefusals = new RefusalCounter();
  readonly #sizeRefusals = new RefusalCounter();
  /** The alarm we know is set (ms), or null when unknown, as after a wake. */
  #alarmAt: number | null = null;

  // Runs again on every wake from hibernation: only cheap, idempotent work here.
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = readConfig(env);
    this.#history = new History(ctx.storage, this.#config.historyLimit);
    this.#buckets = new TokenBuckets(this.#config.messageRate, this.#config.messageBurst);
    this.#ghosts = new Ghosts(ctx, this.#attachments);
    this.#presence = new Presence(
      ctx,
      this.#attachments,
      this.#config.presenceLimit,
      (frame, except) => this.#broadcast(frame, { except: except && new Set([except]) }),
    );
    // Answered by the runtime itself, so heartbeats never wake (or bill) a hibernated room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    // Sockets that outlived the previous instance mean this is a wake from hibernation.
    const sockets = ctx.getWebSockets().length;
    if (sockets > 0) logEvent('wake', { sockets });
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const room = url.searchParams.get('room');
    const id = url.searchParams.get('user');
    const name = url.searchParams.get('name');
    const afterParam = url.searchParams.get('after');
    if (!room || !id || !name || request.headers.get('Upgrade') !== 'websocket')
      return jsonError(400, 'bad internal connect request');
    const user: User = { id, name };
    this.#drainInbox();
    const now = Date.now();
    if (this.#ghosts.due(now)) await this.#closeGhosts(now);

    if (this.#presence.openSockets(user.id).length >= MAX_SOCKETS_PER_USER) {
      logEvent('refused', { route: 'room', status: 429, room, userId: user.id });
      return jsonError(
        429,
        `too many connections: at most ${MAX_SOCKETS_PER_USER} per user in a room`,
      );
    }
    const { 0: client, 1: server } = new WebSocketPair();
    const attachment: Attachment = { user, room, connectedAt: now };
    // Counted in before it is accepted, so a member list rebuilt now doesn't hold it already.
    const arriving = this.#presence.arrive(server, attachment);
    this.ctx.acceptWebSocket(server, [user.id]);
    this.#attachments.save(server, attachment);

    const after = afterParam === null ? undefined : Number(afterParam);
    const page =
      after === undefined
        ? this.#history.latest(WELCOME_MESSAGES)
        : this.#history.after(after, MAX_PAGE);
    this.#send(server, {
      type: 'welcome',
      user,
      room,
      members: this.#presence.recent(),
      memberCount: this.#presence.count,
      messages: page.messages,
      hasMore: page.hasMore,
      ...(after !== undefined && this.#history.prunedAfter(after) ? { pruned: true as const } : {}),
      // A client whose position is above this resumed against storage that was reset under it.
      seq: this.#history.lastId,
    });
    if (arriving) await this.#announce({ type: 'join', user, ts: now }, server);
    await this.#ensureAlarm(now + GHOST_AFTER_MS);
    logEvent('connect', { room, userId: user.id, members: this.#presence.count });
    return new Response(null, { status: 101, webSocket: client });
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
    this.#inbox.push({ ws, raw: isTooBig(raw) ? TOO_BIG : raw, at: now });
    if (this.#inbox.length === 1) setTimeout(() => this.#drainInbox(), 0);
  }

  #drainInbox(): void {
    for (const { ws, raw, at } of this.#inbox.splice(0))
      if (!this.#closedByRoom.has(ws)) this.#receive(ws, raw, at);
    this.#storeDrafts();
  }

  #receive(ws: WebSocket, raw: string | ArrayBuffer | typeof TOO_BIG, now: number): void {
    let admitted: Admitted;
    try {
      admitted = this.#admit(ws, raw, now);
    } catch (err) {
      admitted = { kind: 'close', ...internalError(err) };
    }
    if (admitted.kind === 'message') {
      const { user, message } = admitted;
      this.#drafts.push({ ws, user, text: message.text, clientId: message.clientId, ts: now });
      return;
    }
    // Everything else is answered in order, after the messages admitted before it.
    this.#storeDrafts();
    switch (admitted.kind) {
      case 'close':
        return this.#closeFromRoom(ws, admitted);
      case 'refusal':
        return this.#send(ws, admitted.error);
      case 'other':
        try {
          this.#handle(ws, admitted.user, admitted.frame);
        } catch (err) {
          this.#closeFromRoom(ws, internalError(err));
        }
    }
  }

  /** Sizes, rate-limits, parses and validates a frame, in the contract's order; answers nothing itself. */
  #admit(ws: WebSocket, raw: string | ArrayBuffer | typeof TOO_BIG, now: number): Admitted {
    if (raw === TOO_BIG) {
      // Refused before it costs a token, but not for free: a stream of them closes the socket.
      if (this.#sizeRefusals.count(ws, now) > MAX_RATE_REFUSALS_PER_MINUTE)
        return { kind: 'close', code: CLOSE_TOO_BIG, reason: 'frames too large, repeatedly' };
      return {
        kind: 'refusal',
        error: errorFrame('too_long', `frame is larger than ${MAX_FRAME_BYTES} bytes`),
      };
    }
    const attachment = this.#attachments.get(ws);
    if (!attachment) throw new Error('socket without a valid attachment');
    const { user } = attachment;
    const retryAfterMs = this.#buckets.take(user.id, now);
    if (retryAfterMs > 0) {
      if (this.#rateRefusals.count(ws, now) > MAX_RATE_REFUSALS_PER_MINUTE)
        return { kind: 'close', code: CLOSE_POLICY, reason: 'rate limit exceeded repeatedly' };
      // The frame is not processed, but naming its clientId lets the sender retry that message.
      const clientId = typeof raw === 'string' ? clientIdOf(safeJson(raw)) : undefined;
      return {
        kind: 'refusal',
        error: { ...errorFrame('rate_limited', 'slow down', clientId), retryAfterMs },
      };
    }
    if (typeof raw !== 'string')
      return { kind: 'refusal', error: errorFrame('bad_frame', 'binary frames are not accepted') };
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) return { kind: 'refusal', error: parsed.error };
    const { frame } = parsed;
    return frame.type === 'message'
      ? { kind: 'message', user, message: frame }
      : { kind: 'other', user, frame };
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
      if (duplicate) this.#send(draft.ws, message);
      else this.#broadcast(message, { sockets });
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
    await this.#closeGhosts(now);
    const countDueAt = this.#presence.recount(now);
    if (countDueAt !== null) await this.#ensureAlarm(countDueAt);
    if (this.ctx.getWebSockets().length > 0) await this.#ensureAlarm(now + GHOST_AFTER_MS);
  }

  #handle(ws: WebSocket, user: User, frame: Exclude<ClientFrame, { type: 'message' }>): void {
    switch (frame.type) {
      case 'history': {
        if (frame.before !== undefined) {
          this.#send(ws, { type: 'history', ...this.#history.before(frame.before, frame.limit) });
          return;
        }
        const after = frame.after ?? 0;
        const page = this.#history.after(after, frame.limit);
        // Catching up across pruned messages must say so, or the pages join as if nothing were missing.
        const pruned = this.#history.prunedAfter(after) ? { pruned: true as const } : {};
        this.#send(ws, { type: 'history', ...page, ...pruned });
        return;
      }
      case 'typing':
        this.#broadcast(
          { type: 'typing', user },
          { except: new Set(this.ctx.getWebSockets(user.id)) },
        );
        return;
      case 'ping':
        // Any spelling other than PING_FRAME reaches the room; answer it the same way.
        this.#send(ws, { type: 'pong' });
        return;
      default:
        frame satisfies never;
    }
  }

  /** Counts out a closed or swept socket, announcing its user's leave if it was their last. */
  async #depart(ws: WebSocket): Promise<void> {
    const now = Date.now();
    const user = this.#presence.depart(ws, now);
    if (!user) return;
    const room = this.#attachments.get(ws)?.room;
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

  #send(ws: WebSocket, frame: ServerFrame): void {
    try {
      ws.send(JSON.stringify(frame));
    } catch {
      // The socket closed under us; its close event cleans up.
    }
  }

  /** Serialises once and sends to every open socket but `except`; one dead socket never stops the loop. */
  #broadcast(
    frame: ServerFrame,
    {
      except,
      sockets = this.ctx.getWebSockets(),
    }: { except?: ReadonlySet<WebSocket>; sockets?: WebSocket[] } = {},
  ): void {
    const data = JSON.stringify(frame);
    for (const ws of sockets) {
      if (except?.has(ws)) continue;
      try {
        ws.send(data);
      } catch {}
    }
  }
}

/** Over MAX_FRAME_BYTES of UTF-8; a UTF-16 unit is 1–3 bytes, so most frames need no counting. */
function isTooBig(raw: string | ArrayBuffer): boolean {
  if (typeof raw !== 'string') return raw.byteLength > MAX_FRAME_BYTES;
  return (
    raw.length > MAX_FRAME_BYTES ||
    (raw.length * 3 > MAX_FRAME_BYTES && utf8ByteLength(raw) > MAX_FRAME_BYTES)
  );
}

/** How many times each socket was refused within the current minute (from its first refusal). */
class RefusalCounter {
  readonly #bySocket = new WeakMap<WebSocket, { count: number; since: number }>();

  /** Counts one more refusal at `now` and returns the count in this socket's current minute. */
  count(ws: WebSocket, now: number): number {
    const previous = this.#bySocket.get(ws);
    const current =
      previous && now - previous.since < 60_000
        ? { count: previous.count + 1, since: previous.since }
        : { count: 1, since: now };
    this.#bySocket.set(ws, current);
    return current.count;
  }
}

/** Closes `ws` unless it is closed already (frames still in the inbox may outlive their socket). */
function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {}
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

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function jsonError(status: number, error: string): Response {
  return Response.json({ error }, { status });
}
