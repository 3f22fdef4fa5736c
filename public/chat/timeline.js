// @ts-check
// What the client knows of a room's messages, and its position: the point it resumes from after a
// reconnect. The messages it holds (messages.js) form one unbroken run of ids, from the oldest
// page it loaded to the newest message it received, plus, after a jump to an older message (see
// jump.js), a stretch around that message that paging forward joins up with the run. A message is
// new exactly when it extends the run or a stretch; one already held, in a newer state, is a
// change. The position is the highest change (`seq`) received live, in a welcome or in a page
// after the position. This is the one place that decides all three.
import { MessageStore } from './messages.js';

/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/**
 * What a batch of messages came to: `fresh` ones, oldest first, not held before; `changed` ones,
 * held before and now in a newer state (replies whose excerpt changed included), in the room's
 * order of changes.
 * @typedef {{ fresh: ChatMessage[], changed: ChatMessage[] }} Taken
 */
/** @typedef {{ lowest: number, highest: number, hasOlder: boolean }} Run */

/** @param {ChatMessage} a @param {ChatMessage} b */
const byId = (a, b) => a.id - b.id;

export class Timeline {
  #store = new MessageStore();
  /** The run that reaches the newest message received; null while none is held. @type {Run | null} */
  #main = null;
  /** A stretch around a jumped-to message, older than the run with a gap between. @type {Run | null} */
  #jump = null;
  /** @type {number | null} */ #position = null;
  /**
   * While catching up, the run's end as it was when the catch-up began: every message above it
   * that isn't held is new. (Catch-up pages come in `seq` order, so a message made while the
   * client was away and changed since comes after newer ones.) Null when caught up.
   * @type {number | null}
   */
  #catchUpFrom = null;

  /**
   * Where a reconnect resumes (`after=<position>`): the highest change received, or null before
   * the first welcome (a fresh join). 0 for a client that joined an empty room.
   */
  get position() {
    return this.#position;
  }

