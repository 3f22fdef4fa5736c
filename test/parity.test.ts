// The client library's frame narrowing (public/chat/frames.js, plain JS) against the server's
// valibot schema (src/protocol.ts): for every kind of frame the server sends, for frames broken in
// every field, for random ones and for real frames off a room's sockets, both accept exactly the
// same and make the same of it. The types must agree too: the JSDoc ones equal the inferred ones.
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  parseServerFrame,
  type ChatMessage as ClientChatMessage,
  type ClientFrame as ClientClientFrame,
  type ErrorFrame as ClientErrorFrame,
  type ServerFrame as ClientServerFrame,
  type User as ClientUser,
} from '../public/chat/frames.js';
import {
  ERROR_CODES,
  ServerFrameSchema,
  type ChatMessage,
  type ErrorFrame,
  type ServerFrame,
  type User,
} from '../src/protocol.ts';
import { ClientFrameSchema } from '../src/client-frames.ts';
import {
  closeAll,
  connect,
  expectNext,
  moderatedRoom,
  newUser,
  say,
  uniqueRoom,
  type TestSocket,
} from './helpers.ts';

/** What each side makes of one text frame: the typed frame, or null for a refusal. */
function bothSides(text: string): { server: ServerFrame | null; client: ClientServerFrame | null } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = Symbol('not JSON'); // valibot refuses a symbol, as the client refuses text that isn't JSON
  }
  const server = v.safeParse(ServerFrameSchema, json);
  const client = parseServerFrame(text);
  return { server: server.success ? server.output : null, client: client.ok ? client.frame : null };
}

/**
 * Both sides agree on `value` (sent as JSON unless it is a string already): the same verdict and,
 * for a valid frame, the same value with the same keys (none extra, none undefined).
 */
function expectAgreement(value: unknown, valid?: boolean): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const { server, client } = bothSides(text);
  expect(client, text).toStrictEqual(server);
  if (valid !== undefined) expect(server !== null, text).toBe(valid);
}

const ann = { id: 'u-ann', name: 'Ann' };
const bob = { id: 'u-bob', name: 'Bob' };
const message = { type: 'message', id: 7, seq: 7, user: ann, text: 'hello', ts: 1_700_000_000_000 };
const withClientId = { ...message, id: 8, seq: 8, clientId: 'c-1' };
/** A message in every optional field: a reply, edited, reacted to. */
const changed = {
  ...message,
  id: 9,
  seq: 14,
  clientId: 'c-3',
  reply: { id: 7, user: ann, text: 'hello' },
  editedAt: 1_700_000_100_000,
  reactions: [
    { emoji: '👍', count: 2, users: ['u-ann', 'u-bob'] },
    { emoji: '🏴󠁧󠁢󠁳󠁣󠁴󠁿', count: 1, users: ['u-bob'] },
  ],
};
const tombstone = { ...message, id: 10, seq: 15, text: '', deleted: true };
const replyToDeleted = { ...message, id: 11, seq: 11, reply: { id: 10, deleted: true } };
const welcomeBase = {
  type: 'welcome',
  role: 'member',
  settings: { slowModeSeconds: 0, readOnly: false },
  readUpTo: 0,
};

