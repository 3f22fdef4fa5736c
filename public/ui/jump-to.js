// @ts-check
// Jumping to a message (the one a reply answers, a search result): scrolled into view,
// highlighted for a moment and focused, so that a keyboard or screen-reader user lands on it too.
// One the log doesn't show is loaded first (ChatClient.loadAround()): its page comes as a
// `messages` batch placed `around`, which the view puts in its place (Log.insert()), before the
// promise resolves.
import { ui } from './elements.js';
import { focusItem } from './log.js';
import { showAlert } from './status.js';

/** @typedef {import('../chat/client.js').ChatClient} ChatClient */

/** The class that highlights the message jumped to; style.css fades it out. */
export const JUMPED = 'jumped';
/** How long the class stays: a little longer than the fade. */
const HIGHLIGHT_MS = 2_500;

/**
 * Shows message `id` (or, if the room no longer keeps it, the next one it keeps): resolves with
 * its item, or null when there is none to show (the reason goes to the alert line).
 * @param {ChatClient} chat
 * @param {number} id
 * @returns {Promise<HTMLElement | null>}
 */
export async function jumpTo(chat, id) {
  let item = shown(id);
  if (!item) {
    try {
      const landing = await chat.loadAround(id);
      item = landing ? shown(landing.id) : null;
    } catch (error) {
      showAlert(`Could not load that message: ${reasonOf(error)}`);
      return null;
    }
  }
  if (!item) {
    showAlert('That message is no longer kept.');
    return null;
  }
  item.scrollIntoView({ block: 'center' });
  highlight(item);
  focusItem(item);
  return item;
}

/** @param {number} id */
function shown(id) {
  const item = ui.log.querySelector(`li.message[data-id="${id}"]`);
  return item instanceof HTMLElement ? item : null;
}

/** Highlights `item` afresh, even if it still is from a jump a moment ago. */
function highlight(/** @type {HTMLElement} */ item) {
  item.classList.remove(JUMPED);
  void item.offsetWidth; // a reflow, so the animation starts over
  item.classList.add(JUMPED);
  setTimeout(() => item.classList.remove(JUMPED), HIGHLIGHT_MS);
}

/** @param {unknown} error */
function reasonOf(error) {
  if (error && typeof error === 'object' && 'message' in error) return String(error.message);
  return String(error);
}
