// @ts-check
// Guest identities from the server's own token endpoint (POST /api/token), for apps without a
// backend of their own. The refresh token is what keeps a guest the same person across tokens:
// it is kept in the given storage and sent only in the Authorization header of that request,
// never in a URL (the short-lived access tokens travel in socket URLs, and so in logs).
// `session.token` can be passed as ChatClient's `token` as it is.
import { memoryStorage } from './storage.js';

/** @typedef {import('./frames.js').User} User */
/** @typedef {import('./storage.js').Storage} Storage */
/** @typedef {{ token: string, user: User, expiresAt: number }} AccessToken */
/**
 * @typedef {object} GuestOptions
 * @property {string} url the app's origin, e.g. `https://chat.example.com`
 * @property {string} name the display name to ask for (signIn() can change it)
 * @property {Storage} [storage] keeps the refresh token and the user (localStorage in a page); in memory by default
 * @property {string} [prefix] of the storage keys (`edgechat:`, so `edgechat:refresh` and `edgechat:user`)
 * @property {typeof fetch} [fetch] the global fetch by default
 * @property {number} [timeoutMs] how long one request may take (10 s)
 */

/** The token endpoint refused, or could not be reached (`status` 0). */
export class GuestTokenError extends Error {
  /**
   * @param {string} message
   * @param {number} status the HTTP status, or 0 when no answer came
   * @param {string | null} reason the server's own `error` text, when it gave one
   */
  constructor(message, status, reason) {
    super(message);
    this.name = 'GuestTokenError';
    this.status = status;
    this.reason = reason;
  }
}

export class GuestSession {
  #endpoint;
  #name;
  #storage;
  #prefix;
  #fetch;
  #timeoutMs;
  /** An access token from signIn() that no connection has used yet. @type {AccessToken | null} */
  #unused = null;
  /** @type {Promise<AccessToken> | null} */ #inFlight = null;

  /** @param {GuestOptions} options */
  constructor(options) {
    this.#endpoint = new URL('/api/token', options.url).href;
    this.#name = options.name;
    this.#storage = options.storage ?? memoryStorage();
    this.#prefix = options.prefix ?? 'edgechat:';
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('no fetch here: pass one');
    // Called as a plain function: a browser's fetch refuses to run with any `this` but window.
    this.#fetch = /** @type {typeof fetch} */ ((input, init) => fetchImpl(input, init));
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The guest as last issued (kept in the storage), or null before the first sign-in. */
  get user() {
    return parseUser(this.#read('user'));
  }

  /**
   * Asks for a token under `name` (the given one by default), keeping the stored identity when a
   * refresh token is stored. Its access token is what the next token() call returns.
   * @param {string} [name]
   * @returns {Promise<AccessToken>}
   */
  async signIn(name) {
    if (name !== undefined) this.#name = name;
    const issued = await this.#request();
    this.#unused = issued;
    return issued;
  }

  /**
   * An access token for the next connection attempt: the one signIn() just fetched if no
   * connection has used it yet, otherwise a fresh one (the refresh token keeps the identity).
   * An arrow function, so it can be handed over as `token: session.token`.
   * @returns {Promise<string>}
   */
  token = async () => {
    const unused = this.#unused;
    this.#unused = null;
    if (unused && unused.expiresAt > Date.now() + 5_000) return unused.token;
    return (await this.#request()).token;
  };

  /** Forgets the refresh token and the user: the next token is a new guest. */
  forget() {
    this.#unused = null;
    for (const key of ['refresh', 'user']) this.#write(key, null);
  }

  /** One request at a time: two callers at once share it (and its refresh token's rotation). */
  #request() {
    this.#inFlight ??= this.#post().finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }

  /** @returns {Promise<AccessToken>} */
  async #post() {
    /** @type {Record<string, string>} */
    const headers = { 'Content-Type': 'application/json' };
    const refresh = this.#read('refresh');
    if (refresh) headers.Authorization = `Bearer ${refresh}`;
    /** @type {Response} */ let response;
    try {
      response = await this.#fetch(this.#endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: this.#name }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new GuestTokenError(`could not reach ${this.#endpoint}: ${String(error)}`, 0, null);
    }
    /** @type {unknown} */ const body = await response.json().catch(() => null);
    if (!response.ok) {
      const reason = isRecord(body) && typeof body.error === 'string' ? body.error : null;
      throw new GuestTokenError(
        `the server refused a guest token (${response.status}): ${reason ?? 'no reason given'}`,
        response.status,
        reason,
      );
    }
    const user = isRecord(body) ? parseUser(body.user) : null;
    if (
      !isRecord(body) ||
      !user ||
      typeof body.token !== 'string' ||
      typeof body.expiresAt !== 'number'
    )
      throw new GuestTokenError(
        'the server answered with something that is not a token',
        response.status,
        null,
      );
    if (typeof body.refreshToken === 'string') this.#write('refresh', body.refreshToken);
    this.#write('user', JSON.stringify(user));
    return { token: body.token, user, expiresAt: body.expiresAt };
  }

  /** @param {string} key */
  #read(key) {
    try {
      return this.#storage.getItem(this.#prefix + key);
    } catch {
      return null; // storage disabled: the guest is new each time, which still works
    }
  }

  /** @param {string} key @param {string | null} value */
  #write(key, value) {
    try {
      if (value === null) this.#storage.removeItem(this.#prefix + key);
      else this.#storage.setItem(this.#prefix + key, value);
    } catch {
      // Full or disabled: this session still has its tokens for as long as it runs.
    }
  }
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A user from what a server or a storage holds, or null. @param {unknown} value @returns {User | null} */
function parseUser(value) {
  /** @type {unknown} */ let data = value;
  if (typeof value === 'string') {
    try {
      data = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!isRecord(data) || typeof data.id !== 'string' || typeof data.name !== 'string') return null;
  return { id: data.id, name: data.name };
}
