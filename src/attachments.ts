// What each socket carries through hibernation, and a cache of it. The runtime keeps a socket's
// attachment (serializeAttachment, at most 16 KiB: ids and times only) across evictions; what it
// hands back is narrowed with the schema before use, so a corrupted one reads as null, never as data.
import * as v from 'valibot';
import { UserSchema } from './protocol.ts';

/** A socket's user, room and connection time (ms), and the two facts the ghost sweep keeps. */
export const AttachmentSchema = v.object({
  user: UserSchema,
  room: v.string(),
  connectedAt: v.number(),
  /** Last frame from the peer, kept at most one heartbeat period stale, for the ghost sweep after a wake. */
  seenAt: v.optional(v.number()),
  /** Closed by the room as a ghost and already announced as gone; its late close event is ignored. */
  gone: v.optional(v.literal(true)),
});
export type Attachment = v.InferOutput<typeof AttachmentSchema>;

/** The sockets' attachments, each deserialised at most once per instance (a wake starts with none). */
export class Attachments {
  readonly #cache = new WeakMap<WebSocket, Attachment>();

  /** The socket's attachment; null only if it was lost or corrupted (a bug of ours). */
  get(ws: WebSocket): Attachment | null {
    let attachment = this.#cache.get(ws);
    if (!attachment) {
      const stored: unknown = ws.deserializeAttachment();
      // One broken socket must not take presence down for the whole room.
      if (!v.is(AttachmentSchema, stored)) return null;
      attachment = stored;
      this.#cache.set(ws, attachment);
    }
    return attachment;
  }

  /** Writes `attachment` to the socket, where it outlives this instance, and to the cache. */
  save(ws: WebSocket, attachment: Attachment): void {
    ws.serializeAttachment(attachment);
    this.#cache.set(ws, attachment);
  }

  /**
   * Marks a socket the room closed as a ghost: the runtime still reports its close later (1006),
   * possibly after a wake that rebuilt the member list, and the mark keeps that from counting twice.
   */
  markGone(ws: WebSocket): void {
    const attachment = this.get(ws);
    if (attachment) this.save(ws, { ...attachment, gone: true });
  }
}
