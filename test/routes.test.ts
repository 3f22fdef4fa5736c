// The Worker's HTTP API through its real routes: the guest token endpoint, the WebSocket upgrade
// route's refusals in the contract's order, Origin and token checks, health and 404s. Settings a
// test must change (GUEST_TOKENS, AUTH_SECRET, ALLOWED_ORIGINS, TOKEN_TTL_SECONDS) are passed to
// the Worker's own fetch handler as a modified env; everything else goes through exports.default.
import { env, exports } from 'cloudflare:workers';
import {
  createExecutionContext,
  listDurableObjectIds,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { sign } from 'hono/jwt';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import worker from '../src/index.ts';
import {
  acceptSocket,
  closeAll,
  connect,
  expectNext,
  newUser,
  ORIGIN,
  uniqueRoom,
  upgrade,
  upgradeRequest,
} from './helpers.ts';

const SECRET = env.AUTH_SECRET ?? '';
const DAY_SECONDS = 24 * 60 * 60;
const ROOM_NAME_ERROR =
  'invalid room name: use 1-64 of a-z 0-9 _ -, starting with a letter or digit';
const AFTER_ERROR = 'after must be a non-negative integer';
const TOKEN_ERROR = 'invalid or expired token';

const ErrorBody = v.strictObject({ error: v.string() });
const IssuedBody = v.strictObject({
  token: v.string(),
  refreshToken: v.string(),
  user: v.strictObject({ id: v.string(), name: v.string() }),
  expiresAt: v.number(),
});
const Claims = v.looseObject({
  sub: v.string(),
  name: v.string(),
  iat: v.number(),
  exp: v.number(),
});

/** Calls the Worker's fetch handler with some settings changed, as a deployment with other vars would. */
async function fetchWith(request: Request, overrides: Partial<Env>): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** Asserts an HTTP refusal: the status, a JSON body that is exactly `{error}`, and no stack trace. */
async function expectError(res: Response, status: number, error: string): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
  const body: unknown = JSON.parse(text);
  expect(v.is(ErrorBody, body), text).toBe(true);
  expect(body).toEqual({ error });
  // A stack frame looks like "at fn (file:line:col)"; none may leave the Worker.
  expect(text).not.toMatch(/\bat .*:\d+:\d+|\.ts:\d+|Error:/);
}

let addressCounter = 0;

/**
 * A guest token request. The endpoint limits tokens per client address (30 a minute), so each
 * request comes from its own documentation-range address and this file never trips the limiter.
 */
function tokenRequest(
  body: BodyInit | null,
  headers: Record<string, string> = {},
  method = 'POST',
): Request {
  const address = `2001:db8::${(++addressCounter).toString(16)}`;
  return new Request(`${ORIGIN}/api/token`, {
    method,
    body,
    headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': address, ...headers },
  });
}

async function issued(res: Response): Promise<v.InferOutput<typeof IssuedBody>> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return v.parse(IssuedBody, JSON.parse(text));
}

/** `POST /api/token` for `name` with `Authorization: Bearer <bearer>`, which must answer 200. */
async function refreshWith(
  bearer: string,
  name = 'alice',
): Promise<v.InferOutput<typeof IssuedBody>> {
  return issued(
    await exports.default.fetch(
      tokenRequest(JSON.stringify({ name }), { Authorization: `Bearer ${bearer}` }),
    ),
  );
}

function decodePart(segment: string | undefined): unknown {
  const base64 = (segment ?? '').replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
}

function claimsOf(token: string): v.InferOutput<typeof Claims> {
  return v.parse(Claims, decodePart(token.split('.')[1]));
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return { sub: crypto.randomUUID(), name: 'alice', iat: now, exp: now + 900, ...overrides };
}

/** Whether the room's Durable Object has ever been created (it creates its table on first wake). */
async function roomExists(room: string): Promise<boolean> {
  const id = env.CHAT_ROOM.idFromName(room.toLowerCase()).toString();
  return (await listDurableObjectIds(env.CHAT_ROOM)).some((other) => other.toString() === id);
}

