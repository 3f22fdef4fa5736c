// @ts-check
// The edge chat browser client: the room picker at "/", the join and chat views at "/room/<name>".
// It trusts nothing it receives: frames are narrowed from `unknown` in parseServerFrame, and every
// user-provided string reaches the page through textContent or DOM methods, never as HTML.

/*
 * Stable hooks for tests:
 *   picker  #room-form, #room-name, #room-error
 *   join    #join-form, #name, #join, #name-error, #share-link, #copy-link, #copy-status
 *   chat    #chat-view, #log (role=log, the scroll container), #load-older, #new-messages, #empty,
 *           #message, #send (text "Send", or "Queue" while not connected), #counter, #typing,
 *           #status (data-state: connecting | connected | reconnecting | offline), #alert,
 *           #members (one li[data-user-id] per user), #member-count
 *   items   .message[data-id][data-user-id], .message.own, .message.continued,
 *           .message.pending[data-client-id], .message.failed (buttons .retry, .discard),
 *           .notice (join, leave, pruned), .day (day separators)
 * Storage: localStorage edgechat:name, edgechat:refresh, edgechat:user, edgechat:outbox:<room>;
 *          sessionStorage edgechat:joined:<room> (a reload of a joined tab rejoins by itself).
 */

/** @typedef {import('../src/protocol.ts').ServerFrame} ServerFrame */
/** @typedef {import('../src/protocol.ts').ClientFrame} ClientFrame */
/** @typedef {import('../src/protocol.ts').ChatMessage} ChatMessage */
/** @typedef {import('../src/protocol.ts').User} User */
/** @typedef {import('../src/protocol.ts').ErrorFrame} ErrorFrame */
/** @typedef {Extract<ServerFrame, { type: 'welcome' }>} WelcomeFrame */
/** @typedef {Extract<ServerFrame, { type: 'history' }>} HistoryFrame */
/** @typedef {Extract<ServerFrame, { type: 'join' | 'leave' }>} PresenceChange */
/** @typedef {Extract<ClientFrame, { type: 'history' }>} HistoryRequest */
/** A message typed here and not yet acknowledged; `error` once the server refused it for good. */
/** @typedef {{ clientId: string, text: string, ts: number, error?: string }} OutboxItem */
/** @typedef {{ ok: true, value: string } | { ok: false, error: string }} Checked */

