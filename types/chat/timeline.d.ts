export type ChatMessage = import('./frames.js').ChatMessage;
export type Taken = {
    fresh: ChatMessage[];
    changed: ChatMessage[];
};
export type Run = {
    lowest: number;
    highest: number;
    hasOlder: boolean;
};
export declare class Timeline {
    #private;
    /**
     * Where a reconnect resumes (`after=<position>`): the highest change received, or null before
     * the first welcome (a fresh join). 0 for a client that joined an empty room.
     */
    get position(): number | null;
    /** The oldest message id held, where paging back continues; null while none is. */
    get oldestId(): number | null;
    /** The newest message id held (the run's end); null while none is. */
    get newestId(): number | null;
    /** Whether the room has messages older than the oldest held. */
    get hasOlder(): boolean;
    /** The newest id of a stretch around a jumped-to message, held apart from the run; null when none is. */
    get jumpEnd(): number | null;
    /** The message with this id as last received, or undefined when it is not held. */
    message(/** @type {number} */ id: number): import("./frames.js").ChatMessage | undefined;
    /** Every message held, oldest first. */
    messages(): import("./frames.js").ChatMessage[];
    /**
     * Whether `id` lies where the held messages leave no gap (in the run, or in a jump's stretch):
     * if it isn't held there, the room has no such message.
     * @param {number} id
     */
    covers(id: number): boolean;
    /**
     * The latest page of a fresh join (or of a start over): the run, as the room has it now;
     * `hasOlder` says older messages exist.
     * @param {readonly ChatMessage[]} messages
     * @param {boolean} hasOlder
     * @returns {Taken}
     */
    join(messages: readonly ChatMessage[], hasOlder: boolean): Taken;
    /**
     * Messages as the room has them now (live, in a welcome or in a page after our position): new
     * ones extend the run, held ones are changes, the others (older ones not held) only refresh the
     * replies to them. The position moves past them all.
     * @param {readonly ChatMessage[]} messages
     * @returns {Taken}
     */
    take(messages: readonly ChatMessage[]): Taken;
    /**
     * A page before the oldest message held: those older than it are new; `hasOlder` says older
     * ones still exist. An older page says nothing of the position: every change up to now has
     * come live already.
     * @param {readonly ChatMessage[]} messages
     * @param {boolean} hasOlder
     * @returns {Taken}
     */
    takeOlder(messages: readonly ChatMessage[], hasOlder: boolean): Taken;
    /**
     * The page around a message older than the run (`history around`). When it reaches the run
     * (or the newest message) it joins it, and what is new in it comes before everything held;
     * otherwise it becomes a stretch of its own, to be joined up by takeForward(). `hasOlder` and
     * `hasNewer` are the page's.
     * @param {readonly ChatMessage[]} messages
     * @param {boolean} hasOlder
     * @param {boolean} hasNewer
     * @returns {Taken & { joined: boolean }}
     */
    takeAround(messages: readonly ChatMessage[], hasOlder: boolean, hasNewer: boolean): Taken & {
        joined: boolean;
    };
    /**
     * A page after the jump's stretch (`history afterId`): what falls in the gap is new; once the
     * page reaches the run (or the room says nothing newer exists) the gap is closed and the
     * stretch becomes part of the run.
     * @param {readonly ChatMessage[]} messages
     * @param {boolean} hasMore
     * @returns {Taken & { joined: boolean }}
     */
    takeForward(messages: readonly ChatMessage[], hasMore: boolean): Taken & {
        joined: boolean;
    };
    /**
     * A ban's purge: every held message of `userId` becomes a tombstone. `seq` is the purge's last
     * change: the position, unless the client is catching up (null), when the pages still to come
     * may hold changes before it.
     * @param {string} userId
     * @param {number | null} seq
     */
    purge(userId: string, seq: number | null): import("./frames.js").ChatMessage[];
    /** A resume begins: until caughtUp(), pages come in the room's order of changes, not by id. */
    catchUp(): void;
    /**
     * Caught up with the room as of its latest change `seq` (every change up to it received):
     * only then may the position jump to it.
     * @param {number} seq
     */
    caughtUp(seq: number): void;
    /** Forgets everything, as if the client had never been in the room (its storage was reset). */
    forget(): void;
}
