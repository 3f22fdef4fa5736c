// @ts-check
// The frames whose outcome the client waits for (pages, searches, the bans list, changes to
// messages, moderation, read markers), sent one at a time, each once the previous one's outcome is
// known. That is what makes outcomes attributable: the room answers one socket's frames in the
// order they were sent, but many of its refusals name no frame (a `rate_limited` one, a refused
// search or moderation frame), and with one frame out such a refusal can only be that frame's.
// (Messages are the outbox's: every answer and refusal of theirs names their clientId.)
//
// Some frames may get no answer at all: a change that changes nothing, an `unban` of someone who
// isn't banned, a `read`. Each such request either says from the client's own state when it is
// done (an edit is done once the message held has that text, whichever copy brought it), or is
// followed on the wire by a *barrier*, `{"type":"history","before":0,"limit":1}`, whose (empty)
// answer comes after whatever the room answered the request with: when it arrives, the request
// was carried out, refused or left as it was. So no request waits for an answer that never comes.
// A request whose state says neither yes nor no (a reaction past the 20 users a message lists)
// gets its barrier late, which works as well, the room's answers being in order.
//
// A `rate_limited` refusal (naming the change it refused, or nothing) is the one out's; it goes
// again after the wait named, and meanwhile its answer is still taken: every request here is safe
// to send twice (a page or a search is read again, a change or a moderation frame that was
// carried out already changes nothing more, or for `mute` and `ban` only moves its end). A frame
// nobody waits for (`typing`) goes only while nothing is out, so that its rate refusal can at
// worst make the next request wait and go again. When the connection ends, the request out goes
// again on the next one, after the catch-up; close() fails whatever is left.

/** @typedef {import('./frames.js').ClientFrame} ClientFrame */
/** @typedef {import('./frames.js').ServerFrame} ServerFrame */
/** @typedef {import('./frames.js').ErrorFrame} ErrorFrame */
/**
 * @typedef {object} Request
 * @property {ClientFrame} frame what goes to the room
 * @property {boolean} [first] ahead of every other request, and sent while the others are held
 *   back (a catch-up's pages); dropped, not sent again, when the connection ends
 * @property {(frame: ServerFrame) => boolean} [answers] whether a frame that came in is its answer
 * @property {() => boolean | undefined} [done] whether the client's state now shows it carried out
 *   (or already so): checked before it is sent and after every frame; undefined when the state
 *   can't tell, which calls for a barrier
 * @property {boolean} [silent] the room may answer nothing and `done` can't tell: a barrier follows
 * @property {number} [id] the message it names: an error that names this id is its refusal
 * @property {(answer: ServerFrame | null) => void} settle its answer, or null once done or past
 * @property {(reason: ErrorFrame | Error) => void} fail its refusal, or why it won't be sent
 */
/**
 * The request on the wire and what has come of it so far.
 * @typedef {{ request: Request, barrier: boolean, answer: ServerFrame | null,
 *   refusal: ErrorFrame | null, rateLimited: boolean }} Out
 */

/** Follows a request that may get no answer: the room's (empty) answer to it comes after that request's. */
export const BARRIER = /** @type {const} */ ({ type: 'history', before: 0, limit: 1 });
/** The least wait before a rate-limited request goes again, so a late answer to it can still arrive. */
const MIN_RETRY_MS = 50;
/** When the room names no wait with a rate_limited refusal. */
const DEFAULT_RETRY_MS = 1_000;

export class RequestLane {
  #send;
  #mayProceed;
  /** @type {Request[]} */ #queue = [];
  /** @type {Out | null} */ #out = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */ #retryTimer;
  #open = false;
  #closed = false;

  /**
   * @param {{ send: (frame: ClientFrame) => boolean, mayProceed: () => boolean }} options `send`
   *   puts a frame on the current connection (false when there is none); `mayProceed` says
   *   whether requests that are not `first` may go now (not while a catch-up is under way)
   */
  constructor({ send, mayProceed }) {
    this.#send = send;
    this.#mayProceed = mayProceed;
  }

  /** Whether nothing is out or waiting: a frame whose outcome nobody waits for (typing) may go now. */
  get idle() {
    return this.#out === null && this.#queue.length === 0;
  }

