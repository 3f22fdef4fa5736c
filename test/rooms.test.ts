// POST /api/rooms (docs/protocol.md, "Private and created rooms"): an unguessable name, the caller
// made the room's owner, refusals before any room is touched (401, 403 for a `rooms` claim, 405),
// 10 rooms a minute per user, and PRIVATE_ROOMS applying to created names like any other.
import { env, exports } from 'cloudflare:workers';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { createRequest } from '../src/internal.ts';
import {
  acceptSocket,
  closeAll,
  createRoom,
  expectNext,
  fetchWorker,
  firstFrame,
  newUser,
  ORIGIN,
  roomCount,
  roomsRequest,
  roomStub,
  scopedUser,
  upgradeRequest,
} from './helpers.ts';

const BASE32_NAME = /^[a-z2-7]{26}$/;

async function expectRefusal(res: Response, status: number, error: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
  expect(await res.json()).toEqual({ error });
}

describe('POST /api/rooms', () => {
  it('answers 201 with an unguessable lower-case base32 name and its url', async () => {
    const { token } = await newUser('Olga');
    const res = await exports.default.fetch(roomsRequest(token));
    expect(res.status).toBe(201);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    const body = v.parse(v.object({ room: v.string(), url: v.string() }), await res.json());
    expect(body.room).toMatch(BASE32_NAME);
    expect(body.url).toBe(`/room/${body.room}`);
    // 26 base32 characters carry 130 random bits: two rooms never share a name.
    const names = new Set([body.room]);
    for (let i = 0; i < 5; i++) names.add((await createRoom(token)).room);
    expect(names.size).toBe(6);
  });

  it('makes the caller the owner, whom the welcome tells so, and nobody else', async () => {
    const owner = await newUser('Olga');
    const guest = await newUser('Gus');
    const { room } = await createRoom(owner.token);
    expect(await firstFrame(room, owner.token)).toMatchObject({ role: 'owner', user: owner.user });
    expect(await firstFrame(room, guest.token)).toMatchObject({ role: 'member' });
    // The owner is stored in the room: another create request can't take it over.
    const again = await roomStub(room).fetch(createRequest(room, guest.user));
    expect(again.status).toBe(409);
    expect(await firstFrame(room, owner.token)).toMatchObject({ role: 'owner' });
    expect(await firstFrame(room, guest.token)).toMatchObject({ role: 'member' });
  });

  it('lets a guest create a room with the token it was issued', async () => {
    const issued = await exports.default.fetch(
      new Request(`${ORIGIN}/api/token`, {
        method: 'POST',
        body: JSON.stringify({ name: 'Gus' }),
        headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': '2001:db8::7' },
      }),
    );
    const { token, refreshToken } = v.parse(
      v.object({ token: v.string(), refreshToken: v.string() }),
      await issued.json(),
    );
    const { room } = await createRoom(token);
    expect(await firstFrame(room, token)).toMatchObject({ role: 'owner' });
    // A refresh token is never an access token, here as at the socket route.
    const before = await roomCount();
    await expectRefusal(
      await exports.default.fetch(roomsRequest(refreshToken)),
      401,
      'invalid or expired token',
    );
    expect(await roomCount()).toBe(before);
  });

  it.each([
    ['no token', async () => undefined],
    ['a token with a broken signature', async () => (await newUser('X')).token + 'x'],
    [
      'a token with a malformed `mod` claim',
      async () => (await scopedUser('X', { mod: 'a' })).token,
    ],
    [
      'a token with a malformed `rooms` claim',
      async () => (await scopedUser('X', { rooms: [1] })).token,
    ],
  ])('answers 401 for %s, creating no room', async (_, token) => {
    const before = await roomCount();
    const res = await exports.default.fetch(roomsRequest(await token()));
    await expectRefusal(res, 401, 'invalid or expired token');
    expect(await roomCount()).toBe(before);
  });

  it.each([
    ['an empty `rooms` claim', { rooms: [] }],
    ['a `rooms` claim matching every room', { rooms: ['*'] }],
    ['a `rooms` claim beside a `mod` claim', { rooms: ['a'], mod: ['*'] }],
  ])('answers 403 for a token with %s, creating no room', async (_, claims) => {
    const { token } = await scopedUser('Scoped', claims);
    const before = await roomCount();
    const res = await exports.default.fetch(roomsRequest(token));
    await expectRefusal(res, 403, 'a token limited to some rooms cannot create rooms');
    expect(await roomCount()).toBe(before);
  });

  it.each(['GET', 'PUT', 'DELETE'])('answers 405 to %s with Allow: POST', async (method) => {
    const { token } = await newUser('Olga');
    const res = await exports.default.fetch(roomsRequest(token, method));
    expect(res.headers.get('Allow')).toBe('POST');
    await expectRefusal(res, 405, 'use POST');
  });

  it('answers 429 with Retry-After past 10 rooms a minute for one user, and serves another user', async () => {
    // Locally the binding counts in windows aligned to the clock minute (miniflare's
    // RateLimiterObject): a run that straddles two windows is not a test of the limit, so it is
    // tried again with a new user, once.
    for (let attempt = 0; attempt < 2; attempt++) {
      const { token } = await newUser('Busy');
      const startedIn = Math.floor(Date.now() / 60_000);
      const answers: Response[] = [];
      for (let i = 0; i < 12; i++) answers.push(await exports.default.fetch(roomsRequest(token)));
      if (Math.floor(Date.now() / 60_000) !== startedIn) continue;

      expect(answers.map((res) => res.status)).toEqual([...Array<number>(10).fill(201), 429, 429]);
      for (const res of answers.slice(10)) {
        expect(res.headers.get('Retry-After')).toBe('60');
        await expectRefusal(res, 429, 'too many rooms created; try again in a minute');
      }
      const other = await newUser('Calm');
      expect((await exports.default.fetch(roomsRequest(other.token))).status).toBe(201);
      return;
    }
    throw new Error('two runs straddled a minute boundary');
  });

  it('makes a created room private when PRIVATE_ROOMS is *: only a matching claim enters, the owner’s too', async () => {
    const vars = { PRIVATE_ROOMS: '*' };
    const plain = await newUser('Pia');
    const { room } = await createRoom(plain.token, vars);
    // A private room needs a claim, so a creator without one can't enter what they made.
    const refused = await fetchWorker(upgradeRequest(room, { token: plain.token }), vars);
    await expectRefusal(refused, 403, 'this token may not enter this room');

    const moderator = await scopedUser('Olga', { mod: ['*'] });
    const created = await createRoom(moderator.token, vars);
    const owner = await acceptSocket(
      await fetchWorker(upgradeRequest(created.room, { token: moderator.token }), vars),
    );
    expect(await expectNext(owner, 'welcome')).toMatchObject({ role: 'owner' });
    const invited = await scopedUser('Ivy', { rooms: [created.room] });
    const guest = await acceptSocket(
      await fetchWorker(upgradeRequest(created.room, { token: invited.token }), vars),
    );
    expect(await expectNext(guest, 'welcome')).toMatchObject({ role: 'member' });
    const stranger = await fetchWorker(upgradeRequest(created.room, { token: plain.token }), vars);
    expect(stranger.status).toBe(403);
    // Without PRIVATE_ROOMS the link is all it takes.
    expect(env.PRIVATE_ROOMS).toBe('');
    expect(await firstFrame(created.room, plain.token)).toMatchObject({ role: 'member' });
    await closeAll(owner, guest);
  });
});
