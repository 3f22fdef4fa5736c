// @ts-check
// The page's elements: the ones index.html has, looked up once by id (a missing one is a bug in
// index.html and fails at once), and a maker for new ones. Text only ever goes in as text.

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T }} type
 * @returns {T}
 */
function byId(id, type) {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`index.html lacks #${id}`);
  return found;
}

/**
 * A new element, with a class and text when given (as text, never as HTML).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className = '', text = '') {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/**
 * Text someone chose (a name, a message) in its own bidi-isolated element: whatever direction it
 * runs in, it cannot reorder the words around it.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} className
 * @param {string} text
 */
export function isolated(tag, className, text = '') {
  const node = el(tag, className, text);
  node.dir = 'auto';
  return node;
}

export const ui = {
  picker: byId('picker-view', HTMLElement),
  roomForm: byId('room-form', HTMLFormElement),
  roomName: byId('room-name', HTMLInputElement),
  roomError: byId('room-error', HTMLElement),
  joinView: byId('join-view', HTMLElement),
  shareLink: byId('share-link', HTMLInputElement),
  copyLink: byId('copy-link', HTMLButtonElement),
  copyStatus: byId('copy-status', HTMLElement),
  joinForm: byId('join-form', HTMLFormElement),
  name: byId('name', HTMLInputElement),
  nameError: byId('name-error', HTMLElement),
  chatView: byId('chat-view', HTMLElement),
  membersPanel: byId('members-panel', HTMLDetailsElement),
  members: byId('members', HTMLUListElement),
  memberCount: byId('member-count', HTMLElement),
  log: byId('log', HTMLElement),
  loadOlder: byId('load-older', HTMLButtonElement),
  empty: byId('empty', HTMLElement),
  history: byId('history', HTMLOListElement),
  live: byId('live', HTMLOListElement),
  outbox: byId('outbox', HTMLOListElement),
  newMessages: byId('new-messages', HTMLButtonElement),
  typing: byId('typing', HTMLElement),
  composer: byId('composer', HTMLFormElement),
  message: byId('message', HTMLTextAreaElement),
  send: byId('send', HTMLButtonElement),
  counter: byId('counter', HTMLElement),
  status: byId('status', HTMLElement),
  alert: byId('alert', HTMLElement),
  notify: byId('notify', HTMLButtonElement),
  searchForm: byId('search-form', HTMLFormElement),
  search: byId('search', HTMLInputElement),
  searchPanel: byId('search-panel', HTMLElement),
  searchClose: byId('search-close', HTMLButtonElement),
  searchStatus: byId('search-status', HTMLElement),
  searchResults: byId('search-results', HTMLOListElement),
  searchMore: byId('search-more', HTMLButtonElement),
};

/** Shows `message` under a form field (or clears it), and moves the focus there when it is one. */
export function showFieldError(
  /** @type {HTMLInputElement} */ input,
  /** @type {HTMLElement} */ output,
  message = '',
) {
  output.textContent = message;
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
  if (message) input.focus();
}
