// A room's messages in its Durable Object's SQLite storage. Messages that arrive together are
// stored by one INSERT of up to 20 rows, with no read; the highest id is kept in memory (restored
// once per wake) for retention. The primary key serves "latest", "before id" and "after id" as
// range scans without another index.
import type { ChatMessage, User } from './protocol.ts';

type MessageRow = {
  id: number;
  user_id: string;
  user_name: string;
  text: string;
  ts: number;
  client_id: string | null;
};

/** A message as a client sent it, checked and timed by the room, not yet stored. */
export interface Draft {
  user: User;
  text: string;
  clientId: string | undefined;
  ts: number;
}

/** What storing a draft came to: a new message, or the stored copy of a resend. */
export interface Appended<D extends Draft> {
  draft: D;
  message: ChatMessage;
  duplicate: boolean;
}

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
// A statement may bind at most 100 values in a Durable Object; a row binds 5.
const ROWS_PER_INSERT = 20;
/** INSERTS[n] stores n rows; ids are left to SQLite (max(id) + 1) so a skipped resend leaves no gap. */
const INSERTS = Array.from(
  { length: ROWS_PER_INSERT + 1 },
  (_, rows) => `INSERT INTO messages (user_id, user_name, text, ts, client_id) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?)').join(', ')}
    ON CONFLICT DO NOTHING RETURNING id, user_id, client_id`,
);

function rowValues({ user, text, ts, clientId }: Draft): (string | number | null)[] {
  return [user.id, user.name, text, ts, clientId ?? null];
}

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
   * Stores messages in as few statements as the binding limit allows and returns, in the order to
   * announce them, each new message, or for a resend of a `clientId` this user already used while
   * that message is still retained, the stored copy with `duplicate: true` (nothing is stored).
   */
  appendAll<D extends Draft>(drafts: readonly D[]): Appended<D>[] {
    const appended: Appended<D>[] = [];
    const resentAfterRetention: D[] = [];
    const lastBefore = this.#lastId;
    for (let start = 0; start < drafts.length; start += ROWS_PER_INSERT) {
      const chunk = drafts.slice(start, start + ROWS_PER_INSERT);
      const rows = this.#sql
        .exec<Pick<MessageRow, 'id' | 'user_id' | 'client_id'>>(INSERTS[chunk.length]!, ...chunk.flatMap(rowValues))
        .toArray()
        .sort((a, b) => a.id - b.id);
      // SQLite numbers rows max(id)+1 in the order it inserts them and skips each conflicting
      // one, so the inserted rows, by id, are the drafts in order minus the resent clientIds.
      let next = 0;
      for (const draft of chunk) {
        const row = rows[next];
        if (row && row.user_id === draft.user.id && row.client_id === (draft.clientId ?? null)) {
          appended.push({ draft, message: toMessage({ ...row, user_name: draft.user.name, text: draft.text, ts: draft.ts }), duplicate: false });
          this.#lastId = row.id;
          next++;
          continue;
        }
        if (draft.clientId === undefined) throw new Error('a message without a clientId was not stored');
        const existing = this.#sql.exec<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE user_id = ? AND client_id = ?`, draft.user.id, draft.clientId).one();
        if (existing.id > this.#floor) appended.push({ draft, message: toMessage(existing), duplicate: true });
        else resentAfterRetention.push(draft);
      }
      if (next !== rows.length) throw new Error('stored rows do not match the messages sent');
    }
    if (Math.floor(this.#lastId / PRUNE_EVERY) > Math.floor(lastBefore / PRUNE_EVERY)) this.#sql.exec('DELETE FROM messages WHERE id <= ?', this.#floor);
    if (resentAfterRetention.length === 0) return appended;
    // The earlier copies are past retention: these sends are new again, and come last.
    for (const { user, clientId } of resentAfterRetention) this.#sql.exec('DELETE FROM messages WHERE user_id = ? AND client_id = ?', user.id, clientId ?? null);
    return appended.concat(this.appendAll(resentAfterRetention));
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
