// @ts-check
// Keeping in step with the room across connections: a fresh join takes the latest page; a resume
// takes the changes after our position and pages forward while the room says more are left,
// holding live messages and changes back until then; a room whose storage was reset under us
// means starting over; loadOlder() pages back. New messages come out of `deliver` in order,
// exactly once, and changes to known ones out of `changed`, in the room's order.
// What "our position" is and which messages are new is the timeline's to say (timeline.js).
import { MAX_PAGE, WELCOME_MESSAGES } from './rules.js';
import { Timeline } from './timeline.js';

/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').WelcomeFrame} WelcomeFrame */
/** @typedef {import('./frames.js').HistoryFrame} HistoryFrame */
/** @typedef {import('./frames.js').ErrorFrame} ErrorFrame */
/** @typedef {Extract<import('./frames.js').ClientFrame, { type: 'history' }>} HistoryRequest */
/**
 * Where a batch of new messages goes: `join` is the latest page of a fresh join (or of a start
 * over), `newer` follows everything known (live, or caught up after a reconnect), `older` comes
 * before everything known (loadOlder()).
 * @typedef {'join' | 'newer' | 'older'} Placement
 */
/**
 * @typedef {object} SyncHooks
 * @property {(frame: HistoryRequest) => boolean} send sends a request on the current connection
 * @property {(messages: ChatMessage[], placement: Placement) => void} deliver new messages, oldest first
 * @property {(messages: ChatMessage[]) => void} changed known messages in a newer state (edited, deleted, reacted to)
 * @property {(after: number) => void} gap messages after `after` are gone from the room
 * @property {(welcome: WelcomeFrame) => void} reset the room's storage was reset: start over
 */

/** Messages per loadOlder() page. */
const OLDER_PAGE = 50;
/** When the server gives no wait with a rate_limited refusal of a history request. */
const DEFAULT_RETRY_MS = 1_000;

export class RoomSync {
  #hooks;
  #timeline = new Timeline();
  #hasOlder = false;
  /** While a page is awaited that must come first (catching up, starting over), what comes live waits here. */
  /** @type {{ message: ChatMessage, change: boolean }[] | null} */ #held = null;
  /** One history request at a time, so a refusal without a clientId can be matched to it. */
  /** @type {{ frame: HistoryRequest, placement: Placement } | null} */ #pending = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */ #retryTimer;
  /** This connection's `welcome.seq`: the position once caught up. */
  #welcomeSeq = 0;

  /** @param {SyncHooks} hooks */
  constructor(hooks) {
    this.#hooks = hooks;
  }

  /** Where a reconnect resumes (`after=`): the highest change received, null before the first welcome. */
  get position() {
    return this.#timeline.position;
  }

  /** Whether older messages than the oldest known exist. */
  get hasOlder() {
    return this.#hasOlder;
  }

  /** Whether a loadOlder() page is on its way. */
  get loadingOlder() {
    return this.#pending?.placement === 'older';
  }

  /** Whether a history request is out (a refusal without a clientId would be its). */
  get waitingForHistory() {
    return this.#pending !== null;
  }

  /** @param {WelcomeFrame} welcome */
  welcome(welcome) {
    this.#welcomeSeq = welcome.seq;
    const position = this.#timeline.position;
    if (position === null) {
      // A fresh join: the latest page, and `hasMore` says whether older ones exist.
      this.#hasOlder = welcome.hasMore;
      this.#take(welcome.messages, 'join');
      this.#timeline.caughtUp(welcome.seq);
    } else if (welcome.seq < position) {
      // The room's latest change is behind what we received: its storage was reset under us, and
      // what we know belongs to a room that is gone. Start over with its latest page.
      this.#timeline.forget();
      this.#hasOlder = false;
      this.#hooks.reset(welcome);
      this.#held = [];
      const before = welcome.seq + 1;
      this.#request({ type: 'history', before, limit: WELCOME_MESSAGES }, 'join');
    } else {
      // A resume: what came after our position, and `hasMore` says newer ones were left out.
      if (welcome.pruned) this.#hooks.gap(position);
      this.#take(welcome.messages, 'newer');
      if (welcome.hasMore) this.#catchUp();
      else this.#timeline.caughtUp(welcome.seq);
    }
  }

