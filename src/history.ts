// A room's messages in its Durable Object's SQLite, numbered by one change sequence: a new
// message takes the next `seq` as its id, and every later change (edit, delete, reaction) gives
// the message the next `seq` again, so "everything changed since" is a range scan of one index.
// Messages that arrive together are stored all or none by multi-row INSERTs. Retention keeps the
// newest HISTORY_LIMIT messages; reads never look below them, and rows past them are deleted in
// batches. The counter and the retention floor are kept in memory and restored once per wake.
import {
  parseReactions,
  selectMessages,
  toMessage,
  type MessageRow,
  type StoredMessage,
} from './message-rows.ts';
import type { ChatMessage, Reply, User } from './protocol.ts';
import { migrate, readState, writeState } from './schema.ts';
import type { Search } from './search.ts';

/** A message as a client sent it, checked and timed by the room, not yet stored. */
export interface Draft {
  user: User;
  text: string;
  clientId: string | undefined;
  ts: number;
  /** The answered message, already checked to be retained and not deleted. */
  replyTo?: number;
  /** Its excerpt as it is now, for the broadcast. */
  reply?: Reply;
}

/** What storing a draft came to: a new message, or the stored copy of a resend. */
export interface Appended<D extends Draft> {
  draft: D;
  message: ChatMessage;
  duplicate: boolean;
}

// Rows past the retention limit are deleted in batches rather than one per message; reads never
// look below the limit, so exactly `limit` messages stay visible either way.
const PRUNE_EVERY = 100;
// A statement may bind at most 100 values in a Durable Object: the first id, then 6 per row.
const PER_ROW = 6;
const ROWS_PER_INSERT = Math.floor((100 - 1) / PER_ROW);
/** INSERTS[n - 1] stores n rows with ids ?1, ?1 + 1, …; a resend's row is skipped by the conflict. */
const INSERTS = Array.from({ length: ROWS_PER_INSERT }, (_, n) => {
  const rows = Array.from({ length: n + 1 }, (_, row) => {
    const p = (column: number) => `?${2 + row * PER_ROW + column}`;
    return `(?1 + ${row}, ?1 + ${row}, ${[0, 1, 2, 3, 4, 5].map(p).join(', ')})`;
  });
  return `INSERT INTO messages (id, seq, user_id, user_name, text, ts, client_id, reply_to)
    VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING RETURNING id`;
});

export class History {
  readonly #storage: DurableObjectStorage;
  readonly #sql: SqlStorage;
  readonly #limit: number;
  readonly #search: Search;
  /** The room's latest change. */
  #seq: number;
  /** Retained rows (deleted ones included), once counted; null until needed after a wake. */
  #count: number | null = null;
  /** Ids at or below this are no longer retained; null when it must be looked up again. */
  #floorCache: number | null = null;

  /** Cheap enough for every wake: the schema check and two indexed reads. */
  constructor(storage: DurableObjectStorage, limit: number, search: Search) {
    migrate(storage);
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#limit = limit;
    this.#search = search;
    const latest = this.#sql
      .exec<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM messages')
      .one().seq;
    // A pruned message may have held the latest change.
    this.#seq = Math.max(latest ?? 0, readState(this.#sql, 'pruned_seq') ?? 0);
  }

  /** The room's latest change (0 before the first message). */
  get seq(): number {
    return this.#seq;
  }

  /** The newest message's id (0 before the first message). */
  get lastId(): number {
    return (
      this.#sql.exec<{ id: number | null }>('SELECT MAX(id) AS id FROM messages').one().id ?? 0
    );
  }

