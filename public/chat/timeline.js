// @ts-check
// What the client knows of a room's messages, and its position: the point it resumes from after a
// reconnect. The messages it has learned of form one unbroken run of ids, from the oldest page it
// loaded to the newest message it received; a message is new exactly when it extends that run,
// and one inside the run, in a newer state, is a change to a message it knows. The position is
// the highest change (`seq`) received. This is the one place that decides all three.

/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {{ fresh: ChatMessage[], changed: ChatMessage[] }} Taken */

/** @param {ChatMessage} a @param {ChatMessage} b */
const byId = (a, b) => a.id - b.id;
/** @param {ChatMessage} a @param {ChatMessage} b */
const bySeq = (a, b) => a.seq - b.seq;

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
   * Messages as the room has them now (live, in a welcome or in a page after our position):
   * `fresh` are those newer than every one known, oldest first, now known too; `changed`, only
   * when `changes` is set, are known ones in a newer state, in the room's order of changes. The
   * rest (a copy already seen, a resend's answer) is dropped. The position moves past them all.
   * @param {readonly ChatMessage[]} messages
   * @returns {Taken}
   */
  take(messages, changes = true) {
    const [lowest, highest] = [this.#lowest, this.#highest];
    const fresh = messages.filter((m) => highest === null || m.id > highest).sort(byId);
    const changed = changes
      ? messages.filter(
          (m) => lowest !== null && highest !== null && m.id >= lowest && m.id <= highest,
        )
      : [];
    const last = fresh.at(-1);
    if (last) {
      this.#highest = last.id;
      this.#lowest ??= fresh[0]?.id ?? last.id;
    }
    for (const message of messages) this.#position = Math.max(this.#position ?? 0, message.seq);
    return { fresh, changed: changed.sort(bySeq) };
  }

  /**
   * The messages of an older page that precede every one known, oldest first; now known too.
   * An older page says nothing of the position: every change up to now has come live already.
   * @param {readonly ChatMessage[]} messages
   */
  takeOlder(messages) {
    const lowest = this.#lowest;
    if (lowest === null) return this.take(messages, false).fresh;
    const older = messages.filter((message) => message.id < lowest).sort(byId);
    if (older[0]) this.#lowest = older[0].id;
    return older;
  }

  /**
   * Caught up with the room as of its latest change `seq` (every change up to it received):
   * only then may the position jump to it.
   * @param {number} seq
   */
  caughtUp(seq) {
    this.#position = Math.max(this.#position ?? 0, seq);
  }

  /** Forgets everything, as if the client had never been in the room (its storage was reset). */
  forget() {
    this.#lowest = this.#highest = this.#position = null;
  }
}
