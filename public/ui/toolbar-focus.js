// @ts-check
// The keyboard's way through the message toolbars (actions.js). All of them together are one Tab
// stop, as a log of hundreds of messages must not be hundreds of stops: the toolbar of the message
// last used (at first the newest) holds it. Up and Down arrows go to the previous and next
// message's toolbar, Left, Right, Home and End move inside one (the WAI-ARIA toolbar pattern).
import { ui } from './elements.js';

const TOOLBAR = '.toolbar[role="toolbar"]';
const BARS = `#log li.message[data-id] > ${TOOLBAR}`;

export class ToolbarFocus {
  /** The message whose toolbar is the Tab stop, and which of its buttons. @type {{ id: number, key: string } | null} */
  #current = null;
  #settling = false;

  constructor() {
    ui.log.addEventListener('focusin', (event) => this.#onFocus(event));
    ui.log.addEventListener('keydown', (event) => this.#onKey(event));
  }

  /**
   * Takes a newly drawn toolbar of message `id` out of the Tab order, unless it is the current one.
   * @param {HTMLElement} bar
   * @param {number} id
   */
  prepare(bar, id) {
    const buttons = [...bar.querySelectorAll('button')];
    const current = this.#current;
    const stop =
      current?.id === id
        ? (buttons.find((button) => button.dataset.key === current.key) ?? buttons[0])
        : null;
    for (const button of buttons) button.tabIndex = button === stop ? 0 : -1;
  }

  /**
   * After the log changed: once the drawing is in place, one toolbar button is a Tab stop (the
   * newest message's first, when the current message went or has no toolbar now).
   */
  settleSoon() {
    if (this.#settling) return;
    this.#settling = true;
    queueMicrotask(() => {
      this.#settling = false;
      if (document.querySelector(`${BARS} button[tabindex="0"]`)) return;
      const bars = document.querySelectorAll(BARS);
      const first = bars[bars.length - 1]?.querySelector('button');
      const item = first?.closest('li.message');
      if (!first || !(item instanceof HTMLElement)) return;
      first.tabIndex = 0;
      this.#current = { id: Number(item.dataset.id), key: first.dataset.key ?? '' };
    });
  }

  /** A toolbar button got the focus (by keys, a click, a redraw): it is the Tab stop now. */
  #onFocus(/** @type {FocusEvent} */ event) {
    const target = event.target;
    if (!(target instanceof HTMLButtonElement) || !target.matches(`${BARS} button`)) return;
    const item = target.closest('li.message');
    if (!(item instanceof HTMLElement)) return;
    this.#current = { id: Number(item.dataset.id), key: target.dataset.key ?? '' };
    for (const other of document.querySelectorAll(`${BARS} button[tabindex="0"]`))
      if (other instanceof HTMLElement && other !== target) other.tabIndex = -1;
    target.tabIndex = 0;
  }

  #onKey(/** @type {KeyboardEvent} */ event) {
    const target = event.target;
    if (event.defaultPrevented || !(target instanceof HTMLButtonElement)) return;
    const bar = target.closest(TOOLBAR);
    if (!bar || !target.matches(`${BARS} button`)) return;
    const buttons = [...bar.querySelectorAll('button')];
    const at = buttons.indexOf(target);
    /** @type {HTMLButtonElement | null | undefined} */ let next;
    if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
      const bars = [...document.querySelectorAll(BARS)];
      const other = bars[bars.indexOf(bar) + (event.key === 'ArrowUp' ? -1 : 1)];
      const there = other ? [...other.querySelectorAll('button')] : [];
      next = there[Math.min(at, there.length - 1)];
    } else {
      const last = buttons.length - 1;
      const step = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: last }[event.key];
      if (step === undefined) return;
      next = buttons[(step + buttons.length) % buttons.length];
    }
    if (!next) return;
    event.preventDefault();
    next.focus();
  }
}