  /**
   * A message that came live: a new one (`change` false; a copy of a known one is a resend's
   * answer, and dropped), or the new state of a known one (an `update`).
   * @param {ChatMessage} message
   */
  live(message, change = false) {
    if (this.#held) this.#held.push({ message, change });
    else this.#take([message], 'newer', change);
  }

  /** @param {HistoryFrame} page */
  history(page) {
    const request = this.#pending;
    if (!request) return;
    this.#pending = null;
    switch (request.placement) {
      case 'older':
        this.#hasOlder = page.hasMore;
        return this.#deliver(this.#timeline.takeOlder(page.messages), 'older');
      case 'join':
        // A start over's latest page: `hasMore`, as in a welcome, says older ones exist.
        this.#hasOlder = page.hasMore;
        this.#take(page.messages, 'join');
        break;
      case 'newer':
        if (page.pruned) this.#hooks.gap('after' in request.frame ? request.frame.after : 0);
        this.#take(page.messages, 'newer');
        // An empty page that claims more would ask for the same page forever.
        if (page.hasMore && page.messages.length > 0) return this.#catchUp();
    }
    // Every change up to the welcome's is in: only now may the position take its seq.
    this.#timeline.caughtUp(this.#welcomeSeq);
    const held = this.#held ?? [];
    this.#held = null;
    for (const { message, change } of held) this.#take([message], 'newer', change);
  }

  /** Asks for the page before the oldest known message; false when there is none or one is on its way. */
  loadOlder() {
    const before = this.#timeline.oldestId;
    if (!this.#hasOlder || this.#held || this.#pending || before === null) return false;
    return this.#request({ type: 'history', before, limit: OLDER_PAGE }, 'older');
  }

  /**
   * The room refused a frame without naming a message: if it was our history request being rate
   * limited, it goes again after the wait named. Returns whether it was.
   * @param {ErrorFrame} error
   */
  refused(error) {
    const request = this.#pending;
    if (error.code !== 'rate_limited' || !request) return false;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (this.#pending === request) this.#hooks.send(request.frame);
    }, error.retryAfterMs ?? DEFAULT_RETRY_MS);
    return true;
  }

  /** The connection ended: what was held back comes again after the next welcome. */
  ended() {
    this.#held = null;
    this.#pending = null;
    clearTimeout(this.#retryTimer);
  }

  /**
   * Pages forward from our position while the room says more are left, holding live messages
   * back meanwhile: shown before the pages in between, they would leave a gap that resuming from
   * the highest id received would then skip for good.
   */
  #catchUp() {
    this.#held ??= [];
    const after = this.#timeline.position ?? 0;
    this.#request({ type: 'history', after, limit: MAX_PAGE }, 'newer');
  }

  /** @param {HistoryRequest} frame @param {Placement} placement */
  #request(frame, placement) {
    if (!this.#hooks.send(frame)) return false;
    this.#pending = { frame, placement };
    return true;
  }

  /**
   * Hands on what is new in `messages`, and what changed when `changes`.
   * @param {readonly ChatMessage[]} messages
   * @param {Placement} placement
   */
  #take(messages, placement, changes = true) {
    const { fresh, changed } = this.#timeline.take(messages, changes);
    this.#deliver(fresh, placement);
    if (changed.length > 0) this.#hooks.changed(changed);
  }

  /** @param {ChatMessage[]} messages @param {Placement} placement */
  #deliver(messages, placement) {
    if (messages.length > 0) this.#hooks.deliver(messages, placement);
  }
}
