// @ts-check
// Editing one's own message in place: a textarea where its text was (Enter saves, Shift+Enter is
// a new line, Escape cancels), opened from the toolbar or by Up-arrow in an empty composer for
// one's last message. The draft and any refusal live here, not in the drawing, so a redraw of the
// message meanwhile (someone reacts) keeps both; a refusal keeps the draft open with the reason.
import { el, ui } from './elements.js';

/** @typedef {import('../chat/client.js').ChatClient} ChatClient */
/** @typedef {import('../chat/frames.js').ChatMessage} ChatMessage */
/** @typedef {{ id: number, draft: string, caret: [number, number], error: string, saving: boolean, returnTo: Element | null }} Editing */

export class Editor {
  #chat;
  #redraw;
  /** @type {Editing | null} */ #editing = null;

  /**
   * @param {ChatClient} chat
   * @param {(id: number) => void} redraw draws message `id` again, as it is held
   */
  constructor(chat, redraw) {
    this.#chat = chat;
    this.#redraw = redraw;
    ui.message.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowUp' || ui.message.value !== '' || event.isComposing) return;
      const last = this.#lastOwn();
      if (!last) return;
      event.preventDefault();
      this.start(last.id);
    });
  }

  /** The id of the message being edited, or null. */
  get editing() {
    return this.#editing?.id ?? null;
  }

  /** Opens message `id` (one's own, not deleted) for editing, its text in the textarea. */
  start(/** @type {number} */ id) {
    const message = this.#chat.message(id);
    if (!message || message.deleted || message.user.id !== this.#chat.user?.id) return;
    const previous = this.#editing;
    const end = message.text.length;
    const returnTo = previous?.returnTo ?? document.activeElement;
    this.#editing = {
      id,
      draft: message.text,
      caret: [end, end],
      error: '',
      saving: false,
      returnTo,
    };
    if (previous && previous.id !== id) this.#redraw(previous.id);
    this.#redraw(id);
    this.#textarea()?.focus();
  }

  /** Closes the editor without saving; the focus goes back where it came from. */
  cancel() {
    const editing = this.#editing;
    if (!editing) return;
    this.#editing = null;
    this.#redraw(editing.id);
    const back = editing.returnTo;
    // The Edit button it came from was drawn again meanwhile: its new drawing.
    const edit = document.querySelector(`#log li.message[data-id="${editing.id}"] .toolbar .edit`);
    if (back instanceof HTMLElement && back.isConnected) back.focus();
    else if (edit instanceof HTMLElement && back?.closest('li.message')) edit.focus();
    else ui.message.focus();
  }

  /**
   * Puts the editor in place of `item`'s text, if `message` is the one being edited.
   * @param {HTMLElement} item
   * @param {ChatMessage} message
   */
  decorate(item, message) {
    const editing = this.#editing;
    if (!editing || editing.id !== message.id) return;
    if (message.deleted) {
      // Deleted meanwhile (in another tab, by a moderator): there is nothing left to edit.
      this.#editing = null;
      return;
    }
    item.classList.add('editing');
    item.querySelector('.text')?.replaceWith(this.#form(editing));
  }

  /** @param {Editing} editing */
  #form(editing) {
    const form = el('form', 'editor');
    const id = `edit-${editing.id}`;
    const label = el('label', 'visually-hidden', 'Edit message');
    label.htmlFor = id;
    const field = el('textarea');
    field.id = id;
    field.dataset.key = 'editor';
    field.rows = 2;
    field.value = editing.draft;
    field.setSelectionRange(...editing.caret);
    field.setAttribute('aria-describedby', `${id}-hint ${id}-error`);
    const hint = el('p', 'hint', 'Enter saves, Shift+Enter starts a new line, Escape cancels.');
    hint.id = `${id}-hint`;
    const error = el('p', 'error', editing.error);
    error.id = `${id}-error`;
    error.setAttribute('role', 'alert');
    field.setAttribute('aria-invalid', String(!!editing.error));
    const save = el('button', 'save', editing.saving ? 'Saving…' : 'Save');
    save.dataset.key = 'save';
    if (editing.saving) save.setAttribute('aria-disabled', 'true');
    const cancel = el('button', 'cancel', 'Cancel');
    cancel.type = 'button';
    cancel.dataset.key = 'cancel';
    const buttons = el('div', 'editor-buttons');
    buttons.append(save, cancel);
    form.append(label, field, hint, error, buttons);

    const keep = () => {
      editing.draft = field.value;
      editing.caret = [field.selectionStart, field.selectionEnd];
    };
    for (const type of ['input', 'keyup', 'pointerup']) field.addEventListener(type, keep);
    field.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        this.cancel();
      } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        keep();
        this.#save(editing);
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      keep();
      this.#save(editing);
    });
    cancel.addEventListener('click', () => this.cancel());
    return form;
  }

  /** @param {Editing} editing */
  #save(editing) {
    if (editing.saving) return;
    const held = this.#chat.message(editing.id);
    if (held && held.text === editing.draft.trim()) return this.cancel();
    editing.saving = true;
    editing.error = '';
    this.#redraw(editing.id);
    this.#chat.edit(editing.id, editing.draft).then(
      () => {
        if (this.#editing === editing) this.cancel();
      },
      (/** @type {unknown} */ refusal) => {
        editing.saving = false;
        editing.error = `Not saved: ${reasonOf(refusal)}`;
        if (this.#editing === editing) this.#redraw(editing.id);
      },
    );
  }

  #textarea() {
    const field = this.#editing && document.getElementById(`edit-${this.#editing.id}`);
    return field instanceof HTMLTextAreaElement ? field : null;
  }

  /** One's newest message that can still be edited. */
  #lastOwn() {
    const me = this.#chat.user?.id;
    return this.#chat.messages.findLast((message) => message.user.id === me && !message.deleted);
  }
}

/** @param {unknown} refusal an error frame, or an Error */
export function reasonOf(refusal) {
  if (refusal && typeof refusal === 'object' && 'message' in refusal)
    return String(refusal.message);
  return String(refusal);
}
