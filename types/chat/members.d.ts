export type User = import('./frames.js').User;
export type WelcomeFrame = import('./frames.js').WelcomeFrame;
/** @typedef {import('./frames.js').User} User */
/** @typedef {import('./frames.js').WelcomeFrame} WelcomeFrame */
export declare class MemberList {
    #private;
    /** One entry per user (at most PRESENCE_LIMIT of them in a crowded room), in the room's order. */
    get list(): import("./frames.js").User[];
    /** How many users are connected in all. */
    get count(): number;
    /** @param {WelcomeFrame} welcome */
    welcome(welcome: WelcomeFrame): void;
    /**
     * A user's first connection opened, or their last one closed. A join of someone already
     * listed (ourselves, say) changes nothing.
     * @param {'join' | 'leave'} change
     * @param {User} user
     */
    apply(change: 'join' | 'leave', user: User): void;
    /** A crowded room's count (the list is not kept up to date past PRESENCE_LIMIT). */
    presence(/** @type {number} */ count: number): void;
}
