// @ts-check
// Messages written and not yet acknowledged, in the order written, kept in the given storage so
// they survive a reconnect (and, with localStorage, a reload). One is in flight at a time (stop
// and wait): a rate-limited message is retried, after the wait the server named, before the next
// one goes, so the room stores them in the order written. The server dedupes by clientId, so a
// message sent twice (a reconnect, two tabs sharing the storage) is stored once. While the user is
// muted nothing is sent (it would only be refused): the messages wait for the mute to end.
import { Emitter } from './events.js';
import { codePointLength, isClientId, MAX_TEXT_LENGTH } from './rules.js';

/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').ErrorFrame} ErrorFrame */
/**
 * A message not yet acknowledged; `replyTo` the id of the message it answers; `error` once the
 * server refused it for good.
 * @typedef {{ clientId: string, text: string, ts: number, replyTo?: number, error?: string }} OutboxItem
 */
/** @typedef {import('./storage.js').Storage} Storage */
/**
 * @typedef {object} OutboxEventMap
 * @property {CustomEvent<OutboxItem[]>} change the items changed (added, acknowledged, failed, retried, discarded)
 * @property {CustomEvent<{ clientId: string, message: ChatMessage }>} sent a message was acknowledged
 * @property {CustomEvent<{ item: OutboxItem, error: ErrorFrame }>} failed the server refused one for good
 */

/** When the server gives no wait with a rate_limited refusal. */
const DEFAULT_RETRY_MS = 1_000;

/** @extends {Emitter<OutboxEventMap>} */
export class Outbox extends Emitter {
  /** @type {Storage} */ #storage;
  #key;
  /** Sends one message frame; false when it could not be sent now. @type {(item: OutboxItem) => boolean} */
  #transmit;
  /** The items as last written: the truth when the storage fails. @type {OutboxItem[]} */
  #memory = [];
  #storageWorks = true;
  #ready = false;
  /** @type {string | null} */ #inFlight = null;
  /** Whether nothing is sent for now: the user is muted, and a message would only be refused. */
  #held = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */ #retryTimer;
  /** @type {Map<string, { resolve: (message: ChatMessage) => void, reject: (error: unknown) => void }>} */
  #waiting = new Map();

  /**
   * @param {{ storage: Storage, key: string, transmit: (item: OutboxItem) => boolean }} options
   */
  constructor({ storage, key, transmit }) {
    super();
    this.#storage = storage;
    this.#key = key;
    this.#transmit = transmit;
    this.#memory = this.#read();
  }

  /** The items, oldest first: those waiting to be sent and those refused for good. */
  items() {
    return this.#read();
  }

  /**
   * Queues `text` (a reply to message `replyTo`, if given) under a new clientId; resolves with the
   * stored message once the room acknowledges it, rejects with the error frame if the room
   * refuses it for good (or at once, queuing nothing, for text it would refuse for being empty or
   * too long).
   * @param {string} text
   * @param {number} [replyTo]
   * @returns {Promise<ChatMessage>}
   */
  enqueue(text, replyTo) {
    if (typeof text !== 'string') return Promise.reject(new TypeError('text must be a string'));
    if (replyTo !== undefined && !isMessageId(replyTo))
      return Promise.reject(new TypeError('replyTo must be a message id'));
    const refusal = checkText(text);
    if (refusal) return Promise.reject(refusal);
    /** @type {OutboxItem} */
    const item = { clientId: newClientId(), text, ts: Date.now() };
    if (replyTo !== undefined) item.replyTo = replyTo;
    /** @type {Promise<ChatMessage>} */
    const acknowledged = new Promise((resolve, reject) =>
      this.#waiting.set(item.clientId, { resolve, reject }),
    );
    this.#write([...this.#read(), item]);
    this.#pump();
    return acknowledged;
  }

  /** The connection is ready for messages (the room welcomed it): sending starts. */
  resume() {
    this.#ready = true;
    this.#pump();
  }

  /** Sends nothing while `held` (the user is muted): the messages wait, and go once it ends. */
  hold(/** @type {boolean} */ held) {
    this.#held = held;
    this.#pump();
  }

