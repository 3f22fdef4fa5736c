export type User = import('./frames.js').User;
export type Storage = import('./storage.js').Storage;
export type AccessToken = {
    token: string;
    user: User;
    expiresAt: number;
};
export type GuestOptions = {
    /**
     * the app's origin, e.g. `https://chat.example.com`
     */
    url: string;
    /**
     * the display name to ask for (signIn() can change it)
     */
    name: string;
    /**
     * keeps the refresh token and the user (localStorage in a page); in memory by default
     */
    storage?: Storage;
    /**
     * of the storage keys (`edgechat:`, so `edgechat:refresh` and `edgechat:user`)
     */
    prefix?: string;
    /**
     * the global fetch by default
     */
    fetch?: typeof fetch;
    /**
     * how long one request may take (10 s)
     */
    timeoutMs?: number;
};
/** @typedef {import('./frames.js').User} User */
/** @typedef {import('./storage.js').Storage} Storage */
/** @typedef {{ token: string, user: User, expiresAt: number }} AccessToken */
/**
 * @typedef {object} GuestOptions
 * @property {string} url the app's origin, e.g. `https://chat.example.com`
 * @property {string} name the display name to ask for (signIn() can change it)
 * @property {Storage} [storage] keeps the refresh token and the user (localStorage in a page); in memory by default
 * @property {string} [prefix] of the storage keys (`edgechat:`, so `edgechat:refresh` and `edgechat:user`)
 * @property {typeof fetch} [fetch] the global fetch by default
 * @property {number} [timeoutMs] how long one request may take (10 s)
 */
/** The token endpoint refused, or could not be reached (`status` 0). */
export declare class GuestTokenError extends Error {
    status: number;
    reason: string | null;
    /**
     * @param {string} message
     * @param {number} status the HTTP status, or 0 when no answer came
     * @param {string | null} reason the server's own `error` text, when it gave one
     */
    constructor(message: string, status: number, reason: string | null);
}
export declare class GuestSession {
    #private;
    /** @param {GuestOptions} options */
    constructor(options: GuestOptions);
    /** The guest as last issued (kept in the storage), or null before the first sign-in. */
    get user(): import("./frames.js").User | null;
    /**
     * Asks for a token under `name` (the given one by default), keeping the stored identity when a
     * refresh token is stored. Its access token is what the next token() call returns.
     * @param {string} [name]
     * @returns {Promise<AccessToken>}
     */
    signIn(name?: string): Promise<AccessToken>;
    /**
     * An access token for the next connection attempt: the one signIn() just fetched if no
     * connection has used it yet, otherwise a fresh one (the refresh token keeps the identity).
     * An arrow function, so it can be handed over as `token: session.token`.
     * @returns {Promise<string>}
     */
    token: () => Promise<string>;
    /** Forgets the refresh token and the user: the next token is a new guest. */
    forget(): void;
}
