// @ts-check
// Who is in the room (#members, #member-count) and who is typing (#typing), from the client's
// member list and its typing events. Names are each in their own bidi-isolated element.
import { el, isolated, ui } from './elements.js';

/** @typedef {import('../chat/frames.js').User} User */

/** How long "… is typing" stays after the last typing signal. */
const TYPING_SHOWN_FOR_MS = 4_000;

/** Renders the member list sorted by name, ours marked "(you)", and the count of everyone. */
export function renderMembers(
  /** @type {User[]} */ members,
  /** @type {number} */ count,
  /** @type {User | null} */ me,
) {
  const sorted = [...members].sort((a, b) => a.name.localeCompare(b.name));
  ui.members.replaceChildren(
    ...sorted.map((user) => {
      const own = user.id === me?.id;
      const item = el('li', own ? 'own' : '');
      item.dataset.userId = user.id;
      item.append(isolated('span', 'name', user.name));
      if (own) item.append(el('span', 'you', ' (you)'));
      return item;
    }),
  );
  // Not clamped to the list: after a crowded spell (counts only) the list may lack people.
  const others = count - members.length;
  if (others > 0) ui.members.append(el('li', 'more', `and ${others} more`));
  ui.memberCount.textContent = `${count} online`;
}

/** The typing line: names of people typing now, each shown for a few seconds after their signal. */
export class TypingLine {
  /** @type {Map<string, { name: string, timer: ReturnType<typeof setTimeout> }>} */
  #typists = new Map();

  /** Someone (not us) is typing. @param {User} user */
  typing(user) {
    clearTimeout(this.#typists.get(user.id)?.timer);
    const timer = setTimeout(() => this.stop(user.id), TYPING_SHOWN_FOR_MS);
    this.#typists.set(user.id, { name: user.name, timer });
    this.#render();
  }

  /** They stopped: their message arrived, or the signal expired. */
  stop(/** @type {string} */ userId) {
    clearTimeout(this.#typists.get(userId)?.timer);
    if (this.#typists.delete(userId)) this.#render();
  }

  /** Nobody is typing as far as we know (the connection is gone). */
  clear() {
    for (const { timer } of this.#typists.values()) clearTimeout(timer);
    this.#typists.clear();
    this.#render();
  }

  #render() {
    const names = [...this.#typists.values()].map(({ name }) => isolated('span', 'name', name));
    const [first, second] = names;
    if (!first) ui.typing.replaceChildren();
    else if (!second) ui.typing.replaceChildren(first, ' is typing…');
    else if (names.length === 2) ui.typing.replaceChildren(first, ' and ', second, ' are typing…');
    else ui.typing.replaceChildren('Several people are typing…');
  }
}
