// @ts-check
// Searching the room: the search field in the chat's header (Enter searches) and the panel of
// results over the log, newest first, each with its author, its time and its text with the
// matched words marked; "More results" pages back with `before`. It says when nothing matched
// and when the room holds the search back for its rate (the search goes again by itself). A
// result pressed jumps to the message in the log. Only text goes into the panel, never HTML.
import { MAX_SEARCH_QUERY_LENGTH, searchWords } from '../chat/rules.js';
import { el, isolated, ui } from './elements.js';
import { markMatches } from './search-marks.js';

/** @typedef {import('../chat/client.js').ChatClient} ChatClient */
/** @typedef {import('../chat/frames.js').ChatMessage} ChatMessage */
/** @typedef {import('../chat/frames.js').SearchFrame} SearchFrame */

export class SearchPanel {
  #chat;
  #jumpTo;
  /** The query the panel shows results of. */
  #query = '';
  /** The oldest result shown, where "More results" goes on. @type {number | null} */
  #oldest = null;
  #shown = 0;
  /** Counts searches, so that the answer to one superseded by a newer one is dropped. */
  #generation = 0;
  #searching = false;

  /**
   * @param {ChatClient} chat
   * @param {{ jumpTo: (id: number) => void }} options `jumpTo`: show message `id` in the log
   */
  constructor(chat, { jumpTo }) {
    this.#chat = chat;
    this.#jumpTo = jumpTo;
    ui.search.maxLength = MAX_SEARCH_QUERY_LENGTH;
    ui.searchForm.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#search(ui.search.value);
    });
    ui.searchMore.addEventListener('click', () => this.#page());
    ui.searchClose.addEventListener('click', () => this.close());
    for (const area of [ui.searchForm, ui.searchPanel])
      area.addEventListener('keydown', (event) => {
        if (event.key === 'Escape' && !ui.searchPanel.hidden) {
          event.preventDefault();
          this.close();
        }
      });
    // The room holds a search back for its rate: it goes again after the wait, by itself.
    chat.addEventListener('error', ({ detail }) => {
      if (!this.#searching || detail.code !== 'rate_limited') return;
      const seconds = Math.max(1, Math.ceil((detail.retryAfterMs ?? 1_000) / 1_000));
      this.#status(`The room is limiting requests: searching again in ${seconds} s…`);
    });
  }

  /** Hides the panel; the focus goes back to the search field. */
  close() {
    ui.searchPanel.hidden = true;
    ui.search.focus();
  }

  /** @param {string} query */
  #search(query) {
    this.#query = query;
    this.#oldest = null;
    this.#shown = 0;
    ui.searchResults.replaceChildren();
    ui.searchMore.hidden = true;
    ui.searchPanel.hidden = false;
    if (searchWords(query).length === 0) {
      this.#generation++;
      this.#searching = false;
      this.#status('Type a word to search for.');
      return;
    }
    this.#page();
  }

  /** The next page of results: the first, or those before the oldest shown. */
  #page() {
    const generation = ++this.#generation;
    const query = this.#query;
    const before = this.#oldest ?? undefined;
    this.#searching = true;
    ui.searchMore.hidden = true;
    this.#status(before === undefined ? 'Searching…' : 'Loading more results…');
    this.#chat.search(query, { before }).then(
      (answer) => generation === this.#generation && this.#show(answer),
      (error) => generation === this.#generation && this.#refused(error),
    );
  }

  /** @param {SearchFrame} answer */
  #show({ messages, hasMore }) {
    this.#searching = false;
    ui.searchResults.append(...messages.map((message) => this.#result(message)));
    this.#shown += messages.length;
    this.#oldest = messages.at(-1)?.id ?? this.#oldest;
    ui.searchMore.hidden = !hasMore;
    if (this.#shown === 0) return this.#status(`No messages match “${this.#query}”.`);
    const found = `${this.#shown} message${this.#shown === 1 ? '' : 's'} found`;
    this.#status(hasMore ? `${found}; older ones under “More results”.` : `${found}.`);
  }

  /** @param {unknown} error */
  #refused(error) {
    this.#searching = false;
    const reason =
      error && typeof error === 'object' && 'message' in error ? String(error.message) : '';
    this.#status(`The room refused the search${reason ? `: ${reason}` : ''}.`);
  }

  /** One result: a button that jumps to the message. @param {ChatMessage} message */
  #result(message) {
    const item = el('li');
    const button = el('button', 'search-result');
    button.type = 'button';
    button.dataset.id = String(message.id);
    const meta = el('span', 'meta');
    const date = new Date(message.ts);
    const time = el(
      'time',
      '',
      date.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' }),
    );
    time.dateTime = date.toISOString();
    meta.append(isolated('span', 'author', message.user.name), ' ', time);
    const text = isolated('span', 'text');
    text.append(...markMatches(message.text, this.#query));
    button.append(meta, text);
    button.addEventListener('click', () => {
      ui.searchPanel.hidden = true;
      this.#jumpTo(message.id);
    });
    item.append(button);
    return item;
  }

  /** @param {string} text */
  #status(text) {
    ui.searchStatus.textContent = text;
  }
}
