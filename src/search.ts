// Full-text search of a room's retained, not deleted messages (docs/protocol.md, "Search"), in an
// FTS5 index in the room's own SQLite. The index keeps no copy of the text (contentless), so a
// row leaves it through FTS5's 'delete' command given the text it was indexed with; with
// `secure-delete` on, its words then leave the index's pages too. Indexing is lazy: new messages
// are indexed when someone searches or when the alarm runs, never on the way of a new message.
import { searchWords } from '../public/chat/rules.js';
import { selectMessages, toMessage } from './message-rows.ts';
import type { ChatMessage } from './protocol.ts';
import { readState, writeState } from './schema.ts';

/** Messages read per statement while catching up. */
const INDEX_CHUNK = 500;

export interface SearchPage {
  /** Newest first. */
  messages: ChatMessage[];
  hasMore: boolean;
}

export class Search {
  readonly #sql: SqlStorage;
  /** Ids at or below this are in the index (or deleted, or pruned); null until read after a wake. */
  #indexed: number | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /**
   * The newest `limit` retained messages (above `floor`, below `before` if given) containing
   * every word of `query`, the last as a prefix; null when the query has no word. The query's own
   * syntax is never read: each word is quoted, so FTS5 operators in it are just words.
   */
  find(query: string, before: number | undefined, limit: number, floor: number): SearchPage | null {
    const words = searchWords(query);
    if (words.length === 0) return null;
    const match = words.map((word, i) => `"${word}"${i === words.length - 1 ? '*' : ''}`).join(' ');
    const ids = this.#sql
      .exec<{ id: number }>(
        `SELECT rowid AS id FROM search WHERE search MATCH ? AND rowid > ? AND rowid < ?
          ORDER BY rowid DESC LIMIT ?`,
        match,
        floor,
        before ?? Number.MAX_SAFE_INTEGER,
        limit + 1,
      )
      .toArray()
      .map((row) => row.id);
    const found = ids.slice(0, limit);
    if (found.length === 0) return { messages: [], hasMore: false };
    const where = `m.id IN (${found.map((_, i) => `?${i + 2}`).join(', ')}) ORDER BY m.id DESC`;
    const rows = selectMessages(this.#sql, floor, where, ...found);
    return { messages: rows.map(toMessage), hasMore: ids.length > limit };
  }

  /** Indexes every message stored up to `lastId` since the last catch-up, oldest first. */
  catchUp(lastId: number): void {
    let indexed = this.#watermark();
    while (indexed < lastId) {
      const rows = this.#sql
        .exec<{ id: number; text: string }>(
          'SELECT id, text FROM messages WHERE id > ? AND deleted IS NULL ORDER BY id LIMIT ?',
          indexed,
          INDEX_CHUNK,
        )
        .toArray();
      for (const { id, text } of rows) {
        this.#sql.exec('INSERT INTO search (rowid, text) VALUES (?, ?)', id, text);
      }
      indexed = rows.length < INDEX_CHUNK ? lastId : (rows.at(-1)?.id ?? lastId);
    }
    if (indexed !== this.#watermark()) writeState(this.#sql, 'search_indexed', indexed);
    this.#indexed = indexed;
  }

  /** Keeps the index current when message `id`'s text changes from `before` (to `after`, or deleted: null). */
  changed(id: number, before: string, after: string | null): void {
    if (id > this.#watermark()) return;
    this.#sql.exec("INSERT INTO search (search, rowid, text) VALUES ('delete', ?, ?)", id, before);
    if (after !== null) this.#sql.exec('INSERT INTO search (rowid, text) VALUES (?, ?)', id, after);
  }

  /** Takes messages that leave storage (retention) out of the index. */
  forget(rows: readonly { id: number; text: string }[]): void {
    const indexed = this.#watermark();
    for (const { id, text } of rows) {
      if (id > indexed) continue;
      this.#sql.exec("INSERT INTO search (search, rowid, text) VALUES ('delete', ?, ?)", id, text);
    }
  }

  #watermark(): number {
    this.#indexed ??= readState(this.#sql, 'search_indexed') ?? 0;
    return this.#indexed;
  }
}
