// @ts-check
// Where the library keeps what must outlive a connection (the outbox, a guest's refresh token):
// any object with these three methods. localStorage fits as it is; the default is in memory.

/**
 * localStorage and sessionStorage fit, as does anything with these three methods. Any of them may
 * throw (storage full or disabled); the library then carries on in memory.
 * @typedef {{ getItem(key: string): string | null, setItem(key: string, value: string): void, removeItem(key: string): void }} Storage
 */

/** A storage that lives as long as the page or process. @returns {Storage} */
export function memoryStorage() {
  /** @type {Map<string, string>} */ const values = new Map();
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, String(value)),
    removeItem: (key) => void values.delete(key),
  };
}