// Copied from src/protocol.ts for UX only: the server is the authority. Each JSDoc type is the
// protocol constant's literal type, so the typecheck fails if a copy drifts from the original.
/** @type {typeof import('../src/protocol.ts').MAX_TEXT_LENGTH} */
const MAX_TEXT_LENGTH = 2000;
/** @type {typeof import('../src/protocol.ts').MAX_NAME_LENGTH} */
const MAX_NAME_LENGTH = 32;
/** @type {typeof import('../src/protocol.ts').MAX_PAGE} */
const MAX_PAGE = 100;
/** @type {typeof import('../src/protocol.ts').HEARTBEAT_INTERVAL_MS} */
const HEARTBEAT_INTERVAL_MS = 30_000;
/** @type {typeof import('../src/protocol.ts').PING_FRAME} */
const PING_FRAME = '{"type":"ping"}';
/** @type {typeof import('../src/protocol.ts').CLOSE_POLICY} */
const CLOSE_POLICY = 1008;
/** @type {ReadonlyArray<ErrorFrame['code']>} */
const ERROR_CODES = ['bad_json', 'bad_frame', 'too_long', 'empty', 'rate_limited'];
const ROOM_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
const NAME_FORBIDDEN =
  /[\u0000-\u001F\u007F-\u009F\u061C\u200B\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/;
// JavaScript's \s minus U+FEFF, which names refuse rather than trim away.
const NAME_SPACE_RUN = /[^\S\uFEFF]+/g;
const NAME_EDGE_SPACE = /^[^\S\uFEFF]+|[^\S\uFEFF]+$/g;

const OLDER_PAGE = 50;
const PONG_TIMEOUT_MS = 10_000;
const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_CAP_MS = 30_000;
const STABLE_AFTER_MS = 10_000;
const TYPING_SEND_EVERY_MS = 2_500;
const TYPING_SHOWN_FOR_MS = 4_000;
const GROUP_WINDOW_MS = 5 * 60_000;
const NEAR_BOTTOM_PX = 80;
const NEAR_TOP_PX = 40;
const COUNTER_FROM = MAX_TEXT_LENGTH - 200;
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"]+/gi;
const URL_TRAILING_PUNCTUATION = /[.,;:!?'")\]}]$/;
/** @type {Record<string, string>} */
const URL_OPENERS = { ')': '(', ']': '[', '}': '{' };

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

const ui = {
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
};

// ---- Room state. One page shows one room, so plain module variables are enough. ----
let room = '';
/** @type {User | null} */ let me = null;
let joined = false;
/** @type {WebSocket | null} */ let socket = null;
let connectAttempt = 0;
let connecting = false;
/** Set once `welcome` arrived on the current socket; only then are messages sent. */
let connected = false;
let failures = 0;
/** @type {number | undefined} */ let reconnectTimer;
/** @type {number | undefined} */ let heartbeatTimer;
/** @type {number | undefined} */ let pongTimer;
/** @type {number | undefined} */ let stableTimer;
/** @type {number | undefined} */ let alertTimer;
/** The highest shown id at connect time: the socket's `after`, or null for a fresh join. */
/** @type {number | null} */ let resumeFrom = null;
/** @type {Set<number>} */ const shownIds = new Set();
/** @type {number | null} */ let lowestId = null;
/** @type {number | null} */ let highestId = null;
let hasOlder = false;
/** @type {HistoryRequest | null} */ let pendingHistory = null;
// While catching up after a reconnect, live messages wait here: showing them before the pages
// in between would open a visible gap, and `after=<highest shown>` would then skip it for good.
let catchingUp = false;
/** @type {ChatMessage[]} */ let heldBack = [];
/** @type {string | null} */ let inFlight = null;
/** @type {number | undefined} */ let outboxRetryTimer;
/** @type {Map<string, User>} */ const members = new Map();
let memberCount = 0;
/** @type {Map<string, { name: string, timer: number }>} */ const typists = new Map();
let lastTypingSent = 0;
let unread = 0;
/** Whether the log was scrolled to its end when last scrolled. */
let wasAtBottom = true;

// ---- Small helpers ----

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** @param {string} key */
function load(key, store = localStorage) {
  try {
    return store.getItem(key);
  } catch {
    return null; // storage disabled: the app still works for this page's lifetime
  }
}

/** @param {string} key @param {string | null} value */
function save(key, value, store = localStorage) {
  try {
    if (value === null) store.removeItem(key);
    else store.setItem(key, value);
  } catch {
    // Quota exceeded or storage disabled; nothing to do but carry on in memory.
  }
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, className = '', text = '') {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** Length in Unicode code points, which is how the contract counts characters. */
function codePoints(/** @type {string} */ text) {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** 32 hex digits; getRandomValues also works outside secure contexts, unlike randomUUID. */
function newClientId() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
}

/** Mirrors the server's display-name rules so most mistakes are caught before a round trip. */
/** @returns {Checked} */
function checkName(/** @type {string} */ raw) {
  /** @type {(error: string) => Checked} */
  const refuse = (error) => ({ ok: false, error });
  if (!raw.isWellFormed()) return refuse('The name contains broken characters.');
  const name = raw.normalize('NFC').replace(NAME_SPACE_RUN, ' ').replace(NAME_EDGE_SPACE, '');
  const length = codePoints(name);
  if (length === 0) return refuse('Please enter a name.');
  if (length > MAX_NAME_LENGTH)
    return refuse(`Use at most ${MAX_NAME_LENGTH} characters (this is ${length}).`);
  if (NAME_FORBIDDEN.test(name))
    return refuse('The name contains control or invisible characters.');
  return { ok: true, value: name };
}

/** @param {HTMLInputElement} input @param {HTMLElement} output */
function showFieldError(input, output, message = '') {
  output.textContent = message;
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
  if (message) input.focus();
}

// ---- Incoming frames: the one place where server data becomes typed ----

/** @param {unknown} value @returns {value is User} */
function isUser(value) {
  return isRecord(value) && typeof value.id === 'string' && typeof value.name === 'string';
}

/** @param {unknown} value @returns {value is ChatMessage} */
function isChatMessage(value) {
  return (
    isRecord(value) &&
    value.type === 'message' &&
    Number.isSafeInteger(value.id) &&
    isUser(value.user) &&
    typeof value.text === 'string' &&
    typeof value.ts === 'number' &&
    (value.clientId === undefined || typeof value.clientId === 'string')
  );
}

/** @param {unknown} value @returns {value is ErrorFrame['code']} */
function isErrorCode(value) {
  return ERROR_CODES.some((code) => code === value);
}

/** @param {unknown} value @returns {value is ChatMessage[]} */
function isMessageList(value) {
  return Array.isArray(value) && value.every(isChatMessage);
}

/** A typed frame, or null for anything malformed (logged, then ignored). */
function parseServerFrame(/** @type {string} */ raw) {
  /** @type {unknown} */ let data;
  try {
    data = JSON.parse(raw);
  } catch {
    data = null;
  }
  const frame = isRecord(data) ? narrowFrame(data) : null;
  if (!frame) console.warn('edge chat: ignoring an unexpected frame', raw.slice(0, 200));
  return frame;
}

/** @param {Record<string, unknown>} d @returns {ServerFrame | null} */
function narrowFrame(d) {
  switch (d.type) {
    case 'welcome':
      if (
        !isUser(d.user) ||
        !Array.isArray(d.members) ||
        !d.members.every(isUser) ||
        !isMessageList(d.messages)
      )
        return null;
      return {
        type: 'welcome',
        user: d.user,
        room: String(d.room),
        members: d.members,
        memberCount: Number(d.memberCount) || 0,
        messages: d.messages,
        hasMore: d.hasMore === true,
        ...(d.pruned === true ? { pruned: true } : {}),
        seq: Number(d.seq) || 0,
      };
    case 'message':
      return isChatMessage(d) ? d : null;
    case 'history':
      return isMessageList(d.messages)
        ? { type: 'history', messages: d.messages, hasMore: d.hasMore === true }
        : null;
    case 'join':
    case 'leave':
      return isUser(d.user)
        ? { type: d.type, user: d.user, ts: typeof d.ts === 'number' ? d.ts : Date.now() }
        : null;
    case 'presence':
      return typeof d.count === 'number' ? { type: 'presence', count: d.count } : null;
    case 'typing':
      return isUser(d.user) ? { type: 'typing', user: d.user } : null;
    case 'error':
      if (!isErrorCode(d.code)) return null;
      return {
        type: 'error',
        code: d.code,
        message: String(d.message ?? ''),
        ...(typeof d.clientId === 'string' ? { clientId: d.clientId } : {}),
        ...(typeof d.retryAfterMs === 'number' ? { retryAfterMs: d.retryAfterMs } : {}),
      };
    case 'pong':
      return { type: 'pong' };
    default:
      return null;
  }
}

// ---- Views and routing ----

/** The picker at "/": checks the name locally, then opens the canonical lower-case room URL. */
function showPicker(error = '') {
  ui.picker.hidden = false;
  showFieldError(ui.roomName, ui.roomError, error);
  ui.roomForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = ui.roomName.value.trim();
    if (ROOM_NAME.test(name)) location.assign(`/room/${name.toLowerCase()}`);
    else
      showFieldError(
        ui.roomName,
        ui.roomError,
        'Use 1–64 letters, digits, “-” or “_”, starting with a letter or digit.',
      );
  });
}

/** The join view at "/room/<name>"; a tab that already joined this room rejoins by itself. */
function showRoom(/** @type {string} */ name) {
  room = name;
  updateTitle();
  for (const label of document.querySelectorAll('.room-label')) label.textContent = `#${room}`;
  ui.shareLink.value = `${location.origin}/room/${room}`;
  ui.name.value = load('edgechat:name') ?? '';
  bindRoomEvents();
  if (load(`edgechat:joined:${room}`, sessionStorage) && ui.name.value) enterChat(null);
  else ui.joinView.hidden = false;
}

function bindRoomEvents() {
  ui.copyLink.addEventListener('click', () => void copyLink());
  ui.joinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void join();
  });
  ui.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    submitMessage();
  });
  ui.message.addEventListener('keydown', (event) => {
    // isComposing: Enter also confirms an IME candidate, which must not send.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    submitMessage();
  });
  ui.message.addEventListener('input', () => {
    updateComposer();
    sendTyping();
  });
  ui.loadOlder.addEventListener('click', loadOlder);
  ui.newMessages.addEventListener('click', () => {
    scrollToBottom();
    ui.log.focus();
  });
  ui.log.addEventListener('scroll', onLogScroll, { passive: true });
  // The log shrinks when the member list opens or a phone's keyboard comes up; a scroll
  // position doesn't change by itself then, so one that was at the newest message is kept there.
  new ResizeObserver(() => {
    if (wasAtBottom) ui.log.scrollTop = ui.log.scrollHeight;
  }).observe(ui.log);
  ui.outbox.addEventListener('click', onOutboxClick);
  window.addEventListener('online', retryNow);
  window.addEventListener('offline', () => {
    if (!joined) return;
    if (socket) dropSocket();
    else setStatus('offline', 'Offline');
  });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) return;
    unread = 0;
    updateTitle();
    refreshDayLabels();
    retryNow();
  });
  // Another tab of this room changed the shared outbox.
  window.addEventListener('storage', (event) => {
    if (joined && event.key === outboxKey()) syncOutboxView();
  });
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

