// @ts-check
// What this user has not read in the room, by the room's read marker (one per user, shared by all
// their tabs): the "New messages" divider above the first unread message when the room opens
// (the log opens there rather than at the newest), the counts in the tab's title (unread messages
// of others, and those among them that mention the reader), and telling the room what has been
// seen, forward only and at most about once a second.
import { el } from './elements.js';
import { stamp } from './message.js';
import { mentionsMe } from './mentions.js';
import { ReadTracker } from './read-tracker.js';
import { roomTitle } from './title.js';

/** @typedef {import('../chat/client.js').ChatClient} ChatClient */
/** @typedef {import('../chat/frames.js').ChatMessage} ChatMessage */

/** The room is told of what was seen at most this often. */
const READ_EVERY_MS = 1_000;
/** Room left above the divider when the log opens at it. */
const DIVIDER_MARGIN_PX = 8;

export class Unread {
  #chat;
  #room;
  #log;
  #names;
  #onMention;
  /** The highest id seen in this tab (the room may not have been told yet). */
  #seenUpTo = 0;
  #sentAt = -Infinity;
  /** @type {ReturnType<typeof setTimeout> | undefined} */ #readTimer;
  /** @type {HTMLLIElement | null} */ #divider = null;
  /** While the first unread message is fetched, what is on screen is not what is being read. */
  #fetchingFirst = false;
  /** Whether it was fetched already in this view (once is enough, whatever came of it). */
  #fetchedFirst = false;

  /**
   * @param {{ chat: ChatClient, room: string, log: HTMLElement, names: () => Iterable<string>,
   *   onMention: (message: ChatMessage) => void }} parts `names`: the names known in the room, to
   *   tell a mention of the reader; `onMention`: a new message of someone else mentions the reader
   */
  constructor({ chat, room, log, names, onMention }) {
    this.#chat = chat;
    this.#room = room;
    this.#log = log;
    this.#names = names;
    this.#onMention = onMention;
    new ReadTracker(log, (id) => this.#seen(id));
    // Another tab of this user moved the marker: the counts follow, the divider stays put.
    chat.addEventListener('read', () => this.update());
    chat.addEventListener('update', () => this.update());
    chat.addEventListener('reset', () => {
      this.#seenUpTo = 0;
      this.#divider = null;
      this.#fetchedFirst = false;
    });
    this.update();
  }

  /** The marker as this tab knows it: the room's, or further if this tab saw more since. */
  get readUpTo() {
    return Math.max(this.#chat.readUpTo, this.#seenUpTo);
  }

  /** The messages of others after the marker, oldest first (tombstones have nothing to read). */
  unreadMessages() {
    const me = this.#chat.user?.id;
    const marker = this.readUpTo;
    return this.#chat.messages.filter(
      (message) => message.id > marker && message.user.id !== me && !message.deleted,
    );
  }

  /**
   * Which of `messages` mention the reader.
   * @param {ChatMessage[]} messages
   */
  mentioning(messages) {
    const me = this.#chat.user?.name ?? null;
    // The names once for them all: they are gathered from every message held.
    const names = [...this.#names()];
    return messages.filter((message) => mentionsMe(message.text, names, me));
  }

  /** Puts the counts in the title. */
  update() {
    const unread = this.unreadMessages();
    const oldest = this.#chat.messages[0];
    document.title = roomTitle(this.#room, {
      unread: unread.length,
      mentions: this.mentioning(unread).length,
      more: this.#chat.hasOlder && oldest !== undefined && oldest.id > this.readUpTo + 1,
    });
  }

  /**
   * The log shows a batch of new messages. The room's latest page (the room opened) places the
   * divider; live ones may mention the reader.
   * @param {{ messages: ChatMessage[], placement: import('../chat/client.js').Placement }} batch
   */
  shown({ messages, placement }) {
    if (placement === 'join') this.#placeDivider();
    this.update();
    if (placement !== 'newer') return;
    const me = this.#chat.user?.id;
    const fromOthers = messages.filter((message) => message.user.id !== me && !message.deleted);
    for (const message of this.mentioning(fromOthers)) this.#onMention(message);
  }

  /**
   * The divider goes above the first unread message, and the log scrolls there. Once per view:
   * it stays where it is as messages are read. A first visit (nothing ever read here) opens at
   * the newest message, without a divider.
   */
  #placeDivider() {
    if (this.#divider?.isConnected || this.#fetchingFirst || this.#chat.readUpTo === 0) return;
    const marker = this.#chat.readUpTo;
    const oldest = this.#chat.messages[0];
    if (!this.#fetchedFirst && this.#chat.hasOlder && oldest && oldest.id > marker + 1) {
      // The first unread message is older than the page the room opened with: its page is
      // fetched first (the log places it), and then the divider goes above it.
      this.#fetchingFirst = this.#fetchedFirst = true;
      const fetched = () => {
        this.#fetchingFirst = false;
        this.#placeDivider();
        this.update();
      };
      this.#chat.loadAround(marker + 1).then(fetched, fetched);
      return;
    }
    const first = this.unreadMessages()[0];
    if (!first) return;
    const item = this.#log.querySelector(`li.message[data-id="${first.id}"]`);
    if (!(item instanceof HTMLElement)) return;
    const divider = el('li', 'unread-divider');
    divider.id = 'unread-divider';
    divider.append(el('span', '', 'New messages'));
    // Stamped as the message it stands above, so the log's day separators go around it right.
    stamp(divider, first.ts);
    item.before(divider);
    // Its author is shown again below the divider, even in a run of their messages.
    item.classList.remove('continued');
    this.#divider = divider;
    const offset = divider.getBoundingClientRect().top - this.#log.getBoundingClientRect().top;
    this.#log.scrollTop += offset - DIVIDER_MARGIN_PX;
  }

  /** @param {number} id */
  #seen(id) {
    if (this.#fetchingFirst || id <= this.readUpTo) return;
    this.#seenUpTo = id;
    this.update();
    if (this.#readTimer !== undefined) return;
    const wait = this.#sentAt + READ_EVERY_MS - Date.now();
    this.#readTimer = setTimeout(() => this.#tellRoom(), Math.max(wait, 0));
  }

  #tellRoom() {
    this.#readTimer = undefined;
    this.#sentAt = Date.now();
    this.#chat.read(this.#seenUpTo);
  }
}
