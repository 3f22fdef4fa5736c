// Searching a room from the page, in a real Chromium against `wrangler dev` with the shipped
// limits: results newest first with the matched words marked (accents aside), paging back with
// "More results", a jump to a match older than the page the log loaded, hostile and wordless
// queries, the room holding searches back for their rate, and axe on the panel, light and dark.
import type { Browser, Page } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newUser, openSocket, uniqueRoom } from '../e2e/client.ts';
import { startDevServer, type DevServer } from '../e2e/wrangler.mjs';
import {
  Contexts,
  describeInBrowser,
  evaluate,
  joinRoom,
  launchBrowser,
  loggedIds,
  runAxe,
  screenshot,
} from './browser.ts';
import { sendPaced } from './tabs.ts';

/** More than a join's page (50): the first messages are not in the log when the room opens. */
const FILLERS = 56;

describeInBrowser('searching a room in Chromium', () => {
  let server: DevServer;
  let browser: Browser;
  let room: string;
  const contexts = new Contexts(() => browser);

  beforeAll(async () => {
    [server, browser] = await Promise.all([startDevServer({ snapshot: true }), launchBrowser()]);
    room = uniqueRoom('search');
    const bea = await newUser('Bea');
    const socket = await openSocket(server.origin, room, bea.token);
    await socket.nextOf('welcome');
    const fillers = Array.from({ length: FILLERS }, (_, n) => `filler number ${n + 1}`);
    await sendPaced(socket, [
      'Café at noon?',
      'see the <b>bold</b> plan',
      ...fillers.slice(0, 30),
      'le CAFE noir est prêt',
      ...fillers.slice(30),
    ]);
    await socket.close();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function closeAll(): Promise<void> {
    expect(await contexts.closeAll()).toEqual([]);
  }

  /** Types `query` in the search field and presses Enter. */
  async function search(page: Page, query: string): Promise<void> {
    await page.locator('#search').fill(query);
    await page.locator('#search').press('Enter');
  }

  const status = (page: Page) => page.locator('#search-status').textContent();
  const results = (page: Page) => page.locator('#search-results .search-result');

  /** Each result as its author, its text and its marked words. */
  function shownResults(page: Page) {
    return evaluate(
      page,
      `[...document.querySelectorAll('#search-results .search-result')].map((result) => ({
        author: result.querySelector('.author').textContent,
        text: result.querySelector('.text').textContent,
        marked: [...result.querySelectorAll('.text mark')].map((mark) => mark.textContent),
      }))`,
      v.array(v.object({ author: v.string(), text: v.string(), marked: v.array(v.string()) })),
    );
  }

  it('finds messages newest first with the matched words marked, accents and case aside, and jumps to one the log had not loaded', async () => {
    const ann = await joinRoom(await contexts.open(), server.origin, room, 'Ann');
    const cafeId = await evaluate(
      ann,
      `Math.min(...[...document.querySelectorAll('#log .message[data-id]')].map((item) => Number(item.dataset.id)))`,
      v.number(),
    );
    // The log opened with the latest page: the first message is not in it.
    expect(cafeId).toBeGreaterThan(2);

    await search(ann, 'cafe');
    await expect.poll(() => status(ann)).toBe('2 messages found.');
    expect(await shownResults(ann)).toEqual([
      { author: 'Bea', text: 'le CAFE noir est prêt', marked: ['CAFE'] },
      { author: 'Bea', text: 'Café at noon?', marked: ['Café'] },
    ]);
    // The last word matches the start of a word: "noo" finds "noon", and only that is marked.
    await search(ann, 'CAFÉ noo');
    await expect.poll(() => status(ann)).toBe('1 message found.');
    expect(await shownResults(ann)).toEqual([
      { author: 'Bea', text: 'Café at noon?', marked: ['Café', 'noon'] },
    ]);
    await checkAxe(ann, 'search-results-light');

    // By keyboard: from the field, Tab passes the header's other tools and the panel's Close
    // button to the first result, before the log; Enter on it jumps to the message in the log,
    // loaded around it, highlighted.
    await ann.locator('#search').focus();
    const passed: string[] = [];
    for (let i = 0; i < 6 && passed.at(-1) !== 'search-result'; i++) {
      await ann.keyboard.press('Tab');
      passed.push(
        await evaluate(
          ann,
          `document.activeElement.id || document.activeElement.className`,
          v.string(),
        ),
      );
    }
    expect(passed.at(-1)).toBe('search-result');
    expect(passed).not.toContain('log');
    await ann.keyboard.press('Enter');
    const jumped = ann.locator('#log .message.jumped');
    await jumped.waitFor();
    expect(await jumped.locator('.text').textContent()).toBe('Café at noon?');
    expect(await ann.locator('#search-panel').isHidden()).toBe(true);
    const [box, log] = await Promise.all([jumped.boundingBox(), ann.locator('#log').boundingBox()]);
    if (!box || !log) throw new Error('the message or the log is not laid out');
    expect(box.y).toBeGreaterThanOrEqual(log.y);
    expect(box.y + box.height).toBeLessThanOrEqual(log.y + log.height);
    // The log holds one unbroken run again, in order, from the first message on.
    const ids = await loggedIds(ann);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(FILLERS + 3);
    await closeAll();
  });

  it('pages back with “More results”, says when nothing matches, and shows hostile queries and results as text', async () => {
    const ann = await joinRoom(await contexts.open(), server.origin, room, 'Ann');
    await search(ann, 'filler');
    await expect
      .poll(() => status(ann))
      .toBe('20 messages found; older ones under “More results”.');
    const more = ann.locator('#search-more');
    await more.click();
    await expect.poll(() => results(ann).count()).toBe(40);
    await more.click();
    await expect.poll(() => status(ann)).toBe(`${FILLERS} messages found.`);
    expect(await more.isHidden()).toBe(true);
    const texts = (await shownResults(ann)).map((result) => result.text);
    // Newest first, each once.
    expect(texts[0]).toBe(`filler number ${FILLERS}`);
    expect(texts.at(-1)).toBe('filler number 1');
    expect(new Set(texts).size).toBe(FILLERS);

    // The query's syntax means nothing: its words are "b", "x" and "OR", and none of it is markup.
    const hostile = '"<b>x</b>" OR *';
    await search(ann, hostile);
    await expect.poll(() => status(ann)).toBe(`No messages match “${hostile}”.`);
    expect(await results(ann).count()).toBe(0);
    await search(ann, '<b>bold</b>');
    await expect.poll(() => status(ann)).toBe('1 message found.');
    expect(await shownResults(ann)).toEqual([
      { author: 'Bea', text: 'see the <b>bold</b> plan', marked: ['b', 'bold', 'b'] },
    ]);
    expect(await ann.locator('#search-panel b, #search-panel script').count()).toBe(0);

    // A query without a word is not sent; Escape closes the panel and leaves the focus in the field.
    await search(ann, '*** ---');
    await expect.poll(() => status(ann)).toBe('Type a word to search for.');
    await ann.keyboard.press('Escape');
    expect(await ann.locator('#search-panel').isHidden()).toBe(true);
    expect(await ann.evaluate('document.activeElement.id')).toBe('search');
    await closeAll();
  });

  it('says so when the room holds searches back for their rate, and searches once it may', async () => {
    const ann = await joinRoom(await contexts.open(), server.origin, room, 'Ann');
    await ann.locator('#search').fill('noon');
    // More searches at once than the room's burst (10): some are held back and go again.
    for (let i = 0; i < 14; i++) await ann.locator('#search').press('Enter');
    await expect.poll(() => status(ann)).toMatch(/^The room is limiting requests/);
    await expect.poll(() => status(ann), { timeout: 20_000 }).toBe('1 message found.');
    await closeAll();
  });

  it('has no serious or critical axe-core violations with results shown, in the dark, and fits a phone', async () => {
    const dark = await joinRoom(
      await contexts.open({ colorScheme: 'dark' }),
      server.origin,
      room,
      'Dee',
    );
    await search(dark, 'café');
    await expect.poll(() => status(dark)).toBe('2 messages found.');
    await checkAxe(dark, 'search-results-dark');

    const phone = await joinRoom(
      await contexts.open({
        viewport: { width: 375, height: 667 },
        isMobile: true,
        hasTouch: true,
      }),
      server.origin,
      room,
      'Pia',
    );
    await search(phone, 'filler');
    await expect.poll(() => results(phone).count()).toBe(20);
    expect(
      await evaluate(
        phone,
        `document.documentElement.scrollWidth <= document.documentElement.clientWidth`,
        v.boolean(),
      ),
    ).toBe(true);
    const panel = await phone.locator('#search-panel').boundingBox();
    expect(panel?.x).toBeGreaterThanOrEqual(0);
    expect((panel?.x ?? 0) + (panel?.width ?? Infinity)).toBeLessThanOrEqual(375);
    await screenshot(phone, 'search-phone');
    await closeAll();
  });

  async function checkAxe(page: Page, view: string): Promise<void> {
    const axe = await runAxe(page);
    await screenshot(page, view);
    expect(axe.passed).toContain('color-contrast');
    expect(
      axe.violations.filter((rule) => rule.impact === 'serious' || rule.impact === 'critical'),
    ).toEqual([]);
  }
});
