export type Storage = {
    getItem(key: string): string | null;
    setItem(key: string, value: string): void;
    removeItem(key: string): void;
};
/**
 * localStorage and sessionStorage fit, as does anything with these three methods. Any of them may
 * throw (storage full or disabled); the library then carries on in memory.
 * @typedef {{ getItem(key: string): string | null, setItem(key: string, value: string): void, removeItem(key: string): void }} Storage
 */
/** A storage that lives as long as the page or process. @returns {Storage} */
export declare function memoryStorage(): Storage;
