// A room's messages in its Durable Object's SQLite storage. Ids come from an in-memory counter
// restored once per wake, so sending costs one INSERT and no read; the primary key serves
// "latest", "before id" and "after id" as range scans without another index.
import type { ChatMessage, User } from './protocol.ts';

type MessageRow = {
  id: number;
  user_id: string;
  user_name: string;
  text: string;
  ts: number;
  client_id: string | null;
};

export interface Page {
  /** Oldest first. */
  messages: ChatMessage[];
  /** More messages exist beyond this page in the direction it was read. */
  hasMore: boolean;
}

// Rows past the retention limit are deleted in batches rather than one per message; reads
// never look below the limit, so exactly `limit` messages stay visible either way.
const PRUNE_EVERY = 100;
const COLUMNS = 'id, user_id, user_name, text, ts, client_id';

export class History {
  readonly #sql: SqlStorage;
  readonly #limit: number;
  #lastId: number;

  /** Cheap enough for every wake: two idempotent DDL statements and one indexed MAX. */
  constructor(sql: SqlStorage, limit: number) {
    this.#sql = sql;
    this.#limit = limit;
    sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, user_name TEXT NOT NULL,
      text TEXT NOT NULL, ts INTEGER NOT NULL, client_id TEXT)`);
    sql.exec('CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client_id ON messages (user_id, client_id) WHERE client_id IS NOT NULL');
    this.#lastId = sql.exec<{ last: number | null }>('SELECT MAX(id) AS last FROM messages').one().last ?? 0;
  }

  /** Highest id ever assigned in this room (0 before the first message). */
  get lastId(): number {
    return this.#lastId;
  }

  /** Ids at or below this are no longer retained. */
  get #floor(): number {
    return Math.max(0, this.#lastId - this.#limit);
  }

  /**
   * Stores a message and returns it, or, when this user already sent `clientId` and that message
   * is still retained, returns the stored one with `duplicate: true` and stores nothing.
   */
  append(user: User, text: string, clientId: string | undefined, ts: number): { message: ChatMessage; duplicate: boolean } {
    const id = this.#lastId + 1;
    const inserted = this.#sql
      .exec(
        `INSERT INTO messages (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
        id, user.id, user.name, text, ts, clientId ?? null,
      )
      .toArray();
    if (inserted.length === 0 && clientId !== undefined) {
      const existing = this.#sql.exec<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE user_id = ? AND client_id = ?`, user.id, clientId).one();
      if (existing.id > this.#floor) return { message: toMessage(existing), duplicate: true };
      // The earlier copy is past retention and about to be pruned: this send is new again.
      this.#sql.exec('DELETE FROM messages WHERE id = ?', existing.id);
      return this.append(user, text, clientId, ts);
    }
    this.#lastId = id;
    if (id % PRUNE_EVERY === 0) this.#sql.exec('DELETE FROM messages WHERE id <= ?', this.#floor);
    return { message: toMessage({ id, user_id: user.id, user_name: user.name, text, ts, client_id: clientId ?? null }), duplicate: false };
  }

  /** The newest `limit` messages. */
  latest(limit: number): Page {
    return this.#page('id > ? ORDER BY id DESC', this.#floor, limit, true);
  }

  /** The newest `limit` messages older than `id`. */
  before(id: number, limit: number): Page {
    return this.#page('id > ? AND id < ? ORDER BY id DESC', this.#floor, limit, true, id);
  }

  /** The oldest `limit` messages newer than `id`. */
  after(id: number, limit: number): Page {
    return this.#page('id > ? ORDER BY id ASC', Math.max(id, this.#floor), limit, false);
  }

  /** Whether some messages newer than `id` are no longer retained. */
  prunedAfter(id: number): boolean {
    return id < this.#floor;
  }

  #page(where: string, floor: number, limit: number, newestFirst: boolean, before?: number): Page {
    const bindings = before === undefined ? [floor, limit + 1] : [floor, before, limit + 1];
    const rows = this.#sql.exec<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE ${where} LIMIT ?`, ...bindings).toArray();
    const hasMore = rows.length > limit;
    const messages = rows.slice(0, limit).map(toMessage);
    if (newestFirst) messages.reverse();
    return { messages, hasMore };
  }
}

function toMessage(row: MessageRow): ChatMessage {
  const message: ChatMessage = { type: 'message', id: row.id, user: { id: row.user_id, name: row.user_name }, text: row.text, ts: row.ts };
  if (row.client_id !== null) message.clientId = row.client_id;
  return message;
}
