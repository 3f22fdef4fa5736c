// "No message lost", on the shipped client library: a ChatClient whose TCP connection dies (no
// Close frame) resumes from its position and pages forward, and one whose connection dies before
// its acknowledgement sends that message again by clientId. Rate limits are lifted so 200
// messages go in seconds.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient } from '../../public/chat/client.js';
import type { ChatMessage } from '../../src/protocol.ts';
import {
  Gate,
  newUser,
  nextEvent,
  openSocket,
  pollUntil,
  sleep,
  trackedWebSocket,
  uniqueRoom,
  type E2ESocket,
} from './client.ts';
import { startDevServer, type DevServer } from './wrangler.mjs';

let server: DevServer;

beforeAll(async () => {
  // A snapshot: a reload (any edit under src/ or public/) would drop every socket mid-test.
  server = await startDevServer({
    snapshot: true,
    // 250 kept: every message of the tests below, until one of them prunes on purpose.
    vars: { MESSAGE_RATE: '1000', MESSAGE_BURST: '1000', HISTORY_LIMIT: '250' },
  });
});

afterAll(async () => {
  await server?.stop();
});

/** Every frame that arrives until none has for `quietMs` (at most 500 frames or 20 s). */
async function drain(socket: E2ESocket, quietMs: number): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [];
  const deadline = Date.now() + 20_000;
  for (let frames = 0; frames < 500 && Date.now() < deadline; frames++) {
    try {
      const frame = await socket.next(quietMs);
      if (frame.type === 'message') messages.push(frame);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('no frame within')) break;
      throw err;
    }
  }
  return messages;
}

