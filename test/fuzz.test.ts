// Property-based abuse over real sockets: thousands of random and mutated frames from a fresh
// user per run, with an observer in the same room. An oracle from docs/protocol.md (not from
// src/) predicts each frame's answer; the room must match it and keep its invariants throughout.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connect, newUser, uniqueRoom, type TestSocket } from './helpers.ts';
import type { ChatMessage, ErrorCode, ServerFrame } from '../src/protocol.ts';

// The contract's rules, restated independently of src/protocol.ts.
const FRAME_LIMIT = 16 * 1024;
const TEXT_LIMIT = 2000;
const PAGE_LIMIT = 100;
const PING_FRAME = '{"type":"ping"}';
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
// C0 (but tab, LF, CR), DEL and C1.
const TEXT_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

const RUNS = 100;
const FRAMES_PER_RUN = { minLength: 20, maxLength: 40 };

type Raw = string | Uint8Array;
type Prediction =
  | { kind: 'error'; codes: ErrorCode[]; clientId?: string }
  | { kind: 'message'; text: string; clientId?: string }
  | { kind: 'history' }
  | { kind: 'typing' }
  /** `auto`: the exact heartbeat, answered by the runtime, possibly ahead of earlier answers. */
  | { kind: 'pong'; auto: boolean };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const codePoints = (text: string): number => [...text].length;
const isId = (value: unknown): boolean =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** What the contract says the room answers to `raw`, ignoring duplicates (see `settle`). */
function predict(raw: Raw): Prediction {
  // On the wire a text frame is UTF-8, which has no lone surrogates: the sender's encoder
  // replaces them with U+FFFD, so that is what the room receives.
  const received = typeof raw === 'string' ? raw.toWellFormed() : raw;
  const bytes =
    typeof received === 'string'
      ? new TextEncoder().encode(received).byteLength
      : received.byteLength;
  if (bytes > FRAME_LIMIT) return { kind: 'error', codes: ['too_long'] };
  if (typeof received !== 'string') return { kind: 'error', codes: ['bad_frame'] };
  if (received === PING_FRAME) return { kind: 'pong', auto: true };
  let json: unknown;
  try {
    json = JSON.parse(received);
  } catch {
    return { kind: 'error', codes: ['bad_json'] };
  }
  if (!isRecord(json)) return { kind: 'error', codes: ['bad_frame'] };
  const hasClientId = 'clientId' in json;
  const clientId =
    typeof json.clientId === 'string' && CLIENT_ID.test(json.clientId) ? json.clientId : undefined;
  const refuse = (codes: ErrorCode[]): Prediction => ({
    kind: 'error',
    codes,
    ...(clientId ? { clientId } : {}),
  });
  switch (json.type) {
    case 'message': {
      // Several faults in one frame: any of their codes is a fair answer.
      const codes: ErrorCode[] = [];
      const { text } = json;
      let trimmed = '';
      if (typeof text !== 'string' || !text.isWellFormed() || TEXT_FORBIDDEN.test(text))
        codes.push('bad_frame');
      else {
        trimmed = text.trim();
        if (trimmed.length === 0) codes.push('empty');
        else if (codePoints(trimmed) > TEXT_LIMIT) codes.push('too_long');
      }
      if (hasClientId && clientId === undefined) codes.push('bad_frame');
      return codes.length > 0
        ? refuse(codes)
        : { kind: 'message', text: trimmed, ...(clientId ? { clientId } : {}) };
    }
    case 'history': {
      const hasBefore = 'before' in json;
      const hasAfter = 'after' in json;
      const ok =
        hasBefore !== hasAfter &&
        (!hasBefore || isId(json.before)) &&
        (!hasAfter || isId(json.after)) &&
        (!('limit' in json) ||
          (isId(json.limit) && Number(json.limit) >= 1 && Number(json.limit) <= PAGE_LIMIT));
      return ok ? { kind: 'history' } : refuse(['bad_frame']);
    }
    case 'typing':
      return { kind: 'typing' };
    case 'ping':
      return { kind: 'pong', auto: false };
    default:
      return refuse(['bad_frame']);
  }
}

/** A message is what the contract allows to be stored: trimmed, 1–2000 code points, clean. */
function expectValidMessage(message: ChatMessage): void {
  const { text } = message;
  expect(text.isWellFormed(), 'well-formed text').toBe(true);
  expect(TEXT_FORBIDDEN.test(text), 'no control characters').toBe(false);
  expect(text.trim()).toBe(text);
  expect(codePoints(text)).toBeGreaterThanOrEqual(1);
  expect(codePoints(text)).toBeLessThanOrEqual(TEXT_LIMIT);
  expect(Number.isSafeInteger(message.id) && message.id > 0).toBe(true);
  expect(Math.abs(message.ts - Date.now())).toBeLessThan(10 * 60_000);
  if (message.clientId !== undefined) expect(message.clientId).toMatch(CLIENT_ID);
}

