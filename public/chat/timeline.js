// @ts-check
// What the client knows of a room's messages, and its position: the point it resumes from after a
// reconnect. The messages it has learned of form one unbroken run of ids, from the oldest page it
// loaded to the newest message it received; a message is new exactly when it extends that run.
// This is the one place that decides both, so the move from "highest message id" to the room's
// change sequence (`seq`, which will also number edits and deletes) happens here alone.

/** @typedef {import('./frames.js').ChatMessage} ChatMessage */

/** @param {ChatMessage} a @param {ChatMessage} b */
const byId = (a, b) => a.id - b.id;

export class Timeline {
  /** @type {number | null} */ #lowest = null;
  /** @type {number | null} */ #highest = null;
  /** @type {number | null} */ #position = null;

  /**
   * Where a reconnect resumes (`after=<position>`): the highest change received, or null before
   * the first welcome (a fresh join). 0 for a client that joined an empty room.
   */
  get position() {
    return this.#position;
  }

  /** The oldest message id known, where paging back continues; null while none is. */
  get oldestId() {
    return this.#lowest;
  }

  /**
   * The messages of `messages` newer than every one known, oldest first; they are now known and
   * the position moves past them. Anything else (a copy already seen, a resend's answer) is dropped.
   * @param {readonly ChatMessage[]} messages
   */
  takeNewer(messages) {
    /** @type {ChatMessage[]} */ const fresh = [];
    for (const message of [...messages].sort(byId)) {
      if (this.#highest !== null && message.id <= this.#highest) continue;
      fresh.push(message);
      this.#highest = message.id;
      this.#lowest ??= message.id;
      // The change sequence: a message's id is the seq of the change that created it.
      this.#position = Math.max(this.#position ?? 0, message.id);
    }
    return fresh;
  }

  /**
   * The messages of an older page that precede every one known, oldest first; now known too.
   * @param {readonly ChatMessage[]} messages
   */
  takeOlder(messages) {
    const lowest = this.#lowest;
    if (lowest === null) return this.takeNewer(messages);
    const older = messages.filter((message) => message.id < lowest).sort(byId);
    if (older[0]) this.#lowest = older[0].id;
    return older;
  }

  /**
   * Caught up with the room as of its latest change `seq` (every change up to it received):
   * only then may the position jump to it. Without a `seq`, the position stays where the messages
   * put it, or becomes 0 for an empty room.
   * @param {number} [seq]
   */
  caughtUp(seq) {
    this.#position = Math.max(this.#position ?? 0, seq ?? 0);
  }

  /** Forgets everything, as if the client had never been in the room (its storage was reset). */
  forget() {
    this.#lowest = this.#highest = this.#position = null;
  }
}
