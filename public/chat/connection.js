// @ts-check
// How a client reaches a room: the socket URL, built before every attempt with a fresh token and
// the position to resume from, and the reconnecting socket with the heartbeat and backoff the
// options ask for. Bad options fail here, at once, with a TypeError that says which.
import { HEARTBEAT_INTERVAL_MS, PING_FRAME } from './rules.js';
import { ReconnectingSocket } from './socket.js';

/** @typedef {import('./socket.js').WebSocketClass} WebSocketClass */
/**
 * @typedef {object} ConnectionOptions
 * @property {string} url the app's origin, e.g. `https://chat.example.com`
 * @property {string | (() => string | Promise<string>)} token an access token, or a function
 *   called before every connection attempt that returns one
 * @property {WebSocketClass} [WebSocket] the global WebSocket by default (Node 20 has none: pass `ws`)
 * @property {number} [heartbeatIntervalMs] how often to send the heartbeat (30 s)
 * @property {number} [pongTimeoutMs] how long a heartbeat may go unanswered before the connection is given up (10 s)
 * @property {() => number} [random] the backoff's jitter source (Math.random)
 * @property {number} [firstDelayMs] the first wait before reconnecting (1 s), doubling per failure
 * @property {number} [maxDelayMs] the longest wait (30 s)
 * @property {number} [stableAfterMs] a connection open this long resets the backoff (10 s)
 * @property {number} [connectTimeoutMs] an attempt not open by then is given up (10 s)
 */

const PONG_TIMEOUT_MS = 10_000;
const SOCKET_OPTIONS = /** @type {const} */ ([
  'random',
  'firstDelayMs',
  'maxDelayMs',
  'stableAfterMs',
  'connectTimeoutMs',
]);

/**
 * The socket for `room` (a canonical name); `position()` says where to resume from.
 * @param {ConnectionOptions} options
 * @param {string} room
 * @param {() => number | null} position
 */
export function roomSocket(options, room, position) {
  const origin = httpOrigin(options.url);
  const { token } = options;
  if (typeof token !== 'string' && typeof token !== 'function')
    throw new TypeError('token must be a string or a function returning one');
  const WebSocketClass = options.WebSocket ?? globalThis.WebSocket;
  if (typeof WebSocketClass !== 'function')
    throw new TypeError('no global WebSocket here: pass one (in Node 20, the ws package’s)');
  /** @type {Partial<Pick<ConnectionOptions, (typeof SOCKET_OPTIONS)[number]>>} */
  const tuning = {};
  for (const key of SOCKET_OPTIONS)
    if (options[key] !== undefined) Object.assign(tuning, { [key]: options[key] });
  return new ReconnectingSocket({
    url: async () => {
      const access = typeof token === 'function' ? await token() : token;
      if (typeof access !== 'string' || access === '')
        throw new TypeError('the token function gave no token');
      const url = new URL(`/api/rooms/${room}/ws`, origin);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      url.searchParams.set('token', access);
      const after = position();
      if (after !== null) url.searchParams.set('after', String(after));
      return url.href;
    },
    WebSocket: WebSocketClass,
    heartbeat: {
      frame: PING_FRAME,
      intervalMs: options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS,
      timeoutMs: options.pongTimeoutMs ?? PONG_TIMEOUT_MS,
    },
    ...tuning,
  });
}

/** The http(s) origin of `url` (ws and wss are taken as their http twins). @param {string} url */
function httpOrigin(url) {
  /** @type {URL} */ let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`not a URL: ${JSON.stringify(url)}`);
  }
  const schemes = { 'http:': 'http:', 'https:': 'https:', 'ws:': 'http:', 'wss:': 'https:' };
  const scheme = Object.entries(schemes).find(([from]) => from === parsed.protocol)?.[1];
  if (!scheme) throw new TypeError(`not an http(s) or ws(s) URL: ${JSON.stringify(url)}`);
  return `${scheme}//${parsed.host}`;
}
