// The client library (public/chat/) in Node over real TCP against `wrangler dev` with the shipped
// rate limits: what it refuses up front, the backoff it plans, the heartbeat that finds a server
// that stopped answering, the close policy, close() leaving nothing behind, send() exactly once
// across a full restart of the server, members and typing, and the gap of pruned history.
import { createHook } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChatClient,
  type ChatClientOptions,
  type ErrorFrame,
  type Status,
} from '../../public/chat/client.js';
import { GuestSession, GuestTokenError } from '../../public/chat/guest.js';
import { memoryStorage } from '../../public/chat/storage.js';
import { backoffDelay, isFinalClose } from '../../public/chat/socket.js';
import {
  Gate,
  newUser,
  nextEvent,
  openSocket,
  pollUntil,
  sleep,
  trackedWebSocket,
  uniqueRoom,
} from './client.ts';
import { startDevServer, type DevServer } from './wrangler.mjs';

const storage = mkdtempSync(join(tmpdir(), 'edge-chat-library-'));
let server: DevServer;

beforeAll(async () => {
  // A snapshot: a reload (any edit under src/ or public/) would drop every socket mid-test.
  // A short history, so that a client that was away long enough meets pruned messages.
  server = await startDevServer({
    snapshot: true,
    persistTo: storage,
    vars: { HISTORY_LIMIT: '30' },
  });
});

afterAll(async () => {
  await server?.stop();
  rmSync(storage, { recursive: true, force: true });
});

/** A ChatClient on the test server with `ws`; options override. */
function client(
  room: string,
  token: ChatClientOptions['token'],
  options: Partial<ChatClientOptions> = {},
) {
  return new ChatClient({ url: server.origin, room, token, WebSocket, ...options });
}

const opened = (chat: ChatClient) =>
  nextEvent(chat, 'status', { where: (status) => status === 'open', timeoutMs: 20_000 });

describe('ChatClient refuses bad input up front', () => {
  const token = 'any';
  it.each([
    ['a room name with a space', { room: 'my room' }, /not a valid room name/],
    ['an empty room name', { room: '' }, /not a valid room name/],
    ['a URL that is not one', { url: 'chat.example.com' }, /not a URL/],
    [
      'a URL of another scheme',
      { url: 'ftp://chat.example.com' },
      /not an http\(s\) or ws\(s\) URL/,
    ],
    ['a token that is neither a string nor a function', { token: 42 }, /token must be a string/],
    [
      'no WebSocket where none is global (Node 20)',
      { WebSocket: undefined },
      /no global WebSocket/,
    ],
  ])('throws a TypeError for %s', (_label, override, message) => {
    const options = { url: 'http://127.0.0.1:1', room: 'lobby', token, WebSocket, ...override };
    // @ts-expect-error: the point is input the types don't allow
    expect(() => new ChatClient(options)).toThrow(message);
  });

  it('rejects text the room would refuse as empty or too long, without queuing it', async () => {
    const chat = client(uniqueRoom('refuse'), token, { url: 'http://127.0.0.1:1' });
    await expect(chat.send('  \n ')).rejects.toEqual({
      type: 'error',
      code: 'empty',
      message: 'text is empty',
    });
    await expect(chat.send('x'.repeat(2001))).rejects.toMatchObject({ code: 'too_long' });
    // @ts-expect-error: not a string
    await expect(chat.send(7)).rejects.toThrow(TypeError);
    expect(chat.pending).toEqual([]);
    chat.close();
    await expect(chat.send('too late')).rejects.toThrow(/closed/);
  });
});

