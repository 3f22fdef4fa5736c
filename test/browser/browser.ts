// Shared parts of the browser tests: launching the system's Chromium through playwright-core
// (never a downloaded browser), joining a room the way a person does, reading the log, axe-core
// and screenshots. Page code is passed as strings: this program has no DOM types (its lib is the
// Workers one), and whatever a page returns is narrowed from `unknown` with valibot.
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = fileURLToPath(
  new URL('../../test-results/screenshots/', import.meta.url),
);

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function chromiumIsThere(): boolean {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `describe`, or, without a Chromium at CHROMIUM_PATH: a loud warning and a skip, except under
 * CI=true, where a missing browser is one failing test (a skip would pass unseen).
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (chromiumIsThere()) {
    describe(name, body);
    return;
  }
  const warning = `\n${'!'.repeat(78)}\n!! No Chromium at ${CHROMIUM_PATH}: the browser tests "${name}" do not run.\n!! Install it (apt-get install -y chromium) or set CHROMIUM_PATH.\n${'!'.repeat(78)}\n`;
  console.warn(warning);
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('finds a Chromium to drive (CI=true requires one)', () => {
        throw new Error(`no executable Chromium at ${CHROMIUM_PATH}`);
      });
    });
  } else {
    describe.skip(name, body);
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS });
}

/** A context whose pages report their console errors and uncaught exceptions into `problems`. */
/**
 * The browser contexts of one test file. Every page opened in them is watched: a page error or an
 * unexpected console error is collected, and closeAll() hands the collection back to assert on.
 */
export class Contexts {
  readonly #browser: () => Browser;
  readonly #open: BrowserContext[] = [];
  readonly #problems: string[] = [];

  constructor(browser: () => Browser) {
    this.#browser = browser;
  }

  async open(options: BrowserContextOptions = {}): Promise<BrowserContext> {
    const context = await this.#browser().newContext({
      viewport: { width: 1100, height: 760 },
      ...options,
    });
    this.#open.push(context);
    context.on('page', (page) => watch(page, this.#problems));
    return context;
  }

  /** Closes every context opened so far; resolves to what went wrong in their pages (none, ideally). */
  async closeAll(): Promise<string[]> {
    await Promise.all(this.#open.splice(0).map((context) => context.close()));
    return this.#problems.splice(0);
  }
}

function watch(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A stopped server or an offline network makes the browser log failed requests and sockets;
    // those are what those tests cause. Anything else (a 404, an exception) counts.
    if (
      message.type() === 'error' &&
      !/net::ERR_(CONNECTION_REFUSED|INTERNET_DISCONNECTED|CONNECTION_RESET)|^WebSocket connection to /.test(
        message.text(),
      )
    ) {
      problems.push(`console.error: ${message.text()}`);
    }
  });
}

