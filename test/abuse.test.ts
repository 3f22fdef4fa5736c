// Bad input, one row each: what the Worker answers on HTTP, and what the room answers on a socket.
// Every row states the exact refusal; after the tables the shared room must still work for
// everyone, with nothing from the bad frames stored or broadcast.
import { exports } from 'cloudflare:workers';
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
} from './helpers.ts';
import type { ServerFrame } from '../src/protocol.ts';

// The contract's numbers, written out here so a drift in src/protocol.ts fails these tests.
const FRAME_LIMIT = 16 * 1024;
const TEXT_LIMIT = 2000;
const ROOM_ERROR = 'invalid room name: use 1-64 of a-z 0-9 _ -, starting with a letter or digit';
const AFTER_ERROR = 'after must be a non-negative integer';
const TOKEN_ERROR = 'invalid or expired token';
const NAME_CHARS_ERROR = 'name contains control or invisible formatting characters';
// A ping the runtime's auto-response does not match (it compares the whole frame), so the room
// answers it in order after everything else that socket sent.
const ROOM_PING = '{ "type": "ping" }';
const TYPING = '{"type":"typing"}';

// ---------------------------------------------------------------------------------------------
// HTTP

/** `$TOKEN` in a path is replaced by a valid token, so a row fails only for what it names. */
interface HttpCase {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** A function when the body is a stream, which can be read only once. */
  body?: string | (() => ReadableStream<Uint8Array>);
  status: number;
  error: string;
}

const ws = (room: string, query = 'token=$TOKEN'): string => `/api/rooms/${room}/ws?${query}`;
const UPGRADE = { Upgrade: 'websocket' };
const tokenPost = (body: string): HttpCase => ({
  method: 'POST',
  path: '/api/token',
  body,
  status: 400,
  error: '',
});
const badName = (name: string, error: string): HttpCase => ({
  ...tokenPost(JSON.stringify({ name })),
  error,
});

/** 10,000 bytes in ten chunks with no Content-Length: the limit must hold while streaming. */
function streamedBody(): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode('x'.repeat(1000));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ < 10) controller.enqueue(chunk);
      else controller.close();
    },
  });
}

