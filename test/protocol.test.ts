// The parse functions of src/protocol.ts against the contract's rules: room names, display names,
// client frames (every error code and what is kept or dropped) and the frame-size arithmetic.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_TEXT_LENGTH,
  parseDisplayName,
  parseRoomName,
  utf8ByteLength,
  type ErrorCode,
} from '../src/protocol.ts';
import { parseClientFrame } from '../src/client-frames.ts';

describe('parseRoomName', () => {
  it.each([
    ['lobby', 'lobby'],
    ['a', 'a'],
    ['7', '7'],
    ['room_1-b', 'room_1-b'],
    ['LOBBY', 'lobby'],
    ['MiXeD-Case_9', 'mixed-case_9'],
    ['x'.repeat(64), 'x'.repeat(64)],
  ])('accepts %j as %j', (raw, expected) => {
    expect(parseRoomName(raw)).toBe(expected);
  });

  it.each([
    ['undefined', undefined],
    ['the empty string', ''],
    ['65 characters', 'x'.repeat(65)],
    ['a leading hyphen', '-lobby'],
    ['a leading underscore', '_lobby'],
    ['a space', 'my room'],
    ['a dot', 'a.b'],
    ['a slash', 'a/b'],
    ['a trailing newline', 'lobby\n'],
    ['a percent sign', 'a%20b'],
    ['the Kelvin sign U+212A (case-folds to k)', '\u212Aitchen'],
    ['the long s U+017F (upper-cases to S)', 'cla\u017F\u017F'],
    ['the dotless i U+0131 (upper-cases to I)', 'l\u0131nk'],
    ['a non-ASCII letter', 'caf\u00E9'],
    ['a fullwidth letter', '\uFF41bc'],
  ])('refuses %s', (_label, raw) => {
    expect(parseRoomName(raw)).toBeNull();
  });
});

describe('parseDisplayName', () => {
  it.each([
    ['a plain name', 'alice', 'alice'],
    ['surrounding spaces', '  alice  ', 'alice'],
    ['a run of spaces, tabs and newlines', 'al \t\n\r\v\f ice', 'al ice'],
    ['a no-break space U+00A0', 'al\u00A0ice', 'al ice'],
    ['other Unicode spaces (U+3000, U+2028, U+202F)', 'a\u3000b\u2028c\u202Fd', 'a b c d'],
    ['a decomposed accent (NFD)', 'Jose\u0301', 'Jos\u00E9'],
    ['a zero-width non-joiner U+200C', 'a\u200Cb', 'a\u200Cb'],
    [
      'a zero-width joiner U+200D in an emoji sequence',
      '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}',
      '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}',
    ],
    ['32 ASCII characters', 'n'.repeat(32), 'n'.repeat(32)],
    ['32 emoji (64 UTF-16 units)', '\u{1F600}'.repeat(32), '\u{1F600}'.repeat(32)],
    ['32 characters after NFC (64 code points before)', 'e\u0301'.repeat(32), '\u00E9'.repeat(32)],
    ['32 characters after trimming', `   ${'n'.repeat(32)}   `, 'n'.repeat(32)],
  ])('accepts %s', (_label, raw, expected) => {
    expect(parseDisplayName(raw)).toEqual({ ok: true, name: expected });
  });

  it.each([
    ['undefined', undefined],
    ['a number', 42],
    ['null', null],
    ['the empty string', ''],
    ['whitespace only', ' \t\n\u00A0 '],
    ['33 ASCII characters', 'n'.repeat(33)],
    ['33 emoji', '\u{1F600}'.repeat(33)],
    ['NUL', 'a\u0000b'],
    ['U+0001', 'a\u0001b'],
    ['ESC', 'a\u001Bb'],
    ['U+001F', 'a\u001Fb'],
    ['DEL', 'a\u007Fb'],
    ['C1 U+0080', 'a\u0080b'],
    ['C1 NEL U+0085', 'a\u0085b'],
    ['C1 U+009F', 'a\u009Fb'],
    ['arabic letter mark U+061C', 'a\u061Cb'],
    ['left-to-right mark U+200E', 'a\u200Eb'],
    ['right-to-left mark U+200F', 'a\u200Fb'],
    ['U+202A', 'a\u202Ab'],
    ['U+202B', 'a\u202Bb'],
    ['U+202C', 'a\u202Cb'],
    ['U+202D', 'a\u202Db'],
    ['right-to-left override U+202E', 'a\u202Eb'],
    ['U+2066', 'a\u2066b'],
    ['U+2067', 'a\u2067b'],
    ['U+2068', 'a\u2068b'],
    ['U+2069', 'a\u2069b'],
    ['zero-width space U+200B', 'a\u200Bb'],
    ['a byte order mark U+FEFF inside', 'a\uFEFFb'],
    ['a byte order mark U+FEFF at the edge (not trimmed away)', '\uFEFFalice'],
    ['a lone high surrogate', 'a\uD800b'],
    ['a lone low surrogate', 'a\uDC00'],
  ])('refuses %s', (_label, raw) => {
    const result = parseDisplayName(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^name /);
  });

  it('never cuts a long name short: it refuses it', () => {
    const result = parseDisplayName('a'.repeat(40));
    expect(result).toEqual({
      ok: false,
      error: 'name is longer than 32 characters',
      reason: 'too_long',
    });
  });
});

