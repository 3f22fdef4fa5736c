export type ChatMessage = import('./frames.js').ChatMessage;
export type Taken = {
    fresh: ChatMessage[];
    changed: ChatMessage[];
};
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
     * Messages as the room has them now (live, in a welcome or in a page after our position):
     * `fresh` are those newer than every one known, oldest first, now known too; `changed`, only
     * when `changes` is set, are known ones in a newer state, in the room's order of changes. The
     * rest (a copy already seen, a resend's answer) is dropped. The position moves past them all.
     * @param {readonly ChatMessage[]} messages
     * @returns {Taken}
     */
    take(messages: readonly ChatMessage[], changes?: boolean): Taken;
    /**
     * The messages of an older page that precede every one known, oldest first; now known too.
     * An older page says nothing of the position: every change up to now has come live already.
     * @param {readonly ChatMessage[]} messages
     */
    takeOlder(messages: readonly ChatMessage[]): import("./frames.js").ChatMessage[];
    /**
     * Caught up with the room as of its latest change `seq` (every change up to it received):
     * only then may the position jump to it.
     * @param {number} seq
     */
    caughtUp(seq: number): void;
    /** Forgets everything, as if the client had never been in the room (its storage was reset). */
    forget(): void;
}
