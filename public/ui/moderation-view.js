// @ts-check
// Moderation on the chat view, put together: the person menu on names, the room's header tools
// (copy link, room settings), the moderation lines in the log, the banner of what holds this user
// back, and the banned page. Called once the chat view's own listeners are in place, so the names
// it turns into buttons are already drawn when its listeners run.
import { showBanned } from './banned-view.js';
import { KnownPeople } from './known-people.js';
import { showModerationLines } from './moderation-lines.js';
import { PersonMenu } from './person-menu.js';
import { showCopyLink } from './room-header.js';
import { showRoomSettings } from './room-settings.js';
import { StandingBanner } from './standing-banner.js';

/** @typedef {import('../chat/client.js').ChatClient} ChatClient */
/** @typedef {import('./log.js').Log} Log */

/** @param {ChatClient} chat @param {Log} log */
export function openModeration(chat, log) {
  const people = new KnownPeople(chat);
  const menu = new PersonMenu(chat, people);
  showCopyLink(chat);
  showRoomSettings(chat, people);
  showModerationLines(chat, log, people);
  const banner = new StandingBanner(chat);
  for (const type of /** @type {const} */ (['members', 'messages', 'update', 'role', 'moderation']))
    chat.addEventListener(type, () => menu.sync());
  chat.addEventListener('banned', ({ detail }) => {
    menu.close(false);
    banner.stop();
    showBanned(chat.room, detail);
  });
  banner.update();
}
