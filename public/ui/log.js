// @ts-check
// The message log (#log): confirmed messages in id order, day separators, notices, grouping of a
// person's consecutive messages, paging back without moving what is on screen, the "New messages"
// button. (What is unread, and the title's count of it, is unread.js's.) Newer messages are
// appended to #live; older pages are prepended to #history (not announced to screen readers);
// every run of one day starts with a .day separator.
import { el, ui } from './elements.js';
import { dayKey, renderMessage, stamp } from './message.js';

/** @typedef {import('../chat/frames.js').ChatMessage} ChatMessage */
/** @typedef {import('../chat/frames.js').User} User */

const GROUP_WINDOW_MS = 5 * 60_000;
const NEAR_BOTTOM_PX = 80;
const NEAR_TOP_PX = 40;

export class Log {
  #me;
  #onNearTop;
  #decorate;
  /** Whether the log was scrolled to its end when last scrolled. */
  #wasAtBottom = true;

  /**
   * @param {{ me: () => User | null, onNearTop: () => void,
   *   decorate?: (item: HTMLElement, message: ChatMessage) => void }} options
   *   `onNearTop` is called when the log is scrolled (nearly) to its top: time for older messages.
   *   `decorate` adds to each message's item as it is drawn (replies, reactions, actions).
   */
  constructor({ me, onNearTop, decorate }) {
    this.#me = me;
    this.#onNearTop = onNearTop;
    this.#decorate = decorate;
    ui.log.addEventListener('scroll', () => this.#onScroll(), { passive: true });
    ui.newMessages.addEventListener('click', () => {
      this.scrollToBottom();
      ui.log.focus();
    });
    // The log shrinks when the member list opens or a phone's keyboard comes up; a scroll
    // position doesn't change by itself then, so one that was at the newest message is kept there.
    new ResizeObserver(() => {
      if (this.#wasAtBottom) ui.log.scrollTop = ui.log.scrollHeight;
    }).observe(ui.log);
  }

  isNearBottom() {
    return ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom() {
    ui.log.scrollTop = ui.log.scrollHeight;
    ui.newMessages.hidden = true;
  }

  /**
   * Shows messages newer than everything shown. `live` ones offer the "New messages" button; a
   * join's page goes in quietly.
   * @param {ChatMessage[]} messages
   */
  append(messages, live = true) {
    const stick = this.isNearBottom();
    // Into #history only while nothing newer sits in #live, so the log stays in order.
    const list = live || ui.live.firstElementChild ? ui.live : ui.history;
    const me = this.#me();
    let fromOthers = 0;
    for (const message of messages) {
      this.#placeAfter(list, this.#render(message, me), this.#lastItem());
      if (message.user.id !== me?.id) fromOthers++;
    }
    if (messages.length > 0) ui.empty.hidden = true;
    if (stick || !live) this.scrollToBottom();
    if (!live || fromOthers === 0) return;
    if (!stick) ui.newMessages.hidden = false;
  }

  /** Shows an older page above everything, keeping the visible content where it was. @param {ChatMessage[]} messages */
  prepend(messages) {
    if (messages.length === 0) return;
    const me = this.#me();
    const fragment = document.createDocumentFragment();
    /** @type {HTMLElement | null} */ let previous = null;
    for (const message of messages) {
      const item = this.#render(message, me);
      this.#placeAfter(fragment, item, previous);
      previous = item;
    }
    const { scrollHeight, scrollTop } = ui.log;
    this.#stitch(previous);
    ui.history.prepend(fragment);
    ui.empty.hidden = true;
    ui.log.scrollTop = scrollTop + ui.log.scrollHeight - scrollHeight;
  }

  /**
   * A line between messages (who joined or left, a gap in history), made of text and elements.
   * @param {(string | Node)[]} content
   * @param {number} ts
   */
  notice(content, ts) {
    const stick = this.isNearBottom();
    const item = el('li', 'notice');
    item.append(...content);
    stamp(item, ts);
    this.#placeAfter(ui.live, item, this.#lastItem());
    if (stick) this.scrollToBottom();
  }

  /**
   * Shows a message in its new state (edited, deleted) where it is, if it is shown; it keeps its
   * place and its grouping with its neighbours.
   * @param {ChatMessage} message
   */
  replace(message) {
    const shown = this.item(message.id);
    if (!shown) return;
    // What had the focus in it (a button of its toolbar, say) has it again in the new drawing.
    const focused = document.activeElement;
    const key =
      focused instanceof HTMLElement && shown.contains(focused) ? focused.dataset.key : null;
    const stick = this.isNearBottom();
    const item = this.#render(message, this.#me());
    item.classList.toggle('continued', shown.classList.contains('continued'));
    shown.replaceWith(item);
    // A message that grew (reactions, an editor) at the end of the log stays in view.
    if (stick) this.scrollToBottom();
    if (key === null) return;
    const again = key === undefined ? null : item.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again instanceof HTMLElement) again.focus({ preventScroll: true });
    else focusItem(item);
  }

  /** The item of message `id`, if it is shown. @param {number} id */
  item(id) {
    const shown = ui.log.querySelector(`li.message[data-id="${id}"]`);
    return shown instanceof HTMLElement ? shown : null;
  }

  /**
   * Shows messages among those shown, each in its place by id: the page around a jumped-to message
   * (older than everything shown, with a gap after it) and the pages that fill that gap. What is
   * on screen stays where it is.
   * @param {ChatMessage[]} messages
   */
  insert(messages) {
    if (messages.length === 0) return;
    const anchor = this.#firstInView();
    const top = anchor?.getBoundingClientRect().top ?? 0;
    const me = this.#me();
    const shown = [...ui.log.querySelectorAll('#history > li.message, #live > li.message')];
    for (const message of messages) {
      const item = this.#render(message, me);
      const next = shown.find(
        (other) => other instanceof HTMLElement && Number(other.dataset.id) > message.id,
      );
      if (next) {
        // Before the next one's day separator: that belongs to the next one's day.
        const separator = next.previousElementSibling;
        (separator?.classList.contains('day') ? separator : next).before(item);
      } else (ui.live.firstElementChild ? ui.live : ui.history).append(item);
    }
    this.#tidy();
    ui.empty.hidden = true;
    if (anchor) ui.log.scrollTop += anchor.getBoundingClientRect().top - top;
  }

  /** Empties the log, as for a room that starts over. */
  clear() {
    ui.history.replaceChildren();
    ui.live.replaceChildren();
    ui.empty.hidden = false;
    ui.newMessages.hidden = true;
  }

  /** The tab is visible again: "Today" may have become "Yesterday". */
  seen() {
    for (const item of ui.log.querySelectorAll('li.day')) {
      if (item instanceof HTMLElement && item.firstElementChild)
        item.firstElementChild.textContent = dayLabel(Number(item.dataset.ts));
    }
  }

  #onScroll() {
    this.#wasAtBottom = this.isNearBottom();
    if (this.#wasAtBottom) ui.newMessages.hidden = true;
    // Tabbing to "Load older" scrolls it into view; that must not press it (and, once nothing
    // older is left, hide it from under the keyboard user's focus). Keyboard users press Enter.
    if (ui.log.scrollTop < NEAR_TOP_PX && !ui.loadOlder.matches(':focus-visible'))
      this.#onNearTop();
  }

  /** Where a prepended page meets the old first day: one separator, and grouping across the seam. */
  #stitch(/** @type {HTMLElement | null} */ last) {
    const first = this.#firstItem();
    if (!last || !first?.classList.contains('day') || first.dataset.day !== last.dataset.day)
      return;
    const next =
      first.nextElementSibling ??
      (first.parentElement === ui.history ? ui.live.firstElementChild : null);
    first.remove();
    if (next instanceof HTMLElement) next.classList.toggle('continued', continues(last, next));
  }

  /** @param {ChatMessage} message @param {User | null} me */
  #render(message, me) {
    const item = renderMessage(message, me);
    this.#decorate?.(item, message);
    return item;
  }