/** Opens /room/<room>, types the name, presses Join and waits until the room has welcomed us. */
export async function joinRoom(
  context: BrowserContext,
  origin: string,
  room: string,
  name: string,
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}/room/${room}`);
  await page.locator('#name').fill(name);
  await page.locator('#join').click();
  await waitConnected(page);
  return page;
}

export async function waitConnected(page: Page, timeout = 20_000): Promise<void> {
  await page.locator('#status[data-state="connected"]').waitFor({ timeout });
}

/** Types into the composer and sends with Enter, as a person does. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.locator('#message').fill(text);
  await page.locator('#message').press('Enter');
}

/** A confirmed message (it has a server id) in the log whose text is exactly `text`. */
export function confirmed(page: Page, text: string) {
  return page
    .locator('#log .message[data-id]')
    .filter({ has: page.locator('.text', { hasText: exactText(text) }) });
}

export function exactText(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** Whether any part of the message with `text` is inside the log's scrolled viewport. */
export async function inLogView(page: Page, text: string): Promise<boolean> {
  const [box, log] = await Promise.all([
    confirmed(page, text).boundingBox(),
    page.locator('#log').boundingBox(),
  ]);
  if (!box || !log) return false;
  return box.y < log.y + log.height && box.y + box.height > log.y;
}

/** The texts of the confirmed messages in log order. */
export async function loggedTexts(page: Page): Promise<string[]> {
  return page.locator('#log .message[data-id] .text').allTextContents();
}

/** The ids of the confirmed messages in log order. */
export function loggedIds(page: Page): Promise<number[]> {
  return evaluate(
    page,
    `[...document.querySelectorAll('#log .message[data-id]')].map((item) => Number(item.dataset.id))`,
    v.array(v.number()),
  );
}

/** Evaluates `expression` in the page and checks its result against `schema`. */
export async function evaluate<S extends v.GenericSchema>(
  page: Page,
  expression: string,
  schema: S,
): Promise<v.InferOutput<S>> {
  const result: unknown = await page.evaluate(expression);
  return v.parse(schema, result);
}

// ---- axe-core ----

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const RuleResultsSchema = v.array(
  v.object({
    id: v.string(),
    impact: v.nullable(v.string()),
    help: v.string(),
    targets: v.array(v.string()),
  }),
);
export type Violation = v.InferOutput<typeof RuleResultsSchema>[number];
const AxeSummarySchema = v.object({
  violations: RuleResultsSchema,
  incomplete: RuleResultsSchema,
  passed: v.array(v.string()),
});
export type AxeSummary = v.InferOutput<typeof AxeSummarySchema>;

/**
 * Runs axe-core on the whole document: violations, checks it could not decide (incomplete) and the
 * ids of the rules that passed. It is evaluated over the DevTools protocol, which the page's CSP
 * (script-src 'self', no inline script) does not govern, so the page runs with its real policy.
 */
export async function runAxe(page: Page): Promise<AxeSummary> {
  const loaded = await evaluate(page, `${AXE_SOURCE}\n;typeof window.axe`, v.string());
  expect(loaded).toBe('object');
  return evaluate(
    page,
    `window.axe.run(document).then((results) => {
      const summary = (rule) => ({
        id: rule.id,
        impact: rule.impact ?? null,
        help: rule.help,
        targets: rule.nodes.map((node) => node.target.join(' ')),
      });
      return { violations: results.violations.map(summary), incomplete: results.incomplete.map(summary), passed: results.passes.map((rule) => rule.id) };
    })`,
    AxeSummarySchema,
  );
}

/** Counts of violations by impact, for the report: { minor, moderate, serious, critical }. */
export function byImpact(violations: Violation[]): Record<string, number> {
  const counts: Record<string, number> = { minor: 0, moderate: 0, serious: 0, critical: 0 };
  for (const violation of violations)
    counts[violation.impact ?? 'minor'] =
      (counts[violation.impact ?? 'minor'] ?? 0) + violation.targets.length;
  return counts;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: false });
}

/**
 * How many pixels of two screenshots of the same size differ by more than `tolerance` (0–255) in
 * any channel; -1 when their sizes differ. Decoded by the browser itself, on a blank page of
 * `context`. A tolerance absorbs the anti-aliasing noise of a repaint, which moves a pixel of a
 * rounded corner by one or two levels; text painted over something moves it by far more.
 */
export async function differingPixels(
  context: BrowserContext,
  a: Buffer,
  b: Buffer,
  tolerance = 24,
): Promise<number> {
  const page = await context.newPage();
  try {
    return await evaluate(
      page,
      `(async () => {
        const pixels = async (base64) => {
          const image = new Image();
          image.src = 'data:image/png;base64,' + base64;
          await image.decode();
          const canvas = document.createElement('canvas');
          [canvas.width, canvas.height] = [image.width, image.height];
          const context = canvas.getContext('2d');
          context.drawImage(image, 0, 0);
          return context.getImageData(0, 0, image.width, image.height).data;
        };
        const [a, b] = await Promise.all([pixels(${JSON.stringify(a.toString('base64'))}), pixels(${JSON.stringify(b.toString('base64'))})]);
        if (a.length !== b.length) return -1;
        let differing = 0;
        for (let i = 0; i < a.length; i += 4)
          for (let channel = 0; channel < 4; channel++)
            if (Math.abs(a[i + channel] - b[i + channel]) > ${tolerance}) { differing++; break; }
        return differing;
      })()`,
      v.number(),
    );
  } finally {
    await page.close();
  }
}
