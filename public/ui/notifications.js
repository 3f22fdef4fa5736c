// @ts-check
// Desktop notifications of mentions, only when asked for: the "Notify me of mentions" button
// asks the browser's permission (never a prompt on load), and then a mention that comes while
// the tab is hidden shows a notification (the author and the text, which notifications show as
// plain text); clicking it brings the tab forward at that message. The choice is kept in
// localStorage; the button says whether notifications are on, off or blocked by the browser.
import { showAlert } from './status.js';
import { load, save } from './storage.js';

/** @typedef {import('../chat/frames.js').ChatMessage} ChatMessage */

const KEY = 'edgechat:notify';
/** Longest text a notification body carries (the rest is in the log). */
const BODY_LENGTH = 200;

export class MentionNotifier {
  #button;
  #room;
  #onOpen;

  /**
   * @param {HTMLButtonElement} button
   * @param {{ room: string, onOpen: (id: number) => void }} options `onOpen`: a notification was
   *   clicked, show message `id`
   */
  constructor(button, { room, onOpen }) {
    this.#button = button;
    this.#room = room;
    this.#onOpen = onOpen;
    button.hidden = !('Notification' in window);
    button.addEventListener('click', () => this.#toggle());
    this.#render();
  }

  /** Whether notifications are wanted and allowed. */
  get on() {
    return 'Notification' in window && Notification.permission === 'granted' && load(KEY) === 'on';
  }

  /** A message that mentions the reader came: shown as a notification while the tab is hidden. @param {ChatMessage} message */
  mentioned(message) {
    if (!this.on || document.visibilityState === 'visible') return;
    const text = [...message.text];
    const body =
      text.length > BODY_LENGTH ? `${text.slice(0, BODY_LENGTH).join('')}…` : message.text;
    const notification = new Notification(`${message.user.name} in #${this.#room}`, {
      body,
      tag: `edgechat:${this.#room}:${message.id}`,
    });
    notification.addEventListener('click', () => {
      window.focus();
      notification.close();
      this.#onOpen(message.id);
    });
  }

  async #toggle() {
    if (Notification.permission === 'denied') {
      showAlert('Notifications are blocked for this site in the browser’s settings.');
      return this.#render();
    }
    if (this.on) {
      save(KEY, 'off');
      return this.#render();
    }
    const permission =
      Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
    save(KEY, permission === 'granted' ? 'on' : 'off');
    this.#render();
  }

  #render() {
    if (this.#button.hidden) return;
    const blocked = Notification.permission === 'denied';
    this.#button.dataset.state = blocked ? 'blocked' : this.on ? 'on' : 'off';
    this.#button.setAttribute('aria-pressed', String(this.on));
    this.#button.textContent = blocked ? 'Mention notifications blocked' : 'Notify me of mentions';
    this.#button.title = blocked
      ? 'The browser blocks notifications for this site; allow them in its site settings.'
      : this.on
        ? 'On: a mention while this tab is hidden shows a notification. Press to turn off.'
        : 'Off: press to be notified of mentions while this tab is hidden.';
  }
}
