// The Worker: decides who may talk. Room name, upgrade, Origin and token are all checked here,
// before a Durable Object is woken (and billed); only the verified user travels on to the room.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { issueRefreshToken, issueToken, verifyAccessToken, verifyRefreshToken } from './auth.ts';
import { readConfig } from './config.ts';
import { logEvent } from './log.ts';
import { acceptsHtml, errorPage, PAGE_HEADERS } from './pages.ts';
import { parseDisplayName, parseRoomName } from './protocol.ts';
import { bearerToken, requireSecret, type AppContext } from './http.ts';
import { connectRequest } from './internal.ts';
import { rooms } from './rooms-api.ts';
import { accessTo } from './scopes.ts';

export { ChatRoom } from './room.ts';

/** Largest `POST /api/token` body; a name is at most 32 characters, so this is generous. */
const MAX_TOKEN_BODY_BYTES = 4 * 1024;
const AFTER_PARAM = /^\d{1,16}$/;

const ROOM_NAME_ERROR =
  'invalid room name: use 1-64 of a-z 0-9 _ -, starting with a letter or digit';

const app = new Hono<{ Bindings: Env }>();

app.onError((err, c) => {
  if (err instanceof HTTPException) {
    // A refusal that brings its own answer (the messages API's `{"error","code"}`) is sent as is.
    return err.res ? err.getResponse() : refusal(c, err.status, err.message);
  }
  logEvent('error', {
    where: 'worker',
    path: c.req.path,
    message: String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return refusal(c, 500, 'internal error');
});

app.notFound((c) => refusal(c, 404, 'not found'));

// Registered before the rooms API, whose CORS middleware would otherwise run for every upgrade
// (and rebuild its 101 response) though browsers apply no CORS to WebSockets: in a storm of
// connects that was a tenth of the runtime's CPU per connect (README, Performance).
// Browsers can't set headers on a WebSocket handshake, so the token rides in the query string.
// Don't use Hono's upgradeWebSocket here: it accepts the socket in the Worker, which can't
// hibernate. The room accepts it and we return the room's 101 response as is.
app.get('/api/rooms/:room/ws', async (c) => {
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket')
    throw new HTTPException(426, { message: 'expected a WebSocket upgrade' });
  const room = parseRoomName(c.req.param('room'));
  if (!room) throw new HTTPException(400, { message: ROOM_NAME_ERROR });
  // `after=1&after=x` is as malformed as `after=x`: refuse rather than pick one.
  const afterParams = c.req.queries('after') ?? [];
  const afterParam = afterParams[0];
  if (afterParams.length > 1 || (afterParam !== undefined && !AFTER_PARAM.test(afterParam)))
    throw new HTTPException(400, { message: 'after must be a non-negative integer' });
  const after = afterParam === undefined ? undefined : Number(afterParam);
  if (after !== undefined && !Number.isSafeInteger(after))
    throw new HTTPException(400, { message: 'after must be a non-negative integer' });
  const origin = c.req.header('Origin');
  if (
    origin !== undefined &&
    origin !== new URL(c.req.url).origin &&
    !readConfig(c.env).allowedOrigins.has(origin)
  ) {
    logEvent('refused', { route: 'ws', status: 403, room, origin });
    throw new HTTPException(403, { message: 'origin not allowed' });
  }
  const access = await verifyAccessToken(c.req.query('token'), requireSecret(c));
  if (!access) {
    logEvent('refused', { route: 'ws', status: 401, room });
    throw new HTTPException(401, { message: 'invalid or expired token' });
  }
  const { user } = access;
  const { enter, moderator } = accessTo(access, room, readConfig(c.env).privateRooms);
  if (!enter) {
    logEvent('refused', { route: 'ws', status: 403, room, userId: user.id });
    throw new HTTPException(403, { message: 'this token may not enter this room' });
  }
  return c.env.CHAT_ROOM.getByName(room).fetch(connectRequest({ room, user, after, moderator }));
});

// Never wakes a room and reveals no configuration beyond whether the service can issue tokens.
app.route('/api/rooms', rooms);

app.get('/api/health', (c) => c.json({ ok: true, configured: Boolean(c.env.AUTH_SECRET) }));

app.post(
  '/api/token',
  bodyLimit({
    maxSize: MAX_TOKEN_BODY_BYTES,
    onError: () => {
      throw new HTTPException(413, {
        message: `body is larger than ${MAX_TOKEN_BODY_BYTES} bytes`,
      });
    },
  }),
  async (c) => {
    const config = readConfig(c.env);
    if (!config.guestTokens)
      throw new HTTPException(403, { message: 'guest tokens are turned off' });
    const secret = requireSecret(c);
    // A returning guest keeps one identity, proven by a refresh token only. Anything else (an
    // access token, which travels in URLs and so in logs, a backend's token, a bad or expired
    // refresh token) is ignored: the caller gets a new identity, never an error.
    const previous = await verifyRefreshToken(bearerToken(c.req.header('Authorization')), secret);
    // New identities are limited per address; a refresh per identity, so people behind one NAT
    // whose sockets all dropped at once (a deploy) don't lock each other out reconnecting.
    // On Cloudflare, CF-Connecting-IP is set by the edge and can't be forged by the client.
    const key = previous
      ? `user:${previous.id}`
      : `ip:${c.req.header('CF-Connecting-IP') ?? 'unknown'}`;
    const { success } = await c.env.TOKEN_RATE_LIMITER.limit({ key });
    if (!success) {
      logEvent('refused', { route: 'token', status: 429 });
      c.header('Retry-After', '60');
      const what = previous
        ? 'token refreshes for this user'
        : 'tokens requested from this address';
      throw new HTTPException(429, { message: `too many ${what}; try again in a minute` });
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new HTTPException(400, { message: 'body must be JSON' });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new HTTPException(400, { message: 'body must be a JSON object' });
    const name = parseDisplayName('name' in body ? body.name : undefined);
    if (!name.ok) throw new HTTPException(400, { message: name.error });
    const user = { id: previous?.id ?? crypto.randomUUID(), name: name.name };
    const { token, expiresAt } = await issueToken(user, secret, config.tokenTtlSeconds);
    const refreshToken = await issueRefreshToken(user, secret);
    return c.json({ token, refreshToken, user, expiresAt });
  },
);

app.all('/api/token', (c) => {
  c.header('Allow', 'POST');
  throw new HTTPException(405, { message: 'use POST' });
});

app.get('/', (c) => servePage(c));
app.get('/room/:room', (c) => {
  if (!parseRoomName(c.req.param('room')))
    throw new HTTPException(400, { message: ROOM_NAME_ERROR });
  return servePage(c);
});
// A pasted or hand-typed link with a trailing slash names the same room. Only a valid name is put
// in Location (so it can't point anywhere but a room), as given, with its query string.
app.get('/room/:room/', (c) => {
  const name = c.req.param('room');
  if (!parseRoomName(name)) throw new HTTPException(400, { message: ROOM_NAME_ERROR });
  return c.redirect(`/room/${name}${new URL(c.req.url).search}`, 308);
});

/** The one HTML page (it shows the lobby or a room from its URL), with the contract's headers. */
async function servePage(c: AppContext): Promise<Response> {
  const asset = await c.env.ASSETS.fetch(new URL('/', c.req.url));
  const page = new Response(asset.body, asset);
  for (const [name, value] of Object.entries(PAGE_HEADERS)) page.headers.set(name, value);
  return page;
}

/**
 * A refusal as JSON `{"error"}`; outside /api/, a browser that asks for HTML (a person who
 * followed a bad link) gets the same status as a small page instead. /api/ always answers JSON.
 */
function refusal(c: AppContext, status: ContentfulStatusCode, message: string): Response {
  const path = c.req.path;
  const api = path === '/api' || path.startsWith('/api/');
  if (!api && acceptsHtml(c.req.header('Accept'))) return errorPage(status, message);
  return c.json({ error: message }, status);
}

export default app;
