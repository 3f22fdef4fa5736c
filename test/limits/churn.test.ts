// Presence under churn with the shipped limits: hundreds of sockets come and go, half closing
// cleanly and half vanishing without a Close frame, and the member list must come out exact.
// Also the route's refusal of every kind of bad token, each built by hand to break one rule.
import { env, exports } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  closeAll,
  connect,
  newUser,
  ORIGIN,
  roomStub,
  uniqueRoom,
  type TestSocket,
} from '../helpers.ts';
import type { ChatRoom } from '../../src/room.ts';
import type { ServerFrame, User } from '../../src/protocol.ts';

const WAVES = 10;
const CLEAN_PER_WAVE = 15;
const DROPPED_PER_WAVE = 15;
const STAYING_PER_WAVE = 2;

interface Person {
  user: User;
  token: string;
}

function socketUrl(room: string, token: string): string {
  return `${ORIGIN}/api/rooms/${room}/ws?${new URLSearchParams({ token })}`;
}

/**
 * Opens a socket for each person from inside another Durable Object (a throwaway room) and then
 * aborts that object: its sockets die with it, so the chat room sees each peer vanish without a
 * Close frame (code 1006), as when a phone loses its network.
 */
async function connectAndDrop(room: string, people: Person[]): Promise<void> {
  const carrier = roomStub(uniqueRoom('carrier'));
  const outcome = await runInDurableObject(carrier, async (_instance, state) => {
    for (const { token } of people) {
      const res = await exports.default.fetch(socketUrl(room, token), {
        headers: { Upgrade: 'websocket' },
      });
      if (!res.webSocket) throw new Error(`upgrade refused: ${res.status}`);
      res.webSocket.accept();
    }
    state.abort('network lost');
  }).then(
    () => 'not aborted',
    (err: unknown) => String(err),
  );
  expect(outcome).toMatch(/network lost/);
}

/** Records the close codes the room's own webSocketClose handler sees (calls through to it). */
async function recordCloseCodes(room: string): Promise<number[]> {
  const codes: number[] = [];
  await runInDurableObject(roomStub(room), (instance: ChatRoom) => {
    const original = instance.webSocketClose.bind(instance);
    instance.webSocketClose = (ws: WebSocket, code: number, reason: string) => {
      codes.push(code);
      return original(ws, code, reason);
    };
  });
  return codes;
}

async function people(count: number, prefix: string): Promise<Person[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => newUser(`${prefix}${i}`)));
}

