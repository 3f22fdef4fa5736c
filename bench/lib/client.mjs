// @ts-check
// Real WebSocket clients (the `ws` package) and the bookkeeping every scenario shares: opening
// many sockets with bounded concurrency, stamping messages with their send time, and counting
// deliveries per receiver so that a lost or duplicated message is noticed.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/**
 * @typedef {import('./targets.mjs').Target} Target
 * @typedef {{ s: number; n: number; t: number }} Stamp sender index, sequence number, send time (performance.now() ms)
 * @typedef {(client: Client, raw: string) => void} FrameHandler
 */

/** One connected socket. `onFrame` is set by the scenario; frames before that are ignored. */
export class Client {
  /**
   * @param {WebSocket} ws
   * @param {number} index
   * @param {string} room
   * @param {number} connectMs time from opening the socket until it was usable
   */
  constructor(ws, index, room, connectMs) {
    this.ws = ws;
    this.index = index;
    this.room = room;
    this.connectMs = connectMs;
    /** When it became usable, in ms since connectMany started (set by connectMany). */
    this.readyAtMs = connectMs;
    /** @type {FrameHandler | null} */
    this.onFrame = null;
    ws.on('message', (data, isBinary) => {
      if (!isBinary && this.onFrame) this.onFrame(this, data.toString());
    });
  }

  /** @param {string} text */
  send(text) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }
}

/**
 * Opens one socket; resolves once it is usable (floor: open; app: its `welcome` frame).
 * @param {Target} target
 * @param {string} url from `target.url`, made beforehand so signing a token is not timed
 * @param {string} room
 * @param {number} index
 * @param {number} timeoutMs
 * @returns {Promise<Client>}
 */
export function connect(target, url, room, index, timeoutMs) {
  const started = performance.now();
  // No compression: the floor and the app should pay for the same bytes on the wire.
  const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail('timeout'), timeoutMs);
    /** @param {string} reason */
    function fail(reason) {
      clearTimeout(timer);
      ws.removeAllListeners('message');
      ws.terminate();
      reject(new Error(reason));
    }
    function ready() {
      clearTimeout(timer);
      ws.removeAllListeners('message');
      ws.removeAllListeners('close');
      resolve(new Client(ws, index, room, performance.now() - started));
    }
    ws.on('error', (err) =>
      fail(`error: ${/** @type {{ code?: string }} */ (err).code ?? err.message}`),
    );
    ws.on('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode}`));
    ws.on('close', (code) => fail(`closed ${code} before ready`));
    if (target.readyOn === 'open') ws.on('open', ready);
    else
      ws.on('message', (data) =>
        String(data).startsWith('{"type":"welcome"')
          ? ready()
          : fail('first frame was not welcome'),
      );
  });
}

/**
 * Opens `count` sockets with at most `concurrency` handshakes in flight. Failures are counted by
 * reason, never thrown: the scenario goes on with the sockets it got and reports the rest.
 * @param {Target} target
 * @param {{ count: number; concurrency: number; timeoutMs: number; room: (i: number) => string; userId: (i: number) => string; deadline: number }} plan
 */
export async function connectMany(target, plan) {
  /** @type {Client[]} */
  const clients = [];
  /** @type {Record<string, number>} */
  const failures = {};
  // Tokens are signed up front: the load generator's own work must not count as connect time.
  const urls = await Promise.all(
    Array.from({ length: plan.count }, (_, i) => target.url(plan.room(i), plan.userId(i))),
  );
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < plan.count && Date.now() < plan.deadline) {
      const i = next++;
      try {
        const client = await connect(target, urls[i] ?? '', plan.room(i), i, plan.timeoutMs);
        client.readyAtMs = performance.now() - started;
        clients.push(client);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        failures[reason] = (failures[reason] ?? 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(plan.concurrency, plan.count) }, worker));
  if (next < plan.count) failures['not started: out of time'] = plan.count - next;
  clients.sort((a, b) => a.index - b.index);
  return {
    clients,
    failures,
    failed: plan.count - clients.length,
    elapsedMs: performance.now() - started,
  };
}

/**
 * Closes every socket (code 1000) and waits, bounded, for the close handshakes; stragglers are
 * terminated.
 * @param {Client[]} clients
 * @param {number} timeoutMs
 */
export async function closeAll(clients, timeoutMs) {
  const closed = clients.map(({ ws }) =>
    ws.readyState === WebSocket.CLOSED
      ? Promise.resolve()
      : new Promise((resolve) => ws.once('close', resolve)),
  );
  for (const { ws } of clients) {
    ws.removeAllListeners('message');
    if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'bench done');
  }
  await Promise.race([Promise.all(closed), sleep(timeoutMs)]);
  for (const { ws } of clients) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
}