const httpCases: [string, HttpCase][] = [
  // Dot segments are resolved by the URL parser before routing (%2e counts as a dot), so these
  // never name a room at all: they land on /api/ws, which does not exist.
  [
    'room ".." (resolved away by the URL parser)',
    { path: ws('..'), headers: UPGRADE, status: 404, error: 'not found' },
  ],
  ['room "%2e%2e"', { path: ws('%2e%2e'), headers: UPGRADE, status: 404, error: 'not found' }],
  ['room "%2E%2E"', { path: ws('%2E%2E'), headers: UPGRADE, status: 404, error: 'not found' }],
  ['an empty room segment', { path: ws(''), headers: UPGRADE, status: 404, error: 'not found' }],
  [
    'a room with a slash in the path',
    { path: ws('a/b'), headers: UPGRADE, status: 404, error: 'not found' },
  ],
  ['room "%00"', { path: ws('%00'), headers: UPGRADE, status: 400, error: ROOM_ERROR }],
  [
    'room "%ZZ" (malformed escape)',
    { path: ws('%ZZ'), headers: UPGRADE, status: 400, error: ROOM_ERROR },
  ],
  [
    'room "a%2Fb" (encoded slash)',
    { path: ws('a%2Fb'), headers: UPGRADE, status: 400, error: ROOM_ERROR },
  ],
  ['room "..%2Fetc"', { path: ws('..%2Fetc'), headers: UPGRADE, status: 400, error: ROOM_ERROR }],
  [
    'a room of 65 characters',
    { path: ws('a'.repeat(65)), headers: UPGRADE, status: 400, error: ROOM_ERROR },
  ],
  [
    'a room starting with "-"',
    { path: ws('-abc'), headers: UPGRADE, status: 400, error: ROOM_ERROR },
  ],
  [
    'a room starting with "_"',
    { path: ws('_abc'), headers: UPGRADE, status: 400, error: ROOM_ERROR },
  ],
  ['a room with a dot', { path: ws('a.b'), headers: UPGRADE, status: 400, error: ROOM_ERROR }],
  ['a room with a space', { path: ws('a%20b'), headers: UPGRADE, status: 400, error: ROOM_ERROR }],
  [
    'a room with a non-ASCII letter',
    { path: ws('caf%C3%A9'), headers: UPGRADE, status: 400, error: ROOM_ERROR },
  ],
  [
    'a room with a bidi override',
    { path: ws('%E2%80%AEabc'), headers: UPGRADE, status: 400, error: ROOM_ERROR },
  ],
  ['a bad room name on the page route', { path: '/room/-x', status: 400, error: ROOM_ERROR }],
  ['an unknown API path', { path: '/api/nope', status: 404, error: 'not found' }],

  [
    'GET on the token endpoint',
    { method: 'GET', path: '/api/token', status: 405, error: 'use POST' },
  ],
  [
    'PUT on the token endpoint',
    { method: 'PUT', path: '/api/token', body: '{"name":"a"}', status: 405, error: 'use POST' },
  ],
  [
    'DELETE on the token endpoint',
    { method: 'DELETE', path: '/api/token', status: 405, error: 'use POST' },
  ],
  [
    'PATCH on the token endpoint',
    { method: 'PATCH', path: '/api/token', body: '{"name":"a"}', status: 405, error: 'use POST' },
  ],
  [
    'a 5000-byte token body',
    {
      method: 'POST',
      path: '/api/token',
      body: JSON.stringify({ name: 'a'.repeat(4985) }),
      status: 413,
      error: 'body is larger than 4096 bytes',
    },
  ],
  [
    'a token body of 4097 bytes',
    {
      method: 'POST',
      path: '/api/token',
      body: `{"name":"a","pad":"${'x'.repeat(4097 - 21)}"}`,
      status: 413,
      error: 'body is larger than 4096 bytes',
    },
  ],
  [
    'a streamed 10,000-byte token body without Content-Length',
    {
      method: 'POST',
      path: '/api/token',
      body: streamedBody,
      status: 413,
      error: 'body is larger than 4096 bytes',
    },
  ],
  ['an empty token body', { ...tokenPost(''), error: 'body must be JSON' }],
  ['a truncated JSON token body', { ...tokenPost('{"name":"a"'), error: 'body must be JSON' }],
  ['JSON followed by garbage', { ...tokenPost('{"name":"a"} x'), error: 'body must be JSON' }],
  ['a JSON array token body', { ...tokenPost('["alice"]'), error: 'body must be a JSON object' }],
  ['a JSON string token body', { ...tokenPost('"alice"'), error: 'body must be a JSON object' }],
  ['a JSON number token body', { ...tokenPost('42'), error: 'body must be a JSON object' }],
  ['a JSON null token body', { ...tokenPost('null'), error: 'body must be a JSON object' }],
  ['a JSON boolean token body', { ...tokenPost('true'), error: 'body must be a JSON object' }],
  ['a token body without a name', { ...tokenPost('{}'), error: 'name must be a string' }],
  ['a numeric name', { ...tokenPost('{"name":42}'), error: 'name must be a string' }],
  ['a null name', { ...tokenPost('{"name":null}'), error: 'name must be a string' }],
  ['an array name', { ...tokenPost('{"name":["alice"]}'), error: 'name must be a string' }],
  ['a name with a bidi override (U+202E)', badName('\u202Eecila', NAME_CHARS_ERROR)],
  ['a name with a bidi isolate (U+2066)', badName('a\u2066b', NAME_CHARS_ERROR)],
  ['a name with an Arabic letter mark (U+061C)', badName('a\u061Cb', NAME_CHARS_ERROR)],
  ['a name with a left-to-right mark (U+200E)', badName('a\u200Eb', NAME_CHARS_ERROR)],
  ['a name with a zero-width space (U+200B)', badName('a\u200Bb', NAME_CHARS_ERROR)],
  ['a name with a BOM (U+FEFF)', badName('\uFEFFalice', NAME_CHARS_ERROR)],
  ['a name with a C0 control (U+0001)', badName('a\u0001b', NAME_CHARS_ERROR)],
  ['a name with DEL (U+007F)', badName('a\u007Fb', NAME_CHARS_ERROR)],
  ['a name with a C1 control (U+0085)', badName('a\u0085b', NAME_CHARS_ERROR)],
  ['a name with a C1 control (U+009B)', badName('a\u009Bb', NAME_CHARS_ERROR)],
  // The escape stays in the JSON text, so the parsed name really holds a lone surrogate.
  [
    'a name with a lone surrogate',
    { ...tokenPost('{"name":"a\\ud800b"}'), error: 'name is not well-formed Unicode' },
  ],
  ['a name of 33 characters', badName('a'.repeat(33), 'name is longer than 32 characters')],
  ['a name of 33 emoji', badName('\u{1F600}'.repeat(33), 'name is longer than 32 characters')],
  ['an empty name', badName('', 'name is empty')],
  ['a name of only whitespace', badName(' \t\n\u3000 ', 'name is empty')],

  [
    'a room socket request without Upgrade',
    { path: ws('lobby'), status: 426, error: 'expected a WebSocket upgrade' },
  ],
  [
    'a room socket request with Upgrade: h2c',
    {
      path: ws('lobby'),
      headers: { Upgrade: 'h2c' },
      status: 426,
      error: 'expected a WebSocket upgrade',
    },
  ],
  [
    'a bad room without Upgrade (426 comes first)',
    { path: ws('-bad'), status: 426, error: 'expected a WebSocket upgrade' },
  ],
  [
    'after=-1',
    {
      path: ws('lobby', 'token=$TOKEN&after=-1'),
      headers: UPGRADE,
      status: 400,
      error: AFTER_ERROR,
    },
  ],
  [
    'after=1.5',
    {
      path: ws('lobby', 'token=$TOKEN&after=1.5'),
      headers: UPGRADE,
      status: 400,
      error: AFTER_ERROR,
    },
  ],
  [
    'after given twice (after=1&after=x)',
    {
      path: ws('lobby', 'token=$TOKEN&after=1&after=x'),
      headers: UPGRADE,
      status: 400,
      error: AFTER_ERROR,
    },
  ],
  [
    'after=1e3',
    {
      path: ws('lobby', 'token=$TOKEN&after=1e3'),
      headers: UPGRADE,
      status: 400,
      error: AFTER_ERROR,
    },
  ],
  [
    'after=abc',
    {
      path: ws('lobby', 'token=$TOKEN&after=abc'),
      headers: UPGRADE,
      status: 400,
      error: AFTER_ERROR,
    },
  ],
  [
    'an empty after',
    { path: ws('lobby', 'token=$TOKEN&after='), headers: UPGRADE, status: 400, error: AFTER_ERROR },
  ],
  [
    'after=+1',
    {
      path: ws('lobby', 'token=$TOKEN&after=%2B1'),
      headers: UPGRADE,
      status: 400,
      error: AFTER_ERROR,
    },
  ],
  [
    'after beyond 2^53 (9007199254740993)',
    {
      path: ws('lobby', 'token=$TOKEN&after=9007199254740993'),
      headers: UPGRADE,
      status: 400,
      error: AFTER_ERROR,
    },
  ],
  [
    'after of 400 digits',
    {
      path: ws('lobby', `token=$TOKEN&after=${'9'.repeat(400)}`),
      headers: UPGRADE,
      status: 400,
      error: AFTER_ERROR,
    },
  ],
  [
    'a bad room with a foreign Origin (400 before 403)',
    {
      path: ws('-bad'),
      headers: { ...UPGRADE, Origin: 'https://evil.example' },
      status: 400,
      error: ROOM_ERROR,
    },
  ],
  [
    'a foreign Origin',
    {
      path: ws('lobby'),
      headers: { ...UPGRADE, Origin: 'https://evil.example' },
      status: 403,
      error: 'origin not allowed',
    },
  ],
  [
    'Origin "null"',
    {
      path: ws('lobby'),
      headers: { ...UPGRADE, Origin: 'null' },
      status: 403,
      error: 'origin not allowed',
    },
  ],
  [
    'an Origin that only starts like ours',
    {
      path: ws('lobby'),
      headers: { ...UPGRADE, Origin: `${ORIGIN}.evil.example` },
      status: 403,
      error: 'origin not allowed',
    },
  ],
  [
    'our host on another port',
    {
      path: ws('lobby'),
      headers: { ...UPGRADE, Origin: `${ORIGIN}:8080` },
      status: 403,
      error: 'origin not allowed',
    },
  ],
  [
    'our host over another scheme',
    {
      path: ws('lobby'),
      headers: { ...UPGRADE, Origin: ORIGIN.replace('http:', 'https:') },
      status: 403,
      error: 'origin not allowed',
    },
  ],
  [
    'a foreign Origin and no token (403 before 401)',
    {
      path: ws('lobby', ''),
      headers: { ...UPGRADE, Origin: 'https://evil.example' },
      status: 403,
      error: 'origin not allowed',
    },
  ],
  ['no token', { path: ws('lobby', ''), headers: UPGRADE, status: 401, error: TOKEN_ERROR }],
  [
    'an empty token',
    { path: ws('lobby', 'token='), headers: UPGRADE, status: 401, error: TOKEN_ERROR },
  ],
  [
    'a garbage token',
    { path: ws('lobby', 'token=garbage'), headers: UPGRADE, status: 401, error: TOKEN_ERROR },
  ],
  [
    'a token of three empty parts',
    { path: ws('lobby', 'token=..'), headers: UPGRADE, status: 401, error: TOKEN_ERROR },
  ],
  [
    'a 6000-character token',
    {
      path: ws('lobby', `token=${'a'.repeat(3000)}.${'b'.repeat(3000)}`),
      headers: UPGRADE,
      status: 401,
      error: TOKEN_ERROR,
    },
  ],
  [
    'a valid token with its signature cut off',
    { path: ws('lobby', 'token=$UNSIGNED'), headers: UPGRADE, status: 401, error: TOKEN_ERROR },
  ],
];