/** One valid example of every kind of frame, with and without each optional field. */
const VALID: Record<string, unknown> = {
  'a welcome of an empty room': {
    ...welcomeBase,
    user: ann,
    room: 'lobby',
    members: [ann],
    memberCount: 1,
    messages: [],
    hasMore: false,
    seq: 0,
  },
  'a moderator’s welcome with members, messages, a mute and a read marker': {
    ...welcomeBase,
    user: bob,
    room: 'lobby',
    members: [ann, bob],
    memberCount: 2,
    messages: [message, withClientId, changed, tombstone, replyToDeleted],
    hasMore: true,
    seq: 15,
    role: 'moderator',
    settings: { slowModeSeconds: 30, readOnly: true },
    mutedUntil: 1_700_000_200_000,
    readUpTo: 8,
  },
  'a resume’s welcome with pruned': {
    ...welcomeBase,
    user: ann,
    room: 'r',
    members: [],
    memberCount: 0,
    messages: [message],
    hasMore: false,
    pruned: true,
    seq: 7,
    role: 'owner',
  },
  'a message': message,
  'a message with a clientId': withClientId,
  'a message with a reply, an edit and reactions': changed,
  'a tombstone': tombstone,
  'a reply to a deleted message': replyToDeleted,
  'an update': { type: 'update', message: changed },
  'a join': { type: 'join', user: bob, ts: 1 },
  'a leave': { type: 'leave', user: bob, ts: 2 },
  'a presence count': { type: 'presence', count: 120 },
  'a history page': { type: 'history', messages: [message, withClientId], hasMore: false },
  'an empty history page': { type: 'history', messages: [], hasMore: true },
  'a catch-up page with pruned': {
    type: 'history',
    messages: [message],
    hasMore: true,
    pruned: true,
  },
  'a page around a message': {
    type: 'history',
    messages: [changed],
    hasMore: true,
    hasNewer: false,
  },
  'a typing frame': { type: 'typing', user: bob },
  ...Object.fromEntries(
    ERROR_CODES.map((code) => [`an error ${code}`, { type: 'error', code, message: 'why' }]),
  ),
  'a rate_limited error with clientId and retryAfterMs': {
    type: 'error',
    code: 'rate_limited',
    message: 'slow down',
    clientId: 'c-2',
    retryAfterMs: 480,
  },
  'a refused change naming its message': {
    type: 'error',
    code: 'forbidden',
    message: 'not yours',
    id: 7,
  },
  'a pong': { type: 'pong' },
  'a purge': { type: 'purged', userId: 'u-bob', seq: 40 },
  'a timed mute': {
    type: 'moderation',
    action: 'mute',
    target: { id: 'u-bob', name: 'Bob' },
    by: ann,
    until: 1_700_000_300_000,
  },
  'a role change of someone unnamed': {
    type: 'moderation',
    action: 'role',
    target: { id: 'u-carl' },
    by: ann,
    role: 'moderator',
  },
  'an unmute': { type: 'moderation', action: 'unmute', target: { id: 'u-bob' }, by: ann },
  'an unban': {
    type: 'moderation',
    action: 'unban',
    target: { id: 'u-bob', name: 'Bob' },
    by: ann,
  },
  'a ban with a reason': {
    type: 'moderation',
    action: 'ban',
    target: { id: 'u-bob' },
    by: ann,
    reason: 'spam',
  },
  'a permanent ban of us': { type: 'banned' },
  'a timed ban of us, with a reason': { type: 'banned', until: 1_700_000_400_000, reason: 'spam' },
  'new settings': { type: 'settings', slowModeSeconds: 10, readOnly: false, by: ann },
  'the bans': {
    type: 'bans',
    bans: [
      { userId: 'u-bob', by: ann },
      { userId: 'u-carl', until: 1_700_000_500_000, by: ann, reason: 'flood' },
    ],
  },
  'a read marker': { type: 'read', id: 8 },
  'search results': {
    type: 'search',
    query: 'hello',
    messages: [message, changed],
    hasMore: false,
  },
};

/** `value` with unknown fields (a newer server's, say) added to every object in it. */
function withExtraFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withExtraFields);
  if (typeof value !== 'object' || value === null) return value;
  const copy = Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, withExtraFields(item)]),
  );
  return { ...copy, future: 9, extra: { nested: true } };
}

/** Values that break any field they replace: every JSON type, and near misses. */
const WRONG_VALUES: unknown[] = [null, 'x', '', 0, -1, 1.5, true, false, [], {}, [ann], { id: 1 }];

/** Every variant of `value` with one field (at any depth) removed or replaced by a wrong value. */
function breakOneField(value: unknown): unknown[] {
  if (typeof value !== 'object' || value === null) return [];
  const variants: unknown[] = [];
  const entries = Array.isArray(value) ? [...value.entries()] : Object.entries(value);
  for (const [key, item] of entries) {
    const replace = (replacement: unknown) => {
      if (Array.isArray(value)) return value.map((old, i) => (i === key ? replacement : old));
      return { ...value, [key]: replacement };
    };
    if (!Array.isArray(value)) {
      const { [key as string]: _, ...rest } = value as Record<string, unknown>;
      variants.push(rest);
    }
    for (const wrong of WRONG_VALUES) variants.push(replace(wrong));
    for (const deeper of breakOneField(item)) variants.push(replace(deeper));
  }
  return variants;
}

