// Abuse over real TCP against `wrangler dev` with the shipped limits: a flood, oversized frames,
// connection churn with and without Close frames, and the guest token limiter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_FRAME_BYTES,
  MAX_RATE_REFUSALS_PER_MINUTE,
  type ServerFrame,
} from '../../src/protocol.ts';
import {
  ErrorBodySchema,
  mapLimit,
  newUser,
  openSocket,
  readJson,
  requestToken,
  sleep,
  TokenBodySchema,
  uniqueRoom,
  type E2ESocket,
} from './client.ts';
import { startDevServer, type DevServer } from './wrangler.mjs';

// The shipped defaults from wrangler.toml: burst 10, then 2 a second.
const BURST = 10;
const RATE = 2;

let server: DevServer;

beforeAll(async () => {
  // A snapshot: a reload (any edit under src/ or public/) would drop every socket mid-test.
  server = await startDevServer({ snapshot: true });
});

afterAll(async () => {
  await server?.stop();
});

/** Opens a socket and reads its welcome. */
async function join(
  room: string,
  token: string,
): Promise<{ socket: E2ESocket; welcome: Extract<ServerFrame, { type: 'welcome' }> }> {
  const socket = await openSocket(server.origin, room, token);
  const welcome = await socket.next();
  if (welcome.type !== 'welcome') throw new Error(`first frame is ${welcome.type}, not welcome`);
  return { socket, welcome };
}

/** Skips frames until a message with this clientId arrives. */
async function messageWith(
  socket: E2ESocket,
  clientId: string,
  timeoutMs = 10_000,
): Promise<Extract<ServerFrame, { type: 'message' }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = await socket.nextOf('message', Math.max(1, deadline - Date.now()));
    if (frame.clientId === clientId) return frame;
  }
}

describe('flood', () => {
  it('passes about a burst of 200 frames, refuses the rest, closes with 1008, and others keep chatting', async () => {
    const room = uniqueRoom('flood');
    const flo = await newUser('Flo');
    const bea = await newUser('Bea');
    const cy = await newUser('Cy');
    const { socket: c } = await join(room, cy.token);
    const { socket: b } = await join(room, bea.token);
    await c.nextOf('join');
    const { socket: f } = await join(room, flo.token);
    await c.nextOf('join');
    await b.nextOf('join');

    const started = Date.now();
    for (let i = 0; i < 200; i++) {
      f.send({ type: 'message', text: `spam ${i}`, clientId: `f-${i}` });
      if (i === 100) b.send({ type: 'message', text: 'during the flood', clientId: 'b-1' });
    }

    const passed: string[] = [];
    const refused: string[] = [];
    const retryAfter: number[] = [];
    const other: ServerFrame[] = [];
    const flooderDone = (async () => {
      const deadline = Date.now() + 30_000;
      while (f.ws.readyState === f.ws.OPEN && Date.now() < deadline) {
        let frame;
        try {
          frame = await f.next(1000);
        } catch (err) {
          if (err instanceof Error && err.message.startsWith('no frame within')) continue;
          throw err;
        }
        if (frame.type === 'message' && frame.user.id === flo.user.id)
          passed.push(frame.clientId ?? '');
        else if (frame.type === 'error' && frame.code === 'rate_limited') {
          refused.push(frame.clientId ?? '');
          retryAfter.push(frame.retryAfterMs ?? -1);
        } else other.push(frame);
      }
      return f.closed;
    })();

    // Bea is not slowed down by Flo: her message is stored while the flood goes on.
    const during = await messageWith(b, 'b-1');
    expect(during).toMatchObject({ user: bea.user, text: 'during the flood' });

    const closed = await flooderDone;
    const elapsedSeconds = (Date.now() - started) / 1000;
    expect(closed).toEqual({ code: 1008, reason: 'rate limit exceeded repeatedly' });
    expect(passed.length).toBeGreaterThanOrEqual(BURST);
    expect(passed.length).toBeLessThanOrEqual(BURST + Math.ceil(RATE * elapsedSeconds));
    expect(passed.slice(0, BURST)).toEqual(Array.from({ length: BURST }, (_, i) => `f-${i}`));
    // Exactly 50 refusals with an error frame; the 51st closes the socket instead.
    expect(refused).toHaveLength(MAX_RATE_REFUSALS_PER_MINUTE);
    expect(refused.every((id) => /^f-\d+$/.test(id) && !passed.includes(id))).toBe(true);
    // After waiting retryAfterMs one more frame is accepted: at 2 a second, never more than 500 ms.
    expect(retryAfter.every((ms) => ms > 0 && ms <= 1000 / RATE)).toBe(true);
    expect(other.filter((frame) => frame.type === 'error')).toEqual([]);
    console.info(
      `flood: 200 sent, ${passed.length} passed, ${refused.length} rate_limited, then close ${closed.code} after ${elapsedSeconds.toFixed(2)} s`,
    );

    // Cy saw Bea's message and exactly the flood messages that passed, then Flo leave.
    const seenByCy: string[] = [];
    let beaForCy: ServerFrame | undefined;
    const cyDeadline = Date.now() + 15_000;
    for (;;) {
      const frame = await c.next(Math.max(1, cyDeadline - Date.now()));
      if (frame.type === 'leave') {
        expect(frame.user).toEqual(flo.user);
        break;
      }
      if (frame.type === 'message' && frame.user.id === flo.user.id)
        seenByCy.push(frame.clientId ?? '');
      else if (frame.type === 'message') beaForCy = frame;
    }
    beaForCy ??= await messageWith(c, 'b-1');
    expect(beaForCy).toEqual(during);
    expect(seenByCy).toEqual(passed);
    b.send({ type: 'message', text: 'after the flood', clientId: 'b-2' });
    expect(await messageWith(c, 'b-2')).toMatchObject({ user: bea.user, text: 'after the flood' });
    await b.close();
    await c.close();
  });
});

