// Moderation on the page, in a real Chromium against `wrangler dev`: a guest creates a private
// link room on "/" (and owns it), another opens its link; the owner mutes, sets slow mode and
// read-only, appoints a moderator and bans, from the person menu and the settings panel, and both
// pages show what happened. axe-core on the menu, the settings panel, the banner and the banned
// page, in the light and the dark scheme.
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newUser, openSocket } from '../e2e/client.ts';
import { startDevServer, type DevServer } from '../e2e/wrangler.mjs';
import {
  confirmed,
  Contexts,
  describeInBrowser,
  evaluate,
  exactText,
  joinRoom,
  launchBrowser,
  runAxe,
  screenshot,
  sendMessage,
  waitConnected,
  type Violation,
} from './browser.ts';

describeInBrowser('moderation on the chat page', () => {
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

  const context = (options?: BrowserContextOptions) => contexts.open(options);

  async function closeAll(): Promise<void> {
    expect(await contexts.closeAll()).toEqual([]);
  }

  /** Creates a private link room on "/" as `name`, who lands in it as its owner. */
  async function createRoom(page: Page, name: string): Promise<string> {
    await page.goto(`${server.origin}/`);
    await page.locator('#create-name').fill(name);
    await page.locator('#create-room').click();
    await page.waitForURL(/\/room\/[a-z2-7]{26}$/);
    await waitConnected(page);
    const room = /\/room\/([a-z2-7]{26})$/.exec(page.url())?.[1];
    if (!room) throw new Error(`not a created room: ${page.url()}`);
    return room;
  }

  /** Olga owns a new room; Dan has joined it by its link. */
  async function ownerAndMember(options: BrowserContextOptions = {}) {
    const owner = await (await context(options)).newPage();
    const room = await createRoom(owner, 'Olga');
    const member = await joinRoom(await context(options), server.origin, room, 'Dan');
    await person(owner, 'Dan').waitFor();
    return { room, owner, member };
  }

  /** The person button of `name` in the member list. */
  const person = (page: Page, name: string) =>
    page.locator('#members button.person').filter({ hasText: exactText(name) });
  const notice = (page: Page, text: string) =>
    page.locator('#log .notice').filter({ hasText: exactText(text) });
  const menuItem = (page: Page, label: string) =>
    page.getByRole('menuitem', { name: label, exact: true });
  const focusedText = (page: Page) =>
    evaluate(page, 'document.activeElement?.textContent ?? ""', v.string());

  /** Opens the person menu of `name` with the keyboard and picks `label`. */
  async function act(page: Page, name: string, label: string): Promise<void> {
    await person(page, name).focus();
    await page.keyboard.press('Enter');
    await menuItem(page, label).focus();
    await page.keyboard.press('Enter');
  }

  async function openSettings(page: Page): Promise<void> {
    if (await page.locator('#room-settings').isHidden())
      await page.locator('#settings-toggle').click();
    await page.locator('#room-settings').waitFor();
  }

  it('creates a private link room on / whose owner copies its link, by the Clipboard API or by hand', async () => {
    const ownerContext = await context({ permissions: ['clipboard-read', 'clipboard-write'] });
    const owner = await ownerContext.newPage();
    const room = await createRoom(owner, 'Olga');
    expect(await owner.title()).toBe(`#${room} – edge chat`);
    await owner.locator('#copy-room-link').click();
    await owner
      .locator('#copy-room-status')
      .filter({ hasText: /^Link copied/ })
      .waitFor();
    expect(await evaluate(owner, 'navigator.clipboard.readText()', v.string())).toBe(
      `${server.origin}/room/${room}`,
    );
    expect(await owner.locator('#room-link-field').isHidden()).toBe(true);

    // Without a Clipboard API (an insecure context has none), the link is selected in a field.
    const bare = await ownerContext.newPage();
    await bare.addInitScript('delete Navigator.prototype.clipboard');
    await bare.goto(`${server.origin}/room/${room}`);
    // A new tab asks for the name again (prefilled: the same person, so still the owner).
    expect(await bare.locator('#name').inputValue()).toBe('Olga');
    await bare.locator('#join').click();
    await waitConnected(bare);
    await bare.locator('#copy-room-link').click();
    await bare
      .locator('#copy-room-status')
      .filter({ hasText: /^Could not copy/ })
      .waitFor();
    expect(await bare.locator('#room-link-field').inputValue()).toBe(
      `${server.origin}/room/${room}`,
    );
    expect(
      await evaluate(
        bare,
        `(() => { const f = document.activeElement; return f.id + ' ' + (f.selectionEnd - f.selectionStart); })()`,
        v.string(),
      ),
    ).toBe(`room-link-field ${`${server.origin}/room/${room}`.length}`);

    // Whoever opens the link is a member: no link to copy, no settings, no person menus.
    const member = await joinRoom(await context(), server.origin, room, 'Dan');
    await member.locator('#members li[data-user-id]').filter({ hasText: 'Olga' }).waitFor();
    await sendMessage(owner, 'welcome to my room');
    await confirmed(member, 'welcome to my room').waitFor();
    expect(await member.locator('#copy-room-link').isHidden()).toBe(true);
    expect(await member.locator('#settings-toggle').isHidden()).toBe(true);
    expect(await member.locator('button.person').count()).toBe(0);
    // The owner may act on Dan, never on herself.
    await person(owner, 'Dan').waitFor();
    expect(await owner.locator('#members li.own button.person').count()).toBe(0);
    await closeAll();
  });

  it('a muted member sees a countdown, and what they write meanwhile is sent once unmuted', async () => {
    const { owner, member } = await ownerAndMember();
    await sendMessage(member, 'hello from Dan');
    await confirmed(owner, 'hello from Dan').waitFor();
    // The author's name on a message opens the same menu.
    await owner.locator('#log .message .author.person').filter({ hasText: 'Dan' }).waitFor();

    // A real menu: focus lands on its first item, arrows move, Escape closes and gives focus back.
    await person(owner, 'Dan').focus();
    await owner.keyboard.press('Enter');
    await owner.getByRole('menu', { name: 'Moderate Dan' }).waitFor();
    expect(await focusedText(owner)).toBe('Mute for 10 minutes');
    await owner.keyboard.press('ArrowDown');
    expect(await focusedText(owner)).toBe('Mute for 1 hour');
    await owner.keyboard.press('End');
    expect(await focusedText(owner)).toBe('Make moderator');
    await owner.keyboard.press('Escape');
    expect(await owner.getByRole('menu').count()).toBe(0);
    expect(await focusedText(owner)).toBe('Dan');
    expect(await person(owner, 'Dan').getAttribute('aria-expanded')).toBe('false');

    await act(owner, 'Dan', 'Mute for 10 minutes');
    await notice(owner, 'You muted Dan for 10 minutes').waitFor();
    await notice(member, 'Olga muted you for 10 minutes').waitFor();
    const banner = member.locator('#standing-banner');
    await expect.poll(() => banner.textContent()).toMatch(/^You are muted for (9:5\d|10:00)$/);
    // It counts down, in a line that is not a live region; the news is said once, elsewhere.
    const first = await banner.textContent();
    await expect.poll(() => banner.textContent(), { timeout: 3_000 }).not.toBe(first);
    expect(await banner.getAttribute('aria-live')).toBeNull();
    expect(await member.locator('#standing-announcer').textContent()).toBe(
      'You are muted for 10 minutes.',
    );

    // What Dan writes while muted waits in the outbox, and goes once the mute is lifted.
    await sendMessage(member, 'written while muted');
    await member.locator('#outbox .message.pending').waitFor();
    expect(await member.locator('#outbox .message.pending .state').textContent()).toBe(
      'waits until your mute ends…',
    );
    await act(owner, 'Dan', 'Unmute');
    await notice(member, 'Olga unmuted you').waitFor();
    await confirmed(owner, 'written while muted').waitFor();
    await confirmed(member, 'written while muted').waitFor();
    await banner.waitFor({ state: 'hidden' });
    await closeAll();
  });

  it('slow mode and read-only, set in the settings panel, hold the member back but not the owner', async () => {
    const { owner, member } = await ownerAndMember();
    await openSettings(owner);
    await owner.locator('#slow-mode').selectOption('30');
    await owner.locator('#settings-status').filter({ hasText: 'Saved.' }).waitFor();
    await notice(owner, 'You turned on slow mode (30 s)').waitFor();
    await notice(member, 'Olga turned on slow mode (30 s)').waitFor();

    await sendMessage(member, 'one message');
    await confirmed(member, 'one message').waitFor();
    const banner = member.locator('#standing-banner');
    await expect
      .poll(() => banner.textContent())
      .toMatch(/^Slow mode: you can send again in (2\d|30) s$/);
    await sendMessage(owner, 'the owner is not held');
    await confirmed(owner, 'the owner is not held').waitFor();
    expect(await owner.locator('#standing-banner').isHidden()).toBe(true);

    await owner.locator('#slow-mode').selectOption('0');
    await notice(member, 'Olga turned off slow mode').waitFor();
    await banner.waitFor({ state: 'hidden' });

    await owner.locator('#read-only').check();
    await notice(member, 'Olga made the room read-only').waitFor();
    await expect.poll(() => member.locator('#message').isDisabled()).toBe(true);
    expect(await member.locator('#send').isDisabled()).toBe(true);
    expect(await member.locator('#read-only-note').textContent()).toBe(
      'Only moderators can write in this room.',
    );
    expect(await owner.locator('#message').isDisabled()).toBe(false);
    await sendMessage(owner, 'only I can write now');
    await confirmed(member, 'only I can write now').waitFor();

    await owner.locator('#read-only').uncheck();
    await notice(member, 'Olga let everyone write again (read-only is off)').waitFor();
    await expect.poll(() => member.locator('#message').isDisabled()).toBe(false);
    await sendMessage(member, 'back to normal');
    await confirmed(owner, 'back to normal').waitFor();
    await closeAll();
  });

  it('the owner appoints a moderator, who moderates members but is offered nothing on the owner', async () => {
    const { room, owner, member } = await ownerAndMember();
    const eve = await joinRoom(await context(), server.origin, room, 'Eve');
    await act(owner, 'Dan', 'Make moderator');
    await notice(owner, 'You made Dan a moderator').waitFor();
    await notice(member, 'Olga made you a moderator').waitFor();
    await notice(eve, 'Olga made Dan a moderator').waitFor();

    await member.locator('#settings-toggle').waitFor();
    await person(member, 'Eve').waitFor();
    // Only the owner appoints, so the appointment told Dan who the owner is.
    expect(await member.locator('#members button.person').allTextContents()).toEqual(['Eve']);
    await act(member, 'Eve', 'Mute for 1 hour');
    await notice(eve, 'Dan muted you for 1 hour').waitFor();
    await eve
      .locator('#standing-banner')
      .filter({ hasText: /^You are muted for 59:5\d|1:00:00$/ })
      .waitFor();
    // A moderator's menu has no role items; the owner's now offers to take it back.
    await person(owner, 'Dan').click();
    await menuItem(owner, 'Remove moderator').waitFor();
    await owner.keyboard.press('Escape');

    // A moderator by token claim: the room refuses to change their role, and the page says so.
    const mo = await newUser('Mo', undefined, { mod: [room] });
    const socket = await openSocket(server.origin, room, mo.token);
    await socket.nextOf('welcome');
    await act(owner, 'Mo', 'Make moderator');
    await owner.locator('#alert').filter({ hasText: 'role comes from their token' }).waitFor();
    await socket.close();
    await closeAll();
  });

  it('the owner bans and purges a member, who sees the banned page with its end; the ban is listed and lifted', async () => {
    const { room, owner, member } = await ownerAndMember();
    await sendMessage(member, 'spam spam spam');
    await confirmed(owner, 'spam spam spam').waitFor();

    // Ban asks first; Cancel bans nobody.
    await act(owner, 'Dan', 'Ban…');
    await owner.getByRole('dialog', { name: 'Ban Dan?' }).waitFor();
    await owner.getByRole('button', { name: 'Cancel' }).click();
    expect(await owner.getByRole('dialog').count()).toBe(0);
    expect(await focusedText(owner)).toBe('Dan');

    await act(owner, 'Dan', 'Ban and delete their messages…');
    const dialog = owner.getByRole('dialog', { name: 'Ban and delete messages of Dan?' });
    await dialog.waitFor();
    await owner.locator('#ban-length').selectOption('3600');
    // A reason over the room's limit is caught here, and bans nobody.
    await owner.locator('#ban-reason').fill('x'.repeat(201));
    await owner.locator('#ban-confirm').click();
    await owner
      .locator('#ban-reason-error')
      .filter({ hasText: 'Use at most 200 characters.' })
      .waitFor();
    expect(await owner.locator('#ban-reason').getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.isVisible()).toBe(true);
    expect(await member.locator('#banned-view').count()).toBe(0);
    await owner.locator('#ban-reason').fill('spam');
    await owner.locator('#ban-confirm').click();

    await notice(owner, 'You banned Dan for 1 hour (spam)').waitFor();
    await notice(owner, 'You removed Dan’s messages').waitFor();
    await owner
      .locator(`#log .message[data-user-id] .text.deleted`)
      .filter({ hasText: 'message deleted' })
      .waitFor();
    expect(await owner.locator('#log .text', { hasText: 'spam spam spam' }).count()).toBe(0);

    const banned = member.locator('#banned-view');
    await banned.waitFor();
    expect(await banned.locator('h1').textContent()).toBe(`You were banned from #${room}`);
    expect(await banned.locator('.ban-reason').textContent()).toBe('Reason: spam');
    expect(await banned.locator('.ban-ends').textContent()).toMatch(
      /^The ban ends on .+ \(in 1 hour\)\.$/,
    );
    expect(await member.locator('#chat-view').isHidden()).toBe(true);
    expect(await focusedText(member)).toBe(`You were banned from #${room}`);
    // No reconnect loop: the client has closed for good.
    await member.waitForTimeout(2_500);
    expect(await member.locator('#status').getAttribute('data-state')).toBe('closed');
    expect(await member.locator('#alert').textContent()).toBe('');

    await openSettings(owner);
    const entry = owner.locator('#bans li.ban');
    await entry.waitFor();
    expect(await entry.locator('.ban-what').textContent()).toMatch(
      /^Dan, by Olga, until .+: spam$/,
    );
    await owner.getByRole('button', { name: 'Unban Dan' }).click();
    await notice(owner, 'You lifted the ban on Dan').waitFor();
    await owner.locator('#bans li', { hasText: 'Nobody is banned.' }).waitFor();

    // Lifted: Dan's reload gets back in.
    await member.reload();
    await waitConnected(member);
    await closeAll();
  });

  it('has no serious or critical axe-core violations on the menu, the settings panel, the banner and the banned page, light and dark', async () => {
    const serious: Violation[] = [];
    const check = async (page: Page, view: string) => {
      const axe = await runAxe(page);
      serious.push(
        ...axe.violations.filter(
          (found) => found.impact === 'serious' || found.impact === 'critical',
        ),
      );
      expect(axe.passed).toContain('color-contrast');
      await screenshot(page, view);
    };
    for (const colorScheme of ['light', 'dark'] as const) {
      const { owner, member } = await ownerAndMember({ colorScheme });
      await person(owner, 'Dan').click();
      await menuItem(owner, 'Mute for 10 minutes').waitFor();
      await check(owner, `moderation-menu-${colorScheme}`);
      await menuItem(owner, 'Mute for 10 minutes').click();
      await member.locator('#standing-banner').waitFor();
      await sendMessage(member, 'held back');
      await member.locator('#outbox .message.pending').waitFor();
      await check(member, `moderation-banner-${colorScheme}`);

      await openSettings(owner);
      await owner.locator('#read-only').check();
      await member.locator('#read-only-note').waitFor();
      await check(owner, `moderation-settings-${colorScheme}`);
      await check(member, `moderation-read-only-${colorScheme}`);

      await act(owner, 'Dan', 'Ban…');
      await owner.getByRole('dialog').waitFor();
      await check(owner, `moderation-ban-dialog-${colorScheme}`);
      await owner.locator('#ban-reason').fill('off-topic');
      await owner.locator('#ban-confirm').click();
      await member.locator('#banned-view').waitFor();
      await check(member, `moderation-banned-${colorScheme}`);
      await owner.locator('#bans li.ban').waitFor();
      await check(owner, `moderation-bans-${colorScheme}`);
    }
    // A phone: the header's tools and the settings panel fit its width.
    const phone = await (await context({ viewport: { width: 360, height: 720 } })).newPage();
    await createRoom(phone, 'Pia');
    await openSettings(phone);
    const width = await evaluate(phone, 'document.documentElement.scrollWidth', v.number());
    expect(width).toBeLessThanOrEqual(360);
    await check(phone, 'moderation-settings-phone');
    expect(serious).toEqual([]);
    await closeAll();
  });
});
