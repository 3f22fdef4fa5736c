// Scoped tokens and private rooms (docs/protocol.md, "Scopes"): room patterns, the `rooms` and
// `mod` claims, PRIVATE_ROOMS, and the Worker refusing with 403 before any room is touched
// (malformed claims are 401), plus POST /api/rooms for link-shared rooms with an owner.
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
import { accessTo, parseClaim, parsePattern, parsePatternList } from '../src/scopes.ts';
import {
  acceptSocket,
  closeAll,
  expectNext,
  ORIGIN,
  uniqueRoom,
  upgradeRequest,
} from './helpers.ts';

const SECRET = env.AUTH_SECRET ?? '';

/** A backend's access token for a fresh user with `claims` added. */
async function tokenWith(claims: Record<string, unknown>, id = crypto.randomUUID()) {
  const iat = Math.floor(Date.now() / 1000);
  return sign({ sub: id, name: 'Scoped', iat, exp: iat + 900, ...claims }, SECRET, 'HS256');
}

async function fetchWith(request: Request, overrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function roomCount(): Promise<number> {
  return (await listDurableObjectIds(env.CHAT_ROOM)).length;
}

describe('room patterns', () => {
  it.each([
    ['lobby', { exact: 'lobby' }],
    ['Lobby', { exact: 'lobby' }],
    ['support-*', { prefix: 'support-' }],
    ['*', { prefix: '' }],
    [`${'a'.repeat(63)}*`, { prefix: 'a'.repeat(63) }],
  ])('reads %s', (raw, pattern) => {
    expect(parsePattern(raw)).toEqual(pattern);
  });

  it.each([
    ['an empty string', ''],
    ['two stars', '**'],
    ['a star in the middle', 'a*b'],
    ['a prefix of 64 characters', `${'a'.repeat(64)}*`],
    ['a prefix starting with a dash', '-x*'],
    ['a space', 'lob by'],
    ['a number', 7],
  ])('refuses %s', (_, raw) => {
    expect(parsePattern(raw)).toBeNull();
  });

  it('treats a missing claim as absent and a malformed one as malformed', () => {
    expect(parseClaim(undefined)).toBeUndefined();
    expect(parseClaim([])).toEqual([]);
    expect(parseClaim('lobby')).toBeNull();
    expect(parseClaim([1, 2])).toBeNull();
    expect(parseClaim(['ok', 'Bad Room!'])).toBeNull();
    expect(parseClaim(Array.from({ length: 50 }, (_, i) => `r${i}`))).toHaveLength(50);
    expect(parseClaim(Array.from({ length: 51 }, (_, i) => `r${i}`))).toBeNull();
  });

  it('decides entry and moderation: mod enters anything it matches, rooms limits, private needs a claim', () => {
    const privateRooms = parsePatternList('staff, vip-*, Bad Room!');
    const lobby = [{ exact: 'lobby' }];
    expect(accessTo({}, 'lobby', privateRooms)).toEqual({ enter: true, moderator: false });
    expect(accessTo({}, 'staff', privateRooms)).toEqual({ enter: false, moderator: false });
    expect(accessTo({}, 'vip-lounge', privateRooms)).toEqual({ enter: false, moderator: false });
    expect(accessTo({ rooms: lobby }, 'lobby', privateRooms)).toEqual({
      enter: true,
      moderator: false,
    });
    expect(accessTo({ rooms: lobby }, 'other', privateRooms)).toEqual({
      enter: false,
      moderator: false,
    });
    expect(accessTo({ rooms: [] }, 'lobby', privateRooms)).toEqual({
      enter: false,
      moderator: false,
    });
    expect(accessTo({ rooms: [{ exact: 'staff' }] }, 'staff', privateRooms).enter).toBe(true);
    expect(accessTo({ mod: [{ prefix: 'vip-' }] }, 'vip-lounge', privateRooms)).toEqual({
      enter: true,
      moderator: true,
    });
    expect(accessTo({ rooms: lobby, mod: [{ prefix: '' }] }, 'other', privateRooms)).toEqual({
      enter: true,
      moderator: true,
    });
  });
});

describe('the socket route with scopes', () => {
  it.each([
    ['`rooms` a string', { rooms: 'lobby' }],
    ['`rooms` of numbers', { rooms: [1, 2] }],
    ['`rooms` with an invalid name', { rooms: ['Bad Room!'] }],
    ['`rooms` of 51 patterns', { rooms: Array.from({ length: 51 }, (_, i) => `r${i}`) }],
    ['`mod` not an array', { mod: { room: 'lobby' } }],
    ['`mod` with a star inside', { mod: ['a*b'] }],
  ])('answers 401 for a token with %s, waking no room', async (_, claims) => {
    const room = uniqueRoom('bad-claim');
    const before = await roomCount();
    const res = await exports.default.fetch(
      upgradeRequest(room, { token: await tokenWith(claims) }),
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'invalid or expired token' });
    expect(await roomCount()).toBe(before);
  });

  it.each([
    ['a `rooms` claim that does not match', { rooms: ['elsewhere', 'other-*'] }, {}],
    ['an empty `rooms` claim', { rooms: [] }, {}],
    ['no claim, in a private room', {}, { PRIVATE_ROOMS: 'sc-*' }],
    [
      'a `mod` claim for another room, in a private room',
      { mod: ['lobby'] },
      { PRIVATE_ROOMS: '*' },
    ],
  ])('answers 403 for %s, waking no room', async (_, claims, vars) => {
    const room = uniqueRoom('sc');
    const before = await roomCount();
    const res = await fetchWith(upgradeRequest(room, { token: await tokenWith(claims) }), vars);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'this token may not enter this room' });
    expect(await roomCount()).toBe(before);
  });

  it.each([
    ['an exact `rooms` match', (room: string) => ({ rooms: [room] }), {}],
    ['a prefix `rooms` match', () => ({ rooms: ['sc-*'] }), {}],
    ['a `rooms` match, in a private room', () => ({ rooms: ['sc-*'] }), { PRIVATE_ROOMS: 'sc-*' }],
    ['a `mod` match, in a private room', () => ({ mod: ['*'] }), { PRIVATE_ROOMS: '*' }],
    ['no claim, in a public room', () => ({}), { PRIVATE_ROOMS: 'staff' }],
  ])('lets a token in with %s', async (_, claims, vars) => {
    const room = uniqueRoom('sc');
    const token = await tokenWith(claims(room));
    const socket = await acceptSocket(await fetchWith(upgradeRequest(room, { token }), vars));
    await expectNext(socket, 'welcome');
    await closeAll(socket);
  });

  it('makes a `mod` claim a moderator in the rooms it matches, and only there', async () => {
    const room = uniqueRoom('sc-mod');
    const token = await tokenWith({ mod: ['sc-mod-*'] });
    const moderator = await acceptSocket(await fetchWith(upgradeRequest(room, { token })));
    expect((await expectNext(moderator, 'welcome')).role).toBe('moderator');
    const elsewhere = await acceptSocket(
      await fetchWith(upgradeRequest(uniqueRoom('sc'), { token })),
    );
    expect((await expectNext(elsewhere, 'welcome')).role).toBe('member');
    await closeAll(moderator, elsewhere);
  });

  it('never lets a guest into a private room', async () => {
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/api/token`, {
        method: 'POST',
        body: JSON.stringify({ name: 'guest' }),
        headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': '2001:db8::5c' },
      }),
    );
    const { token } = v.parse(v.object({ token: v.string() }), await res.json());
    const refused = await fetchWith(upgradeRequest('staff', { token }), { PRIVATE_ROOMS: 'staff' });
    expect(refused.status).toBe(403);
  });
});
