// @ts-check
// `@name` mentions in a message's text. Names may hold spaces ("Ann Lee"), so at each `@` the
// longest name of someone known here (the members, the authors in the log, oneself) is taken,
// compared case-insensitively; otherwise the word after the `@` is a mention of someone not known.
// Mentions are marked by DOM methods around text nodes: what people wrote stays text.
import { el } from './elements.js';
import { watchMessageItems } from './log-items.js';

/** @typedef {{ text: string } | { mention: string, me: boolean }} MentionSegment */

// An `@` starts a mention unless it follows a letter or digit (an e-mail address, "a@b").
const AT = /(?<![\p{L}\p{N}])@/gu;
// What may follow a name: the end, or anything that isn't part of a word.
const NAME_END = /^(?:$|[^\p{L}\p{N}\p{M}_])/u;
// An unknown mention: the word after the `@`.
const WORD_AFTER = /^[\p{L}\p{N}][\p{L}\p{N}\p{M}_-]*/u;

/** How names compare: normalised, whitespace runs as one space, case folded. */
export function nameKey(/** @type {string} */ name) {
  return name.normalize('NFC').replace(/\s+/gu, ' ').trim().toLocaleLowerCase();
}

/**
 * Splits `text` into plain runs and mentions. `names` are the names known here; `me` is the
 * reader's own name (a mention of it is `me: true`).
 * @param {string} text
 * @param {Iterable<string>} names
 * @param {string | null} me
 * @returns {MentionSegment[]}
 */
export function findMentions(text, names, me) {
  // Longest first, so "Ann Lee" wins over "Ann" at the same `@`.
  const known = [...new Set([...names, ...(me ? [me] : [])].map(nameKey))]
    .filter(Boolean)
    .sort((a, b) => b.length - a.length);
  const own = me ? nameKey(me) : null;
  /** @type {MentionSegment[]} */ const segments = [];
  let plainFrom = 0;
  for (const at of text.matchAll(AT)) {
    const start = at.index;
    if (start < plainFrom) continue;
    const rest = text.slice(start + 1);
    const length = knownNameLength(rest, known) ?? WORD_AFTER.exec(rest)?.[0].length ?? 0;
    if (length === 0) continue;
    const mention = text.slice(start, start + 1 + length);
    if (start > plainFrom) segments.push({ text: text.slice(plainFrom, start) });
    segments.push({ mention, me: own !== null && nameKey(mention.slice(1)) === own });
    plainFrom = start + 1 + length;
  }
  if (plainFrom < text.length) segments.push({ text: text.slice(plainFrom) });
  return segments;
}

/** Whether `text` mentions the reader `me`. @param {string} text @param {Iterable<string>} names @param {string | null} me */
export function mentionsMe(text, names, me) {
  if (!me || !text.includes('@')) return false;
  return findMentions(text, names, me).some((segment) => 'mention' in segment && segment.me);
}

/**
 * The length of the longest known name `rest` starts with (ending at a word's end), or null.
 * Compared on the text as written, so the length is the text's own.
 * @param {string} rest
 * @param {string[]} known name keys, longest first
 */
function knownNameLength(rest, known) {
  if (/^\s/u.test(rest)) return null;
  for (const key of known) {
    // A name's key may be shorter or longer than what it was typed as (case folding); try the
    // stretch of text of the key's length, widened by a few characters for that.
    for (let length = key.length; length <= key.length + 2 && length <= rest.length; length++) {
      if (nameKey(rest.slice(0, length)) === key && NAME_END.test(rest.slice(length)))
        return length;
    }
  }
  return null;
}

/**
 * Marks the mentions in a rendered message text (p.text): its own text nodes are split around
 * them, links are left as they are. Returns whether the reader is mentioned.
 * @param {HTMLElement} paragraph
 * @param {Iterable<string>} names
 * @param {string | null} me
 */
export function markMentions(paragraph, names, me) {
  const known = [...names];
  let mentioned = false;
  for (const node of [...paragraph.childNodes]) {
    if (!(node instanceof Text) || !node.data.includes('@')) continue;
    const segments = findMentions(node.data, known, me);
    if (!segments.some((segment) => 'mention' in segment)) continue;
    node.replaceWith(
      ...segments.map((segment) => {
        if ('text' in segment) return segment.text;
        mentioned ||= segment.me;
        return el('span', segment.me ? 'mention mention-me' : 'mention', segment.mention);
      }),
    );
  }
  return mentioned;
}

/**
 * Marks the mentions in every message of the log, as each is shown; one that mentions the
 * reader is `.mentions-me` as a whole.
 * @param {HTMLElement} log
 * @param {{ names: () => Iterable<string>, me: () => string | null }} who
 */
export function markLogMentions(log, { names, me }) {
  watchMessageItems(log, {
    added: (items) => {
      const known = [...names()];
      const reader = me();
      for (const item of items) {
        const text = item.querySelector(':scope > .text:not(.deleted)');
        if (text instanceof HTMLElement && markMentions(text, known, reader))
          item.classList.add('mentions-me');
      }
    },
  });
}

/**
 * The names known in the room: who is connected, who wrote what the log holds, and the reader.
 * @param {{ members: { name: string }[], messages: { user: { name: string } }[], user: { name: string } | null }} chat
 */
export function knownNames(chat) {
  const names = new Set(chat.members.map((member) => member.name));
  for (const message of chat.messages) names.add(message.user.name);
  if (chat.user) names.add(chat.user.name);
  return names;
}