describe('parseServerFrame agrees with the server’s ServerFrameSchema', () => {
  it.each(Object.entries(VALID))('accepts %s as the server’s schema does', (_label, frame) => {
    expectAgreement(frame, true);
  });

  it.each(Object.entries(VALID))(
    'drops unknown fields of %s, at every depth, as the schema does',
    (_label, frame) => {
      expectAgreement(withExtraFields(frame), true);
    },
  );

  it.each(Object.entries(VALID))(
    'agrees on every variant of %s with one field missing or wrong',
    (_label, frame) => {
      const variants = breakOneField(frame);
      expect(variants.length).toBeGreaterThan(10);
      for (const variant of variants) expectAgreement(variant);
    },
  );

  it.each([
    ['text that is not JSON', 'not json'],
    ['a truncated object', '{"type":"pong"'],
    ['JSON null', 'null'],
    ['an array', '[{"type":"pong"}]'],
    ['a string', '"pong"'],
    ['a number', '42'],
    ['an object without a type', '{}'],
    ['an unknown type', '{"type":"update","message":{}}'],
    ['a type of the wrong case', '{"type":"Pong"}'],
    ['a numeric type', '{"type":1}'],
    ['an error with an unknown code', '{"type":"error","code":"teapot","message":"x"}'],
    [
      'pruned: false',
      JSON.stringify({ ...(VALID['a resume’s welcome with pruned'] as object), pruned: false }),
    ],
  ])('refuses %s as the schema does', (_label, text) => {
    expect(parseServerFrame(text).ok).toBe(false);
    expectAgreement(text, false);
  });

  it.each([
    ['an infinite count (1e999)', '{"type":"presence","count":1e999}'],
    ['a negative zero id', JSON.stringify(message).replace('"id":7', '"id":-0')],
    ['an id beyond 2^53', JSON.stringify(message).replace('"id":7', '"id":9007199254740993')],
    ['a duplicated key (the last one wins)', '{"type":"pong","type":"presence","count":1}'],
    [
      'a reply that fits both shapes (the first one wins, as in a valibot union)',
      JSON.stringify({ ...message, reply: { id: 1, user: ann, text: 'x', deleted: true } }),
    ],
    [
      'a reply whose excerpt is broken but which is deleted',
      JSON.stringify({ ...message, reply: { id: 1, user: ann, text: 5, deleted: true } }),
    ],
    ['a lone surrogate in a name', JSON.stringify(message).replace('Ann', '\\ud800')],
  ])('agrees on %s', (_label, text) => {
    expectAgreement(text);
  });

  it('agrees on 3,000 random frames built from the contract’s field names', () => {
    const user = fc.oneof(
      fc.record({ id: fc.string(), name: fc.string() }),
      fc.jsonValue({ maxDepth: 1 }),
    );
    const chatMessage = fc.record(
      {
        type: fc.oneof(fc.constant('message'), fc.string()),
        id: fc.oneof(fc.integer(), fc.double(), fc.jsonValue({ maxDepth: 0 })),
        seq: fc.oneof(fc.nat(), fc.jsonValue({ maxDepth: 0 })),
        user,
        text: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 0 })),
        ts: fc.oneof(fc.integer(), fc.jsonValue({ maxDepth: 0 })),
        clientId: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 0 })),
        reply: fc.oneof(
          fc.record({ id: fc.nat(), user, text: fc.string() }),
          fc.record({ id: fc.nat(), deleted: fc.constant(true) }),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        editedAt: fc.oneof(fc.nat(), fc.jsonValue({ maxDepth: 0 })),
        deleted: fc.oneof(fc.constant(true), fc.jsonValue({ maxDepth: 0 })),
        reactions: fc.oneof(
          fc.array(
            fc.record({
              emoji: fc.string(),
              count: fc.nat(),
              users: fc.array(fc.string(), { maxLength: 2 }),
            }),
            { maxLength: 2 },
          ),
          fc.jsonValue({ maxDepth: 1 }),
        ),
      },
      { requiredKeys: ['type', 'id', 'seq', 'user', 'text', 'ts'] },
    );
    const anything = fc.jsonValue({ maxDepth: 2 });
    const frame = fc.record(
      {
        type: fc.constantFrom(
          'welcome',
          'message',
          'join',
          'leave',
          'presence',
          'history',
          'typing',
          'error',
          'pong',
          'update',
          'purged',
          'moderation',
          'banned',
          'settings',
          'bans',
          'read',
          'search',
          'other',
        ),
        user: fc.oneof(user, anything),
        room: fc.oneof(fc.string(), anything),
        members: fc.oneof(fc.array(user, { maxLength: 3 }), anything),
        memberCount: fc.oneof(fc.nat(), anything),
        messages: fc.oneof(fc.array(chatMessage, { maxLength: 3 }), anything),
        message: fc.oneof(chatMessage, fc.string(), anything),
        hasMore: fc.oneof(fc.boolean(), anything),
        pruned: fc.oneof(fc.constant(true), anything),
        seq: fc.oneof(fc.nat(), anything),
        id: fc.oneof(fc.nat(), anything),
        text: fc.oneof(fc.string(), anything),
        ts: fc.oneof(fc.nat(), anything),
        clientId: fc.oneof(fc.string(), anything),
        count: fc.oneof(fc.nat(), anything),
        code: fc.oneof(fc.constantFrom(...ERROR_CODES), anything),
        retryAfterMs: fc.oneof(fc.nat(), anything),
        role: fc.oneof(fc.constantFrom('owner', 'moderator', 'member'), anything),
        settings: fc.oneof(
          fc.record({ slowModeSeconds: fc.nat(), readOnly: fc.boolean() }),
          anything,
        ),
        readUpTo: fc.oneof(fc.nat(), anything),
        mutedUntil: fc.oneof(fc.nat(), anything),
        hasNewer: fc.oneof(fc.boolean(), anything),
        userId: fc.oneof(fc.string(), anything),
        action: fc.oneof(fc.constantFrom('mute', 'unmute', 'ban', 'unban', 'role'), anything),
        target: fc.oneof(
          fc.record({ id: fc.string(), name: fc.string() }, { requiredKeys: ['id'] }),
          anything,
        ),
        by: fc.oneof(user, anything),
        until: fc.oneof(fc.nat(), anything),
        reason: fc.oneof(fc.string(), anything),
        slowModeSeconds: fc.oneof(fc.nat(), anything),
        readOnly: fc.oneof(fc.boolean(), anything),
        query: fc.oneof(fc.string(), anything),
        bans: fc.oneof(
          fc.array(fc.record({ userId: fc.string(), by: user }), { maxLength: 2 }),
          anything,
        ),
      },
      { requiredKeys: ['type'] },
    );
    let valid = 0;
    fc.assert(
      fc.property(frame, (value) => {
        expectAgreement(value);
        if (bothSides(JSON.stringify(value)).server) valid++;
      }),
      { numRuns: 3000 },
    );
    // Both verdicts were met often enough for the agreement to mean something.
    expect(valid).toBeGreaterThan(100);
    expect(valid).toBeLessThan(2900);
  });

  it('agrees on every frame a real room sends: welcome, message, update, join, leave, presence, history, typing, error, pong, search, read', async () => {
    const room = uniqueRoom('parity');
    const raw: string[] = [];
    const record = (socket: TestSocket) =>
      socket.ws.addEventListener('message', (event) => {
        if (typeof event.data === 'string') raw.push(event.data);
      });
    const first = await newUser('First');
    const a = await connect(room, first.token);
    record(a);
    await expectNext(a, 'welcome');
    a.send({ type: 'message', text: 'one', clientId: 'p-1' });
    const one = await expectNext(a, 'message');
    a.send({ type: 'message', text: 'two', clientId: 'p-3', replyTo: one.id });
    await expectNext(a, 'message');
    // Changes: an edit, a reaction, a delete (each an update), then a search over what is left.
    a.send({ type: 'edit', id: one.id, text: 'one, edited' });
    await expectNext(a, 'update');
    a.send({ type: 'react', id: one.id, emoji: '👍', on: true });
    await expectNext(a, 'update');
    a.send({ type: 'search', query: 'edited' });
    await expectNext(a, 'search');
    // Up to PRESENCE_LIMIT (5 in these tests) others arrive with join frames, then counts take over.
    const others: TestSocket[] = [];
    for (let i = 0; i < 6; i++) {
      const { token } = await newUser(`Other ${i}`);
      const socket = await connect(room, token);
      await expectNext(socket, 'welcome');
      others.push(socket);
    }
    await a.nextOf('presence');
    others[0]?.send({ type: 'typing' });
    await a.nextOf('typing');
    a.send({ type: 'history', before: 100, limit: 10 });
    await a.nextOf('history');
    a.send({ type: 'message', text: '   ', clientId: 'p-2' });
    await a.nextOf('error');
    a.send('{ "type": "ping" }');
    await a.nextOf('pong');
    a.send({ type: 'delete', id: one.id });
    await a.nextOf('update');
    // A second tab of First's: a read marker moved by one tab is told to the other.
    const tab = await connect(room, first.token);
    record(tab);
    await expectNext(tab, 'welcome');
    tab.send({ type: 'read', id: one.id });
    await a.nextOf('read');
    await closeAll(...others, tab);
    // Back at PRESENCE_LIMIT and below, departures are announced one by one again.
    await a.nextOf('leave');
    const types = new Set(raw.map((text) => JSON.parse(text).type));
    for (const type of [
      'welcome',
      'message',
      'update',
      'search',
      'join',
      'leave',
      'presence',
      'history',
      'typing',
      'error',
      'pong',
      'read',
    ])
      expect(types).toContain(type);
    for (const text of raw) expectAgreement(text, true);
    await a.close();
  });

  it('agrees on every moderation frame a real room sends: moderation, settings, bans, purged, banned', async () => {
    const { mia, ann, bob } = await moderatedRoom('parity-mod');
    const raw: string[] = [];
    for (const { socket } of [mia, ann, bob])
      socket.ws.addEventListener('message', (event) => {
        if (typeof event.data === 'string') raw.push(event.data);
      });
    const m = mia.socket;
    await say(bob.socket, 'to be purged');
    m.send({ type: 'mute', userId: ann.user.id, seconds: 60 });
    await m.nextOf('moderation');
    m.send({ type: 'mute', userId: ann.user.id, seconds: 0 });
    await m.nextOf('moderation');
    m.send({ type: 'settings', slowModeSeconds: 5 });
    await m.nextOf('settings');
    m.send({ type: 'ban', userId: bob.user.id, seconds: 60, purge: true, reason: 'spam' });
    await m.nextOf('purged');
    expect((await bob.socket.nextOf('banned')).reason).toBe('spam');
    m.send({ type: 'bans' });
    await m.nextOf('bans');
    m.send({ type: 'unban', userId: bob.user.id });
    await m.nextOf('moderation');
    const types = new Set(raw.map((text) => JSON.parse(text).type));
    for (const type of ['moderation', 'settings', 'purged', 'banned', 'bans'])
      expect(types).toContain(type);
    const actions = new Set(
      raw
        .map((text) => JSON.parse(text))
        .flatMap((f) => (f.type === 'moderation' ? [f.action] : [])),
    );
    expect(actions).toEqual(new Set(['mute', 'unmute', 'ban', 'unban']));
    for (const text of raw) expectAgreement(text, true);
    await closeAll(mia.socket, ann.socket, bob.socket);
  });
});

