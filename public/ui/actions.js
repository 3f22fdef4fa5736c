// @ts-check
// What one can do to a message on the page, and what its drawing adds for that: the "edited"
// mark, a reply's quote, the reaction chips, and the toolbar that hovering or focusing a message
// shows (React, which opens the palette; Reply; and Edit and Delete on one's own, Delete on
// anyone's for a moderator or the owner). The toolbars are one Tab stop (toolbar-focus.js);
// Delete asks to confirm in the toolbar itself. Every change goes through the client; a refusal
// goes to the alert line, and the message is drawn again as the room has it.
import { el, ui } from './elements.js';
import { focusItem } from './log.js';
import { hasReacted, reactionChips, reactionPalette } from './reactions.js';
import { addReplyQuote } from './reply-quote.js';
import { showAlert } from './status.js';
import { reasonOf } from './editor.js';
import { ToolbarFocus } from './toolbar-focus.js';

/** @typedef {import('../chat/client.js').ChatClient} ChatClient */
/** @typedef {import('../chat/frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./editor.js').Editor} Editor */
/** @typedef {import('./reply-bar.js').ReplyBar} ReplyBar */
/** @typedef {{ kind: 'palette' | 'confirm', id: number }} Open */

export class MessageActions {
  #chat;
  #editor;
  #replyBar;
  #redraw;
  #keys = new ToolbarFocus();
  /** The palette or the delete confirmation that is open, on one message at a time. @type {Open | null} */
  #open = null;

  /**
   * @param {{ chat: ChatClient, editor: Editor, replyBar: ReplyBar, redraw: (id: number) => void }} parts
   *   `redraw` draws message `id` again, as it is held
   */
  constructor({ chat, editor, replyBar, redraw }) {
    this.#chat = chat;
    this.#editor = editor;
    this.#replyBar = replyBar;
    this.#redraw = redraw;
    ui.log.addEventListener('click', (event) => this.#onClick(event));
    ui.log.addEventListener('keydown', (event) => this.#onKey(event));
    // The palette or the confirmation closes once the focus has left its message (a click
    // elsewhere); after a redraw the focus is back in the message by the time this looks.
    document.addEventListener('focusout', () => setTimeout(() => this.#closeIfLeft()));
  }

  /**
   * Adds to a message's drawing what its state and one's rights call for.
   * @param {HTMLElement} item
   * @param {ChatMessage} message
   */
  decorate(item, message) {
    // Focusable, not in the Tab order: a tap on a phone focuses it, which shows its toolbar.
    item.tabIndex = -1;
    this.#keys.settleSoon();
    if (message.deleted) return;
    if (message.editedAt !== undefined) item.querySelector('.meta')?.append(' ', edited(message));
    addReplyQuote(item, message);
    this.#editor.decorate(item, message);
    const me = this.#chat.user?.id;
    const chips = reactionChips(message, me, (id) => this.#nameOf(id));
    if (chips) item.append(chips);
    if (this.#editor.editing === message.id) return;
    const open = this.#open?.id === message.id ? this.#open.kind : null;
    item.classList.toggle('open', open !== null);
    item.append(open === 'confirm' ? confirmBar() : this.#toolbar(message, open === 'palette'));
    if (open === 'palette') item.append(reactionPalette(message, me));
  }

  /** @param {ChatMessage} message @param {boolean} paletteOpen */
  #toolbar(message, paletteOpen) {
    const own = message.user.id === this.#chat.user?.id;
    const role = this.#chat.role;
    const bar = el('div', 'toolbar');
    bar.setAttribute('role', 'toolbar');
    bar.setAttribute('aria-label', `Actions on ${message.user.name}’s message`);
    const react = button('react', 'React');
    react.setAttribute('aria-expanded', String(paletteOpen));
    bar.append(react, button('reply', 'Reply'));
    if (own) bar.append(button('edit', 'Edit'));
    if (own || role === 'moderator' || role === 'owner') bar.append(button('delete', 'Delete'));
    this.#keys.prepare(bar, message.id);
    return bar;
  }

  /** @param {MouseEvent} event */
  #onClick(event) {
    const target = event.target instanceof Element ? event.target.closest('button') : null;
    const item = target?.closest('li.message');
    if (!target || !(item instanceof HTMLElement) || !item.dataset.id) return;
    const id = Number(item.dataset.id);
    const message = this.#chat.message(id);
    if (!message) return;
    const action = target.dataset.action;
    if (target.dataset.emoji !== undefined) this.#react(message, target.dataset.emoji);
    else if (action === 'react') this.#toggle({ kind: 'palette', id }, 'emoji:👍', 'react');
    else if (action === 'reply') this.#shut(() => this.#replyBar.start(id));
    else if (action === 'edit') this.#shut(() => this.#editor.start(id));
    else if (action === 'delete') this.#toggle({ kind: 'confirm', id }, 'cancel-delete', 'delete');
    else if (action === 'cancel-delete') this.#close('delete');
    else if (action === 'confirm-delete') this.#delete(id);
  }

  /** Escape closes the palette or the confirmation. @param {KeyboardEvent} event */
  #onKey(event) {
    const target = event.target;
    // The editor's keys (its Escape) are its own.
    if (!(target instanceof HTMLElement) || event.defaultPrevented) return;
    const item = target.closest('li.message');
    if (event.key !== 'Escape' || !this.#open || !(item instanceof HTMLElement)) return;
    if (Number(item.dataset.id) !== this.#open.id) return;
    event.preventDefault();
    this.#close(this.#open.kind === 'palette' ? 'react' : 'delete');
  }

  /**
   * Opens `open` (closing whatever else was), or closes it when it is open already.
   * @param {Open} open
   * @param {string} focusOpen the key of what gets the focus once it is open
   * @param {string} focusClosed the key of what gets it once it is closed
   */
  #toggle(open, focusOpen, focusClosed) {
    if (this.#open?.id === open.id && this.#open.kind === open.kind)
      return this.#close(focusClosed);
    const previous = this.#open;
    this.#open = open;
    if (previous && previous.id !== open.id) this.#redraw(previous.id);
    this.#redraw(open.id);
    this.#focus(open.id, focusOpen);
  }

  /** Closes the palette or the confirmation; the focus goes to the button that opened it. */
  #close(/** @type {string} */ focusKey) {
    const open = this.#open;
    if (!open) return;
    this.#open = null;
    this.#redraw(open.id);
    this.#focus(open.id, focusKey);
  }

  /** Closes whatever is open, without moving the focus, then does `then` (which moves it). */
  #shut(/** @type {() => void} */ then) {
    const open = this.#open;
    this.#open = null;
    if (open) this.#redraw(open.id);
    then();
  }

  #closeIfLeft() {
    const open = this.#open;
    const item = open && ui.log.querySelector(`li.message[data-id="${open.id}"]`);
    if (!open || !item || item.contains(document.activeElement)) return;
    this.#open = null;
    this.#redraw(open.id);
  }

  /** @param {ChatMessage} message @param {string} emoji */
  #react(message, emoji) {
    const on = !hasReacted(message, emoji, this.#chat.user?.id);
    if (this.#open?.kind === 'palette' && this.#open.id === message.id) this.#close('react');
    this.#chat.react(message.id, emoji, on).catch((refusal) => {
      showAlert(`Reaction not ${on ? 'added' : 'taken back'}: ${reasonOf(refusal)}`);
    });
  }

  /** @param {number} id */
  #delete(id) {
    this.#open = null;
    const item = ui.log.querySelector(`li.message[data-id="${id}"]`);
    if (item instanceof HTMLElement) focusItem(item);
    this.#chat.delete(id).then(
      () => this.#redraw(id),
      (refusal) => {
        showAlert(`Not deleted: ${reasonOf(refusal)}`);
        this.#redraw(id);
      },
    );
    this.#redraw(id);
  }

