// Who is in the room, and what everyone hears when that changes. The member map is a cache of what
// the open sockets' attachments say, rebuilt after a wake; a user arrives with their first open
// socket and leaves with their last. While the room is small that is a join or a leave; past
// PRESENCE_LIMIT users, a count at most once a second, so N arrivals never cost N² frames.
import type { Attachment, Attachments } from './attachments.ts';
import type { ServerFrame, User } from './protocol.ts';

/** Sends `frame` to every socket in the room but `except`. */
export type Broadcast = (frame: ServerFrame, except?: WebSocket) => void;
type PresenceFrame = Extract<ServerFrame, { type: 'join' | 'leave' }>;

/** A user's newest connection that is still open: their name and their place come from it. */
interface Member {
  user: User;
  ws: WebSocket;
}

/** At most one `presence` count per this many ms. */
const PRESENCE_INTERVAL_MS = 1000;
// A departure is remembered so that the close events of the user's other sockets, which may come
// after their leave was announced, don't announce it again. By then the runtime has received the
// Close of each of those sockets (none was open), so their events follow within moments.
const DEPARTURE_MEMORY_MS = 60_000;

export class Presence {
  readonly #ctx: DurableObjectState;
  readonly #attachments: Attachments;
  readonly #limit: number;
  readonly #broadcast: Broadcast;
  /** One entry per user connected now, in the order of their newest connections; null until needed. */
  #members: Map<string, Member> | null = null;
  /** Each socket's place in the order of connection, for sockets this instance has seen open. */
  readonly #ranks = new WeakMap<WebSocket, number>();
  #nextRank = 0;
  /**
   * The welcome's `members` while the map has not changed but by arrivals; null when it must be
   * listed again. Listing walks every member, once per connect: N² over a storm of N arrivals.
   */
  #recent: User[] | null = null;
  /** A member moved back to an older connection: the map's order is off until sorted. */
  #unsorted = false;
  /** Users whose leave this instance announced, with when (ms), oldest first; see DEPARTURE_MEMORY_MS. */
  readonly #departed = new Map<string, number>();
  /** The last `presence` count sent, and when (ms). */
  #countSent = { count: -1, at: 0 };

  /** `limit` is PRESENCE_LIMIT: the most users for whom joins and leaves are named. */
  constructor(
    ctx: DurableObjectState,
    attachments: Attachments,
    limit: number,
    broadcast: Broadcast,
  ) {
    this.#ctx = ctx;
    this.#attachments = attachments;
    this.#limit = limit;
    this.#broadcast = broadcast;
  }

  /** How many users are connected. */
  get count(): number {
    return this.#memberMap().size;
  }

  /** How many departures are remembered (bounded by the departures of the last minute or so). */
  get departuresRemembered(): number {
    return this.#departed.size;
  }

