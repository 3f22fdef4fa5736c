// @ts-check
// Replying: the "Replying to <name>: excerpt" bar above the composer, with × (and Escape in the
// composer) to cancel. The composer asks it what to send with (sendOptions()); a reply to a
// message deleted meanwhile is held back with the reason, so what was written stays.
import { el, isolated, ui } from './elements.js';
import { oneLine } from './reply-quote.js';

/** @typedef {import('../chat/client.js').ChatClient} ChatClient */

export class ReplyBar {
  #chat;
  /** @type {number | null} */ #to = null;
  #bar = el('div', 'reply-bar');
  #label = el('p', 'reply-to');
  #problem = el('p', 'error');

  /** @param {ChatClient} chat */
  constructor(chat) {
    this.#chat = chat;
    this.#bar.id = 'reply-bar';
    this.#bar.hidden = true;
    this.#label.id = 'reply-to';
    const cancel = el('button', 'cancel-reply', '×');
    cancel.type = 'button';
    cancel.setAttribute('aria-label', 'Cancel the reply');
    cancel.title = 'Cancel the reply (Escape)';
    cancel.addEventListener('click', () => {
      this.cancel();
      ui.message.focus();
    });
    this.#problem.setAttribute('aria-live', 'polite');
    this.#bar.append(this.#label, cancel, this.#problem);
    ui.composer.prepend(this.#bar);
    ui.message.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || this.#to === null) return;
      event.preventDefault();
      this.cancel();
    });
  }

  /** Starts a reply to message `id`; the composer gets the focus. */
  start(/** @type {number} */ id) {
    const message = this.#chat.message(id);
    if (!message || message.deleted) return;
    this.#to = id;
    this.#problem.textContent = '';
    const excerpt = isolated('span', 'excerpt', oneLine(message.text));
    this.#label.replaceChildren(
      'Replying to ',
      isolated('span', 'name', message.user.name),
      ': ',
      excerpt,
    );
    this.#bar.hidden = false;
    ui.message.setAttribute('aria-describedby', 'reply-to composer-hint counter');
    ui.message.focus();
  }

  cancel() {
    this.#to = null;
    this.#bar.hidden = true;
    this.#problem.textContent = '';
    ui.message.setAttribute('aria-describedby', 'composer-hint counter');
  }

  /**
   * What the composer sends with: `{ replyTo }` while replying; null to hold the text back (the
   * message it answers is gone; the bar says so).
   * @returns {{ replyTo?: number } | null}
   */
  sendOptions() {
    if (this.#to === null) return {};
    if (this.#chat.message(this.#to)?.deleted) {
      this.#problem.textContent =
        'That message was deleted. Cancel the reply (×) to send this on its own.';
      return null;
    }
    return { replyTo: this.#to };
  }

  /** The composer handed the reply on: the bar's work is done. */
  sent() {
    this.cancel();
  }
}
