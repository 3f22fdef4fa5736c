// Full-text search of a room's retained, not deleted messages (docs/protocol.md, "Search"), in an
// FTS5 index in the room's own SQLite. The index holds no copy of the text (contentless) and, with
// `secure-delete`, a deleted message's words leave it for good. Indexing is lazy: new messages are
// indexed when someone searches or when the alarm runs, never on the path of a new message; edits,
// deletes and retention (history.ts) keep what is indexed current.
import { searchWords } from '../public/chat/rules.js';
import type { History } from './history.ts';
import { selectMessages, toMessage } from './message-rows.ts';
import type { ChatMessage } from './protocol.ts';
import { readState, writeState } from './schema.ts';

/** Messages indexed per statement while catching up. */
const INDEX_CHUNK = 500;

export interface SearchPage {
  /** Newest first. */
  messages: ChatMessage[];
  hasMore: boolean;
}

export class Search {
  readonly #sql: SqlStorage;
  readonly #history: History;
  /** Ids at or below this are in the index (or deleted, or pruned); null until read after a wake. */
  #indexed: number | null = null;

  constructor(sql: SqlStorage, history: History) {
    this.#sql = sql;
    this.#history = history;
  }

  /**
   * The newest `limit` messages (below `before`, if given) containing every word of `query`, the
   * last as a prefix; null when the query has no word. The query's own syntax is never read:
   * each word is quoted, so FTS5 operators in it are just words.
   */
  find(query: string, before: number | undefined, limit: number): SearchPage | null {
    const words = searchWords(query);
    if (words.length === 0) return null;
    this.catchUp();
    const match = words.map((word, i) => `"${word}"${i === words.length - 1 ? '*' : ''}`).join(' ');
    const floor = this.#history.floor;
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
    const rows = selectMessages(
      this.#sql,
      floor,
      `m.id IN (${found.map((_, i) => `?${i + 2}`).join(', ')}) ORDER BY m.id DESC`,
      ...found,
    );
    return { messages: rows.map(toMessage), hasMore: ids.length > limit };
  }

  /** Indexes every message stored since the last catch-up, oldest first, in chunks. */
  catchUp(): void {
    const latest = this.#history.seq;
    let indexed = this.#watermark();
    while (indexed < latest) {
      const rows = this.#sql
        .exec<{ id: number; text: string }>(
          'SELECT id, text FROM messages WHERE id > ? AND deleted IS NULL ORDER BY id LIMIT ?',
          indexed,
          INDEX_CHUNK,
        )
        .toArray();
      const last = rows.at(-1)?.id;
      for (const { id, text } of rows) {
        this.#sql.exec('INSERT INTO search (rowid, text) VALUES (?, ?)', id, text);
      }
      indexed = rows.length < INDEX_CHUNK || last === undefined ? latest : last;
      writeState(this.#sql, 'search_indexed', indexed);
    }
    this.#indexed = indexed;
  }

  /** Keeps the index current after message `id`'s text changed (`null`: deleted). */
  changed(id: number, text: string | null): void {
    if (id > this.#watermark()) return;
    this.#sql.exec('DELETE FROM search WHERE rowid = ?', id);
    if (text !== null) this.#sql.exec('INSERT INTO search (rowid, text) VALUES (?, ?)', id, text);
  }

  #watermark(): number {
    this.#indexed ??= readState(this.#sql, 'search_indexed') ?? 0;
    return this.#indexed;
  }
}
