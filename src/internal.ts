// The requests the Worker sends a room: the only way in. The Worker has verified the token and
// its scopes; the room trusts what these carry (the user, the resume point, the `mod` claim) and
// nothing a client sends. They never leave Cloudflare's network: a DO stub is not a URL anyone
// else can reach.
import * as v from 'valibot';
import { UserSchema, type User } from './protocol.ts';

const INTERNAL = 'https://chat-room.internal';

/** A verified user's connection to a room. */
export interface Connect {
  room: string;
  user: User;
  /** Resume after this `seq`. */
  after: number | undefined;
  /** The token's `mod` claim matches this room. */
  moderator: boolean;
}

/** The upgrade request that opens a socket for `connect.user`. */
export function connectRequest({ room, user, after, moderator }: Connect): Request {
  const url = new URL(`${INTERNAL}/connect`);
  url.searchParams.set('room', room);
  url.searchParams.set('user', user.id);
  url.searchParams.set('name', user.name);
  if (after !== undefined) url.searchParams.set('after', String(after));
  if (moderator) url.searchParams.set('mod', '1');
  return new Request(url, { headers: { Upgrade: 'websocket' } });
}

/** What a connect request carries, or null when it isn't one. */
export function parseConnect(request: Request): Connect | null {
  const url = new URL(request.url);
  const room = url.searchParams.get('room');
  const id = url.searchParams.get('user');
  const name = url.searchParams.get('name');
  const after = url.searchParams.get('after');
  if (!room || !id || !name || request.headers.get('Upgrade') !== 'websocket') return null;
  return {
    room,
    user: { id, name },
    after: after === null ? undefined : Number(after),
    moderator: url.searchParams.get('mod') === '1',
  };
}

/** The request that makes `user` the owner of the new room `room` (POST /api/rooms). */
export function createRequest(room: string, user: User): Request {
  return new Request(`${INTERNAL}/create`, {
    method: 'POST',
    body: JSON.stringify({ room, user }),
  });
}

/** Whether `request` is a create request, and for whom. */
export async function parseCreate(request: Request): Promise<User | null | undefined> {
  if (new URL(request.url).pathname !== '/create') return undefined;
  const body: unknown = await request.json().catch(() => null);
  const user = typeof body === 'object' && body !== null && 'user' in body ? body.user : null;
  return v.is(UserSchema, user) ? user : null;
}