// ---------------------------------------------------------------------------------------------
// Generators

const CONTROLS = [
  '\u0000',
  '\u0007',
  '\u0008',
  '\u000B',
  '\u000C',
  '\u001B',
  '\u007F',
  '\u0085',
  '\u009B',
  '\t',
  '\n',
  '\r',
];
const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((unit) => String.fromCharCode(unit));
const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  fc.tuple(fc.string(), fc.constantFrom(...CONTROLS), fc.string()).map((parts) => parts.join('')),
  fc.tuple(fc.string(), loneSurrogate, fc.string()).map((parts) => parts.join('')),
  fc.constantFrom('', ' ', ' \t\n\r ', '\u3000\u00A0', '\uFEFF', '\u2028'),
  fc
    .tuple(
      fc.integer({ min: TEXT_LIMIT - 3, max: TEXT_LIMIT + 3 }),
      fc.constantFrom('a', '\u00E9', '\u{1F600}'),
    )
    .map(([n, ch]) => ch.repeat(n)),
  fc
    .integer({ min: 1, max: 5 })
    .map((pad) => `${' '.repeat(pad)}${'b'.repeat(TEXT_LIMIT)}${'\n'.repeat(pad)}`),
);
const clientIdArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('c1', 'c2', 'c3') },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) },
  fc.constantFrom('', 'a b', 'caf\u00E9', 'x'.repeat(65), '../x', '__proto__'),
  fc.jsonValue({ maxDepth: 2 }),
);
const numberArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 400 }) },
  fc.integer({ min: -10, max: -1 }),
  fc.double({ noNaN: true }),
  fc.constantFrom(2 ** 53, 2 ** 53 + 2, -0, 1.5, 1e308, 0, 100, 101),
  fc.jsonValue({ maxDepth: 1 }),
);
const FIELDS = [
  'type',
  'text',
  'clientId',
  'before',
  'after',
  'limit',
  'user',
  'id',
  'ts',
  '__proto__',
  'constructor',
  'toString',
];
const TYPES = [
  'message',
  'history',
  'typing',
  'ping',
  'Message',
  'PING',
  'pong',
  'welcome',
  'error',
  'join',
  '',
  ' message',
  '__proto__',
  'constructor',
];

type Entries = [string, unknown][];
const entry = (key: string, value: unknown): [string, unknown] => [key, value];
const validEntries: fc.Arbitrary<Entries> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(textArb, fc.option(clientIdArb, { nil: undefined }))
      .map(([text, id]) => [
        entry('type', 'message'),
        entry('text', text),
        ...(id === undefined ? [] : [entry('clientId', id)]),
      ]),
  },
  fc
    .tuple(fc.constantFrom('before', 'after'), numberArb, fc.option(numberArb, { nil: undefined }))
    .map(([key, value, limit]) => [
      entry('type', 'history'),
      entry(key, value),
      ...(limit === undefined ? [] : [entry('limit', limit)]),
    ]),
  fc.constant<Entries>([entry('type', 'typing')]),
  fc.constant<Entries>([entry('type', 'ping')]),
);