describe('HTTP refusals', () => {
  let ip = 0;
  it.each(httpCases)('refuses %s with the exact JSON error', async (_label, c) => {
    const { token } = await newUser('prober');
    const unsigned = token.slice(0, token.lastIndexOf('.') + 1);
    const path = c.path.replace('$TOKEN', token).replace('$UNSIGNED', unsigned);
    const body = typeof c.body === 'function' ? c.body() : c.body;
    // The token endpoint is limited per client address before it reads the body; each row
    // comes from its own address so the rows don't use up one shared allowance.
    const headers = { 'CF-Connecting-IP': `198.51.100.${ip++ % 250}`, ...c.headers };
    const request = new Request(`${ORIGIN}${path}`, { method: c.method ?? 'GET', headers, body });
    if (typeof c.body === 'function') expect(request.headers.get('Content-Length')).toBeNull();
    const res = await exports.default.fetch(request);
    expect(res.webSocket).toBeNull();
    expect(res.status).toBe(c.status);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: c.error });
    if (c.status === 405) expect(res.headers.get('Allow')).toBe('POST');
  });

  it('accepts the boundary values the refusals sit next to', async () => {
    // 64 characters, upper case (lower-cased), digits first, and after=0 all open a socket.
    const { token } = await newUser('edge');
    for (const room of ['a'.repeat(64), 'UPPER-case_1', `9${uniqueRoom('x')}`]) {
      const socket = await connect(room, token, { after: '0' });
      expect((await socket.nextOf('welcome')).room).toBe(room.toLowerCase());
      await socket.close();
    }
    const res = await exports.default.fetch(`${ORIGIN}/api/token`, {
      method: 'POST',
      headers: { 'CF-Connecting-IP': '203.0.113.1' },
      body: JSON.stringify({ name: `  ${'b'.repeat(32)}\t` }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { name: 'b'.repeat(32) } });
  });
});

