// @ts-check
// The words of a search found in a message's text, marked as the room matched them: each word of
// the query as a whole word, the last one also as the start of a word, case and accents aside
// ("cafe" marks "Café"). The room's answer names no matches, so they are found here from the
// query's words (searchWords, the room's own rule). Marks are <mark> elements around text nodes.
import { searchWords } from '../chat/rules.js';
import { el } from './elements.js';

// A word of the text, by the same rule as the query's words.
const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

/** A word as search compares it: without accents, in lower case. */
export function foldWord(/** @type {string} */ word) {
  return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * `text` as text nodes and <mark> elements around the words `query` matches.
 * @param {string} text
 * @param {string} query
 * @returns {(string | HTMLElement)[]}
 */
export function markMatches(text, query) {
  const words = searchWords(query).map(foldWord);
  const prefix = words.at(-1);
  const whole = new Set(words);
  /** @type {(string | HTMLElement)[]} */ const parts = [];
  let plainFrom = 0;
  for (const match of text.matchAll(WORD)) {
    const word = foldWord(match[0]);
    if (!whole.has(word) && !(prefix !== undefined && word.startsWith(prefix))) continue;
    if (match.index > plainFrom) parts.push(text.slice(plainFrom, match.index));
    parts.push(el('mark', '', match[0]));
    plainFrom = match.index + match[0].length;
  }
  if (plainFrom < text.length) parts.push(text.slice(plainFrom));
  return parts;
}