describe('the client’s JSDoc frame types', () => {
  it('equal the types valibot infers from the server’s schemas', () => {
    expectTypeOf<ClientServerFrame>().toEqualTypeOf<ServerFrame>();
    expectTypeOf<ClientChatMessage>().toEqualTypeOf<ChatMessage>();
    expectTypeOf<ClientUser>().toEqualTypeOf<User>();
    expectTypeOf<ClientErrorFrame>().toEqualTypeOf<ErrorFrame>();
    // What the client sends is what the server's schema takes as input, for every frame type
    // the server takes (history's four anchors are four shapes here, one with four optional
    // fields there, so one side extends the other).
    expectTypeOf<ClientClientFrame>().toExtend<v.InferInput<typeof ClientFrameSchema>>();
    expectTypeOf<ClientClientFrame['type']>().toEqualTypeOf<
      v.InferInput<typeof ClientFrameSchema>['type']
    >();
    type Input<T> = Extract<v.InferInput<typeof ClientFrameSchema>, { type: T }>;
    type Mine<T> = Extract<ClientClientFrame, { type: T }>;
    // Each non-history frame has exactly the server's fields, none more, none fewer.
    expectTypeOf<Mine<'message'>>().toEqualTypeOf<Input<'message'>>();
    expectTypeOf<Mine<'edit' | 'delete' | 'react'>>().toEqualTypeOf<
      Input<'edit' | 'delete' | 'react'>
    >();
    expectTypeOf<Mine<'read' | 'search' | 'typing' | 'ping'>>().toEqualTypeOf<
      Input<'read' | 'search' | 'typing' | 'ping'>
    >();
    expectTypeOf<Mine<'mute' | 'ban' | 'unban' | 'bans' | 'settings' | 'role'>>().toEqualTypeOf<
      Input<'mute' | 'ban' | 'unban' | 'bans' | 'settings' | 'role'>
    >();
  });
});
