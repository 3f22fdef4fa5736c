// @ts-check
// Where this user stands in the room, as the client keeps it: their role, their mute, their read
// marker, and the room's settings. Each comes from the welcome and then from the frames that
// change it: `moderation` frames aimed at this user (their role, their mute), a mute's refusal
// (which names the time left), `read` from their other sockets, `settings`. A mute ends by time
// alone (the room announces nothing then), so the end is a timer here. The read marker this
// client moves goes to the room as a request of the lane (requests.js): the room answers a `read`
// with nothing, so one is out at a time, carrying the latest marker, and goes again after a rate
// limit or a reconnect.

/** @typedef {import('./frames.js').Role} Role */
/** @typedef {import('./frames.js').RoomSettings} RoomSettings */
/** @typedef {import('./frames.js').WelcomeFrame} WelcomeFrame */
/** @typedef {import('./frames.js').ModerationFrame} ModerationFrame */
/** @typedef {import('./frames.js').SettingsFrame} SettingsFrame */
/** @typedef {import('./requests.js').RequestLane} RequestLane */
/**
 * @typedef {object} StandingHooks
 * @property {(role: Role) => void} role this user's role changed (or became known)
 * @property {(until: number | null) => void} muted this user's mute began, moved or ended (null)
 * @property {(id: number) => void} read this user's read marker moved
 */

export class Standing {
  #lane;
  #hooks;
  /** The marker a `read` request carries while one is waiting or out. @type {number | null} */
  #readOut = null;
  /** The highest marker this client moved itself (what the room must be told). */
  #readWanted = 0;
  /** @type {Role | null} */ #role = null;
  /** @type {number | null} */ #mutedUntil = null;
  #readUpTo = 0;
  /** @type {RoomSettings | null} */ #settings = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */ #muteTimer;

  /** @param {{ lane: RequestLane, hooks: StandingHooks }} parts */
  constructor({ lane, hooks }) {
    this.#lane = lane;
    this.#hooks = hooks;
  }

  /** This user's role here; null before the first welcome. */
  get role() {
    return this.#role;
  }

  /** Until when this user is muted here (ms epoch, the room's clock), or null. */
  get mutedUntil() {
    return this.#mutedUntil;
  }

  /** The id this user has read up to here (0: nothing). */
  get readUpTo() {
    return this.#readUpTo;
  }

  /** The room's settings; null before the first welcome. */
  get settings() {
    return this.#settings;
  }

  /** @param {WelcomeFrame} welcome */
  welcome(welcome) {
    this.#settings = welcome.settings;
    this.#setRole(welcome.role);
    this.#setMute(welcome.mutedUntil ?? null);
    this.markRead(welcome.readUpTo);
  }

  /** A moderation frame: this user's own sockets take their role and mute from it. @param {ModerationFrame} frame @param {string | undefined} me */
  moderation(frame, me) {
    if (frame.target.id !== me) return;
    if (frame.action === 'mute') this.#setMute(frame.until ?? null);
    if (frame.action === 'unmute') this.#setMute(null);
    if (frame.action === 'role' && frame.role) this.#setRole(frame.role);
  }

  /** The room refused a frame of ours as muted, with the time left (the room's own count). @param {number} retryAfterMs */
  mutedFor(retryAfterMs) {
    const until = Date.now() + retryAfterMs;
    if (this.#mutedUntil === null || this.#mutedUntil < until) this.#setMute(until);
  }

  /** @param {SettingsFrame} frame */
  settingsChanged({ slowModeSeconds, readOnly }) {
    this.#settings = { slowModeSeconds, readOnly };
  }

  /**
   * Moves the read marker forward to `id`; returns whether it moved. Announced (the `read` hook)
   * unless this client moved it itself.
   * @param {number} id
   */
  markRead(id, announce = true) {
    if (id <= this.#readUpTo) return false;
    this.#readUpTo = id;
    if (announce) this.#hooks.read(id);
    return true;
  }

  /**
   * This client read up to `id`: the marker moves there (forward only) and the room is told.
   * Returns whether it moved.
   * @param {number} id
   */
  read(id) {
    if (!this.markRead(id, false)) return false;
    this.#readWanted = id;
    this.#sendRead();
    return true;
  }

  /** The room's storage was reset: the marker of the room that is gone means nothing. */
  forgetReads() {
    this.#readUpTo = this.#readWanted = 0;
  }

  /** No timer is left. */
  close() {
    clearTimeout(this.#muteTimer);
  }

  #sendRead() {
    if (this.#readOut !== null) return;
    const id = this.#readWanted;
    this.#readOut = id;
    const over = () => {
      this.#readOut = null;
      if (this.#readWanted > id) this.#sendRead();
    };
    // A failure is the client closing (or the room reset): nothing more to tell.
    const fail = () => (this.#readOut = null);
    this.#lane.request({ frame: { type: 'read', id }, silent: true, settle: over, fail });
  }

  /** @param {Role} role */
  #setRole(role) {
    if (role === this.#role) return;
    this.#role = role;
    this.#hooks.role(role);
  }

  /** @param {number | null} until */
  #setMute(until) {
    const ends = until !== null && until > Date.now() ? until : null;
    clearTimeout(this.#muteTimer);
    // setTimeout takes at most 2^31-1 ms (24.8 days); a mute lasts a week at most.
    if (ends !== null)
      this.#muteTimer = setTimeout(
        () => this.#setMute(null),
        Math.min(ends - Date.now(), 2 ** 31 - 1),
      );
    if (ends === this.#mutedUntil) return;
    this.#mutedUntil = ends;
    this.#hooks.muted(ends);
  }
}
