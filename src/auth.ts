// Issues and verifies the HS256 JWTs that carry a person's identity into a room.
// Trusts only AUTH_SECRET; every claim of an incoming token is checked before it is used.
import { sign, verify } from 'hono/jwt';
import { MAX_USER_ID_LENGTH, parseDisplayName, type User } from './protocol.ts';

/** A token's signature still proves who someone is for this long after it expired, for refresh. */
export const REFRESH_GRACE_SECONDS = 7 * 24 * 60 * 60;

export interface IssuedToken {
  token: string;
  user: User;
  /** ms since epoch */
  expiresAt: number;
}

/** Signs a token for `user` that expires after the configured TTL. */
export async function issueToken(
  user: User,
  secret: string,
  ttlSeconds: number,
  nowMs = Date.now(),
): Promise<IssuedToken> {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + ttlSeconds;
  const token = await sign({ sub: user.id, name: user.name, iat, exp }, secret, 'HS256');
  return { token, user, expiresAt: exp * 1000 };
}

/**
 * The user a valid token names, or `null` for anything else: another `alg` (including `none`), a
 * bad signature, a missing or past `exp`, or claims of the wrong shape. With `allowExpired`, a
 * token that expired less than REFRESH_GRACE_SECONDS ago still counts (refreshing a guest).
 */
export async function verifyToken(
  token: string | undefined,
  secret: string,
  options: { allowExpired?: boolean } = {},
): Promise<User | null> {
  if (!token) return null;
  let claims: Record<string, unknown>;
  try {
    // hono/jwt checks `exp` only when present, so we turn its check off and always do our own.
    claims = await verify(token, secret, { alg: 'HS256', exp: false });
  } catch {
    return null;
  }
  const { sub, name, exp } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return null;
  const now = Date.now() / 1000;
  if (exp <= now - (options.allowExpired ? REFRESH_GRACE_SECONDS : 0)) return null;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_USER_ID_LENGTH) return null;
  // Names from a backend's tokens obey the same rules as guest names, so nobody can smuggle in
  // a bidi override or a 500-character name through their own token.
  const parsedName = parseDisplayName(name);
  if (!parsedName.ok) return null;
  return { id: sub, name: parsedName.name };
}
