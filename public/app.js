// @ts-check
// The edge chat page: the room picker at "/", the join and chat views at "/room/<name>". This is
// only the entry: the views are the modules in ui/, over the client library in chat/ (which
// does the talking to the room). Everything a person wrote reaches the page as text, never HTML.

/*
 * Stable hooks for tests:
 *   picker  #room-form, #room-name, #room-error
 *   join    #join-form, #name, #join, #name-error, #share-link, #copy-link, #copy-status
 *   chat    #chat-view, #log (role=log, the scroll container), #load-older, #new-messages, #empty,
 *           #message, #send (text "Send", or "Queue" while not connected), #counter, #typing,
 *           #status (data-state: connecting | connected | reconnecting | offline | closed), #alert,
 *           #members (one li[data-user-id] per user), #member-count
 *   items   .message[data-id][data-user-id], .message.own, .message.continued,
 *           .message.pending[data-client-id], .message.failed (buttons .retry, .discard),
 *           .notice (join, leave, pruned), .day (day separators); .author and .text (dir=auto),
 *           .text.deleted (a deleted message's "message deleted")
 *   create  #create-form, #create-name, #create-room, #create-error (on the picker)
 *   moderate button.person[data-user-id] (a name that opens the person menu, role=menu),
 *           #copy-room-link, #copy-room-status, #room-link-field, #settings-toggle,
 *           #room-settings (#slow-mode, #read-only, #settings-status, #bans li.ban .unban),
 *           dialog.ban-dialog (#ban-length, #ban-reason, #ban-confirm), #standing-banner
 *           (data-kind muted | slow), #standing-announcer, #read-only-note, #banned-view
 *   unread  #unread-divider ("New messages", above the first unread message when the room opened),
 *           .mention and .mention.mention-me (an @name, the reader's), .message.mentions-me,
 *           #notify (aria-pressed, data-state: on | off | blocked), .message.jumped
 *   search  #search-form, #search, #search-panel, #search-status, #search-results (one
 *           button.search-result[data-id] each, the matched words in mark), #search-more,
 *           #search-close
 * Storage: localStorage edgechat:name, edgechat:refresh, edgechat:user, edgechat:outbox:<room>,
 *          edgechat:notify (on | off: notifications of mentions);
 *          sessionStorage edgechat:joined:<room> (a reload of a joined tab rejoins by itself).
 */
import { GuestSession } from './chat/guest.js';
import { parseRoomName } from './chat/rules.js';
import { openChat } from './ui/chat-view.js';
import { showCreateRoom } from './ui/create-room.js';
import { showJoin } from './ui/join.js';
import { showPicker } from './ui/picker.js';
import { load, local, save } from './ui/storage.js';

/** Opens the room's page: its name in the heading and the title, then the join view. */
function showRoom(/** @type {string} */ room) {
  document.title = `#${room} – edge chat`;
  for (const label of document.querySelectorAll('.room-label')) label.textContent = `#${room}`;
  // An older page kept its access token here; that renews nothing now (only a refresh token does).
  save('edgechat:token', null);
  const guest = new GuestSession({
    url: location.origin,
    name: load('edgechat:name') ?? '',
    storage: local,
  });
  showJoin(room, guest, () => openChat(room, guest));
}

function safeDecode(/** @type {string} */ segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const roomPath = /^\/room\/([^/]+)\/?$/.exec(location.pathname);
const requested = roomPath?.[1] ? safeDecode(roomPath[1]) : null;
const room = parseRoomName(requested);
if (room) showRoom(room);
else {
  showPicker(requested === null ? '' : `“${requested}” is not a valid room name.`);
  showCreateRoom();
}
