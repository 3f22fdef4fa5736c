// Issues and verifies the HS256 JWTs that carry a person's identity: short-lived access tokens,
// which open rooms and travel in WebSocket URLs, and guests' refresh tokens, which only renew them.
// Trusts only AUTH_SECRET; every claim of an incoming token is checked before it is used.
import { sign, verify } from 'hono/jwt';
import { MAX_USER_ID_LENGTH, parseDisplayName, type User } from './protocol.ts';
import { parseClaim, type RoomPattern } from './scopes.ts';

/** A refresh token's lifetime; each refresh issues a new one, so a guest who returns within it stays. */
export const REFRESH_TTL_SECONDS = 30 * 24 * 60 * 60;
/** The `use` claim that marks a refresh token (access tokens have none). */
const REFRESH_USE = 'refresh';

/** The HMAC key of the last secret used, imported once rather than on every token (see hmacKey). */
let importedKey: { secret: string; key: CryptoKey } | null = null;

/**
 * AUTH_SECRET as an HS256 key. Handing hono/jwt the string makes it import the key again for
 * every token it signs or checks, which was most of the token check's cost in a storm of
 * connects; the key only changes with the secret. The resolved key is kept, never a promise,
 * so no request waits on another request's work.
 */
async function hmacKey(secret: string): Promise<CryptoKey> {
  if (importedKey?.secret === secret) return importedKey.key;
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  importedKey = { secret, key };
  return key;
}

/** A verified access token: who it names and its scope claims (absent when it carries none). */
export interface Access {
  user: User;
  /** The only rooms it may enter. */
  rooms?: RoomPattern[];
  /** The rooms where it makes its holder a moderator (and may enter, private or not). */
  mod?: RoomPattern[];
}

export interface IssuedToken {
  token: string;
  user: User;
  /** ms since epoch */
  expiresAt: number;
}

/** Signs an access token for `user` that expires after `ttlSeconds`. */
export async function issueToken(
  user: User,
  secret: string,
  ttlSeconds: number,
  nowMs = Date.now(),
): Promise<IssuedToken> {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + ttlSeconds;
  const token = await sign(
    { sub: user.id, name: user.name, iat, exp },
    await hmacKey(secret),
    'HS256',
  );
  return { token, user, expiresAt: exp * 1000 };
}

/**
 * Signs a refresh token for `user`, valid for REFRESH_TTL_SECONDS. Nothing is stored per token: the
 * random `jti` only makes each one differ, so a renewed token never repeats the one it replaces.
 */
export async function issueRefreshToken(
  user: User,
  secret: string,
  nowMs = Date.now(),
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return sign(
    {
      use: REFRESH_USE,
      sub: user.id,
      name: user.name,
      iat,
      exp: iat + REFRESH_TTL_SECONDS,
      jti: crypto.randomUUID(),
    },
    await hmacKey(secret),
    'HS256',
  );
}

/**
 * The user a valid access token names, or `null` for anything else: another `alg` (including
 * `none`), a bad signature, a missing or past `exp`, claims of the wrong shape, or a refresh token
 * (which must never open a room: it is long-lived and kept out of URLs and logs).
 */
export async function verifyToken(token: string | undefined, secret: string): Promise<User | null> {
  return (await verifyAccessToken(token, secret))?.user ?? null;
}

/**
 * A valid access token's user and scopes, or `null` as for verifyToken, and also when its `rooms`
 * or `mod` claim is malformed (not an array of at most 50 valid room patterns).
 */
export async function verifyAccessToken(
  token: string | undefined,
  secret: string,
): Promise<Access | null> {
  const verified = await verifyClaims(token, secret);
  if (!verified || verified.claims.use === REFRESH_USE) return null;
  const rooms = parseClaim(verified.claims.rooms);
  const mod = parseClaim(verified.claims.mod);
  if (rooms === null || mod === null) return null;
  return { user: verified.user, ...(rooms && { rooms }), ...(mod && { mod }) };
}

/**
 * The user a valid, unexpired refresh token names, or `null` for anything else, access tokens and
 * backends' tokens included: only a token this service issued for refreshing renews an identity.
 * One that carries a `rooms` or `mod` claim was not (guests never get scopes), and refreshing it
 * would drop its scopes, so it is refused too.
 */
export async function verifyRefreshToken(
  token: string | undefined,
  secret: string,
): Promise<User | null> {
  const verified = await verifyClaims(token, secret);
  if (!verified || verified.claims.use !== REFRESH_USE) return null;
  const { rooms, mod } = verified.claims;
  if (rooms !== undefined || mod !== undefined) return null;
  return verified.user;
}

/** The checks every token passes: signature and `alg`, a future `exp`, a valid `sub` and `name`. */
async function verifyClaims(
  token: string | undefined,
  secret: string,
): Promise<{ user: User; claims: Record<string, unknown> } | null> {
  if (!token) return null;
  let claims: Record<string, unknown>;
  try {
    // hono/jwt checks `exp` only when present, so we turn its check off and always do our own.
    claims = await verify(token, await hmacKey(secret), { alg: 'HS256', exp: false });
  } catch {
    return null;
  }
  const { sub, name, exp } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= Date.now() / 1000) return null;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_USER_ID_LENGTH) return null;
  // Names from a backend's tokens obey the same rules as guest names, so nobody can smuggle in
  // a bidi override or a 500-character name through their own token.
  const parsedName = parseDisplayName(name);
  if (!parsedName.ok) return null;
  return { user: { id: sub, name: parsedName.name }, claims };
}
