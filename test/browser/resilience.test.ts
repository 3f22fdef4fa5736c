// The page against a long history and a server that goes away, in a real Chromium: paging back
// by scrolling, by button and by keyboard alone; and a `wrangler dev` stopped and started again
// (same port, same storage) while someone keeps writing. Rate limits are lifted on this server
// so the seeding clients can write a long history quickly.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newUser, openSocket, uniqueRoom } from '../e2e/client.ts';
import { startDevServer, type DevServer } from '../e2e/wrangler.mjs';
import {
  confirmed,
  describeInBrowser,
  evaluate,
  inLogView,
  joinRoom,
  launchBrowser,
  loggedIds,
  loggedTexts,
  Contexts,
  screenshot,
  sendMessage,
  waitConnected,
} from './browser.ts';

// A history of 150 keeps every page the paging tests read, and lets a long absence meet pruning.
const VARS = { MESSAGE_RATE: '1000', MESSAGE_BURST: '1000', HISTORY_LIMIT: '150' };
// Snapshots of the app: wrangler dev would otherwise reload (and drop every socket) whenever
// someone edits src/ or public/ while the tests run; the restart here is the one we cause.

describeInBrowser('the chat page over a long history and a restarted server', () => {
  const persistTo = mkdtempSync(join(tmpdir(), 'edge-chat-browser-'));
  let server: DevServer;
  let browser: Browser;
  const contexts = new Contexts(() => browser);

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startDevServer({ vars: VARS, persistTo, snapshot: true }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const context = () => contexts.open();

  async function closeAll(): Promise<void> {
    // Nothing the pages did may have thrown or logged an error.
    expect(await contexts.closeAll()).toEqual([]);
  }

  /** Writes `count` messages "old 1" … "old <count>" into `room` through a real socket; resolves once all are stored. */
  async function seed(room: string, count: number): Promise<void> {
    const { token } = await newUser('Archivist');
    const socket = await openSocket(server.origin, room, token);
    await socket.nextOf('welcome');
    for (let i = 1; i <= count; i++)
      socket.send({ type: 'message', text: `old ${i}`, clientId: `seed-${i}` });
    for (let i = 1; i <= count; i++) await socket.nextOf('message');
    await socket.close();
  }

  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('pages back through history when scrolled to the top, keeping one’s place, and offers a way down to new messages', async () => {
    const room = uniqueRoom('older');
    await seed(room, 120);
    const page = await joinRoom(await context(), server.origin, room, 'reader');
    // The latest 50, oldest first, and the button to fetch more.
    await expect.poll(() => loggedIds(page)).toEqual(range(71, 120));
    expect(await page.locator('#load-older').isVisible()).toBe(true);

    await evaluate(page, `document.getElementById('log').scrollTop = 0`, v.number());
    await expect.poll(() => loggedIds(page)).toEqual(range(21, 120));
    // The page went in above what was on screen, which stays on screen.
    expect(
      await evaluate(page, `document.getElementById('log').scrollTop`, v.number()),
    ).toBeGreaterThan(0);
    expect(await inLogView(page, 'old 71')).toBe(true);
    expect(await inLogView(page, 'old 21')).toBe(false);

    // At the top again: the rest, and then nothing older is offered. (The button itself is pressed
    // in the keyboard test; a pointer can't reach it without scrolling up, which already loads.)
    await evaluate(page, `document.getElementById('log').scrollTop = 0`, v.number());
    await expect.poll(() => loggedIds(page)).toEqual(range(1, 120));
    await expect.poll(() => page.locator('#load-older').isHidden()).toBe(true);
    expect(await loggedTexts(page)).toEqual(range(1, 120).map((i) => `old ${i}`));
    expect(await page.locator('#log .day').count()).toBe(1);

    // Reading old messages, a new one arrives: the log stays put and a button offers the way down.
    const { token } = await newUser('Newcomer');
    const newcomer = await openSocket(server.origin, room, token);
    await newcomer.nextOf('welcome');
    newcomer.send({ type: 'message', text: 'something new' });
    await confirmed(page, 'something new').waitFor({ state: 'attached' });
    await newcomer.close();
    const button = page.locator('#new-messages');
    await button.waitFor();
    expect(await inLogView(page, 'something new')).toBe(false);
    const [buttonBox, composerBox, logBox] = await Promise.all([
      button.boundingBox(),
      page.locator('#composer').boundingBox(),
      page.locator('#log').boundingBox(),
    ]);
    if (!buttonBox || !composerBox || !logBox) throw new Error('not laid out');
    // It floats over the bottom of the log, above the composer, in the middle.
    expect(buttonBox.y + buttonBox.height).toBeLessThanOrEqual(composerBox.y);
    expect(buttonBox.y).toBeGreaterThan(logBox.y + logBox.height / 2);
    expect(
      Math.abs(buttonBox.x + buttonBox.width / 2 - (logBox.x + logBox.width / 2)),
    ).toBeLessThan(20);
    await screenshot(page, 'new-messages');
    await button.click();
    await expect.poll(() => button.isHidden()).toBe(true);
    await expect.poll(() => inLogView(page, 'something new')).toBe(true);
    await closeAll();
  });

  /** The id of the focused element ('' for none), and whether it draws a visible outline. */
  function focused(page: Page) {
    return evaluate(
      page,
      `(() => {
      const element = document.activeElement;
      const style = element ? getComputedStyle(element) : null;
      return { id: element?.id ?? '', ring: !!style && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 };
    })()`,
      v.object({ id: v.string(), ring: v.boolean() }),
    );
  }

  async function tabTo(page: Page, id: string, key: 'Tab' | 'Shift+Tab'): Promise<void> {
    const visited: string[] = [];
    for (let presses = 0; presses < 30; presses++) {
      const { id: now } = await focused(page);
      if (now === id) return;
      visited.push(now || '(none)');
      await page.keyboard.press(key);
    }
    throw new Error(`#${id} is not reachable with ${key}; focus went ${visited.join(' → ')}`);
  }

  it('can be used with the keyboard alone: join, send and load older, with a visible focus ring', async () => {
    const room = uniqueRoom('keyboard');
    await seed(room, 60);
    const page = await (await context()).newPage();
    await page.goto(`${server.origin}/room/${room}`);

    await tabTo(page, 'name', 'Tab');
    expect((await focused(page)).ring).toBe(true);
    await page.keyboard.type('Kim');
    await page.keyboard.press('Enter');
    await waitConnected(page);
    // Joining puts the cursor in the composer.
    expect((await focused(page)).id).toBe('message');
    await page.keyboard.type('typed, not clicked');
    await page.keyboard.press('Enter');
    await confirmed(page, 'typed, not clicked').waitFor();
    expect(await loggedIds(page)).toHaveLength(51);

    await tabTo(page, 'load-older', 'Shift+Tab');
    expect((await focused(page)).ring).toBe(true);
    await screenshot(page, 'keyboard-load-older');
    await page.keyboard.press('Enter');
    await expect.poll(() => loggedIds(page)).toEqual(range(1, 61));
    // With nothing older left the button goes, and focus stays in the log rather than on the page body.
    await expect.poll(() => page.locator('#load-older').isHidden()).toBe(true);
    expect((await focused(page)).id).toBe('log');
    await closeAll();
  });

  it('keeps what is written while the server is down as pending and delivers each message exactly once when it is back', async () => {
    const room = uniqueRoom('restart');
    const alice = await joinRoom(await context(), server.origin, room, 'alice');
    const bob = await joinRoom(await context(), server.origin, room, 'bob');
    await sendMessage(alice, 'before');
    await confirmed(bob, 'before').waitFor();

    const { origin, port } = server;
    await server.stop();
    for (const page of [alice, bob]) {
      // Between attempts it says when the next one is; during one, briefly, "Connecting…".
      await page.locator('#status[data-state="reconnecting"]').waitFor({ timeout: 15_000 });
      await expect
        .poll(() => page.locator('#status').textContent())
        .toMatch(/^Reconnecting in \d+ s…$/);
    }
    const written = ['while down 1', 'while down 2', 'while down 3'];
    for (const text of written) await sendMessage(alice, text);
    expect(await alice.locator('#outbox .message.pending .text').allTextContents()).toEqual(
      written,
    );
    expect(await alice.locator('#send').textContent()).toBe('Queue');
    await screenshot(alice, 'reconnecting');

    server = await startDevServer({ vars: VARS, persistTo, port, snapshot: true });
    expect(server.origin).toBe(origin);
    // The page retries with backoff (1 s doubling, jittered), so this can take a while.
    await waitConnected(alice, 60_000);
    await waitConnected(bob, 60_000);
    const expected = ['before', ...written];
    for (const page of [alice, bob]) {
      await expect.poll(() => loggedTexts(page), { timeout: 15_000 }).toEqual(expected);
    }
    expect(await alice.locator('#outbox .message').count()).toBe(0);
    expect(await alice.locator('#log .message.own').count()).toBe(4);

    // The room stored each exactly once, in the order written.
    const { token } = await newUser('auditor');
    const auditor = await openSocket(server.origin, room, token);
    const welcome = await auditor.nextOf('welcome');
    expect(welcome.messages.map((m) => m.text)).toEqual(expected);
    await auditor.close();

    // A reload sends nothing again: the outbox was emptied by the acknowledgements.
    await alice.reload();
    await waitConnected(alice);
    await sendMessage(alice, 'after');
    await confirmed(bob, 'after').waitFor();
    expect(await loggedTexts(bob)).toEqual([...expected, 'after']);
    await closeAll();
  });

  it('shows where messages are missing when some were pruned while it was offline, instead of joining the pages up', async () => {
    const room = uniqueRoom('pruned');
    await seed(room, 2);
    const ctx = await context();
    const page = await joinRoom(ctx, server.origin, room, 'reader');
    await expect.poll(() => loggedIds(page)).toEqual([1, 2]);
    await ctx.setOffline(true);
    await page.locator('#status[data-state="offline"]').waitFor();
    // 200 more while it is away: the room keeps the latest 150 (ids 53–202).
    await seed(room, 200);
    await ctx.setOffline(false);
    await waitConnected(page);
    await expect
      .poll(() => loggedIds(page), { timeout: 15_000 })
      .toEqual([1, 2, ...range(53, 202)]);
    const notices = page.locator('#log .notice');
    expect(await notices.allTextContents()).toEqual(['Some older messages are no longer kept.']);
    // In its place: after the last message it had, before the first one that is still kept.
    const order = await evaluate(
      page,
      `[...document.querySelectorAll('#log li')].filter((li) => !li.classList.contains('day'))
        .slice(1, 4).map((li) => li.classList.contains('notice') ? 'notice' : li.dataset.id)`,
      v.array(v.string()),
    );
    expect(order).toEqual(['2', 'notice', '53']);
    await screenshot(page, 'pruned-gap');
    await closeAll();
  });

  // Last: it replaces the server with one on the same port over empty storage.
  it('clears the log and shows the room as it is now when the room’s storage was reset under the page', async () => {
    const room = uniqueRoom('reset');
    await seed(room, 3);
    const page = await joinRoom(await context(), server.origin, room, 'reader');
    await expect.poll(() => loggedTexts(page)).toEqual(['old 1', 'old 2', 'old 3']);
    const { port } = server;
    await server.stop();
    await page.locator('#status[data-state="reconnecting"]').waitFor({ timeout: 15_000 });
    const fresh = mkdtempSync(join(tmpdir(), 'edge-chat-browser-reset-'));
    server = await startDevServer({ vars: VARS, persistTo: fresh, port, snapshot: true });
    const { token } = await newUser('Newcomer');
    const socket = await openSocket(server.origin, room, token);
    await socket.nextOf('welcome');
    socket.send({ type: 'message', text: 'the room, started over' });
    await socket.nextOf('message');
    await waitConnected(page, 60_000);
    // Nothing of the room that is gone stays on screen, and what the room holds now is there.
    await expect
      .poll(() => loggedTexts(page), { timeout: 15_000 })
      .toEqual(['the room, started over']);
    expect(await loggedIds(page)).toEqual([1]);
    // From here it is an ordinary member of the new room.
    socket.send({ type: 'message', text: 'and on it goes' });
    await confirmed(page, 'and on it goes').waitFor();
    expect(await loggedIds(page)).toEqual([1, 2]);
    await socket.close();
    await closeAll();
  });
});