describe('parseClientFrame', () => {
  const frame = (value: unknown): string => JSON.stringify(value);

  it.each<[string, string, ErrorCode]>([
    ['an empty frame', '', 'bad_json'],
    ['plain text', 'hello', 'bad_json'],
    ['truncated JSON', '{"type":"message","text":"hi"', 'bad_json'],
    ['a trailing comma', '{"type":"message","text":"hi",}', 'bad_json'],
    ['single quotes', "{'type':'message','text':'hi'}", 'bad_json'],
    ['a number', '42', 'bad_frame'],
    ['a string', '"message"', 'bad_frame'],
    ['true', 'true', 'bad_frame'],
    ['null', 'null', 'bad_frame'],
    ['an array', '[]', 'bad_frame'],
    ['an array holding a frame', frame([{ type: 'message', text: 'hi' }]), 'bad_frame'],
    ['an object without type', frame({ text: 'hi' }), 'bad_frame'],
    ['an unknown type', frame({ type: 'shout', text: 'hi' }), 'bad_frame'],
    ['an upper-case type', frame({ type: 'MESSAGE', text: 'hi' }), 'bad_frame'],
    ['a numeric type', frame({ type: 1, text: 'hi' }), 'bad_frame'],
    ['a message without text', frame({ type: 'message' }), 'bad_frame'],
    ['a numeric text', frame({ type: 'message', text: 42 }), 'bad_frame'],
    ['a null text', frame({ type: 'message', text: null }), 'bad_frame'],
    ['an array text', frame({ type: 'message', text: ['hi'] }), 'bad_frame'],
    ['a numeric clientId', frame({ type: 'message', text: 'hi', clientId: 7 }), 'bad_frame'],
    ['an empty clientId', frame({ type: 'message', text: 'hi', clientId: '' }), 'bad_frame'],
    [
      'a clientId of 65 characters',
      frame({ type: 'message', text: 'hi', clientId: 'c'.repeat(65) }),
      'bad_frame',
    ],
    [
      'a clientId with a space',
      frame({ type: 'message', text: 'hi', clientId: 'c 1' }),
      'bad_frame',
    ],
    ['a clientId with a dot', frame({ type: 'message', text: 'hi', clientId: 'c.1' }), 'bad_frame'],
    [
      'a clientId with a non-ASCII letter',
      frame({ type: 'message', text: 'hi', clientId: 'c\u00E9' }),
      'bad_frame',
    ],
    ['text with NUL', frame({ type: 'message', text: 'a\u0000b' }), 'bad_frame'],
    ['text with BEL', frame({ type: 'message', text: 'a\u0007b' }), 'bad_frame'],
    ['text with a vertical tab', frame({ type: 'message', text: 'a\u000Bb' }), 'bad_frame'],
    ['text with a form feed', frame({ type: 'message', text: 'a\u000Cb' }), 'bad_frame'],
    ['text with ESC', frame({ type: 'message', text: 'a\u001B[31mb' }), 'bad_frame'],
    ['text with DEL', frame({ type: 'message', text: 'a\u007Fb' }), 'bad_frame'],
    ['text with C1 NEL', frame({ type: 'message', text: 'a\u0085b' }), 'bad_frame'],
    [
      'text that is only a control character',
      frame({ type: 'message', text: '\u0001' }),
      'bad_frame',
    ],
    [
      'text with a lone surrogate (JSON escape)',
      '{"type":"message","text":"a\\ud800b"}',
      'bad_frame',
    ],
    [
      'text with a lone low surrogate (JSON escape)',
      '{"type":"message","text":"\\udc00"}',
      'bad_frame',
    ],
    [
      'history with both before and after',
      frame({ type: 'history', before: 10, after: 2 }),
      'bad_frame',
    ],
    ['history with neither before nor after', frame({ type: 'history', limit: 10 }), 'bad_frame'],
    ['history with a negative before', frame({ type: 'history', before: -1 }), 'bad_frame'],
    ['history with a fractional before', frame({ type: 'history', before: 1.5 }), 'bad_frame'],
    ['history with a string before', frame({ type: 'history', before: '10' }), 'bad_frame'],
    ['history with a null after', frame({ type: 'history', after: null }), 'bad_frame'],
    [
      'history with an unsafe integer after',
      frame({ type: 'history', after: 2 ** 53 }),
      'bad_frame',
    ],
    ['history with limit 0', frame({ type: 'history', before: 10, limit: 0 }), 'bad_frame'],
    ['history with limit 101', frame({ type: 'history', before: 10, limit: 101 }), 'bad_frame'],
    ['history with limit 1.5', frame({ type: 'history', before: 10, limit: 1.5 }), 'bad_frame'],
    [
      'history with a negative limit',
      frame({ type: 'history', before: 10, limit: -5 }),
      'bad_frame',
    ],
    ['history with a huge limit', frame({ type: 'history', after: 0, limit: 1e300 }), 'bad_frame'],
    ['history with a string limit', frame({ type: 'history', after: 0, limit: '10' }), 'bad_frame'],
    ['empty text', frame({ type: 'message', text: '' }), 'empty'],
    ['text of one space', frame({ type: 'message', text: ' ' }), 'empty'],
    ['text of tabs and newlines', frame({ type: 'message', text: '\t\n\r\n\t' }), 'empty'],
    ['text of Unicode spaces', frame({ type: 'message', text: '\u00A0\u3000\u2028' }), 'empty'],
    [
      'text of 2001 characters',
      frame({ type: 'message', text: 'a'.repeat(MAX_TEXT_LENGTH + 1) }),
      'too_long',
    ],
    [
      'text of 2001 emoji',
      frame({ type: 'message', text: '\u{1F600}'.repeat(MAX_TEXT_LENGTH + 1) }),
      'too_long',
    ],
  ])('refuses %s with %s', (_label, raw, code) => {
    const result = parseClientFrame(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.type).toBe('error');
    expect(result.error.code).toBe(code);
    expect(result.error.message).toEqual(expect.any(String));
    expect(result.error.message.length).toBeGreaterThan(0);
    expect(result.error).not.toHaveProperty('clientId');
  });

  it.each([
    ['an empty text', { type: 'message', text: '  ', clientId: 'c-1' }, 'empty'],
    ['a too long text', { type: 'message', text: 'a'.repeat(2001), clientId: 'c-1' }, 'too_long'],
    ['a numeric text', { type: 'message', text: 5, clientId: 'c-1' }, 'bad_frame'],
    ['a control character', { type: 'message', text: '\u0000', clientId: 'c-1' }, 'bad_frame'],
    ['an unknown type', { type: 'nope', clientId: 'c-1' }, 'bad_frame'],
  ])('echoes a valid clientId when it refuses %s', (_label, value, code) => {
    const result = parseClientFrame(JSON.stringify(value));
    expect(result).toMatchObject({ ok: false, error: { type: 'error', code, clientId: 'c-1' } });
  });

  it('does not echo a clientId that is itself invalid', () => {
    const result = parseClientFrame(
      JSON.stringify({ type: 'message', text: '', clientId: 'not valid!' }),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).not.toHaveProperty('clientId');
  });

  // Each refused value carries a marker that must not come back in the error message.
  const MARK = 'Zq9Marker';
  it.each([
    ['an unknown type', { type: MARK }],
    ['a wrong-typed text', { type: 'message', text: [MARK] }],
    ['a text with a control character', { type: 'message', text: `${MARK}\u0000` }],
    ['a too long text', { type: 'message', text: MARK.repeat(300) }],
    ['an invalid clientId', { type: 'message', text: 'hi', clientId: `${MARK}!` }],
    ['a string before', { type: 'history', before: MARK }],
    ['a string limit', { type: 'history', after: 0, limit: MARK }],
    ['a top-level string', MARK],
    ['a top-level array', [MARK]],
  ])('never echoes the client value in the message for %s', (_label, value) => {
    const result = parseClientFrame(JSON.stringify(value));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).not.toContain(MARK);
  });

  it('never echoes invalid JSON in the message', () => {
    const result = parseClientFrame(`{"${MARK}`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).not.toContain(MARK);
  });

  it('trims the text and keeps a valid clientId', () => {
    expect(
      parseClientFrame(
        JSON.stringify({ type: 'message', text: '  hi there \n', clientId: 'Ab_9-z' }),
      ),
    ).toStrictEqual({
      ok: true,
      frame: { type: 'message', text: 'hi there', clientId: 'Ab_9-z' },
    });
  });

  it('keeps tab, LF and CR inside the text', () => {
    const result = parseClientFrame(JSON.stringify({ type: 'message', text: '\ta\tb\nc\r\nd\n' }));
    expect(result).toStrictEqual({ ok: true, frame: { type: 'message', text: 'a\tb\nc\r\nd' } });
  });

  it('drops fields the client may not set (user, id, ts) and any others', () => {
    const raw = JSON.stringify({
      type: 'message',
      text: 'hi',
      user: { id: 'admin', name: 'Admin' },
      id: 1,
      ts: 0,
      extra: true,
    });
    expect(parseClientFrame(raw)).toStrictEqual({
      ok: true,
      frame: { type: 'message', text: 'hi' },
    });
  });

  it('accepts text of exactly 2000 characters', () => {
    const text = 'a'.repeat(MAX_TEXT_LENGTH);
    expect(parseClientFrame(JSON.stringify({ type: 'message', text }))).toStrictEqual({
      ok: true,
      frame: { type: 'message', text },
    });
  });

  it('counts characters as code points: accepts 2000 emoji (4000 UTF-16 units)', () => {
    const text = '\u{1F600}'.repeat(MAX_TEXT_LENGTH);
    expect(parseClientFrame(JSON.stringify({ type: 'message', text }))).toStrictEqual({
      ok: true,
      frame: { type: 'message', text },
    });
  });

  it('measures the length after trimming: accepts 2000 characters wrapped in spaces', () => {
    const text = 'a'.repeat(MAX_TEXT_LENGTH);
    expect(
      parseClientFrame(JSON.stringify({ type: 'message', text: `   ${text}   ` })),
    ).toStrictEqual({ ok: true, frame: { type: 'message', text } });
  });

  it('accepts text with emoji joiners and accents as sent', () => {
    const text = 'caf\u00E9 \u{1F468}\u200D\u{1F469}\u200D\u{1F467} <b>&amp;</b>';
    expect(parseClientFrame(JSON.stringify({ type: 'message', text }))).toStrictEqual({
      ok: true,
      frame: { type: 'message', text },
    });
  });

  it.each([
    [
      'before with the default limit',
      { type: 'history', before: 10 },
      { type: 'history', before: 10, limit: 50 },
    ],
    [
      'after 0 with limit 1',
      { type: 'history', after: 0, limit: 1 },
      { type: 'history', after: 0, limit: 1 },
    ],
    [
      'before with limit 100',
      { type: 'history', before: 500, limit: 100 },
      { type: 'history', before: 500, limit: 100 },
    ],
    ['before 0', { type: 'history', before: 0 }, { type: 'history', before: 0, limit: 50 }],
  ])('accepts a history request: %s', (_label, value, expected) => {
    expect(parseClientFrame(JSON.stringify(value))).toStrictEqual({ ok: true, frame: expected });
  });

  it.each([
    ['typing', '{"type":"typing"}', { type: 'typing' }],
    ['the exact ping', '{"type":"ping"}', { type: 'ping' }],
    ['a ping spelled with spaces', '{ "type": "ping" }', { type: 'ping' }],
  ])('accepts %s', (_label, raw, expected) => {
    expect(parseClientFrame(raw)).toStrictEqual({ ok: true, frame: expected });
  });
});

describe('utf8ByteLength', () => {
  const encoder = new TextEncoder();

  it.each([
    ['the empty string', ''],
    ['ASCII', 'hello, world'],
    ['two-byte characters', '\u00E9\u00DF\u07FF'],
    ['three-byte characters', '\u0800\u20AC\uD7FF\uE000\uFFFF'],
    ['a surrogate pair', '\u{1F600}'],
    ['the highest code point', '\u{10FFFF}'],
    ['a mix', 'a\u00E9\u20AC\u{1F600}b\u{1F468}\u200D\u{1F469}\u4E2D\u6587'],
  ])('equals the TextEncoder length for %s', (_label, text) => {
    expect(utf8ByteLength(text)).toBe(encoder.encode(text).length);
  });

  it('equals the TextEncoder length for any well-formed string', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        (text) => utf8ByteLength(text) === encoder.encode(text).length,
      ),
      { numRuns: 2000 },
    );
  });
});