let joining = false;

async function join() {
  if (joining) return;
  const name = checkName(ui.name.value);
  if (!name.ok) return showFieldError(ui.name, ui.nameError, name.error);
  joining = true;
  ui.name.setAttribute('aria-busy', 'true');
  const result = await fetchToken(name.value);
  joining = false;
  ui.name.removeAttribute('aria-busy');
  if (!result.ok) return showFieldError(ui.name, ui.nameError, result.error);
  showFieldError(ui.name, ui.nameError);
  save('edgechat:name', name.value);
  save(`edgechat:joined:${room}`, '1', sessionStorage);
  enterChat(result.token);
}

/** Switches to the chat view and connects, with a token just fetched or (on rejoin) a new one. */
function enterChat(/** @type {string | null} */ token) {
  joined = true;
  ui.joinView.hidden = true;
  ui.chatView.hidden = false;
  // The member list is a sidebar on wide screens and a collapsed disclosure on phones.
  ui.membersPanel.open = matchMedia('(min-width: 48rem)').matches;
  syncOutboxView();
  updateComposer();
  ui.message.focus();
  void connect(token);
}

// ---- Connection ----

/** @typedef {{ ok: true, token: string, user: User } | { ok: false, error: string }} TokenResult */

/**
 * Asks for a token; the refresh token in storage keeps the same user id. It is sent only in this
 * header, never in a URL (access tokens travel in socket URLs, so they are worth little).
 * @returns {Promise<TokenResult>}
 */