  /** The oldest message id held, where paging back continues; null while none is. */
  get oldestId() {
    return (this.#jump ?? this.#main)?.lowest ?? null;
  }

  /** The newest message id held (the run's end); null while none is. */
  get newestId() {
    return this.#main?.highest ?? null;
  }

  /** Whether the room has messages older than the oldest held. */
  get hasOlder() {
    return (this.#jump ?? this.#main)?.hasOlder ?? false;
  }

  /** The newest id of a stretch around a jumped-to message, held apart from the run; null when none is. */
  get jumpEnd() {
    return this.#jump?.highest ?? null;
  }

  /** The message with this id as last received, or undefined when it is not held. */
  message(/** @type {number} */ id) {
    return this.#store.get(id);
  }

  /** Every message held, oldest first. */
  messages() {
    return this.#store.list();
  }

  /**
   * Whether `id` lies where the held messages leave no gap (in the run, or in a jump's stretch):
   * if it isn't held there, the room has no such message.
   * @param {number} id
   */
  covers(id) {
    return [this.#main, this.#jump].some((run) => run && id >= run.lowest && id <= run.highest);
  }

  /**
   * The latest page of a fresh join (or of a start over): the run, as the room has it now;
   * `hasOlder` says older messages exist.
   * @param {readonly ChatMessage[]} messages
   * @param {boolean} hasOlder
   * @returns {Taken}
   */
  join(messages, hasOlder) {
    const taken = this.take(messages);
    if (this.#main) this.#main.hasOlder = hasOlder;
    return taken;
  }

  /**
   * Messages as the room has them now (live, in a welcome or in a page after our position): new
   * ones extend the run, held ones are changes, the others (older ones not held) only refresh the
   * replies to them. The position moves past them all.
   * @param {readonly ChatMessage[]} messages
   * @returns {Taken}
   */
  take(messages) {
    const highest = this.#catchUpFrom ?? this.#main?.highest ?? -1;
    /** @type {ChatMessage[]} */ const fresh = [];
    /** @type {ChatMessage[]} */ const changed = [];
    for (const message of messages) {
      const isFresh = message.id > highest && !this.#store.get(message.id);
      if (isFresh) fresh.push(message);
      changed.push(...this.#store.put(message, isFresh));
      this.#position = Math.max(this.#position ?? 0, message.seq);
    }
    fresh.sort(byId);
    const [first, last] = [fresh[0], fresh.at(-1)];
    if (first && last) {
      this.#main ??= { lowest: first.id, highest: last.id, hasOlder: false };
      this.#main.highest = Math.max(this.#main.highest, last.id);
    }
    return { fresh, changed };
  }

  /**
   * A page before the oldest message held: those older than it are new; `hasOlder` says older
   * ones still exist. An older page says nothing of the position: every change up to now has
   * come live already.
   * @param {readonly ChatMessage[]} messages
   * @param {boolean} hasOlder
   * @returns {Taken}
   */
  takeOlder(messages, hasOlder) {
    const oldest = this.#jump ?? this.#main;
    if (!oldest) return this.join(messages, hasOlder);
    const taken = this.#takeBelow(messages, oldest.lowest, -1);
    const first = taken.fresh[0];
    if (first) oldest.lowest = first.id;
    oldest.hasOlder = hasOlder;
    return taken;
  }

  /**
   * The page around a message older than the run (`history around`). When it reaches the run
   * (or the newest message) it joins it, and what is new in it comes before everything held;
   * otherwise it becomes a stretch of its own, to be joined up by takeForward(). `hasOlder` and
   * `hasNewer` are the page's.
   * @param {readonly ChatMessage[]} messages
   * @param {boolean} hasOlder
   * @param {boolean} hasNewer
   * @returns {Taken & { joined: boolean }}
   */
  takeAround(messages, hasOlder, hasNewer) {
    const main = this.#main;
    const ids = messages.map((message) => message.id);
    if (!main || ids.length === 0) return { ...this.takeOlder(messages, hasOlder), joined: true };
    const reaches = !hasNewer || Math.max(...ids) >= main.lowest;
    if (reaches) return { ...this.takeOlder(messages, hasOlder), joined: true };
    const taken = this.#takeBelow(messages, main.lowest, -1);
    this.#jump = { lowest: Math.min(...ids), highest: Math.max(...ids), hasOlder };
    return { ...taken, joined: false };
  }

  /**
   * A page after the jump's stretch (`history afterId`): what falls in the gap is new; once the
   * page reaches the run (or the room says nothing newer exists) the gap is closed and the
   * stretch becomes part of the run.
   * @param {readonly ChatMessage[]} messages
   * @param {boolean} hasMore
   * @returns {Taken & { joined: boolean }}
   */
  takeForward(messages, hasMore) {
    const [main, jump] = [this.#main, this.#jump];
    if (!main || !jump) return { ...this.take(messages), joined: true };
    const taken = this.#takeBelow(messages, main.lowest, jump.highest);
    const reaches = !hasMore || messages.some((message) => message.id >= main.lowest);
    if (reaches) {
      main.lowest = jump.lowest;
      main.hasOlder = jump.hasOlder;
      this.#jump = null;
    } else {
      jump.highest = Math.max(jump.highest, ...messages.map((message) => message.id));
    }
    return { ...taken, joined: reaches };
  }

  /**
   * A ban's purge: every held message of `userId` becomes a tombstone. `seq` is the purge's last
   * change: the position, unless the client is catching up (null), when the pages still to come
   * may hold changes before it.
   * @param {string} userId
   * @param {number | null} seq
   */
  purge(userId, seq) {
    if (seq !== null) this.#position = Math.max(this.#position ?? 0, seq);
    return this.#store.tombstoneAll(userId);
  }

  /** A resume begins: until caughtUp(), pages come in the room's order of changes, not by id. */
  catchUp() {
    this.#catchUpFrom ??= this.#main?.highest ?? -1;
  }

  /**
   * Caught up with the room as of its latest change `seq` (every change up to it received):
   * only then may the position jump to it.
   * @param {number} seq
   */
  caughtUp(seq) {
    this.#position = Math.max(this.#position ?? 0, seq);
    this.#catchUpFrom = null;
  }

  /** Forgets everything, as if the client had never been in the room (its storage was reset). */
  forget() {
    this.#store.clear();
    this.#main = this.#jump = null;
    this.#position = this.#catchUpFrom = null;
  }

  /**
   * Takes a page's messages: those with an id between `above` and `below` (exclusive) that are not
   * held yet are new, and held; the rest are changes to held ones, or refresh replies.
   * @param {readonly ChatMessage[]} messages
   * @param {number} below
   * @param {number} above
   * @returns {Taken}
   */
  #takeBelow(messages, below, above) {
    /** @type {ChatMessage[]} */ const fresh = [];
    /** @type {ChatMessage[]} */ const changed = [];
    for (const message of messages) {
      const isFresh = message.id < below && message.id > above && !this.#store.get(message.id);
      if (isFresh) fresh.push(message);
      changed.push(...this.#store.put(message, isFresh));
    }
    return { fresh: fresh.sort(byId), changed };
  }
}
