// @ts-check
// The composer: Enter sends (Shift+Enter is a new line), the counter appears near the limit, and
// typing tells the room, throttled by the client. The field stays usable while offline: what is
// written then is queued (and shown as pending) and sent on reconnect, which beats losing it. So
// only the button reflects the connection: "Queue" instead of "Send", and it is disabled only for
// text the room would refuse anyway.
import { codePointLength, MAX_TEXT_LENGTH } from '../chat/rules.js';
import { ui } from './elements.js';

/** @typedef {import('../chat/client.js').ChatClient} ChatClient */

const COUNTER_FROM = MAX_TEXT_LENGTH - 200;

export class Composer {
  #chat;
  #onSent;
  #sendOptions;

  /**
   * @param {ChatClient} chat
   * @param {{ onSent: () => void, sendOptions?: () => { replyTo?: number } | null }} options
   *   `onSent` runs once a message was handed to the outbox; `sendOptions` says what to send it
   *   with (a reply's `replyTo`), or null to keep the text in the field
   */
  constructor(chat, { onSent, sendOptions = () => ({}) }) {
    this.#chat = chat;
    this.#onSent = onSent;
    this.#sendOptions = sendOptions;
    ui.composer.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit();
    });
    ui.message.addEventListener('keydown', (event) => {
      // isComposing: Enter also confirms an IME candidate, which must not send.
      if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
      event.preventDefault();
      this.#submit();
    });
    ui.message.addEventListener('input', () => {
      this.update();
      if (ui.message.value.trim()) chat.typing();
    });
  }

  /** The counter and the button, from the text and the connection. */
  update() {
    const length = codePointLength(ui.message.value.trim());
    const over = length - MAX_TEXT_LENGTH;
    ui.counter.hidden = length < COUNTER_FROM;
    ui.counter.textContent =
      over > 0 ? `${over} characters too many` : `${length} / ${MAX_TEXT_LENGTH}`;
    ui.counter.classList.toggle('over', over > 0);
    // A disabled field (a read-only room, standing-banner.js) sends nothing either.
    ui.send.disabled = ui.message.disabled || length === 0 || over > 0;
    ui.send.textContent = this.#chat.status === 'open' ? 'Send' : 'Queue';
  }

  #submit() {
    const text = ui.message.value.trim();
    if (!text || codePointLength(text) > MAX_TEXT_LENGTH) return;
    const options = this.#sendOptions();
    if (!options) return;
    // A refusal shows on the item in the outbox (the client's `failed` event); nothing to do here.
    this.#chat.send(text, options).catch(() => {});
    ui.message.value = '';
    this.update();
    this.#onSent();
  }
}
