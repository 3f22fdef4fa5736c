// @ts-check
// Where a message's text holds http(s) URLs. A URL ends at whitespace, at < > " and at any bidi
// control (see BIDI_CONTROL in rules.js): one inside a link would reorder the link's own text, so
// that what it shows is not where it goes. Sentence punctuation after a URL is not part of it; a
// closing bracket the URL itself opened is: `(see https://en.wikipedia.org/wiki/Mars_(planet)).`
import { BIDI_CONTROL } from '../chat/rules.js';

/** @typedef {{ text: string } | { text: string, href: string }} Segment */

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"]+/gi;
const URL_TRAILING_PUNCTUATION = /[.,;:!?'")\]}]$/;
/** @type {Record<string, string>} */
const URL_OPENERS = { ')': '(', ']': '[', '}': '{' };

/**
 * `text` in order as plain runs and links; the runs and links together are exactly `text`.
 * @param {string} text
 * @returns {Segment[]}
 */
export function findLinks(text) {
  /** @type {Segment[]} */ const segments = [];
  let shownUpTo = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const start = match.index;
    if (start < shownUpTo) continue;
    const raw = trimUrl(upToBidiControl(match[0]));
    const href = httpUrl(raw);
    if (!href) continue;
    if (start > shownUpTo) segments.push({ text: text.slice(shownUpTo, start) });
    segments.push({ text: raw, href });
    shownUpTo = start + raw.length;
  }
  if (shownUpTo < text.length) segments.push({ text: text.slice(shownUpTo) });
  return segments;
}

function upToBidiControl(/** @type {string} */ url) {
  const control = url.search(BIDI_CONTROL);
  return control < 0 ? url : url.slice(0, control);
}

/** Drops punctuation that ends the sentence rather than the URL, keeping balanced brackets. */
function trimUrl(/** @type {string} */ url) {
  let end = url.length;
  while (end > 0 && URL_TRAILING_PUNCTUATION.test(url[end - 1] ?? '')) {
    const last = url[end - 1] ?? '';
    const opener = URL_OPENERS[last];
    if (opener && count(url.slice(0, end), opener) >= count(url.slice(0, end), last)) break;
    end--;
  }
  return url.slice(0, end);
}

function count(/** @type {string} */ text, /** @type {string} */ char) {
  return text.split(char).length - 1;
}

/** The URL's canonical form if it is a valid http(s) URL, else null. */
function httpUrl(/** @type {string} */ raw) {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
