// @ts-check
// Reactions as the page shows them: the chips under a message (the emoji and how many, pressed
// when one of them is one's own, who reacted in the tooltip) and the palette the toolbar's React
// button opens (a few common emoji, and those already on the message). Both only draw: the clicks
// are the message actions' (actions.js), which find the emoji in data-emoji.
import { el, isolated } from './elements.js';

/** @typedef {import('../chat/frames.js').ChatMessage} ChatMessage */
/** @typedef {(userId: string) => string | null} NameOf who a user id is, when the page knows */

/** Offered in every palette, in their fully-qualified form (docs/protocol.md, Reactions). */
export const COMMON_EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢'];

/**
 * The chips of `message`'s reactions, or null when it has none.
 * @param {ChatMessage} message
 * @param {string | undefined} me this user's id
 * @param {NameOf} nameOf
 */
export function reactionChips(message, me, nameOf) {
  const reactions = message.reactions ?? [];
  if (reactions.length === 0) return null;
  const list = el('ul', 'reactions');
  list.setAttribute('aria-label', 'Reactions');
  for (const { emoji, count, users } of reactions) {
    const chip = el('button', 'chip');
    chip.type = 'button';
    chip.dataset.emoji = emoji;
    chip.dataset.key = `chip:${emoji}`;
    chip.setAttribute('aria-pressed', String(me !== undefined && users.includes(me)));
    // A reaction is any short string someone chose: isolated like all text people write.
    chip.append(isolated('span', 'emoji', emoji), el('span', 'count', String(count)));
    chip.title = whoReacted(users, count, me, nameOf);
    const item = el('li');
    item.append(chip);
    list.append(item);
  }
  return list;
}

/**
 * The palette of emoji for `message`: the common ones and the others already on it, each pressed
 * when it is one's own.
 * @param {ChatMessage} message
 * @param {string | undefined} me
 */
export function reactionPalette(message, me) {
  const palette = el('div', 'palette');
  palette.setAttribute('role', 'group');
  palette.setAttribute('aria-label', 'Pick a reaction');
  const on = (message.reactions ?? []).map(({ emoji }) => emoji);
  for (const emoji of new Set([...COMMON_EMOJI, ...on])) {
    const button = el('button', 'emoji-choice');
    button.append(isolated('span', 'emoji', emoji));
    button.type = 'button';
    button.dataset.emoji = emoji;
    button.dataset.key = `emoji:${emoji}`;
    button.setAttribute('aria-pressed', String(hasReacted(message, emoji, me)));
    palette.append(button);
  }
  return palette;
}

/** Whether this user has `emoji` on `message`, as far as the message lists. */
export function hasReacted(
  /** @type {ChatMessage} */ message,
  /** @type {string} */ emoji,
  /** @type {string | undefined} */ me,
) {
  const reaction = message.reactions?.find((entry) => entry.emoji === emoji);
  return !!reaction && me !== undefined && reaction.users.includes(me);
}

/**
 * "alice, you and 3 more": the names the page knows, in the order the room lists the users (it
 * lists the first 20; `count` counts all).
 * @param {string[]} users
 * @param {number} count
 * @param {string | undefined} me
 * @param {NameOf} nameOf
 */
function whoReacted(users, count, me, nameOf) {
  const names = users.flatMap((id) => (id === me ? ['you'] : (nameOf(id) ?? [])));
  const more = count - names.length;
  if (names.length === 0) return `${count} ${count === 1 ? 'person' : 'people'}`;
  return more > 0 ? `${names.join(', ')} and ${more} more` : names.join(', ');
}