  /**
   * Stores messages, all or none, and returns for each in order the new message or, for a resend
   * of a `clientId` this user already used while that message is still retained, the stored copy
   * with `duplicate: true` (nothing is stored for it).
   */
  appendAll<D extends Draft>(drafts: readonly D[]): Appended<D>[] {
    const before = { seq: this.#seq, count: this.#count, floor: this.#floorCache };
    try {
      // One failing statement must not leave earlier rows stored that nobody will ever be sent.
      return this.#storage.transactionSync(() => this.#insert(drafts));
    } catch (err) {
      this.#seq = before.seq;
      this.#count = before.count;
      this.#floorCache = before.floor;
      throw err;
    }
  }

  #insert<D extends Draft>(drafts: readonly D[]): Appended<D>[] {
    const appended: Appended<D>[] = [];
    let added = 0;
    let start = 0;
    while (start < drafts.length) {
      const chunk = drafts.slice(start, start + ROWS_PER_INSERT);
      const first = this.#seq + 1;
      const stored = new Set(
        this.#sql
          .exec<{ id: number }>(INSERTS[chunk.length - 1]!, first, ...insertValues(chunk))
          .toArray()
          .map((row) => row.id),
      );
      let done = 0;
      for (const draft of chunk) {
        const id = first + done;
        if (stored.has(id)) {
          appended.push({ draft, message: newMessage(id, draft), duplicate: false });
          this.#seq = id;
          added++;
          done++;
          continue;
        }
        // A resend (its clientId is taken). The rows stored after it took ids one too high:
        // undo them, so ids and `seq` stay gap-free, and store them again in the next round.
        this.#sql.exec('DELETE FROM messages WHERE id > ?', this.#seq);
        if (draft.clientId === undefined)
          throw new Error('a message without a clientId was not stored');
        this.#grew(added);
        added = 0;
        const existing = this.#byClientId(draft.user.id, draft.clientId);
        if (existing.id <= this.floor) {
          // The earlier copy is past retention, so this send is new again. Its row goes now, and
          // its latest change counts as pruned, as it would have in the next batch of deletes.
          this.#notePruned(existing.seq);
          this.#deleteRows('=', existing.id);
          this.#count! -= 1;
        } else {
          appended.push({ draft, message: existing, duplicate: true });
          done++;
        }
        break;
      }
      start += done;
    }
    if (added > 0) this.#grew(added);
    return appended;
  }

