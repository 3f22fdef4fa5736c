// @ts-check
// The room settings panel, for moderators and the owner: slow mode and read-only, applied as they
// are changed, and the bans in force with a button to lift each. Opened from "Room settings" in
// the chat's header; the list of bans is asked for whenever the panel opens and after each ban or
// unban while it is open.
import { el, isolated } from './elements.js';
import { roomHeader } from './room-header.js';
import { intervalWords, momentWords } from './time-words.js';

/** @typedef {import('../chat/client.js').ChatClient} ChatClient */
/** @typedef {import('../chat/frames.js').Ban} Ban */
/** @typedef {import('./known-people.js').KnownPeople} KnownPeople */

/** Slow mode intervals offered, in seconds (the room allows 0–3600). */
const SLOW_MODES = [0, 5, 30, 60, 300, 900];

/** @param {ChatClient} chat @param {KnownPeople} people */
export function showRoomSettings(chat, people) {
  const { header, tools } = roomHeader();
  const toggle = el('button', 'tool', 'Room settings');
  toggle.id = 'settings-toggle';
  toggle.type = 'button';
  toggle.hidden = true;
  toggle.setAttribute('aria-expanded', 'false');
  toggle.setAttribute('aria-controls', 'room-settings');

  const panel = el('section', 'room-settings');
  panel.id = 'room-settings';
  panel.hidden = true;
  panel.setAttribute('aria-labelledby', 'room-settings-heading');
  const heading = el('h2', '', 'Room settings');
  heading.id = 'room-settings-heading';

  const slow = el('select');
  slow.id = 'slow-mode';
  for (const seconds of SLOW_MODES) {
    const option = el(
      'option',
      '',
      seconds ? `One message every ${intervalWords(seconds)}` : 'Off',
    );
    option.value = String(seconds);
    slow.append(option);
  }
  const slowLabel = el('label', '', 'Slow mode');
  slowLabel.htmlFor = slow.id;
  const readOnly = el('input');
  readOnly.type = 'checkbox';
  readOnly.id = 'read-only';
  const readOnlyLabel = el('label', 'check', '');
  readOnlyLabel.append(readOnly, ' Read-only: only moderators can write');
  const saved = el('p', 'hint');
  saved.id = 'settings-status';
  saved.setAttribute('aria-live', 'polite');

  const bansHeading = el('h3', '', 'Bans');
  bansHeading.id = 'bans-heading';
  const bans = el('ul', 'bans');
  bans.id = 'bans';
  bans.setAttribute('aria-labelledby', bansHeading.id);
  const close = el('button', 'secondary', 'Close');
  close.type = 'button';
  panel.append(heading, slowLabel, slow, readOnlyLabel, saved, bansHeading, bans, close);
  tools.append(toggle);
  header.append(panel);

  const apply = (/** @type {{ slowModeSeconds?: number, readOnly?: boolean }} */ change) => {
    saved.textContent = 'Saving…';
    chat.setSettings(change).then(
      () => (saved.textContent = 'Saved.'),
      (/** @type {unknown} */ error) => {
        saved.textContent = `Not saved: ${refusal(error)}`;
        show();
      },
    );
  };
  slow.addEventListener('change', () => apply({ slowModeSeconds: Number(slow.value) }));
  readOnly.addEventListener('change', () => apply({ readOnly: readOnly.checked }));

  /** The controls as the room's settings are (a custom interval from elsewhere is offered too). */
  const show = () => {
    const settings = chat.settings;
    if (!settings) return;
    const value = String(settings.slowModeSeconds);
    if (![...slow.options].some((option) => option.value === value)) {
      const option = el(
        'option',
        '',
        `One message every ${intervalWords(settings.slowModeSeconds)}`,
      );
      option.value = value;
      slow.append(option);
    }
    slow.value = value;
    readOnly.checked = settings.readOnly;
  };

  const listBans = () =>
    chat.bans().then(
      (list) => bans.replaceChildren(...(list.length ? list.map(banItem) : [noBans()])),
      (/** @type {unknown} */ error) =>
        bans.replaceChildren(el('li', 'error', `Could not list the bans: ${refusal(error)}`)),
    );
  /** @param {Ban} ban */
  const banItem = (ban) => {
    const item = el('li', 'ban');
    item.dataset.userId = ban.userId;
    const what = el('p', 'ban-what');
    what.append(isolated('span', 'name', people.name(ban.userId)), ', by ');
    what.append(isolated('span', 'name', ban.by.name));
    what.append(ban.until !== undefined ? `, until ${momentWords(ban.until)}` : ', permanently');
    if (ban.reason) what.append(': ', isolated('span', 'reason', ban.reason));
    const unban = el('button', 'unban', 'Unban');
    unban.type = 'button';
    unban.setAttribute('aria-label', `Unban ${people.name(ban.userId)}`);
    unban.addEventListener('click', () => {
      unban.disabled = true;
      chat.unban(ban.userId).then(listBans, () => (unban.disabled = false));
    });
    item.append(what, unban);
    return item;
  };

  const setOpen = (/** @type {boolean} */ open) => {
    panel.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (!open) return;
    show();
    saved.textContent = '';
    void listBans();
  };
  toggle.addEventListener('click', () => setOpen(!!panel.hidden));
  close.addEventListener('click', () => {
    setOpen(false);
    toggle.focus();
  });
  panel.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    setOpen(false);
    toggle.focus();
  });
  const update = () => {
    const allowed = people.canModerate;
    toggle.hidden = !allowed;
    if (!allowed) setOpen(false);
  };
  chat.addEventListener('role', update);
  chat.addEventListener('settings', show);
  chat.addEventListener('welcome', show);
  chat.addEventListener('moderation', ({ detail }) => {
    if (!panel.hidden && (detail.action === 'ban' || detail.action === 'unban')) void listBans();
  });
  update();
}

function noBans() {
  return el('li', 'hint', 'Nobody is banned.');
}

/** The room's words for a refusal (an error frame), or the error's. @param {unknown} error */
function refusal(error) {
  if (typeof error === 'object' && error !== null && 'message' in error)
    return String(error.message);
  return String(error);
}