  /** The welcome's `members`: at most `limit` users, those with the newest connections, oldest first. */
  recent(): User[] {
    if (this.#recent) return this.#recent;
    const members = this.#sortedMembers();
    const users: User[] = [];
    let skip = members.size - this.#limit;
    for (const { user } of members.values()) if (skip-- <= 0) users.push(user);
    this.#recent = users;
    return users;
  }

  /** A connected user's name (of their newest open connection), or undefined. */
  nameOf(userId: string): string | undefined {
    return this.#memberMap().get(userId)?.user.name;
  }

  /** The user's sockets that are open, as the runtime lists them. */
  openSockets(userId: string): WebSocket[] {
    return this.#ctx.getWebSockets(userId).filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  /**
   * Counts in a connection before its socket `ws` is accepted (so a member list rebuilt now
   * doesn't hold it already); true when it is its user's only one, an arrival to announce.
   */
  arrive(ws: WebSocket, { user }: Attachment): boolean {
    const members = this.#memberMap();
    const arriving = !members.has(user.id);
    this.#departed.delete(user.id);
    this.#ranks.set(ws, this.#nextRank++);
    // Re-inserted at the end: the newest connection of all, and the name it came with.
    members.delete(user.id);
    members.set(user.id, { user, ws });
    if (this.#recent) {
      // The same move on the listed ones; a new list, as the old one may still be in use.
      const recent = this.#recent.filter(({ id }) => id !== user.id);
      recent.push(user);
      if (recent.length > this.#limit) recent.shift();
      this.#recent = recent;
    }
    return arriving;
  }

  /**
   * Counts out a socket that closed or was swept at `now` (ms): its user when it was their last
   * open socket, a leave to announce; otherwise null.
   */
  depart(ws: WebSocket, now: number): User | null {
    const attachment = this.#attachments.get(ws);
    if (!attachment || attachment.gone) return null;
    const { user } = attachment;
    const members = this.#memberMap();
    const others = this.#ctx.getWebSockets(user.id).filter((other) => other !== ws);
    if (others.some((other) => other.readyState === WebSocket.OPEN)) {
      if (members.get(user.id)?.ws === ws) this.#fallBack(members, user.id, others);
      return null;
    }
    // Missing from the list is not proof of a leave already announced: a list rebuilt at a wake
    // lacks users whose close was still pending (the runtime stops listing such sockets).
    this.#recent = null;
    if (!members.delete(user.id) && this.#departed.has(user.id)) return null;
    this.#rememberDeparture(user.id, now);
    return user;
  }

  /**
   * Tells everyone but `except` of a join or leave while the room is small; past the limit, sends
   * a count instead. Returns when (ms) a count held back by the throttle is due, else null.
   */
  announce(frame: PresenceFrame, now: number, except?: WebSocket): number | null {
    const count = this.count;
    if (count > this.#limit) return this.recount(now);
    this.#broadcast(frame, except);
    // Back down to the limit: clients counted from throttled `presence` frames, which may have
    // swallowed the last changes; one exact count puts them right before join/leave resume.
    // Sent even if it repeats the last count: the leave just broadcast moved clients off it.
    if (frame.type === 'leave' && count === this.#limit) this.#sendCount(count, now, true);
    return null;
  }

  /**
   * In a room over the limit, sends the count if it changed and the last went out over a second
   * ago; returns when (ms) a count held back is due, else null.
   */
  recount(now: number): number | null {
    const count = this.count;
    if (count <= this.#limit) return null;
    if (now - this.#countSent.at < PRESENCE_INTERVAL_MS)
      return this.#countSent.at + PRESENCE_INTERVAL_MS;
    this.#sendCount(count, now);
    return null;
  }

  #sendCount(count: number, now: number, force = false): void {
    if (!force && count === this.#countSent.count) return;
    this.#countSent = { count, at: now };
    this.#broadcast({ type: 'presence', count });
  }

  /**
   * The user's newest connection closed but others remain: their name and place now come from the
   * newest of those, as a list rebuilt from the sockets would say.
   */
  #fallBack(members: Map<string, Member>, userId: string, others: WebSocket[]): void {
    let newest: Member | null = null;
    let newestRank = -1;
    for (const ws of others) {
      const attachment = this.#attachments.get(ws);
      const rank = this.#ranks.get(ws) ?? -1;
      if (attachment && !attachment.gone && rank > newestRank) {
        newest = { user: attachment.user, ws };
        newestRank = rank;
      }
    }
    // Set on an existing key keeps its place, now too late in the order: sorted when next listed.
    if (newest) members.set(userId, newest);
    else members.delete(userId);
    this.#unsorted = true;
    this.#recent = null;
  }

  /** Remembers a leave announced at `now`, forgetting those that can no longer matter. */
  #rememberDeparture(userId: string, now: number): void {
    this.#departed.delete(userId);
    this.#departed.set(userId, now);
    for (const [id, at] of this.#departed) {
      if (now - at < DEPARTURE_MEMORY_MS) break;
      this.#departed.delete(id);
      // A socket the room closed is listed until its peer answers: its close event is still to come.
      if (this.#ctx.getWebSockets(id).length > 0) this.#departed.set(id, now);
    }
  }

  #sortedMembers(): Map<string, Member> {
    const members = this.#memberMap();
    if (!this.#unsorted) return members;
    const rank = ({ ws }: Member) => this.#ranks.get(ws) ?? -1;
    this.#members = new Map([...members].sort(([, a], [, b]) => rank(a) - rank(b)));
    this.#unsorted = false;
    return this.#members;
  }

  /**
   * Rebuilt after a wake from the sockets the runtime lists, oldest connection first; a socket
   * whose Close the runtime has received is no longer listed, even before its close event.
   * Connections within the same millisecond keep the order the runtime lists them in, which is
   * not always the order they arrived in.
   */
  #memberMap(): Map<string, Member> {
    if (this.#members) return this.#members;
    const open: { ws: WebSocket; attachment: Attachment }[] = [];
    for (const ws of this.#ctx.getWebSockets()) {
      const attachment = this.#attachments.get(ws);
      if (attachment && !attachment.gone) open.push({ ws, attachment });
    }
    open.sort((a, b) => a.attachment.connectedAt - b.attachment.connectedAt);
    this.#members = new Map();
    this.#recent = null;
    for (const { ws, attachment } of open) {
      this.#ranks.set(ws, this.#nextRank++);
      this.#members.delete(attachment.user.id);
      this.#members.set(attachment.user.id, { user: attachment.user, ws });
    }
    return this.#members;
  }
}