/** Counts how often each value was seen. */
function tally<T>(values: Iterable<T>): Map<T, number> {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

describe('no message lost, on ChatClient', () => {
  it('delivers each of 200 messages exactly once to a client dropped 5 times while they are sent', async () => {
    const room = uniqueRoom('resume');
    const sender = await newUser('Sam');
    const reader = await newUser('Rae');
    const TOTAL = 200;
    // Drops at these send counts; the client stays away (its token waits at a shut gate) until that
    // many more were sent. The first absence is longer than a welcome page (100), so resuming
    // must page forward with `history`; the others drop it wherever it is, catching up or not.
    const absences = [
      { dropAt: 5, backAt: 120 },
      { dropAt: 130, backAt: 140 },
      { dropAt: 150, backAt: 160 },
      { dropAt: 170, backAt: 180 },
      { dropAt: 185, backAt: 195 },
    ];

    const s = await openSocket(server.origin, room, sender.token);
    await s.nextOf('welcome');
    const gate = new Gate();
    const tracked = trackedWebSocket();
    const receiver = new ChatClient({
      url: server.origin,
      room,
      token: async () => (await gate.pass(), reader.token),
      WebSocket: tracked.WebSocket,
      firstDelayMs: 20,
    });
    const seen: number[] = [];
    const welcomes: { messages: number; hasMore: boolean; after: string | null }[] = [];
    let pages = 0;
    receiver.addEventListener('message', (event) => seen.push(event.detail.id));
    receiver.addEventListener('welcome', (event) =>
      welcomes.push({
        messages: event.detail.messages.length,
        hasMore: event.detail.hasMore,
        after: new URL(tracked.current().url).searchParams.get('after'),
      }),
    );
    receiver.addEventListener('history', () => pages++);
    await nextEvent(receiver, 'status', { where: (status) => status === 'open' });
    await s.nextOf('join');

    const acks = new Map<string, number>();
    const acking = (async () => {
      while (acks.size < TOTAL) {
        const frame = await s.next(10_000);
        if (frame.type === 'error') throw new Error(`sender refused: ${frame.code}`);
        if (frame.type === 'message' && frame.clientId) acks.set(frame.clientId, frame.id);
      }
    })();
    for (let i = 0; i < TOTAL; i++) {
      for (const { dropAt, backAt } of absences) {
        if (i === dropAt) {
          // Each absence drops a connection that is up (catching up or not), not one still coming.
          await pollUntil(() => receiver.status === 'open', 10_000, 5);
          gate.shut();
          // Gone without a Close frame, as a dying network or a killed tab would be.
          tracked.current().terminate();
        }
        if (i === backAt) gate.open();
      }
      s.send({ type: 'message', text: `message ${i}`, clientId: `m-${i}` });
      await sleep(10);
    }
    await acking;
    const sentIds = new Set(acks.values());
    expect(sentIds.size).toBe(TOTAL);
    // Live messages still in flight when the last send returned: wait for them, bounded.
    await pollUntil(() => [...sentIds].every((id) => seen.includes(id)), 20_000);

    const counts = tally(seen);
    const lost = [...sentIds].filter((id) => !counts.has(id));
    const duplicated = [...counts].filter(([, times]) => times > 1).map(([id]) => id);
    console.info(
      `resume (ChatClient): sent ${TOTAL}, delivered ${counts.size}, lost ${lost.length}, ` +
        `duplicated ${duplicated.length}, drops ${absences.length}, welcomes ${welcomes.length}, history pages ${pages}`,
    );
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(new Set(seen)).toEqual(sentIds);
    // In the order they were stored, across every reconnect.
    expect(seen).toEqual([...seen].sort((a, b) => a - b));

    // Each absence ended in a resume from the client's position, never in a fresh join.
    expect(welcomes).toHaveLength(absences.length + 1);
    expect(welcomes[0]?.after).toBeNull();
    for (const welcome of welcomes.slice(1)) expect(Number(welcome.after)).toBeGreaterThan(0);
    // The first came back to 115 new messages: a page of 100 in the welcome, the rest by history.
    expect(welcomes[1]).toMatchObject({ messages: 100, hasMore: true });
    expect(pages).toBeGreaterThan(0);
    expect(receiver.position).toBe(Math.max(...sentIds));

    receiver.close();
    await s.close();
  });

  it('stores each message once when the sender’s connection dies around its acknowledgement, and resolves each send() once', async () => {
    const room = uniqueRoom('resend');
    const author = await newUser('Pia');
    const watcher = await newUser('Wes');
    const w = await openSocket(server.origin, room, watcher.token);
    await w.nextOf('welcome');

    // A WebSocket whose connection is doomed once it has sent a message frame: it stops hearing
    // anything (the acknowledgement is lost on the way) and, `lingerMs` later, its TCP connection
    // is dropped without a Close. At -1 the frame itself is lost with the connection; the longer
    // ones give the room time to store it first, so both outcomes are met.
    const lingerMs = [-1, 0, 20, 100, 300, -1];
    const transmitted: string[] = [];
    let connections = 0;
    let doomed = 0;
    class DyingWebSocket extends WebSocket {
      #deaf = false;
      constructor(address: string) {
        super(address);
        connections++;
      }
      override send(data: string): void {
        const frame: unknown = JSON.parse(data);
        const clientId =
          typeof frame === 'object' && frame !== null && 'clientId' in frame
            ? String(frame.clientId)
            : null;
        const linger = clientId ? lingerMs[doomed++] : undefined;
        if (linger === undefined || linger >= 0) super.send(data);
        if (clientId) transmitted.push(clientId);
        if (linger === undefined) return;
        this.#deaf = true;
        if (linger < 0) this.terminate();
        else setTimeout(() => this.terminate(), linger);
      }
      override emit(event: string | symbol, ...args: unknown[]): boolean {
        if (this.#deaf && event === 'message') return false;
        return super.emit(event, ...args);
      }
    }
    const client = new ChatClient({
      url: server.origin,
      room,
      token: author.token,
      WebSocket: DyingWebSocket,
      firstDelayMs: 20,
    });
    const sent: string[] = [];
    client.addEventListener('sent', (event) => sent.push(event.detail.clientId));
    const texts = Array.from({ length: 10 }, (_, i) => `message ${i}`);
    const resolved = await Promise.all(texts.map((text) => client.send(text)));

    // Each send() resolved with its own stored message, in the order written.
    expect(resolved.map((message) => message.text)).toEqual(texts);
    expect(resolved.map((message) => message.user.id)).toEqual(texts.map(() => author.user.id));
    const ids = resolved.map((message) => message.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(texts.length);
    const clientIds = resolved.map((message) => message.clientId);
    expect(tally(sent)).toEqual(new Map(clientIds.map((id) => [id, 1])));
    expect(client.pending).toEqual([]);
    // Every drop cost a connection, and the messages lost with theirs went out again.
    expect(connections).toBe(lingerMs.length + 1);
    const resent = [...tally(transmitted)].filter(([, times]) => times > 1);
    expect(resent.length).toBeGreaterThan(0);

    // History is the ground truth: every clientId exactly once, with the id send() resolved with.
    const reader = await openSocket(server.origin, room, watcher.token);
    const welcome = await reader.nextOf('welcome');
    expect(welcome.messages.map((m) => [m.clientId, m.id])).toEqual(
      resolved.map((m) => [m.clientId, m.id]),
    );
    // Another person in the room saw each message once, whichever connection stored it.
    const watched = await drain(w, 1000);
    expect(watched.map((m) => m.id)).toEqual(ids);
    console.info(
      `resend (ChatClient): ${texts.length} messages, ${transmitted.length} transmissions, ` +
        `${resent.length} sent more than once, stored twice 0`,
    );

    client.close();
    await reader.close();
    await w.close();
  });

  it('takes in a message made while away and changed since, which catching up pages after newer ones, once and in id order', async () => {
    const room = uniqueRoom('paged-late');
    const writer = await newUser('Wyn');
    const w = await openSocket(server.origin, room, writer.token);
    await w.nextOf('welcome');
    const gate = new Gate();
    const tracked = trackedWebSocket();
    const reader = await newUser('Rae');
    const client = new ChatClient({
      url: server.origin,
      room,
      token: async () => (await gate.pass(), reader.token),
      WebSocket: tracked.WebSocket,
      firstDelayMs: 20,
    });
    const seen: ChatMessage[] = [];
    const updated: number[] = [];
    const placements: string[] = [];
    client.addEventListener('message', (event) => seen.push(event.detail));
    client.addEventListener('update', (event) => updated.push(event.detail.message.id));
    client.addEventListener('messages', (event) => placements.push(event.detail.placement));
    await nextEvent(client, 'status', { where: (status) => status === 'open' });
    gate.shut();
    tracked.current().terminate();

    // Away: message `first`, 120 more, then `first` edited, so its change is the latest.
    w.send({ type: 'message', text: 'first' });
    const first = await w.nextOf('message');
    for (let i = 0; i < 120; i++) w.send({ type: 'message', text: `later ${i}` });
    for (let i = 0; i < 120; i++) await w.nextOf('message');
    w.send({ type: 'edit', id: first.id, text: 'first, edited' });
    const edit = await w.nextOf('update');
    const welcome = nextEvent(client, 'welcome');
    gate.open();
    // The welcome holds the first 100 changes: `first` is not among them, but newer ones are.
    expect((await welcome).messages.map((m) => m.id)).not.toContain(first.id);
    await pollUntil(() => seen.length === 121, 10_000, 10);

    expect(seen.map((m) => m.id)).toEqual(range(first.id, first.id + 120));
    expect(seen[0]).toEqual(edit.message);
    expect(updated).toEqual([]);
    expect(placements).toEqual(['newer']);
    expect(client.position).toBe(edit.message.seq);
    client.close();
    await w.close();
  });

  it('pages back with loadOlder() through every message exactly once, oldest last', async () => {
    const room = uniqueRoom('older');
    const author = await newUser('Olga');
    const s = await openSocket(server.origin, room, author.token);
    await s.nextOf('welcome');
    for (let i = 1; i <= 130; i++) s.send({ type: 'message', text: `old ${i}` });
    for (let i = 1; i <= 130; i++) await s.nextOf('message');

    const { token } = await newUser('Reader');
    const client = new ChatClient({ url: server.origin, room, token, WebSocket });
    const batches: { placement: string; ids: number[] }[] = [];
    client.addEventListener('messages', (event) =>
      batches.push({
        placement: event.detail.placement,
        ids: event.detail.messages.map((m) => m.id),
      }),
    );
    await nextEvent(client, 'status', { where: (status) => status === 'open' });
    expect(client.hasOlder).toBe(true);
    while (client.hasOlder) {
      expect(client.loadOlder()).toBe(true);
      // One page at a time: a second request while one is on its way is refused.
      expect(client.loadOlder()).toBe(false);
      await nextEvent(client, 'messages', { where: (batch) => batch.placement === 'older' });
    }
    expect(client.loadOlder()).toBe(false);
    const [first, ...older] = batches;
    expect(first?.placement).toBe('join');
    expect(first?.ids).toHaveLength(50);
    expect(older.map((batch) => batch.ids.length)).toEqual([50, 30]);
    const all = [...older]
      .reverse()
      .flatMap((batch) => batch.ids)
      .concat(first?.ids ?? []);
    expect(all).toHaveLength(130);
    expect(new Set(all).size).toBe(130);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    client.close();
    await s.close();
  });

  it('reports a gap when messages are pruned while it is catching up, and goes on from what is kept', async () => {
    const room = uniqueRoom('pruned-page');
    const writer = await newUser('Wyn');
    const w = await openSocket(server.origin, room, writer.token);
    await w.nextOf('welcome');
    const write = async (count: number) => {
      for (let i = 0; i < count; i++) w.send({ type: 'message', text: `m${i}` });
      for (let i = 0; i < count; i++) await w.nextOf('message');
    };
    await write(2);

    // While `holding`, the client's history requests wait here until the test lets them go.
    let holding = false;
    const held: (() => void)[] = [];
    const sockets: WebSocket[] = [];
    class HoldingWebSocket extends WebSocket {
      constructor(address: string) {
        super(address);
        sockets.push(this);
      }
      override send(data: string): void {
        if (holding && data.includes('"type":"history"')) held.push(() => super.send(data));
        else super.send(data);
      }
    }
    const gate = new Gate();
    const reader = await newUser('Rae');
    const client = new ChatClient({
      url: server.origin,
      room,
      token: async () => (await gate.pass(), reader.token),
      WebSocket: HoldingWebSocket,
      firstDelayMs: 20,
    });
    const seen: number[] = [];
    const gaps: number[] = [];
    client.addEventListener('message', (event) => seen.push(event.detail.id));
    client.addEventListener('gap', (event) => gaps.push(event.detail.after));
    await nextEvent(client, 'status', { where: (status) => status === 'open' });
    expect(seen).toEqual([1, 2]);

    // Away while 150 more are written: all of them kept, more than a welcome's page of 100.
    gate.shut();
    sockets.at(-1)?.terminate();
    await write(150);
    holding = true;
    const welcome = nextEvent(client, 'welcome');
    gate.open();
    expect(await welcome).toMatchObject({ hasMore: true });
    expect(await pollUntil(() => held.length === 1, 10_000, 10)).toBe(true);
    // Its request for the rest waits while 300 more push everything up to id 202 out.
    await write(300);
    holding = false;
    held.shift()?.();
    await pollUntil(() => seen.at(-1) === 452, 15_000);
    expect(gaps).toEqual([102]);
    expect(seen).toEqual([1, 2, ...range(3, 102), ...range(203, 452)]);
    client.close();
    await w.close();
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
