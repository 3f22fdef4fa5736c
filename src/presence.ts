// Who is in the room, and what everyone hears when that changes. The member map is a cache of what
// the sockets' attachments say, rebuilt after a wake; a user arrives with their first open socket
// and leaves with their last. While the room is small that is a join or a leave; past
// PRESENCE_LIMIT users, a count at most once a second, so N arrivals never cost N² frames.
import type { Attachment, Attachments } from './attachments.ts';
import type { ServerFrame, User } from './protocol.ts';

/** Sends `frame` to every socket in the room but `except`. */
export type Broadcast = (frame: ServerFrame, except?: WebSocket) => void;
type PresenceFrame = Extract<ServerFrame, { type: 'join' | 'leave' }>;

/** At most one `presence` count per this many ms. */
const PRESENCE_INTERVAL_MS = 1000;

export class Presence {
  readonly #ctx: DurableObjectState;
  readonly #attachments: Attachments;
  readonly #limit: number;
  readonly #broadcast: Broadcast;
  /** Users connected now, one entry per id, oldest connection first; null until needed after a wake. */
  #members: Map<string, User> | null = null;
  /** Users whose leave this instance announced (and who have not come back since). */
  readonly #departed = new Set<string>();
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

  /** The welcome's `members`: at most `limit` users, those with the newest connections, oldest first. */
  recent(): User[] {
    return [...this.#memberMap().values()].slice(-this.#limit);
  }

  /** The user's sockets that are open, as the runtime lists them. */
  openSockets(userId: string): WebSocket[] {
    return this.#ctx.getWebSockets(userId).filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  /**
   * Counts in a connection of `user` before its socket is accepted (so a member list rebuilt now
   * doesn't hold it already); true when it is the user's only one, an arrival to announce.
   */
  arrive(user: User): boolean {
    const members = this.#memberMap();
    const arriving = !members.has(user.id);
    this.#departed.delete(user.id);
    // Re-insert so the map stays ordered by each user's newest connection, with its name.
    members.delete(user.id);
    members.set(user.id, user);
    return arriving;
  }

  /** Counts out a socket that closed or was swept: its user when it was their last, a leave to announce. */
  depart(ws: WebSocket): User | null {
    const attachment = this.#attachments.get(ws);
    if (!attachment || attachment.gone) return null;
    const { user } = attachment;
    const members = this.#memberMap(ws);
    if (this.openSockets(user.id).some((other) => other !== ws)) return null;
    // Missing from the list is not proof of a leave already announced: a list rebuilt at a wake
    // lacks users whose close was still pending (the runtime stops listing such sockets).
    if (!members.delete(user.id) && this.#departed.has(user.id)) return null;
    this.#departed.add(user.id);
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
   * Rebuilt after a wake from every socket still listed, closing ones included: a socket whose
   * close event is still to come stays a member until that event announces its departure.
   * `leaving` counts too, for the same reason.
   */
  #memberMap(leaving?: WebSocket): Map<string, User> {
    if (this.#members) return this.#members;
    const sockets = this.#ctx.getWebSockets();
    // When a socket's close is what wakes the room, getWebSockets() no longer lists it.
    if (leaving && !sockets.includes(leaving)) sockets.push(leaving);
    const open = sockets
      .map((ws) => this.#attachments.get(ws))
      .filter((attachment): attachment is Attachment => attachment !== null && !attachment.gone)
      .sort((a, b) => a.connectedAt - b.connectedAt);
    this.#members = new Map();
    for (const { user } of open) {
      this.#members.delete(user.id);
      this.#members.set(user.id, user);
    }
    return this.#members;
  }
}
