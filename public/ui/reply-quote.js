// @ts-check
// The one-line quote above a reply's text: who wrote the answered message and the start of it, as
// the room's excerpt has it now ("message deleted" once it is gone). It is a button: pressing it
// jumps to the answered message (jump-to.js), which the view does for every `.quote` in the log.
import { el, isolated } from './elements.js';

/** @typedef {import('../chat/frames.js').ChatMessage} ChatMessage */
/** @typedef {import('../chat/frames.js').Reply} Reply */

/** Puts the quote of what `message` answers above its text, if it is a reply. */
export function addReplyQuote(/** @type {HTMLElement} */ item, /** @type {ChatMessage} */ message) {
  if (!message.reply || message.deleted) return;
  item.querySelector('.meta')?.after(replyQuote(message.reply));
}

/** @param {Reply} reply */
export function replyQuote(reply) {
  const quote = el('button', 'quote');
  quote.type = 'button';
  quote.dataset.replyTo = String(reply.id);
  quote.dataset.key = 'quote';
  quote.append(el('span', 'visually-hidden', 'In reply to '));
  if ('deleted' in reply) quote.append(el('span', 'excerpt deleted', 'message deleted'));
  else {
    quote.append(isolated('span', 'name', reply.user.name), ': ');
    quote.append(isolated('span', 'excerpt', oneLine(reply.text)));
  }
  quote.title = 'Show the message this answers';
  return quote;
}

/** An excerpt on one line: its line breaks become spaces (CSS cuts what doesn't fit). */
export function oneLine(/** @type {string} */ text) {
  return text.replace(/\s+/g, ' ');
}
