// "No message lost": a receiver whose TCP connection dies (no Close frame) resumes with
// `after=<highest id seen>` and pages forward, and a sender whose connection dies before its
// acknowledgement resends by clientId. Rate limits are lifted so 200 messages go in seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, ServerFrame } from '../../src/protocol.ts';
import { newUser, openSocket, pollUntil, sleep, uniqueRoom, type E2ESocket } from './client.ts';
import { startDevServer, type DevServer } from './wrangler.mjs';

let server: DevServer;

beforeAll(async () => {
  // A snapshot: a reload (any edit under src/ or public/) would drop every socket mid-test.
  server = await startDevServer({
    snapshot: true,
    vars: { MESSAGE_RATE: '1000', MESSAGE_BURST: '1000' },
  });
});

afterAll(async () => {
  await server?.stop();
});

/**
 * A client that keeps what it has seen across connections. Per connection: the welcome, then
 * live messages, then `history` pages while the welcome (or the last page) says `hasMore`.
 */
class ResumingReceiver {
  /** Times each message id was taken in as new. */
  readonly seen = new Map<number, number>();
  duplicates = 0;
  /** Page entries that had already come live on the same connection (expected, see below). */
  overlap = 0;
  pages = 0;
  readonly welcomes: { after: number | undefined; messages: number; hasMore: boolean }[] = [];
  #socket: E2ESocket | null = null;
  #pump: Promise<void> = Promise.resolve();
  #caughtUp: Promise<void> = Promise.resolve();

  constructor(
    readonly origin: string,
    readonly room: string,
    readonly token: string,
  ) {}

  get highest(): number {
    return Math.max(0, ...this.seen.keys());
  }

  /** Connects (resuming after the highest id seen, if any) and starts taking frames in. */
  async connect(): Promise<void> {
    // Resuming after 0 is right for a client that was there when the room was empty.
    const after = this.welcomes.length > 0 ? this.highest : undefined;
    const socket = await openSocket(
      this.origin,
      this.room,
      this.token,
      after === undefined ? {} : { after },
    );
    const welcome = await socket.next();
    if (welcome.type !== 'welcome') throw new Error(`first frame is ${welcome.type}, not welcome`);
    this.welcomes.push({ after, messages: welcome.messages.length, hasMore: welcome.hasMore });
    for (const message of welcome.messages) this.#take(message);
    this.#socket = socket;
    let markCaughtUp = () => {};
    this.#caughtUp = new Promise((resolve) => (markCaughtUp = resolve));
    const lastOfWelcome = welcome.messages.at(-1)?.id ?? after ?? 0;
    if (welcome.hasMore) this.#requestPage(socket, lastOfWelcome);
    else markCaughtUp();
    this.#pump = this.#run(socket, markCaughtUp);
    // Awaited by drop() and close(); this only keeps a failure from also being reported as unhandled.
    this.#pump.catch(() => {});
  }

  /** Resolves once this connection has paged forward until `hasMore` was false. */
  caughtUp(): Promise<void> {
    return withTimeout(this.#caughtUp, 15_000, 'catching up');
  }

  /** Drops the TCP connection without a Close frame; frames not yet taken in are lost with it. */
  async drop(): Promise<void> {
    const socket = this.#socket;
    this.#socket = null;
    await socket?.terminate();
    await this.#pump;
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = null;
    await socket?.close();
    await this.#pump;
  }

  #requestPage(socket: E2ESocket, after: number): void {
    this.pages++;
    socket.send({ type: 'history', after, limit: 100 });
  }

  async #run(socket: E2ESocket, markCaughtUp: () => void): Promise<void> {
    // The first message that comes live on this connection: everything from it on was stored after
    // the socket was accepted, so the room broadcast it to this socket before it answered any
    // later `history` request. Page entries from that id on have therefore already arrived.
    let firstLive: number | undefined;
    const deadline = Date.now() + 60_000;
    while (this.#socket === socket && Date.now() < deadline) {
      let frame;
      try {
        frame = await socket.next(250);
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('no frame within')) continue;
        throw err;
      }
      if (this.#socket !== socket) return;
      if (frame.type === 'message') {
        firstLive ??= frame.id;
        this.#take(frame);
      } else if (frame.type === 'history') {
        for (const message of frame.messages) {
          if (firstLive !== undefined && message.id >= firstLive) {
            if (!this.seen.has(message.id))
              throw new Error(`message ${message.id} came in a page but never live`);
            this.overlap++;
          } else this.#take(message);
        }
        const last = frame.messages.at(-1);
        if (frame.hasMore && last) this.#requestPage(socket, last.id);
        else markCaughtUp();
      } else if (frame.type === 'error') throw new Error(`refused: ${frame.code} ${frame.message}`);
    }
  }

  #take(message: ChatMessage): void {
    const times = (this.seen.get(message.id) ?? 0) + 1;
    this.seen.set(message.id, times);
    if (times > 1) this.duplicates++;
  }
}

