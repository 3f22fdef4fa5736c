export type ClientFrame = import('./frames.js').ClientFrame;
export type ServerFrame = import('./frames.js').ServerFrame;
export type ErrorFrame = import('./frames.js').ErrorFrame;
export type Request = {
    /**
     * what goes to the room
     */
    frame: ClientFrame;
    /**
     * ahead of every other request, and sent while the others are held
     * back (a catch-up's pages); dropped, not sent again, when the connection ends
     */
    first?: boolean;
    /**
     * whether a frame that came in is its answer
     */
    answers?: (frame: ServerFrame) => boolean;
    /**
     * whether the client's state now shows it carried out
     * (or already so): checked before it is sent and after every frame; undefined when the state
     * can't tell, which calls for a barrier
     */
    done?: () => boolean | undefined;
    /**
     * the room may answer nothing and `done` can't tell: a barrier follows
     */
    silent?: boolean;
    /**
     * the message it names: an error that names this id is its refusal
     */
    id?: number;
    /**
     * its answer, or null once done or past
     */
    settle: (answer: ServerFrame | null) => void;
    /**
     * its refusal, or why it won't be sent
     */
    fail: (reason: ErrorFrame | Error) => void;
};
export type Out = {
    request: Request;
    barrier: boolean;
    answer: ServerFrame | null;
    refusal: ErrorFrame | null;
    rateLimited: boolean;
};
/** @typedef {import('./frames.js').ClientFrame} ClientFrame */
/** @typedef {import('./frames.js').ServerFrame} ServerFrame */
/** @typedef {import('./frames.js').ErrorFrame} ErrorFrame */
/**
 * @typedef {object} Request
 * @property {ClientFrame} frame what goes to the room
 * @property {boolean} [first] ahead of every other request, and sent while the others are held
 *   back (a catch-up's pages); dropped, not sent again, when the connection ends
 * @property {(frame: ServerFrame) => boolean} [answers] whether a frame that came in is its answer
 * @property {() => boolean | undefined} [done] whether the client's state now shows it carried out
 *   (or already so): checked before it is sent and after every frame; undefined when the state
 *   can't tell, which calls for a barrier
 * @property {boolean} [silent] the room may answer nothing and `done` can't tell: a barrier follows
 * @property {number} [id] the message it names: an error that names this id is its refusal
 * @property {(answer: ServerFrame | null) => void} settle its answer, or null once done or past
 * @property {(reason: ErrorFrame | Error) => void} fail its refusal, or why it won't be sent
 */
/**
 * The request on the wire and what has come of it so far.
 * @typedef {{ request: Request, barrier: boolean, answer: ServerFrame | null,
 *   refusal: ErrorFrame | null, rateLimited: boolean }} Out
 */
/** Follows a request that may get no answer: the room's (empty) answer to it comes after that request's. */
export declare const BARRIER: {
    readonly type: 'history';
    readonly before: 0;
    readonly limit: 1;
};
export declare class RequestLane {
    #private;
    /**
     * @param {{ send: (frame: ClientFrame) => boolean, mayProceed: () => boolean }} options `send`
     *   puts a frame on the current connection (false when there is none); `mayProceed` says
     *   whether requests that are not `first` may go now (not while a catch-up is under way)
     */
    constructor({ send, mayProceed }: {
        send: (frame: ClientFrame) => boolean;
        mayProceed: () => boolean;
    });
    /** Whether nothing is out or waiting: a frame whose outcome nobody waits for (typing) may go now. */
    get idle(): boolean;
    /** The requests waiting or out, in order (the one out first). */
    get pending(): Request[];
    /** Queues `request` (`first` ones ahead of the others, in order among themselves). @param {Request} request */
    request(request: Request): void;
    /** The connection is ready (welcomed): requests go. */
    open(): void;
    /** Something the requests wait on (a catch-up) is over: the next may go. */
    proceed(): void;
    /**
     * The connection ended: the request out goes again, first, on the next one (whatever became of
     * it is in the pages that catch up), except `first` ones, which are dropped.
     */
    ended(): void;
    /** Fails every request waiting or out with `reason` (the room they were about is gone). */
    failAll(/** @type {Error} */ reason: Error): void;
    /** For good: every request fails, and later ones too. */
    close(/** @type {Error} */ reason: Error): void;
    /**
     * Every frame that came in, once the client has taken it in (so `done` sees its effect).
     * Returns true when it was a barrier's answer, which concerns nobody else.
     * @param {ServerFrame} frame
     */
    receive(frame: ServerFrame): boolean;
}
