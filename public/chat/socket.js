// @ts-check
// A WebSocket that reconnects by itself, and knows nothing of chat: it asks for a URL before every
// attempt, waits between failed attempts by a jittered backoff, sends a heartbeat and gives up on
// a connection whose peer stops answering, and stops for good on a close the policy calls final.
// The WebSocket class is passed in (browsers have one; Node 20 takes the `ws` package's).
import { Emitter } from './events.js';

/**
 * The part of the WebSocket API used here; browsers' WebSocket and the `ws` package both have it.
 * `terminate` is the `ws` package's: it drops a dead connection at once (see #drop).
 * @typedef {object} WebSocketLike
 * @property {number} readyState
 * @property {(data: string) => void} send
 * @property {(code?: number, reason?: string) => void} close
 * @property {() => void} [terminate]
 * @property {(type: 'open' | 'message' | 'close' | 'error', listener: (event: unknown) => void) => void} addEventListener
 */
/** @typedef {new (url: string) => WebSocketLike} WebSocketClass */
/** @typedef {string | (() => string | Promise<string>)} UrlProvider */
/**
 * @typedef {object} Heartbeat
 * @property {string} frame sent every `intervalMs` while open
 * @property {number} intervalMs
 * @property {number} timeoutMs how long after a heartbeat a frame (any frame) must arrive
 */
/**
 * @typedef {object} SocketOptions
 * @property {UrlProvider} url called before every attempt, so it can carry a fresh token
 * @property {WebSocketClass} WebSocket
 * @property {Heartbeat} [heartbeat] none by default
 * @property {() => number} [random] for the jitter; Math.random by default
 * @property {number} [firstDelayMs] the first wait after a failure (1 s), doubling per failure
 * @property {number} [maxDelayMs] the longest wait (30 s)
 * @property {number} [stableAfterMs] open this long, the backoff starts over (10 s)
 * @property {number} [connectTimeoutMs] an attempt not open by then is given up (10 s)
 * @property {(code: number) => boolean} [isFinalClose] `isFinalClose` below by default
 */
/**
 * What each event's `detail` holds.
 * @typedef {object} SocketEventMap
 * @property {CustomEvent<{ attempt: number }>} connecting an attempt starts (1 = the first since the last open)
 * @property {CustomEvent<null>} open
 * @property {CustomEvent<{ data: string }>} message a text frame (binary frames are ignored)
 * @property {CustomEvent<{ code: number, reason: string, wasOpen: boolean, final: boolean }>} lost
 *   the connection ended or an attempt failed; `final` when no retry follows
 * @property {CustomEvent<{ error: unknown }>} failure the URL provider or the WebSocket constructor threw
 * @property {CustomEvent<{ delayMs: number, failures: number }>} retry the next attempt is planned
 * @property {CustomEvent<{ code: number, reason: string }>} closed for good: close() or a final close
 */
/** @typedef {'idle' | 'connecting' | 'open' | 'waiting' | 'closed'} SocketState */

const OPEN = 1; // WebSocket.OPEN; not read from the class, which a test double may lack
const CONNECTING = 0;
/** Our own close of a connection we gave up on (4000-4999 is for applications). */
export const CLOSE_GIVEN_UP = 4000;

/**
 * The close policy: a close the server meant as a refusal (1008 policy, 1009 too big, or any
 * application code 4000-4999) would only be refused again, so it is final; others are retried.
 * @param {number} code
 */
export function isFinalClose(code) {
  return code === 1008 || code === 1009 || (code >= 4000 && code <= 4999);
}

/**
 * The wait before the next attempt after `failures` failures in a row: "equal jitter" over a cap
 * that starts at `firstMs` and doubles up to `maxMs`, so the wait lies in [cap/2, cap] and clients
 * that lost the same server spread out instead of returning all at once.
 * @param {number} failures
 * @param {() => number} [random]
 */
export function backoffDelay(failures, random = Math.random, firstMs = 1_000, maxMs = 30_000) {
  const cap = Math.min(maxMs, firstMs * 2 ** Math.min(failures, 30));
  return cap / 2 + (random() * cap) / 2;
}

/** @extends {Emitter<SocketEventMap>} */
export class ReconnectingSocket extends Emitter {
  /** @type {Required<Omit<SocketOptions, 'heartbeat'>> & { heartbeat: Heartbeat | null }} */
  #options;
  /** @type {SocketState} */
  #state = 'idle';
  /** @type {WebSocketLike | null} */
  #ws = null;
  /** Failed attempts since the last stable connection. */
  #failures = 0;
  /** Bumped by every attempt and by close(), so late async work of an older one is dropped. */
  #generation = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */ #retryTimer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */ #connectTimer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */ #stableTimer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */ #pongTimer;
  /** @type {ReturnType<typeof setInterval> | undefined} */ #heartbeatTimer;

