export type ChatMessage = import('./frames.js').ChatMessage;
export type Reply = import('./frames.js').Reply;
/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').Reply} Reply */
export declare class MessageStore {
    #private;
    /** The message with this id as last received, or undefined when it is not held. */
    get(/** @type {number} */ id: number): import("./frames.js").ChatMessage | undefined;
    /** Every message held, oldest first. */
    list(): import("./frames.js").ChatMessage[];
    /**
     * Takes `message` as its id's latest state when it is newer than the copy held, or when none is
     * held and `hold` says to keep it. Returns the held messages whose state this changed: the
     * message itself when it replaced an older copy (not when it is newly held), then every held
     * reply whose excerpt of it changed. A copy of a message that is not held still refreshes the
     * replies to it.
     * @param {ChatMessage} message
     * @param {boolean} hold
     * @returns {ChatMessage[]}
     */
    put(message: ChatMessage, hold: boolean): ChatMessage[];
    /**
     * Every held message of `userId` that is not deleted yet becomes a tombstone (a ban's purge),
     * keeping its `seq` until the real tombstone, with its own, comes in. Returns what changed: each
     * tombstone, then the replies to it.
     * @param {string} userId
     * @returns {ChatMessage[]}
     */
    tombstoneAll(userId: string): ChatMessage[];
    /** Forgets every message (the room's storage was reset). */
    clear(): void;
}
/**
 * The excerpt a reply to `message` carries, as the room computes it when it sends the reply: its
 * user and the first REPLY_EXCERPT_LENGTH code points of its text, or `deleted` for a tombstone.
 * @param {ChatMessage} message
 * @returns {Reply}
 */
export declare function replyExcerpt(message: ChatMessage): Reply;
