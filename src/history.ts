// A room's messages in its Durable Object's SQLite, numbered by one change sequence: a new
// message takes the next `seq` as its id, and every later change (edit, delete, reaction) gives
// the message the next `seq` again, so "everything changed since" is a range scan of one index.
// Messages that arrive together are stored all or none by multi-row INSERTs. Retention keeps the
// newest HISTORY_LIMIT messages; reads never look below them, and rows past them are deleted in
// batches. The counter and the retention floor are kept in memory and restored once per wake.
import * as v from 'valibot';
import { REPLY_EXCERPT_LENGTH } from '../public/chat/rules.js';
import {
  ReactionsSchema,
  type ChatMessage,
  type ClientFrame,
  type Reaction,
  type Reply,
  type User,
} from './protocol.ts';
import { migrate, readState, writeState } from './schema.ts';

type HistoryRequest = Extract<ClientFrame, { type: 'history' }>;

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

export interface Page {
  /** Oldest first (by `seq` for changesAfter, by id otherwise). */
  messages: ChatMessage[];
  /** More exist beyond this page in the direction it was read (for `around`: older ones). */
  hasMore: boolean;
  /** `around` only: newer messages exist after this page. */
  hasNewer?: boolean;
}

/** A retained message's row as the rules need it. */
export interface StoredMessage {
  id: number;
  user: User;
  text: string;
  deleted: boolean;
  reactions: Reaction[];
}

type MessageRow = {
  id: number;
  seq: number;
  user_id: string;
  user_name: string;
  text: string;
  ts: number;
  client_id: string | null;
  edited_at: number | null;
  deleted: number | null;
  reactions: string | null;
  reply_id: number | null;
  reply_user_id: string | null;
  reply_user_name: string | null;
  reply_text: string | null;
  reply_deleted: number | null;
};

