// The page as people use it, in a real Chromium against `wrangler dev` with the shipped limits:
// two people chatting, hostile text, links, reloads, presence, typing, a phone screen, and
// axe-core plus screenshots of every view in the light and the dark scheme.
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import {
  newUser,
  openSocket,
  readJson,
  requestToken,
  TokenBodySchema,
  uniqueRoom,
} from '../e2e/client.ts';
import { startDevServer, type DevServer } from '../e2e/wrangler.mjs';
import {
  byImpact,
  confirmed,
  describeInBrowser,
  evaluate,
  inLogView,
  joinRoom,
  launchBrowser,
  loggedTexts,
  Contexts,
  runAxe,
  screenshot,
  sendMessage,
  waitConnected,
  type Violation,
} from './browser.ts';

describeInBrowser('the chat page in Chromium', () => {
  let server: DevServer;
  let browser: Browser;
  const contexts = new Contexts(() => browser);

  beforeAll(async () => {
    // A snapshot of the app: wrangler dev would otherwise reload (and drop every socket) whenever
    // someone edits src/ or public/ while the tests run.
    [server, browser] = await Promise.all([startDevServer({ snapshot: true }), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const context = (options?: BrowserContextOptions) => contexts.open(options);

  async function closeAll(): Promise<void> {
    // Nothing the pages did may have thrown or logged an error.
    expect(await contexts.closeAll()).toEqual([]);
  }

  /** Left and right edges of an element and of the log's content box, in CSS pixels. */
  async function edges(page: Page, text: string) {
    const box = await confirmed(page, text).boundingBox();
    const log = await page.locator('#log').boundingBox();
    if (!box || !log) throw new Error(`"${text}" or the log is not laid out`);
    return {
      left: box.x - log.x,
      right: log.x + log.width - (box.x + box.width),
      width: log.width,
    };
  }

  it('delivers messages both ways, showing one’s own on the right and the other’s on the left', async () => {
    const room = uniqueRoom('both-ways');
    const alice = await joinRoom(await context(), server.origin, room, 'alice');
    const bob = await joinRoom(await context(), server.origin, room, 'bob');

    await sendMessage(alice, 'hello bob');
    await confirmed(bob, 'hello bob').waitFor();
    await sendMessage(bob, 'hi alice');
    await confirmed(alice, 'hi alice').waitFor();

    for (const [page, own, other] of [
      [alice, 'hello bob', 'hi alice'],
      [bob, 'hi alice', 'hello bob'],
    ] as const) {
      expect(await loggedTexts(page)).toEqual(['hello bob', 'hi alice']);
      await expect.poll(() => confirmed(page, own).getAttribute('class')).toContain('own');
      expect(await confirmed(page, other).getAttribute('class')).not.toContain('own');
      const mine = await edges(page, own);
      const theirs = await edges(page, other);
      // Flush against opposite sides of the log (within its padding and a scrollbar).
      expect(mine.right).toBeLessThan(40);
      expect(mine.left).toBeGreaterThan(mine.width / 3);
      expect(theirs.left).toBeLessThan(40);
      expect(theirs.right).toBeGreaterThan(theirs.width / 3);
      expect(await page.locator('#outbox .message').count()).toBe(0);
    }
    // A visible tab counts nothing as unread.
    expect(await alice.title()).toBe(`#${room} – edge chat`);
    await closeAll();
  });

  it('lists each person once and updates the list live as people come and go', async () => {
    const room = uniqueRoom('members');
    const alice = await joinRoom(await context(), server.origin, room, 'alice');
    await expect
      .poll(() => alice.locator('#members li[data-user-id]').allTextContents())
      .toEqual(['alice (you)']);
    await expect.poll(() => alice.locator('#member-count').textContent()).toBe('1 online');

    const bobContext = await context();
    const bob = await joinRoom(bobContext, server.origin, room, 'bob');
    await expect
      .poll(() => alice.locator('#members li[data-user-id]').allTextContents())
      .toEqual(['alice (you)', 'bob']);
    await expect.poll(() => alice.locator('#member-count').textContent()).toBe('2 online');
    await expect
      .poll(() => bob.locator('#members li[data-user-id]').allTextContents())
      .toEqual(['alice', 'bob (you)']);

    // A second tab of bob's: the same person (the stored token keeps his id), so still two entries.
    const bobAgain = await bobContext.newPage();
    await bobAgain.goto(`${server.origin}/room/${room}`);
    expect(await bobAgain.locator('#name').inputValue()).toBe('bob');
    await bobAgain.locator('#join').click();
    await bobAgain.locator('#status[data-state="connected"]').waitFor();
    await expect
      .poll(() => bobAgain.locator('#members li[data-user-id]').allTextContents())
      .toEqual(['alice', 'bob (you)']);
    expect(await alice.locator('#members li[data-user-id]').count()).toBe(2);
    expect(await alice.locator('#member-count').textContent()).toBe('2 online');

    await bob.close();
    await sendMessage(alice, 'still here?');
    await confirmed(bobAgain, 'still here?').waitFor();
    expect(await alice.locator('#members li[data-user-id]').allTextContents()).toEqual([
      'alice (you)',
      'bob',
    ]);

    await bobAgain.close();
    await expect
      .poll(() => alice.locator('#members li[data-user-id]').allTextContents())
      .toEqual(['alice (you)']);
    await expect.poll(() => alice.locator('#member-count').textContent()).toBe('1 online');
    // One join and one leave notice: bob's second tab was no new arrival.
    expect(await alice.locator('#log .notice').allTextContents()).toEqual([
      'bob joined',
      'bob left',
    ]);
    await closeAll();
  });

  it('shows hostile markup in messages and names as text and never runs it', async () => {
    const room = uniqueRoom('hostile');
    const dialogs: string[] = [];
    const alice = await joinRoom(await context(), server.origin, room, 'alice');
    const mallory = await joinRoom(
      await context(),
      server.origin,
      room,
      '<img src=x onerror=alert(2)>',
    );
    for (const page of [alice, mallory])
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
    const hostile = [
      '<img src=x onerror=alert(1)>',
      '<script>alert(1)</script>',
      '<a href="javascript:alert(3)">click</a>',
    ];
    for (const text of hostile) {
      await sendMessage(mallory, text);
      await confirmed(alice, text).waitFor();
    }

    expect(await loggedTexts(alice)).toEqual(hostile);
    for (const page of [alice, mallory]) {
      expect(await page.locator('#log img, #log script, #log a, #members img').count()).toBe(0);
    }
    expect(await alice.locator('#log .message .author').first().textContent()).toBe(
      '<img src=x onerror=alert(2)>',
    );
    expect(await alice.locator('#members li[data-user-id]').allTextContents()).toContain(
      '<img src=x onerror=alert(2)>',
    );
    expect(await alice.locator('#log .notice').first().textContent()).toBe(
      '<img src=x onerror=alert(2)> joined',
    );
    // An image error handler would have fired by the time a further round trip is done.
    await sendMessage(alice, 'done');
    await confirmed(mallory, 'done').waitFor();
    expect(dialogs).toEqual([]);
    await closeAll();
  });

  it('turns http(s) URLs into links that open with rel="noopener noreferrer", and wraps long words', async () => {
    const room = uniqueRoom('links');
    const alice = await joinRoom(await context(), server.origin, room, 'alice');
    const longWord = 'x'.repeat(400);
    const longUrl = `https://example.com/${'a'.repeat(300)}`;
    const text = `see https://example.com/path?q=1&r=2. or http://127.0.0.1/x, (or https://en.wikipedia.org/wiki/Mars_(planet)). not javascript:alert(1) ${longWord} ${longUrl}`;
    await sendMessage(alice, text);
    const message = confirmed(alice, text);
    await message.waitFor();

    const links = message.locator('a');
    // Sentence punctuation after a URL is not part of it; a bracket the URL itself opened is.
    expect(await links.allTextContents()).toEqual([
      'https://example.com/path?q=1&r=2',
      'http://127.0.0.1/x',
      'https://en.wikipedia.org/wiki/Mars_(planet)',
      longUrl,
    ]);
    for (const link of await links.all()) {
      expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
      expect(await link.getAttribute('target')).toBe('_blank');
    }
    expect(await links.first().getAttribute('href')).toBe('https://example.com/path?q=1&r=2');
    // The 400-character word and the long URL wrap inside the bubble: nothing scrolls sideways.
    const overflow = await evaluate(
      alice,
      `(() => {
      const log = document.getElementById('log');
      return { log: log.scrollWidth - log.clientWidth, page: document.documentElement.scrollWidth - document.documentElement.clientWidth };
    })()`,
      v.object({ log: v.number(), page: v.number() }),
    );
    expect(overflow).toEqual({ log: 0, page: 0 });
    await closeAll();
  });

  it('shows a message edited or deleted since in its place: its new text, or “message deleted” and nothing of its text, after a reload too', async () => {
    const room = uniqueRoom('changed');
    const alice = await joinRoom(await context(), server.origin, room, 'alice');
    const bob = await openSocket(server.origin, room, (await newUser('bob')).token);
    await bob.nextOf('welcome');
    const said = (text: string) => ({ type: 'message', text });
    bob.send(said('befor'));
    const before = await bob.nextOf('message');
    bob.send(said('after it'));
    await confirmed(alice, 'after it').waitFor();

    bob.send({ type: 'edit', id: before.id, text: 'before' });
    await confirmed(alice, 'before').waitFor();
    expect(await loggedTexts(alice)).toEqual(['before', 'after it']);
    bob.send({ type: 'delete', id: before.id });
    const gone = alice.locator(`#log .message[data-id="${before.id}"] .text.deleted`);
    await gone.waitFor();
    expect(await gone.textContent()).toBe('message deleted');
    expect(await loggedTexts(alice)).toEqual(['message deleted', 'after it']);
    expect(await alice.locator('#log').textContent()).not.toMatch(/befor/);

    await alice.reload();
    await alice.locator('#status[data-state="connected"]').waitFor();
    expect(await loggedTexts(alice)).toEqual(['message deleted', 'after it']);
    await bob.close();
    await closeAll();
  });

  it('keeps the name and shows the history after a reload, and offers the name in a new tab', async () => {
    const room = uniqueRoom('reload');
    const ctx = await context();
    const alice = await joinRoom(ctx, server.origin, room, 'Ann Example');
    await sendMessage(alice, 'first');
    await confirmed(alice, 'first').waitFor();
    await sendMessage(alice, 'second');
    await confirmed(alice, 'second').waitFor();

    await alice.reload();
    // The tab had joined, so it rejoins by itself: no join form, straight back into the room.
    await alice.locator('#status[data-state="connected"]').waitFor();
    expect(await alice.locator('#join-view').isHidden()).toBe(true);
    expect(await loggedTexts(alice)).toEqual(['first', 'second']);
    expect(await alice.locator('#log .message.own').count()).toBe(2);
    expect(await alice.locator('#log .message .author').first().textContent()).toBe('Ann Example');
    expect(await alice.locator('#members li.own').textContent()).toBe('Ann Example (you)');

    const another = await ctx.newPage();
    await another.goto(`${server.origin}/room/${room}`);
    expect(await another.locator('#join-view').isVisible()).toBe(true);
    expect(await another.locator('#name').inputValue()).toBe('Ann Example');
    await closeAll();
  });

  it('keeps a message the room refuses as failed, with the reason, Retry and Discard, and the room still works', async () => {
    const room = uniqueRoom('refused');
    const alice = await joinRoom(await context(), server.origin, room, 'alice');
    const bob = await joinRoom(await context(), server.origin, room, 'bob');
    await sendMessage(alice, 'bell \u0007 rings');
    const failed = alice.locator('#outbox .message.failed');
    await failed.waitFor();
    expect(await failed.locator('.state').textContent()).toBe(
      'Not sent: text contains control characters',
    );
    expect(await failed.locator('.text').textContent()).toBe('bell \u0007 rings');
    expect(await failed.locator('button').allTextContents()).toEqual(['Retry', 'Discard']);

    // Retry sends it again; the room refuses it again, for the same reason.
    await failed.locator('.retry').click();
    await expect
      .poll(() => alice.locator('#outbox .message.failed .state').textContent())
      .toBe('Not sent: text contains control characters');
    expect(await alice.locator('#outbox .message').count()).toBe(1);

    await alice.locator('#outbox .message.failed .discard').click();
    expect(await alice.locator('#outbox .message').count()).toBe(0);
    await expect
      .poll(() => alice.evaluate(`localStorage.getItem('edgechat:outbox:${room}')`))
      .toBeNull();
    await sendMessage(alice, 'fine now');
    await confirmed(bob, 'fine now').waitFor();
    // Nothing of the refused text ever reached anyone, and a reload does not bring it back.
    expect(await loggedTexts(bob)).toEqual(['fine now']);
    await alice.reload();
    await alice.locator('#status[data-state="connected"]').waitFor();
    expect(await loggedTexts(alice)).toEqual(['fine now']);
    expect(await alice.locator('#outbox .message').count()).toBe(0);
    await closeAll();
  });

  it('queues what is written offline and, back online, sends it once with a refreshed token for the same user', async () => {
    const room = uniqueRoom('offline');
    const ctx = await context();
    const tokenRequests: string[] = [];
    ctx.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/token')
        tokenRequests.push(
          `${request.method()} ${request.headers().authorization?.split(' ')[0] ?? 'new'}`,
        );
    });
    const alice = await joinRoom(ctx, server.origin, room, 'alice');
    const bob = await joinRoom(await context(), server.origin, room, 'bob');
    expect(tokenRequests).toEqual(['POST new']);
    const userBefore = await alice.evaluate("localStorage.getItem('edgechat:user')");

    await ctx.setOffline(true);
    await alice.locator('#status[data-state="offline"]').waitFor();
    await sendMessage(alice, 'written on the train');
    expect(await alice.locator('#outbox .message.pending .state').textContent()).toBe(
      'queued, waiting for the connection…',
    );
    await ctx.setOffline(false);

    await alice.locator('#status[data-state="connected"]').waitFor({ timeout: 20_000 });
    await confirmed(bob, 'written on the train').waitFor();
    expect(await loggedTexts(bob)).toEqual(['written on the train']);
    expect(await loggedTexts(alice)).toEqual(['written on the train']);
    expect(await alice.locator('#outbox .message').count()).toBe(0);
    // Every reconnect asks for a fresh token, proving the old one: the identity stays the same.
    expect(tokenRequests).toEqual(['POST new', 'POST Bearer']);
    expect(await alice.evaluate("localStorage.getItem('edgechat:user')")).toBe(userBefore);
    await closeAll();
  });

  it('shows “<name> is typing…” to the others and clears it when it expires or the message arrives', async () => {
    const room = uniqueRoom('typing');
    const alice = await joinRoom(await context(), server.origin, room, 'alice');
    const bob = await joinRoom(await context(), server.origin, room, 'bob');

    await bob.locator('#message').pressSequentially('hel');
    await expect.poll(() => alice.locator('#typing').textContent()).toBe('bob is typing…');
    expect(await bob.locator('#typing').textContent()).toBe('');
    // Shown for a few seconds after the last typing signal, then gone by itself.
    await expect.poll(() => alice.locator('#typing').textContent(), { timeout: 10_000 }).toBe('');

    await bob.locator('#message').pressSequentially('lo');
    await expect.poll(() => alice.locator('#typing').textContent()).toBe('bob is typing…');
    await bob.locator('#message').press('Enter');
    await confirmed(alice, 'hello').waitFor();
    expect(await alice.locator('#typing').textContent()).toBe('');
    await closeAll();
  });

  it('works on a phone-sized screen: nothing scrolls sideways, the composer is in view and sends', async () => {
    const room = uniqueRoom('phone');
    const ctx = await context({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    const other = await newUser('Pat');
    const pat = await openSocket(server.origin, room, other.token);
    await pat.nextOf('welcome');
    for (const text of [
      'Morning! Is the 8:15 running today?',
      `A long one: ${'lorem ipsum '.repeat(20)}`,
      `https://example.com/${'b'.repeat(120)}`,
    ]) {
      pat.send({ type: 'message', text });
      await pat.nextOf('message');
    }

    const page = await ctx.newPage();
    await page.goto(`${server.origin}/room/${room}`);
    await screenshot(page, 'phone-join');
    expect(await sideways(page)).toBe(0);
    await page.locator('#name').fill('Sam');
    await page.locator('#join').tap();
    await page.locator('#status[data-state="connected"]').waitFor();

    // On a phone the member list starts collapsed, out of the conversation's way.
    expect(await page.locator('#members-panel').getAttribute('open')).toBeNull();
    await sendMessage(page, `Yes, on time. ${'z'.repeat(150)}`);
    await confirmed(page, `Yes, on time. ${'z'.repeat(150)}`).waitFor();
    await pat.nextOf('message');
    const composer = await page.locator('#composer').boundingBox();
    const send = await page.locator('#send').boundingBox();
    expect(composer && send).toBeTruthy();
    if (!composer || !send) return;
    expect(composer.y + composer.height).toBeLessThanOrEqual(844);
    expect(composer.y).toBeGreaterThan(844 / 2);
    expect(send.x + send.width).toBeLessThanOrEqual(390);
    expect(await sideways(page)).toBe(0);
    await screenshot(page, 'phone-chat');

    // Opening the member list shrinks the log; the newest message stays in view.
    await page.locator('#members-panel summary').tap();
    await expect
      .poll(() => page.locator('#members li[data-user-id]').allTextContents())
      .toEqual(['Pat', 'Sam (you)']);
    expect(await sideways(page)).toBe(0);
    await expect.poll(() => inLogView(page, `Yes, on time. ${'z'.repeat(150)}`)).toBe(true);
    expect(
      await evaluate(
        page,
        `(() => { const log = document.getElementById('log'); return log.scrollHeight - log.scrollTop - log.clientHeight; })()`,
        v.number(),
      ),
    ).toBeLessThan(2);
    await screenshot(page, 'phone-members');
    await pat.close();
    await closeAll();
  });

  /** How far the page or the log can scroll sideways (0 when nothing overflows). */
  function sideways(page: Page): Promise<number> {
    return evaluate(
      page,
      `Math.max(
      document.documentElement.scrollWidth - document.documentElement.clientWidth,
      document.getElementById('log').scrollWidth - document.getElementById('log').clientWidth)`,
      v.number(),
    );
  }

  it('preloads every module of the page, each fetched before the module importing it has arrived', async () => {
    const page = await (await context()).newPage();
    await page.goto(`${server.origin}/`);
    await page.locator('#picker-view').waitFor();
    const modules = ['chat', 'ui']
      .flatMap((dir) =>
        readdirSync(new URL(`../../public/${dir}/`, import.meta.url))
          .filter((file) => file.endsWith('.js'))
          .map((file) => `/${dir}/${file}`),
      )
      .sort();
    const preloaded = await evaluate(
      page,
      `[...document.querySelectorAll('link[rel=modulepreload]')].map((link) => new URL(link.href).pathname)`,
      v.array(v.string()),
    );
    expect([...preloaded].sort()).toEqual(modules);
    // A module the page learns of only from an import can't be fetched before its importer has
    // arrived; a preloaded one is asked for at once. So each starts before its importer ended.
    const timings = new Map(
      (
        await evaluate(
          page,
          `performance.getEntriesByType('resource').filter((entry) => entry.name.endsWith('.js'))
            .map((entry) => [new URL(entry.name).pathname, entry.startTime, entry.responseEnd])`,
          v.array(v.tuple([v.string(), v.number(), v.number()])),
        )
      ).map(([path, start, end]) => [path, { start, end }]),
    );
    expect([...timings.keys()].sort()).toEqual(['/app.js', ...modules].sort());
    for (const importer of ['/app.js', ...modules]) {
      const source = readFileSync(new URL(`../../public${importer}`, import.meta.url), 'utf8');
      for (const [, specifier] of source.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const imported = new URL(specifier ?? '', `http://page${importer}`).pathname;
        expect(timings.get(imported)?.start, `${imported} (imported by ${importer})`).toBeLessThan(
          timings.get(importer)?.end ?? 0,
        );
      }
    }
    // The library's own tsconfig is not deployed (public/.assetsignore).
    const tsconfig = await fetch(new URL('/chat/tsconfig.json', server.origin));
    expect(tsconfig.status).toBe(404);
    await closeAll();
  });

  it('gives a page that kept only an access token (an older version’s) a new guest once, then keeps that one by its refresh token, never in a URL', async () => {
    const room = uniqueRoom('old-token');
    const old = await readJson(await requestToken(server.origin, 'Olive'), TokenBodySchema);
    const ctx = await context();
    const authorizations: (string | null)[] = [];
    ctx.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/token')
        authorizations.push(request.headers().authorization ?? null);
    });
    const page = await ctx.newPage();
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(`${server.origin}/`);
    // What the older page left behind: its access token, the user it named and the name.
    await evaluate(
      page,
      `localStorage.setItem('edgechat:token', ${JSON.stringify(old.token)});
       localStorage.setItem('edgechat:user', ${JSON.stringify(JSON.stringify(old.user))});
       localStorage.setItem('edgechat:name', 'Olive'); 'set'`,
      v.string(),
    );
    const stored = (key: string) =>
      evaluate(page, `localStorage.getItem(${JSON.stringify(key)})`, v.nullable(v.string()));
    await page.goto(`${server.origin}/room/${room}`);
    expect(await page.locator('#name').inputValue()).toBe('Olive');
    await page.locator('#join').click();
    await waitConnected(page);
    const me = await page.locator('#members li.own').getAttribute('data-user-id');
    expect(me).not.toBe(old.user.id);
    expect(JSON.parse((await stored('edgechat:user')) ?? 'null')).toEqual({
      id: me,
      name: 'Olive',
    });
    // The access token was never sent to be renewed, and is gone from storage.
    expect(authorizations).toEqual([null]);
    expect(await stored('edgechat:token')).toBeNull();
    const refresh = await stored('edgechat:refresh');
    expect(refresh).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    // A reload rejoins by itself as the same guest, renewed by the refresh token in a header.
    await page.reload();
    await waitConnected(page);
    expect(await page.locator('#members li.own').getAttribute('data-user-id')).toBe(me);
    expect(authorizations).toEqual([null, `Bearer ${refresh}`]);
    expect(sockets).toHaveLength(2);
    for (const url of sockets) {
      expect(url).not.toContain(refresh);
      expect(url).not.toContain(old.token);
    }
    await closeAll();
  });

  it('has no serious or critical axe-core violations on the picker, join and chat views, light and dark', async () => {
    const room = uniqueRoom('axe');
    const other = await newUser('Pat');
    const pat = await openSocket(server.origin, room, other.token);
    await pat.nextOf('welcome');
    for (const text of [
      'Hi all! Notes from today are at https://example.com/notes.',
      'Two lines:\nsecond line here.',
    ]) {
      pat.send({ type: 'message', text });
      await pat.nextOf('message');
    }
    const results: Record<string, Record<string, number>> = {};
    const serious: Violation[] = [];
    const incomplete: Record<string, string[]> = {};
    const check = async (page: Page, view: string) => {
      const axe = await runAxe(page);
      results[view] = byImpact(axe.violations);
      incomplete[view] = axe.incomplete.map((rule) => `${rule.id}×${rule.targets.length}`);
      serious.push(
        ...axe.violations.filter(
          (violation) => violation.impact === 'serious' || violation.impact === 'critical',
        ),
      );
      // The contrast rule really looked at this view's text (it is what the dark scheme risks).
      expect(axe.passed).toContain('color-contrast');
      await screenshot(page, view);
    };

    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await (await context({ colorScheme })).newPage();
      await page.goto(`${server.origin}/`);
      await page.locator('#picker-view').waitFor();
      await check(page, `picker-${colorScheme}`);
      await page.locator('#room-name').fill('not a room!');
      await page.locator('#go').click();
      await page.locator('#room-error').filter({ hasText: /./ }).waitFor();
      await check(page, `picker-error-${colorScheme}`);

      await page.goto(`${server.origin}/room/${room}`);
      await page.locator('#join-view').waitFor();
      await check(page, `join-${colorScheme}`);

      const name = colorScheme === 'light' ? 'Lee' : 'Dee';
      await page.locator('#name').fill(name);
      await page.locator('#join').click();
      await page.locator('#status[data-state="connected"]').waitFor();
      await sendMessage(page, `Hello from the ${colorScheme} side`);
      await confirmed(page, `Hello from the ${colorScheme} side`).waitFor();
      await sendMessage(page, `and a second one in a row (${colorScheme})`);
      await confirmed(page, `and a second one in a row (${colorScheme})`).waitFor();
      pat.send({ type: 'message', text: `Welcome, ${name}!` });
      await confirmed(page, `Welcome, ${name}!`).waitFor();
      // A message the room refuses for good (a control character) stays as failed, with Retry and Discard.
      await sendMessage(page, 'bell \u0007 here');
      await page.locator('#outbox .message.failed').waitFor();
      pat.send({ type: 'typing' });
      await page.locator('#typing').filter({ hasText: 'Pat is typing…' }).waitFor();
      await check(page, `chat-${colorScheme}`);
    }
    await pat.close();

    console.log(
      `axe-core violations by impact (nodes): ${JSON.stringify(results)}\naxe-core incomplete (needs review): ${JSON.stringify(incomplete)}`,
    );
    expect(serious).toEqual([]);
    await closeAll();
  });
});