/** Mutations of a frame's fields: drops, type swaps, random values, spoofed fields, deep nesting. */
const mutatedEntries: fc.Arbitrary<Entries> = fc
  .tuple(
    validEntries,
    fc.nat(),
    fc.integer({ min: 0, max: 7 }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(...FIELDS),
    fc.constantFrom(...TYPES),
    fc.integer({ min: 1, max: 3000 }),
  )
  .map(([entries, pick, how, value, fieldName, typeName, depth]): Entries => {
    const index = pick % entries.length;
    switch (how) {
      case 0:
        return entries;
      case 1:
        return entries.filter((_, i) => i !== index);
      case 2:
        return entries.map(([key, v]): [string, unknown] =>
          key === 'type' ? [key, typeName] : [key, v],
        );
      case 3:
        return entries.map(([key, v], i): [string, unknown] =>
          i === index ? [key, value] : [key, v],
        );
      case 4:
        return [...entries, [fieldName, value]];
      case 5:
        return [...entries, ['user', { id: 'admin', name: 'root' }], ['id', 1], ['ts', 0]];
      case 6:
        return entries.map(([key, v], i): [string, unknown] =>
          i === index ? [key, nest(v, depth)] : [key, v],
        );
      default:
        return [...entries, ['pad', 'p'.repeat(FRAME_LIMIT - 40 + (pick % 80))]];
    }
  });

function nest(value: unknown, depth: number): unknown {
  let nested = value;
  for (let i = 0; i < depth; i++) nested = [nested];
  return nested;
}

/** Object.fromEntries defines "__proto__" as a plain own key, as JSON.parse does. */
const serialise = (entries: Entries): string => JSON.stringify(Object.fromEntries(entries));

/** Mutations of the serialised text: BOM, truncation, garbage, duplicate keys, huge numbers, binary. */
const rawMutation = (text: string): fc.Arbitrary<Raw> =>
  fc
    .tuple(fc.integer({ min: 0, max: 9 }), fc.nat(), fc.constantFrom(...TYPES))
    .map(([how, at, typeName]): Raw => {
      switch (how) {
        case 0:
          return `\uFEFF${text}`;
        case 1:
          return text.slice(0, at % (text.length + 1));
        case 2:
          return `${text}${text}`;
        case 3:
          return text.startsWith('{')
            ? `{"type":${JSON.stringify(typeName)},${text.slice(1)}`
            : text;
        case 4:
          return text.endsWith('}')
            ? `${text.slice(0, -1)},"type":${JSON.stringify(typeName)}}`
            : text;
        case 5:
          return text.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/i, '1e400');
        case 6:
          return new TextEncoder().encode(text);
        case 7:
          return ` \n\t${text}\r\n `;
        default:
          return text;
      }
    });

const frameArb: fc.Arbitrary<Raw> = fc.oneof(
  { weight: 3, arbitrary: validEntries.map(serialise) },
  { weight: 5, arbitrary: mutatedEntries.map(serialise) },
  { weight: 3, arbitrary: mutatedEntries.map(serialise).chain(rawMutation) },
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom<Raw>(
    new Uint8Array(FRAME_LIMIT + 1),
    'x'.repeat(FRAME_LIMIT + 1),
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    '',
  ),
);

// ---------------------------------------------------------------------------------------------

/** Frames up to and including the one `stop` accepts; every one was checked against ServerFrameSchema. */
async function readUntil(
  socket: TestSocket,
  stop: (frame: ServerFrame) => boolean,
  limit: number,
): Promise<ServerFrame[]> {
  const frames: ServerFrame[] = [];
  while (frames.length < limit) {
    const frame = await socket.next(10_000);
    frames.push(frame);
    if (stop(frame)) return frames;
  }
  throw new Error(`no end frame among ${limit}: ${JSON.stringify(frames.slice(-3))}`);
}

