// @ts-check
// "Create a private link room" on the picker: a guest token under the given name (the stored
// refresh token keeps the same person), then POST /api/rooms with it, which makes this user the
// new room's owner; then the room opens, already joined. Its name is 26 random characters: only
// people given the link find it.
import { GuestSession } from '../chat/guest.js';
import { el, showFieldError, ui } from './elements.js';
import { checkName, tokenProblem } from './join.js';
import { load, local, save, session } from './storage.js';

/** Adds the form to the picker view. */
export function showCreateRoom() {
  const section = el('section', 'create-room');
  section.setAttribute('aria-labelledby', 'create-heading');
  const heading = el('h2', '', 'Or start a private link room');
  heading.id = 'create-heading';
  const about = el(
    'p',
    '',
    'A new room with a random name that only people you give the link to can find. You own it: ' +
      'you can mute and ban people there and appoint moderators.',
  );
  const form = el('form');
  form.id = 'create-form';
  form.noValidate = true;
  const label = el('label', '', 'Your name');
  label.htmlFor = 'create-name';
  const name = el('input');
  name.id = 'create-name';
  name.type = 'text';
  name.setAttribute('autocomplete', 'nickname');
  name.required = true;
  name.value = load('edgechat:name') ?? '';
  name.setAttribute('aria-describedby', 'create-error');
  const button = el('button', '', 'Create a private link room');
  button.id = 'create-room';
  button.type = 'submit';
  const row = el('div', 'field-row');
  row.append(name, button);
  const error = el('p', 'error');
  error.id = 'create-error';
  error.setAttribute('aria-live', 'polite');
  form.append(label, row, error);
  section.append(heading, about, form);
  ui.picker.append(section);

  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    const checked = checkName(name.value);
    if (!checked.ok) return showFieldError(name, error, checked.error);
    busy = true;
    button.disabled = true;
    try {
      const room = await createRoom(checked.name);
      save('edgechat:name', checked.name);
      // The room page then enters by itself, as for a reload of a joined tab.
      save(`edgechat:joined:${room}`, '1', session);
      location.assign(`/room/${room}`);
    } catch (problem) {
      showFieldError(name, error, problem instanceof Error ? problem.message : String(problem));
    } finally {
      busy = false;
      button.disabled = false;
    }
  });
}

/** Makes the room; resolves with its name, or rejects with what to tell the person. */
async function createRoom(/** @type {string} */ name) {
  const guest = new GuestSession({ url: location.origin, name, storage: local });
  /** @type {string} */ let token;
  try {
    token = (await guest.signIn(name)).token;
  } catch (problem) {
    throw new Error(tokenProblem(problem));
  }
  /** @type {Response} */ let response;
  try {
    response = await fetch('/api/rooms', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
  } catch {
    throw new Error('Could not reach the server. Check your connection.');
  }
  /** @type {unknown} */ const body = await response.json().catch(() => null);
  const field = (/** @type {string} */ key) =>
    typeof body === 'object' && body !== null && key in body
      ? /** @type {Record<string, unknown>} */ (body)[key]
      : undefined;
  if (response.status === 429) throw new Error('You made many rooms just now; try in a minute.');
  if (!response.ok) {
    const reason = field('error');
    throw new Error(
      `The server refused: ${typeof reason === 'string' ? reason : `HTTP ${response.status}`}`,
    );
  }
  const room = field('room');
  if (typeof room !== 'string' || !/^[a-z2-7]{26}$/.test(room))
    throw new Error('The server sent an unexpected answer.');
  return room;
}
