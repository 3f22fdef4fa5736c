// @ts-check
// Jumping to a message the client doesn't hold (the one a reply answers, a search result): the
// page around it (`history around`), then pages forward by id (`afterId`) until they reach the
// messages held, so that what is held is one unbroken run again. One jump at a time: the next
// waits until the previous one has joined up.
import { MAX_PAGE, WELCOME_MESSAGES } from './rules.js';
import { isHistory } from './sync.js';

/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').HistoryFrame} HistoryFrame */
/** @typedef {import('./frames.js').HistoryRequest} HistoryRequest */
/** @typedef {import('./timeline.js').Timeline} Timeline */
/** @typedef {import('./requests.js').RequestLane} RequestLane */
/** @typedef {Pick<import('./sync.js').SyncHooks, 'deliver' | 'changed'>} JumpHooks */
/** @typedef {{ id: number, resolve: (message: ChatMessage | null) => void, reject: (reason: unknown) => void }} Wanted */

export class Jumps {
  #timeline;
  #lane;
  #hooks;
  /** @type {Wanted[]} */ #waiting = [];
  /** Whether a jump's pages are queued or on their way. */
  #busy = false;

  /** @param {{ timeline: Timeline, lane: RequestLane, hooks: JumpHooks }} parts */
  constructor({ timeline, lane, hooks }) {
    this.#timeline = timeline;
    this.#lane = lane;
    this.#hooks = hooks;
  }

  /**
   * Resolves with the message `id` (or, when it is gone, the next one the room keeps; null when
   * there is none) once it is held: at once when it is already. See ChatClient.loadAround().
   * @param {number} id
   * @returns {Promise<ChatMessage | null>}
   */
  loadAround(id) {
    if (!Number.isSafeInteger(id) || id < 0)
      return Promise.reject(new TypeError('id must be a message id'));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ id, resolve, reject });
      this.#next();
    });
  }

  #next() {
    while (!this.#busy) {
      const wanted = this.#waiting.shift();
      if (!wanted) return;
      const landing = this.#landing(wanted.id);
      if (landing !== undefined) {
        wanted.resolve(landing);
        continue;
      }
      this.#busy = true;
      this.#page(
        { type: 'history', around: wanted.id, limit: WELCOME_MESSAGES },
        wanted,
        (page) => {
          const { hasMore, hasNewer = false } = page;
          const taken = this.#timeline.takeAround(page.messages, hasMore, hasNewer);
          this.#hand(taken.fresh, taken.joined ? 'older' : 'around', taken.changed);
          wanted.resolve(this.#landing(wanted.id) ?? null);
          if (taken.joined) this.#over();
          else this.#forward(wanted);
        },
      );
    }
  }

  /** The next page after the jump's stretch, until one reaches the run. @param {Wanted} wanted */
  #forward(wanted) {
    const afterId = this.#timeline.jumpEnd;
    if (afterId === null) return this.#over();
    this.#page({ type: 'history', afterId, limit: MAX_PAGE }, wanted, (page) => {
      const taken = this.#timeline.takeForward(page.messages, page.hasMore);
      this.#hand(taken.fresh, 'forward', taken.changed);
      if (taken.joined) this.#over();
      else this.#forward(wanted);
    });
  }

  /**
   * @param {HistoryRequest} frame
   * @param {Wanted} wanted rejected if the page fails before it resolved
   * @param {(page: HistoryFrame) => void} onPage
   */
  #page(frame, wanted, onPage) {
    this.#lane.request({
      frame,
      answers: isHistory,
      settle: (page) => (page?.type === 'history' ? onPage(page) : this.#over()),
      fail: (reason) => {
        wanted.reject(reason);
        this.#over();
      },
    });
  }

  #over() {
    this.#busy = false;
    this.#next();
  }

  /**
   * The held message at `id`, or the next held one when the held messages leave no gap there (the
   * room keeps no message `id`); undefined when the room must be asked.
   * @param {number} id
   */
  #landing(id) {
    const held = this.#timeline.message(id);
    if (held) return held;
    if (!this.#timeline.covers(id)) return undefined;
    return this.#timeline.messages().find((message) => message.id >= id) ?? null;
  }

  /** @param {ChatMessage[]} fresh @param {import('./sync.js').Placement} placement @param {ChatMessage[]} changed */
  #hand(fresh, placement, changed) {
    if (fresh.length > 0) this.#hooks.deliver(fresh, placement);
    if (changed.length > 0) this.#hooks.changed(changed);
  }
}
