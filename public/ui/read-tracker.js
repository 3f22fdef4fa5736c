// @ts-check
// Which messages this person has seen: a message counts once it has been on screen in the log
// (at least half of it, or half the log's height for a tall one) while the tab is visible.
import { watchMessageItems } from './log-items.js';

export class ReadTracker {
  #onSeen;
  /** The ids of the message items on screen now. @type {Set<number>} */
  #onScreen = new Set();

  /**
   * @param {HTMLElement} log the scroll container
   * @param {(id: number) => void} onSeen called with the highest id on screen whenever it may
   *   have changed while the tab is visible (and when the tab becomes visible)
   */
  constructor(log, onSeen) {
    this.#onSeen = onSeen;
    const observer = new IntersectionObserver((entries) => this.#intersections(entries), {
      root: log,
      threshold: [0, 0.5, 1],
    });
    watchMessageItems(log, {
      added: (items) => items.forEach((item) => observer.observe(item)),
      removed: (item) => {
        observer.unobserve(item);
        this.#onScreen.delete(Number(item.dataset.id));
      },
    });
    document.addEventListener('visibilitychange', () => this.#report());
  }

  /** @param {IntersectionObserverEntry[]} entries */
  #intersections(entries) {
    for (const entry of entries) {
      if (!(entry.target instanceof HTMLElement)) continue;
      const id = Number(entry.target.dataset.id);
      const logHeight = entry.rootBounds?.height ?? Infinity;
      const onScreen =
        entry.isIntersecting &&
        (entry.intersectionRatio >= 0.5 || entry.intersectionRect.height >= logHeight / 2);
      if (onScreen) this.#onScreen.add(id);
      else this.#onScreen.delete(id);
    }
    this.#report();
  }

  #report() {
    if (document.visibilityState !== 'visible' || this.#onScreen.size === 0) return;
    this.#onSeen(Math.max(...this.#onScreen));
  }
}