describe('the reconnecting socket', () => {
  it('calls 1008, 1009 and 4000–4999 final and retries anything else', () => {
    const final = [1008, 1009, 4000, 4001, 4999];
    const retried = [1000, 1001, 1005, 1006, 1011, 1012, 3000, 3999, 5000];
    expect(final.map(isFinalClose)).toEqual(final.map(() => true));
    expect(retried.map(isFinalClose)).toEqual(retried.map(() => false));
  });

  it('plans its retries 1 s doubling to 30 s, jittered within [cap/2, cap], and starts over after a stable connection', async () => {
    const room = uniqueRoom('backoff');
    const { token } = await newUser('Bea');
    let valid = false;
    // Before `valid`, every attempt is refused by the real upgrade route (401: a bad token).
    const chosen = [1, 0, 0.5, 1, 1, 0, 1, 1];
    let draws = 0;
    const chat = client(room, () => (valid ? token : 'not-a-token'), {
      random: () => chosen[draws++ % chosen.length] ?? 1,
      stableAfterMs: 400,
    });
    const planned: number[] = [];
    const codes: number[] = [];
    chat.addEventListener('disconnect', (event) => codes.push(event.detail.code));
    // Reading the plan is enough: each wait is skipped, so no test waits for real. Refused
    // attempts come back within milliseconds, so the skipping stops at eight: a poll for exactly
    // eight could otherwise miss it between two looks and leave the client retrying for good.
    chat.addEventListener('retry', (event) => {
      planned.push(event.detail.delayMs);
      if (valid || planned.length < 8) setTimeout(() => chat.reconnectNow(), 0);
    });
    try {
      await backoffScenario();
    } finally {
      chat.close();
    }

    async function backoffScenario() {
      await pollUntil(() => planned.length >= 8, 20_000, 10);
      const caps = [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000];
      expect(planned).toEqual(caps.map((cap, i) => cap / 2 + ((chosen[i] ?? 1) * cap) / 2));
      expect(planned).toEqual([1000, 1000, 3000, 8000, 16000, 15000, 30000, 30000]);
      // Every failure was the server's refusal of the upgrade, which a WebSocket sees as 1006.
      expect(new Set(codes)).toEqual(new Set([1006]));

      valid = true;
      chat.reconnectNow();
      await pollUntil(() => chat.status === 'open', 20_000, 10);
      const before = planned.length;
      // Lost again before it was stable: the backoff goes on from where it was.
      chat.interrupt();
      await pollUntil(() => chat.status === 'open' && planned.length > before, 20_000, 10);
      expect(planned.at(-1)).toBeGreaterThanOrEqual(15_000);
      // Open long enough to count as stable: the next loss waits the first delay again.
      await sleep(600);
      chat.interrupt();
      await pollUntil(() => planned.length === before + 2, 5_000, 10);
      expect(planned.at(-1)).toBeLessThanOrEqual(1000);
    }
    // The same function the socket uses, at its edges.
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(40, () => 1)).toBe(30_000);
  });

  it('finds a server that stopped answering heartbeats, leaves it and reconnects once it answers again', async () => {
    const room = uniqueRoom('frozen');
    const ann = await newUser('Ann');
    const chat = client(room, ann.token, {
      heartbeatIntervalMs: 200,
      pongTimeoutMs: 600,
      connectTimeoutMs: 1_000,
      firstDelayMs: 200,
      maxDelayMs: 800,
    });
    const reasons: string[] = [];
    chat.addEventListener('disconnect', (event) => reasons.push(event.detail.reason));
    await opened(chat);
    const pid = server.pid();
    if (pid === undefined) throw new Error('no dev server process');
    // The whole process group: wrangler and the workerd it runs stop answering anything, while
    // the kernel keeps the TCP connection open, as a hung server (or a dead NAT entry) would.
    process.kill(-pid, 'SIGSTOP');
    try {
      await nextEvent(chat, 'status', { where: (status) => status === 'reconnecting' });
      expect(reasons).toEqual(['no answer to the heartbeat']);
      // Attempts while it is frozen reach a listening port that never answers the upgrade.
      await pollUntil(() => reasons.includes('no answer to the upgrade'), 10_000, 50);
    } finally {
      process.kill(-pid, 'SIGCONT');
    }
    await opened(chat);
    const stored = await chat.send('back again');
    expect(stored).toMatchObject({ text: 'back again', user: ann.user });
    chat.close();
  });

  it('stops for good on a final close (1008 after too many rate-limit refusals) and does not reconnect', async () => {
    const room = uniqueRoom('final');
    const { token } = await newUser('Flo');
    const tracked = trackedWebSocket();
    const chat = client(room, token, { WebSocket: tracked.WebSocket, firstDelayMs: 20 });
    await opened(chat);
    const disconnect = nextEvent(chat, 'disconnect');
    const closed = nextEvent(chat, 'status', { where: (status) => status === 'closed' });
    // Raw frames past the client, on its own connection: each costs a token, most are refused.
    for (let i = 0; i < 70; i++) tracked.current().send('not json');
    expect(await disconnect).toMatchObject({ code: 1008, final: true });
    await closed;
    await sleep(500);
    expect(tracked.sockets).toHaveLength(1);
    expect(chat.status).toBe('closed');
  });
});

