// @ts-check
// The join view at "/room/<name>": the room's link to share, and the name to join under. Joining
// asks the server for a guest token under that name (the stored refresh token keeps the same
// person); a tab that already joined this room rejoins by itself on a reload.
import { GuestTokenError } from '../chat/guest.js';
import { codePointLength, MAX_NAME_LENGTH, parseDisplayName } from '../chat/rules.js';
import { showFieldError, ui } from './elements.js';
import { load, save, session } from './storage.js';

/** @typedef {import('../chat/guest.js').GuestSession} GuestSession */

/**
 * Shows the join view for `room`, or calls `enter` at once for a tab that joined it before.
 * @param {string} room
 * @param {GuestSession} guest
 * @param {() => void} enter switches to the chat view
 */
export function showJoin(room, guest, enter) {
  ui.shareLink.value = `${location.origin}/room/${room}`;
  ui.name.value = load('edgechat:name') ?? '';
  ui.copyLink.addEventListener('click', () => void copyLink());
  let joining = false;
  ui.joinForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (joining) return;
    const name = checkName(ui.name.value);
    if (!name.ok) return showFieldError(ui.name, ui.nameError, name.error);
    joining = true;
    ui.name.setAttribute('aria-busy', 'true');
    try {
      await guest.signIn(name.name);
    } catch (error) {
      return showFieldError(ui.name, ui.nameError, tokenProblem(error));
    } finally {
      joining = false;
      ui.name.removeAttribute('aria-busy');
    }
    showFieldError(ui.name, ui.nameError);
    save('edgechat:name', name.name);
    save(`edgechat:joined:${room}`, '1', session);
    enter();
  });
  if (load(`edgechat:joined:${room}`, session) && ui.name.value) enter();
  else ui.joinView.hidden = false;
}

/** What went wrong getting a token, in words for the person joining. @param {unknown} error */
export function tokenProblem(error) {
  if (!(error instanceof GuestTokenError) || (error.status >= 200 && error.status < 300))
    return 'The server sent an unexpected answer.';
  if (error.status === 0) return 'Could not reach the server. Check your connection.';
  return `The server refused: ${error.reason ?? `HTTP ${error.status}`}`;
}

/**
 * The room's own name rules (rules.js), checked here so most mistakes are caught without a
 * round trip, with what to do about each.
 * @param {string} raw
 * @returns {{ ok: true, name: string } | { ok: false, error: string }}
 */
export function checkName(raw) {
  const result = parseDisplayName(raw);
  if (result.ok) return result;
  switch (result.reason) {
    case 'type':
    case 'malformed':
      return { ok: false, error: 'The name contains broken characters.' };
    case 'empty':
      return { ok: false, error: 'Please enter a name.' };
    case 'too_long': {
      const length = codePointLength(raw.normalize('NFC').trim());
      return { ok: false, error: `Use at most ${MAX_NAME_LENGTH} characters (this is ${length}).` };
    }
    case 'forbidden':
      return { ok: false, error: 'The name contains control or invisible characters.' };
  }
}

async function copyLink() {
  try {
    // navigator.clipboard is missing outside secure contexts, which lands in the catch too.
    await navigator.clipboard.writeText(ui.shareLink.value);
    ui.copyStatus.textContent = 'Link copied.';
  } catch {
    ui.shareLink.focus();
    ui.shareLink.select();
    ui.copyStatus.textContent =
      'Could not copy automatically: the link is selected, press Ctrl+C (⌘C on a Mac).';
  }
}