describe('presence under churn', () => {
  it('shows exactly the users still connected after 320 arrivals and 300 departures, half without a Close frame', async () => {
    const room = uniqueRoom('churn');
    const watcher = await newUser('watcher');
    const observer = await connect(room, watcher.token);
    await observer.nextOf('welcome');
    const codes = await recordCloseCodes(room);

    const staying: { person: Person; socket: TestSocket }[] = [];
    const clean: Person[] = [];
    const dropped: Person[] = [];
    let secondTabsDropped = 0;
    for (let wave = 0; wave < WAVES; wave++) {
      const cleanWave = await people(CLEAN_PER_WAVE, `c${wave}-`);
      const droppedWave = await people(DROPPED_PER_WAVE, `d${wave}-`);
      for (const person of await people(STAYING_PER_WAVE, `s${wave}-`)) {
        const socket = await connect(room, person.token);
        await socket.nextOf('welcome');
        staying.push({ person, socket });
      }
      const cleanSockets = await Promise.all(
        cleanWave.map((person) => connect(room, person.token)),
      );
      // One staying user per wave also opens a second tab, which is dropped: they must stay.
      const secondTab = staying.at(-1)?.person;
      await connectAndDrop(room, secondTab ? [...droppedWave, secondTab] : droppedWave);
      if (secondTab) secondTabsDropped++;
      // Closed without waiting for the server's answer; awaited together below.
      for (const socket of cleanSockets) socket.ws.close(1000, 'bye');
      await Promise.all(cleanSockets.map((socket) => socket.closed));
      clean.push(...cleanWave);
      dropped.push(...droppedWave);
    }

    const arrivals = clean.length + dropped.length + staying.length;
    const departures = clean.length + dropped.length;
    expect(arrivals).toBe(320);
    const joins = new Map<string, number>();
    const leaves = new Map<string, number>();
    const other: ServerFrame[] = [];
    const deadline = Date.now() + 20_000;
    while (sum(joins) < arrivals || sum(leaves) < departures) {
      const frame = await observer.next(Math.max(1, deadline - Date.now()));
      if (frame.type === 'join') joins.set(frame.user.id, (joins.get(frame.user.id) ?? 0) + 1);
      else if (frame.type === 'leave')
        leaves.set(frame.user.id, (leaves.get(frame.user.id) ?? 0) + 1);
      else other.push(frame);
    }
    // Every arrival announced once, every departure once, second tabs never, no presence counts.
    expect(other).toEqual([]);
    for (const { user } of [...clean, ...dropped]) {
      expect(joins.get(user.id)).toBe(1);
      expect(leaves.get(user.id)).toBe(1);
    }
    for (const { person } of staying) {
      expect(joins.get(person.user.id)).toBe(1);
      expect(leaves.has(person.user.id)).toBe(false);
    }
    expect(sum(joins) - sum(leaves)).toBe(staying.length);

    const fresh = await newUser('fresh');
    const probe = await connect(room, fresh.token);
    const welcome = await probe.nextOf('welcome');
    const expected = [watcher.user, ...staying.map(({ person }) => person.user), fresh.user];
    expect(welcome.memberCount).toBe(expected.length);
    expect(sortById(welcome.members)).toEqual(sortById(expected));
    expect((await observer.nextOf('join')).user).toEqual(fresh.user);

    // The room really saw both kinds of departure.
    expect(codes.filter((code) => code === 1006)).toHaveLength(dropped.length + secondTabsDropped);
    expect(codes.filter((code) => code === 1000)).toHaveLength(clean.length);
    await closeAll(probe, observer, ...staying.map(({ socket }) => socket));
  });

  it('announces the leave of a user whose only socket is dropped, and not of one who keeps a tab', async () => {
    const room = uniqueRoom('drop');
    const watcher = await newUser('watcher');
    const observer = await connect(room, watcher.token);
    await observer.nextOf('welcome');
    const [gone, twoTabs] = await people(2, 'p');
    if (!gone || !twoTabs) throw new Error('no people');
    const kept = await connect(room, twoTabs.token);
    await kept.nextOf('welcome');
    expect((await observer.nextOf('join')).user).toEqual(twoTabs.user);
    await connectAndDrop(room, [gone, twoTabs]);
    expect(await observer.next()).toMatchObject({ type: 'join', user: gone.user });
    expect(await observer.next()).toMatchObject({ type: 'leave', user: gone.user });
    // Nothing else is on its way: a message from the kept tab is the next frame.
    kept.send({ type: 'message', text: 'still here' });
    expect(await observer.next()).toMatchObject({
      type: 'message',
      user: twoTabs.user,
      text: 'still here',
    });
    const probe = await connect(room, (await newUser('probe')).token);
    const welcome = await probe.nextOf('welcome');
    expect(welcome.memberCount).toBe(3);
    expect(new Set(welcome.members.map((m) => m.id))).toEqual(
      new Set([watcher.user.id, twoTabs.user.id, welcome.user.id]),
    );
    await closeAll(probe, kept, observer);
  });
});

// ---------------------------------------------------------------------------------------------
// Tokens at the route

const SECRET = env.AUTH_SECRET ?? '';

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encodePart = (value: unknown): string =>
  base64url(new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)));

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

interface Craft {
  header?: unknown;
  /** A string is sent as raw text, not JSON-encoded. */
  payload?: unknown;
  secret?: string;
  hash?: 'SHA-256' | 'SHA-512';
  /** Replaces the signature. */
  signature?: string;
}

/** A JWT built by hand: by default a valid HS256 token for `good` signed with the test secret. */
async function craft({
  header = { alg: 'HS256', typ: 'JWT' },
  payload = claims(),
  secret = SECRET,
  hash = 'SHA-256',
  signature,
}: Craft = {}): Promise<string> {
  const input = `${encodePart(header)}.${encodePart(payload)}`;
  return `${input}.${signature ?? (await hmac(input, secret, hash))}`;
}