// Rows past the retention limit are deleted in batches rather than one per message; reads never
// look below the limit, so exactly `limit` messages stay visible either way.
const PRUNE_EVERY = 100;
// Every read takes the floor as ?1: the answered message of a reply is joined only if retained.
const SELECT = `SELECT m.id, m.seq, m.user_id, m.user_name, m.text, m.ts, m.client_id,
    m.edited_at, m.deleted, m.reactions, m.reply_to AS reply_id, r.user_id AS reply_user_id,
    r.user_name AS reply_user_name, substr(r.text, 1, ${REPLY_EXCERPT_LENGTH}) AS reply_text,
    r.deleted AS reply_deleted
  FROM messages m LEFT JOIN messages r ON r.id = m.reply_to AND r.id > ?1`;
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
  /** The room's latest change. */
  #seq: number;
  /** Retained rows (deleted ones included), once counted; null until needed after a wake. */
  #count: number | null = null;
  /** Ids at or below this are no longer retained; null when it must be looked up again. */
  #floorCache: number | null = null;

  /** Cheap enough for every wake: the schema check and two indexed reads. */
  constructor(storage: DurableObjectStorage, limit: number) {
    migrate(storage);
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#limit = limit;
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
        if (existing.id <= this.#floor) {
          // The earlier copy is past retention, so this send is new again.
          this.#deleteRows('id = ?', existing.id);
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
    const floor = this.#floor;
    const prunedSeq = this.#sql
      .exec<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM messages WHERE id <= ?', floor)
      .one().seq;
    const previous = readState(this.#sql, 'pruned_seq') ?? 0;
    if (prunedSeq !== null && prunedSeq > previous) writeState(this.#sql, 'pruned_seq', prunedSeq);
    this.#deleteRows('id <= ?', floor);
    this.#count = this.#limit;
  }

  #deleteRows(where: string, id: number): void {
    this.#sql.exec(`DELETE FROM reactions WHERE message_${where}`, id);
    this.#sql.exec(`DELETE FROM messages WHERE ${where}`, id);
  }

  /**
   * Runs `apply` with the next `seq` in one transaction; the counter moves only if it succeeded.
   * Returns the `seq` the change took.
   */
  change(apply: (seq: number) => void): number {
    const seq = this.#seq + 1;
    this.#storage.transactionSync(() => apply(seq));
    this.#seq = seq;
    return seq;
  }

  /** A retained message (deleted ones included) as the rules need it, or null. */
  find(id: number): StoredMessage | null {
    if (id <= this.#floor) return null;
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

  /** The excerpt a reply to `message` carries now. */
  static replyTo(message: StoredMessage): Reply {
    if (message.deleted) return { id: message.id, deleted: true };
    return { id: message.id, user: message.user, text: excerpt(message.text) };
  }

  /** A retained message in its current state, or null. */
  message(id: number): ChatMessage | null {
    const row = this.#sql
      .exec<MessageRow>(`${SELECT} WHERE m.id = ?2`, this.#floor, id)
      .toArray()[0];
    return row && row.id > this.#floor ? toMessage(row) : null;
  }

  /** The newest `limit` messages. */
  latest(limit: number): Page {
    return this.#page('m.id > ?1 ORDER BY m.id DESC LIMIT ?2', [limit + 1], limit, true);
  }

  /** The newest `limit` messages older than `id`. */
  before(id: number, limit: number): Page {
    return this.#page(
      'm.id > ?1 AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3',
      [id, limit + 1],
      limit,
      true,
    );
  }

  /** The oldest `limit` messages newer than `id`. */
  afterId(id: number, limit: number): Page {
    return this.#page(
      'm.id > ?1 AND m.id > ?2 ORDER BY m.id LIMIT ?3',
      [id, limit + 1],
      limit,
      false,
    );
  }

  /** Every retained message changed after `seq`, oldest change first, `limit` at a time. */
  changesAfter(seq: number, limit: number): Page {
    return this.#page(
      'm.id > ?1 AND m.seq > ?2 ORDER BY m.seq LIMIT ?3',
      [seq, limit + 1],
      limit,
      false,
    );
  }

  /**
   * Message `id` (or the next retained one) with up to ⌊(limit−1)/2⌋ older messages and the rest
   * newer, a short side's share going to the other. Without any message at or after `id`, the
   * newest page.
   */
  around(id: number, limit: number): Page {
    const floor = this.#floor;
    const rows = (where: string, ...bindings: number[]) =>
      this.#sql.exec<MessageRow>(`${SELECT} WHERE ${where}`, floor, ...bindings).toArray();
    const [target] = rows('m.id > ?1 AND m.id >= ?2 ORDER BY m.id LIMIT 1', id);
    if (!target) return { ...this.latest(limit), hasNewer: false };
    const older = rows('m.id > ?1 AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3', target.id, limit);
    const newer = rows('m.id > ?2 ORDER BY m.id LIMIT ?3', target.id, limit);
    const olderShare = Math.min(
      older.length,
      Math.max(Math.floor((limit - 1) / 2), limit - 1 - newer.length),
    );
    const newerShare = Math.min(newer.length, limit - 1 - olderShare);
    const page = [...older.slice(0, olderShare).reverse(), target, ...newer.slice(0, newerShare)];
    return {
      messages: page.map(toMessage),
      hasMore: older.length > olderShare,
      hasNewer: newer.length > newerShare,
    };
  }

  /** The answer to a `history` frame: a page by its anchor, `pruned` when catching up past a gap. */
  page(request: HistoryRequest): Page & { pruned?: true } {
    const { limit } = request;
    if (request.before !== undefined) return this.before(request.before, limit);
    if (request.around !== undefined) return this.around(request.around, limit);
    if (request.afterId !== undefined) return this.afterId(request.afterId, limit);
    const after = request.after ?? 0;
    const page = this.changesAfter(after, limit);
    return this.prunedAfter(after) ? { ...page, pruned: true } : page;
  }

  /** Whether `userId` already sent a message with `clientId` that is still stored. */
  hasClientId(userId: string, clientId: string): boolean {
    return (
      this.#sql
        .exec('SELECT 1 FROM messages WHERE user_id = ? AND client_id = ?', userId, clientId)
        .toArray().length > 0
    );
  }

  /** Whether a client at `seq` may have missed changes that are no longer retained. */
  prunedAfter(seq: number): boolean {
    const stored = readState(this.#sql, 'pruned_seq') ?? 0;
    if (seq < stored) return true;
    const floor = this.#floor;
    if (floor === 0) return false;
    // Rows below the floor that are not deleted yet count as pruned already.
    const hidden = this.#sql
      .exec<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM messages WHERE id <= ?', floor)
      .one().seq;
    return seq < (hidden ?? 0);
  }

  /** Ids at or below this are no longer retained (0 while the room holds at most `limit`). */
  get #floor(): number {
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

  #byClientId(userId: string, clientId: string): ChatMessage & { id: number } {
    const row = this.#sql
      .exec<MessageRow>(
        `${SELECT} WHERE m.user_id = ?2 AND m.client_id = ?3`,
        this.#floor,
        userId,
        clientId,
      )
      .one();
    return toMessage(row);
  }

  #page(where: string, bindings: number[], limit: number, newestFirst: boolean): Page {
    const rows = this.#sql
      .exec<MessageRow>(`${SELECT} WHERE ${where}`, this.#floor, ...bindings)
      .toArray();
    const hasMore = rows.length > limit;
    const messages = rows.slice(0, limit).map(toMessage);
    if (newestFirst) messages.reverse();
    return { messages, hasMore };
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

function toMessage(row: MessageRow): ChatMessage {
  const message: ChatMessage = {
    type: 'message',
    id: row.id,
    seq: row.seq,
    user: { id: row.user_id, name: row.user_name },
    text: row.text,
    ts: row.ts,
  };
  if (row.client_id !== null) message.clientId = row.client_id;
  if (row.deleted === 1) {
    message.deleted = true;
    return message;
  }
  if (row.reply_id !== null) {
    message.reply =
      row.reply_user_id === null || row.reply_deleted === 1
        ? { id: row.reply_id, deleted: true }
        : {
            id: row.reply_id,
            user: { id: row.reply_user_id, name: row.reply_user_name ?? '' },
            text: row.reply_text ?? '',
          };
  }
  if (row.edited_at !== null) message.editedAt = row.edited_at;
  if (row.reactions !== null) message.reactions = parseReactions(row.reactions);
  return message;
}

/** The reactions summary stored on a message row (written by changes.ts). */
export function parseReactions(json: string | null): Reaction[] {
  return json === null ? [] : v.parse(ReactionsSchema, JSON.parse(json));
}

/** The first REPLY_EXCERPT_LENGTH code points of `text`. */
function excerpt(text: string): string {
  if (text.length <= REPLY_EXCERPT_LENGTH) return text;
  return Array.from(text).slice(0, REPLY_EXCERPT_LENGTH).join('');
}
