// What people write, as the page shows it, in a real Chromium: explicit bidi controls that try to
// reorder a message (and the link in it) into a spoof, and a letter under 1,500 combining marks
// that tries to paint over the messages around it. Each message's text and each name sits in its
// own bidi-isolated element (dir="auto"); links end at any bidi control; bubbles clip what they hold.
import type { Browser, Page } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newUser, openSocket, uniqueRoom } from '../e2e/client.ts';
import { startDevServer, type DevServer } from '../e2e/wrangler.mjs';
import {
  confirmed,
  Contexts,
  describeInBrowser,
  differingPixels,
  evaluate,
  joinRoom,
  launchBrowser,
  screenshot,
} from './browser.ts';

/** The spoof from issue 16: rendered naively it reads "… exe.png/moc.elpmaxe//:sptth neht https://evil.com". */
const SPOOF = 'pay to \u202Emoc.live//:sptth then https://example.com/\u202Egnp.exe';
const MARKS = 'a' + '\u0301'.repeat(1500);
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

describeInBrowser('what people write, in Chromium', () => {
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

  async function closeAll(): Promise<void> {
    // Nothing the pages did may have thrown or logged an error.
    expect(await contexts.closeAll()).toEqual([]);
  }

  /** Posts `texts` to `room` as `name`, through a real socket, and waits until each is stored. */
  async function post(room: string, name: string, texts: string[]): Promise<void> {
    const { token } = await newUser(name);
    const socket = await openSocket(server.origin, room, token);
    await socket.nextOf('welcome');
    for (const text of texts) {
      socket.send({ type: 'message', text });
      await socket.nextOf('message');
    }
    await socket.close();
  }

  /** The x position of each character of the first text node in the element `selector` finds, in order. */
  function characterPositions(page: Page, selector: string): Promise<number[]> {
    return evaluate(
      page,
      `(() => {
        const node = document.querySelector(${JSON.stringify(selector)})?.firstChild;
        if (!node || node.nodeType !== Node.TEXT_NODE) return [];
        const xs = [];
        for (let i = 0; i < node.length; i++) {
          const range = document.createRange();
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          xs.push(range.getBoundingClientRect().x);
        }
        return xs;
      })()`,
      v.array(v.number()),
    );
  }

  const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? x));

  it('keeps bidi controls from reordering links or anything outside their message, and ends links at them', async () => {
    const room = uniqueRoom('bidi');
    await post(room, 'Mallory', [SPOOF]);
    await post(room, 'Nora', ['the next message']);
    const page = await joinRoom(await contexts.open(), server.origin, room, 'reader');
    const spoof = confirmed(page, SPOOF);
    await spoof.waitFor();

    // The one real link is exactly the URL before the control: no href or text holds a control.
    const links = await evaluate(
      page,
      `[...document.querySelectorAll('#log .message[data-id] .text a')].map(
        (a) => ({ text: a.textContent, href: a.getAttribute('href') }))`,
      v.array(v.object({ text: v.string(), href: v.string() })),
    );
    expect(links).toEqual([{ text: 'https://example.com/', href: 'https://example.com/' }]);
    for (const { text, href } of links) {
      expect(text).not.toMatch(BIDI_CONTROLS);
      expect(href).not.toMatch(BIDI_CONTROLS);
    }
    // The override before the link does not reverse it: its characters run left to right.
    const linkXs = await characterPositions(page, '#log .message[data-id] .text a');
    expect(linkXs).toHaveLength('https://example.com/'.length);
    expect(increasing(linkXs)).toBe(true);

    // Every text and name is its own isolate, with its direction from its own content.
    const isolation = await evaluate(
      page,
      `[...document.querySelectorAll('#log .text, #log .author, #log .text a, #members .name')].map(
        (node) => node.getAttribute('dir') + ' ' + getComputedStyle(node).unicodeBidi)`,
      v.array(v.string()),
    );
    expect(isolation.length).toBeGreaterThanOrEqual(6);
    expect(new Set(isolation)).toEqual(new Set(['auto isolate']));

    // Nothing outside the message moved: its author precedes its time, the next message reads
    // left to right, and both bubbles stay inside the log.
    const meta = await evaluate(
      page,
      `(() => {
        const meta = document.querySelector('#log .message[data-id] .meta');
        const x = (selector) => meta.querySelector(selector).getBoundingClientRect().x;
        return { author: x('.author'), time: x('time') };
      })()`,
      v.object({ author: v.number(), time: v.number() }),
    );
    expect(meta.author).toBeLessThan(meta.time);
    const next = await characterPositions(page, '#log .message[data-id]:last-child .text');
    expect(next).toHaveLength('the next message'.length);
    expect(increasing(next)).toBe(true);
    const [log, bubble] = await Promise.all([
      page.locator('#log').boundingBox(),
      spoof.boundingBox(),
    ]);
    if (!log || !bubble) throw new Error('not laid out');
    expect(bubble.x).toBeGreaterThanOrEqual(log.x);
    expect(bubble.x + bubble.width).toBeLessThanOrEqual(log.x + log.width);
    await screenshot(page, 'bidi-spoof');
    await closeAll();
  });

  it('keeps 1,500 combining marks on one letter inside its bubble: nothing painted around it, nothing widened', async () => {
    const room = uniqueRoom('marks');
    await post(room, 'Zed', ['one above', 'two above', 'three above', MARKS, 'one below']);
    const page = await joinRoom(await contexts.open(), server.origin, room, 'reader');
    const bubble = confirmed(page, MARKS);
    await bubble.waitFor();
    await confirmed(page, 'one below').waitFor();

    const [log, box, text] = await Promise.all([
      page.locator('#log').boundingBox(),
      bubble.boundingBox(),
      bubble.locator('.text').boundingBox(),
    ]);
    if (!log || !box || !text) throw new Error('not laid out');
    // The bubble sits inside the log, and its text inside the bubble.
    expect(box.x).toBeGreaterThanOrEqual(log.x);
    expect(box.x + box.width).toBeLessThanOrEqual(log.x + log.width);
    expect(box.y).toBeGreaterThan(log.y);
    expect(text.x).toBeGreaterThanOrEqual(box.x);
    expect(text.x + text.width).toBeLessThanOrEqual(box.x + box.width);
    expect(text.y + text.height).toBeLessThanOrEqual(box.y + box.height);
    const overflow = await evaluate(
      page,
      `(() => {
        const log = document.getElementById('log');
        return { log: log.scrollWidth - log.clientWidth, page: document.documentElement.scrollWidth - document.documentElement.clientWidth };
      })()`,
      v.object({ log: v.number(), page: v.number() }),
    );
    expect(overflow).toEqual({ log: 0, page: 0 });

    // Painting: the log above and below the bubble looks the same with its text shown or hidden.
    const above = { x: log.x, y: log.y, width: log.width, height: box.y - log.y };
    const below = {
      x: log.x,
      y: box.y + box.height,
      width: log.width,
      height: log.y + log.height - (box.y + box.height),
    };
    expect(above.height).toBeGreaterThan(40);
    expect(below.height).toBeGreaterThan(20);
    const shoot = () =>
      Promise.all([page.screenshot({ clip: above }), page.screenshot({ clip: below })]);
    const marksText = `[...document.querySelectorAll('#log .message[data-id] .text')].find(
      (node) => node.textContent === ${JSON.stringify(MARKS)}).style`;
    const shown = await shoot();
    await evaluate(page, `${marksText}.visibility = 'hidden'`, v.string());
    const hidden = await shoot();
    await evaluate(page, `${marksText}.visibility = ''`, v.string());
    const context = page.context();
    expect(await differingPixels(context, shown[0], hidden[0])).toBe(0);
    expect(await differingPixels(context, shown[1], hidden[1])).toBe(0);
    await screenshot(page, 'combining-marks');
    await closeAll();
  });
});
