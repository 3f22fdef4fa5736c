// @ts-check
// The browser's storages, for the library and the page. Merely reading `window.localStorage` can
// throw (storage disabled, a sandboxed frame), so each is looked up once here, and where it is
// missing the page runs on an in-memory stand-in for its lifetime.
import { memoryStorage } from '../chat/storage.js';

/** @typedef {import('../chat/storage.js').Storage} Storage */

/** @param {'localStorage' | 'sessionStorage'} name @returns {Storage} */
function lookUp(name) {
  try {
    const storage = window[name];
    storage.getItem('edgechat:probe');
    return storage;
  } catch {
    return memoryStorage();
  }
}

/** Kept across visits: the name, the guest's refresh token and user, each room's outbox. */
export const local = lookUp('localStorage');
/** Kept for this tab: which rooms it has joined (a reload rejoins by itself). */
export const session = lookUp('sessionStorage');

/** The value under `key`, or null (also when the storage refuses to be read). */
export function load(/** @type {string} */ key, store = local) {
  try {
    return store.getItem(key);
  } catch {
    return null;
  }
}

/** Stores `value` under `key` (null removes it); a full or disabled storage is ignored. */
export function save(/** @type {string} */ key, /** @type {string | null} */ value, store = local) {
  try {
    if (value === null) store.removeItem(key);
    else store.setItem(key, value);
  } catch {
    // Quota exceeded or storage disabled; nothing to do but carry on in memory.
  }
}
