// @ts-check
// What this page knows of other people in the room, for moderating them: their names, their role
// when a frame told it, and their mutes. The room sends nobody's role but one's own, so roles come
// from `moderation` frames seen here (an appointment, and its sender, who can only be the owner);
// a moderator by token claim stays unknown, and an action the room refuses says why.

/** @typedef {import('../chat/frames.js').User} User */
/** @typedef {import('../chat/frames.js').Role} Role */
/** @typedef {import('../chat/frames.js').ModerationFrame} ModerationFrame */
/** @typedef {import('../chat/client.js').ChatClient} ChatClient */

export class KnownPeople {
  #chat;
  /** @type {Map<string, string>} */ #names = new Map();
  /** @type {Map<string, Role>} */ #roles = new Map();
  /** @type {Map<string, number>} */ #mutedUntil = new Map();

  /** @param {ChatClient} chat */
  constructor(chat) {
    this.#chat = chat;
    chat.addEventListener('members', ({ detail }) => detail.members.forEach((u) => this.#name(u)));
    chat.addEventListener('message', ({ detail }) => this.#name(detail.user));
    chat.addEventListener('moderation', ({ detail }) => this.#learn(detail));
  }

  /** Whether this user may moderate here at all. */
  get canModerate() {
    return this.#chat.role === 'owner' || this.#chat.role === 'moderator';
  }

  /** Whether this page offers to moderate `userId`: never oneself, nor a moderator the owner. */
  canActOn(/** @type {string} */ userId) {
    if (!this.canModerate || userId === this.#chat.user?.id) return false;
    if (this.#chat.role === 'owner') return true;
    const role = this.#roles.get(userId);
    return role !== 'owner' && role !== 'moderator';
  }

  /** The role a frame told for `userId`, else `member` (what most people are). */
  role(/** @type {string} */ userId) {
    return this.#roles.get(userId) ?? 'member';
  }

  /** Until when `userId` is muted as far as this page saw, or null. */
  mutedUntil(/** @type {string} */ userId) {
    const until = this.#mutedUntil.get(userId);
    return until !== undefined && until > Date.now() ? until : null;
  }

  /** A name for `userId`: the one last seen, else the id itself. */
  name(/** @type {string} */ userId) {
    return this.#names.get(userId) ?? userId;
  }

  /** @param {{ id: string, name?: string }} user */
  #name(user) {
    if (user.name) this.#names.set(user.id, user.name);
  }

  /** @param {ModerationFrame} frame */
  #learn(frame) {
    this.#name(frame.target);
    this.#name(frame.by);
    const id = frame.target.id;
    if (frame.action === 'mute' && frame.until !== undefined) this.#mutedUntil.set(id, frame.until);
    if (frame.action === 'unmute') this.#mutedUntil.delete(id);
    if (frame.action === 'role' && frame.role) {
      this.#roles.set(id, frame.role);
      // Only the owner appoints: whoever sent this is the owner.
      this.#roles.set(frame.by.id, 'owner');
    }
  }
}