describe('POST /api/token', () => {
  it('issues a signed token, its user and its expiry for a guest name', async () => {
    const before = Date.now();
    const body = await issued(
      await exports.default.fetch(tokenRequest(JSON.stringify({ name: 'alice' }))),
    );
    const after = Date.now();
    expect(body.user.name).toBe('alice');
    expect(body.user.id).toMatch(/^[0-9a-f-]{36}$/);
    const claims = claimsOf(body.token);
    expect(decodePart(body.token.split('.')[0])).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(claims).toMatchObject({ sub: body.user.id, name: 'alice' });
    // TOKEN_TTL_SECONDS is 900 in wrangler.toml.
    expect(claims.exp - claims.iat).toBe(900);
    expect(body.expiresAt).toBe(claims.exp * 1000);
    expect(body.expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(body.expiresAt).toBeLessThanOrEqual(after + 900_000);
    // The token works where it is meant to: the room knows its holder by it.
    const socket = await connect(uniqueRoom('token'), body.token);
    expect((await expectNext(socket, 'welcome')).user).toEqual(body.user);
    await socket.close();
  });

  it('gives each new guest a different id', async () => {
    const one = await issued(
      await exports.default.fetch(tokenRequest(JSON.stringify({ name: 'alice' }))),
    );
    const two = await issued(
      await exports.default.fetch(tokenRequest(JSON.stringify({ name: 'alice' }))),
    );
    expect(one.user.id).not.toBe(two.user.id);
  });

  it('takes the token lifetime from TOKEN_TTL_SECONDS', async () => {
    const body = await issued(
      await fetchWith(tokenRequest(JSON.stringify({ name: 'alice' })), { TOKEN_TTL_SECONDS: '60' }),
    );
    const claims = claimsOf(body.token);
    expect(claims.exp - claims.iat).toBe(60);
    expect(body.expiresAt).toBe(claims.exp * 1000);
  });

  it.each([
    ['trims the name', '  alice  ', 'alice'],
    ['collapses runs of spaces, tabs and newlines', 'Ann \t\n  Lee', 'Ann Lee'],
    [
      'collapses other Unicode spaces (NBSP, ideographic space)',
      '\u00A0Zo\u00EB\u3000\u3000Q',
      'Zo\u00EB Q',
    ],
    ['normalises to NFC', 'Zoe\u0308', 'Zo\u00EB'],
    [
      'keeps joiners, which emoji need',
      '\u{1F469}\u200D\u{1F4BB} dev',
      '\u{1F469}\u200D\u{1F4BB} dev',
    ],
    [
      'accepts 32 code points even when they take 64 UTF-16 units',
      '\u{1F600}'.repeat(32),
      '\u{1F600}'.repeat(32),
    ],
  ])('%s', async (_label, name, expected) => {
    const body = await issued(await exports.default.fetch(tokenRequest(JSON.stringify({ name }))));
    expect(body.user.name).toBe(expected);
    expect(claimsOf(body.token).name).toBe(expected);
  });

  it.each([
    ['an empty name', '{"name":""}', 'name is empty'],
    ['a name of spaces only', '{"name":" \\t\\n "}', 'name is empty'],
    [
      'a name of 33 characters',
      JSON.stringify({ name: 'a'.repeat(33) }),
      'name is longer than 32 characters',
    ],
    [
      'a name of 33 emoji',
      JSON.stringify({ name: '\u{1F600}'.repeat(33) }),
      'name is longer than 32 characters',
    ],
    [
      'a C0 control character',
      '{"name":"a\\u0007b"}',
      'name contains control or invisible formatting characters',
    ],
    ['DEL', '{"name":"a\\u007fb"}', 'name contains control or invisible formatting characters'],
    [
      'a C1 control character',
      '{"name":"a\\u0085b"}',
      'name contains control or invisible formatting characters',
    ],
    [
      'a bidi override',
      '{"name":"a\\u202eb"}',
      'name contains control or invisible formatting characters',
    ],
    [
      'a bidi isolate',
      '{"name":"a\\u2066b"}',
      'name contains control or invisible formatting characters',
    ],
    [
      'the Arabic letter mark',
      '{"name":"a\\u061cb"}',
      'name contains control or invisible formatting characters',
    ],
    [
      'a left-to-right mark',
      '{"name":"a\\u200eb"}',
      'name contains control or invisible formatting characters',
    ],
    [
      'a zero-width space',
      '{"name":"a\\u200bb"}',
      'name contains control or invisible formatting characters',
    ],
    [
      'a byte order mark',
      '{"name":"\\ufeffalice"}',
      'name contains control or invisible formatting characters',
    ],
    ['a lone surrogate', '{"name":"a\\ud800"}', 'name is not well-formed Unicode'],
    ['a number', '{"name":42}', 'name must be a string'],
    ['null', '{"name":null}', 'name must be a string'],
    ['no name at all', '{"nick":"alice"}', 'name must be a string'],
    ['invalid JSON', '{"name":', 'body must be JSON'],
    ['an empty body', '', 'body must be JSON'],
    ['a form body', 'name=alice', 'body must be JSON'],
    ['a JSON array', '[{"name":"alice"}]', 'body must be a JSON object'],
    ['a JSON string', '"alice"', 'body must be a JSON object'],
    ['a JSON number', '42', 'body must be a JSON object'],
    ['JSON null', 'null', 'body must be a JSON object'],
  ])('refuses %s with 400', async (_label, body, error) => {
    await expectError(await exports.default.fetch(tokenRequest(body)), 400, error);
  });

  it('issues a refresh token: use, the same sub and name, iat, exp 30 days ahead, a jti', async () => {
    const before = nowSeconds();
    const body = await issued(
      await exports.default.fetch(tokenRequest(JSON.stringify({ name: 'alice' }))),
    );
    expect(decodePart(body.refreshToken.split('.')[0])).toEqual({ alg: 'HS256', typ: 'JWT' });
    const refresh = decodePart(body.refreshToken.split('.')[1]);
    expect(refresh).toEqual({
      use: 'refresh',
      sub: body.user.id,
      name: 'alice',
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.any(String),
    });
    const { iat, exp } = v.parse(Claims, refresh);
    expect(iat).toBeGreaterThanOrEqual(before);
    expect(exp - iat).toBe(30 * DAY_SECONDS);
    // The access token is the one that carries no `use`.
    expect(claimsOf(body.token)).not.toHaveProperty('use');
  });

  it('keeps the user id when refreshed with a refresh token, and takes the new name', async () => {
    const first = await issued(
      await exports.default.fetch(tokenRequest(JSON.stringify({ name: 'alice' }))),
    );
    const second = await refreshWith(first.refreshToken, 'Alice B');
    expect(second.user).toEqual({ id: first.user.id, name: 'Alice B' });
    expect(claimsOf(second.token)).toMatchObject({ sub: first.user.id, name: 'Alice B' });
    expect(claimsOf(second.refreshToken)).toMatchObject({ sub: first.user.id, name: 'Alice B' });
    // A new pair: the refresh token differs, and the new one refreshes again.
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.token).not.toBe(first.token);
    expect((await refreshWith(second.refreshToken)).user.id).toBe(first.user.id);
    // Nothing is stored per token: the old refresh token stays valid until its own exp.
    expect((await refreshWith(first.refreshToken)).user.id).toBe(first.user.id);
    // The refreshed access token opens rooms as the same user.
    const socket = await connect(uniqueRoom('refreshed'), second.token);
    expect((await expectNext(socket, 'welcome')).user).toEqual(second.user);
    await socket.close();
  });

  it('keeps the user id with a refresh token issued 29 days ago, and starts 30 days again', async () => {
    const sub = crypto.randomUUID();
    const now = nowSeconds();
    const old = await sign(
      { ...claims({ sub }), use: 'refresh', iat: now - 29 * DAY_SECONDS, exp: now + DAY_SECONDS },
      SECRET,
      'HS256',
    );
    const body = await refreshWith(old);
    expect(body.user.id).toBe(sub);
    expect(claimsOf(body.refreshToken).exp).toBeGreaterThanOrEqual(now + 30 * DAY_SECONDS);
  });

  it.each([
    [
      'a current access token from this endpoint',
      async () =>
        (await issued(await exports.default.fetch(tokenRequest(JSON.stringify({ name: 'a' })))))
          .token,
    ],
    [
      "a backend's access token that expired 6 days ago",
      async () =>
        sign(
          claims({
            sub: 'backend-user-42',
            iat: nowSeconds() - 6 * DAY_SECONDS - 900,
            exp: nowSeconds() - 6 * DAY_SECONDS,
          }),
          SECRET,
          'HS256',
        ),
    ],
    [
      "a backend's current access token",
      async () => sign(claims({ sub: 'backend-user-42' }), SECRET, 'HS256'),
    ],
    [
      'a refresh token past its exp',
      async () =>
        sign(
          { ...claims({ sub: 'old-user' }), use: 'refresh', exp: nowSeconds() - 1 },
          SECRET,
          'HS256',
        ),
    ],
    [
      'a refresh token signed with another secret',
      async () =>
        sign({ ...claims({ sub: 'forged-user' }), use: 'refresh' }, 'not-the-secret', 'HS256'),
    ],
    [
      'a refresh token whose sub was changed after signing',
      async () => {
        const [header, , signature] = (
          await sign({ ...claims(), use: 'refresh' }, SECRET, 'HS256')
        ).split('.');
        const payload = base64url(
          JSON.stringify({ ...claims({ sub: 'victim-user' }), use: 'refresh' }),
        );
        return `${header}.${payload}.${signature}`;
      },
    ],
    ['not a JWT', async () => 'garbage'],
  ])('ignores %s as the bearer and issues a new id', async (_label, makeToken) => {
    const token = await makeToken();
    const oldSub = token.split('.').length === 3 ? claimsOf(token).sub : undefined;
    const body = await refreshWith(token);
    // A fresh UUID, unlike any sub above, proves a new identity was issued.
    expect(body.user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(body.user.id).not.toBe(oldSub);
    expect(claimsOf(body.refreshToken).sub).toBe(body.user.id);
  });

  it('ignores an Authorization header that is not a bearer token', async () => {
    const valid = await issued(
      await exports.default.fetch(tokenRequest(JSON.stringify({ name: 'alice' }))),
    );
    const body = await issued(
      await exports.default.fetch(
        tokenRequest(JSON.stringify({ name: 'alice' }), {
          Authorization: `Basic ${valid.refreshToken}`,
        }),
      ),
    );
    expect(body.user.id).not.toBe(valid.user.id);
  });

  it.each(['GET', 'PUT', 'DELETE'])('answers %s with 405 and Allow: POST', async (method) => {
    const res = await exports.default.fetch(tokenRequest(null, {}, method));
    expect(res.headers.get('Allow')).toBe('POST');
    await expectError(res, 405, 'use POST');
  });

  it('refuses a body over 4 KiB with 413 and accepts one of exactly 4 KiB', async () => {
    const padded = (size: number) => {
      const shell = JSON.stringify({ name: 'alice', pad: '' });
      return JSON.stringify({ name: 'alice', pad: 'x'.repeat(size - shell.length) });
    };
    expect(padded(4096)).toHaveLength(4096);
    await issued(await exports.default.fetch(tokenRequest(padded(4096))));
    await expectError(
      await exports.default.fetch(tokenRequest(padded(4097))),
      413,
      'body is larger than 4096 bytes',
    );
  });

  it('refuses a streamed body over 4 KiB that declares no length with 413', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Bounded: eight 1 KiB chunks, twice the limit.
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const request = tokenRequest(stream);
    expect(request.headers.get('Content-Length')).toBeNull();
    await expectError(await exports.default.fetch(request), 413, 'body is larger than 4096 bytes');
  });

  it('refuses with 403 when GUEST_TOKENS is off, for new guests and for refreshes', async () => {
    const valid = await newUser('alice');
    const guest = await issued(
      await exports.default.fetch(tokenRequest(JSON.stringify({ name: 'alice' }))),
    );
    await expectError(
      await fetchWith(tokenRequest('{"name":"alice"}'), { GUEST_TOKENS: 'off' }),
      403,
      'guest tokens are turned off',
    );
    await expectError(
      await fetchWith(
        tokenRequest('{"name":"alice"}', { Authorization: `Bearer ${guest.refreshToken}` }),
        { GUEST_TOKENS: 'off' },
      ),
      403,
      'guest tokens are turned off',
    );
    // Tokens minted elsewhere ("bring your own auth") still open rooms.
    const res = await fetchWith(upgradeRequest(uniqueRoom('byo'), { token: valid.token }), {
      GUEST_TOKENS: 'off',
    });
    const socket = await acceptSocket(res);
    expect((await expectNext(socket, 'welcome')).user).toEqual(valid.user);
    await socket.close();
  });

  it('fails closed with 503 when AUTH_SECRET is not set', async () => {
    await expectError(
      await fetchWith(tokenRequest('{"name":"alice"}'), { AUTH_SECRET: undefined }),
      503,
      'service not configured: AUTH_SECRET is not set',
    );
    await expectError(
      await fetchWith(tokenRequest('{"name":"alice"}'), { AUTH_SECRET: '' }),
      503,
      'service not configured: AUTH_SECRET is not set',
    );
  });
});