  /** The connection is gone: whatever was in flight is sent again on resume(). */
  pause() {
    this.#ready = false;
    this.#inFlight = null;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  /**
   * A stored message of ours arrived (live, in a page, or as the answer to a resend): its item is
   * done. Returns whether it was one of ours still waiting.
   * @param {ChatMessage} message
   */
  acknowledge(message) {
    const { clientId } = message;
    if (clientId === undefined) return false;
    const items = this.#read();
    const remaining = items.filter((item) => item.clientId !== clientId);
    const waiting = this.#waiting.get(clientId);
    this.#waiting.delete(clientId);
    if (remaining.length !== items.length) this.#write(remaining);
    waiting?.resolve(message);
    const known = remaining.length !== items.length || waiting !== undefined;
    if (known) this.emit('sent', { clientId, message });
    if (this.#inFlight === clientId) {
      this.#inFlight = null;
      this.#pump();
    }
    return known;
  }

  /**
   * The room refused a frame that named one of our clientIds: rate_limited (slow mode too) and a
   * mute's forbidden (which names the wait) are retried after the wait, anything else is final.
   * Returns whether the refusal was about one of ours.
   * @param {ErrorFrame} error
   */
  refuse(error) {
    const item = this.#read().find((entry) => entry.clientId === error.clientId);
    if (!item) return false;
    if (isWait(error)) {
      if (this.#inFlight !== item.clientId) return true;
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        this.#inFlight = null;
        this.#pump();
      }, error.retryAfterMs ?? DEFAULT_RETRY_MS);
      return true;
    }
    const failed = { ...item, error: error.message };
    this.#write(this.#read().map((entry) => (entry.clientId === item.clientId ? failed : entry)));
    this.#waiting.get(item.clientId)?.reject(error);
    this.#waiting.delete(item.clientId);
    this.emit('failed', { item: failed, error });
    if (this.#inFlight === item.clientId) this.#inFlight = null;
    this.#pump();
    return true;
  }

  /** Queues a refused item again (it keeps its place and its clientId). */
  retry(/** @type {string} */ clientId) {
    this.#write(
      this.#read().map((item) => (item.clientId === clientId ? withoutError(item) : item)),
    );
    this.#pump();
  }

  /** Drops an item; a send() still waiting for it rejects. */
  discard(/** @type {string} */ clientId) {
    this.#write(this.#read().filter((item) => item.clientId !== clientId));
    this.#waiting.get(clientId)?.reject(new Error('the message was discarded before it was sent'));
    this.#waiting.delete(clientId);
    if (this.#inFlight === clientId) this.#inFlight = null;
    this.#pump();
  }

  /** Another holder of the same storage (a second tab) changed it: take its items in. */
  sync() {
    this.#memory = this.#read();
    this.emit('change', this.#memory);
    this.#pump();
  }

  /** Stops for good: no timer is left, and every send() still waiting rejects (the items stay stored). */
  close() {
    this.pause();
    for (const { reject } of this.#waiting.values())
      reject(new Error('the client was closed before the message was acknowledged'));
    this.#waiting.clear();
  }

  #pump() {
    if (!this.#ready || this.#inFlight !== null || this.#retryTimer !== undefined) return;
    if (this.#held) return;
    const next = this.#read().find((item) => item.error === undefined);
    if (next && this.#transmit(next)) this.#inFlight = next.clientId;
  }

  /** @returns {OutboxItem[]} */
  #read() {
    if (!this.#storageWorks) return this.#memory;
    /** @type {unknown} */ let data;
    try {
      data = JSON.parse(this.#storage.getItem(this.#key) ?? '[]');
    } catch {
      // Unreadable storage or a corrupt entry: what this outbox last wrote is all there is.
      return this.#memory;
    }
    return Array.isArray(data) ? data.filter(isOutboxItem) : [];
  }

  /** @param {OutboxItem[]} items */
  #write(items) {
    this.#memory = items;
    try {
      if (items.length === 0) this.#storage.removeItem(this.#key);
      else this.#storage.setItem(this.#key, JSON.stringify(items));
    } catch {
      // Full or disabled: from now on the items live in memory only, for this client's lifetime.
      this.#storageWorks = false;
    }
    this.emit('change', items);
  }
}

/**
 * The refusal the room would answer `text` with for being empty or too long, as an error frame;
 * null when it may be sent. Everything else (control characters, say) is the room's to judge.
 * @param {string} text
 * @returns {ErrorFrame | null}
 */
function checkText(text) {
  const trimmed = text.trim();
  if (trimmed === '') return { type: 'error', code: 'empty', message: 'text is empty' };
  if (codePointLength(trimmed) <= MAX_TEXT_LENGTH) return null;
  const message = `text is longer than ${MAX_TEXT_LENGTH} characters`;
  return { type: 'error', code: 'too_long', message };
}

/**
 * Whether a refusal says to wait and try again: a rate limit (slow mode's too) or a mute, whose
 * `forbidden` names the time left (a read-only room's names none: that one is final).
 * @param {ErrorFrame} error
 */
function isWait(error) {
  return (
    error.code === 'rate_limited' ||
    (error.code === 'forbidden' && error.retryAfterMs !== undefined)
  );
}

/** @param {unknown} value @returns {value is number} */
function isMessageId(value) {
  return Number.isSafeInteger(value) && typeof value === 'number' && value >= 0;
}

/** @param {OutboxItem} item @returns {OutboxItem} */
function withoutError({ error: _, ...item }) {
  return item;
}

/** Stored items are read back from `unknown`: another version of the page may have written them. */
/** @param {unknown} value @returns {value is OutboxItem} */
function isOutboxItem(value) {
  return (
    typeof value === 'object' &&
    value !== null &&
    'clientId' in value &&
    isClientId(value.clientId) &&
    'text' in value &&
    typeof value.text === 'string' &&
    'ts' in value &&
    typeof value.ts === 'number' &&
    (!('replyTo' in value) || isMessageId(value.replyTo)) &&
    (!('error' in value) || typeof value.error === 'string')
  );
}

/** 32 hex digits; getRandomValues also works outside secure contexts, unlike randomUUID. */
function newClientId() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
}
