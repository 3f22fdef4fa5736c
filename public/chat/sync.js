// @ts-check
// Keeping in step with the room across connections: a fresh join takes the latest page; a resume
// takes the changes after our position and pages forward while the room says more are left,
// holding live messages, changes and purges back until then; a room whose storage was reset under
// us means starting over; loadOlder() pages back. New messages come out of `deliver` in order,
// exactly once, and changes to held ones out of `changed`, in the room's order.
// What "our position" is and which messages are new is the timeline's to say (timeline.js); the
// pages go through the request lane (requests.js), the catch-up's ahead of everything else.
import { MAX_PAGE, WELCOME_MESSAGES } from './rules.js';

/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').WelcomeFrame} WelcomeFrame */
/** @typedef {import('./frames.js').HistoryFrame} HistoryFrame */
/** @typedef {import('./frames.js').HistoryRequest} HistoryRequest */
/** @typedef {import('./frames.js').PurgedFrame} PurgedFrame */
/** @typedef {import('./frames.js').ServerFrame} ServerFrame */
/** @typedef {import('./timeline.js').Timeline} Timeline */
/** @typedef {import('./timeline.js').Taken} Taken */
/** @typedef {import('./requests.js').RequestLane} RequestLane */
/**
 * Where a batch of new messages goes: `join` is the latest page of a fresh join (or of a start
 * over), `newer` follows everything held (live, or caught up after a reconnect), `older` comes
 * before everything held (loadOlder(), or a jump that reached what is held), `around` is the page
 * around a jumped-to message, older than everything held with a gap after it (loadAround()), and
 * `forward` fills that gap, after the previous `around` or `forward` batch.
 * @typedef {'join' | 'newer' | 'older' | 'around' | 'forward'} Placement
 */
/**
 * @typedef {object} SyncHooks
 * @property {(messages: ChatMessage[], placement: Placement) => void} deliver new messages, oldest first
 * @property {(messages: ChatMessage[]) => void} changed held messages in a newer state (edited,
 *   deleted, reacted to, or a reply whose excerpt changed)
 * @property {(after: number) => void} gap messages after `after` are gone from the room
 * @property {(welcome: WelcomeFrame) => void} reset the room's storage was reset: start over
 */
/** What came live while a page that must come first was awaited. @typedef {{ message: ChatMessage } | { purged: PurgedFrame }} Held */

/** Messages per loadOlder() page. */
const OLDER_PAGE = 50;

export class RoomSync {
  #hooks;
  #timeline;
  #lane;
  /** While a page is awaited that must come first (catching up, starting over), what comes live waits here. */
  /** @type {Held[] | null} */ #held = null;
  /** Whether a loadOlder() page is queued or on its way. */
  #loadingOlder = false;
  /** This connection's `welcome.seq`: the position once caught up. */
  #welcomeSeq = 0;
  /**
   * A resume's new messages, by id, until it is caught up (across connections, if one drops
   * meanwhile): they come out then, in id order, in their state as of then.
   * @type {Set<number> | null}
   */
  #resumed = null;

  /** @param {{ timeline: Timeline, lane: RequestLane, hooks: SyncHooks }} parts */
  constructor({ timeline, lane, hooks }) {
    this.#timeline = timeline;
    this.#lane = lane;
    this.#hooks = hooks;
  }

  /** Whether a page that must come first is awaited: other requests wait meanwhile. */
  get catchingUp() {
    return this.#held !== null;
  }

  /** Whether a loadOlder() page is queued or on its way. */
  get loadingOlder() {
    return this.#loadingOlder;
  }