describe('GET /api/rooms/:room/ws refusals', () => {
  type Case = {
    room?: string;
    after?: string;
    upgrade?: string | null;
    origin?: string;
    token?: 'valid' | 'bad' | 'none';
    status: number;
    error: string;
  };
  const FOREIGN = 'https://evil.example';

  async function refusalRequest(c: Case): Promise<Request> {
    const query: Record<string, string> = {};
    if (c.token !== 'none')
      query.token =
        c.token === 'bad'
          ? await sign(claims(), 'not-the-secret', 'HS256')
          : (await newUser()).token;
    if (c.after !== undefined) query.after = c.after;
    const headers: Record<string, string> = {};
    if (c.upgrade !== null) headers.Upgrade = c.upgrade ?? 'websocket';
    if (c.origin !== undefined) headers.Origin = c.origin;
    return upgradeRequest(c.room ?? uniqueRoom('refuse'), query, headers);
  }

  it.each<[string, Case]>([
    ['no Upgrade header', { upgrade: null, status: 426, error: 'expected a WebSocket upgrade' }],
    [
      'an Upgrade to something else',
      { upgrade: 'h2c', status: 426, error: 'expected a WebSocket upgrade' },
    ],
    ['a room name with a dot', { room: 'a.b', status: 400, error: ROOM_NAME_ERROR }],
    ['a room name starting with a dash', { room: '-lobby', status: 400, error: ROOM_NAME_ERROR }],
    [
      'a room name starting with an underscore',
      { room: '_lobby', status: 400, error: ROOM_NAME_ERROR },
    ],
    ['a room name of 65 characters', { room: 'a'.repeat(65), status: 400, error: ROOM_NAME_ERROR }],
    ['a room name with a space', { room: 'a%20b', status: 400, error: ROOM_NAME_ERROR }],
    [
      'a room name with a non-ASCII letter',
      { room: 'caf%C3%A9', status: 400, error: ROOM_NAME_ERROR },
    ],
    ['after=-1', { after: '-1', status: 400, error: AFTER_ERROR }],
    ['after=1.5', { after: '1.5', status: 400, error: AFTER_ERROR }],
    ['after=x', { after: 'x', status: 400, error: AFTER_ERROR }],
    ['an empty after', { after: '', status: 400, error: AFTER_ERROR }],
    ['after=1e3', { after: '1e3', status: 400, error: AFTER_ERROR }],
    ['after=+1', { after: '+1', status: 400, error: AFTER_ERROR }],
    ['after of 17 digits', { after: '12345678901234567', status: 400, error: AFTER_ERROR }],
    [
      'after beyond the largest safe integer',
      { after: '9999999999999999', status: 400, error: AFTER_ERROR },
    ],
    ['a foreign Origin', { origin: FOREIGN, status: 403, error: 'origin not allowed' }],
    [
      'the own host over another scheme',
      { origin: 'https://chat.test', status: 403, error: 'origin not allowed' },
    ],
    [
      'the own host on another port',
      { origin: 'http://chat.test:8080', status: 403, error: 'origin not allowed' },
    ],
    ['Origin: null', { origin: 'null', status: 403, error: 'origin not allowed' }],
    ['no token', { token: 'none', status: 401, error: TOKEN_ERROR }],
    ['a bad token', { token: 'bad', status: 401, error: TOKEN_ERROR }],
    // Combinations: each refusal wins over every one checked after it.
    [
      '426 before 400, 403 and 401',
      {
        upgrade: null,
        room: 'a.b',
        after: '-1',
        origin: FOREIGN,
        token: 'bad',
        status: 426,
        error: 'expected a WebSocket upgrade',
      },
    ],
    [
      '426 before a bad after',
      { upgrade: null, after: 'x', status: 426, error: 'expected a WebSocket upgrade' },
    ],
    [
      '400 (room) before 403 and 401',
      { room: 'a.b', origin: FOREIGN, token: 'none', status: 400, error: ROOM_NAME_ERROR },
    ],
    [
      '400 (after) before 403 and 401',
      { after: '1.5', origin: FOREIGN, token: 'bad', status: 400, error: AFTER_ERROR },
    ],
    ['403 before 401', { origin: FOREIGN, token: 'bad', status: 403, error: 'origin not allowed' }],
  ])('refuses %s', async (_label, c) => {
    const request = await refusalRequest(c);
    await expectError(await exports.default.fetch(request), c.status, c.error);
    // Every refusal happens in the Worker: the room's Durable Object is never created.
    const room = decodeURIComponent(new URL(request.url).pathname.split('/')[3] ?? '');
    expect(await roomExists(room)).toBe(false);
  });

  it.each<[string, () => Promise<string>]>([
    [
      'alg none',
      async () =>
        `${base64url('{"alg":"none","typ":"JWT"}')}.${base64url(JSON.stringify(claims()))}.`,
    ],
    ['alg HS512, even with the right secret', async () => sign(claims(), SECRET, 'HS512')],
    ['a wrong secret', async () => sign(claims(), 'not-the-secret', 'HS256')],
    ['an expired token', async () => sign(claims({ exp: nowSeconds() - 10 }), SECRET, 'HS256')],
    [
      'a token expired a day ago',
      async () => sign(claims({ exp: nowSeconds() - DAY_SECONDS }), SECRET, 'HS256'),
    ],
    [
      'the refresh token POST /api/token issued',
      async () =>
        (await issued(await exports.default.fetch(tokenRequest(JSON.stringify({ name: 'a' })))))
          .refreshToken,
    ],
    [
      'a hand-made refresh token',
      async () => sign({ ...claims(), use: 'refresh' }, SECRET, 'HS256'),
    ],
    ['no exp', async () => sign(claims({ exp: undefined }), SECRET, 'HS256')],
    [
      'a string exp',
      async () => sign(claims({ exp: String(nowSeconds() + 900) }), SECRET, 'HS256'),
    ],
    ['a numeric sub', async () => sign(claims({ sub: 42 }), SECRET, 'HS256')],
    ['an empty sub', async () => sign(claims({ sub: '' }), SECRET, 'HS256')],
    [
      'a name with a bidi override',
      async () => sign(claims({ name: 'a\u202Eb' }), SECRET, 'HS256'),
    ],
    [
      'a tampered payload',
      async () => {
        const [header, , signature] = (
          await sign(claims({ name: 'alice' }), SECRET, 'HS256')
        ).split('.');
        return `${header}.${base64url(JSON.stringify(claims({ name: 'mallory' })))}.${signature}`;
      },
    ],
    [
      'two segments',
      async () =>
        `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(JSON.stringify(claims()))}`,
    ],
    ['random text', async () => 'not.a.jwt'],
  ])('refuses a token with %s with 401 JSON', async (_label, makeToken) => {
    const room = uniqueRoom('jwt');
    await expectError(await upgrade(room, { token: await makeToken() }), 401, TOKEN_ERROR);
    expect(await roomExists(room)).toBe(false);
  });

  it('fails closed with 503 when AUTH_SECRET is not set, after the earlier checks', async () => {
    const { token } = await newUser();
    const room = uniqueRoom('nosecret');
    await expectError(
      await fetchWith(upgradeRequest(room, { token }), { AUTH_SECRET: undefined }),
      503,
      'service not configured: AUTH_SECRET is not set',
    );
    await expectError(
      await fetchWith(upgradeRequest(room, { token }, {}), { AUTH_SECRET: undefined }),
      426,
      'expected a WebSocket upgrade',
    );
    await expectError(
      await fetchWith(
        upgradeRequest(room, { token }, { Upgrade: 'websocket', Origin: 'https://evil.example' }),
        { AUTH_SECRET: undefined },
      ),
      403,
      'origin not allowed',
    );
    expect(await roomExists(room)).toBe(false);
  });
});

