// Chat through a real `wrangler dev` over TCP: guest tokens, two people talking, the HTTP
// refusals of the upgrade route, the page, error pages and redirects with their security headers,
// static assets, and a room that hibernates between messages. One server for the whole file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PING_FRAME } from '../../src/protocol.ts';
import {
  ErrorBodySchema,
  expectRefused,
  newUser,
  occurrences,
  openSocket,
  pollUntil,
  readJson,
  refusalBody,
  requestToken,
  sleep,
  TokenBodySchema,
  uniqueRoom,
} from './client.ts';
import { mintToken, startDevServer, type DevServer } from './wrangler.mjs';

let server: DevServer;

beforeAll(async () => {
  // A snapshot: a reload (any edit under src/ or public/) would drop every socket mid-test.
  server = await startDevServer({ snapshot: true });
});

afterAll(async () => {
  await server?.stop();
});

describe('guests and chat', () => {
  it('issues a guest token over HTTP and lets a guest and a signed-in user chat both ways', async () => {
    const res = await requestToken(server.origin, '  Gwen   Guest ', { ip: '198.51.100.1' });
    expect(res.status).toBe(200);
    const guest = await readJson(res, TokenBodySchema);
    expect(guest.user.name).toBe('Gwen Guest');
    expect(guest.expiresAt).toBeGreaterThan(Date.now());
    const bob = await newUser('Bob');
    const room = uniqueRoom('chat');

    const g = await openSocket(server.origin, room, guest.token);
    expect(await g.next()).toMatchObject({
      type: 'welcome',
      user: guest.user,
      room,
      memberCount: 1,
      messages: [],
      hasMore: false,
    });
    const b = await openSocket(server.origin, room, bob.token);
    expect(await b.next()).toMatchObject({
      type: 'welcome',
      user: bob.user,
      memberCount: 2,
      members: [guest.user, bob.user],
    });
    expect(await g.next()).toMatchObject({ type: 'join', user: bob.user });

    g.send({ type: 'message', text: 'hello Bob', clientId: 'g-1' });
    const fromGuest = await b.nextOf('message');
    expect(fromGuest).toMatchObject({ user: guest.user, text: 'hello Bob', clientId: 'g-1' });
    expect(await g.nextOf('message')).toEqual(fromGuest);

    b.send({ type: 'message', text: 'hi <b>Gwen</b> & co' });
    const fromBob = await g.nextOf('message');
    // The text arrives exactly as sent: escaping is the renderer's job, not the server's.
    expect(fromBob).toMatchObject({ user: bob.user, text: 'hi <b>Gwen</b> & co' });
    expect(fromBob.id).toBeGreaterThan(fromGuest.id);
    expect(await b.nextOf('message')).toEqual(fromBob);

    await b.close();
    expect(await g.nextOf('leave')).toMatchObject({ user: bob.user });
    await g.close();
  });

  it('keeps a returning guest on the same user id when their refresh token is presented', async () => {
    const first = await readJson(
      await requestToken(server.origin, 'Rita', { ip: '198.51.100.2' }),
      TokenBodySchema,
    );
    const again = await readJson(
      await requestToken(server.origin, 'Rita R', {
        ip: '198.51.100.2',
        bearer: first.refreshToken,
      }),
      TokenBodySchema,
    );
    expect(again.user).toEqual({ id: first.user.id, name: 'Rita R' });
    const room = uniqueRoom('guest');
    const s = await openSocket(server.origin, room, again.token);
    expect(await s.next()).toMatchObject({
      type: 'welcome',
      user: { id: first.user.id, name: 'Rita R' },
    });
    await s.close();
  });

  it('gives a guest who presents an access token instead a new identity, and refuses a refresh token at the socket', async () => {
    const first = await readJson(
      await requestToken(server.origin, 'Tom', { ip: '198.51.100.3' }),
      TokenBodySchema,
    );
    const again = await readJson(
      await requestToken(server.origin, 'Tom', { ip: '198.51.100.3', bearer: first.token }),
      TokenBodySchema,
    );
    expect(again.user.name).toBe('Tom');
    expect(again.user.id).not.toBe(first.user.id);
    const refused = await expectRefused(server.origin, uniqueRoom('guest'), first.refreshToken);
    expect(refused.status).toBe(401);
    expect(refusalBody(refused)).toEqual({ error: 'invalid or expired token' });
  });
});

