// What a person has not read, in a real Chromium against `wrangler dev` with the shipped limits:
// the "New messages" divider and the title's count after a reload, two tabs of one guest agreeing
// on it, mentions highlighted (strongly when they name the reader), the title's mention count and
// desktop notifications of mentions while the tab is hidden, and axe on all of it, light and dark.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newUser, openSocket, uniqueRoom } from '../e2e/client.ts';
import { startDevServer, type DevServer } from '../e2e/wrangler.mjs';
import {
  confirmed,
  Contexts,
  describeInBrowser,
  evaluate,
  joinRoom,
  launchBrowser,
  runAxe,
  screenshot,
  waitConnected,
} from './browser.ts';
import { RECORD_NOTIFICATIONS, sendPaced, setVisibility, visibilityScript } from './tabs.ts';

describeInBrowser('unread messages and mentions in Chromium', () => {
  let server: DevServer;
  let browser: Browser;
  const contexts = new Contexts(() => browser);

  beforeAll(async () => {
    [server, browser] = await Promise.all([startDevServer({ snapshot: true }), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function closeAll(): Promise<void> {
    expect(await contexts.closeAll()).toEqual([]);
  }

  /** A second tab of the guest of `context`, hidden behind the first from the start. */
  async function hiddenTab(context: BrowserContext, room: string): Promise<Page> {
    const page = await context.newPage();
    await page.addInitScript(visibilityScript('hidden'));
    await page.goto(`${server.origin}/room/${room}`);
    await page.locator('#join').click();
    await waitConnected(page);
    return page;
  }

  const base = (room: string) => `#${room} – edge chat`;
  const tall = (n: number) => `news ${n}\nsecond line\nthird line\nfourth line`;

  it('opens at a “New messages” divider after a reload, counts the unread in the title in every tab, and counts down as they are seen', async () => {
    const room = uniqueRoom('unread');
    // A short window: five tall messages don't fit in the log at once.
    const ctx = await contexts.open({ viewport: { width: 900, height: 520 } });
    const ann = await joinRoom(ctx, server.origin, room, 'Ann');
    const bea = await newUser('Bea');
    const socket = await openSocket(server.origin, room, bea.token);
    await socket.nextOf('welcome');
    await sendPaced(socket, ['hello Ann']);
    await confirmed(ann, 'hello Ann').waitFor();

    // A hidden tab of Ann's counts nothing it sees, so its count is the room's marker.
    const behind = await hiddenTab(ctx, room);
    await expect.poll(() => behind.title()).toBe(base(room));

    // Ann's first tab goes away (the same tab comes back later, hidden at first); Bea writes five.
    await ann.goto('about:blank');
    await sendPaced(socket, [1, 2, 3, 4, 5].map(tall));
    await expect.poll(() => behind.title()).toBe(`(5) ${base(room)}`);
    await ann.addInitScript(visibilityScript('hidden'));
    await ann.goto(`${server.origin}/room/${room}`);
    await waitConnected(ann);
    await expect.poll(() => ann.title()).toBe(`(5) ${base(room)}`);

    // The divider sits right above Bea's first unread message, and the log opened there.
    const divider = ann.locator('#log #unread-divider');
    expect(await divider.textContent()).toBe('New messages');
    expect(
      await evaluate(
        ann,
        `document.querySelector('#unread-divider').nextElementSibling.querySelector('.text').textContent`,
        v.string(),
      ),
    ).toBe(tall(1));
    const [box, log] = await Promise.all([
      divider.boundingBox(),
      ann.locator('#log').boundingBox(),
    ]);
    if (!box || !log) throw new Error('the divider or the log is not laid out');
    expect(box.y - log.y).toBeGreaterThanOrEqual(0);
    expect(box.y - log.y).toBeLessThan(40);
    await checkAxe(ann, 'unread-divider');

    // Visible: what is on screen is read, not what is below it; the other tab follows the room.
    await setVisibility(ann, 'visible');
    const counted = async (page: Page) => Number(/^\((\d+)\)/.exec(await page.title())?.[1] ?? 0);
    await expect.poll(() => counted(ann)).toBeLessThan(5);
    const left = await counted(ann);
    expect(left).toBeGreaterThan(0);
    await expect.poll(() => behind.title()).toBe(await ann.title());

    await ann.locator('#log').evaluate((element) => (element.scrollTop = element.scrollHeight));
    await expect.poll(() => ann.title()).toBe(base(room));
    await expect.poll(() => behind.title()).toBe(base(room));
    // The divider stays where it was for this view.
    expect(await divider.count()).toBe(1);

    await socket.close();
    await closeAll();
  });

  it('opens at the first unread message when it is older than the page the room opens with', async () => {
    const room = uniqueRoom('unread-many');
    const ctx = await contexts.open();
    const ann = await joinRoom(ctx, server.origin, room, 'Ann');
    const bea = await newUser('Bea');
    const socket = await openSocket(server.origin, room, bea.token);
    await socket.nextOf('welcome');
    await sendPaced(socket, ['already read']);
    await confirmed(ann, 'already read').waitFor();
    const behind = await hiddenTab(ctx, room);
    await expect.poll(() => behind.title()).toBe(base(room));

    // More unread messages than a join's page (50): the first of them is not in that page.
    await ann.goto('about:blank');
    const many = Array.from({ length: 60 }, (_, n) => `unread ${n + 1}`);
    await sendPaced(socket, many);
    await ann.addInitScript(visibilityScript('hidden'));
    await ann.goto(`${server.origin}/room/${room}`);
    await waitConnected(ann);
    // Its page is fetched: the count is exact, and the divider sits between read and unread.
    await expect.poll(() => ann.title()).toBe(`(60) ${base(room)}`);
    const divider = ann.locator('#log #unread-divider');
    await divider.waitFor();
    const neighbours = await evaluate(
      ann,
      `(() => {
        const divider = document.querySelector('#unread-divider');
        return [divider.previousElementSibling, divider.nextElementSibling].map(
          (item) => item.querySelector('.text')?.textContent ?? item.className,
        );
      })()`,
      v.array(v.string()),
    );
    expect(neighbours).toEqual(['already read', 'unread 1']);
    // One unbroken log, one day separator, and the log at the divider.
    await expect.poll(() => ann.locator('#log .message[data-id]').count()).toBe(61);
    expect(await ann.locator('#log .day').count()).toBe(1);
    const [box, log] = await Promise.all([
      divider.boundingBox(),
      ann.locator('#log').boundingBox(),
    ]);
    if (!box || !log) throw new Error('the divider or the log is not laid out');
    expect(box.y - log.y).toBeGreaterThanOrEqual(0);
    expect(box.y - log.y).toBeLessThan(40);
    await socket.close();
    await closeAll();
  });

  it('highlights mentions, strongly those of the reader, counts them in a hidden tab’s title and notifies of them when asked to', async () => {
    const room = uniqueRoom('mentions');
    const ctx = await contexts.open();
    await ctx.grantPermissions(['notifications'], { origin: server.origin });
    await ctx.addInitScript(RECORD_NOTIFICATIONS);
    await ctx.addInitScript(visibilityScript('visible'));
    const ann = await joinRoom(ctx, server.origin, room, 'Ann Lee');
    const bea = await newUser('Bea');
    const socket = await openSocket(server.origin, room, bea.token);
    await socket.nextOf('welcome');

    await sendPaced(socket, [
      '@ann lee, hi',
      '@someoneelse look',
      '@Ann alone is someone else',
      'mail ann@example.com',
    ]);
    const mine = confirmed(ann, '@ann lee, hi');
    await mine.waitFor();
    await confirmed(ann, 'mail ann@example.com').waitFor();
    // Case-insensitive, and the whole of a name with a space in it.
    expect(await mine.locator('.mention.mention-me').allTextContents()).toEqual(['@ann lee']);
    expect(await mine.getAttribute('class')).toContain('mentions-me');
    const other = confirmed(ann, '@someoneelse look');
    expect(await other.locator('.mention').allTextContents()).toEqual(['@someoneelse']);
    expect(await other.locator('.mention-me').count()).toBe(0);
    expect(await other.getAttribute('class')).not.toContain('mentions-me');
    // Only the whole name is the reader's: "@Ann" names someone else.
    const partly = confirmed(ann, '@Ann alone is someone else');
    expect(await partly.locator('.mention').allTextContents()).toEqual(['@Ann']);
    expect(await partly.locator('.mention-me').count()).toBe(0);
    // An e-mail address is no mention.
    expect(await confirmed(ann, 'mail ann@example.com').locator('.mention').count()).toBe(0);

    // Notifications are off until asked for, and nothing asked on load.
    const notify = ann.locator('#notify');
    expect(await notify.textContent()).toBe('Notify me of mentions');
    expect(await notify.getAttribute('aria-pressed')).toBe('false');
    await notify.click();
    await expect.poll(() => notify.getAttribute('aria-pressed')).toBe('true');

    // The tab is hidden (emulated: the page's own visibility is what it reads).
    await setVisibility(ann, 'hidden');
    await sendPaced(socket, ['@Ann Lee are you there? <b>x</b>', 'just chatting']);
    await expect.poll(() => ann.title()).toBe(`(1 @ · 2) ${base(room)}`);
    // Headless Chromium shows no notification, so the page's Notification is wrapped to record
    // each one made (tabs.ts): one, for the mention only, as text.
    const made = await recorded(ann);
    expect(made).toEqual([{ title: `Bea in #${room}`, body: '@Ann Lee are you there? <b>x</b>' }]);

    // Clicking it brings the tab forward at the message; once seen, the counts clear.
    await ann.evaluate(`window.__notifications[0].instance.dispatchEvent(new Event('click'))`);
    await setVisibility(ann, 'visible');
    await expect
      .poll(() => confirmed(ann, '@Ann Lee are you there? <b>x</b>').getAttribute('class'))
      .toContain('jumped');
    await expect.poll(() => ann.title()).toBe(base(room));

    // The choice is remembered: after a reload the button is still on, and no prompt came.
    await ann.reload();
    await waitConnected(ann);
    await expect.poll(() => notify.getAttribute('aria-pressed')).toBe('true');
    await setVisibility(ann, 'visible');
    await checkAxe(ann, 'mentions');
    await notify.click();
    await expect.poll(() => notify.getAttribute('aria-pressed')).toBe('false');

    await socket.close();
    await closeAll();
  });

  it('asks for the notification permission only when the button is pressed, and says when the browser blocks it', async () => {
    const room = uniqueRoom('blocked');
    const ctx = await contexts.open();
    await ctx.addInitScript(RECORD_NOTIFICATIONS);
    const ann = await joinRoom(ctx, server.origin, room, 'Ann');
    const requests = (page: Page) => evaluate(page, 'window.__permissionRequests', v.number());
    const notify = ann.locator('#notify');
    expect(await notify.getAttribute('data-state')).toBe('off');
    expect(await requests(ann)).toBe(0);
    // Pressed, it asks (headless Chromium leaves the prompt unanswered).
    await notify.click();
    await expect.poll(() => requests(ann)).toBe(1);

    // Another guest's browser blocks notifications for the site: headless Chromium denies a
    // request made without a user's gesture, as a person blocking them would.
    const other = await contexts.open();
    await other.addInitScript(RECORD_NOTIFICATIONS);
    const bea = await joinRoom(other, server.origin, room, 'Bea');
    expect(await bea.evaluate('Notification.requestPermission()')).toBe('denied');
    await bea.reload();
    await waitConnected(bea);
    const blocked = bea.locator('#notify');
    expect(await blocked.getAttribute('data-state')).toBe('blocked');
    expect(await blocked.textContent()).toBe('Mention notifications blocked');
    expect(await blocked.getAttribute('aria-pressed')).toBe('false');
    // Pressed, it explains instead of asking again (the browser wouldn't ask).
    await blocked.click();
    await expect.poll(() => bea.locator('#alert').textContent()).toMatch(/blocked/);
    expect(await requests(bea)).toBe(0);
    await closeAll();
  });

  it('has no serious or critical axe-core violations with the divider and mentions, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const room = uniqueRoom(`unread-axe-${colorScheme}`);
      const ctx = await contexts.open({ colorScheme });
      const ann = await joinRoom(ctx, server.origin, room, 'Ann');
      const bea = await newUser('Bea');
      const socket = await openSocket(server.origin, room, bea.token);
      await socket.nextOf('welcome');
      await sendPaced(socket, ['first, read']);
      await confirmed(ann, 'first, read').waitFor();
      // The room has the marker once the hidden tab's title says nothing is unread.
      const behind = await hiddenTab(ctx, room);
      await expect.poll(() => behind.title()).toBe(base(room));
      await ann.goto('about:blank');
      await sendPaced(socket, ['@Ann look at this', 'and @someone else', 'plain words']);
      await expect.poll(() => behind.title()).toBe(`(1 @ · 3) ${base(room)}`);
      await ann.goto(`${server.origin}/room/${room}`);
      await waitConnected(ann);
      await ann.locator('#unread-divider').waitFor();
      await checkAxe(ann, `unread-${colorScheme}`);
      await socket.close();
    }
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

async function recorded(page: Page) {
  return evaluate(
    page,
    `window.__notifications.map(({ title, body }) => ({ title, body }))`,
    v.array(v.object({ title: v.string(), body: v.string() })),
  );
}