  /** @param {WelcomeFrame} welcome */
  welcome(welcome) {
    this.#welcomeSeq = welcome.seq;
    const position = this.#timeline.position;
    if (position === null) {
      // A fresh join: the latest page, and `hasMore` says whether older ones exist.
      this.#hand(this.#timeline.join(welcome.messages, welcome.hasMore), 'join');
      this.#timeline.caughtUp(welcome.seq);
    } else if (welcome.seq < position) {
      // The room's latest change is behind what we received: its storage was reset under us, and
      // what we know belongs to a room that is gone. Start over with its latest page.
      this.#timeline.forget();
      this.#resumed = null;
      this.#hooks.reset(welcome);
      this.#held = [];
      const before = welcome.seq + 1;
      this.#firstPage({ type: 'history', before, limit: WELCOME_MESSAGES }, (page) => {
        this.#hand(this.#timeline.join(page.messages, page.hasMore), 'join');
        this.#caughtUp();
      });
    } else {
      // A resume: what came after our position, and `hasMore` says newer ones were left out.
      if (welcome.pruned) this.#hooks.gap(position);
      this.#timeline.catchUp();
      this.#resumed ??= new Set();
      this.#hand(this.#timeline.take(welcome.messages), 'newer');
      if (welcome.hasMore) this.#catchUp();
      else this.#caughtUp();
    }
  }

  /**
   * A message that came live: a new one, a copy of a held one (a resend's answer), or the new
   * state of a held one (an `update`).
   * @param {ChatMessage} message
   */
  live(message) {
    if (this.#held) this.#held.push({ message });
    else this.#hand(this.#timeline.take([message]), 'newer');
  }

  /** Every held message of a user became a tombstone. @param {PurgedFrame} frame */
  purged(frame) {
    if (this.#held) this.#held.push({ purged: frame });
    else this.#hooks.changed(this.#timeline.purge(frame.userId, frame.seq));
  }

  /** Asks for the page before the oldest held message; false when there is none or one is on its way. */
  loadOlder() {
    const before = this.#timeline.oldestId;
    if (!this.#timeline.hasOlder || this.#loadingOlder || before === null) return false;
    this.#loadingOlder = true;
    const done = () => (this.#loadingOlder = false);
    this.#lane.request({
      frame: { type: 'history', before, limit: OLDER_PAGE },
      answers: isHistory,
      settle: (page) => {
        done();
        if (page?.type !== 'history') return;
        this.#hand(this.#timeline.takeOlder(page.messages, page.hasMore), 'older');
      },
      fail: done,
    });
    return true;
  }

  /** The connection ended: what was held back comes again after the next welcome. */
  ended() {
    this.#held = null;
  }

  /**
   * Pages forward from our position while the room says more are left, holding live frames back
   * meanwhile: shown before the pages in between, they would leave a gap that resuming from the
   * highest id received would then skip for good.
   */
  #catchUp() {
    this.#held ??= [];
    const after = this.#timeline.position ?? 0;
    this.#firstPage({ type: 'history', after, limit: MAX_PAGE }, (page) => {
      if (page.pruned) this.#hooks.gap(after);
      this.#hand(this.#timeline.take(page.messages), 'newer');
      // An empty page that claims more would ask for the same page forever.
      if (page.hasMore && page.messages.length > 0) this.#catchUp();
      else this.#caughtUp();
    });
  }

  /** Every change up to the welcome's is in: only now may the position take its seq. */
  #caughtUp() {
    this.#timeline.caughtUp(this.#welcomeSeq);
    const resumed = [...(this.#resumed ?? [])].sort((a, b) => a - b);
    this.#resumed = null;
    const fresh = resumed.flatMap((id) => this.#timeline.message(id) ?? []);
    if (fresh.length > 0) this.#hooks.deliver(fresh, 'newer');
    const held = this.#held ?? [];
    this.#held = null;
    for (const item of held) {
      if ('message' in item) this.live(item.message);
      else this.purged(item.purged);
    }
    this.#lane.proceed();
  }

  /**
   * A page that must come before anything else on this connection. Dropped if the connection
   * ends first: the next welcome plans the pages afresh.
   * @param {HistoryRequest} frame
   * @param {(page: HistoryFrame) => void} onPage
   */
  #firstPage(frame, onPage) {
    this.#lane.request({
      frame,
      first: true,
      answers: isHistory,
      settle: (page) => page?.type === 'history' && onPage(page),
      fail: () => {},
    });
  }

  /**
   * Hands on what is new and what changed; a resume's new messages wait until it is caught up,
   * and so do the changes to them.
   * @param {Taken} taken
   * @param {Placement} placement
   */
  #hand({ fresh, changed }, placement) {
    const resumed = this.#resumed;
    if (resumed) for (const message of fresh) resumed.add(message.id);
    else if (fresh.length > 0) this.#hooks.deliver(fresh, placement);
    const told = resumed ? changed.filter((message) => !resumed.has(message.id)) : changed;
    if (told.length > 0) this.#hooks.changed(told);
  }
}

/** @param {ServerFrame} frame */
export function isHistory(frame) {
  return frame.type === 'history';
}
