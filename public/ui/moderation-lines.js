// @ts-check
// Moderation as everyone sees it: a small centred line in the log for each mute, ban, role change,
// settings change and purge ("Max muted Dan for 10 minutes"). Names are text in their own
// bidi-isolated elements; this user is "You"/"you".
import { isolated } from './elements.js';
import { durationWords, intervalWords } from './time-words.js';

/** @typedef {import('../chat/client.js').ChatClient} ChatClient */
/** @typedef {import('../chat/frames.js').ModerationFrame} ModerationFrame */
/** @typedef {import('../chat/frames.js').SettingsFrame} SettingsFrame */
/** @typedef {import('../chat/frames.js').RoomSettings} RoomSettings */
/** @typedef {import('./log.js').Log} Log */
/** @typedef {import('./known-people.js').KnownPeople} KnownPeople */
/** @typedef {(string | Node)[]} Line */

/**
 * Writes the room's moderation into `log` as it happens.
 * @param {ChatClient} chat
 * @param {Log} log
 * @param {KnownPeople} people
 */
export function showModerationLines(chat, log, people) {
  /** @type {RoomSettings | null} */ let settings = null;
  /** The latest ban with a purge per user: who the purge that follows it was by. @type {Map<string, ModerationFrame>} */
  const bans = new Map();
  const me = () => chat.user?.id;
  /** @param {{ id: string, name?: string }} user @param {boolean} start */
  const who = (user, start) => {
    if (user.id === me()) return start ? 'You' : 'you';
    return isolated('span', 'name', user.name ?? people.name(user.id));
  };

  chat.addEventListener('welcome', ({ detail }) => (settings = detail.settings));
  chat.addEventListener('moderation', ({ detail }) => {
    if (detail.action === 'ban') bans.set(detail.target.id, detail);
    log.notice(moderationLine(detail, who), Date.now());
  });
  chat.addEventListener('settings', ({ detail }) => {
    const lines = settingsLines(settings, detail, who(detail.by, true));
    settings = { slowModeSeconds: detail.slowModeSeconds, readOnly: detail.readOnly };
    for (const line of lines) log.notice(line, Date.now());
  });
  chat.addEventListener('purged', ({ detail }) => {
    const ban = bans.get(detail.userId);
    const target = who({ id: detail.userId, name: ban?.target.name }, !ban);
    const whose = [target, target === 'you' || target === 'You' ? 'r' : '’s'];
    if (ban) log.notice([who(ban.by, true), ' removed ', ...whose, ' messages'], Date.now());
    else log.notice([...whose, ' messages were removed'], Date.now());
  });
}

/**
 * @param {ModerationFrame} frame
 * @param {(user: { id: string, name?: string }, start: boolean) => string | Node} who
 * @returns {Line}
 */
function moderationLine(frame, who) {
  const by = who(frame.by, true);
  const target = who(frame.target, false);
  const left = frame.until !== undefined ? durationWords(frame.until - Date.now()) : null;
  switch (frame.action) {
    case 'mute':
      return [by, ' muted ', target, left ? ` for ${left}` : ''];
    case 'unmute':
      return [by, ' unmuted ', target];
    case 'ban':
      return [by, ' banned ', target, left ? ` for ${left}` : '', ...reason(frame.reason)];
    case 'unban':
      return [by, ' lifted the ban on ', target];
    case 'role':
      return frame.role === 'moderator'
        ? [by, ' made ', target, ' a moderator']
        : [by, ' removed ', target, ' as a moderator'];
  }
}

/** @param {string | undefined} text @returns {Line} */
function reason(text) {
  return text ? [' (', isolated('span', 'reason', text), ')'] : [];
}

/**
 * A line per setting that changed (both may, in one frame).
 * @param {RoomSettings | null} before
 * @param {SettingsFrame} after
 * @param {string | Node} by
 * @returns {Line[]}
 */
function settingsLines(before, after, by) {
  /** @type {Line[]} */ const lines = [];
  const slow = after.slowModeSeconds;
  if (before?.slowModeSeconds !== slow) {
    if (slow === 0) lines.push([by, ' turned off slow mode']);
    else if (!before?.slowModeSeconds)
      lines.push([by, ` turned on slow mode (${intervalWords(slow)})`]);
    else lines.push([by, ` set slow mode to ${intervalWords(slow)}`]);
  }
  if (before?.readOnly !== after.readOnly)
    lines.push(
      after.readOnly
        ? [by, ' made the room read-only']
        : [by, ' let everyone write again (read-only is off)'],
    );
  // The same node can't sit in two lines: the second gets its own copy of the name.
  return lines.map((line, i) => (i === 0 ? line : line.map((part) => cloned(part))));
}

function cloned(/** @type {string | Node} */ part) {
  return typeof part === 'string' ? part : part.cloneNode(true);
}
