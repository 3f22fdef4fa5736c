// Message changes as people make them on the page, in a real Chromium against `wrangler dev` with
// the shipped limits: jumping to a message (shown, or not loaded yet), replies and their quotes,
// edits (from the toolbar and with Up-arrow), deletes, reactions, on two people's pages at once
// and after a reload, by keyboard, with axe-core in the light and the dark scheme.
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newUser, openSocket, uniqueRoom, type E2ESocket } from '../e2e/client.ts';
import { startDevServer, type DevServer } from '../e2e/wrangler.mjs';
import {
  confirmed,
  Contexts,
  describeInBrowser,
  evaluate,
  inLogView,
  joinRoom,
  launchBrowser,
  loggedIds,
  loggedTexts,
} from './browser.ts';

/** The bucket's burst (MESSAGE_BURST): one writer sends at most this many at once. */
const BURST = 10;

describeInBrowser('message changes on the page, in Chromium', () => {
  let server: DevServer;
  let browser: Browser;
  const contexts = new Contexts(() => browser);

  beforeAll(async () => {
    // A snapshot of the app: wrangler dev would otherwise reload on any edit under src/ or public/.
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

  /** A socket of a new user `name` in `room`, welcomed. */
  async function writer(room: string, name: string): Promise<E2ESocket> {
    const socket = await openSocket(server.origin, room, (await newUser(name)).token);
    await socket.nextOf('welcome');
    return socket;
  }

  /** Sends `text` (a reply to `replyTo`, if given) and resolves with the stored message's id. */
  async function say(socket: E2ESocket, text: string, replyTo?: number): Promise<number> {
    const clientId = `c${++sent}`;
    socket.send({ type: 'message', text, clientId, ...(replyTo !== undefined && { replyTo }) });
    // Others' messages reach this socket too: its own is the one with its clientId.
    for (;;) {
      const stored = await socket.nextOf('message');
      if (stored.clientId === clientId) return stored.id;
    }
  }
  let sent = 0;

  /** Posts `texts` in order, each writer within its burst so the room's rate limit holds none. */
  async function fill(room: string, texts: string[]): Promise<number[]> {
    const ids: number[] = [];
    for (let start = 0; start < texts.length; start += BURST) {
      const socket = await writer(room, `writer ${start / BURST}`);
      for (const text of texts.slice(start, start + BURST)) ids.push(await say(socket, text));
      await socket.close();
    }
    return ids;
  }

  /** The id of the message the page focuses, if it focuses one. */
  function focusedMessageId(page: Page): Promise<number | null> {
    return evaluate(
      page,
      `(() => { const item = document.activeElement?.closest('li.message'); return item ? Number(item.dataset.id) : null; })()`,
      v.nullable(v.number()),
    );
  }

  it('jumps to the message a reply answers: one in the log, and one not loaded, whose page it loads in its place', async () => {
    const room = uniqueRoom('jump');
    const bob = await writer(room, 'bob');
    const first = await say(bob, 'the very first message');
    // More than the welcome's 50 after it: the first message is not on the page that opens.
    const fillers = Array.from({ length: 120 }, (_, i) => `filler ${i + 1}`);
    const fillerIds = await fill(room, fillers);
    await say(bob, 'answering the first one', first);
    const recent = fillerIds.at(-2) ?? 0;
    await say(bob, 'answering a recent one', recent);

    const alice = await joinRoom(await context(), server.origin, room, 'alice');
    await confirmed(alice, 'answering a recent one').waitFor();
    expect(await confirmed(alice, 'the very first message').count()).toBe(0);
    expect(await loggedIds(alice)).toHaveLength(50);

    // The quote: who wrote the answered message and its text, above the reply's own text.
    const toFirst = confirmed(alice, 'answering the first one').locator('.quote');
    expect(await toFirst.textContent()).toBe('In reply to bob: the very first message');
    const toRecent = confirmed(alice, 'answering a recent one').locator('.quote');
    expect(await toRecent.textContent()).toBe(`In reply to writer 11: filler 119`);

    // One in the log: scrolled to, highlighted and focused.
    await alice.locator('#log').evaluate((log) => (log.scrollTop = 100));
    expect(await inLogView(alice, 'filler 119')).toBe(false);
    await toRecent.click();
    await expect.poll(() => inLogView(alice, 'filler 119')).toBe(true);
    expect(await confirmed(alice, 'filler 119').getAttribute('class')).toContain('jumped');
    expect(await focusedMessageId(alice)).toBe(recent);

    // One not loaded: the page around it comes in before what was shown, in id order.
    await toFirst.click();
    const target = confirmed(alice, 'the very first message');
    await target.waitFor();
    await expect.poll(() => inLogView(alice, 'the very first message')).toBe(true);
    expect(await target.getAttribute('class')).toContain('jumped');
    expect(await focusedMessageId(alice)).toBe(first);
    // The pages after it fill the gap up to what was shown: the whole room, in order, once each.
    await expect.poll(() => loggedIds(alice).then((ids) => ids.length)).toBe(123);
    const ids = await loggedIds(alice);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect((await loggedTexts(alice)).slice(0, 3)).toEqual([
      'the very first message',
      'filler 1',
      'filler 2',
    ]);
    // All of it today: one day separator, at the top.
    expect(await alice.locator('#log li.day').count()).toBe(1);
    expect(
      await alice
        .locator('#log li')
        .first()
        .evaluate((item) => item.classList.contains('day')),
    ).toBe(true);
    // Still keyboard-usable: Enter on a quote jumps too.
    await toRecent.focus();
    await alice.keyboard.press('Enter');
    await expect.poll(() => focusedMessageId(alice)).toBe(recent);
    await bob.close();
    await closeAll();
  });
});