// ---------------------------------------------------------------------------------------------
// WebSocket frames

type Refusal = {
  code: 'bad_json' | 'bad_frame' | 'too_long' | 'empty';
  message: string;
  clientId?: string;
};
/** `relay`: a frame the room accepts silently (typing): the sender gets nothing, others a typing frame. */
type Outcome = Refusal | 'relay';

const frame = (value: unknown): string => JSON.stringify(value);
const message = (text: unknown, extra: Record<string, unknown> = {}): string =>
  frame({ type: 'message', text, ...extra });
const badFrame = (message: string): Refusal => ({ code: 'bad_frame', message });
const field = (name: string): Refusal => badFrame(`invalid or missing field "${name}"`);
const UNKNOWN = badFrame('unknown frame type');
const NOT_JSON: Refusal = { code: 'bad_json', message: 'frame is not valid JSON' };
const EMPTY: Refusal = { code: 'empty', message: 'text is empty' };
const TEXT_TOO_LONG: Refusal = {
  code: 'too_long',
  message: `text is longer than ${TEXT_LIMIT} characters`,
};
const FRAME_TOO_LONG: Refusal = {
  code: 'too_long',
  message: `frame is larger than ${FRAME_LIMIT} bytes`,
};
const CONTROL = badFrame('text contains control characters');
const ILL_FORMED = badFrame('text is not well-formed Unicode');
const ONE_OF = badFrame('give exactly one of before, after, around and afterId');