describe('upgrade refusals over HTTP', () => {
  it('answers a plain GET on the socket route with 426 and a JSON error', async () => {
    const { token } = await newUser();
    const res = await fetch(
      new URL(`/api/rooms/${uniqueRoom('plain')}/ws?token=${token}`, server.origin),
    );
    expect(res.status).toBe(426);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await readJson(res, ErrorBodySchema)).toEqual({ error: 'expected a WebSocket upgrade' });
  });

  it.each([
    [
      'a forged signature',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4IiwibmFtZSI6IngiLCJleHAiOjk5OTk5OTk5OTl9.c2lnbmF0dXJl',
    ],
    ['garbage', 'not-a-token'],
    ['nothing', ''],
  ])('refuses an upgrade with %s as token with 401', async (_label, token) => {
    const refused = await expectRefused(server.origin, uniqueRoom('auth'), token);
    expect(refused.status).toBe(401);
    expect(refusalBody(refused)).toEqual({ error: 'invalid or expired token' });
  });

  it.each([
    ['an expired token', { ttlSeconds: -60 }],
    ['a token signed with another secret', { secret: 'someone-elses-secret' }],
  ])('refuses an upgrade with %s with 401', async (_label, options) => {
    const token = await mintToken({ id: 'user-x', name: 'X', ...options });
    const refused = await expectRefused(server.origin, uniqueRoom('auth'), token);
    expect(refused.status).toBe(401);
    expect(refusalBody(refused)).toEqual({ error: 'invalid or expired token' });
  });

  it('refuses an upgrade from a foreign Origin with 403 and accepts the app’s own origin', async () => {
    const { token, user } = await newUser('Ola');
    const room = uniqueRoom('origin');
    const refused = await expectRefused(server.origin, room, token, {
      origin: 'https://evil.example',
    });
    expect(refused.status).toBe(403);
    expect(refusalBody(refused)).toEqual({ error: 'origin not allowed' });
    // The same request from the app's own page goes through.
    const s = await openSocket(server.origin, room, token, { origin: server.origin });
    expect(await s.next()).toMatchObject({ type: 'welcome', user, memberCount: 1 });
    await s.close();
  });

  it.each([
    ['a name with a forbidden character', 'bad!room', undefined, /invalid room name/],
    ['a name starting with a dash', '-lead', undefined, /invalid room name/],
    ['a name longer than 64 characters', 'a'.repeat(65), undefined, /invalid room name/],
    ['a negative after', 'fine-room', '-1', /after must be a non-negative integer/],
    ['a non-numeric after', 'fine-room', 'abc', /after must be a non-negative integer/],
    ['a fractional after', 'fine-room', '1.5', /after must be a non-negative integer/],
  ])('refuses an upgrade with %s with 400', async (_label, room, after, error) => {
    const { token } = await newUser();
    const refused = await expectRefused(
      server.origin,
      room,
      token,
      after === undefined ? {} : { after },
    );
    expect(refused.status).toBe(400);
    expect(refusalBody(refused).error).toMatch(error);
  });

  it('checks the upgrade before the room name, and the room name before Origin and token', async () => {
    const plain = await fetch(new URL('/api/rooms/bad!room/ws?token=x', server.origin), {
      headers: { Origin: 'https://evil.example' },
    });
    expect(plain.status).toBe(426);
    const badRoom = await expectRefused(server.origin, 'bad!room', 'x', {
      origin: 'https://evil.example',
    });
    expect(badRoom.status).toBe(400);
    const foreign = await expectRefused(server.origin, uniqueRoom('order'), 'x', {
      origin: 'https://evil.example',
    });
    expect(foreign.status).toBe(403);
  });

  it('still lets people chat in a room after refusing bad upgrades to it', async () => {
    const room = uniqueRoom('after-refusal');
    const ann = await newUser('Ann');
    expect((await expectRefused(server.origin, room, 'not-a-token')).status).toBe(401);
    expect(
      (await expectRefused(server.origin, room, ann.token, { origin: 'https://evil.example' }))
        .status,
    ).toBe(403);
    const s = await openSocket(server.origin, room, ann.token);
    // Refusals happen in the Worker: the room never saw those users, and nothing was stored.
    expect(await s.next()).toMatchObject({
      type: 'welcome',
      members: [ann.user],
      memberCount: 1,
      messages: [],
    });
    s.send({ type: 'message', text: 'still here' });
    expect(await s.nextOf('message')).toMatchObject({ id: 1, text: 'still here', user: ann.user });
    await s.close();
  });
});

