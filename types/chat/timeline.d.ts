export type ChatMessage = import('./frames.js').ChatMessage;
export declare class Timeline {
    #private;
    /**
     * Where a reconnect resumes (`after=<position>`): the highest change received, or null before
     * the first welcome (a fresh join). 0 for a client that joined an empty room.
     */
    get position(): number | null;
    /** The oldest message id known, where paging back continues; null while none is. */
    get oldestId(): number | null;
    /**
     * The messages of `messages` newer than every one known, oldest first; they are now known and
     * the position moves past them. Anything else (a copy already seen, a resend's answer) is dropped.
     * @param {readonly ChatMessage[]} messages
     */
    takeNewer(messages: readonly ChatMessage[]): import("./frames.js").ChatMessage[];
    /**
     * The messages of an older page that precede every one known, oldest first; now known too.
     * @param {readonly ChatMessage[]} messages
     */
    takeOlder(messages: readonly ChatMessage[]): import("./frames.js").ChatMessage[];
    /**
     * Caught up with the room as of its latest change `seq` (every change up to it received):
     * only then may the position jump to it. Without a `seq`, the position stays where the messages
     * put it, or becomes 0 for an empty room.
     * @param {number} [seq]
     */
    caughtUp(seq?: number): void;
    /** Forgets everything, as if the client had never been in the room (its storage was reset). */
    forget(): void;
}
