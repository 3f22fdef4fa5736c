// Access and refresh tokens (issue/verify) against the contract's token rules. Refused tokens are built by hand
// (base64url + crypto.subtle HMAC), so each one breaks exactly one rule.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  issueRefreshToken,
  issueToken,
  REFRESH_TTL_SECONDS,
  verifyRefreshToken,
  verifyToken,
} from '../src/auth.ts';

const SECRET = env.AUTH_SECRET ?? '';
const DAY = 24 * 60 * 60;

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function part(value: unknown): string {
  return base64url(new TextEncoder().encode(JSON.stringify(value)));
}

async function hmac(data: string, secret: string, hash: 'SHA-256' | 'SHA-512'): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash },
    false,
    ['sign'],
  );
  return base64url(
    new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(data))),
  );
}

/** A JWT signed by hand: HS256 with the test secret unless told otherwise. */
async function craft(
  payload: unknown,
  {
    alg = 'HS256',
    secret = SECRET,
    header,
  }: { alg?: 'HS256' | 'HS512'; secret?: string; header?: unknown } = {},
): Promise<string> {
  const signingInput = `${part(header ?? { alg, typ: 'JWT' })}.${part(payload)}`;
  return `${signingInput}.${await hmac(signingInput, secret, alg === 'HS512' ? 'SHA-512' : 'SHA-256')}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return { sub: 'user-1', name: 'alice', iat: now, exp: now + 900, ...overrides };
}

function decodePart(segment: string): unknown {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
}

describe('issueToken and verifyToken', () => {
  it('round-trips a user', async () => {
    const { token, user, expiresAt } = await issueToken(
      { id: 'u-42', name: 'Zo\u00EB' },
      SECRET,
      900,
    );
    expect(user).toEqual({ id: 'u-42', name: 'Zo\u00EB' });
    expect(await verifyToken(token, SECRET)).toEqual({ id: 'u-42', name: 'Zo\u00EB' });
    const [header, payload] = token.split('.');
    expect(decodePart(header ?? '')).toEqual({ alg: 'HS256', typ: 'JWT' });
    const body = decodePart(payload ?? '');
    expect(body).toMatchObject({ sub: 'u-42', name: 'Zo\u00EB' });
    expect(body).toEqual({
      sub: 'u-42',
      name: 'Zo\u00EB',
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    const { iat, exp } = body as { iat: number; exp: number };
    expect(exp - iat).toBe(900);
    expect(expiresAt).toBe(exp * 1000);
  });

  it('accepts a hand-made HS256 token from another backend, extra claims included', async () => {
    const token = await craft(
      claims({ sub: 'backend-7', name: 'Ops', role: 'admin', email: 'ops@example.com' }),
    );
    expect(await verifyToken(token, SECRET)).toEqual({ id: 'backend-7', name: 'Ops' });
  });

  it('normalises the name carried by a token', async () => {
    const token = await craft(claims({ name: '  Jose\u0301 \t Luis ' }));
    expect(await verifyToken(token, SECRET)).toEqual({ id: 'user-1', name: 'Jos\u00E9 Luis' });
  });

  it('accepts a sub of exactly 128 characters', async () => {
    const sub = 's'.repeat(128);
    expect(await verifyToken(await craft(claims({ sub })), SECRET)).toEqual({
      id: sub,
      name: 'alice',
    });
  });
});

describe('verifyToken refuses', () => {
  it.each<[string, () => Promise<string>]>([
    [
      'alg none without a signature',
      async () => `${part({ alg: 'none', typ: 'JWT' })}.${part(claims())}.`,
    ],
    [
      'alg none with an HS256 signature',
      async () => craft(claims(), { header: { alg: 'none', typ: 'JWT' } }),
    ],
    ['a header without alg', async () => craft(claims(), { header: { typ: 'JWT' } })],
    ['HS512 signed with the right secret', async () => craft(claims(), { alg: 'HS512' })],
    ['a wrong secret', async () => craft(claims(), { secret: 'some-other-secret' })],
    ['an expired token', async () => craft(claims({ exp: nowSeconds() - 60 }))],
    ['a missing exp', async () => craft(claims({ exp: undefined }))],
    ['a string exp', async () => craft(claims({ exp: String(nowSeconds() + 900) }))],
    ['a null exp', async () => craft(claims({ exp: null }))],
    ['a numeric sub', async () => craft(claims({ sub: 42 }))],
    ['a missing sub', async () => craft(claims({ sub: undefined }))],
    ['an empty sub', async () => craft(claims({ sub: '' }))],
    ['a sub of 129 characters', async () => craft(claims({ sub: 's'.repeat(129) }))],
    ['a missing name', async () => craft(claims({ name: undefined }))],
    ['a numeric name', async () => craft(claims({ name: 7 }))],
    ['an empty name', async () => craft(claims({ name: '   ' }))],
    ['a name of 33 characters', async () => craft(claims({ name: 'n'.repeat(33) }))],
    ['a name with a right-to-left override', async () => craft(claims({ name: 'ali\u202Ece' }))],
    ['a name with a control character', async () => craft(claims({ name: 'ali\u0007ce' }))],
    ['a name with a zero-width space', async () => craft(claims({ name: 'ali\u200Bce' }))],
    ['a payload that is an array', async () => craft([claims()])],
    ['a payload that is null', async () => craft(null)],
  ])('%s', async (_label, make) => {
    expect(await verifyToken(await make(), SECRET)).toBeNull();
  });

  it('a token whose payload was altered after signing', async () => {
    const [header, , signature] = (await craft(claims())).split('.');
    const forged = `${header}.${part(claims({ sub: 'someone-else' }))}.${signature}`;
    expect(await verifyToken(forged, SECRET)).toBeNull();
  });

  it.each([
    ['undefined', undefined],
    ['the empty string', ''],
    ['one segment', 'abc'],
    ['two segments', 'abc.def'],
    ['four segments', 'a.b.c.d'],
    ['three empty segments', '..'],
    ['a header that is not base64url JSON', `!!!.${part(claims())}.sig`],
    [
      'a payload that is not JSON',
      `${part({ alg: 'HS256', typ: 'JWT' })}.${base64url(new TextEncoder().encode('not json'))}.sig`,
    ],
    [
      'a signature with characters outside base64url',
      `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims())}.a+b/c`,
    ],
    ['whitespace', '   '],
  ])('a malformed token string: %s', async (_label, token) => {
    expect(await verifyToken(token, SECRET)).toBeNull();
  });
});

describe('refresh tokens', () => {
  function refreshClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const now = nowSeconds();
    return claims({ use: 'refresh', exp: now + 30 * DAY, jti: crypto.randomUUID(), ...overrides });
  }

  it('carries exactly use, sub, name, iat, exp 30 days ahead and a jti, signed HS256', async () => {
    const before = nowSeconds();
    const token = await issueRefreshToken({ id: 'u-42', name: 'Zo\u00EB' }, SECRET);
    const [header, payload] = token.split('.');
    expect(decodePart(header ?? '')).toEqual({ alg: 'HS256', typ: 'JWT' });
    const body = decodePart(payload ?? '');
    expect(body).toEqual({
      use: 'refresh',
      sub: 'u-42',
      name: 'Zo\u00EB',
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const { iat, exp } = body as { iat: number; exp: number };
    expect(iat).toBeGreaterThanOrEqual(before);
    expect(iat).toBeLessThanOrEqual(nowSeconds());
    expect(exp - iat).toBe(30 * DAY);
    expect(REFRESH_TTL_SECONDS).toBe(30 * DAY);
  });

  it('differ for the same user issued in the same second', async () => {
    const user = { id: 'u-42', name: 'alice' };
    const nowMs = Date.now();
    const one = await issueRefreshToken(user, SECRET, nowMs);
    const two = await issueRefreshToken(user, SECRET, nowMs);
    expect(one).not.toBe(two);
    expect(await verifyRefreshToken(one, SECRET)).toEqual(user);
    expect(await verifyRefreshToken(two, SECRET)).toEqual(user);
  });

  it('are never accepted as access tokens, issued or hand-made', async () => {
    const issued = await issueRefreshToken({ id: 'u-42', name: 'alice' }, SECRET);
    expect(await verifyToken(issued, SECRET)).toBeNull();
    expect(await verifyToken(await craft(refreshClaims()), SECRET)).toBeNull();
    // The same claims without `use` are an ordinary (backend's) access token.
    expect(await verifyToken(await craft(refreshClaims({ use: undefined })), SECRET)).toEqual({
      id: 'user-1',
      name: 'alice',
    });
  });

  it('accepts a hand-made refresh token that expires in a few seconds', async () => {
    const token = await craft(refreshClaims({ exp: nowSeconds() + 5 }));
    expect(await verifyRefreshToken(token, SECRET)).toEqual({ id: 'user-1', name: 'alice' });
  });

  it.each<[string, () => Promise<string>]>([
    [
      'an access token from issueToken',
      async () => (await issueToken({ id: 'u', name: 'a' }, SECRET, 900)).token,
    ],
    [
      "a backend's token (no use claim)",
      async () => craft(claims({ exp: nowSeconds() + 30 * DAY })),
    ],
    ['a token with use "access"', async () => craft(refreshClaims({ use: 'access' }))],
    ['a token with use "Refresh"', async () => craft(refreshClaims({ use: 'Refresh' }))],
    ['a refresh token past its exp', async () => craft(refreshClaims({ exp: nowSeconds() - 1 }))],
    [
      'a refresh token that expired 6 days ago',
      async () =>
        craft(refreshClaims({ iat: nowSeconds() - 36 * DAY, exp: nowSeconds() - 6 * DAY })),
    ],
    ['a refresh token without exp', async () => craft(refreshClaims({ exp: undefined }))],
    [
      'a refresh token signed with another secret',
      async () => craft(refreshClaims(), { secret: 'some-other-secret' }),
    ],
    ['a refresh token signed HS512', async () => craft(refreshClaims(), { alg: 'HS512' })],
    [
      'a refresh token with alg none',
      async () => `${part({ alg: 'none', typ: 'JWT' })}.${part(refreshClaims())}.`,
    ],
    [
      'a refresh token whose payload was altered after signing',
      async () => {
        const [header, , signature] = (await craft(refreshClaims())).split('.');
        return `${header}.${part(refreshClaims({ sub: 'someone-else' }))}.${signature}`;
      },
    ],
    ['a refresh token with an empty sub', async () => craft(refreshClaims({ sub: '' }))],
    ['a refresh token with a bad name', async () => craft(refreshClaims({ name: '\u202Eevil' }))],
    ['no token', async () => ''],
  ])('refuses %s as a refresh token', async (_label, make) => {
    expect(await verifyRefreshToken(await make(), SECRET)).toBeNull();
  });
});
