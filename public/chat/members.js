// @ts-check
// Who is in the room, as the client keeps it: the welcome's list and count, then join and leave
// (which move the count by one) and, in a crowded room, `presence` counts instead.

/** @typedef {import('./frames.js').User} User */
/** @typedef {import('./frames.js').WelcomeFrame} WelcomeFrame */

export class MemberList {
  /** @type {Map<string, User>} */ #members = new Map();
  #count = 0;

  /** One entry per user (at most PRESENCE_LIMIT of them in a crowded room), in the room's order. */
  get list() {
    return [...this.#members.values()];
  }

  /** How many users are connected in all. */
  get count() {
    return this.#count;
  }

  /** @param {WelcomeFrame} welcome */
  welcome(welcome) {
    this.#members = new Map(welcome.members.map((user) => [user.id, user]));
    this.#count = welcome.memberCount;
  }

  /**
   * A user's first connection opened, or their last one closed. A join of someone already
   * listed (ourselves, say) changes nothing.
   * @param {'join' | 'leave'} change
   * @param {User} user
   */
  apply(change, user) {
    const known = this.#members.has(user.id);
    if (change === 'join') {
      this.#members.set(user.id, user);
      if (!known) this.#count++;
    } else {
      this.#members.delete(user.id);
      // Not clamped to the list: after a crowded spell (counts only) the list may lack people.
      this.#count = Math.max(0, this.#count - 1);
    }
  }

  /** A crowded room's count (the list is not kept up to date past PRESENCE_LIMIT). */
  presence(/** @type {number} */ count) {
    this.#count = count;
  }
}
