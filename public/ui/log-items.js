// @ts-check
// The confirmed message items of the log as they come and go: the log renders them (pages,
// edits, a start over) and the views that follow them (what has been seen, mentions) are told of
// each one added or removed, without the log having to know of them.

/** A confirmed message's item: it has a server id. */
export const MESSAGE_ITEM = 'li.message[data-id]';

/**
 * Calls `added` for every message item under `log` now and each one added later, `removed` for
 * each one taken out (replaced by its new state, or cleared).
 * @param {HTMLElement} log
 * @param {{ added: (items: HTMLElement[]) => void, removed?: (item: HTMLElement) => void }} watcher
 */
export function watchMessageItems(log, { added, removed }) {
  const items = (/** @type {Iterable<Node>} */ nodes) =>
    [...nodes].filter(
      /** @returns {node is HTMLElement} */ (node) =>
        node instanceof HTMLElement && node.matches(MESSAGE_ITEM),
    );
  added(items(log.querySelectorAll(MESSAGE_ITEM)));
  new MutationObserver((records) => {
    const fresh = records.flatMap((record) => items(record.addedNodes));
    for (const record of records) for (const item of items(record.removedNodes)) removed?.(item);
    // An item added and removed again in one batch is gone: nothing to tell of it.
    const present = fresh.filter((item) => item.isConnected);
    if (present.length > 0) added(present);
  }).observe(log, { childList: true, subtree: true });
}