/**
 * The frame a client sends: the same for floor and app; the text carries the stamp as JSON.
 * @param {Stamp} stamp
 */
export function messageFrame(stamp) {
  return JSON.stringify({
    type: 'message',
    text: JSON.stringify(stamp),
    clientId: `b${stamp.s}-${stamp.n}`,
  });
}

/**
 * What a received frame means to a scenario: a stamped chat message, a pong, an error, or
 * something else (welcome, join, leave, presence...), which the scenarios ignore.
 * @param {string} raw
 * @returns {{ kind: 'message'; stamp: Stamp } | { kind: 'pong' } | { kind: 'error'; code: string } | { kind: 'other' }}
 */
export function classify(raw) {
  /** @type {unknown} */
  let frame;
  try {
    frame = JSON.parse(raw);
  } catch {
    return { kind: 'error', code: 'unparseable frame' };
  }
  if (typeof frame !== 'object' || frame === null || !('type' in frame)) return { kind: 'other' };
  if (frame.type === 'pong') return { kind: 'pong' };
  if (frame.type === 'error')
    return { kind: 'error', code: 'code' in frame ? String(frame.code) : 'unknown' };
  if (frame.type !== 'message' || !('text' in frame)) return { kind: 'other' };
  const stamp = stampOf(frame.text);
  return stamp ? { kind: 'message', stamp } : { kind: 'other' };
}

/**
 * The stamp a bench client wrote into a text (see `messageFrame`), or `null` for any other text.
 * @param {unknown} text
 * @returns {Stamp | null}
 */
export function stampOf(text) {
  if (typeof text !== 'string') return null;
  try {
    /** @type {unknown} */
    const stamp = JSON.parse(text);
    if (
      typeof stamp === 'object' &&
      stamp !== null &&
      's' in stamp &&
      'n' in stamp &&
      't' in stamp
    ) {
      return { s: Number(stamp.s), n: Number(stamp.n), t: Number(stamp.t) };
    }
  } catch {}
  return null;
}

/**
 * Expected versus delivered messages, per receiver, with the end-to-end latency of each delivery.
 * Each receiver keeps one byte per (sender, sequence number) to tell a duplicate from a delivery.
 */
export class Deliveries {
  /**
   * @param {number} senders
   * @param {number} perSender most messages one sender will send
   */
  constructor(senders, perSender) {
    this.senders = senders;
    this.perSender = perSender;
    this.expected = 0;
    this.delivered = 0;
    this.duplicates = 0;
    /** @type {number[]} */
    this.latencies = [];
    /** @type {Record<string, number>} */
    this.errors = {};
    this.firstSendAt = Infinity;
    this.lastDeliveryAt = 0;
    /** @type {Map<number, Uint8Array>} */
    this.seen = new Map();
  }

  /**
   * A message was sent into a room with `receivers` sockets (the sender included).
   * @param {number} receivers
   */
  sent(receivers) {
    this.expected += receivers;
    if (this.firstSendAt === Infinity) this.firstSendAt = performance.now();
  }

  /**
   * Handles one frame for `client`; returns the stamp of a delivered message, if it was one.
   * @param {Client} client
   * @param {string} raw
   * @returns {Stamp | null}
   */
  receive(client, raw) {
    const now = performance.now();
    const frame = classify(raw);
    if (frame.kind === 'error') this.error(frame.code);
    if (frame.kind !== 'message') return null;
    return this.record(client.index, frame.stamp, now) ? frame.stamp : null;
  }

  /**
   * Counts the delivery of `stamp` to the receiver with index `receiver`, received at `now`
   * (performance.now() ms), for a scenario that finds the stamp itself; false for a duplicate.
   * @param {number} receiver
   * @param {Stamp} stamp
   * @param {number} now
   */
  record(receiver, stamp, now) {
    let seen = this.seen.get(receiver);
    if (!seen) this.seen.set(receiver, (seen = new Uint8Array(this.senders * this.perSender)));
    const slot = stamp.s * this.perSender + stamp.n;
    if (seen[slot]) {
      this.duplicates++;
      return false;
    }
    seen[slot] = 1;
    this.delivered++;
    this.lastDeliveryAt = now;
    this.latencies.push(now - stamp.t);
    return true;
  }

  /**
   * Counts an error frame, or something wrong with what arrived, by `code`.
   * @param {string} code
   */
  error(code) {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  get done() {
    return this.delivered >= this.expected;
  }
}

/**
 * Waits until `condition` holds or `timeoutMs` passes; resolves to whether it held.
 * @param {() => boolean} condition
 * @param {number} timeoutMs
 * @param {number} [everyMs]
 */
export async function waitFor(condition, timeoutMs, everyMs = 10) {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= until) return false;
    await sleep(everyMs);
  }
  return true;
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