  /** The first item whose bottom is inside the log's viewport: what insert() keeps in place. */
  #firstInView() {
    const top = ui.log.getBoundingClientRect().top;
    for (const item of [...ui.history.children, ...ui.live.children])
      if (item instanceof HTMLElement && item.getBoundingClientRect().bottom > top) return item;
    return null;
  }

  /** After insert(): one day separator where each day starts (and none elsewhere), and grouping. */
  #tidy() {
    /** @type {HTMLElement | null} */ let previous = null;
    /** @type {HTMLElement | null} */ let separator = null;
    for (const item of [...ui.history.children, ...ui.live.children]) {
      if (!(item instanceof HTMLElement)) continue;
      if (item.classList.contains('day')) {
        separator?.remove();
        separator = item;
        continue;
      }
      const newDay = previous?.dataset.day !== item.dataset.day;
      if (separator && (!newDay || separator.dataset.day !== item.dataset.day)) {
        separator.remove();
        separator = null;
      }
      if (newDay && !separator) item.before(daySeparator(Number(item.dataset.ts)));
      item.classList.toggle('continued', continues(previous, item));
      previous = item;
      separator = null;
    }
    separator?.remove();
  }

  #firstItem() {
    const first = ui.history.firstElementChild ?? ui.live.firstElementChild;
    return first instanceof HTMLElement ? first : null;
  }

  #lastItem() {
    const last = ui.live.lastElementChild ?? ui.history.lastElementChild;
    return last instanceof HTMLElement ? last : null;
  }

  /** @param {ParentNode} parent @param {HTMLElement} item @param {HTMLElement | null} previous */
  #placeAfter(parent, item, previous) {
    if (previous?.dataset.day !== item.dataset.day)
      parent.append(daySeparator(Number(item.dataset.ts)));
    item.classList.toggle('continued', continues(previous, item));
    parent.append(item);
  }
}

/** Focuses a log item (not in the Tab order: the log and the toolbars are). */
export function focusItem(/** @type {HTMLElement} */ item) {
  item.tabIndex = -1;
  item.focus({ preventScroll: true });
}

/** Consecutive messages of one person within a few minutes show the name once. */
function continues(/** @type {HTMLElement | null} */ previous, /** @type {HTMLElement} */ item) {
  return (
    !!previous &&
    previous.classList.contains('message') &&
    item.classList.contains('message') &&
    previous.dataset.userId === item.dataset.userId &&
    previous.dataset.day === item.dataset.day &&
    Number(item.dataset.ts) - Number(previous.dataset.ts) < GROUP_WINDOW_MS
  );
}

function dayLabel(/** @type {number} */ ts) {
  const key = dayKey(ts);
  if (key === dayKey(Date.now())) return 'Today';
  if (key === dayKey(Date.now() - 86_400_000)) return 'Yesterday';
  return new Date(ts).toLocaleDateString([], {
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  });
}

function daySeparator(/** @type {number} */ ts) {
  const item = el('li', 'day');
  const time = el('time', '', dayLabel(ts));
  time.dateTime = dayKey(ts);
  stamp(item, ts);
  item.append(time);
  return item;
}