describe('pages and static assets', () => {
  it.each(['/', '/room/lobby', '/room/Mixed-Case_1'])(
    'serves %s as HTML with the contract’s security headers',
    async (path) => {
      const res = await fetch(new URL(path, server.origin));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      const directives = new Map(
        csp
          .split(';')
          .map((part) => part.trim().split(/\s+/))
          .filter((words) => words[0])
          .map((words) => [words[0] ?? '', words.slice(1)]),
      );
      const scriptSrc = directives.get('script-src') ?? directives.get('default-src');
      expect(scriptSrc).toBeDefined();
      expect(scriptSrc).not.toContain("'unsafe-inline'");
      expect(directives.get('connect-src')).toEqual(["'self'"]);
      expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await res.text();
      expect(html).toMatch(/<script[^>]+src="\/app\.js"/);
      // No inline script: every <script> tag loads a file.
      expect(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();
    },
  );

  it('answers a page for a bad room name with 400 JSON, not the page', async () => {
    const res = await fetch(new URL('/room/Bad!', server.origin));
    expect(res.status).toBe(400);
    expect((await readJson(res, ErrorBodySchema)).error).toMatch(/invalid room name/);
  });

  it.each([
    ['/room/Bad%20Room!', 400],
    ['/nope', 404],
  ])(
    'answers a browser that opens %s with a %i HTML page linking back to /',
    async (path, status) => {
      const res = await fetch(new URL(path, server.origin), {
        headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await res.text();
      expect(html).toContain('<a href="/">');
      expect(html).not.toContain('Bad Room');
      // The stylesheet it links is served.
      expect((await fetch(new URL('/style.css', server.origin))).status).toBe(200);
    },
  );

  it('redirects /room/<name>/ with 308 to the room page, keeping the query', async () => {
    const res = await fetch(new URL('/room/lobby/?x=1', server.origin), { redirect: 'manual' });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('/room/lobby?x=1');
    const followed = await fetch(new URL('/room/lobby/', server.origin));
    expect(followed.url).toBe(new URL('/room/lobby', server.origin).href);
    expect(followed.status).toBe(200);
    expect(await followed.text()).toMatch(/<script[^>]+src="\/app\.js"/);
  });

  it.each([
    ['/app.js', /javascript/],
    ['/style.css', /^text\/css/],
  ])('serves the static asset %s', async (path, type) => {
    const res = await fetch(new URL(path, server.origin));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(type);
    expect((await res.text()).length).toBeGreaterThan(0);
  });

  it('does not serve public/tsconfig.json (listed in .assetsignore)', async () => {
    const res = await fetch(new URL('/tsconfig.json', server.origin));
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('compilerOptions');
  });
});

describe('hibernation', () => {
  it('keeps answering pings, users and increasing ids after an idle room hibernates', async () => {
    const room = uniqueRoom('sleepy');
    const ann = await newUser('Ann');
    const bob = await newUser('Bob');
    const a = await openSocket(server.origin, room, ann.token);
    await a.nextOf('welcome');
    const b = await openSocket(server.origin, room, bob.token);
    await b.nextOf('welcome');
    await a.nextOf('join');
    a.send({ type: 'message', text: 'before the nap' });
    const before = await b.nextOf('message');
    await a.nextOf('message');

    // The room logs "wake" (at warn level) when its constructor finds sockets left by an
    // earlier instance; only this room has sockets in this server now.
    const wakeLine = '"event":"wake","sockets":2';
    const wakesBefore = occurrences(server.output(), wakeLine);
    // wrangler dev hibernates a Durable Object after ~10 s without events.
    await sleep(12_000);

    // The exact 15 bytes are answered by the runtime's auto-response, without waking the room.
    expect(Buffer.byteLength(PING_FRAME)).toBe(15);
    a.ws.send(PING_FRAME);
    expect(await a.nextRaw()).toEqual({ frame: { type: 'pong' }, text: '{"type":"pong"}' });
    await sleep(1000);
    expect(occurrences(server.output(), wakeLine)).toBe(wakesBefore);

    b.send({ type: 'message', text: 'after the nap' });
    const afterA = await a.nextOf('message', 10_000);
    expect(afterA).toMatchObject({ user: bob.user, text: 'after the nap' });
    expect(afterA.id).toBeGreaterThan(before.id);
    expect(await b.nextOf('message')).toEqual(afterA);
    // The message woke the room: a new instance found the two sockets.
    expect(
      await pollUntil(() => occurrences(server.output(), wakeLine) > wakesBefore, 10_000),
    ).toBe(true);

    a.send({ type: 'message', text: 'and Ann too' });
    const third = await b.nextOf('message');
    expect(third).toMatchObject({ user: ann.user, text: 'and Ann too' });
    expect(third.id).toBeGreaterThan(afterA.id);
    await a.nextOf('message');
    await a.close();
    await b.close();
  });
});