  /** @param {SocketOptions} options */
  constructor(options) {
    super();
    if (typeof options.WebSocket !== 'function')
      throw new TypeError('a WebSocket class is required (in Node 20, pass the ws package’s)');
    this.#options = {
      heartbeat: null,
      random: Math.random,
      firstDelayMs: 1_000,
      maxDelayMs: 30_000,
      stableAfterMs: 10_000,
      connectTimeoutMs: 10_000,
      isFinalClose,
      ...options,
    };
  }

  /** 'idle' before start(), then 'connecting', 'open', 'waiting' (for a retry) or 'closed'. */
  get state() {
    return this.#state;
  }

  /** Opens the first connection; does nothing once started. */
  start() {
    if (this.#state === 'idle') void this.#connect();
  }

  /** Sends a text frame on an open connection; false (and nothing sent) otherwise. */
  send(/** @type {string} */ data) {
    const ws = this.#ws;
    if (this.#state !== 'open' || ws?.readyState !== OPEN) return false;
    ws.send(data);
    return true;
  }

  /** Skips the wait for a planned retry (the network or the tab came back); otherwise nothing. */
  reconnectNow() {
    if (this.#state !== 'waiting') return;
    clearTimeout(this.#retryTimer);
    void this.#connect();
  }

  /** Gives up the current connection or attempt as lost (the network went away) and retries by the backoff. */
  interrupt(reason = 'interrupted') {
    const ws = this.#ws;
    if (ws && (this.#state === 'open' || this.#state === 'connecting')) this.#drop(ws, reason);
  }

  /** Closes for good: no timer, no socket and no attempt is left afterwards. */
  close(code = 1000, reason = 'closed') {
    if (this.#state === 'closed') return;
    const ws = this.#ws;
    this.#generation++;
    this.#teardown();
    clearTimeout(this.#retryTimer);
    this.#state = 'closed';
    if (ws && (ws.readyState === OPEN || ws.readyState === CONNECTING)) ws.close(code, reason);
    this.emit('closed', { code, reason });
  }

  async #connect() {
    const generation = ++this.#generation;
    this.#state = 'connecting';
    this.emit('connecting', { attempt: this.#failures + 1 });
    /** @type {WebSocketLike} */ let ws;
    try {
      const { url } = this.#options;
      const address = typeof url === 'function' ? await url() : url;
      if (generation !== this.#generation) return;
      if (typeof address !== 'string') throw new TypeError('the URL provider gave no string');
      ws = new this.#options.WebSocket(address);
    } catch (error) {
      if (generation !== this.#generation) return;
      this.emit('failure', { error });
      return this.#lost(1006, 'no connection attempt', false);
    }
    this.#ws = ws;
    this.#connectTimer = setTimeout(
      () => this.#drop(ws, 'no answer to the upgrade'),
      this.#options.connectTimeoutMs,
    );
    ws.addEventListener('open', () => ws === this.#ws && this.#opened(ws));
    ws.addEventListener('message', (event) => {
      if (ws !== this.#ws) return;
      this.#alive();
      const data = isRecord(event) ? event.data : undefined;
      if (typeof data === 'string') this.emit('message', { data });
    });
    ws.addEventListener('close', (event) => {
      if (ws !== this.#ws) return;
      const code = isRecord(event) && typeof event.code === 'number' ? event.code : 1006;
      const reason = isRecord(event) && typeof event.reason === 'string' ? event.reason : '';
      this.#lost(code, reason, this.#options.isFinalClose(code));
    });
    // An error is always followed by a close, which is what counts.
    ws.addEventListener('error', () => {});
  }

  /** @param {WebSocketLike} ws */
  #opened(ws) {
    clearTimeout(this.#connectTimer);
    this.#state = 'open';
    this.#stableTimer = setTimeout(() => (this.#failures = 0), this.#options.stableAfterMs);
    const { heartbeat } = this.#options;
    if (heartbeat) {
      this.#heartbeatTimer = setInterval(() => {
        if (ws.readyState !== OPEN) return;
        ws.send(heartbeat.frame);
        this.#pongTimer ??= setTimeout(
          () => this.#drop(ws, 'no answer to the heartbeat'),
          heartbeat.timeoutMs,
        );
      }, heartbeat.intervalMs);
    }
    this.emit('open', null);
  }

  /** Any frame proves the peer is there, not only the heartbeat's answer. */
  #alive() {
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
  }

  /**
   * Gives up on a connection from our side. Closing a dead one politely would wait for an answer
   * that never comes (the ws package waits 30 s, holding a timer), so it is terminated where the
   * class can; its close event is ignored, as it is no longer the current socket.
   * @param {WebSocketLike} ws
   * @param {string} reason
   */
  #drop(ws, reason) {
    if (ws !== this.#ws) return;
    this.#ws = null;
    try {
      if (ws.terminate) ws.terminate();
      else ws.close(CLOSE_GIVEN_UP, reason);
    } catch {
      // Already closed.
    }
    this.#lost(CLOSE_GIVEN_UP, reason, false);
  }

  /**
   * @param {number} code
   * @param {string} reason
   * @param {boolean} final
   */
  #lost(code, reason, final) {
    const wasOpen = this.#state === 'open';
    this.#teardown();
    this.emit('lost', { code, reason, wasOpen, final });
    if (this.#state === 'closed') return;
    if (final) {
      this.#state = 'closed';
      this.emit('closed', { code, reason });
      return;
    }
    const { random, firstDelayMs, maxDelayMs } = this.#options;
    const delayMs = backoffDelay(this.#failures, random, firstDelayMs, maxDelayMs);
    this.#failures++;
    this.#state = 'waiting';
    this.#retryTimer = setTimeout(() => void this.#connect(), delayMs);
    this.emit('retry', { delayMs, failures: this.#failures });
  }

  /** Forgets the current socket and every timer that only made sense while it was there. */
  #teardown() {
    this.#ws = null;
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#stableTimer);
    clearTimeout(this.#pongTimer);
    clearInterval(this.#heartbeatTimer);
    this.#pongTimer = undefined;
  }
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isRecord(value) {
  return typeof value === 'object' && value !== null;
}
