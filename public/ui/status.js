// @ts-check
// The connection's state in the header (#status, whose data-state tests and styles read) and a
// short note beside it (#alert), both announced politely to screen readers.
import { ui } from './elements.js';

/** @typedef {'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed'} State */

/** @type {ReturnType<typeof setTimeout> | undefined} */ let alertTimer;
/** @type {Set<() => void>} */ const watchers = new Set();

/** Shows the state, in words; whoever watches it (the composer, the outbox) follows. */
export function setStatus(/** @type {State} */ state, /** @type {string} */ text) {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
  for (const watcher of watchers) watcher();
}

/** Calls `watcher` after every status change. */
export function onStatus(/** @type {() => void} */ watcher) {
  watchers.add(watcher);
}

/** A brief note; `ms` 0 keeps it until clearStickyAlert() (the next successful connection). */
export function showAlert(/** @type {string} */ text, ms = 6_000) {
  clearTimeout(alertTimer);
  ui.alert.textContent = text;
  ui.alert.dataset.sticky = ms ? '' : 'true';
  if (ms) alertTimer = setTimeout(() => (ui.alert.textContent = ''), ms);
}

export function clearStickyAlert() {
  if (ui.alert.dataset.sticky) showAlert('');
}