/** A message frame of exactly `bytes` UTF-8 bytes, padded in an unknown field. */
function frameOfBytes(bytes: number): string {
  const base = '{"type":"message","text":"hi","clientId":"big-1","pad":""}';
  return base.replace('"pad":""', `"pad":"${'x'.repeat(bytes - base.length)}"`);
}

const DEEP = 5000;
const frameCases: [string, string | Uint8Array, Outcome][] = [
  [
    'a small binary frame',
    new TextEncoder().encode(message('hi')),
    badFrame('binary frames are not accepted'),
  ],
  ['a binary frame over 16 KiB', new Uint8Array(FRAME_LIMIT + 1), FRAME_TOO_LONG],
  // Never parsed, so even its valid clientId is not echoed.
  ['a text frame of 16 KiB + 1 byte', frameOfBytes(FRAME_LIMIT + 1), FRAME_TOO_LONG],
  [
    'a frame of 5,500 three-byte characters (16.5 KB, 5.5k UTF-16 units)',
    message('\u20AC'.repeat(5500)),
    FRAME_TOO_LONG,
  ],
  ['a frame of 200 KB', message('a'.repeat(200_000)), FRAME_TOO_LONG],
  ['text that is not JSON', 'hello', NOT_JSON],
  ['an empty frame', '', NOT_JSON],
  ['truncated JSON', '{"type":"message","text":"hi"', NOT_JSON],
  ['a BOM before the JSON', `\uFEFF${message('hi')}`, NOT_JSON],
  ['single-quoted JSON', "{'type':'message','text':'hi'}", NOT_JSON],
  ['a trailing comma', '{"type":"message","text":"hi",}', NOT_JSON],
  ['NaN as a number', '{"type":"history","before":NaN}', NOT_JSON],
  ['two JSON objects in one frame', `${message('a')}${message('b')}`, NOT_JSON],
  ['a JSON array', '[{"type":"message","text":"hi"}]', UNKNOWN],
  ['a JSON string', '"message"', UNKNOWN],
  ['JSON null', 'null', UNKNOWN],
  ['a JSON number', '42', UNKNOWN],
  ['a JSON boolean', 'true', UNKNOWN],
  ['an object without type', '{"text":"hi"}', UNKNOWN],
  [`arrays nested ${DEEP} levels deep`, `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`, UNKNOWN],
  [`a type nested ${DEEP} levels deep`, `{"type":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`, UNKNOWN],
  [
    `a text nested ${DEEP} levels deep`,
    `{"type":"message","text":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`,
    field('text'),
  ],
  ['type "Message" (wrong case)', message('hi').replace('"message"', '"Message"'), UNKNOWN],
  ['type "PING" (wrong case)', '{"type":"PING"}', UNKNOWN],
  ['type "message " (trailing space)', message('hi').replace('"message"', '"message "'), UNKNOWN],
  ['a server-only type (welcome)', '{"type":"welcome"}', UNKNOWN],
  ['a server-only type (error)', '{"type":"error","code":"bad_json","message":"x"}', UNKNOWN],
  ['a numeric type', '{"type":1}', UNKNOWN],
  ['type "__proto__"', '{"type":"__proto__"}', UNKNOWN],
  ['type "constructor"', '{"type":"constructor"}', UNKNOWN],
  ['type "toString"', '{"type":"toString"}', UNKNOWN],
  ['the frame hidden under "__proto__"', '{"__proto__":{"type":"message","text":"hi"}}', UNKNOWN],
  [
    'the frame hidden under "constructor.prototype"',
    '{"constructor":{"prototype":{"type":"message","text":"hi"}}}',
    UNKNOWN,
  ],
  // JSON.parse keeps the last duplicate, and so does the room: this frame is of an unknown type.
  [
    'duplicate type keys, the last one unknown',
    '{"type":"message","text":"hi","type":"nope"}',
    UNKNOWN,
  ],
  ['a message without text', '{"type":"message"}', field('text')],
  ['a null text', message(null), field('text')],
  ['a numeric text', message(42), field('text')],
  ['an array text', message(['hi']), field('text')],
  ['an object text', message({ toString: 'hi' }), field('text')],
  ['an empty text', message(''), EMPTY],
  ['a text of spaces', message('     '), EMPTY],
  ['a text of tabs and newlines', message(' \t\n\r\n\t '), EMPTY],
  ['a text of Unicode spaces', message('\u00A0\u2003\u3000\u2028'), EMPTY],
  [
    'an empty text with a valid clientId (echoed)',
    message(' ', { clientId: 'c-empty' }),
    { ...EMPTY, clientId: 'c-empty' },
  ],
  ['a text of 2001 characters', message('a'.repeat(TEXT_LIMIT + 1)), TEXT_TOO_LONG],
  ['a text of 2001 emoji', message('\u{1F600}'.repeat(TEXT_LIMIT + 1)), TEXT_TOO_LONG],
  [
    'a too long text with a valid clientId (echoed)',
    message('a'.repeat(TEXT_LIMIT + 1), { clientId: 'c-long' }),
    { ...TEXT_TOO_LONG, clientId: 'c-long' },
  ],
  ['a NUL in the text', message('a\u0000b'), CONTROL],
  ['a bell in the text', message('ding\u0007'), CONTROL],
  ['a terminal escape sequence in the text', message('\u001B[2J\u001B[31mred'), CONTROL],
  ['a vertical tab in the text', message('a\u000Bb'), CONTROL],
  ['a form feed in the text', message('a\u000Cb'), CONTROL],
  ['DEL in the text', message('a\u007Fb'), CONTROL],
  ['a C1 control (U+0085) in the text', message('a\u0085b'), CONTROL],
  ['a C1 control (U+009B) in the text', message('a\u009Bb'), CONTROL],
  [
    'a control character with a valid clientId (echoed)',
    message('a\u0000', { clientId: 'c-ctl' }),
    { ...CONTROL, clientId: 'c-ctl' },
  ],
  // The escapes stay in the JSON text; sent raw, a lone surrogate would arrive as U+FFFD.
  ['a lone high surrogate in the text', '{"type":"message","text":"a\\ud800b"}', ILL_FORMED],
  ['a lone low surrogate in the text', '{"type":"message","text":"\\udc00"}', ILL_FORMED],
  [
    'a reversed surrogate pair in the text',
    '{"type":"message","text":"\\ude00\\ud83d"}',
    ILL_FORMED,
  ],
  ['a clientId of 65 characters', message('hi', { clientId: 'a'.repeat(65) }), field('clientId')],
  ['a clientId with a space', message('hi', { clientId: 'a b' }), field('clientId')],
  [
    'a clientId with a non-ASCII letter',
    message('hi', { clientId: 'caf\u00E9' }),
    field('clientId'),
  ],
  ['a clientId with a slash', message('hi', { clientId: '../x' }), field('clientId')],
  ['an empty clientId', message('hi', { clientId: '' }), field('clientId')],
  ['a numeric clientId', message('hi', { clientId: 7 }), field('clientId')],
  [
    'an invalid clientId with an empty text (not echoed)',
    message('', { clientId: 'not valid!' }),
    EMPTY,
  ],
  ['history with neither before nor after', frame({ type: 'history', limit: 5 }), ONE_OF],
  ['history with both before and after', frame({ type: 'history', before: 5, after: 1 }), ONE_OF],
  [
    'history before 1e400 (parses as Infinity)',
    '{"type":"history","before":1e400}',
    field('before'),
  ],
  ['history before 2^53+2', `{"type":"history","before":${2 ** 53 + 2}}`, field('before')],
  ['history before -1', frame({ type: 'history', before: -1 }), field('before')],
  ['history before 1.5', frame({ type: 'history', before: 1.5 }), field('before')],
  ['history before "5" (a string)', frame({ type: 'history', before: '5' }), field('before')],
  ['history before null', frame({ type: 'history', before: null }), field('before')],
  ['history after -1', frame({ type: 'history', after: -1 }), field('after')],
  ['history after 2^53+2', `{"type":"history","after":${2 ** 53 + 2}}`, field('after')],
  ['history limit 0', frame({ type: 'history', after: 0, limit: 0 }), field('limit')],
  ['history limit 101', frame({ type: 'history', after: 0, limit: 101 }), field('limit')],
  ['history limit -1', frame({ type: 'history', after: 0, limit: -1 }), field('limit')],
  ['history limit 1.5', frame({ type: 'history', after: 0, limit: 1.5 }), field('limit')],
  ['history limit 1e400', '{"type":"history","after":0,"limit":1e400}', field('limit')],
  [
    'history limit "10" (a string)',
    frame({ type: 'history', after: 0, limit: '10' }),
    field('limit'),
  ],
  ['typing with an extra field (relayed, not answered)', '{"type":"typing","x":1}', 'relay'],
];