async function fetchToken(/** @type {string} */ name) {
  /** @type {Record<string, string>} */
  const headers = { 'Content-Type': 'application/json' };
  const refresh = load('edgechat:refresh');
  if (refresh) headers.Authorization = `Bearer ${refresh}`;
  /** @type {Response} */ let response;
  try {
    response = await fetch('/api/token', {
      method: 'POST',
      headers,
      body: JSON.stringify({ name }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    return { ok: false, error: 'Could not reach the server. Check your connection.' };
  }
  /** @type {unknown} */ const body = await response.json().catch(() => null);
  if (!response.ok) {
    const reason =
      isRecord(body) && typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
    return { ok: false, error: `The server refused: ${reason}` };
  }
  if (!isRecord(body) || typeof body.token !== 'string' || !isUser(body.user)) {
    return { ok: false, error: 'The server sent an unexpected answer.' };
  }
  if (typeof body.refreshToken === 'string') save('edgechat:refresh', body.refreshToken);
  save('edgechat:user', JSON.stringify(body.user));
  return { ok: true, token: body.token, user: body.user };
}

/** Opens a socket. Every failure on the way ends in scheduleReconnect. */
async function connect(/** @type {string | null} */ freshToken) {
  clearTimeout(reconnectTimer);
  reconnectTimer = undefined;
  const attempt = ++connectAttempt;
  connecting = true;
  setStatus('connecting', 'Connecting…');
  let token = freshToken;
  if (!token) {
    const result = await fetchToken(load('edgechat:name') ?? ui.name.value);
    if (attempt !== connectAttempt) return;
    if (!result.ok) {
      connecting = false;
      showAlert(result.error);
      return scheduleReconnect();
    }
    token = result.token;
  }
  const params = new URLSearchParams({ token });
  resumeFrom = highestId;
  if (resumeFrom !== null) params.set('after', String(resumeFrom));
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/api/rooms/${room}/ws?${params}`);
  socket = ws;
  connecting = false;
  ws.addEventListener('message', (event) => {
    if (ws === socket && typeof event.data === 'string') handleFrame(event.data);
  });
  // A refusal before the upgrade (401, 403) reaches a browser only as a close with code 1006,
  // so every close is treated alike: retry with backoff and a fresh token. The server limits
  // refreshes per user, not per address, so a whole office reconnecting at once is not refused.
  ws.addEventListener('close', (event) => {
    if (ws !== socket) return;
    teardownSocket();
    if (event.code === CLOSE_POLICY)
      showAlert(`Disconnected by the server: ${event.reason || 'policy violation'}`, 0);
    scheduleReconnect();
  });
}

/** Forgets the current socket and everything that only made sense while it was open. */
function teardownSocket() {
  socket = null;
  clearInterval(heartbeatTimer);
  clearTimeout(pongTimer);
  clearTimeout(stableTimer);
  clearTimeout(outboxRetryTimer);
  pongTimer = outboxRetryTimer = undefined;
  inFlight = null;
  pendingHistory = null;
  catchingUp = false;
  // Held-back messages come again: the next socket resumes after the highest id actually shown.
  heldBack = [];
  for (const typist of typists.values()) clearTimeout(typist.timer);
  typists.clear();
  renderTyping();
  connected = false;
  updateOlderButton();
}

/** Abandons a socket that stopped answering; its close event is ignored once it comes. */
function dropSocket() {
  const ws = socket;
  teardownSocket();
  ws?.close(4000, 'no heartbeat');
  scheduleReconnect();
}

/** Waits 1 s doubling to 30 s, with jitter so clients that lost the same room spread out. */
function scheduleReconnect() {
  if (reconnectTimer !== undefined) return;
  const cap = Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** Math.min(failures, 10));
  failures++;
  const delay = cap / 2 + (Math.random() * cap) / 2;
  reconnectTimer = setTimeout(() => void connect(null), delay);
  // Not a countdown: an aria-live line that changes every second would be read out every second.
  if (navigator.onLine) setStatus('reconnecting', `Reconnecting in ${Math.ceil(delay / 1000)} s…`);
  else setStatus('offline', 'Offline. Messages you write are sent once you are back.');
}

/** Skips the wait when the network or the tab comes back. */
function retryNow() {
  if (!joined || socket || connecting) return;
  void connect(null);
}

/** @param {'connecting' | 'connected' | 'reconnecting' | 'offline'} state @param {string} text */
function setStatus(state, text) {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
  updateComposer();
  refreshPendingLabels();
}

/** A brief note in the status area; `ms` 0 keeps it until the next successful connection. */
function showAlert(/** @type {string} */ text, ms = 6_000) {
  clearTimeout(alertTimer);
  ui.alert.textContent = text;
  ui.alert.dataset.sticky = ms ? '' : 'true';
  if (ms) alertTimer = setTimeout(() => (ui.alert.textContent = ''), ms);
}

/** @param {ClientFrame} frame */
function send(frame) {
  if (socket?.readyState !== WebSocket.OPEN) return false;
  socket.send(JSON.stringify(frame));
  return true;
}

// The room's auto-response answers exactly PING_FRAME without waking a hibernated room.
function sendPing() {
  if (socket?.readyState !== WebSocket.OPEN) return;
  socket.send(PING_FRAME);
  pongTimer ??= setTimeout(dropSocket, PONG_TIMEOUT_MS);
}

function handleFrame(/** @type {string} */ raw) {
  const frame = parseServerFrame(raw);
  if (!frame) return;
  switch (frame.type) {
    case 'welcome':
      return onWelcome(frame);
    case 'message':
      if (catchingUp) heldBack.push(frame);
      else appendMessages([frame], true);
      return clearTyping(frame.user.id);
    case 'history':
      return onHistory(frame);
    case 'join':
    case 'leave':
      return onPresenceChange(frame);
    case 'presence':
      memberCount = frame.count;
      return renderMembers();
    case 'typing':
      return onTyping(frame.user);
    case 'error':
      return onError(frame);
    case 'pong':
      clearTimeout(pongTimer);
      pongTimer = undefined;
      return;
    default: {
      /** @type {never} */ const unhandled = frame;
      return unhandled;
    }
  }
}

function onWelcome(/** @type {WelcomeFrame} */ frame) {
  me = frame.user;
  connected = true;
  if (ui.alert.dataset.sticky) showAlert('');
  setStatus('connected', 'Connected');
  setMembers(frame.members, frame.memberCount);
  heartbeatTimer = setInterval(sendPing, HEARTBEAT_INTERVAL_MS);
  stableTimer = setTimeout(() => (failures = 0), STABLE_AFTER_MS);
  if (resumeFrom === null) {
    // A fresh join: the latest page, and `hasMore` says whether older ones exist.
    hasOlder = frame.hasMore;
    appendMessages(frame.messages, false);
    scrollToBottom();
  } else {
    // A resume: what came after `resumeFrom`, and `hasMore` says newer ones were left out.
    if (frame.pruned) appendNotice('Some messages are no longer available.', Date.now());
    appendMessages(frame.messages, true);
    if (frame.hasMore) requestNewer();
  }
  updateOlderButton();
  syncOutboxView();
  pumpOutbox();
}

function onHistory(/** @type {HistoryFrame} */ frame) {
  const request = pendingHistory;
  pendingHistory = null;
  const first = frame.messages[0];
  // A reply we no longer expect (its socket's request was resent) is placed by its ids.
  const older = request
    ? request.before !== undefined
    : first !== undefined && lowestId !== null && first.id < lowestId;
  if (older) {
    prependMessages(frame.messages);
    hasOlder = frame.hasMore;
    return updateOlderButton();
  }
  appendMessages(frame.messages, true);
  if (frame.hasMore) return requestNewer();
  catchingUp = false;
  appendMessages(heldBack.splice(0), true);
  updateOlderButton();
}

/** Catches up after a resume, one page at a time, until `hasMore` is false. */
function requestNewer() {
  catchingUp = true;
  requestHistory({ type: 'history', after: highestId ?? 0, limit: MAX_PAGE });
}

function loadOlder() {
  if (!hasOlder || !connected || pendingHistory || catchingUp || lowestId === null) return;
  requestHistory({ type: 'history', before: lowestId, limit: OLDER_PAGE });
}

// One history request at a time, so an error without a clientId can be matched to it.
function requestHistory(/** @type {HistoryRequest} */ request) {
  pendingHistory = request;
  send(request);
  updateOlderButton();
}

function onError(/** @type {ErrorFrame} */ frame) {
  const item = frame.clientId
    ? readOutbox().find((entry) => entry.clientId === frame.clientId)
    : undefined;
  if (item && frame.code === 'rate_limited') return retryOutboxLater(frame.retryAfterMs);
  if (item) return failOutboxItem(item.clientId, frame.message);
  const request = pendingHistory;
  if (frame.code === 'rate_limited' && request) {
    setTimeout(() => pendingHistory === request && send(request), frame.retryAfterMs ?? 1_000);
    return;
  }
  showAlert(
    frame.code === 'rate_limited'
      ? 'You are sending too fast; slow down a little.'
      : `The server refused: ${frame.message}`,
  );
}

// ---- Members, typing, title ----

function setMembers(/** @type {User[]} */ list, /** @type {number} */ count) {
  members.clear();
  for (const user of list) members.set(user.id, user);
  memberCount = count;
  renderMembers();
}

// join and leave mean a user's first connection opened or last one closed, so they move the count
// by one; a join of someone already listed (our own, say) changes nothing.
function onPresenceChange(/** @type {PresenceChange} */ frame) {
  const known = members.has(frame.user.id);
  if (frame.type === 'join') {
    members.set(frame.user.id, frame.user);
    if (!known) memberCount++;
  } else {
    members.delete(frame.user.id);
    memberCount--;
  }
  // Not clamped to the list's length: after a crowded spell (counts only, no join/leave) the list
  // may name people who left, and the room's exact count is what to show.
  memberCount = Math.max(0, memberCount);
  renderMembers();
  if (frame.user.id !== me?.id)
    appendNotice(`${frame.user.name} ${frame.type === 'join' ? 'joined' : 'left'}`, frame.ts);
}

function renderMembers() {
  const sorted = [...members.values()].sort((a, b) => a.name.localeCompare(b.name));
  ui.members.replaceChildren(
    ...sorted.map((user) => {
      const item = el('li', user.id === me?.id ? 'own' : '', user.name);
      item.dataset.userId = user.id;
      if (user.id === me?.id) item.append(el('span', 'you', ' (you)'));
      return item;
    }),
  );
  const others = memberCount - members.size;
  if (others > 0) ui.members.append(el('li', 'more', `and ${others} more`));
  ui.memberCount.textContent = `${memberCount} online`;
}

function onTyping(/** @type {User} */ user) {
  if (user.id === me?.id) return;
  clearTimeout(typists.get(user.id)?.timer);
  typists.set(user.id, {
    name: user.name,
    timer: setTimeout(() => clearTyping(user.id), TYPING_SHOWN_FOR_MS),
  });
  renderTyping();
}

function clearTyping(/** @type {string} */ userId) {
  clearTimeout(typists.get(userId)?.timer);
  if (typists.delete(userId)) renderTyping();
}

function renderTyping() {
  const names = [...typists.values()].map((typist) => typist.name);
  ui.typing.textContent =
    names.length === 0
      ? ''
      : names.length === 1
        ? `${names[0]} is typing…`
        : names.length === 2
          ? `${names[0]} and ${names[1]} are typing…`
          : 'Several people are typing…';
}

// Skipped while a history request is out, so a rate-limit refusal without a clientId can only be that request's.
function sendTyping() {
  const now = Date.now();
  if (
    !connected ||
    pendingHistory ||
    !ui.message.value.trim() ||
    now - lastTypingSent < TYPING_SEND_EVERY_MS
  )
    return;
  if (send({ type: 'typing' })) lastTypingSent = now;
}

function updateTitle() {
  document.title = `${unread ? `(${unread}) ` : ''}#${room} – edge chat`;
}

// ---- The log: ordered by id, no gaps, no duplicates ----
// Confirmed messages only ever join at the ends: newer ones are appended to #live, older pages
// are prepended to #history. Every run of items of one day starts with a .day separator.

function isNearBottom() {
  return ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < NEAR_BOTTOM_PX;
}

function scrollToBottom() {
  ui.log.scrollTop = ui.log.scrollHeight;
  ui.newMessages.hidden = true;
}

function onLogScroll() {
  wasAtBottom = isNearBottom();
  if (wasAtBottom) ui.newMessages.hidden = true;
  // Tabbing to "Load older" scrolls it into view; that must not press it (and, once nothing older
  // is left, hide it from under the keyboard user's focus). Keyboard users press it with Enter.
  if (ui.log.scrollTop < NEAR_TOP_PX && !ui.loadOlder.matches(':focus-visible')) loadOlder();
}

/** @param {number} id */
function track(id) {
  shownIds.add(id);
  lowestId = Math.min(lowestId ?? id, id);
  highestId = Math.max(highestId ?? id, id);
  ui.empty.hidden = true;
}

/** Acknowledges our own message and stops its sender's typing line. @param {ChatMessage} message */
function settle(message) {
  if (message.clientId && message.user.id === me?.id) acknowledge(message.clientId);
}

/** @param {ChatMessage} a @param {ChatMessage} b */
const byMessageId = (a, b) => a.id - b.id;

/**
 * Shows messages newer than everything shown. `live` ones are announced, counted as unread and
 * offer the "New messages" button; a fresh join's page goes in quietly.
 * @param {ChatMessage[]} messages
 */
function appendMessages(messages, live = true) {
  const stick = isNearBottom();
  // Into #history only while nothing newer sits in #live, so the log stays in order.
  const list = live || ui.live.firstElementChild ? ui.live : ui.history;
  let fromOthers = 0;
  for (const message of [...messages].sort(byMessageId)) {
    settle(message);
    if (shownIds.has(message.id) || (highestId !== null && message.id < highestId)) continue;
    placeAfter(list, renderMessage(message), lastItem());
    track(message.id);
    if (message.user.id !== me?.id) fromOthers++;
  }
  if (stick) scrollToBottom();
  if (!live || fromOthers === 0) return;
  if (!stick) ui.newMessages.hidden = false;
  if (document.hidden) {
    unread += fromOthers;
    updateTitle();
  }
}

/** Shows an older page above everything, keeping the visible content where it was. @param {ChatMessage[]} messages */
function prependMessages(messages) {
  const older = messages
    .filter((m) => !shownIds.has(m.id) && (lowestId === null || m.id < lowestId))
    .sort(byMessageId);
  if (older.length === 0) return;
  const fragment = document.createDocumentFragment();
  /** @type {HTMLElement | null} */ let previous = null;
  for (const message of older) {
    settle(message);
    const item = renderMessage(message);
    placeAfter(fragment, item, previous);
    previous = item;
    track(message.id);
  }
  const { scrollHeight, scrollTop } = ui.log;
  stitch(previous);
  ui.history.prepend(fragment);
  ui.log.scrollTop = scrollTop + ui.log.scrollHeight - scrollHeight;
}

/** Where a prepended page meets the old first day: one separator, and grouping across the seam. */
function stitch(/** @type {HTMLElement | null} */ last) {
  const first = firstItem();
  if (!last || !first?.classList.contains('day') || first.dataset.day !== last.dataset.day) return;
  const next =
    first.nextElementSibling ??
    (first.parentElement === ui.history ? ui.live.firstElementChild : null);
  first.remove();
  if (next instanceof HTMLElement) next.classList.toggle('continued', continues(last, next));
}

function firstItem() {
  const first = ui.history.firstElementChild ?? ui.live.firstElementChild;
  return first instanceof HTMLElement ? first : null;
}

function lastItem() {
  const last = ui.live.lastElementChild ?? ui.history.lastElementChild;
  return last instanceof HTMLElement ? last : null;
}

/** @param {ParentNode} parent @param {HTMLElement} item @param {HTMLElement | null} previous */
function placeAfter(parent, item, previous) {
  if (previous?.dataset.day !== item.dataset.day)
    parent.append(daySeparator(Number(item.dataset.ts)));
  item.classList.toggle('continued', continues(previous, item));
  parent.append(item);
}

/** Consecutive messages of one person within a few minutes show the name once. */
function continues(/** @type {HTMLElement | null} */ previous, /** @type {HTMLElement} */ item) {
  return (
    !!previous &&
    previous.classList.contains('message') &&
    item.classList.contains('message') &&
    previous.dataset.userId === item.dataset.userId &&
    previous.dataset.day === item.dataset.day &&
    Number(item.dataset.ts) - Number(previous.dataset.ts) < GROUP_WINDOW_MS
  );
}

function appendNotice(/** @type {string} */ text, /** @type {number} */ ts) {
  const stick = isNearBottom();
  const item = el('li', 'notice', text);
  stamp(item, ts);
  placeAfter(ui.live, item, lastItem());
  if (stick) scrollToBottom();
}

/** @param {HTMLElement} item @param {number} ts */
function stamp(item, ts) {
  item.dataset.ts = String(ts);
  item.dataset.day = dayKey(ts);
}

function dayKey(/** @type {number} */ ts) {
  const d = new Date(ts);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function dayLabel(/** @type {number} */ ts) {
  const key = dayKey(ts);
  if (key === dayKey(Date.now())) return 'Today';
  if (key === dayKey(Date.now() - 86_400_000)) return 'Yesterday';
  return new Date(ts).toLocaleDateString([], {
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  });
}

function daySeparator(/** @type {number} */ ts) {
  const item = el('li', 'day');
  const time = el('time', '', dayLabel(ts));
  time.dateTime = dayKey(ts);
  item.dataset.day = dayKey(ts);
  item.dataset.ts = String(ts);
  item.append(time);
  return item;
}

// "Today" turns into "Yesterday" at midnight for a tab left open.
function refreshDayLabels() {
  for (const item of ui.log.querySelectorAll('li.day')) {
    if (item instanceof HTMLElement && item.firstElementChild)
      item.firstElementChild.textContent = dayLabel(Number(item.dataset.ts));
  }
}

/** @param {ChatMessage} message */
function renderMessage(message) {
  const item = el('li', message.user.id === me?.id ? 'message own' : 'message');
  item.dataset.id = String(message.id);
  item.dataset.userId = message.user.id;
  stamp(item, message.ts);
  const meta = el('p', 'meta');
  meta.append(el('span', 'author', message.user.name), ' ', timeOf(message.ts));
  item.append(meta, messageText(message.text));
  return item;
}

function timeOf(/** @type {number} */ ts) {
  const date = new Date(ts);
  const time = el('time', '', date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  time.dateTime = date.toISOString();
  time.title = date.toLocaleString([], { dateStyle: 'full', timeStyle: 'medium' });
  return time;
}

/** The text as text nodes, with http(s) URLs as links built by DOM methods. */
function messageText(/** @type {string} */ text) {
  const paragraph = el('p', 'text');
  let shownUpTo = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const raw = trimUrl(match[0]);
    const href = httpUrl(raw);
    if (!href) continue;
    const link = el('a', '', raw);
    link.href = href;
    link.rel = 'noopener noreferrer';
    link.target = '_blank';
    paragraph.append(text.slice(shownUpTo, match.index), link);
    shownUpTo = match.index + raw.length;
  }
  paragraph.append(text.slice(shownUpTo));
  return paragraph;
}

/** Drops punctuation that ends the sentence rather than the URL, keeping balanced brackets: `(see https://en.wikipedia.org/wiki/Mars_(planet)).` */
function trimUrl(/** @type {string} */ url) {
  let end = url.length;
  while (end > 0 && URL_TRAILING_PUNCTUATION.test(url[end - 1] ?? '')) {
    const last = url[end - 1] ?? '';
    const opener = URL_OPENERS[last];
    if (opener && count(url.slice(0, end), opener) >= count(url.slice(0, end), last)) break;
    end--;
  }
  return url.slice(0, end);
}

function count(/** @type {string} */ text, /** @type {string} */ char) {
  return text.split(char).length - 1;
}

function httpUrl(/** @type {string} */ raw) {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

function updateOlderButton() {
  const hide = !hasOlder;
  if (hide && document.activeElement === ui.loadOlder) ui.log.focus();
  ui.loadOlder.hidden = hide;
  ui.loadOlder.textContent =
    pendingHistory?.before !== undefined ? 'Loading older messages…' : 'Load older messages';
}

// ---- Outbox: typed here, shown as pending, kept in localStorage until the room echoes it ----
// localStorage is the single source of truth, so tabs of one room share the queue; the server
// dedupes by clientId, so sending an item twice (two tabs, a reconnect) stores it once.
// One item is in flight at a time (stop and wait): a rate-limited message is retried before the
// next one goes, so messages arrive in the order they were written.

function outboxKey() {
  return `edgechat:outbox:${room}`;
}

/** @returns {OutboxItem[]} */
function readOutbox() {
  /** @type {unknown} */ let data;
  try {
    data = JSON.parse(load(outboxKey()) ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  return data.filter(
    (item) =>
      isRecord(item) &&
      typeof item.clientId === 'string' &&
      typeof item.text === 'string' &&
      typeof item.ts === 'number' &&
      (item.error === undefined || typeof item.error === 'string'),
  );
}

function writeOutbox(/** @type {OutboxItem[]} */ items) {
  save(outboxKey(), items.length ? JSON.stringify(items) : null);
}

/** @param {string} clientId @param {(item: OutboxItem) => OutboxItem} change */
function updateOutboxItem(clientId, change) {
  writeOutbox(readOutbox().map((item) => (item.clientId === clientId ? change(item) : item)));
}

function submitMessage() {
  const text = ui.message.value.trim();
  if (!text || codePoints(text) > MAX_TEXT_LENGTH) return;
  /** @type {OutboxItem} */
  const item = { clientId: newClientId(), text, ts: Date.now() };
  writeOutbox([...readOutbox(), item]);
  ui.outbox.append(renderPending(item));
  ui.message.value = '';
  updateComposer();
  scrollToBottom();
  pumpOutbox();
}

function pumpOutbox() {
  if (!connected || inFlight || outboxRetryTimer !== undefined) return;
  const next = readOutbox().find((item) => !item.error);
  if (!next) return;
  inFlight = next.clientId;
  send({ type: 'message', text: next.text, clientId: next.clientId });
}

function retryOutboxLater(/** @type {number | undefined} */ retryAfterMs) {
  clearTimeout(outboxRetryTimer);
  outboxRetryTimer = setTimeout(() => {
    outboxRetryTimer = undefined;
    inFlight = null;
    pumpOutbox();
  }, retryAfterMs ?? 1_000);
}

function acknowledge(/** @type {string} */ clientId) {
  writeOutbox(readOutbox().filter((item) => item.clientId !== clientId));
  pendingElement(clientId)?.remove();
  if (inFlight !== clientId) return;
  inFlight = null;
  pumpOutbox();
}

function failOutboxItem(/** @type {string} */ clientId, /** @type {string} */ error) {
  updateOutboxItem(clientId, (item) => ({ ...item, error }));
  syncOutboxView();
  if (inFlight === clientId) inFlight = null;
  pumpOutbox();
}

function onOutboxClick(/** @type {MouseEvent} */ event) {
  const button = event.target instanceof Element ? event.target.closest('button') : null;
  const clientId = button?.closest('li')?.dataset.clientId;
  if (!button || !clientId) return;
  if (button.classList.contains('retry')) {
    updateOutboxItem(clientId, ({ error: _, ...item }) => item);
  } else {
    writeOutbox(readOutbox().filter((item) => item.clientId !== clientId));
  }
  syncOutboxView();
  ui.message.focus();
  pumpOutbox();
}

/** @returns {HTMLElement | null} */
function pendingElement(/** @type {string} */ clientId) {
  for (const item of ui.outbox.children) {
    if (item instanceof HTMLElement && item.dataset.clientId === clientId) return item;
  }
  return null;
}

/** Re-renders the outbox from storage (after a failure, a retry, or another tab's change). */
function syncOutboxView() {
  const stick = isNearBottom();
  ui.outbox.replaceChildren(...readOutbox().map(renderPending));
  if (stick) scrollToBottom();
}

function renderPending(/** @type {OutboxItem} */ item) {
  const entry = el('li', item.error ? 'message own failed' : 'message own pending');
  entry.dataset.clientId = item.clientId;
  const meta = el('p', 'meta');
  meta.append(
    el('span', 'author', me?.name ?? load('edgechat:name') ?? 'You'),
    ' ',
    el('span', 'state', pendingLabel(item)),
  );
  const text = messageText(item.text);
  text.id = `text-${item.clientId}`;
  entry.append(meta, text);
  if (item.error) {
    const actions = el('p', 'actions');
    for (const [className, label] of [
      ['retry', 'Retry'],
      ['discard', 'Discard'],
    ]) {
      const button = el('button', className, label);
      button.type = 'button';
      button.setAttribute('aria-describedby', text.id);
      actions.append(button);
    }
    entry.append(actions);
  }
  return entry;
}

function pendingLabel(/** @type {OutboxItem} */ item) {
  if (item.error) return `Not sent: ${item.error}`;
  return connected ? 'sending…' : 'queued, waiting for the connection…';
}

function refreshPendingLabels() {
  for (const item of readOutbox()) {
    const state = pendingElement(item.clientId)?.querySelector('.state');
    if (state) state.textContent = pendingLabel(item);
  }
}

// The field stays usable while offline: a message written then is queued (shown as pending) and
// sent on reconnect, which beats losing it. So only the button reflects the connection: it says
// "Queue" instead of "Send", and is disabled only for text the server would refuse anyway.
function updateComposer() {
  const length = codePoints(ui.message.value.trim());
  const over = length - MAX_TEXT_LENGTH;
  ui.counter.hidden = length < COUNTER_FROM;
  ui.counter.textContent =
    over > 0 ? `${over} characters too many` : `${length} / ${MAX_TEXT_LENGTH}`;
  ui.counter.classList.toggle('over', over > 0);
  ui.send.disabled = length === 0 || over > 0;
  ui.send.textContent = connected ? 'Send' : 'Queue';
}

// ---- Start ----

function safeDecode(/** @type {string} */ segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const roomPath = /^\/room\/([^/]+)\/?$/.exec(location.pathname);
const roomName = roomPath?.[1] ? safeDecode(roomPath[1]) : null;
if (roomName === null) showPicker();
else if (ROOM_NAME.test(roomName)) showRoom(roomName.toLowerCase());
else showPicker(`“${roomName}” is not a valid room name.`);
