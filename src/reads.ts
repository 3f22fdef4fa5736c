// Read markers: how far each user has read in this room, stored per user (docs/protocol.md,
// "Read markers"). A marker only moves forward, and never past the newest message, so every tab
// and device of one user agrees on it. Markers are read on connect and written on `read`.
import type { History } from './history.ts';

export class Reads {
  readonly #sql: SqlStorage;
  readonly #history: History;

  constructor(sql: SqlStorage, history: History) {
    this.#sql = sql;
    this.#history = history;
  }

  /** The id `userId` has read up to here (0 if they never said). */
  upTo(userId: string): number {
    const row = this.#sql
      .exec<{ up_to: number }>('SELECT up_to FROM reads WHERE user_id = ?', userId)
      .toArray()[0];
    return row?.up_to ?? 0;
  }

  /**
   * Moves `userId`'s marker to `id` (an id past the newest message counts as the newest); the new
   * marker when it moved, null when it would have moved back or stayed.
   */
  markRead(userId: string, id: number): number | null {
    const upTo = Math.min(id, this.#history.lastId);
    if (upTo <= this.upTo(userId)) return null;
    this.#sql.exec(
      `INSERT INTO reads (user_id, up_to) VALUES (?, ?)
        ON CONFLICT (user_id) DO UPDATE SET up_to = excluded.up_to`,
      userId,
      upTo,
    );
    return upTo;
  }
}