/** The next frame that is not someone else's arrival or departure. */
async function nextReply(socket: TestSocket): Promise<ServerFrame> {
  for (let i = 0; i < 20; i++) {
    const frame = await socket.next();
    if (frame.type !== 'join' && frame.type !== 'leave' && frame.type !== 'presence') return frame;
  }
  throw new Error('only presence frames arrived');
}

/** Frames `observer` received before the next typing relay from `userId`, join/leave left out. */
async function framesBeforeTyping(observer: TestSocket, userId: string): Promise<ServerFrame[]> {
  const before: ServerFrame[] = [];
  for (let i = 0; i < 20; i++) {
    const frame = await nextReply(observer);
    if (frame.type === 'typing' && frame.user.id === userId) return before;
    before.push(frame);
  }
  throw new Error(`no typing relay from ${userId}: ${JSON.stringify(before)}`);
}

describe('WebSocket frame refusals', () => {
  // One room for the whole table, so the test after it can show none of it left a trace.
  const room = uniqueRoom('abuse');

  it.each(frameCases)(
    'answers %s with its exact refusal and keeps the socket open',
    async (_label, raw, outcome) => {
      const watcher = await newUser('watcher');
      const sender = await newUser('sender');
      const observer = await connect(room, watcher.token);
      await observer.nextOf('welcome');
      const socket = await connect(room, sender.token);
      await socket.nextOf('welcome');

      socket.ws.send(raw);
      if (outcome !== 'relay')
        expect(await nextReply(socket)).toEqual({ type: 'error', ...outcome });
      // The room handles one socket's frames in order, so the pong comes after anything else the
      // bad frame caused: exactly one error frame (or none, for typing) and the socket still open.
      socket.ws.send(ROOM_PING);
      expect(await nextReply(socket)).toEqual({ type: 'pong' });
      expect(socket.ws.readyState).toBe(WebSocket.OPEN);

      // Likewise the observer: nothing reached it before the typing relay that follows.
      if (outcome === 'relay')
        expect(await framesBeforeTyping(observer, sender.user.id)).toEqual([]);
      socket.ws.send(TYPING);
      expect(await framesBeforeTyping(observer, sender.user.id)).toEqual([]);
      await closeAll(socket, observer);
    },
  );

  it('still works for everyone afterwards: nothing from the table was stored, ids start at 1', async () => {
    const ann = await newUser('Ann');
    const bob = await newUser('Bob');
    const a = await connect(room, ann.token);
    const welcome = await a.nextOf('welcome');
    expect(welcome.messages).toEqual([]);
    expect(welcome.hasMore).toBe(false);
    const b = await connect(room, bob.token);
    await b.nextOf('welcome');

    a.send({ type: 'message', text: 'still here?' });
    const first = await b.nextOf('message');
    expect(first).toMatchObject({ id: 1, user: ann.user, text: 'still here?' });
    expect(await a.nextOf('message')).toEqual(first);
    b.send({ type: 'message', text: 'yes' });
    const second = await a.nextOf('message');
    expect(second).toMatchObject({ id: 2, user: bob.user, text: 'yes' });
    expect(await b.nextOf('message')).toEqual(second);

    a.send({ type: 'history', after: 0, limit: 100 });
    const history = await a.nextOf('history');
    expect(history.messages.map((m) => [m.id, m.user.id, m.text])).toEqual([
      [1, ann.user.id, 'still here?'],
      [2, bob.user.id, 'yes'],
    ]);
    expect(history.hasMore).toBe(false);
    // The room runs in this isolate: a "__proto__" key that leaked into a prototype would show here.
    const polluted = await runInDurableObject(
      roomStub(room),
      () => Object.keys(Object.prototype).length + Object.keys(Array.prototype).length,
    );
    expect(polluted).toBe(0);
    await closeAll(a, b);
  });
});

