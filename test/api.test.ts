// The HTTP API for backends (docs/protocol.md, "HTTP API") through the Worker's real routes: a
// message posted over HTTP reaches every socket like any other, a resend of its clientId is
// answered 200 with the stored copy, pages and search follow the frames' rules, and every refusal
// carries the socket's error code with its HTTP status. CORS for the app's origin and
// ALLOWED_ORIGINS. (The shared rate limit is in test/limits/api-rate.test.ts.)
import { env, exports } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { sign } from 'hono/jwt';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import worker from '../src/index.ts';
import { ChatMessageSchema } from '../src/protocol.ts';
import {
  closeAll,
  connect,
  expectNext,
  newUser,
  ORIGIN,
  say,
  sendMessages,
  uniqueRoom,
} from './helpers.ts';

const SECRET = env.AUTH_SECRET ?? '';

function api(
  room: string,
  path: 'messages' | 'search',
  {
    token,
    method = 'GET',
    body,
    query = {},
    headers = {},
  }: {
    token?: string;
    method?: string;
    body?: string;
    query?: Record<string, string>;
    headers?: Record<string, string>;
  } = {},
): Promise<Response> {
  const params = new URLSearchParams(query);
  const url = `${ORIGIN}/api/rooms/${room}/${path}${params.size ? `?${params}` : ''}`;
  return exports.default.fetch(
    new Request(url, {
      method,
      body,
      headers: {
        ...(token && { Authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
        ...headers,
      },
    }),
  );
}

const post = (room: string, token: string, body: unknown) =>
  api(room, 'messages', {
    token,
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function json(res: Response): Promise<unknown> {
  expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
  return res.json();
}

const PageSchema = v.object({
  messages: v.array(ChatMessageSchema),
  hasMore: v.boolean(),
  seq: v.number(),
  hasNewer: v.optional(v.boolean()),
  pruned: v.optional(v.literal(true)),
});

describe('POST /api/rooms/:name/messages', () => {
  it('stores the message, sends it to every socket, and answers 201 with it (200 for a resend)', async () => {
    const room = uniqueRoom('api-post');
    const reader = await connect(room, (await newUser('Reader')).token);
    await expectNext(reader, 'welcome');
    const bot = await newUser('Deploy bot');
    const res = await post(room, bot.token, { text: ' deployed v1.2 ', clientId: 'deploy-1' });
    expect(res.status).toBe(201);
    const stored = v.parse(ChatMessageSchema, await json(res));
    expect(stored).toMatchObject({ text: 'deployed v1.2', user: bot.user, clientId: 'deploy-1' });
    expect(await expectNext(reader, 'message')).toEqual(stored);
    const again = await post(room, bot.token, { text: 'deployed v1.2', clientId: 'deploy-1' });
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual(stored);
    // The resend reached nobody.
    reader.send('{ "type": "ping" }');
    expect(await reader.next()).toEqual({ type: 'pong' });
    await closeAll(reader);
  });

  it('posts a reply, and ignores a `type` in the body', async () => {
    const room = uniqueRoom('api-reply');
    const socket = await connect(room, (await newUser('Asker')).token);
    await expectNext(socket, 'welcome');
    const question = await say(socket, 'is the build green?');
    const bot = await newUser('CI');
    const res = await post(room, bot.token, {
      type: 'edit',
      id: question.id,
      text: 'yes',
      replyTo: question.id,
    });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({
      type: 'message',
      text: 'yes',
      reply: { id: question.id },
    });
    await closeAll(socket);
  });

  it.each([
    ['no token', undefined, '{"text":"x"}', 401, { error: 'invalid or expired token' }],
    ['a garbage token', 'nope', '{"text":"x"}', 401, { error: 'invalid or expired token' }],
    ['invalid JSON', 'user', '{"text":', 400, { code: 'bad_json' }],
    ['a JSON array', 'user', '["text"]', 400, { code: 'bad_frame' }],
    ['no text', 'user', '{}', 400, { code: 'bad_frame' }],
    ['blank text', 'user', '{"text":"   "}', 400, { code: 'empty' }],
    [
      'text over 2000 characters',
      'user',
      JSON.stringify({ text: 'x'.repeat(2001) }),
      400,
      { code: 'too_long' },
    ],
    ['a control character', 'user', '{"text":"a\\u0007"}', 400, { code: 'bad_frame' }],
    ['a bad clientId', 'user', '{"text":"x","clientId":"no spaces"}', 400, { code: 'bad_frame' }],
    ['a reply to nothing', 'user', '{"text":"x","replyTo":424242}', 404, { code: 'not_found' }],
    [
      'a body over 16 KiB',
      'user',
      JSON.stringify({ text: 'x', pad: 'y'.repeat(17_000) }),
      413,
      { code: 'too_long' },
    ],
  ])(
    'refuses %s with its status and code, storing nothing',
    async (_, who, body, status, expected) => {
      const room = uniqueRoom('api-refused');
      const token = who === 'user' ? (await newUser('Poster')).token : who;
      const res = await post(room, token ?? '', body);
      expect(res.status).toBe(status);
      expect(await json(res)).toMatchObject(expected);
      const reader = await newUser('Reader');
      const page = v.parse(
        PageSchema,
        await json(await api(room, 'messages', { token: reader.token })),
      );
      expect(page.messages).toEqual([]);
    },
  );

  it('refuses 403 for a token whose scopes leave the room out, and for a banned user', async () => {
    const room = uniqueRoom('api-403');
    const iat = Math.floor(Date.now() / 1000);
    const elsewhere = await sign(
      { sub: 'scoped', name: 'Scoped', iat, exp: iat + 900, rooms: ['other'] },
      SECRET,
      'HS256',
    );
    expect(await json(await post(room, elsewhere, { text: 'x' }))).toEqual({
      error: 'this token may not enter this room',
      code: 'forbidden',
    });
    const mod = await sign(
      { sub: 'mod', name: 'Mod', iat, exp: iat + 900, mod: [room] },
      SECRET,
      'HS256',
    );
    const moderator = await connect(room, mod);
    await expectNext(moderator, 'welcome');
    const troll = await newUser('Troll');
    moderator.send({ type: 'ban', userId: troll.user.id, seconds: 60, reason: 'spam' });
    await moderator.nextOf('moderation');
    const banned = await post(room, troll.token, { text: 'let me in' });
    expect(banned.status).toBe(403);
    expect(await json(banned)).toMatchObject({
      code: 'forbidden',
      until: expect.any(Number),
      reason: 'spam',
    });
    const read = await api(room, 'messages', { token: troll.token });
    expect(read.status).toBe(403);
    await closeAll(moderator);
  });
});

describe('GET /api/rooms/:name/messages', () => {
  it('pages like the history frame: latest, before, after (seq), around, afterId', async () => {
    const room = uniqueRoom('api-pages');
    const socket = await connect(room, (await newUser('Writer')).token);
    await expectNext(socket, 'welcome');
    await sendMessages(socket, 30);
    const { token } = await newUser('Backend');
    const page = async (query: Record<string, string>) => {
      const res = await api(room, 'messages', { token, query });
      expect(res.status).toBe(200);
      return v.parse(PageSchema, await json(res));
    };
    const ids = (p: { messages: { id: number }[] }) => p.messages.map((m) => m.id);
    const latest = await page({ limit: '5' });
    expect(ids(latest)).toEqual([26, 27, 28, 29, 30]);
    expect(latest).toMatchObject({ hasMore: true, seq: 30 });
    expect(ids(await page({ before: '26', limit: '3' }))).toEqual([23, 24, 25]);
    expect(ids(await page({ after: '28' }))).toEqual([29, 30]);
    expect(ids(await page({ around: '10', limit: '3' }))).toEqual([9, 10, 11]);
    expect(ids(await page({ afterId: '27', limit: '10' }))).toEqual([28, 29, 30]);
    expect((await page({})).messages).toHaveLength(30);
    await closeAll(socket);
  });

  it.each([
    ['two anchors', { before: '5', after: '1' }],
    ['a negative id', { before: '-1' }],
    ['a fraction', { before: '1.5' }],
    ['limit 0', { limit: '0' }],
    ['limit 101', { limit: '101' }],
    ['an unknown parameter', { since: '1' }],
  ])('refuses %s as 400 bad_frame', async (_, query) => {
    const { token } = await newUser('Backend');
    const res = await api(uniqueRoom('api-bad-page'), 'messages', { token, query });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ code: 'bad_frame' });
  });
});

describe('GET /api/rooms/:name/search', () => {
  it('finds messages newest first and refuses a query without a word', async () => {
    const room = uniqueRoom('api-search');
    const socket = await connect(room, (await newUser('Writer')).token);
    await expectNext(socket, 'welcome');
    await say(socket, 'Invoice 1042 is paid');
    await say(socket, 'invoice 1043 is overdue');
    const { token } = await newUser('Backend');
    const res = await api(room, 'search', { token, query: { q: 'INVOICE' } });
    expect(res.status).toBe(200);
    const body = v.parse(
      v.object({ messages: v.array(ChatMessageSchema), hasMore: v.boolean() }),
      await json(res),
    );
    expect(body.messages.map((m) => m.text)).toEqual([
      'invoice 1043 is overdue',
      'Invoice 1042 is paid',
    ]);
    const none = await api(room, 'search', { token, query: { q: '!!!' } });
    expect(none.status).toBe(400);
    expect(await json(none)).toMatchObject({ code: 'bad_frame' });
    await closeAll(socket);
  });
});

describe('CORS', () => {
  async function preflight(origin: string, overrides: Partial<Env> = {}) {
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`${ORIGIN}/api/rooms/lobby/messages`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, content-type',
        },
      }),
      { ...env, ...overrides },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return res;
  }

  it('allows the app’s own origin and ALLOWED_ORIGINS, and nobody else', async () => {
    const own = await preflight(ORIGIN);
    expect(own.status).toBe(204);
    expect(own.headers.get('Access-Control-Allow-Origin')).toBe(ORIGIN);
    expect(own.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toContain(
      'authorization',
    );
    expect(own.headers.get('Access-Control-Allow-Methods')).toContain('POST');
    const listed = await preflight('https://shop.example', {
      ALLOWED_ORIGINS: 'https://shop.example',
    });
    expect(listed.headers.get('Access-Control-Allow-Origin')).toBe('https://shop.example');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('puts the allowed origin on answers, refusals included', async () => {
    const res = await api(uniqueRoom('api-cors'), 'messages', { headers: { Origin: ORIGIN } });
    expect(res.status).toBe(401);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(ORIGIN);
  });
});