describe('fuzzing a room', () => {
  it(
    'keeps every invariant under thousands of random and mutated frames',
    { timeout: 120_000 },
    async () => {
      const room = uniqueRoom('fuzz');
      const watcher = await newUser('watcher');
      const observer = await connect(room, watcher.token);
      await observer.nextOf('welcome');
      const seenIds = new Set<number>();
      let lastId = 0;
      let run = 0;
      let framesSent = 0;
      let refusals = 0;
      let observerFrames = 0;

      /** Each new broadcast id is fresh and larger than all before it, room-wide. */
      const recordId = (message: ChatMessage): void => {
        expect(seenIds.has(message.id), `id ${message.id} reused`).toBe(false);
        expect(message.id).toBeGreaterThan(lastId);
        seenIds.add(message.id);
        lastId = message.id;
      };

      await fc.assert(
        fc.asyncProperty(fc.array(frameArb, FRAMES_PER_RUN), async (frames) => {
          run++;
          const sender = await newUser(`fuzzer${run}`);
          const socket = await connect(room, sender.token);
          expect((await socket.next()).type).toBe('welcome');
          expect(await observer.next()).toMatchObject({ type: 'join', user: sender.user });

          const predictions = frames.map(predict);
          const sentinel = `zz-sentinel-${run}`;
          for (const raw of frames) socket.ws.send(raw);
          socket.send({ type: 'message', text: 'sentinel', clientId: sentinel });
          framesSent += frames.length + 1;
          const isSentinel = (frame: ServerFrame): boolean =>
            frame.type === 'message' && frame.clientId === sentinel;

          // The sender: answers in order, one per frame (none for typing), then the sentinel.
          // Pongs are counted apart: the runtime answers the exact heartbeat ahead of the room.
          const answers = await readUntil(socket, isSentinel, frames.length + 1);
          const pongs = answers.filter((frame) => frame.type === 'pong').length;
          expect(pongs).toBe(predictions.filter((p) => p.kind === 'pong').length);
          const inOrder = answers.filter((frame) => frame.type !== 'pong');
          const stored = new Map<string, ChatMessage>();
          const broadcast: ServerFrame[] = [];
          let i = 0;
          for (const [n, prediction] of predictions.entries()) {
            if (prediction.kind === 'pong' || prediction.kind === 'typing') {
              if (prediction.kind === 'typing')
                broadcast.push({ type: 'typing', user: sender.user });
              continue;
            }
            const answer = inOrder[i++];
            const context = `frame ${n}: ${describeRaw(frames[n])} -> ${JSON.stringify(answer)?.slice(0, 300)}`;
            if (prediction.kind === 'error') {
              refusals++;
              expect(answer?.type, context).toBe('error');
              if (answer?.type !== 'error') continue;
              expect(prediction.codes, context).toContain(answer.code);
              expect(answer.clientId, context).toBe(prediction.clientId);
              expect(answer.retryAfterMs, context).toBeUndefined();
              expect(answer.message.length, context).toBeGreaterThan(0);
            } else if (prediction.kind === 'history') {
              expect(answer?.type, context).toBe('history');
              if (answer?.type !== 'history') continue;
              const ids = answer.messages.map((m) => m.id);
              expect(ids, context).toEqual([...ids].sort((a, b) => a - b));
              expect(new Set(ids).size, context).toBe(ids.length);
              answer.messages.forEach(expectValidMessage);
            } else {
              expect(answer?.type, context).toBe('message');
              if (answer?.type !== 'message') continue;
              expectValidMessage(answer);
              expect(answer.user, context).toEqual(sender.user);
              const earlier =
                prediction.clientId === undefined ? undefined : stored.get(prediction.clientId);
              if (earlier) {
                // A resend of a stored clientId: the stored copy, to this socket only.
                expect(answer, context).toEqual(earlier);
              } else {
                expect(answer.text, context).toBe(prediction.text);
                expect(answer.clientId, context).toBe(prediction.clientId);
                recordId(answer);
                if (prediction.clientId !== undefined) stored.set(prediction.clientId, answer);
                broadcast.push(answer);
              }
            }
          }
          expect(inOrder.slice(i, -1), 'answers nobody asked for').toEqual([]);
          const last = inOrder.at(-1);
          if (last?.type !== 'message') throw new Error('no sentinel');
          expectValidMessage(last);
          recordId(last);

          // The observer: exactly the new messages and the typing relays, in order, then the sentinel.
          const seen = await readUntil(observer, isSentinel, broadcast.length + 1);
          observerFrames += seen.length + 2;
          expect(seen.slice(0, -1)).toEqual(broadcast);
          expect(seen.at(-1)).toEqual(last);

          expect(socket.ws.readyState).toBe(WebSocket.OPEN);
          await socket.close();
          expect(await observer.next()).toMatchObject({ type: 'leave', user: sender.user });
        }),
        {
          numRuns: RUNS,
          endOnFailure: false,
          plugins: [fc.interruptAfterTimeLimit(100_000, { failOnInterrupt: true })],
        },
      );

      // Still standing: the observer's socket is open, and a newcomer's message reaches it fresh.
      expect(observer.ws.readyState).toBe(WebSocket.OPEN);
      const late = await newUser('late');
      const socket = await connect(room, late.token);
      await socket.nextOf('welcome');
      socket.send({ type: 'message', text: 'after the storm' });
      const fresh = await observer.nextOf('message');
      expect(fresh).toMatchObject({ user: late.user, text: 'after the storm' });
      expectValidMessage(fresh);
      recordId(fresh);
      await socket.close();
      await observer.close();
      // Figures for the report; the property above already holds every assertion.
      console.log(
        JSON.stringify({
          runs: run,
          framesSent,
          refusals,
          messagesStored: seenIds.size,
          observerFrames,
        }),
      );
      expect(framesSent).toBeGreaterThanOrEqual(2000);
    },
  );
});

function describeRaw(raw: Raw | undefined): string {
  if (raw === undefined) return 'none';
  if (typeof raw !== 'string') return `binary(${raw.byteLength})`;
  return raw.length > 200
    ? `${JSON.stringify(raw.slice(0, 200))}… (${raw.length} units)`
    : JSON.stringify(raw);
}