describe('GET /api/rooms/:room/ws accepted', () => {
  it.each<[string, Record<string, string>]>([
    ['with its own origin', { Origin: ORIGIN }],
    ['with no Origin (non-browser clients)', {}],
    ['with the Upgrade header in another case', { Upgrade: 'WebSocket' }],
  ])('opens a socket %s', async (_label, extra) => {
    const { user, token } = await newUser();
    const res = await upgrade(uniqueRoom('accept'), { token }, { Upgrade: 'websocket', ...extra });
    expect(res.status).toBe(101);
    const socket = await acceptSocket(res);
    expect((await expectNext(socket, 'welcome')).user).toEqual(user);
    await socket.close();
  });

  it('accepts origins listed in ALLOWED_ORIGINS and still refuses others', async () => {
    const room = uniqueRoom('allowed');
    const overrides = { ALLOWED_ORIGINS: 'https://app.example, https://other.example' };
    const sockets = [];
    for (const origin of ['https://app.example', 'https://other.example', ORIGIN]) {
      const { token } = await newUser();
      const res = await fetchWith(
        upgradeRequest(room, { token }, { Upgrade: 'websocket', Origin: origin }),
        overrides,
      );
      expect(res.status, origin).toBe(101);
      const socket = await acceptSocket(res);
      await expectNext(socket, 'welcome');
      sockets.push(socket);
    }
    const { token } = await newUser();
    await expectError(
      await fetchWith(
        upgradeRequest(room, { token }, { Upgrade: 'websocket', Origin: 'https://evil.example' }),
        overrides,
      ),
      403,
      'origin not allowed',
    );
    // Without the setting the same origin is foreign.
    await expectError(
      await upgrade(room, { token }, { Upgrade: 'websocket', Origin: 'https://app.example' }),
      403,
      'origin not allowed',
    );
    await closeAll(...sockets);
  });

  it.each(['0', '007'])('accepts after=%s', async (after) => {
    const { token } = await newUser();
    const socket = await connect(uniqueRoom('after'), token, { after });
    expect(await expectNext(socket, 'welcome')).toMatchObject({ messages: [], hasMore: false });
    await socket.close();
  });

  it('folds room names to lower case: LOBBY and lobby are one room', async () => {
    const room = uniqueRoom('fold');
    const a = await newUser('Ann');
    const b = await newUser('Bob');
    const upper = await connect(room.toUpperCase(), a.token);
    expect((await expectNext(upper, 'welcome')).room).toBe(room);
    const lower = await connect(room, b.token);
    const welcome = await expectNext(lower, 'welcome');
    expect(welcome.room).toBe(room);
    expect(welcome.memberCount).toBe(2);
    expect((await expectNext(upper, 'join')).user).toEqual(b.user);
    upper.send({ type: 'message', text: 'hello from upper case' });
    expect(await expectNext(lower, 'message')).toMatchObject({
      text: 'hello from upper case',
      user: a.user,
    });
    lower.send({ type: 'message', text: 'and back' });
    expect(await upper.nextOf('message')).toMatchObject({ text: 'hello from upper case' });
    expect(await upper.nextOf('message')).toMatchObject({ text: 'and back', user: b.user });
    await closeAll(upper, lower);
  });
});

