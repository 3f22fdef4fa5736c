// HTTP plumbing the Worker's routes share: the context type, the secret (fail closed), bearer
// tokens, and the JSON shape of an API refusal. No route lives here.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { verifyAccessToken, type Access } from './auth.ts';
import { logEvent } from './log.ts';
import type { ErrorCode } from './protocol.ts';

export type AppContext = Context<{ Bindings: Env }>;

/** Fails closed: without a secret no token is issued or accepted. */
export function requireSecret(c: AppContext): string {
  const secret = c.env.AUTH_SECRET;
  if (secret) return secret;
  logEvent('error', { where: 'worker', message: 'AUTH_SECRET is not set' });
  throw new HTTPException(503, { message: 'service not configured: AUTH_SECRET is not set' });
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

/** The verified access token in `Authorization: Bearer`, or a 401. */
export async function requireAccess(c: AppContext): Promise<Access> {
  const access = await verifyAccessToken(
    bearerToken(c.req.header('Authorization')),
    requireSecret(c),
  );
  if (!access) throw new HTTPException(401, { message: 'invalid or expired token' });
  return access;
}

/**
 * A refusal of the messages API: `{"error","code"}` with the socket's error code, thrown so the
 * app's error handler sends it as it is.
 */
export function apiRefusal(
  c: AppContext,
  status: ContentfulStatusCode,
  error: string,
  code?: ErrorCode,
): HTTPException {
  return new HTTPException(status, { res: c.json({ error, ...(code && { code }) }, status) });
}
