// The `welcome` of a connect without `after`, serialised with the room's newest page kept as JSON
// until the room changes. In a storm every arrival gets the same page: reading it from SQLite and
// serialising it once per connect (up to 50 messages of 2,000 characters) was the largest cost of
// a connect into a busy room. The page only changes with a new `seq` (a message or any change to
// one, which also covers the excerpts of replies) or a new retention floor, so those are the key.
import type { History } from './history.ts';
import type { Paging } from './paging.ts';
import { MAX_PAGE, WELCOME_MESSAGES, type ServerFrame } from './protocol.ts';

type Welcome = Extract<ServerFrame, { type: 'welcome' }>;
/** Everything of a welcome but its page: what differs per connect. */
export type WelcomeRest = Omit<Welcome, 'type' | 'messages' | 'hasMore' | 'pruned'>;

export class WelcomePage {
  readonly #paging: Paging;
  readonly #history: History;
  /** `"messages":[…],"hasMore":…` of the newest page, at the seq and floor it was read at. */
  #page: { seq: number; floor: number; json: string } | null = null;

  constructor(paging: Paging, history: History) {
    this.#paging = paging;
    this.#history = history;
  }

  /**
   * The welcome frame as sent: with the newest page, or resuming `after` a `seq` with everything
   * changed since (read for this connect alone: every resume point differs).
   */
  frame(rest: WelcomeRest, after: number | undefined): string {
    if (after !== undefined) {
      const { messages, hasMore } = this.#paging.changesAfter(after, MAX_PAGE);
      const pruned = this.#history.prunedAfter(after);
      const welcome: Welcome = { type: 'welcome', ...rest, messages, hasMore };
      return JSON.stringify(pruned ? { ...welcome, pruned: true } : welcome);
    }
    // The type first, as every frame has it; the rest is an object of at least `user`.
    return `{"type":"welcome",${this.#pageJson()},${JSON.stringify(rest).slice(1)}`;
  }

  #pageJson(): string {
    const { seq, floor } = this.#history;
    if (this.#page?.seq === seq && this.#page.floor === floor) return this.#page.json;
    const { messages, hasMore } = this.#paging.latest(WELCOME_MESSAGES);
    const json = `"messages":${JSON.stringify(messages)},"hasMore":${hasMore}`;
    this.#page = { seq, floor, json };
    return json;
  }
}