describe('other routes', () => {
  it('answers GET /api/health without waking any room', async () => {
    const before = (await listDurableObjectIds(env.CHAT_ROOM)).length;
    const res = await exports.default.fetch(`${ORIGIN}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, configured: true });
    expect((await listDurableObjectIds(env.CHAT_ROOM)).length).toBe(before);
    // The count does move when a room is woken, so the check above can fail.
    const room = uniqueRoom('health');
    const socket = await connect(room, (await newUser()).token);
    await expectNext(socket, 'welcome');
    expect(await roomExists(room)).toBe(true);
    expect((await listDurableObjectIds(env.CHAT_ROOM)).length).toBe(before + 1);
    await socket.close();
  });

  it('reports an unconfigured service in health without failing', async () => {
    const res = await fetchWith(new Request(`${ORIGIN}/api/health`), { AUTH_SECRET: undefined });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, configured: false });
  });

  it.each([
    ['GET', '/nope'],
    ['GET', '/api/nope'],
    ['GET', '/api/rooms/lobby'],
    ['GET', '/api/rooms/lobby/ws/extra'],
    ['POST', '/api/health'],
    ['POST', '/api/rooms/lobby/ws'],
  ])('answers %s %s with 404 JSON', async (method, path) => {
    await expectError(
      await exports.default.fetch(`${ORIGIN}${path}`, { method }),
      404,
      'not found',
    );
  });
});

describe('GET /room/:room/ (trailing slash)', () => {
  it.each([
    ['/room/lobby/', '/room/lobby'],
    ['/room/Mixed-Case_1/', '/room/Mixed-Case_1'],
    ['/room/lobby/?after=5&x=y%20z', '/room/lobby?after=5&x=y%20z'],
  ])('redirects %s with 308 to %s', async (path, location) => {
    const res = await exports.default.fetch(`${ORIGIN}${path}`, { redirect: 'manual' });
    expect(res.status).toBe(308);
    expect(res.headers.get('Location')).toBe(location);
  });

  it.each([
    ['a bad room name', '/room/a.b/', 400],
    ['an empty room segment', '/room//', 404],
    ['a path that would leave the site', '/room//evil.example/', 404],
    ['a longer path', '/room/lobby/x/', 404],
  ])('does not redirect %s', async (_label, path, status) => {
    const res = await exports.default.fetch(`${ORIGIN}${path}`, { redirect: 'manual' });
    expect(res.status).toBe(status);
    expect(res.headers.get('Location')).toBeNull();
    await res.body?.cancel();
  });
});

describe('error pages for browsers', () => {
  // What Chromium sends when a person follows a link.
  const BROWSER_ACCEPT =
    'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

  function pageRequest(path: string, accept: string | undefined, method = 'GET'): Request {
    return new Request(`${ORIGIN}${path}`, {
      method,
      headers: accept === undefined ? {} : { Accept: accept },
    });
  }

  /** Asserts a small HTML error page: status, type, the page headers, no JSON, a way back to `/`. */
  async function expectPage(res: Response, status: number): Promise<string> {
    const html = await res.text();
    expect(res.status, html).toBe(status);
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(res.headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(() => JSON.parse(html)).toThrow();
    expect(html).not.toContain('"error"');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<a href="/">');
    expect(html).toContain('<link rel="stylesheet" href="/style.css" />');
    expect(html).toContain('class="card"');
    // No script at all, inline or not: the page needs none.
    expect(html).not.toMatch(/<script/i);
    return html;
  }

  it.each([
    ['a room name with a space and a bang', '/room/Bad%20Room!'],
    ['a room name starting with a dash', '/room/-x'],
    ['a room name of 65 characters', `/room/${'a'.repeat(65)}`],
    ['a bad room name with a trailing slash', '/room/a.b/'],
  ])('answers %s with a 400 page saying the room name is invalid', async (_label, path) => {
    const html = await expectPage(
      await exports.default.fetch(pageRequest(path, BROWSER_ACCEPT)),
      400,
    );
    expect(html).toContain('Invalid room name: use 1-64 of a-z 0-9 _ -, starting with a letter');
  });

  it.each([['/nope'], ['/room/lobby/extra'], ['/rooms'], ['/style.css/x']])(
    'answers %s with a 404 page',
    async (path) => {
      const html = await expectPage(
        await exports.default.fetch(pageRequest(path, BROWSER_ACCEPT)),
        404,
      );
      expect(html).toContain('There is no page here');
    },
  );

  it.each([
    ['a bad room link', '/room/Bad%20Room!', 400, ['Bad Room', 'Bad%20Room']],
    [
      'markup in a room name',
      `/room/${encodeURIComponent('<img src=x onerror=alert(1)>')}`,
      400,
      ['<img', 'onerror'],
    ],
    [
      'markup in an unknown path',
      `/nope-${encodeURIComponent('"><script>alert(1)</script>')}`,
      404,
      ['nope', '<script', 'alert'],
    ],
  ])('never echoes the request into the page: %s', async (_label, path, status, absent) => {
    const html = await expectPage(
      await exports.default.fetch(pageRequest(path, BROWSER_ACCEPT)),
      status,
    );
    for (const text of absent) expect(html).not.toContain(text);
  });

  it.each<[string, string, string | undefined, number, string]>([
    ['an unknown API path', '/api/nope', BROWSER_ACCEPT, 404, 'not found'],
    ['the API root', '/api', BROWSER_ACCEPT, 404, 'not found'],
    ['a room path under /api/', '/api/rooms/lobby', 'text/html', 404, 'not found'],
    [
      'a plain GET on the socket route',
      '/api/rooms/lobby/ws',
      'text/html',
      426,
      'expected a WebSocket upgrade',
    ],
    ['a bad room link without Accept', '/room/Bad%20Room!', undefined, 400, ROOM_NAME_ERROR],
    ['a bad room link accepting anything', '/room/Bad%20Room!', '*/*', 400, ROOM_NAME_ERROR],
    ['a bad room link asking for JSON', '/room/-x', 'application/json', 400, ROOM_NAME_ERROR],
    ['a bad room link refusing HTML (q=0)', '/room/-x', 'text/html;q=0, */*', 400, ROOM_NAME_ERROR],
    ['an unknown page accepting anything', '/nope', '*/*', 404, 'not found'],
  ])('answers %s with JSON', async (_label, path, accept, status, error) => {
    await expectError(await exports.default.fetch(pageRequest(path, accept)), status, error);
  });

  it('answers GET /api/token from a browser with 405 JSON and Allow: POST', async () => {
    const res = await exports.default.fetch(pageRequest('/api/token', BROWSER_ACCEPT));
    expect(res.headers.get('Allow')).toBe('POST');
    await expectError(res, 405, 'use POST');
  });
});