  /** Counts `added` new rows, moves the floor, and deletes rows past retention in batches. */
  #grew(added: number): void {
    const count = (this.#count ??= this.#countRows()) + added;
    this.#count = count;
    if (count <= this.#limit) return;
    this.#floorCache = null;
    if (count - this.#limit < PRUNE_EVERY) return;
    const floor = this.floor;
    const prunedSeq = this.#sql
      .exec<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM messages WHERE id <= ?', floor)
      .one().seq;
    if (prunedSeq !== null) this.#notePruned(prunedSeq);
    this.#deleteRows('<=', floor);
    this.#count = this.#limit;
  }

  /** Remembers that a change up to `seq` left storage with a pruned message (for `pruned`). */
  #notePruned(seq: number): void {
    if (seq > (readState(this.#sql, 'pruned_seq') ?? 0)) writeState(this.#sql, 'pruned_seq', seq);
  }

  /** Deletes messages (`id = ?` or `id <= ?`) with their reactions and search entries. */
  #deleteRows(op: '=' | '<=', id: number): void {
    this.#search.forget(
      this.#sql
        .exec<{ id: number; text: string }>(
          `SELECT id, text FROM messages WHERE id ${op} ? AND deleted IS NULL`,
          id,
        )
        .toArray(),
    );
    this.#sql.exec(`DELETE FROM reactions WHERE message_id ${op} ?`, id);
    this.#sql.exec(`DELETE FROM messages WHERE id ${op} ?`, id);
  }

  /**
   * Runs `apply` with the next `seq` in one transaction; the counter moves only if it succeeded.
   * Returns the `seq` the change took.
   */
  change(apply: (seq: number) => void): number {
    return this.changeMany(1, apply);
  }

  /** Like change(), for `count` changes at once taking `first` … `first + count - 1`; returns the last. */
  changeMany(count: number, apply: (first: number) => void): number {
    const first = this.#seq + 1;
    this.#storage.transactionSync(() => apply(first));
    this.#seq = first + count - 1;
    return this.#seq;
  }

  /** A retained message (deleted ones included) as the rules need it, or null. */
  find(id: number): StoredMessage | null {
    if (id <= this.floor) return null;
    const row = this.#sql
      .exec<Pick<MessageRow, 'id' | 'user_id' | 'user_name' | 'text' | 'deleted' | 'reactions'>>(
        'SELECT id, user_id, user_name, text, deleted, reactions FROM messages WHERE id = ?',
        id,
      )
      .toArray()[0];
    if (!row) return null;
    return {
      id: row.id,
      user: { id: row.user_id, name: row.user_name },
      text: row.text,
      deleted: row.deleted === 1,
      reactions: parseReactions(row.reactions),
    };
  }

  /** A retained message in its current state, or null. */
  message(id: number): ChatMessage | null {
    const [row] = selectMessages(this.#sql, this.floor, 'm.id > ?1 AND m.id = ?2', id);
    return row ? toMessage(row) : null;
  }

  /** When `userId`'s newest retained message was sent (ms), or null (slow mode, after a wake). */
  lastMessageAt(userId: string): number | null {
    return this.#sql
      .exec<{ ts: number | null }>(
        'SELECT MAX(ts) AS ts FROM messages WHERE user_id = ? AND id > ?',
        userId,
        this.floor,
      )
      .one().ts;
  }

  /** Whether `userId` already sent a message with `clientId` that is still retained. */
  hasClientId(userId: string, clientId: string): boolean {
    return (
      this.#sql
        .exec(
          'SELECT 1 FROM messages WHERE user_id = ? AND client_id = ? AND id > ?',
          userId,
          clientId,
          this.floor,
        )
        .toArray().length > 0
    );
  }

  /** Whether a client at `seq` may have missed changes that are no longer retained. */
  prunedAfter(seq: number): boolean {
    const stored = readState(this.#sql, 'pruned_seq') ?? 0;
    if (seq < stored) return true;
    const floor = this.floor;
    if (floor === 0) return false;
    // Rows below the floor that are not deleted yet count as pruned already.
    const hidden = this.#sql
      .exec<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM messages WHERE id <= ?', floor)
      .one().seq;
    return seq < (hidden ?? 0);
  }

  /** Ids at or below this are no longer retained (0 while the room holds at most `limit`). */
  // Public for the pages (paging.ts), which must never read below it.
  get floor(): number {
    if (this.#floorCache !== null) return this.#floorCache;
    const count = (this.#count ??= this.#countRows());
    this.#floorCache =
      count <= this.#limit
        ? 0
        : this.#sql
            .exec<{ id: number }>(
              'SELECT id FROM messages ORDER BY id DESC LIMIT 1 OFFSET ?',
              this.#limit,
            )
            .one().id;
    return this.#floorCache;
  }

  #countRows(): number {
    return this.#sql.exec<{ count: number }>('SELECT COUNT(*) AS count FROM messages').one().count;
  }

  #byClientId(userId: string, clientId: string): ChatMessage {
    const [row] = selectMessages(
      this.#sql,
      this.floor,
      'm.user_id = ?2 AND m.client_id = ?3',
      userId,
      clientId,
    );
    if (!row) throw new Error('a resend whose first copy is not stored');
    return toMessage(row);
  }
}

/** The bindings of an INSERT of `drafts` after the first id, row after row. */
function insertValues(drafts: readonly Draft[]): (string | number | null)[] {
  const values: (string | number | null)[] = [];
  for (const { user, text, ts, clientId, replyTo } of drafts) {
    values.push(user.id, user.name, text, ts, clientId ?? null, replyTo ?? null);
  }
  return values;
}

function newMessage(id: number, { user, text, ts, clientId, reply }: Draft): ChatMessage {
  const message: ChatMessage = { type: 'message', id, seq: id, user, text, ts };
  if (clientId !== undefined) message.clientId = clientId;
  if (reply) message.reply = reply;
  return message;
}
