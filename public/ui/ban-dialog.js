// @ts-check
// The confirmation a ban asks for: a modal dialog naming the person, with how long the ban lasts
// and an optional reason (which the banned person is shown). Resolves with the ban's options, or
// null when cancelled.
import { codePointLength } from '../chat/rules.js';
import { el, isolated, showFieldError } from './elements.js';

/** Within the room's limit of a year (MAX_BAN_SECONDS). */
const LENGTHS = /** @type {const} */ ([
  ['1 hour', 3600],
  ['1 day', 86_400],
  ['1 week', 604_800],
  ['30 days', 2_592_000],
  ['Permanently', 0],
]);
const MAX_REASON_LENGTH = 200;

/**
 * @param {string} name who is to be banned
 * @param {boolean} purge whether their messages are deleted too
 * @param {string} room
 * @returns {Promise<{ seconds?: number, reason?: string } | null>}
 */
export function confirmBan(name, purge, room) {
  const dialog = el('dialog', 'ban-dialog');
  dialog.setAttribute('aria-labelledby', 'ban-heading');
  const form = el('form');
  form.method = 'dialog';
  const heading = el('h2', '', purge ? 'Ban and delete messages of ' : 'Ban ');
  heading.id = 'ban-heading';
  heading.append(isolated('span', 'name', name), '?');
  const what = el(
    'p',
    'hint',
    `They are disconnected from #${room} and can’t come back until the ban ends.` +
      (purge ? ' Every message of theirs is deleted, for everyone.' : ''),
  );

  const length = el('select');
  length.id = 'ban-length';
  for (const [label, seconds] of LENGTHS) {
    const option = el('option', '', label);
    option.value = String(seconds);
    length.append(option);
  }
  length.value = '86400';
  const lengthLabel = el('label', '', 'For how long');
  lengthLabel.htmlFor = length.id;

  const reason = el('input');
  reason.id = 'ban-reason';
  reason.type = 'text';
  reason.autocomplete = 'off';
  reason.setAttribute('aria-describedby', 'ban-reason-hint ban-reason-error');
  const reasonLabel = el('label', '', 'Reason (optional)');
  reasonLabel.htmlFor = reason.id;
  const reasonHint = el('p', 'hint', `Shown to them. At most ${MAX_REASON_LENGTH} characters.`);
  reasonHint.id = 'ban-reason-hint';
  const reasonError = el('p', 'error');
  reasonError.id = 'ban-reason-error';
  reasonError.setAttribute('aria-live', 'polite');

  const cancel = el('button', 'secondary', 'Cancel');
  cancel.type = 'button';
  cancel.value = 'cancel';
  const confirm = el('button', 'danger', purge ? 'Ban and delete messages' : 'Ban');
  confirm.type = 'submit';
  confirm.id = 'ban-confirm';
  const buttons = el('p', 'dialog-buttons');
  buttons.append(cancel, confirm);
  form.append(heading, what, lengthLabel, length, reasonLabel, reasonHint, reason, reasonError);
  form.append(buttons);
  dialog.append(form);
  document.body.append(dialog);

  return new Promise((resolve) => {
    /** @type {{ seconds?: number, reason?: string } | null} */ let answer = null;
    cancel.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', (event) => {
      const text = reason.value.trim();
      if (codePointLength(text) > MAX_REASON_LENGTH) {
        event.preventDefault();
        showFieldError(reason, reasonError, `Use at most ${MAX_REASON_LENGTH} characters.`);
        return;
      }
      const seconds = Number(length.value);
      answer = { ...(seconds > 0 && { seconds }), ...(text && { reason: text }) };
    });
    // Escape, Cancel and the submit all end here.
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    dialog.showModal();
    length.focus();
  });
}