  /** @param {number} id @param {string} key */
  #focus(id, key) {
    const item = ui.log.querySelector(`li.message[data-id="${id}"]`);
    const target = item?.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (target instanceof HTMLElement) target.focus();
    else if (item instanceof HTMLElement) focusItem(item);
  }

  /** A user's name as the page knows it: from who is here, or from a message of theirs held. */
  #nameOf(/** @type {string} */ userId) {
    const member = this.#chat.members.find((user) => user.id === userId);
    if (member) return member.name;
    return this.#chat.messages.findLast((message) => message.user.id === userId)?.user.name ?? null;
  }
}

/** A toolbar button: its action and its focus key in data-, its label as its text. */
function button(/** @type {string} */ action, /** @type {string} */ label) {
  const node = el('button', `action ${action}`, label);
  node.type = 'button';
  node.dataset.action = action;
  node.dataset.key = action;
  return node;
}

/** The toolbar while Delete waits for a yes. */
function confirmBar() {
  const bar = el('div', 'toolbar confirm');
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', 'Delete this message?');
  const question = el('span', 'question', 'Delete this message?');
  const yes = button('confirm-delete', 'Delete');
  const no = button('cancel-delete', 'Cancel');
  bar.append(question, yes, no);
  return bar;
}

/** "edited", with the time of the latest edit in its tooltip. @param {ChatMessage} message */
function edited(message) {
  const mark = el('span', 'edited', 'edited');
  const at = new Date(message.editedAt ?? message.ts);
  mark.title = `Edited ${at.toLocaleString([], { dateStyle: 'full', timeStyle: 'medium' })}`;
  return mark;
}
