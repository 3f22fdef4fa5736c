// @ts-check
// The page a banned user sees instead of the chat: from which room, why (if a reason was given)
// and until when, or that it is permanent. The client has closed for good by then (no reconnect
// loop); a reload asks the room again, which says the same until the ban ends.
import { el, isolated, ui } from './elements.js';
import { durationWords, momentWords } from './time-words.js';

/** @typedef {import('../chat/frames.js').BannedFrame} BannedFrame */

/** Replaces the chat view by the banned page for `room`. @param {string} room @param {BannedFrame} ban */
export function showBanned(room, ban) {
  const page = el('section', 'card banned-view');
  page.id = 'banned-view';
  page.setAttribute('aria-labelledby', 'banned-heading');
  const heading = el('h1', '', 'You were banned from ');
  heading.id = 'banned-heading';
  heading.tabIndex = -1;
  heading.append(isolated('span', 'room', `#${room}`));
  page.append(heading);
  if (ban.reason) {
    const reason = el('p', 'ban-reason', 'Reason: ');
    reason.append(isolated('span', 'reason', ban.reason));
    page.append(reason);
  }
  const ends = el('p', 'ban-ends');
  if (ban.until === undefined) ends.textContent = 'The ban is permanent.';
  else {
    const time = el('time', '', momentWords(ban.until));
    time.dateTime = new Date(ban.until).toISOString();
    ends.append('The ban ends on ', time, ` (in ${durationWords(ban.until - Date.now())}).`);
  }
  const home = el('a', '', 'Go to the start page');
  home.href = '/';
  const back = el('p');
  back.append(home);
  page.append(ends, back);
  document.getElementById('banned-view')?.remove();
  ui.chatView.hidden = true;
  ui.chatView.after(page);
  heading.focus();
}