describe('hostile frames the room accepts', () => {
  it('ignores user, id and ts sent by a client: the broadcast carries the server values', async () => {
    const room = uniqueRoom('spoof');
    const mallory = await newUser('Mallory');
    const victim = await newUser('Victim');
    const v = await connect(room, victim.token);
    await v.nextOf('welcome');
    const m = await connect(room, mallory.token);
    await m.nextOf('welcome');
    const before = Date.now();
    m.send({
      type: 'message',
      text: 'spoofed',
      user: victim.user,
      id: 999_999,
      seq: 999_999,
      ts: 0,
      name: 'Victim',
      clientId: 'sp-1',
    });
    const seen = await v.nextOf('message');
    expect(seen).toEqual({
      type: 'message',
      id: 1,
      seq: 1,
      user: mallory.user,
      text: 'spoofed',
      ts: expect.any(Number),
      clientId: 'sp-1',
    });
    expect(seen.ts).toBeGreaterThanOrEqual(before - 1000);
    expect(seen.ts).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await m.nextOf('message')).toEqual(seen);
    // A second spoof with the victim's id as a top-level `sub` changes nothing either.
    m.send({ type: 'message', text: 'again', sub: victim.user.id, user: { id: victim.user.id } });
    expect(await v.nextOf('message')).toMatchObject({ id: 2, user: mallory.user, text: 'again' });
    await closeAll(m, v);
  });

  it('treats "__proto__" and "constructor" keys in a message as plain unknown fields', async () => {
    const room = uniqueRoom('proto');
    const sender = await newUser('Proto');
    const socket = await connect(room, sender.token);
    await socket.nextOf('welcome');
    socket.ws.send(
      '{"type":"message","text":"p1","__proto__":{"user":{"id":"admin","name":"root"},"id":7}}',
    );
    expect(await socket.nextOf('message')).toEqual({
      type: 'message',
      id: 1,
      seq: 1,
      user: sender.user,
      text: 'p1',
      ts: expect.any(Number),
    });
    socket.ws.send(
      '{"type":"message","text":"p2","constructor":{"prototype":{"admin":true}},"clientId":"__proto__"}',
    );
    expect(await socket.nextOf('message')).toEqual({
      type: 'message',
      id: 2,
      seq: 2,
      user: sender.user,
      text: 'p2',
      ts: expect.any(Number),
      clientId: '__proto__',
    });
    await socket.close();
  });

  it('keeps the last of duplicate type keys, like JSON.parse', async () => {
    const room = uniqueRoom('dup');
    const sender = await newUser('Dup');
    const socket = await connect(room, sender.token);
    await socket.nextOf('welcome');
    socket.ws.send('{"type":"history","type":"message","text":"dup"}');
    expect(await socket.nextOf('message')).toMatchObject({ id: 1, text: 'dup' });
    await socket.close();
  });

  it('keeps tab, LF and CR inside a text and trims only the ends', async () => {
    const room = uniqueRoom('ws');
    const sender = await newUser('Tabs');
    const watcher = await newUser('Watch');
    const o = await connect(room, watcher.token);
    await o.nextOf('welcome');
    const socket = await connect(room, sender.token);
    await socket.nextOf('welcome');
    socket.send({ type: 'message', text: '\n\t col1\tcol2\r\nline2\nline3 \r\n' });
    expect((await o.nextOf('message')).text).toBe('col1\tcol2\r\nline2\nline3');
    await closeAll(socket, o);
  });

  it('accepts a frame of exactly 16 KiB and a text of exactly 2000 emoji', async () => {
    const room = uniqueRoom('edge');
    const sender = await newUser('Edge');
    const socket = await connect(room, sender.token);
    await socket.nextOf('welcome');
    socket.ws.send(frameOfBytes(FRAME_LIMIT));
    expect(await socket.nextOf('message')).toMatchObject({ id: 1, text: 'hi', clientId: 'big-1' });
    socket.send({ type: 'message', text: '\u{1F600}'.repeat(TEXT_LIMIT) });
    expect((await socket.nextOf('message')).text).toBe('\u{1F600}'.repeat(TEXT_LIMIT));
    await socket.close();
  });
});
