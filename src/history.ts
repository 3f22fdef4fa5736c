// A room's messages in its Durable Object's SQLite storage. Messages that arrive together are
// stored atomically by multi-row INSERTs (20 rows each), with no read unless one is a resend; the
// highest id is kept in memory (restored once per wake) for retention. The primary key serves
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
// A statement may bind at most 100 values in a Durable Object.
const MAX_BINDINGS = 100;
const INSERT_COLUMNS = ['user_id', 'user_name', 'text', 'ts', 'client_id'] as const;
const ROWS_PER_INSERT = Math.floor(MAX_BINDINGS / INSERT_COLUMNS.length);
const ROW_PLACEHOLDERS = `(${INSERT_COLUMNS.map(() => '?').join(', ')})`;
/** INSERTS[n - 1] stores n rows; ids are left to SQLite (max(id) + 1) so a skipped resend leaves no gap. */
const INSERTS = Array.from(
  { length: ROWS_PER_INSERT },
  (_, i) => `INSERT INTO messages (${INSERT_COLUMNS.join(', ')}) VALUES ${Array(i + 1)
    .fill(ROW_PLACEHOLDERS)
    .join(', ')}
    ON CONFLICT DO NOTHING RETURNING id, user_id, client_id`,
);

/** The bindings of an INSERT of `drafts`, row after row, in INSERT_COLUMNS order. */
function insertValues(drafts: readonly Draft[]): (string | number | null)[] {
  const values: (string | number | null)[] = [];
  for (const { user, text, ts, clientId } of drafts)
    values.push(user.id, user.name, text, ts, clientId ?? null);
  return values;
}

export class History {
  readonly #storage: DurableObjectStorage;
  readonly #sql: SqlStorage;
  readonly #limit: number;
  #lastId: number;

  /** Cheap enough for every wake: two idempotent DDL statements and one indexed MAX. */
  constructor(storage: DurableObjectStorage, limit: number) {
    const { sql } = storage;
    this.#storage = storage;
    this.#sql = sql;
    this.#limit = limit;
    sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, user_name TEXT NOT NULL,
      text TEXT NOT NULL, ts INTEGER NOT NULL, client_id TEXT)`);
    sql.exec(
      'CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client_id ON messages (user_id, client_id) WHERE client_id IS NOT NULL',
    );
    this.#lastId =
      sql.exec<{ last: number | null }>('SELECT MAX(id) AS last FROM messages').one().last ?? 0;
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
   * Stores messages, all or none, and returns for each in order the new message or, for a resend
   * of a `clientId` this user already used while that message is still retained, the stored copy
   * with `duplicate: true` (nothing is stored for it).
   */
  appendAll<D extends Draft>(drafts: readonly D[]): Appended<D>[] {
    const lastBefore = this.#lastId;
    try {
      // One failing statement must not leave earlier rows stored that nobody will ever be sent.
      return this.#storage.transactionSync(() => this.#insert(drafts));
    } catch (err) {
      this.#lastId = lastBefore;
      throw err;
    }
  }

  #insert<D extends Draft>(drafts: readonly D[]): Appended<D>[] {
    const appended: Appended<D>[] = [];
    const lastBefore = this.#lastId;
    let start = 0;
    while (start < drafts.length) {
      const chunk = drafts.slice(start, start + ROWS_PER_INSERT);
      const rows = this.#sql
        .exec<Pick<MessageRow, 'id' | 'user_id' | 'client_id'>>(
          INSERTS[chunk.length - 1]!,
          ...insertValues(chunk),
        )
        .toArray()
        .sort((a, b) => a.id - b.id);
      // SQLite numbers rows max(id)+1 in the order it inserts them and skips each conflicting
      // one, so the inserted rows, by id, are the drafts in order minus the resent clientIds.
      let next = 0;
      let done = 0;
      for (const draft of chunk) {
        const row = rows[next];
        if (row && row.user_id === draft.user.id && row.client_id === (draft.clientId ?? null)) {
          appended.push({
            draft,
            message: toMessage({
              ...row,
              user_name: draft.user.name,
              text: draft.text,
              ts: draft.ts,
            }),
            duplicate: false,
          });
          this.#lastId = row.id;
          next++;
        } else {
          if (draft.clientId === undefined)
            throw new Error('a message without a clientId was not stored');
          const existing = this.#sql
            .exec<MessageRow>(
              `SELECT ${COLUMNS} FROM messages WHERE user_id = ? AND client_id = ?`,
              draft.user.id,
              draft.clientId,
            )
            .one();
          if (existing.id <= this.#floor) {
            // The earlier copy is past retention, so this send is new again. To keep the order
            // sent, undo the rows this statement stored after it and store from this one again.
            this.#sql.exec(
              'DELETE FROM messages WHERE id > ? OR id = ?',
              this.#lastId,
              existing.id,
            );
            break;
          }
          appended.push({ draft, message: toMessage(existing), duplicate: true });
        }
        done++;
      }
      if (done === chunk.length && next !== rows.length)
        throw new Error('stored rows do not match the messages sent');
      start += done;
    }
    if (Math.floor(this.#lastId / PRUNE_EVERY) > Math.floor(lastBefore / PRUNE_EVERY))
      this.#sql.exec('DELETE FROM messages WHERE id <= ?', this.#floor);
    return appended;
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
    const rows = this.#sql
      .exec<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE ${where} LIMIT ?`, ...bindings)
      .toArray();
    const hasMore = rows.length > limit;
    const messages = rows.slice(0, limit).map(toMessage);
    if (newestFirst) messages.reverse();
    return { messages, hasMore };
  }
}

function toMessage(row: MessageRow): ChatMessage {
  const message: ChatMessage = {
    type: 'message',
    id: row.id,
    user: { id: row.user_id, name: row.user_name },
    text: row.text,
    ts: row.ts,
  };
  if (row.client_id !== null) message.clientId = row.client_id;
  return message;
}
