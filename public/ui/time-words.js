// @ts-check
// Lengths of time in words for people: "10 minutes" in a sentence, "30 s" in a setting, "9:41" on
// a countdown, and a moment as a date and time.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A length as the largest unit it rounds to, e.g. "10 minutes", "1 hour", "2 days". */
export function durationWords(/** @type {number} */ ms) {
  /** @type {[number, string][]} */
  const units = [
    [7 * DAY, 'week'],
    [DAY, 'day'],
    [HOUR, 'hour'],
    [MINUTE, 'minute'],
    [1_000, 'second'],
  ];
  for (const [size, unit] of units) {
    // A mute announced a moment after it began is a hair short of its length: round, don't floor.
    const count = Math.round(ms / size);
    if (count >= 1 && Math.abs(ms - count * size) < size / 10) return plural(count, unit);
  }
  for (const [size, unit] of units) if (ms >= size) return plural(Math.round(ms / size), unit);
  return plural(Math.max(0, Math.round(ms / 1_000)), 'second');
}

/** A slow-mode interval, short: "5 s", "1 min", "1 h". */
export function intervalWords(/** @type {number} */ seconds) {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** A countdown: "0:42", "9:41", "1:02:03", "2 d 1:02:03" (rounded up: it never shows 0:00 early). */
export function clock(/** @type {number} */ ms) {
  const total = Math.max(0, Math.ceil(ms / 1_000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  if (days) return `${days} d ${hours}:${String(minutes).padStart(2, '0')}:${seconds}`;
  if (hours) return `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`;
  return `${minutes}:${seconds}`;
}

/** A moment in full, as the reader's locale writes it. */
export function momentWords(/** @type {number} */ ts) {
  return new Date(ts).toLocaleString([], { dateStyle: 'full', timeStyle: 'short' });
}

function plural(/** @type {number} */ count, /** @type {string} */ unit) {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
