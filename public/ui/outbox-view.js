// @ts-check
// The messages written here and not yet acknowledged (#outbox, below the log): pending ones say
// whether they are being sent or wait for the connection; one the room refused for good says why
// and offers Retry and Discard. Drawn from the client's outbox whenever it changes.
import { el, isolated, ui } from './elements.js';
import { messageText } from './message.js';

/** @typedef {import('../chat/outbox.js').OutboxItem} OutboxItem */
/** @typedef {import('../chat/client.js').ChatClient} ChatClient */

export class OutboxView {
  #chat;
  #author;
  #isNearBottom;

  /**
   * @param {ChatClient} chat
   * @param {{ author: () => string, isNearBottom: () => boolean, onAction: () => void }} options
   *   `author` names us on pending items; `onAction` runs after Retry or Discard was pressed.
   */
  constructor(chat, { author, isNearBottom, onAction }) {
    this.#chat = chat;
    this.#author = author;
    this.#isNearBottom = isNearBottom;
    ui.outbox.addEventListener('click', (event) => {
      const button = event.target instanceof Element ? event.target.closest('button') : null;
      const clientId = button?.closest('li')?.dataset.clientId;
      if (!button || !clientId) return;
      if (button.classList.contains('retry')) chat.retry(clientId);
      else chat.discard(clientId);
      onAction();
    });
  }

  /** Draws the outbox as it is now; keeps the log at its end if it was there. */
  render() {
    const stick = this.#isNearBottom();
    ui.outbox.replaceChildren(...this.#chat.pending.map((item) => this.#item(item)));
    if (stick) ui.log.scrollTop = ui.log.scrollHeight;
  }

  /** The connection changed: "sending…" or "queued", without redrawing anything else. */
  refreshLabels() {
    for (const item of this.#chat.pending) {
      for (const entry of ui.outbox.children) {
        if (!(entry instanceof HTMLElement) || entry.dataset.clientId !== item.clientId) continue;
        const state = entry.querySelector('.state');
        if (state) state.textContent = this.#label(item);
      }
    }
  }

  /** @param {OutboxItem} item */
  #item(item) {
    const entry = el('li', item.error ? 'message own failed' : 'message own pending');
    entry.dataset.clientId = item.clientId;
    const meta = el('p', 'meta');
    meta.append(
      isolated('span', 'author', this.#author()),
      ' ',
      el('span', 'state', this.#label(item)),
    );
    const text = messageText(item.text);
    text.id = `text-${item.clientId}`;
    entry.append(meta, text);
    if (item.error) {
      const actions = el('p', 'actions');
      for (const [className, label] of [
        ['retry', 'Retry'],
        ['discard', 'Discard'],
      ]) {
        const button = el('button', className, label);
        button.type = 'button';
        button.setAttribute('aria-describedby', text.id);
        actions.append(button);
      }
      entry.append(actions);
    }
    return entry;
  }

  /** @param {OutboxItem} item */
  #label(item) {
    if (item.error) return `Not sent: ${item.error}`;
    // The client holds messages while this user is muted, and sends them once the mute ends.
    if (this.#chat.mutedUntil !== null) return 'waits until your mute ends…';
    return this.#chat.status === 'open' ? 'sending…' : 'queued, waiting for the connection…';
  }
}
