// Pages of a room's retained messages, as `welcome` and `history` serve them: the latest, back by
// id, forward by id (after a jump), around an id, and everything changed after a `seq` (resume).
// Reads only; every page is in current state, oldest first, and never looks below retention.
import type { History } from './history.ts';
import { selectMessages, toMessage, type MessageRow } from './message-rows.ts';
import type { ChatMessage } from './protocol.ts';
import type { ClientFrame } from './client-frames.ts';

type HistoryRequest = Extract<ClientFrame, { type: 'history' }>;

export interface Page {
  /** Oldest first (by `seq` for changesAfter, by id otherwise). */
  messages: ChatMessage[];
  /** More exist beyond this page in the direction it was read (for `around`: older ones). */
  hasMore: boolean;
  /** `around` only: newer messages exist after this page. */
  hasNewer?: boolean;
}

export class Paging {
  readonly #sql: SqlStorage;
  readonly #history: History;

  constructor(sql: SqlStorage, history: History) {
    this.#sql = sql;
    this.#history = history;
  }

  /** The answer to a `history` frame: a page by its anchor, `pruned` when catching up past a gap. */
  answer(request: HistoryRequest): Page & { pruned?: true } {
    const { limit } = request;
    if (request.before !== undefined) return this.before(request.before, limit);
    if (request.around !== undefined) return this.around(request.around, limit);
    if (request.afterId !== undefined) return this.afterId(request.afterId, limit);
    const after = request.after ?? 0;
    const page = this.changesAfter(after, limit);
    return this.#history.prunedAfter(after) ? { ...page, pruned: true } : page;
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
    const rows = (where: string, ...bindings: number[]) =>
      selectMessages(this.#sql, this.#history.floor, where, ...bindings);
    const [target] = rows('m.id > ?1 AND m.id >= ?2 ORDER BY m.id LIMIT 1', id);
    if (!target) return { ...this.latest(limit), hasNewer: false };
    const older = rows('m.id > ?1 AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3', target.id, limit);
    const newer = rows('m.id > ?2 ORDER BY m.id LIMIT ?3', target.id, limit);
    const olderShare = Math.min(
      older.length,
      Math.max(Math.floor((limit - 1) / 2), limit - 1 - newer.length),
    );
    const newerShare = Math.min(newer.length, limit - 1 - olderShare);
    const page: MessageRow[] = [
      ...older.slice(0, olderShare).reverse(),
      target,
      ...newer.slice(0, newerShare),
    ];
    return {
      messages: page.map(toMessage),
      hasMore: older.length > olderShare,
      hasNewer: newer.length > newerShare,
    };
  }

  #page(where: string, bindings: number[], limit: number, newestFirst: boolean): Page {
    const rows = selectMessages(this.#sql, this.#history.floor, where, ...bindings);
    const hasMore = rows.length > limit;
    const messages = rows.slice(0, limit).map(toMessage);
    if (newestFirst) messages.reverse();
    return { messages, hasMore };
  }
}
