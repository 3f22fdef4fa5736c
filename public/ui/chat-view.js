// @ts-check
// The chat view: a ChatClient for the room and the views that follow its events (the log, the
// outbox, the composer, the members and typing lines, the status). The browser's own signals
// (the network and the tab coming and going) stay here, as calls on the client.
import { ChatClient } from '../chat/client.js';
import { MessageActions } from './actions.js';
import { Composer } from './composer.js';
import { Editor } from './editor.js';
import { isolated, ui } from './elements.js';
import { tokenProblem } from './join.js';
import { jumpTo } from './jump-to.js';
import { Log } from './log.js';
import { knownNames, markLogMentions } from './mentions.js';
import { renderMembers, TypingLine } from './members.js';
import { openModeration } from './moderation-view.js';
import { MentionNotifier } from './notifications.js';
import { OutboxView } from './outbox-view.js';
import { ReplyBar } from './reply-bar.js';
import { SearchPanel } from './search-panel.js';
import { clearStickyAlert, onStatus, setStatus, showAlert } from './status.js';
import { load, local } from './storage.js';
import { Unread } from './unread.js';

/** @typedef {import('../chat/guest.js').GuestSession} GuestSession */

const OFFLINE = 'Offline. Messages you write are sent once you are back.';

/** Switches to the chat view of `room` and connects with the guest's tokens. */
export function openChat(/** @type {string} */ room, /** @type {GuestSession} */ guest) {
  const chat = new ChatClient({ url: location.origin, room, token: guest.token, storage: local });
  const redraw = (/** @type {number} */ id) => {
    const message = chat.message(id);
    if (message) log.replace(message);
  };
  const replyBar = new ReplyBar(chat);
  const editor = new Editor(chat, redraw);
  const actions = new MessageActions({ chat, editor, replyBar, redraw });
  const log = new Log({
    me: () => chat.user,
    onNearTop: loadOlder,
    decorate: (item, message) => actions.decorate(item, message),
  });
  const names = () => knownNames(chat);
  markLogMentions(ui.log, { names, me: () => chat.user?.name ?? null });
  const notifier = new MentionNotifier(ui.notify, { room, onOpen: (id) => jumpTo(chat, id) });
  const unread = new Unread({
    chat,
    room,
    log: ui.log,
    names,
    onMention: (message) => notifier.mentioned(message),
  });
  new SearchPanel(chat, { jumpTo: (id) => jumpTo(chat, id) });
  const typing = new TypingLine();
  const outbox = new OutboxView(chat, {
    author: () => chat.user?.name ?? load('edgechat:name') ?? 'You',
    isNearBottom: () => log.isNearBottom(),
    onAction: () => ui.message.focus(),
  });
  const composer = new Composer(chat, {
    onSent: () => {
      replyBar.sent();
      log.scrollToBottom();
    },
    sendOptions: () => replyBar.sendOptions(),
  });
  onStatus(() => {
    composer.update();
    outbox.refreshLabels();
  });

  function loadOlder() {
    chat.loadOlder();
    updateOlderButton();
  }

  function updateOlderButton() {
    const hide = !chat.hasOlder;
    if (hide && document.activeElement === ui.loadOlder) ui.log.focus();
    ui.loadOlder.hidden = hide;
    ui.loadOlder.textContent = chat.loadingOlder
      ? 'Loading older messages…'
      : 'Load older messages';
  }

  chat.addEventListener('status', ({ detail }) => {
    if (detail === 'connecting') setStatus('connecting', 'Connecting…');
    if (detail === 'open') {
      clearStickyAlert();
      setStatus('connected', 'Connected');
    }
    if (detail === 'closed') setStatus('closed', 'Disconnected');
    if (detail !== 'open') typing.clear();
    updateOlderButton();
  });
  // Not a countdown: an aria-live line that changes every second would be read out every second.
  chat.addEventListener('retry', ({ detail }) => {
    if (navigator.onLine)
      setStatus('reconnecting', `Reconnecting in ${Math.ceil(detail.delayMs / 1000)} s…`);
    else setStatus('offline', OFFLINE);
  });
  chat.addEventListener('disconnect', ({ detail }) => {
    // A ban has its own page (moderation-view.js), which says more than this would.
    if (detail.final && !detail.reason.startsWith('banned'))
      showAlert(`Disconnected by the server: ${detail.reason || 'policy violation'}`, 0);
  });
  chat.addEventListener('failure', ({ detail }) => showAlert(tokenProblem(detail.error)));
  chat.addEventListener('error', ({ detail }) => {
    // A refused message shows on its outbox item, and a rate-limited one is sent again; a refused
    // change to a message (it names the message) where it was asked for.
    if (detail.clientId !== undefined || detail.id !== undefined) return;
    showAlert(
      detail.code === 'rate_limited'
        ? 'You are sending too fast; slow down a little.'
        : `The server refused: ${detail.message}`,
    );
  });

  chat.addEventListener('messages', ({ detail }) => {
    if (detail.placement === 'older') log.prepend(detail.messages);
    // A jump's page and the pages after it go where their ids put them, among those shown.
    else if (detail.placement === 'around' || detail.placement === 'forward')
      log.insert(detail.messages);
    else log.append(detail.messages, detail.placement === 'newer');
    unread.shown(detail);
    updateOlderButton();
  });
  chat.addEventListener('message', ({ detail }) => typing.stop(detail.user.id));
  // A message edited or deleted since it was shown: no text of a deleted one stays on screen.
  chat.addEventListener('update', ({ detail }) => log.replace(detail.message));
  chat.addEventListener('gap', () =>
    log.notice(['Some older messages are no longer kept.'], Date.now()),
  );
  // The room's storage was reset: what the log shows is gone; the room's latest page follows.
  chat.addEventListener('reset', () => log.clear());
  chat.addEventListener('welcome', updateOlderButton);
  // Who may delete what changed: every toolbar again.
  chat.addEventListener('role', () => {
    for (const message of chat.messages) redraw(message.id);
  });
  chat.addEventListener('outbox', () => outbox.render());
  chat.addEventListener('muted', () => outbox.refreshLabels());

  chat.addEventListener('members', ({ detail }) =>
    renderMembers(detail.members, detail.count, chat.user),
  );
  for (const type of /** @type {const} */ (['join', 'leave'])) {
    chat.addEventListener(type, ({ detail }) => {
      if (detail.user.id === chat.user?.id) return;
      const verb = detail.type === 'join' ? ' joined' : ' left';
      log.notice([isolated('span', 'name', detail.user.name), verb], detail.ts);
    });
  }
  chat.addEventListener('typing', ({ detail }) => typing.typing(detail.user));

  ui.loadOlder.addEventListener('click', loadOlder);
  // A reply's quote shows the message it answers.
  ui.log.addEventListener('click', (event) => {
    const quote = event.target instanceof Element ? event.target.closest('.quote') : null;
    if (quote instanceof HTMLElement) void jumpTo(chat, Number(quote.dataset.replyTo));
  });
  window.addEventListener('online', () => chat.reconnectNow());
  window.addEventListener('offline', () => {
    chat.interrupt();
    setStatus('offline', OFFLINE);
  });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) return;
    log.seen();
    chat.reconnectNow();
  });
  // Another tab of this room changed the outbox they share.
  window.addEventListener('storage', (event) => {
    if (event.key === `edgechat:outbox:${room}`) chat.syncOutbox();
  });

  openModeration(chat, log);

  ui.joinView.hidden = true;
  ui.chatView.hidden = false;
  // The member list is a sidebar on wide screens and a collapsed disclosure on phones.
  ui.membersPanel.open = matchMedia('(min-width: 48rem)').matches;
  outbox.render();
  composer.update();
  ui.message.focus();
}