describe('oversized frames', () => {
  it('refuses a 1 MiB frame without harming the room for others', async () => {
    const room = uniqueRoom('big');
    const big = await newUser('Big');
    const cy = await newUser('Cy');
    const { socket: c } = await join(room, cy.token);
    const { socket: o } = await join(room, big.token);
    await c.nextOf('join');

    o.send({ type: 'message', text: 'x'.repeat(1024 * 1024), clientId: 'huge' });
    // The contract allows either answer: a too_long error on an open socket, or a 1009 close.
    const outcome = await Promise.race([
      o.next(10_000).then((frame) => ({ frame })),
      o.closed.then((close) => ({ close })),
    ]);
    if ('close' in outcome) {
      expect(outcome.close.code).toBe(1009);
      expect(await c.nextOf('leave')).toMatchObject({ user: big.user });
    } else {
      // Refused before parsing, so no clientId is echoed.
      expect(outcome.frame).toEqual({
        type: 'error',
        code: 'too_long',
        message: `frame is larger than ${MAX_FRAME_BYTES} bytes`,
      });
      o.send({ type: 'message', text: 'small one', clientId: 'small' });
      expect(await messageWith(o, 'small')).toMatchObject({ text: 'small one', user: big.user });
    }
    c.send({ type: 'message', text: 'still fine', clientId: 'c-1' });
    const ok = await messageWith(c, 'c-1');
    expect(ok).toMatchObject({ user: cy.user, text: 'still fine' });
    // Nothing of the huge frame was stored or broadcast.
    c.send({ type: 'history', after: 0, limit: 100 });
    const history = await c.nextOf('history');
    expect(history.messages.map((m) => m.clientId)).not.toContain('huge');
    await o.close();
    await c.close();
  });

  it('closes a socket with 1009 for a frame beyond the runtime’s own limit, and the room carries on', async () => {
    const room = uniqueRoom('huge');
    const big = await newUser('Huge');
    const cy = await newUser('Cy');
    const { socket: c } = await join(room, cy.token);
    const { socket: o } = await join(room, big.token);
    await c.nextOf('join');
    // workerd refuses WebSocket messages over 32 MiB itself, before the room sees them.
    o.ws.send('x'.repeat(33 * 1024 * 1024));
    const closed = await Promise.race([o.closed, sleep(60_000).then(() => null)]);
    expect(closed).toEqual({ code: 1009, reason: 'Message is too large' });
    expect(await c.nextOf('leave', 10_000)).toMatchObject({ user: big.user });
    c.send({ type: 'message', text: 'still fine', clientId: 'c-1' });
    expect(await messageWith(c, 'c-1')).toMatchObject({ user: cy.user, text: 'still fine' });
    await c.close();
  });

  it('accepts a frame of exactly 16 KiB and refuses one byte more with too_long', async () => {
    const room = uniqueRoom('edge');
    const { token } = await newUser('Edge');
    const { socket } = await join(room, token);
    // Unknown fields are dropped, so padding a ping gives a valid frame of any size.
    const frameOf = (bytes: number) => {
      const head = '{"type":"ping","pad":"';
      return `${head}${'p'.repeat(bytes - head.length - 2)}"}`;
    };
    expect(Buffer.byteLength(frameOf(MAX_FRAME_BYTES))).toBe(MAX_FRAME_BYTES);
    socket.ws.send(frameOf(MAX_FRAME_BYTES));
    expect(await socket.next()).toEqual({ type: 'pong' });
    socket.ws.send(frameOf(MAX_FRAME_BYTES + 1));
    expect(await socket.next()).toMatchObject({ type: 'error', code: 'too_long' });
    socket.send({ type: 'ping', pad: 'small' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    await socket.close();
  });
});

describe('connection churn', () => {
  it('shows exactly the users still connected after 300 connects and disconnects, half without a Close frame', async () => {
    const room = uniqueRoom('churn');
    const ann = await newUser('Ann');
    const bob = await newUser('Bob');
    const { socket: a } = await join(room, ann.token);
    const { socket: b } = await join(room, bob.token);
    await a.nextOf('join');

    const CHURN = 300;
    const churners = await Promise.all(
      Array.from({ length: CHURN }, (_, i) => newUser(`churn ${i}`)),
    );
    const started = Date.now();
    await mapLimit(churners, 10, async ({ token }, i) => {
      const { socket, welcome } = await join(room, token);
      expect(welcome.memberCount).toBeGreaterThanOrEqual(3);
      // Odd ones vanish as a dead network would: no Close frame, just the TCP connection gone.
      if (i % 2 === 1) await socket.terminate();
      else await socket.close();
    });
    const churnedMs = Date.now() - started;

    // Ann hears every churner arrive and leave; a socket dropped without a Close still ends in a
    // leave, because workerd sees the TCP connection go away.
    const churnerIds = new Set(churners.map(({ user }) => user.id));
    const joined = new Set<string>();
    const left = new Set<string>();
    const deadline = Date.now() + 60_000;
    while (left.size < CHURN && Date.now() < deadline) {
      const frame = await a.next(Math.max(1, deadline - Date.now()));
      if (frame.type === 'join' && churnerIds.has(frame.user.id)) joined.add(frame.user.id);
      if (frame.type === 'leave' && churnerIds.has(frame.user.id)) left.add(frame.user.id);
    }
    const settledMs = Date.now() - started - churnedMs;
    expect(joined.size).toBe(CHURN);
    expect(left.size).toBe(CHURN);

    const fresh = await newUser('Fay');
    const { socket: s, welcome } = await join(room, fresh.token);
    expect(welcome.members).toEqual([ann.user, bob.user, fresh.user]);
    expect(welcome.memberCount).toBe(3);
    console.info(
      `churn: ${CHURN} connects/disconnects (${CHURN / 2} without Close) in ${churnedMs} ms, last leave ${settledMs} ms later`,
    );

    s.send({ type: 'message', text: 'anyone here?', clientId: 'fay-1' });
    expect(await messageWith(a, 'fay-1')).toMatchObject({ user: fresh.user });
    expect(await messageWith(b, 'fay-1')).toMatchObject({ user: fresh.user });
    await s.close();
    await a.close();
    await b.close();
  });
});

describe('guest token limit', () => {
  it('issues 30 guest tokens a minute to one address, refuses the next 10 with 429, and serves other addresses', async () => {
    // Locally the binding counts in fixed windows aligned to the clock minute (miniflare's
    // RateLimiterObject); start well inside one so the 40 requests share a window.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await sleep(60_000 - intoMinute + 200);

    const statuses: number[] = [];
    const refusals: Response[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await requestToken(server.origin, `guest ${i}`, { ip: '203.0.113.40' });
      statuses.push(res.status);
      if (res.status === 200) await readJson(res, TokenBodySchema);
      else refusals.push(res);
    }
    expect(statuses).toEqual([...Array<number>(30).fill(200), ...Array<number>(10).fill(429)]);
    for (const res of refusals) {
      expect(res.headers.get('retry-after')).toBe('60');
      expect(await readJson(res, ErrorBodySchema)).toEqual({
        error: 'too many tokens requested from this address; try again in a minute',
      });
    }
    // Keyed on CF-Connecting-IP: another address is unaffected.
    const other = await requestToken(server.origin, 'neighbour', { ip: '203.0.113.41' });
    expect(other.status).toBe(200);
    const { token, user } = await readJson(other, TokenBodySchema);
    const { socket, welcome } = await join(uniqueRoom('guest'), token);
    expect(welcome.user).toEqual(user);
    await socket.close();
  });

  it('limits refreshes per user, not per address: a returning guest behind a busy address still gets in', async () => {
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await sleep(60_000 - intoMinute + 200);
    const ip = '203.0.113.50';
    const first = await requestToken(server.origin, 'returning', { ip: '203.0.113.51' });
    const { refreshToken: firstRefresh, user } = await readJson(first, TokenBodySchema);
    // The office's address spends its whole minute on new guests...
    for (let i = 0; i < 30; i++)
      expect((await requestToken(server.origin, `office ${i}`, { ip })).status).toBe(200);
    expect((await requestToken(server.origin, 'one too many', { ip })).status).toBe(429);
    // ...yet the returning guest refreshes from it, keeping their id, up to 30 times a minute.
    const statuses: number[] = [];
    let refreshToken = firstRefresh;
    let token = '';
    for (let i = 0; i < 31; i++) {
      const res = await requestToken(server.origin, 'returning', { ip, bearer: refreshToken });
      statuses.push(res.status);
      if (res.status !== 200) {
        expect(await readJson(res, ErrorBodySchema)).toEqual({
          error: 'too many token refreshes for this user; try again in a minute',
        });
        continue;
      }
      const refreshed = await readJson(res, TokenBodySchema);
      expect(refreshed.user).toEqual(user);
      ({ token, refreshToken } = refreshed);
    }
    expect(statuses).toEqual([...Array<number>(30).fill(200), 429]);
    const { socket, welcome } = await join(uniqueRoom('refresh'), token);
    expect(welcome.user).toEqual(user);
    await socket.close();
  });
});
