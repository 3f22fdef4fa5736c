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
  runAxe,
  screenshot,
  sendMessage,
  waitConnected,
  type Violation,
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

  /** Whether the element with the focus matches `selector`. */
  function hasFocus(page: Page, selector: string): Promise<boolean> {
    return evaluate(
      page,
      `document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`,
      v.boolean(),
    );
  }

  /** The id of the message the page focuses, if it focuses one. */
  function focusedMessageId(page: Page): Promise<number | null> {
    return evaluate(
      page,
      `(() => { const item = document.activeElement?.closest('li.message'); return item ? Number(item.dataset.id) : null; })()`,
      v.nullable(v.number()),
    );
  }

  /** What a page shows of each confirmed message: text, quote, "edited", chips with counts. */
  function shownState(page: Page) {
    return evaluate(
      page,
      `[...document.querySelectorAll('#log li.message[data-id]')].map((item) => ({
        id: Number(item.dataset.id),
        text: item.querySelector('.text')?.textContent ?? null,
        quote: item.querySelector('.quote')?.textContent ?? null,
        edited: !!item.querySelector('.meta .edited'),
        chips: [...item.querySelectorAll('.chip')].map((chip) => chip.textContent),
      }))`,
      v.array(
        v.object({
          id: v.number(),
          text: v.nullable(v.string()),
          quote: v.nullable(v.string()),
          edited: v.boolean(),
          chips: v.array(v.string()),
        }),
      ),
    );
  }

  /** The toolbar button `action` of the message with `text`, hovered into view as a mouse does. */
  async function toolbarButton(page: Page, text: string, action: string) {
    const message = confirmed(page, text);
    await message.hover();
    return message.locator(`.toolbar .${action}`);
  }

  /** A reaction chip's label, pressed state and tooltip on the message with `text`. */
  async function chip(page: Page, text: string, emoji: string) {
    const found = confirmed(page, text).locator('.chip', { hasText: emoji });
    return {
      label: await found.textContent(),
      pressed: await found.getAttribute('aria-pressed'),
      title: await found.getAttribute('title'),
    };
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
    const newest = await say(bob, 'answering a recent one', recent);

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
    // A reaction to the newest message while the log is at its end: the end stays in view.
    await alice.locator('#log').evaluate((log) => (log.scrollTop = log.scrollHeight));
    bob.send({ type: 'react', id: newest, emoji: '👍', on: true });
    await confirmed(alice, 'answering a recent one').locator('.chip').waitFor();
    expect(
      await evaluate(
        alice,
        `(() => { const log = document.getElementById('log'); return log.scrollHeight - log.scrollTop - log.clientHeight; })()`,
        v.number(),
      ),
    ).toBeLessThan(2);
    await bob.close();
    await closeAll();
  });

  it('edits (from the toolbar and by Up-arrow), replies, reacts and deletes: both pages show the same, and so does a reload', async () => {
    const room = uniqueRoom('changes');
    const alice = await joinRoom(await context(), server.origin, room, 'alice');
    const bob = await joinRoom(await context(), server.origin, room, 'bob');
    await sendMessage(alice, 'helo bob');
    await confirmed(bob, 'helo bob').waitFor();

    // A member's toolbar: React and Reply on anyone's message, Edit and Delete on their own only.
    const bobsView = confirmed(bob, 'helo bob');
    await bobsView.hover();
    expect(await bobsView.locator('.toolbar button').allTextContents()).toEqual(['React', 'Reply']);
    const alicesView = confirmed(alice, 'helo bob');
    await alicesView.hover();
    expect(await alicesView.locator('.toolbar button').allTextContents()).toEqual([
      'React',
      'Reply',
      'Edit',
      'Delete',
    ]);

    // Edit from the toolbar: a textarea in place of the text; Enter saves.
    await (await toolbarButton(alice, 'helo bob', 'edit')).click();
    const editor = alice.locator('#log .editor textarea');
    expect(await editor.inputValue()).toBe('helo bob');
    await expect.poll(() => hasFocus(alice, '#log .editor textarea')).toBe(true);
    await editor.fill('hello bob');
    await editor.press('Enter');
    for (const page of [alice, bob]) {
      await confirmed(page, 'hello bob').waitFor();
      const mark = confirmed(page, 'hello bob').locator('.meta .edited');
      expect(await mark.textContent()).toBe('edited');
      expect(await mark.getAttribute('title')).toMatch(/^Edited .*\d/);
    }
    expect(await alice.locator('#log .editor').count()).toBe(0);

    // Up-arrow in the empty composer edits one's last message; Shift+Enter is a new line there.
    await sendMessage(alice, 'second one');
    await confirmed(bob, 'second one').waitFor();
    await alice.locator('#message').press('ArrowUp');
    expect(await editor.inputValue()).toBe('second one');
    await editor.press('End');
    await editor.pressSequentially(', edited');
    await editor.press('Shift+Enter');
    await editor.pressSequentially('on two lines');
    await editor.press('Enter');
    await confirmed(bob, 'second one, edited\non two lines').waitFor();
    // Escape cancels, and the focus is back in the composer.
    await alice.locator('#message').press('ArrowUp');
    await editor.fill('never saved');
    await editor.press('Escape');
    expect(await alice.locator('#log .editor').count()).toBe(0);
    await confirmed(alice, 'second one, edited\non two lines').waitFor();
    expect(await hasFocus(alice, '#message')).toBe(true);
    // A refusal: the room's reason beside the draft, which stays as written.
    await alice.locator('#message').press('ArrowUp');
    await editor.fill('a bell \u0007 in it');
    await editor.press('Enter');
    const problem = alice.locator('#log .editor .error');
    await expect
      .poll(() => problem.textContent())
      .toBe('Not saved: text contains control characters');
    expect(await editor.inputValue()).toBe('a bell \u0007 in it');
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    await editor.press('Escape');
    await confirmed(alice, 'second one, edited\non two lines').waitFor();

    // Reply: the bar above the composer, cancelled by Escape; then a reply that is sent.
    await (await toolbarButton(bob, 'hello bob', 'reply')).click();
    const bar = bob.locator('#reply-bar');
    expect(await bar.locator('.reply-to').textContent()).toBe('Replying to alice: hello bob');
    expect(await hasFocus(bob, '#message')).toBe(true);
    await bob.locator('#message').press('Escape');
    expect(await bar.isHidden()).toBe(true);
    await (await toolbarButton(bob, 'hello bob', 'reply')).click();
    await sendMessage(bob, 'hi alice');
    expect(await bar.isHidden()).toBe(true);
    await (await toolbarButton(bob, 'second one, edited\non two lines', 'reply')).click();
    expect(await bar.locator('.reply-to').textContent()).toBe(
      'Replying to alice: second one, edited on two lines',
    );
    await sendMessage(bob, 'nice second');
    for (const page of [alice, bob]) {
      await expect
        .poll(() => confirmed(page, 'hi alice').locator('.quote').textContent())
        .toBe('In reply to alice: hello bob');
      await expect
        .poll(() => confirmed(page, 'nice second').locator('.quote').textContent())
        .toBe('In reply to alice: second one, edited on two lines');
    }

    // React: the palette, then chips with counts, one's own pressed, who in the tooltip.
    await (await toolbarButton(bob, 'hello bob', 'react')).click();
    const palette = confirmed(bob, 'hello bob').locator('.palette');
    expect(await palette.locator('button').allTextContents()).toEqual([
      '👍',
      '❤️',
      '😂',
      '🎉',
      '😮',
      '😢',
    ]);
    await palette.locator('button', { hasText: '👍' }).click();
    expect(await palette.count()).toBe(0);
    await expect
      .poll(() => chip(bob, 'hello bob', '👍'))
      .toEqual({ label: '👍1', pressed: 'true', title: 'you' });
    await expect
      .poll(() => chip(alice, 'hello bob', '👍'))
      .toEqual({ label: '👍1', pressed: 'false', title: 'bob' });
    await confirmed(alice, 'hello bob').locator('.chip', { hasText: '👍' }).click();
    await expect
      .poll(() => chip(alice, 'hello bob', '👍'))
      .toEqual({ label: '👍2', pressed: 'true', title: 'bob, you' });
    await expect
      .poll(() => chip(bob, 'hello bob', '👍'))
      .toEqual({ label: '👍2', pressed: 'true', title: 'you, alice' });
    // A click elsewhere closes an open palette.
    await (await toolbarButton(alice, 'hello bob', 'react')).click();
    await confirmed(alice, 'hello bob').locator('.palette').waitFor();
    await alice.locator('#message').click();
    await expect.poll(() => alice.locator('#log .palette').count()).toBe(0);
    // A reaction not among the common ones is offered in the palette once it is on the message.
    await (await toolbarButton(alice, 'hi alice', 'react')).click();
    await confirmed(alice, 'hi alice').locator('.palette button', { hasText: '🎉' }).click();
    await expect
      .poll(() => chip(bob, 'hi alice', '🎉'))
      .toEqual({
        label: '🎉1',
        pressed: 'false',
        title: 'alice',
      });
    // Bob takes his 👍 back by its chip.
    await confirmed(bob, 'hello bob').locator('.chip', { hasText: '👍' }).click();
    await expect
      .poll(() => chip(alice, 'hello bob', '👍'))
      .toEqual({ label: '👍1', pressed: 'true', title: 'you' });

    // Delete asks first: Cancel keeps the message, Delete deletes it on both pages.
    await (await toolbarButton(alice, 'second one, edited\non two lines', 'delete')).click();
    const confirm = confirmed(alice, 'second one, edited\non two lines').locator(
      '.toolbar.confirm',
    );
    expect(await confirm.textContent()).toBe('Delete this message?DeleteCancel');
    await confirm.locator('.cancel-delete').click();
    expect(await confirm.count()).toBe(0);
    // Bob starts another reply to it, which its deletion overtakes.
    await (await toolbarButton(bob, 'second one, edited\non two lines', 'reply')).click();
    await (await toolbarButton(alice, 'second one, edited\non two lines', 'delete')).click();
    await confirm.locator('.confirm-delete').click();
    for (const page of [alice, bob]) {
      await expect
        .poll(() => confirmed(page, 'nice second').locator('.quote').textContent())
        .toBe('In reply to message deleted');
      expect(await page.locator('#log').textContent()).not.toContain('on two lines');
    }
    // Bob's reply is held back with the reason, his text still in the composer.
    await sendMessage(bob, 'too late');
    expect(await bob.locator('#reply-bar .error').textContent()).toBe(
      'That message was deleted. Cancel the reply (×) to send this on its own.',
    );
    expect(await bob.locator('#message').inputValue()).toBe('too late');
    await bob.locator('#reply-bar .cancel-reply').click();
    expect(await bob.locator('#reply-bar').isHidden()).toBe(true);
    await bob.locator('#message').fill('');
    // A deleted message is quiet: no toolbar, no chips, no "edited".
    const tombstone = bob.locator('#log li.message:has(.text.deleted)');
    expect(await tombstone.locator('.toolbar, .chip, .edited, button').count()).toBe(0);

    const state = await shownState(alice);
    expect(state.map(({ text, quote, edited, chips }) => ({ text, quote, edited, chips }))).toEqual(
      [
        { text: 'hello bob', quote: null, edited: true, chips: ['👍1'] },
        { text: 'message deleted', quote: null, edited: false, chips: [] },
        { text: 'hi alice', quote: 'In reply to alice: hello bob', edited: false, chips: ['🎉1'] },
        { text: 'nice second', quote: 'In reply to message deleted', edited: false, chips: [] },
      ],
    );
    await expect.poll(() => shownState(bob)).toEqual(state);
    for (const page of [alice, bob]) {
      await page.reload();
      await waitConnected(page);
      await expect.poll(() => shownState(page)).toEqual(state);
    }
    expect(await chip(alice, 'hello bob', '👍')).toEqual({
      label: '👍1',
      pressed: 'true',
      title: 'you',
    });
    expect(await chip(bob, 'hello bob', '👍')).toEqual({
      label: '👍1',
      pressed: 'false',
      title: 'alice',
    });
    await closeAll();
  });

  it('offers Delete on anyone’s message to the owner of a room, and deletes it for everyone', async () => {
    const alice = await joinRoom(await context(), server.origin, uniqueRoom('lobby'), 'alice');
    // A room of alice's own, made with her guest identity (its refresh token gives an access token).
    const room = await evaluate(
      alice,
      `(async () => {
        const refresh = localStorage.getItem('edgechat:refresh');
        const headers = { authorization: 'Bearer ' + refresh, 'content-type': 'application/json' };
        const { token } = await (await fetch('/api/token', { method: 'POST', headers, body: '{"name":"alice"}' })).json();
        const made = await fetch('/api/rooms', { method: 'POST', headers: { authorization: 'Bearer ' + token } });
        return (await made.json()).room;
      })()`,
      v.string(),
    );
    const bob = await writer(room, 'bob');
    await say(bob, 'spam from bob');
    await alice.goto(`${server.origin}/room/${room}`);
    await alice.locator('#join').click();
    await waitConnected(alice);
    const spam = confirmed(alice, 'spam from bob');
    await spam.hover();
    expect(await spam.locator('.toolbar button').allTextContents()).toEqual([
      'React',
      'Reply',
      'Delete',
    ]);
    await spam.locator('.toolbar .delete').click();
    await alice.locator('#log .toolbar.confirm .confirm-delete').click();
    const update = await bob.nextOf('update');
    expect(update.message.deleted).toBe(true);
    await expect.poll(() => loggedTexts(alice)).toEqual(['message deleted']);
    await bob.close();
    await closeAll();
  });

  it('reaches the toolbars by Tab (one stop for all, arrows between and inside), opens the palette by keyboard, and is axe-clean, light and dark, and on a phone', async () => {
    const room = uniqueRoom('keyboard');
    const pat = await writer(room, 'Pat');
    const first = await say(pat, 'Morning! Coffee at ten?');
    await say(pat, 'Notes are at https://example.com/notes.', first);
    pat.send({ type: 'react', id: first, emoji: '🎉', on: true });
    await pat.nextOf('update');

    const serious: Violation[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await joinRoom(await context({ colorScheme }), server.origin, room, 'Lee');
      await confirmed(page, 'Notes are at https://example.com/notes.').waitFor();
      await page.locator('#log').focus();
      // From the log, Tab goes through what messages hold (a chip, a quote, a link) to the
      // toolbars, all of them one Tab stop: at first the newest message's.
      const newest = (await loggedIds(page)).at(-1);
      for (let presses = 0; presses < 10 && !(await hasFocus(page, '.toolbar button')); presses++)
        await page.keyboard.press('Tab');
      expect(await hasFocus(page, `li[data-id="${newest}"] .toolbar .react`)).toBe(true);
      const stops = page.locator('#log .toolbar button[tabindex="0"]');
      expect(await stops.count()).toBe(1);
      // Up goes to the toolbar of the message before, Right along a toolbar.
      const firstReact = `li[data-id="${first}"] .toolbar .react`;
      for (let presses = 0; presses < 5 && !(await hasFocus(page, firstReact)); presses++)
        await page.keyboard.press('ArrowUp');
      expect(await hasFocus(page, firstReact)).toBe(true);
      const bar = await page.locator(`li[data-id="${first}"] .toolbar`).boundingBox();
      expect(bar?.width ?? 0).toBeGreaterThan(60);
      await page.keyboard.press('ArrowRight');
      expect(await hasFocus(page, `li[data-id="${first}"] .toolbar .reply`)).toBe(true);
      expect(await stops.count()).toBe(1);
      // Tab leaves the toolbars; Shift+Tab comes back to the button last used.
      await page.keyboard.press('Tab');
      expect(await hasFocus(page, '.toolbar button')).toBe(false);
      await page.keyboard.press('Shift+Tab');
      expect(await hasFocus(page, `li[data-id="${first}"] .toolbar .reply`)).toBe(true);
      await page.keyboard.press('Home');
      await page.keyboard.press('Enter');
      expect(await hasFocus(page, `li[data-id="${first}"] .palette button`)).toBe(true);
      const axe = await runAxe(page);
      expect(axe.passed).toContain('color-contrast');
      serious.push(
        ...axe.violations.filter((violation) =>
          ['serious', 'critical'].includes(violation.impact ?? ''),
        ),
      );
      await screenshot(page, `changes-palette-${colorScheme}`);
      await page.keyboard.press('Escape');
      expect(await page.locator('#log .palette').count()).toBe(0);
      expect(await hasFocus(page, `li[data-id="${first}"] .toolbar .react`)).toBe(true);

      // The reply bar and an open editor, for axe and the eye.
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Enter');
      expect(await page.locator('#reply-bar').isVisible()).toBe(true);
      await sendMessage(page, `Count me in (${colorScheme})`);
      await confirmed(page, `Count me in (${colorScheme})`).waitFor();
      await page.locator('#message').press('ArrowUp');
      await page.locator('#log .editor textarea').waitFor();
      await (await toolbarButton(page, 'Morning! Coffee at ten?', 'reply')).click();
      const more = await runAxe(page);
      serious.push(
        ...more.violations.filter((violation) =>
          ['serious', 'critical'].includes(violation.impact ?? ''),
        ),
      );
      await screenshot(page, `changes-editor-${colorScheme}`);
    }
    expect(serious).toEqual([]);

    // A phone: a tap on a message shows its toolbar; nothing scrolls sideways, palette open too.
    const phone = await (
      await context({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    ).newPage();
    await phone.goto(`${server.origin}/room/${room}`);
    await phone.locator('#name').fill('Sam');
    await phone.locator('#join').tap();
    await waitConnected(phone);
    const message = confirmed(phone, 'Notes are at https://example.com/notes.');
    await message.locator('.text').tap();
    await message.locator('.toolbar .react').tap();
    await message.locator('.palette').waitFor();
    const box = await message.locator('.palette').boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
    expect(
      await evaluate(
        phone,
        `Math.max(document.documentElement.scrollWidth - document.documentElement.clientWidth,
          document.getElementById('log').scrollWidth - document.getElementById('log').clientWidth)`,
        v.number(),
      ),
    ).toBe(0);
    await screenshot(phone, 'changes-phone');
    await pat.close();
    await closeAll();
  });
});