describe('close()', () => {
  /**
   * Watches the timers and TCP sockets the library (and the ws package under it) creates from now
   * on; `alive()` lists those not yet cleared, fired or closed, with where each was created.
   */
  function watchResources(): { alive(): string[]; stop(): void } {
    const created = new Map<number, string>();
    const hook = createHook({
      init(id, type) {
        if (type !== 'Timeout' && type !== 'TCPWRAP') return;
        // The library's own, and the ws package's (the sockets, and its timers of a closing one).
        const frame = new Error().stack
          ?.split('\n')
          .find((line) => line.includes('/public/chat/') || line.includes('/node_modules/ws/'));
        if (frame) created.set(id, `${type} ${frame.trim()}`);
      },
      destroy(id) {
        created.delete(id);
      },
    }).enable();
    return { alive: () => [...created.values()], stop: () => void hook.disable() };
  }

  it('leaves no socket, timer or reconnect behind, whether open, waiting to retry or fetching a token', async () => {
    const room = uniqueRoom('close');
    const ann = await newUser('Ann');
    const watcher = await openSocket(server.origin, room, ann.token);
    await watcher.nextOf('welcome');
    const watch = watchResources();
    const bob = await newUser('Bob');
    const tracked = trackedWebSocket();

    // Open, with a heartbeat and a stability timer running.
    const open = client(room, bob.token, { WebSocket: tracked.WebSocket, firstDelayMs: 20 });
    await opened(open);
    await watcher.nextOf('join');
    const statuses: Status[] = [];
    open.addEventListener('status', (event) => statuses.push(event.detail));
    open.close();
    expect(statuses).toEqual(['closed']);
    expect((await watcher.nextOf('leave')).user).toEqual(bob.user);

    // Waiting for a retry after a refused attempt.
    const waiting = client(room, 'not-a-token', { WebSocket: tracked.WebSocket });
    await nextEvent(waiting, 'retry');
    waiting.close();

    // Still fetching its token when closed: no socket may follow.
    const gate = new Gate();
    gate.shut();
    const fetching = client(room, async () => (await gate.pass(), bob.token), {
      WebSocket: tracked.WebSocket,
    });
    await nextEvent(fetching, 'status', { where: (status) => status === 'connecting' });
    fetching.close();
    gate.open();

    const sockets = tracked.sockets.length;
    await expect.poll(() => watch.alive(), { timeout: 5_000 }).toEqual([]);
    // Long past any retry they could have planned: nothing came back.
    await sleep(1_500);
    expect(tracked.sockets).toHaveLength(sockets);
    expect(await watcher.silentFor(200)).toBe(true);
    expect(watch.alive()).toEqual([]);
    watch.stop();
    for (const chat of [open, waiting, fetching]) expect(chat.status).toBe('closed');
    await watcher.close();
  });

  it('rejects sends still waiting and keeps them in the storage for the next client', async () => {
    const room = uniqueRoom('close-pending');
    const gate = new Gate();
    gate.shut();
    const { token, user } = await newUser('Pat');
    const kept = memoryStorage();
    const first = client(room, async () => (await gate.pass(), token), { storage: kept });
    const pending = first.send('written before the connection');
    first.close();
    await expect(pending).rejects.toThrow(/closed before the message was acknowledged/);
    gate.open();

    // The next client with the same storage sends it, once.
    const second = client(room, token, { storage: kept });
    const sent = await nextEvent(second, 'sent');
    expect(sent.message).toMatchObject({ text: 'written before the connection', user });
    expect(second.pending).toEqual([]);
    second.close();
  });
});

