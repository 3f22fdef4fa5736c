// @ts-check
// Changes to messages: edit, delete, react. Each is a request of the lane (requests.js) that is
// done once the message held is in the state asked for, whichever copy brought it: the room's
// `update` acknowledging it, or an earlier one (another tab's) that made it a change that changes
// nothing, which the room leaves unanswered. What the client can tell from what it holds it
// settles at once, sending nothing: a change that changes nothing resolves, a change to a deleted
// message or one made while muted rejects as the room would.
import { codePointLength, MAX_TEXT_LENGTH } from './rules.js';

/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').ChangeFrame} ChangeFrame */
/** @typedef {import('./frames.js').ErrorFrame} ErrorFrame */
/** @typedef {import('./requests.js').RequestLane} RequestLane */
/**
 * @typedef {object} ChangeContext
 * @property {RequestLane} lane
 * @property {(id: number) => ChatMessage | undefined} message the message held with this id
 * @property {() => string | undefined} me this user's id, once welcomed
 * @property {() => number | null} mutedUntil until when this user is muted
 */

/** The room's words for a change to a message it doesn't keep (or that is deleted). */
const NOT_FOUND = 'no such message (deleted, or no longer kept)';

export class Changes {
  #context;

  /** @param {ChangeContext} context */
  constructor(context) {
    this.#context = context;
  }

  /** See ChatClient.edit(). @param {number} id @param {string} text @returns {Promise<ChatMessage>} */
  edit(id, text) {
    if (typeof text !== 'string') return Promise.reject(new TypeError('text must be a string'));
    const wanted = text.trim();
    const refusal = textRefusal(wanted, id);
    if (refusal) return Promise.reject(refusal);
    return this.#change({ type: 'edit', id, text }, true, (message) => message.text === wanted);
  }

  /** See ChatClient.delete(). @param {number} id @returns {Promise<ChatMessage>} */
  delete(id) {
    return this.#change({ type: 'delete', id }, false, () => false);
  }

  /** See ChatClient.react(). @param {number} id @param {string} emoji @param {boolean} on @returns {Promise<ChatMessage>} */
  react(id, emoji, on) {
    if (typeof emoji !== 'string') return Promise.reject(new TypeError('emoji must be a string'));
    if (typeof on !== 'boolean') return Promise.reject(new TypeError('on must be a boolean'));
    return this.#change({ type: 'react', id, emoji, on }, true, (message) => {
      const me = this.#context.me();
      const reaction = message.reactions?.find((entry) => entry.emoji === emoji);
      if (!reaction || me === undefined) return !on;
      if (reaction.users.includes(me)) return on;
      // Past the first REACTION_USERS_LISTED a reaction lists, whether we are among the rest is unknown.
      return reaction.users.length >= reaction.count ? !on : undefined;
    });
  }

  /**
   * Sends `frame` about message `frame.id` unless what is held already says how it ends.
   * `isDone` tells, of a message that is not deleted, whether it is in the state asked for
   * (undefined: can't tell); a delete is done once the message is a tombstone.
   * @param {ChangeFrame} frame
   * @param {boolean} heldByMute whether a mute refuses it (a delete of one's own it doesn't)
   * @param {(message: ChatMessage) => boolean | undefined} isDone
   * @returns {Promise<ChatMessage>}
   */
  #change(frame, heldByMute, isDone) {
    const { id } = frame;
    if (!Number.isSafeInteger(id) || id < 0)
      return Promise.reject(new TypeError('id must be a message id'));
    const { lane, message, mutedUntil } = this.#context;
    const held = message(id);
    if (!held)
      return Promise.reject(new RangeError(`message ${id} is not held here (load it first)`));
    if (held.deleted) return Promise.reject(refusalOf('not_found', NOT_FOUND, id));
    const until = mutedUntil();
    if (heldByMute && until !== null) {
      const muted = refusalOf('forbidden', 'you are muted in this room', id);
      return Promise.reject({ ...muted, retryAfterMs: Math.max(0, until - Date.now()) });
    }
    /** Whether the held message is as asked (a delete: gone); undefined when that can't be told. */
    const done = () => {
      const now = message(id);
      if (!now || now.deleted) return frame.type === 'delete' && now !== undefined;
      return isDone(now);
    };
    return new Promise((resolve, reject) => {
      const settle = () => {
        const now = message(id);
        if (now) resolve(now);
        else reject(new RangeError(`message ${id} is no longer held here`));
      };
      lane.request({ frame, id, done, settle, fail: reject });
    });
  }
}

/**
 * The refusal the room would answer a change's text with for being empty or too long; null when
 * it may be sent. Everything else (control characters, say) is the room's to judge.
 * @param {string} trimmed
 * @param {number} id
 */
export function textRefusal(trimmed, id) {
  if (trimmed === '') return refusalOf('empty', 'text is empty', id);
  if (codePointLength(trimmed) <= MAX_TEXT_LENGTH) return null;
  return refusalOf('too_long', `text is longer than ${MAX_TEXT_LENGTH} characters`, id);
}

/** @param {ErrorFrame['code']} code @param {string} message @param {number} id @returns {ErrorFrame} */
function refusalOf(code, message, id) {
  return { type: 'error', code, message, id };
}
