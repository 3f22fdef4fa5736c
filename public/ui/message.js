// @ts-check
// One message as the log shows it: a bubble with the author, the time and the text. Everything a
// person wrote (the text, the name) sits in its own bidi-isolated element with dir="auto", and
// each link too, so explicit bidi controls in a message reorder nothing outside their element.
import { el, isolated } from './elements.js';
import { findLinks } from './links.js';

/** @typedef {import('../chat/frames.js').ChatMessage} ChatMessage */
/** @typedef {import('../chat/frames.js').User} User */

/**
 * A confirmed message's list item, `.own` when `me` wrote it; data-ts and data-day place it. A
 * deleted one (a tombstone, whose text is gone) says so instead of showing its text.
 * @param {ChatMessage} message
 * @param {User | null} me
 */
export function renderMessage(message, me) {
  const item = el('li', message.user.id === me?.id ? 'message own' : 'message');
  item.dataset.id = String(message.id);
  item.dataset.userId = message.user.id;
  stamp(item, message.ts);
  const meta = el('p', 'meta');
  meta.append(isolated('span', 'author', message.user.name), ' ', timeOf(message.ts));
  const text = message.deleted
    ? el('p', 'text deleted', 'message deleted')
    : messageText(message.text);
  item.append(meta, text);
  return item;
}

/** The text as text nodes, with http(s) URLs as links built by DOM methods. */
export function messageText(/** @type {string} */ text) {
  const paragraph = isolated('p', 'text');
  for (const segment of findLinks(text)) {
    if (!('href' in segment)) {
      paragraph.append(segment.text);
      continue;
    }
    const link = isolated('a', '', segment.text);
    link.href = segment.href;
    link.rel = 'noopener noreferrer';
    link.target = '_blank';
    paragraph.append(link);
  }
  return paragraph;
}

/** Marks `item` with its time and its day, which the log groups by. */
export function stamp(/** @type {HTMLElement} */ item, /** @type {number} */ ts) {
  item.dataset.ts = String(ts);
  item.dataset.day = dayKey(ts);
}

/** The local calendar day of `ts`, e.g. 2026-12-01. */
export function dayKey(/** @type {number} */ ts) {
  const d = new Date(ts);
  const month = String(d.getMonth() + 1).padStart(2, '0');
  return `${d.getFullYear()}-${month}-${String(d.getDate()).padStart(2, '0')}`;
}

function timeOf(/** @type {number} */ ts) {
  const date = new Date(ts);
  const time = el('time', '', date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  time.dateTime = date.toISOString();
  time.title = date.toLocaleString([], { dateStyle: 'full', timeStyle: 'medium' });
  return time;
}