describe('send()', () => {
  it('resolves exactly once per message across a full restart of wrangler dev with the same storage', async () => {
    const room = uniqueRoom('restart');
    const ann = await newUser('Ann');
    const chat = client(room, ann.token, { firstDelayMs: 100, maxDelayMs: 500 });
    const sent: string[] = [];
    const rateLimited: string[] = [];
    chat.addEventListener('sent', (event) => sent.push(event.detail.clientId));
    chat.addEventListener('error', (event) => {
      if (event.detail.code === 'rate_limited' && event.detail.clientId)
        rateLimited.push(event.detail.clientId);
    });
    await opened(chat);
    const texts = Array.from({ length: 24 }, (_, i) => `written ${i}`);
    const resolutions = new Map<string, number>();
    const sends = texts.map((text) =>
      chat.send(text).then((message) => {
        resolutions.set(text, (resolutions.get(text) ?? 0) + 1);
        return message;
      }),
    );
    await pollUntil(() => sent.length >= 3, 10_000, 5);
    const pidBefore = server.pid();
    await server.restart();
    expect(server.pid()).not.toBe(pidBefore);
    const stored = await Promise.all(sends);

    expect(stored.map((message) => message.text)).toEqual(texts);
    expect([...resolutions.values()]).toEqual(texts.map(() => 1));
    expect(new Set(sent).size).toBe(texts.length);
    expect(sent).toHaveLength(texts.length);
    const ids = stored.map((message) => message.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // The room's bucket (burst 10, 2 a second) refused some: they waited and went again, in order.
    expect(rateLimited.length).toBeGreaterThan(0);
    const reader = await openSocket(server.origin, room, (await newUser('Rex')).token);
    const welcome = await reader.nextOf('welcome');
    expect(welcome.messages.map((m) => [m.clientId, m.id])).toEqual(
      stored.map((m) => [m.clientId, m.id]),
    );
    await reader.close();
    chat.close();
  });
});

describe('changes to messages', () => {
  it('applies edits and deletes as updates, live and on resume, in the room’s order, its position at the latest change', async () => {
    const room = uniqueRoom('changes');
    const writer = await newUser('Wyn');
    const w = await openSocket(server.origin, room, writer.token);
    await w.nextOf('welcome');
    const ids: number[] = [];
    for (const text of ['one', 'two', 'three']) {
      w.send({ type: 'message', text });
      ids.push((await w.nextOf('message')).id);
    }
    const [one, two, three] = ids;
    const gate = new Gate();
    const tracked = trackedWebSocket();
    const chat = client(
      room,
      async () => (await gate.pass(), (await newUser('Rae', 'rae')).token),
      {
        WebSocket: tracked.WebSocket,
        firstDelayMs: 20,
      },
    );
    const messages: string[] = [];
    const updates: string[] = [];
    chat.addEventListener('message', (event) => messages.push(event.detail.text));
    chat.addEventListener('update', (event) => {
      const { id, text, deleted } = event.detail.message;
      updates.push(`${id}:${deleted ? 'deleted' : text}`);
    });
    await opened(chat);
    expect(messages).toEqual(['one', 'two', 'three']);

    // Live: an edit comes as an update, and the position is its change number.
    const edited = nextEvent(chat, 'update');
    w.send({ type: 'edit', id: one, text: 'one, edited' });
    const edit = await w.nextOf('update');
    expect((await edited).message).toEqual(edit.message);
    expect(chat.position).toBe(edit.message.seq);

    // Away, two changes and a new message: on resume, each comes once, as what it is.
    gate.shut();
    tracked.current().terminate();
    w.send({ type: 'edit', id: two, text: 'two, edited' });
    await w.nextOf('update');
    w.send({ type: 'message', text: 'four' });
    await w.nextOf('message');
    w.send({ type: 'delete', id: three });
    const last = await w.nextOf('update');
    const resumed = nextEvent(chat, 'welcome');
    gate.open();
    await resumed;
    expect(new URL(tracked.current().url).searchParams.get('after')).toBe(String(edit.message.seq));
    await pollUntil(() => updates.length === 3, 5_000, 10);
    expect(messages).toEqual(['one', 'two', 'three', 'four']);
    expect(updates).toEqual([`${one}:one, edited`, `${two}:two, edited`, `${three}:deleted`]);
    expect(chat.position).toBe(last.message.seq);
    chat.close();
    await w.close();
  });
});

describe('send() refused for good', () => {
  it('rejects with the error frame, keeps the item as failed, and sends the next one', async () => {
    const room = uniqueRoom('refused');
    const { token } = await newUser('Bel');
    const chat = client(room, token);
    const failed = nextEvent(chat, 'failed');
    const refused = chat.send('bell \u0007 rings');
    const next = chat.send('the next one');
    const error = await refused.catch((reason: unknown) => reason);
    expect(error).toEqual({
      type: 'error',
      code: 'bad_frame',
      message: 'text contains control characters',
      clientId: expect.any(String),
    });
    expect((await failed).item).toMatchObject({
      text: 'bell \u0007 rings',
      error: 'text contains control characters',
    });
    // Stop-and-wait goes on past a message refused for good.
    expect((await next).text).toBe('the next one');
    const [item] = chat.pending;
    expect(chat.pending).toHaveLength(1);
    expect(item).toMatchObject({
      text: 'bell \u0007 rings',
      error: 'text contains control characters',
    });

    // Retry sends it again (refused again); discard forgets it.
    const again = nextEvent(chat, 'failed');
    chat.retry(item?.clientId ?? '');
    expect(chat.pending[0]?.error).toBeUndefined();
    expect((await again).error.code).toBe('bad_frame');
    chat.discard(item?.clientId ?? '');
    expect(chat.pending).toEqual([]);
    chat.close();
  });
});

describe('requests refused for rate', () => {
  it('go again after the wait the room names, and settle with the answer: a search, an edit', async () => {
    const room = uniqueRoom('rate');
    const ann = await newUser('Ann');
    const chat = client(room, ann.token);
    await opened(chat);
    const own = await chat.send('hello there');
    const refusals: ErrorFrame[] = [];
    chat.addEventListener('error', (event) => refusals.push(event.detail));
    // Another tab of Ann's empties the bucket the two share (burst 10, 2 a second).
    const tab = await openSocket(server.origin, room, ann.token);
    await tab.nextOf('welcome');
    const drain = async () => {
      for (let i = 0; i < 12; i++) tab.send('{ "type": "ping" }');
      for (let i = 0; i < 12; i++) await tab.next();
    };
    const rateLimited = () => refusals.filter((e) => e.code === 'rate_limited');

    await drain();
    const found = await chat.search('hello');
    expect(found.messages).toEqual([own]);
    // The refusal names no frame: it was the search's, the only request out.
    expect(rateLimited()).toEqual([
      {
        type: 'error',
        code: 'rate_limited',
        message: 'slow down',
        retryAfterMs: expect.any(Number),
      },
    ]);
    await drain();
    const edited = await chat.edit(own.id, 'hello again');
    expect(edited).toMatchObject({ id: own.id, text: 'hello again' });
    // A change's rate refusal names it.
    expect(rateLimited()[1]).toMatchObject({ code: 'rate_limited', id: own.id });
    expect(rateLimited()).toHaveLength(2);
    chat.close();
    await tab.close();
  });
});

describe('the room as ChatClient sees it', () => {
  it('keeps the member list and count from welcome, join and leave, and relays typing, throttled', async () => {
    const room = uniqueRoom('members');
    const ann = await newUser('Ann');
    const bob = await newUser('Bob');
    const a = client(room, ann.token);
    await opened(a);
    expect(a.members).toEqual([ann.user]);
    expect(a.memberCount).toBe(1);
    expect(a.user).toEqual(ann.user);

    const joined = nextEvent(a, 'join');
    const b = client(room, bob.token);
    await opened(b);
    expect((await joined).user).toEqual(bob.user);
    expect(a.members).toEqual([ann.user, bob.user]);
    expect(a.memberCount).toBe(2);

    const typing = nextEvent(a, 'typing');
    expect(b.typing()).toBe(true);
    expect(b.typing()).toBe(false);
    expect((await typing).user).toEqual(bob.user);

    const left = nextEvent(a, 'members', { where: ({ count }) => count === 1 });
    b.close();
    expect((await left).members).toEqual([ann.user]);
    expect(a.memberCount).toBe(1);
    a.close();
  });

  it('reports a gap when messages after its position were pruned while it was away', async () => {
    const room = uniqueRoom('gap');
    const reader = await newUser('Rae');
    const names = ['W1', 'W2', 'W3', 'W4'];
    const writers = await Promise.all(names.map((name) => newUser(name)));
    const first = await openSocket(server.origin, room, (await newUser('Seed')).token);
    await first.nextOf('welcome');
    for (const text of ['one', 'two']) {
      first.send({ type: 'message', text });
      await first.nextOf('message');
    }
    await first.close();

    const gate = new Gate();
    const tracked = trackedWebSocket();
    const chat = client(room, async () => (await gate.pass(), reader.token), {
      WebSocket: tracked.WebSocket,
      firstDelayMs: 20,
    });
    const seen: string[] = [];
    chat.addEventListener('message', (event) => seen.push(event.detail.text));
    await opened(chat);
    expect(seen).toEqual(['one', 'two']);
    gate.shut();
    tracked.current().terminate();
    // 40 more while it is away, each writer within its burst: the room keeps the latest 30.
    for (const writer of writers) {
      const socket = await openSocket(server.origin, room, writer.token);
      await socket.nextOf('welcome');
      for (let i = 0; i < 10; i++)
        socket.send({ type: 'message', text: `${writer.user.name} ${i}` });
      for (let i = 0; i < 10; i++) await socket.nextOf('message');
      await socket.close();
    }
    const gap = nextEvent(chat, 'gap');
    gate.open();
    expect(await gap).toEqual({ after: 2 });
    await pollUntil(() => seen.length === 32, 10_000);
    const written = names.flatMap((name) => Array.from({ length: 10 }, (_, i) => `${name} ${i}`));
    expect(seen).toEqual(['one', 'two', ...written.slice(10)]);
    chat.close();
  });
});

describe('GuestSession', () => {
  /** The global fetch, counting POST /api/token by whether a refresh token went along. */
  function countingFetch(into: string[]): typeof fetch {
    return (input, init) => {
      const headers = new Headers(init?.headers);
      into.push(headers.has('Authorization') ? 'refresh' : 'new');
      return fetch(input, init);
    };
  }

  it('keeps one guest across connections by its refresh token, which stays in its storage and out of every URL', async () => {
    const room = uniqueRoom('guest');
    const kept = memoryStorage();
    const posts: string[] = [];
    const guest = new GuestSession({
      url: server.origin,
      name: 'Gus',
      storage: kept,
      fetch: countingFetch(posts),
    });
    expect(guest.user).toBeNull();
    const first = await guest.signIn();
    expect(first.user.name).toBe('Gus');
    expect(guest.user).toEqual(first.user);
    const refreshTokens = [kept.getItem('edgechat:refresh')];
    const tracked = trackedWebSocket();
    const chat = client(room, guest.token, { WebSocket: tracked.WebSocket, firstDelayMs: 20 });
    await opened(chat);
    // The first connection takes the token signIn() fetched: no second request for it.
    expect(posts).toEqual(['new']);
    expect(chat.user).toEqual(first.user);

    const reconnected = nextEvent(chat, 'welcome');
    chat.interrupt();
    expect((await reconnected).user).toEqual(first.user);
    expect(posts).toEqual(['new', 'refresh']);
    refreshTokens.push(kept.getItem('edgechat:refresh'));
    // Refreshing rotates the refresh token (each carries its own jti).
    expect(new Set(refreshTokens).size).toBe(2);
    for (const token of refreshTokens) {
      expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      for (const socket of tracked.sockets) expect(socket.url).not.toContain(token);
    }
    chat.close();

    // Another session over the same storage (a second tab, a restarted bot) is the same guest.
    const again = new GuestSession({ url: server.origin, name: 'Gus again', storage: kept });
    expect((await again.signIn()).user).toEqual({ id: first.user.id, name: 'Gus again' });
  });

  it('gets a new guest, once, for a stored token that is no refresh token (an old page’s access token)', async () => {
    const kept = memoryStorage();
    const old = await new GuestSession({ url: server.origin, name: 'Old' }).signIn();
    // What an old page kept: the access token, which no longer renews anything.
    kept.setItem('edgechat:refresh', old.token);
    const guest = new GuestSession({ url: server.origin, name: 'Old', storage: kept });
    const fresh = await guest.signIn();
    expect(fresh.user.id).not.toBe(old.user.id);
    expect(kept.getItem('edgechat:refresh')).not.toBe(old.token);
    // From then on the new guest is kept.
    expect((await guest.signIn()).user.id).toBe(fresh.user.id);
  });

  it.each([
    ['a name with a bidi override', 'bad\u202Ename', 400, /control or invisible/],
    ['an empty name', '   ', 400, /empty/],
    ['a 33-character name', 'n'.repeat(33), 400, /longer than 32/],
  ])(
    'refuses %s with the server’s reason and stores nothing',
    async (_label, name, status, reason) => {
      const kept = memoryStorage();
      const guest = new GuestSession({ url: server.origin, name, storage: kept });
      const refusal = await guest.signIn().catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(GuestTokenError);
      expect(refusal).toMatchObject({ status, reason: expect.stringMatching(reason) });
      expect(kept.getItem('edgechat:refresh')).toBeNull();
      expect(guest.user).toBeNull();
    },
  );

  it('fails with status 0 when the server can’t be reached, which a client reports and retries', async () => {
    const guest = new GuestSession({ url: 'http://127.0.0.1:9', name: 'Nobody', timeoutMs: 2_000 });
    await expect(guest.signIn()).rejects.toMatchObject({ name: 'GuestTokenError', status: 0 });
    const chat = client(uniqueRoom('unreachable'), guest.token);
    const failure = nextEvent(chat, 'failure');
    const retry = nextEvent(chat, 'retry');
    expect((await failure).error).toBeInstanceOf(GuestTokenError);
    expect((await retry).failures).toBe(1);
    chat.close();
  });
});

describe('the README’s Node bot (examples/bot.mjs)', () => {
  it('joins as a guest through the package’s exports, answers "!ping" once, and exits by itself when told to stop', async () => {
    const room = uniqueRoom('bot');
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const bot = spawn(process.execPath, ['examples/bot.mjs', server.origin, room], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    bot.stdout.on('data', (chunk) => (output += chunk));
    bot.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => bot.once('exit', resolve));
    try {
      expect(await pollUntil(() => output.includes('status: open'), 20_000)).toBe(true);
      expect(output).toContain(`in #${room} as ping bot`);
      const pat = await newUser('Pat');
      const socket = await openSocket(server.origin, room, pat.token);
      await socket.nextOf('welcome');
      socket.send({ type: 'message', text: 'hello bot' });
      socket.send({ type: 'message', text: '!ping' });
      const ping = await socket.nextOf('message');
      const answer = await socket.nextOf('message', 10_000);
      const pong = answer.text === '!ping' ? await socket.nextOf('message', 10_000) : answer;
      expect(pong).toMatchObject({ text: 'pong, Pat', user: { name: 'ping bot' } });
      expect(ping.text).toBe('hello bot');
      // Only that one answer: the bot's own message and "hello bot" get none.
      expect(await socket.silentFor(1_000)).toBe(true);
      expect(output).toMatch(/answered #\d+ with #\d+/);
      await socket.close();
      bot.kill('SIGTERM');
      expect(await Promise.race([exited, sleep(10_000).then(() => 'still running')])).toBe(0);
    } finally {
      bot.kill('SIGKILL');
    }
  });

  it('is the code the README shows', () => {
    const root = new URL('../..', import.meta.url);
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const bot = readFileSync(new URL('examples/bot.mjs', root), 'utf8');
    expect(readme).toContain(`\`\`\`js\n${bot}\`\`\``);
  });
});

// Last in this file: it replaces the server with one on the same port over empty storage.
describe('a room whose storage was reset', () => {
  it('makes the client start over: it forgets its position and what it saw, and takes the room as a fresh join', async () => {
    const room = uniqueRoom('reset');
    const reader = await newUser('Rae');
    const writer = await newUser('Wen');
    const say = async (texts: string[]) => {
      const socket = await openSocket(server.origin, room, writer.token);
      await socket.nextOf('welcome');
      for (const text of texts) {
        socket.send({ type: 'message', text });
        await socket.nextOf('message');
      }
      await socket.close();
    };
    await say(['old 1', 'old 2', 'old 3']);
    const gate = new Gate();
    const tracked = trackedWebSocket();
    const chat = client(room, async () => (await gate.pass(), reader.token), {
      WebSocket: tracked.WebSocket,
      firstDelayMs: 100,
      maxDelayMs: 500,
    });
    const batches: { placement: string; texts: string[] }[] = [];
    chat.addEventListener('messages', (event) =>
      batches.push({
        placement: event.detail.placement,
        texts: event.detail.messages.map((m) => m.text),
      }),
    );
    await opened(chat);
    expect(chat.position).toBe(3);

    // The same port over empty storage: to the client, the room's storage was wiped under it.
    gate.shut();
    const { port } = server;
    await server.stop();
    const fresh = mkdtempSync(join(tmpdir(), 'edge-chat-library-reset-'));
    try {
      server = await startDevServer({ snapshot: true, port, persistTo: fresh });
      await say(['new 1']);
      const reset = nextEvent(chat, 'reset');
      const joined = nextEvent(chat, 'messages', { where: (batch) => batch.placement === 'join' });
      gate.open();
      // It asked to resume after 3; the room's latest change is 1.
      expect(await reset).toMatchObject({ seq: 1, messages: [] });
      expect(new URL(tracked.current().url).searchParams.get('after')).toBe('3');
      expect((await joined).messages.map((m) => [m.id, m.text])).toEqual([[1, 'new 1']]);
      expect(chat.position).toBe(1);
      expect(chat.hasOlder).toBe(false);

      // From here on it is an ordinary member of the new room: live messages, then a resume from there.
      const live = nextEvent(chat, 'message', { where: (m) => m.text === 'new 2' });
      await say(['new 2']);
      expect((await live).id).toBe(2);
      tracked.current().terminate();
      await nextEvent(chat, 'welcome', { timeoutMs: 10_000 });
      expect(new URL(tracked.current().url).searchParams.get('after')).toBe('2');
      expect(batches).toEqual([
        { placement: 'join', texts: ['old 1', 'old 2', 'old 3'] },
        { placement: 'join', texts: ['new 1'] },
        { placement: 'newer', texts: ['new 2'] },
      ]);
      chat.close();
    } finally {
      await server.stop();
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
