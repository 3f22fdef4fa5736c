// Scoped tokens and private rooms (docs/protocol.md, "Scopes"): room patterns, the `rooms` and
// `mod` claims, PRIVATE_ROOMS, and the Worker refusing with 403 before any room is touched
// (malformed claims are 401), plus POST /api/rooms for link-shared rooms with an owner.
import { exports } from 'cloudflare:workers';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { accessTo, parseClaim, parsePattern, parsePatternList } from '../src/scopes.ts';
import {
  acceptSocket,
  closeAll,
  expectNext,
  fetchWorker,
  ORIGIN,
  roomCount,
  scopedUser,
  uniqueRoom,
  upgradeRequest,
} from './helpers.ts';

/** A backend's access token for a fresh user with `claims` added. */
async function tokenWith(claims: Record<string, unknown>): Promise<string> {
  return (await scopedUser('Scoped', claims)).token;
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
    const res = await fetchWorker(upgradeRequest(room, { token: await tokenWith(claims) }), vars);
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
    const socket = await acceptSocket(await fetchWorker(upgradeRequest(room, { token }), vars));
    await expectNext(socket, 'welcome');
    await closeAll(socket);
  });

  it('makes a `mod` claim a moderator in the rooms it matches, and only there', async () => {
    const room = uniqueRoom('sc-mod');
    const token = await tokenWith({ mod: ['sc-mod-*'] });
    const moderator = await acceptSocket(await fetchWorker(upgradeRequest(room, { token })));
    expect((await expectNext(moderator, 'welcome')).role).toBe('moderator');
    const elsewhere = await acceptSocket(
      await fetchWorker(upgradeRequest(uniqueRoom('sc'), { token })),
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
    const refused = await fetchWorker(upgradeRequest('staff', { token }), {
      PRIVATE_ROOMS: 'staff',
    });
    expect(refused.status).toBe(403);
  });
});

describe('scopes at the edges', () => {
  /** A guest token as POST /api/token issues it, from its own documentation-range address. */
  async function guest(body: Record<string, unknown>, bearer?: string) {
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/api/token`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: {
          'Content-Type': 'application/json',
          'CF-Connecting-IP': `2001:db8::${crypto.randomUUID().slice(0, 4)}`,
          ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
        },
      }),
    );
    const issued = v.object({
      token: v.string(),
      refreshToken: v.string(),
      user: v.object({ id: v.string(), name: v.string() }),
    });
    return v.parse(issued, await res.json());
  }

  /** The claims of a JWT, read without verifying it. */
  function claimsOf(token: string): Record<string, unknown> {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    return v.parse(v.record(v.string(), v.unknown()), JSON.parse(json));
  }

  it('compares patterns and room names lower-cased, the prefix itself included', async () => {
    const room = uniqueRoom('sc-case');
    const token = await tokenWith({ rooms: [room.toUpperCase(), 'Support-*'] });
    for (const name of [room.toUpperCase(), 'support-', 'SUPPORT-desk']) {
      const socket = await acceptSocket(await fetchWorker(upgradeRequest(name, { token })));
      expect(await expectNext(socket, 'welcome')).toMatchObject({ room: name.toLowerCase() });
      await closeAll(socket);
    }
    const refused = await fetchWorker(upgradeRequest('support', { token }));
    expect(refused.status).toBe(403);
  });

  it('accepts a claim of exactly 50 patterns', async () => {
    const room = uniqueRoom('sc-fifty');
    const rooms = [...Array.from({ length: 49 }, (_, i) => `other-${i}`), room];
    const socket = await acceptSocket(
      await fetchWorker(upgradeRequest(room, { token: await tokenWith({ rooms }) })),
    );
    await expectNext(socket, 'welcome');
    await closeAll(socket);
  });

  it('lets a `mod` match in beyond a `rooms` claim that does not list the room', async () => {
    const room = uniqueRoom('sc-both');
    const token = await tokenWith({ rooms: ['lobby'], mod: [room] });
    const socket = await acceptSocket(
      await fetchWorker(upgradeRequest(room, { token }), { PRIVATE_ROOMS: '*' }),
    );
    expect(await expectNext(socket, 'welcome')).toMatchObject({ role: 'moderator' });
    await closeAll(socket);
  });

  it('never issues a guest a scoped token, whatever the request body asks for', async () => {
    const { token, refreshToken } = await guest({ name: 'Gus', rooms: ['*'], mod: ['*'] });
    for (const issued of [token, refreshToken]) {
      expect(claimsOf(issued)).not.toHaveProperty('rooms');
      expect(claimsOf(issued)).not.toHaveProperty('mod');
    }
    const refused = await fetchWorker(upgradeRequest('staff', { token }), {
      PRIVATE_ROOMS: 'staff',
    });
    expect(refused.status).toBe(403);
  });

  it.each([
    ['an access token with a `mod` claim', { mod: ['*'] }],
    ['a refresh token with a `rooms` claim', { use: 'refresh', rooms: ['staff'] }],
    ['a refresh token with a `mod` claim', { use: 'refresh', mod: ['*'] }],
  ])('never refreshes %s: the caller gets a new identity', async (_, claims) => {
    const scoped = await scopedUser('Gus', claims);
    const { user, token } = await guest({ name: 'Gus' }, scoped.token);
    expect(user.id).not.toBe(scoped.user.id);
    expect(claimsOf(token)).not.toHaveProperty('mod');
    expect(claimsOf(token)).not.toHaveProperty('rooms');
  });

  it('never opens a room with a refresh token, scoped or not', async () => {
    const room = uniqueRoom('sc-refresh');
    const { token } = await scopedUser('Gus', { use: 'refresh', rooms: [room] });
    const before = await roomCount();
    const res = await fetchWorker(upgradeRequest(room, { token }));
    expect(res.status).toBe(401);
    expect(await roomCount()).toBe(before);
  });
});

describe('the README’s scoped tokens', () => {
  it('open exactly the rooms a user belongs to, and moderate the ones in `mod`', async () => {
    const team = uniqueRoom('acme');
    const vars = { PRIVATE_ROOMS: `${team}-*,staff` };
    const support = `${team}-support`;
    // The claims of the Node and Python examples.
    const { token } = await scopedUser('Dan', { rooms: [support, `${team}-team`], mod: [support] });
    const enter = async (room: string, tokenFor = token) => {
      const res = await fetchWorker(upgradeRequest(room, { token: tokenFor }), vars);
      if (res.status !== 101) return res.status;
      const socket = await acceptSocket(res);
      const { role } = await expectNext(socket, 'welcome');
      await closeAll(socket);
      return role;
    };
    expect(await enter(support)).toBe('moderator');
    expect(await enter(`${team}-team`)).toBe('member');
    expect(await enter(`${team}-billing`)).toBe(403);
    expect(await enter(uniqueRoom('lobby'))).toBe(403);
    // A prefix covers every room of the team; it still doesn't open other private rooms.
    const everyRoom = await tokenWith({ rooms: [`${team}-*`] });
    expect(await enter(`${team}-billing`, everyRoom)).toBe('member');
    expect(await enter('staff', everyRoom)).toBe(403);
    // An absent claim means no limit; `null` is malformed.
    expect(await enter(uniqueRoom('lobby'), await tokenWith({}))).toBe('member');
    expect(await enter(uniqueRoom('lobby'), await tokenWith({ rooms: null }))).toBe(401);
    expect(await enter(uniqueRoom('lobby'), await tokenWith({ mod: null }))).toBe(401);
  });
});
