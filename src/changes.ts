// Changes to stored messages: edits, deletes and reactions, each taking the room's next `seq`
// (see history.ts). The rules live here; who is a moderator is the room's to say. A refusal
// changes nothing, and a change that would change nothing takes no `seq` and is not announced.
import { MAX_REACTIONS_PER_MESSAGE, REACTION_USERS_LISTED } from '../public/chat/rules.js';
import type { History } from './history.ts';
import type { StoredMessage } from './message-rows.ts';
import type { Search } from './search.ts';
import type { ChatMessage, Reaction, User } from './protocol.ts';

/** What a change came to: the message's new state, nothing to announce, or the refusal. */
export type ChangeOutcome =
  | { kind: 'changed'; message: ChatMessage }
  | { kind: 'unchanged' }
  | { kind: 'refused'; code: 'not_found' | 'forbidden' | 'bad_frame'; reason: string };

const NOT_FOUND: ChangeOutcome = {
  kind: 'refused',
  code: 'not_found',
  reason: 'no such message (deleted, or no longer kept)',
};
const UNCHANGED: ChangeOutcome = { kind: 'unchanged' };

export class Changes {
  readonly #history: History;
  readonly #search: Search;
  readonly #sql: SqlStorage;

  constructor(history: History, search: Search, sql: SqlStorage) {
    this.#history = history;
    this.#search = search;
    this.#sql = sql;
  }

  /** Replaces the text of `user`'s own message `id`. */
  edit(user: User, id: number, text: string, now: number): ChangeOutcome {
    const found = this.#live(id);
    if (!found) return NOT_FOUND;
    if (found.user.id !== user.id) return forbidden('only its author can edit a message');
    if (found.text === text) return UNCHANGED;
    return this.#apply(id, (seq) => {
      this.#sql.exec(
        'UPDATE messages SET text = ?, edited_at = ?, seq = ? WHERE id = ?',
        text,
        now,
        seq,
        id,
      );
      this.#search.changed(id, found.text, text);
    });
  }

  /**
   * Deletes message `id`: its author's own, or anyone's when `moderates` (the sender is a
   * moderator or the owner). The row stays as a tombstone; its text and reactions are removed.
   */
  delete(user: User, id: number, moderates: boolean): ChangeOutcome {
    const found = this.#live(id);
    if (!found) return NOT_FOUND;
    if (found.user.id !== user.id && !moderates) {
      return forbidden('only its author or a moderator can delete a message');
    }
    return this.#apply(id, (seq) => this.#tombstone(id, found.text, seq));
  }

  /** Adds (`on`) or removes `user`'s reaction `emoji` on message `id`; idempotent. */
  react(user: User, id: number, emoji: string, on: boolean): ChangeOutcome {
    const found = this.#live(id);
    if (!found) return NOT_FOUND;
    const has =
      this.#sql
        .exec(
          'SELECT 1 FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?',
          id,
          emoji,
          user.id,
        )
        .toArray().length > 0;
    if (has === on) return UNCHANGED;
    const known = found.reactions.some((reaction) => reaction.emoji === emoji);
    if (on && !known && found.reactions.length >= MAX_REACTIONS_PER_MESSAGE) {
      return {
        kind: 'refused',
        code: 'bad_frame',
        reason: `a message carries at most ${MAX_REACTIONS_PER_MESSAGE} different reactions`,
      };
    }
    return this.#apply(id, (seq) => {
      if (on) {
        this.#sql.exec(
          'INSERT INTO reactions (message_id, emoji, user_id, seq) VALUES (?, ?, ?, ?)',
          id,
          emoji,
          user.id,
          seq,
        );
      } else {
        this.#sql.exec(
          'DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?',
          id,
          emoji,
          user.id,
        );
      }
      const summary = this.#summarise(id, emoji, found.reactions);
      this.#sql.exec(
        'UPDATE messages SET reactions = ?, seq = ? WHERE id = ?',
        summary.length > 0 ? JSON.stringify(summary) : null,
        seq,
        id,
      );
    });
  }

  /**
   * Deletes every retained message of `userId` (a ban's purge), each as its own change; returns
   * the last `seq` this took, or null when they had none.
   */
  purge(userId: string): number | null {
    const rows = this.#sql
      .exec<{ id: number; text: string }>(
        'SELECT id, text FROM messages WHERE user_id = ? AND id > ? AND deleted IS NULL ORDER BY id',
        userId,
        this.#history.floor,
      )
      .toArray();
    if (rows.length === 0) return null;
    return this.#history.changeMany(rows.length, (first) =>
      rows.forEach(({ id, text }, i) => this.#tombstone(id, text, first + i)),
    );
  }

  /** A retained message that is not deleted, or null. */
  #live(id: number): StoredMessage | null {
    const found = this.#history.find(id);
    return found && !found.deleted ? found : null;
  }

  #apply(id: number, write: (seq: number) => void): ChangeOutcome {
    this.#history.change(write);
    const message = this.#history.message(id);
    if (!message) throw new Error(`message ${id} vanished while it changed`);
    return { kind: 'changed', message };
  }

  #tombstone(id: number, text: string, seq: number): void {
    this.#search.changed(id, text, null);
    this.#sql.exec('DELETE FROM reactions WHERE message_id = ?', id);
    this.#sql.exec(
      `UPDATE messages SET text = '', reply_to = NULL, edited_at = NULL, reactions = NULL,
        deleted = 1, seq = ? WHERE id = ?`,
      seq,
      id,
    );
  }

  /**
   * The summary after `emoji` changed: in the order each reaction was first added, one whose
   * count fell to 0 gone (added again, it goes last), each listing its earliest users.
   */
  #summarise(id: number, emoji: string, before: readonly Reaction[]): Reaction[] {
    const { count } = this.#sql
      .exec<{ count: number }>(
        'SELECT COUNT(*) AS count FROM reactions WHERE message_id = ? AND emoji = ?',
        id,
        emoji,
      )
      .one();
    const users = this.#sql
      .exec<{ user_id: string }>(
        'SELECT user_id FROM reactions WHERE message_id = ? AND emoji = ? ORDER BY seq LIMIT ?',
        id,
        emoji,
        REACTION_USERS_LISTED,
      )
      .toArray()
      .map((row) => row.user_id);
    const others = before.filter((reaction) => reaction.emoji !== emoji);
    if (count === 0) return others;
    const updated = { emoji, count, users };
    const at = before.findIndex((reaction) => reaction.emoji === emoji);
    if (at === -1) return [...others, updated];
    return before.map((reaction) => (reaction.emoji === emoji ? updated : reaction));
  }
}

function forbidden(reason: string): ChangeOutcome {
  return { kind: 'refused', code: 'forbidden', reason };
}
