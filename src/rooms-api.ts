// The rooms API under /api/rooms (besides the socket route): creating a room for link sharing,
// and the messages API for backends (docs/protocol.md, "HTTP API"), which obeys the same scopes,
// bans, mutes and rate limits as a socket: the Worker checks the token and its scopes, the room
// (over RPC) everything else.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { readConfig } from './config.ts';
import { apiRefusal, requireAccess, type AppContext } from './http.ts';
import { createRequest } from './internal.ts';
import { logEvent } from './log.ts';
import { MAX_FRAME_BYTES, parseRoomName } from './protocol.ts';
import type { ApiAnswer, ApiCaller } from './room-api.ts';
import { accessTo } from './scopes.ts';

export const rooms = new Hono<{ Bindings: Env }>();

// Backends call from anywhere without CORS; a browser only from the app's origin or one listed
// in ALLOWED_ORIGINS (the page of an app that embeds the chat).
rooms.use(
  '/:room/*',
  cors({
    origin: (origin, c: AppContext) =>
      origin === new URL(c.req.url).origin || readConfig(c.env).allowedOrigins.has(origin)
        ? origin
        : null,
    allowMethods: ['GET', 'POST'],
    allowHeaders: ['Authorization', 'Content-Type'],
    exposeHeaders: ['Retry-After'],
    maxAge: 600,
  }),
);

// A room for link sharing: its name is 128 random bits, so only those given the link find it.
// The creator becomes its owner, stored in the room itself.
rooms.post('/', async (c) => {
  const access = await requireAccess(c);
  if (access.rooms) {
    throw new HTTPException(403, { message: 'a token limited to some rooms cannot create rooms' });
  }
  const { user } = access;
  const { success } = await c.env.ROOM_CREATE_LIMITER.limit({ key: `user:${user.id}` });
  if (!success) {
    c.header('Retry-After', '60');
    throw new HTTPException(429, { message: 'too many rooms created; try again in a minute' });
  }
  const room = randomRoomName();
  const created = await c.env.CHAT_ROOM.getByName(room).fetch(createRequest(room, user));
  if (!created.ok) throw new Error(`room ${room} refused its owner: ${created.status}`);
  logEvent('created', { room, userId: user.id });
  return c.json({ room, url: `/room/${room}` }, 201);
});

rooms.all('/', (c) => {
  c.header('Allow', 'POST');
  throw new HTTPException(405, { message: 'use POST' });
});

rooms.post(
  '/:room/messages',
  bodyLimit({
    maxSize: MAX_FRAME_BYTES,
    onError: (c) => {
      throw apiRefusal(c, 413, `body is larger than ${MAX_FRAME_BYTES} bytes`, 'too_long');
    },
  }),
  async (c) => {
    const { stub, caller } = await roomFor(c);
    return answer(c, await stub.postMessage(caller, await c.req.text()));
  },
);

rooms.get('/:room/messages', async (c) => {
  const { stub, caller } = await roomFor(c);
  return answer(c, await stub.readMessages(caller, queryOf(c)));
});

rooms.get('/:room/search', async (c) => {
  const { stub, caller } = await roomFor(c);
  return answer(c, await stub.searchMessages(caller, queryOf(c)));
});

/** The room the request names, for a caller whose token may enter it; every refusal first. */
async function roomFor(c: AppContext) {
  const room = parseRoomName(c.req.param('room'));
  if (!room)
    throw apiRefusal(
      c,
      400,
      'invalid room name: use 1-64 of a-z 0-9 _ -, starting with a letter or digit',
    );
  const access = await requireAccess(c);
  const { enter, moderator } = accessTo(access, room, readConfig(c.env).privateRooms);
  if (!enter) throw apiRefusal(c, 403, 'this token may not enter this room', 'forbidden');
  const caller: ApiCaller = { user: access.user, moderator };
  return { stub: c.env.CHAT_ROOM.getByName(room), caller };
}

/** The query string as a plain object (Hono's has no prototype, which RPC can't serialise). */
function queryOf(c: AppContext): Record<string, string> {
  return Object.fromEntries(Object.entries(c.req.query()));
}

function answer(c: AppContext, { status, body, retryAfterSeconds }: ApiAnswer): Response {
  if (retryAfterSeconds !== undefined) c.header('Retry-After', String(retryAfterSeconds));
  return c.json(body, status as ContentfulStatusCode);
}

// Lower-case base32 (RFC 4648's alphabet): 26 characters carry 130 bits, and every one of them
// is a valid room-name character.
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** 26 base32 characters from 128 random bits (and 2 more). */
function randomRoomName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(17));
  let bits = 0;
  let value = 0;
  let name = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && name.length < 26) {
      name += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return name;
}