/** Rejects if `promise` doesn't settle within `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)),
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every frame that arrives until none has for `quietMs` (at most 500 frames or 20 s). */
async function drain(socket: E2ESocket, quietMs: number): Promise<ServerFrame[]> {
  const frames: ServerFrame[] = [];
  const deadline = Date.now() + 20_000;
  while (frames.length < 500 && Date.now() < deadline) {
    try {
      frames.push(await socket.next(quietMs));
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('no frame within')) break;
      throw err;
    }
  }
  return frames;
}

/** Collects a user's own messages as they come back (the acknowledgements), by clientId. */
function collectAcks(
  socket: E2ESocket,
  userId: string,
  into: Map<string, number>,
  until: () => boolean,
): Promise<void> {
  return (async () => {
    const deadline = Date.now() + 60_000;
    while (!until() && Date.now() < deadline) {
      const frame = await socket.next(10_000);
      if (frame.type === 'error') throw new Error(`sender refused: ${frame.code} ${frame.message}`);
      if (frame.type === 'message' && frame.user.id === userId && frame.clientId !== undefined)
        into.set(frame.clientId, frame.id);
    }
  })();
}

describe('no message lost', () => {
  it('delivers each of 200 messages exactly once to a receiver dropped 5 times while they are sent', async () => {
    const room = uniqueRoom('resume');
    const sender = await newUser('Sam');
    const reader = await newUser('Rae');
    const TOTAL = 200;
    // Receiver drops at these send counts and comes back after that many more were sent. The first
    // absence is longer than a welcome page (100), so resuming must page forward with `history`.
    const absences = [
      { dropAt: 5, backAt: 120 },
      { dropAt: 130, backAt: 140 },
      { dropAt: 150, backAt: 160 },
      { dropAt: 170, backAt: 180 },
      { dropAt: 185, backAt: 195 },
    ];

    const s = await openSocket(server.origin, room, sender.token);
    await s.nextOf('welcome');
    const receiver = new ResumingReceiver(server.origin, room, reader.token);
    await receiver.connect();
    await s.nextOf('join');

    const acks = new Map<string, number>();
    const acking = collectAcks(s, sender.user.id, acks, () => acks.size === TOTAL);
    const sentWhileAway: number[] = [];
    let reconnect: Promise<void> = Promise.resolve();
    let droppedAt = 0;
    for (let i = 0; i < TOTAL; i++) {
      for (const { dropAt, backAt } of absences) {
        if (i === dropAt) {
          // Drop only a connection that has finished catching up, so `highest` has no gaps below it.
          await reconnect;
          await receiver.caughtUp();
          await receiver.drop();
          droppedAt = i;
        }
        if (i === backAt) {
          sentWhileAway.push(i - droppedAt);
          reconnect = receiver.connect();
          reconnect.catch(() => {});
        }
      }
      s.send({ type: 'message', text: `message ${i}`, clientId: `m-${i}` });
      await sleep(10);
    }
    await acking;
    await reconnect;
    await receiver.caughtUp();

    const sentIds = new Set(acks.values());
    expect(acks.size).toBe(TOTAL);
    expect(sentIds.size).toBe(TOTAL);
    // Live messages still in flight when the last send returned: wait for them, bounded.
    await pollUntil(() => [...sentIds].every((id) => receiver.seen.has(id)), 15_000);
    const delivered = new Set(receiver.seen.keys());
    const lost = [...sentIds].filter((id) => !delivered.has(id));
    const extra = [...delivered].filter((id) => !sentIds.has(id));
    console.info(
      `resume: sent ${TOTAL}, delivered ${delivered.size}, lost ${lost.length}, duplicated ${receiver.duplicates}, ` +
        `drops ${absences.length}, sent while away ${sentWhileAway.join('/')}, history pages ${receiver.pages}, ` +
        `page entries already received live ${receiver.overlap}`,
    );
    expect(lost).toEqual([]);
    expect(extra).toEqual([]);
    expect(delivered).toEqual(sentIds);
    expect(receiver.duplicates).toBe(0);

    // Each resume brought back messages sent while the receiver was away.
    const resumes = receiver.welcomes.slice(1);
    expect(resumes).toHaveLength(absences.length);
    for (const welcome of resumes) {
      expect(welcome.after).toBeGreaterThan(0);
      expect(welcome.messages).toBeGreaterThan(0);
    }
    expect(resumes[0]).toMatchObject({ messages: 100, hasMore: true });
    expect(receiver.pages).toBeGreaterThan(0);

    await receiver.close();
    await s.close();
  });

  it('stores a message once when its sender’s connection dies before the ack and it is resent by clientId', async () => {
    const room = uniqueRoom('resend');
    const sender = await newUser('Pia');
    const watcher = await newUser('Wes');
    const w = await openSocket(server.origin, room, watcher.token);
    await w.nextOf('welcome');
    const ROUNDS = 5;
    const PER_ROUND = 10;
    const acks = new Map<string, number>();

    // How long after its frames left the client each first connection lives on (still never reading
    // an acknowledgement): from not at all, which usually loses the frames with the connection, to
    // long enough for the room to have stored them, so both outcomes are met.
    const lingerMs = [-1, 0, 20, 100, 1000];
    for (let round = 0; round < ROUNDS; round++) {
      const clientIds = Array.from({ length: PER_ROUND }, (_, i) => `r${round}-${i}`);
      const first = await openSocket(server.origin, room, sender.token);
      await first.nextOf('welcome');
      const linger = lingerMs[round] ?? 0;
      // The first try and the resend differ in text only so that history shows which one was stored.
      const written = clientIds.map(
        (clientId) =>
          new Promise<void>((resolve, reject) =>
            first.ws.send(
              JSON.stringify({ type: 'message', text: `first ${clientId}`, clientId }),
              (err) => (err ? reject(err) : resolve()),
            ),
          ),
      );
      if (linger >= 0) {
        await Promise.all(written);
        await sleep(linger);
      }
      // Gone before the client read any acknowledgement: it can't know what was stored.
      await first.terminate();
      await Promise.allSettled(written);

      const second = await openSocket(server.origin, room, sender.token);
      await second.nextOf('welcome');
      for (const clientId of clientIds)
        second.send({ type: 'message', text: `again ${clientId}`, clientId });
      const answered = new Map<string, number>();
      await collectAcks(second, sender.user.id, answered, () =>
        clientIds.every((id) => answered.has(id)),
      );
      for (const [clientId, id] of answered) acks.set(clientId, id);
      await second.close();
    }

    // History is the ground truth: every clientId exactly once.
    const reader = await openSocket(server.origin, room, watcher.token);
    await reader.nextOf('welcome');
    reader.send({ type: 'history', after: 0, limit: 100 });
    const history = await reader.nextOf('history');
    expect(history.hasMore).toBe(false);
    const byClientId = new Map<string, number>();
    for (const m of history.messages)
      if (m.clientId !== undefined)
        byClientId.set(m.clientId, (byClientId.get(m.clientId) ?? 0) + 1);
    expect(history.messages).toHaveLength(ROUNDS * PER_ROUND);
    expect(byClientId.size).toBe(ROUNDS * PER_ROUND);
    expect([...byClientId.values()].every((count) => count === 1)).toBe(true);
    // The resend's answers name the stored messages.
    expect(new Map(history.messages.map((m) => [m.clientId ?? '', m.id]))).toEqual(acks);
    const storedBeforeDrop = history.messages.filter((m) => m.text.startsWith('first ')).length;
    // The duplicate path ran: some messages were stored by the dead connection, and their resend
    // stored nothing new (a full second lets the room handle the last round's first tries).
    expect(storedBeforeDrop).toBeGreaterThanOrEqual(PER_ROUND);

    // Another person in the room saw each message once, whichever connection stored it.
    const watched = new Map<string, number>();
    for (const frame of await drain(w, 1000)) {
      if (frame.type === 'message' && frame.clientId !== undefined)
        watched.set(frame.clientId, (watched.get(frame.clientId) ?? 0) + 1);
    }
    expect(watched.size).toBe(ROUNDS * PER_ROUND);
    expect([...watched.values()].every((count) => count === 1)).toBe(true);
    console.info(
      `resend: ${ROUNDS * PER_ROUND} messages, ${storedBeforeDrop} stored by the dropped connection, ${ROUNDS * PER_ROUND - storedBeforeDrop} by the resend, stored twice 0`,
    );

    await reader.close();
    await w.close();
  });
});
