// @ts-check
// The chat's header row (index.html's .chat-header): the room's heading with the room's tools
// beside it (the search field, mention notifications, the owner's "Copy link", the moderators'
// "Room settings"), one grid row of the chat (heading, log, typing line, composer).
import { el, ui } from './elements.js';

/** @typedef {import('../chat/client.js').ChatClient} ChatClient */

/** @type {{ header: HTMLElement, tools: HTMLElement } | null} */ let made = null;

/** The header row and its tools container. */
export function roomHeader() {
  if (made) return made;
  const header = ui.chatView.querySelector('.chat-header');
  const tools = header?.querySelector('.room-tools');
  if (!(header instanceof HTMLElement && tools instanceof HTMLElement))
    throw new Error('index.html lacks the .chat-header with its .room-tools');
  made = { header, tools };
  return made;
}

/**
 * The owner's "Copy link" for a created room: the link on the clipboard, or, where the Clipboard
 * API is missing or refused, in a selected text field to copy by hand.
 * @param {ChatClient} chat
 */
export function showCopyLink(chat) {
  const { header, tools } = roomHeader();
  const button = el('button', 'tool', 'Copy link');
  button.id = 'copy-room-link';
  button.type = 'button';
  button.hidden = true;
  const status = el('p', 'tool-status');
  status.id = 'copy-room-status';
  status.setAttribute('aria-live', 'polite');
  const field = el('input');
  field.id = 'room-link-field';
  field.readOnly = true;
  field.value = `${location.origin}/room/${chat.room}`;
  field.setAttribute('aria-label', 'Link to this room');
  field.setAttribute('aria-describedby', status.id);
  const fallback = el('div', 'link-fallback');
  fallback.hidden = true;
  fallback.append(field);
  tools.prepend(button);
  header.append(status, fallback);

  button.addEventListener('click', async () => {
    try {
      // navigator.clipboard is missing outside secure contexts, which lands in the catch too.
      await navigator.clipboard.writeText(field.value);
      fallback.hidden = true;
      status.textContent = 'Link copied. Anyone with it can join.';
    } catch {
      fallback.hidden = false;
      field.focus();
      field.select();
      status.textContent = 'Could not copy automatically: the link is selected, press Ctrl+C (⌘C).';
    }
  });
  const update = () => (button.hidden = chat.role !== 'owner');
  chat.addEventListener('role', update);
  update();
}
