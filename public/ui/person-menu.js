// @ts-check
// The person menu, for moderators and the owner: a person's name in the member list, and the
// author's name on their messages, become buttons (only where this user may act on them) that
// open a menu to mute, unmute, ban, ban and purge, and, for the owner, appoint or demote a
// moderator. A real menu: arrow keys move, Escape closes, and focus goes back to the name. What
// the room refuses shows in the header's alert (chat-view's `error` listener).
import { confirmBan } from './ban-dialog.js';
import { el, ui } from './elements.js';

/** @typedef {import('../chat/client.js').ChatClient} ChatClient */
/** @typedef {import('./known-people.js').KnownPeople} KnownPeople */
/** @typedef {{ label: string, run: () => unknown }} Item */

/** Where names may become buttons: the member list, and confirmed messages' authors. */
const NAMES = '#members li[data-user-id] > .name, #history .author, #live .author';

const MUTES = /** @type {const} */ ([
  ['Mute for 10 minutes', 600],
  ['Mute for 1 hour', 3600],
  ['Mute for 1 day', 86_400],
]);

export class PersonMenu {
  #chat;
  #people;
  /** @type {{ menu: HTMLElement, trigger: HTMLButtonElement, userId: string } | null} */
  #open = null;

  /** @param {ChatClient} chat @param {KnownPeople} people */
  constructor(chat, people) {
    this.#chat = chat;
    this.#people = people;
    ui.chatView.addEventListener('click', (event) => {
      const button = event.target instanceof Element ? event.target.closest('button.person') : null;
      if (button instanceof HTMLButtonElement) this.#toggle(button);
    });
    document.addEventListener('pointerdown', (event) => {
      const inside = event.target instanceof Node && this.#open?.menu.contains(event.target);
      const onTrigger = event.target instanceof Element && event.target.closest('button.person');
      if (this.#open && !inside && !onTrigger) this.close(false);
    });
  }

  /**
   * Makes each name a button where this user may act on that person, and a plain name elsewhere
   * (after a list or the log was drawn, or this user's role changed).
   */
  sync() {
    for (const name of ui.chatView.querySelectorAll(NAMES)) {
      if (!(name instanceof HTMLElement)) continue;
      const holder = name.closest('[data-user-id]');
      const userId = holder instanceof HTMLElement ? holder.dataset.userId : undefined;
      if (!userId) continue;
      const wanted = this.#people.canActOn(userId);
      if (wanted === name instanceof HTMLButtonElement) continue;
      const swapped = wanted ? el('button', `${name.className} person`) : el('span');
      if (!wanted) swapped.className = name.className.replace(/\s*\bperson\b/, '');
      swapped.dir = 'auto';
      swapped.textContent = name.textContent;
      if (swapped instanceof HTMLButtonElement) {
        swapped.type = 'button';
        swapped.dataset.userId = userId;
        swapped.setAttribute('aria-haspopup', 'menu');
        swapped.setAttribute('aria-expanded', 'false');
      }
      name.replaceWith(swapped);
    }
    const open = this.#open;
    if (open && !this.#people.canActOn(open.userId)) this.close(false);
    else if (open && !open.trigger.isConnected) {
      // The list was redrawn under the open menu: its new name is the one that has it open.
      const again = this.#triggerFor(open.userId);
      if (again instanceof HTMLButtonElement) {
        open.trigger = again;
        again.setAttribute('aria-expanded', 'true');
      }
    }
  }

  /** Closes the menu, if open; focus returns to its name unless `refocus` is false. */
  close(refocus = true) {
    const open = this.#open;
    if (!open) return;
    this.#open = null;
    open.menu.remove();
    open.trigger.setAttribute('aria-expanded', 'false');
    if (refocus) this.#triggerOf(open).focus();
  }

  /** @param {HTMLButtonElement} trigger */
  #toggle(trigger) {
    const same = this.#open?.trigger === trigger;
    this.close(false);
    const userId = trigger.dataset.userId;
    if (same || !userId || !this.#people.canActOn(userId)) return;
    const name = trigger.textContent ?? userId;
    const menu = el('div', 'person-menu');
    menu.setAttribute('role', 'menu');
    menu.setAttribute('aria-label', `Moderate ${name}`);
    menu.dir = 'auto';
    for (const item of this.#items(userId, name)) {
      const button = el('button', '', item.label);
      button.type = 'button';
      button.setAttribute('role', 'menuitem');
      button.tabIndex = -1;
      button.addEventListener('click', () => {
        this.close();
        Promise.resolve(item.run()).catch(() => {});
      });
      menu.append(button);
    }
    menu.addEventListener('keydown', (event) => this.#onKey(event));
    document.body.append(menu);
    this.#open = { menu, trigger, userId };
    trigger.setAttribute('aria-expanded', 'true');
    place(menu, trigger);
    this.#menuItems(menu)[0]?.focus();
  }

  /** @param {string} userId @param {string} name @returns {Item[]} */
  #items(userId, name) {
    const chat = this.#chat;
    /** @type {Item[]} */ const items = MUTES.map(([label, seconds]) => ({
      label,
      run: () => chat.mute(userId, seconds),
    }));
    if (this.#people.mutedUntil(userId) !== null)
      items.push({ label: 'Unmute', run: () => chat.mute(userId, 0) });
    for (const purge of [false, true])
      items.push({
        label: purge ? 'Ban and delete their messages…' : 'Ban…',
        run: async () => {
          const ban = await confirmBan(name, purge, chat.room);
          this.#triggerFor(userId).focus();
          if (ban) await chat.ban(userId, { ...ban, purge });
        },
      });
    if (chat.role === 'owner') {
      const moderator = this.#people.role(userId) === 'moderator';
      items.push({
        label: moderator ? 'Remove moderator' : 'Make moderator',
        run: () => chat.setRole(userId, moderator ? 'member' : 'moderator'),
      });
    }
    return items;
  }

  /** @param {KeyboardEvent} event */
  #onKey(event) {
    const open = this.#open;
    if (!open) return;
    const items = this.#menuItems(open.menu);
    const at = items.indexOf(/** @type {HTMLButtonElement} */ (document.activeElement));
    /** @type {Record<string, number>} */
    const moves = {
      ArrowDown: (at + 1) % items.length,
      ArrowUp: (at - 1 + items.length) % items.length,
      Home: 0,
      End: items.length - 1,
    };
    if (event.key in moves) {
      event.preventDefault();
      items[moves[event.key] ?? 0]?.focus();
    } else if (event.key === 'Escape' || event.key === 'Tab') {
      event.preventDefault();
      this.close();
    }
  }

  /** @param {HTMLElement} menu */
  #menuItems(menu) {
    return [...menu.querySelectorAll('button[role=menuitem]')].filter(
      (b) => b instanceof HTMLButtonElement,
    );
  }

  /** The name the menu was opened from, or the same person's name if the list was redrawn. */
  #triggerOf(/** @type {{ trigger: HTMLElement, userId: string }} */ open) {
    if (open.trigger.isConnected) return open.trigger;
    return this.#triggerFor(open.userId);
  }

  /** @param {string} userId @returns {HTMLElement} */
  #triggerFor(userId) {
    const again = ui.chatView.querySelector(`button.person[data-user-id="${CSS.escape(userId)}"]`);
    return again instanceof HTMLElement ? again : ui.message.disabled ? ui.log : ui.message;
  }
}

/** Puts the menu under its name, inside the viewport (a phone's too). */
function place(/** @type {HTMLElement} */ menu, /** @type {HTMLElement} */ trigger) {
  const box = trigger.getBoundingClientRect();
  const { width, height } = menu.getBoundingClientRect();
  const left = Math.max(8, Math.min(box.left, innerWidth - width - 8));
  const below = box.bottom + 4;
  const top = below + height > innerHeight - 8 ? Math.max(8, box.top - height - 4) : below;
  menu.style.left = `${left}px`;
  menu.style.top = `${top}px`;
}
