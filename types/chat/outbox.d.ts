import { Emitter } from './events.js';
export type ChatMessage = import('./frames.js').ChatMessage;
export type ErrorFrame = import('./frames.js').ErrorFrame;
export type OutboxItem = {
    clientId: string;
    text: string;
    ts: number;
    replyTo?: number;
    error?: string;
};
export type Storage = import('./storage.js').Storage;
export type OutboxEventMap = {
    /**
     * the items changed (added, acknowledged, failed, retried, discarded)
     */
    change: CustomEvent<OutboxItem[]>;
    /**
     * a message was acknowledged
     */
    sent: CustomEvent<{
        clientId: string;
        message: ChatMessage;
    }>;
    /**
     * the server refused one for good
     */
    failed: CustomEvent<{
        item: OutboxItem;
        error: ErrorFrame;
    }>;
};
/** @extends {Emitter<OutboxEventMap>} */
export declare class Outbox extends Emitter<OutboxEventMap> {
    #private;
    /**
     * @param {{ storage: Storage, key: string, transmit: (item: OutboxItem) => boolean }} options
     */
    constructor({ storage, key, transmit }: {
        storage: Storage;
        key: string;
        transmit: (item: OutboxItem) => boolean;
    });
    /** The items, oldest first: those waiting to be sent and those refused for good. */
    items(): OutboxItem[];
    /**
     * Queues `text` (a reply to message `replyTo`, if given) under a new clientId; resolves with the
     * stored message once the room acknowledges it, rejects with the error frame if the room
     * refuses it for good (or at once, queuing nothing, for text it would refuse for being empty or
     * too long).
     * @param {string} text
     * @param {number} [replyTo]
     * @returns {Promise<ChatMessage>}
     */
    enqueue(text: string, replyTo?: number): Promise<ChatMessage>;
    /** The connection is ready for messages (the room welcomed it): sending starts. */
    resume(): void;
    /** Sends nothing while `held` (the user is muted): the messages wait, and go once it ends. */
    hold(/** @type {boolean} */ held: boolean): void;
    /** The connection is gone: whatever was in flight is sent again on resume(). */
    pause(): void;
    /**
     * A stored message of ours arrived (live, in a page, or as the answer to a resend): its item is
     * done. Returns whether it was one of ours still waiting.
     * @param {ChatMessage} message
     */
    acknowledge(message: ChatMessage): boolean;
    /**
     * The room refused a frame that named one of our clientIds: rate_limited (slow mode too) and a
     * mute's forbidden (which names the wait) are retried after the wait, anything else is final.
     * Returns whether the refusal was about one of ours.
     * @param {ErrorFrame} error
     */
    refuse(error: ErrorFrame): boolean;
    /** Queues a refused item again (it keeps its place and its clientId). */
    retry(/** @type {string} */ clientId: string): void;
    /** Drops an item; a send() still waiting for it rejects. */
    discard(/** @type {string} */ clientId: string): void;
    /** Another holder of the same storage (a second tab) changed it: take its items in. */
    sync(): void;
    /** Stops for good: no timer is left, and every send() still waiting rejects (the items stay stored). */
    close(): void;
}
