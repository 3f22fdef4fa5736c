// @ts-check
// The messages a client holds, each in the latest state it has received: what a view asks for by
// id. A copy replaces the one held when it is newer (a higher `seq`), and a tombstone is never
// undone. The room never sends a reply again when the message it answers changes (its `seq` does
// not move), so reply excerpts are kept fresh here, as the room computes them: whenever a copy of
// a message comes in, the replies to it that are held are recomputed from it (docs/protocol.md,
// "Replies").
import { REPLY_EXCERPT_LENGTH } from './rules.js';

/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').Reply} Reply */

export class MessageStore {
  /** @type {Map<number, ChatMessage>} */ #messages = new Map();
  /** The ids of the held replies to each answered id. @type {Map<number, Set<number>>} */
  #replies = new Map();
  /**
   * The `seq` of the latest copy taken of each answered message that is not held itself, so an
   * older copy (held back during a catch-up, say) never turns the excerpts back.
   * @type {Map<number, number>}
   */
  #answeredSeq = new Map();

  /** The message with this id as last received, or undefined when it is not held. */
  get(/** @type {number} */ id) {
    return this.#messages.get(id);
  }

  /** Every message held, oldest first. */
  list() {
    return [...this.#messages.values()].sort((a, b) => a.id - b.id);
  }

  /**
   * Takes `message` as its id's latest state when it is newer than the copy held, or when none is
   * held and `hold` says to keep it. Returns the held messages whose state this changed: the
   * message itself when it replaced an older copy (not when it is newly held), then every held
   * reply whose excerpt of it changed. A copy of a message that is not held still refreshes the
   * replies to it.
   * @param {ChatMessage} message
   * @param {boolean} hold
   * @returns {ChatMessage[]}
   */
  put(message, hold) {
    const held = this.#messages.get(message.id);
    /** @type {ChatMessage[]} */ const changed = [];
    if (held) {
      if (!isNewer(message, held)) return changed;
      this.#set(message);
      changed.push(message);
    } else {
      const seen = this.#answeredSeq.get(message.id);
      const newer = seen === undefined || message.seq > seen;
      if (hold) {
        this.#answeredSeq.delete(message.id);
        this.#set(message);
      } else if (newer && this.#replies.has(message.id)) {
        this.#answeredSeq.set(message.id, message.seq);
      }
      if (!newer) return changed;
    }
    changed.push(...this.#refreshReplies(message));
    return changed;
  }

  /**
   * Every held message of `userId` that is not deleted yet becomes a tombstone (a ban's purge),
   * keeping its `seq` until the real tombstone, with its own, comes in. Returns what changed: each
   * tombstone, then the replies to it.
   * @param {string} userId
   * @returns {ChatMessage[]}
   */
  tombstoneAll(userId) {
    /** @type {ChatMessage[]} */ const changed = [];
    for (const message of this.list()) {
      if (message.user.id !== userId || message.deleted) continue;
      const tombstone = tombstoneOf(message);
      this.#set(tombstone);
      changed.push(tombstone, ...this.#refreshReplies(tombstone));
    }
    return changed;
  }

  /** Forgets every message (the room's storage was reset). */
  clear() {
    this.#messages.clear();
    this.#replies.clear();
    this.#answeredSeq.clear();
  }

  /** Holds `message`, keeping the index of replies in step. @param {ChatMessage} message */
  #set(message) {
    const before = this.#messages.get(message.id)?.reply;
    if (before) this.#replies.get(before.id)?.delete(message.id);
    this.#messages.set(message.id, message);
    if (!message.reply) return;
    const replies = this.#replies.get(message.reply.id) ?? new Set();
    replies.add(message.id);
    this.#replies.set(message.reply.id, replies);
  }

  /** The held replies to `answered`, with their excerpts of it recomputed where they changed. @param {ChatMessage} answered */
  #refreshReplies(answered) {
    /** @type {ChatMessage[]} */ const changed = [];
    const excerpt = replyExcerpt(answered);
    for (const id of this.#replies.get(answered.id) ?? []) {
      const reply = this.#messages.get(id);
      if (!reply?.reply || sameReply(reply.reply, excerpt)) continue;
      const refreshed = { ...reply, reply: excerpt };
      this.#set(refreshed);
      changed.push(refreshed);
    }
    return changed;
  }
}

/**
 * The excerpt a reply to `message` carries, as the room computes it when it sends the reply: its
 * user and the first REPLY_EXCERPT_LENGTH code points of its text, or `deleted` for a tombstone.
 * @param {ChatMessage} message
 * @returns {Reply}
 */
export function replyExcerpt(message) {
  if (message.deleted) return { id: message.id, deleted: true };
  const { text } = message;
  const cut =
    text.length <= REPLY_EXCERPT_LENGTH
      ? text
      : Array.from(text).slice(0, REPLY_EXCERPT_LENGTH).join('');
  return { id: message.id, user: message.user, text: cut };
}

/**
 * Whether `copy` is a newer state of the message than `held`: a higher `seq`, except that nothing
 * brings a deleted message back (a tombstone made from a `purged` frame keeps the old `seq`).
 * @param {ChatMessage} copy
 * @param {ChatMessage} held
 */
function isNewer(copy, held) {
  if (held.deleted && !copy.deleted) return false;
  return copy.seq > held.seq;
}

/** @param {ChatMessage} message @returns {ChatMessage} */
function tombstoneOf({ id, seq, user, ts, clientId }) {
  /** @type {ChatMessage} */
  const tombstone = { type: 'message', id, seq, user, text: '', ts };
  if (clientId !== undefined) tombstone.clientId = clientId;
  tombstone.deleted = true;
  return tombstone;
}

/** @param {Reply} a @param {Reply} b */
function sameReply(a, b) {
  if ('deleted' in a || 'deleted' in b) return 'deleted' in a && 'deleted' in b;
  return a.text === b.text && a.user.id === b.user.id && a.user.name === b.user.name;
}