function claims(
  overrides: Record<string, unknown> = {},
  drop: string[] = [],
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const all: Record<string, unknown> = {
    sub: 'user-jwt',
    name: 'jwt',
    iat: now,
    exp: now + 900,
    ...overrides,
  };
  for (const key of drop) delete all[key];
  return all;
}

const tokenCases: [string, () => Promise<string>][] = [
  [
    'alg "none" without a signature',
    async () => (await craft({ header: { alg: 'none', typ: 'JWT' } })).replace(/[^.]+$/, ''),
  ],
  ['alg "none" with a valid HS256 signature', () => craft({ header: { alg: 'none', typ: 'JWT' } })],
  [
    'alg "HS512" signed with the right secret',
    () => craft({ header: { alg: 'HS512', typ: 'JWT' }, hash: 'SHA-512' }),
  ],
  [
    'alg "RS256" (HMAC-signed, the key-confusion trick)',
    () => craft({ header: { alg: 'RS256', typ: 'JWT' } }),
  ],
  ['a header without alg', () => craft({ header: { typ: 'JWT' } })],
  ['a header that is not JSON', () => craft({ header: 'not json' })],
  ['the wrong secret', () => craft({ secret: 'not-the-secret' })],
  ['an empty signature', () => craft({ signature: '' })],
  [
    'a signature from another payload',
    async () =>
      `${(await craft()).split('.').slice(0, 2).join('.')}.${(await craft({ payload: claims({ sub: 'x' }) })).split('.')[2]}`,
  ],
  [
    'a payload changed after signing',
    async () => {
      const [header, , signature] = (await craft()).split('.');
      return `${header}.${encodePart(claims({ sub: 'admin' }))}.${signature}`;
    },
  ],
  [
    'an expired token',
    () => craft({ payload: claims({ exp: Math.floor(Date.now() / 1000) - 10 }) }),
  ],
  [
    'a token expired a day ago',
    () => craft({ payload: claims({ exp: Math.floor(Date.now() / 1000) - 86_400 }) }),
  ],
  ['a missing exp', () => craft({ payload: claims({}, ['exp']) })],
  [
    'exp as a string',
    () => craft({ payload: claims({ exp: String(Math.floor(Date.now() / 1000) + 900) }) }),
  ],
  ['exp null', () => craft({ payload: claims({ exp: null }) })],
  ['a numeric sub', () => craft({ payload: claims({ sub: 42 }) })],
  ['a missing sub', () => craft({ payload: claims({}, ['sub']) })],
  ['an empty sub', () => craft({ payload: claims({ sub: '' }) })],
  ['a sub of 129 characters', () => craft({ payload: claims({ sub: 'u'.repeat(129) }) })],
  ['a missing name', () => craft({ payload: claims({}, ['name']) })],
  ['a name with a bidi override', () => craft({ payload: claims({ name: '\u202Enimda' }) })],
  ['a name of 33 characters', () => craft({ payload: claims({ name: 'n'.repeat(33) }) })],
  ['an array payload', () => craft({ payload: [claims()] })],
  ['a string payload', () => craft({ payload: JSON.stringify('user-jwt') })],
  ['a payload that is not JSON', () => craft({ payload: 'not json' })],
  ['two parts only', async () => (await craft()).split('.').slice(0, 2).join('.')],
  ['four parts', async () => `${await craft()}.extra`],
  ['characters outside base64url', async () => `${await craft()}!*`],
];

describe('tokens at the socket route', () => {
  it.each(tokenCases)('refuses %s with 401 before any upgrade', async (_label, make) => {
    const res = await exports.default.fetch(socketUrl(uniqueRoom('jwt'), await make()), {
      headers: { Upgrade: 'websocket' },
    });
    expect(res.webSocket).toBeNull();
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'invalid or expired token' });
  });

  it('accepts the untouched hand-built token, so each refusal above is down to its one change', async () => {
    const socket = await connect(uniqueRoom('jwt'), await craft());
    expect((await socket.nextOf('welcome')).user).toEqual({ id: 'user-jwt', name: 'jwt' });
    await socket.close();
  });
});

function sum(counts: Map<string, number>): number {
  let total = 0;
  for (const count of counts.values()) total += count;
  return total;
}

function sortById(users: User[]): User[] {
  return [...users].sort((a, b) => a.id.localeCompare(b.id));
}