  /** The requests waiting or out, in order (the one out first). */
  get pending() {
    return [...(this.#out ? [this.#out.request] : []), ...this.#queue];
  }

  /** Queues `request` (`first` ones ahead of the others, in order among themselves). @param {Request} request */
  request(request) {
    if (this.#closed) return request.fail(new Error('the client is closed'));
    if (request.first) {
      const at = this.#queue.findIndex((queued) => !queued.first);
      this.#queue.splice(at === -1 ? this.#queue.length : at, 0, request);
    } else {
      this.#queue.push(request);
    }
    this.#pump();
  }

  /** The connection is ready (welcomed): requests go. */
  open() {
    this.#open = true;
    this.#pump();
  }

  /** Something the requests wait on (a catch-up) is over: the next may go. */
  proceed() {
    this.#pump();
  }

  /**
   * The connection ended: the request out goes again, first, on the next one (whatever became of
   * it is in the pages that catch up), except `first` ones, which are dropped.
   */
  ended() {
    this.#open = false;
    clearTimeout(this.#retryTimer);
    const out = this.#out;
    this.#out = null;
    if (out) this.#queue.unshift(out.request);
    this.#queue = this.#queue.filter((request) => !request.first);
  }

  /** Fails every request waiting or out with `reason` (the room they were about is gone). */
  failAll(/** @type {Error} */ reason) {
    clearTimeout(this.#retryTimer);
    const requests = this.pending;
    this.#out = null;
    this.#queue = [];
    for (const request of requests) request.fail(reason);
  }

  /** For good: every request fails, and later ones too. */
  close(/** @type {Error} */ reason) {
    this.#closed = true;
    this.#open = false;
    this.failAll(reason);
  }

  /**
   * Every frame that came in, once the client has taken it in (so `done` sees its effect).
   * Returns true when it was a barrier's answer, which concerns nobody else.
   * @param {ServerFrame} frame
   */
  receive(frame) {
    const out = this.#out;
    if (!out) return false;
    const { request } = out;
    if (frame.type === 'error') {
      this.#refused(out, frame);
      return false;
    }
    if (out.barrier) {
      if (frame.type === 'history') {
        // Refused for rate, or else left as it was (and a rate refusal was another frame's):
        // either way, sending it again is safe, and the retry is already planned.
        if (!(out.rateLimited && !out.answer && !out.refusal)) this.#finish(out);
        return true;
      }
      if (!out.answer && request.answers?.(frame)) out.answer = frame;
      return false;
    }
    if (request.answers?.(frame)) {
      out.answer = frame;
      this.#finish(out);
      return false;
    }
    this.#check(out);
    return false;
  }

  /** @param {Out} out @param {ErrorFrame} error */
  #refused(out, error) {
    // A message's refusal names its clientId: the outbox's. One naming another id is about a
    // change whose wait is over (done by another copy of the message): nobody's now.
    if (error.clientId !== undefined) return;
    if (error.id !== undefined && error.id !== out.request.id) return;
    // A rate refusal may name the change it refused, or nothing.
    const rate = error.code === 'rate_limited';
    if (out.barrier) {
      // The request's outcome is in, so this is the barrier's refusal: the room is past both.
      if (out.answer || out.refusal) return this.#finish(out);
      if (rate) return this.#retryLater(out, error);
      out.refusal = error;
      return;
    }
    if (rate) return this.#retryLater(out, error);
    out.refusal = error;
    this.#finish(out);
  }

  /** @param {Out} out */
  #check(out) {
    const done = out.request.done?.();
    if (done === true) this.#finish(out);
    else if (done === undefined && out.request.done) this.#addBarrier(out);
  }

  /** @param {Out} out */
  #addBarrier(out) {
    if (out.barrier) return;
    out.barrier = true;
    this.#send(BARRIER);
  }

  /** @param {Out} out @param {ErrorFrame} error */
  #retryLater(out, error) {
    out.rateLimited = true;
    clearTimeout(this.#retryTimer);
    const wait = Math.max(error.retryAfterMs ?? DEFAULT_RETRY_MS, MIN_RETRY_MS);
    this.#retryTimer = setTimeout(() => {
      if (this.#out !== out) return;
      this.#out = null;
      this.#queue.unshift(out.request);
      this.#pump();
    }, wait);
  }

  /** @param {Out} out */
  #finish(out) {
    if (this.#out !== out) return;
    clearTimeout(this.#retryTimer);
    this.#out = null;
    if (out.refusal) out.request.fail(out.refusal);
    else out.request.settle(out.answer);
    this.#pump();
  }

  #pump() {
    while (this.#open && !this.#out) {
      const next = this.#queue[0];
      if (!next || !(next.first || this.#mayProceed())) return;
      const done = next.done?.();
      if (done === true) {
        this.#queue.shift();
        next.settle(null);
        continue;
      }
      if (!this.#send(next.frame)) return;
      this.#queue.shift();
      const out = {
        request: next,
        barrier: false,
        answer: null,
        refusal: null,
        rateLimited: false,
      };
      this.#out = out;
      if (next.silent || (done === undefined && next.done)) this.#addBarrier(out);
    }
  }
}
