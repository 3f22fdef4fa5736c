// @ts-check
// What holds this user's messages back, above the composer: a mute ("You are muted for 9:41"),
// slow mode after a send ("Slow mode: you can send again in 12 s"), and a read-only room (the
// composer disabled, with why). The countdown ticks in a line that is not a live region; a
// separate polite one says the news once, so a screen reader is not read a number every second.
// Moderators and the owner are held by a mute only.
import { el, ui } from './elements.js';
import { clock, durationWords } from './time-words.js';

/** @typedef {import('../chat/client.js').ChatClient} ChatClient */

const READ_ONLY = 'Only moderators can write in this room.';

export class StandingBanner {
  #chat;
  #banner = el('p', 'standing-banner');
  #announcer = el('p', 'visually-hidden');
  #readOnlyNote = el('p', 'read-only-note', READ_ONLY);
  /** When this user's last message was stored (ms epoch), for slow mode. */
  #lastSent = 0;
  /** The room said when slow mode lets this user send again (ms epoch). */
  #slowUntil = 0;
  /** What was last announced, so each state is said once. */
  #said = '';
  /** @type {ReturnType<typeof setInterval> | undefined} */ #ticker;

  /** @param {ChatClient} chat */
  constructor(chat) {
    this.#chat = chat;
    this.#banner.id = 'standing-banner';
    this.#banner.hidden = true;
    this.#announcer.id = 'standing-announcer';
    this.#announcer.setAttribute('aria-live', 'polite');
    this.#readOnlyNote.id = 'read-only-note';
    this.#readOnlyNote.hidden = true;
    ui.composer.prepend(this.#banner, this.#readOnlyNote);
    ui.composer.append(this.#announcer);

    chat.addEventListener('message', ({ detail }) => {
      if (detail.user.id === chat.user?.id) this.#lastSent = Math.max(this.#lastSent, detail.ts);
      this.update();
    });
    chat.addEventListener('error', ({ detail }) => {
      if (detail.code !== 'rate_limited' || !detail.message.startsWith('slow mode')) return;
      this.#slowUntil = Date.now() + (detail.retryAfterMs ?? 0);
      this.update();
    });
    for (const type of /** @type {const} */ (['welcome', 'muted', 'role', 'settings']))
      chat.addEventListener(type, () => this.update());
    chat.addEventListener('banned', () => this.stop());
  }

  /** Shows what holds this user back now, and keeps the countdown ticking while something does. */
  update() {
    const chat = this.#chat;
    const exempt = chat.role === 'owner' || chat.role === 'moderator';
    const readOnly = !!chat.settings?.readOnly && !exempt;
    ui.message.disabled = readOnly;
    ui.message.placeholder = readOnly ? 'This room is read-only' : 'Write a message…';
    this.#readOnlyNote.hidden = !readOnly;
    if (readOnly) ui.send.disabled = true;

    const now = Date.now();
    const muted = chat.mutedUntil !== null && chat.mutedUntil > now ? chat.mutedUntil : null;
    const slowSeconds = exempt ? 0 : (chat.settings?.slowModeSeconds ?? 0);
    const slowEnds = slowSeconds
      ? Math.max(this.#lastSent + slowSeconds * 1_000, this.#slowUntil)
      : 0;
    /** @type {[string, string] | null} */ let shown = null;
    if (muted !== null)
      shown = [
        `You are muted for ${clock(muted - now)}`,
        `You are muted for ${durationWords(muted - now)}.`,
      ];
    else if (!readOnly && slowEnds > now) {
      const left = Math.ceil((slowEnds - now) / 1_000);
      shown = [
        `Slow mode: you can send again in ${left} s`,
        `Slow mode: you can send again in ${left} seconds.`,
      ];
    }
    this.#banner.hidden = !shown;
    this.#banner.dataset.kind = muted !== null ? 'muted' : 'slow';
    this.#banner.textContent = shown?.[0] ?? '';
    // Said again when a mute is moved, not as slow mode's wait shrinks.
    const news = muted !== null ? `muted until ${muted}` : shown ? 'slow' : '';
    if (news !== this.#said) {
      this.#said = news;
      this.#announcer.textContent =
        shown?.[1] ?? (this.#chat.status === 'open' ? 'You can send again.' : '');
    }
    if (shown && this.#ticker === undefined) this.#ticker = setInterval(() => this.update(), 1_000);
    if (!shown) this.stop();
  }

  /** No countdown runs. */
  stop() {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
  }
}
