// Finds ghosts: sockets whose peer vanished without a Close (a phone that lost its network), which
// the runtime keeps open and which would haunt the member list. A sign of life is a frame the room
// handled or a heartbeat the runtime answered on its own; the room decides what to do with a ghost.
import type { Attachments } from './attachments.ts';
import { HEARTBEAT_INTERVAL_MS } from './protocol.ts';

/** A socket that has shown no sign of life for this long (ms) is a ghost: its peer is gone. */
export const GHOST_AFTER_MS = 2 * HEARTBEAT_INTERVAL_MS;
// Ghosts are looked for at most this often on connect (and by the alarm), not on every arrival:
// a sweep walks every socket, and a storm of arrivals must not cost N².
const SWEEP_INTERVAL_MS = 10_000;
const OPEN = 1; // WebSocket.OPEN

export class Ghosts {
  readonly #ctx: DurableObjectState;
  readonly #attachments: Attachments;
  /** Frames handled by this instance, exact; the attachment's seenAt carries them past a wake. */
  readonly #lastSeen = new WeakMap<WebSocket, number>();
  #sweptAt = 0;

  constructor(ctx: DurableObjectState, attachments: Attachments) {
    this.#ctx = ctx;
    this.#attachments = attachments;
  }

  /** Records a frame from `ws` at `now` (ms); written to its attachment at most once a heartbeat period. */
  noteSeen(ws: WebSocket, now: number): void {
    this.#lastSeen.set(ws, now);
    const attachment = this.#attachments.get(ws);
    if (attachment && now - (attachment.seenAt ?? attachment.connectedAt) >= HEARTBEAT_INTERVAL_MS)
      this.#attachments.save(ws, { ...attachment, seenAt: now });
  }

  /** Whether a connect at `now` should sweep: the last sweep was over SWEEP_INTERVAL_MS ago. */
  due(now: number): boolean {
    return now - this.#sweptAt > SWEEP_INTERVAL_MS;
  }

  /**
   * Yields each open socket with no sign of life for over GHOST_AFTER_MS before `now`. Lazily, so
   * a socket is judged when the caller reaches it, after whatever it did with the ghosts before.
   */
  *sweep(now: number): Generator<WebSocket, void, undefined> {
    this.#sweptAt = now;
    for (const ws of this.#ctx.getWebSockets()) {
      if (ws.readyState !== OPEN) continue;
      const attachment = this.#attachments.get(ws);
      // Heartbeats are answered by the runtime without waking the room; it only stamps the time.
      const lastPing = this.#ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      const lastSign = Math.max(
        lastPing,
        this.#lastSeen.get(ws) ?? 0,
        attachment?.seenAt ?? 0,
        attachment?.connectedAt ?? 0,
      );
      if (now - lastSign > GHOST_AFTER_MS) yield ws;
    }
  }
}
