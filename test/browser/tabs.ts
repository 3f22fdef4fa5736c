// Page scripts and socket helpers for the unread and search tests: a tab's visibility as the
// page reads it (document.visibilityState, document.hidden and `visibilitychange`), emulated,
// since headless Chromium keeps every tab visible; a record of the desktop notifications a page
// makes, since headless Chromium shows none; and sending many messages under the room's shipped
// rate limit.
import type { Page } from 'playwright-core';
import type { E2ESocket } from '../e2e/client.ts';
import { sleep } from '../e2e/client.ts';

/**
 * An init script: the page's visibility starts as `initial` and follows
 * `window.__setVisibility(state)`, which also fires `visibilitychange` as a real tab switch does.
 */
export function visibilityScript(initial: 'visible' | 'hidden'): string {
  return `(() => {
    let state = ${JSON.stringify(initial)};
    Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => state });
    Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => state !== 'visible' });
    window.__setVisibility = (next) => {
      state = next;
      document.dispatchEvent(new Event('visibilitychange'));
    };
  })()`;
}

/** Brings a page that runs visibilityScript() to the front, or sends it behind another tab. */
export async function setVisibility(page: Page, state: 'visible' | 'hidden'): Promise<void> {
  await page.evaluate(`window.__setVisibility(${JSON.stringify(state)})`);
}

/**
 * An init script: every Notification the page makes is still made, and also recorded in
 * `window.__notifications` ({ title, body, instance }), for the test to read and click; every
 * permission request is counted in `window.__permissionRequests`.
 */
export const RECORD_NOTIFICATIONS = `(() => {
  const Real = window.Notification;
  if (!Real) return;
  window.__notifications = [];
  window.__permissionRequests = 0;
  class Recorded extends Real {
    static requestPermission(...args) {
      window.__permissionRequests++;
      return Real.requestPermission(...args);
    }
    constructor(title, options) {
      super(title, options);
      window.__notifications.push({ title, body: options?.body ?? '', instance: this });
    }
  }
  Object.defineProperty(window, 'Notification', { configurable: true, writable: true, value: Recorded });
})()`;

/**
 * Sends `texts` as messages in order, each once the room has stored the one before; a
 * rate-limited one goes again after the wait the room names (the shipped limits are 10 at once,
 * then 2 a second).
 */
export async function sendPaced(socket: E2ESocket, texts: string[]): Promise<void> {
  for (const [index, text] of texts.entries()) {
    const clientId = `paced-${Date.now().toString(36)}-${index}`;
    for (;;) {
      socket.send({ type: 'message', text, clientId });
      const outcome = await stored(socket, clientId);
      if (outcome === 'stored') break;
      await sleep(outcome);
    }
  }
}

/** 'stored' once the message is, or how long to wait when the room refused it for its rate. */
async function stored(socket: E2ESocket, clientId: string): Promise<'stored' | number> {
  for (;;) {
    const frame = await socket.next(10_000);
    if (frame.type === 'message' && frame.clientId === clientId) return 'stored';
    if (frame.type === 'error') {
      if (frame.code !== 'rate_limited') throw new Error(`refused: ${JSON.stringify(frame)}`);
      return frame.retryAfterMs ?? 1_000;
    }
  }
}
