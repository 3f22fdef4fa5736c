export type ChatMessage = import('./frames.js').ChatMessage;
export type WelcomeFrame = import('./frames.js').WelcomeFrame;
export type HistoryFrame = import('./frames.js').HistoryFrame;
export type HistoryRequest = import('./frames.js').HistoryRequest;
export type PurgedFrame = import('./frames.js').PurgedFrame;
export type ServerFrame = import('./frames.js').ServerFrame;
export type Timeline = import('./timeline.js').Timeline;
export type Taken = import('./timeline.js').Taken;
export type RequestLane = import('./requests.js').RequestLane;
export type Placement = 'join' | 'newer' | 'older' | 'around' | 'forward';
export type SyncHooks = {
    /**
     * new messages, oldest first
     */
    deliver: (messages: ChatMessage[], placement: Placement) => void;
    /**
     * held messages in a newer state (edited,
     * deleted, reacted to, or a reply whose excerpt changed)
     */
    changed: (messages: ChatMessage[]) => void;
    /**
     * messages after `after` are gone from the room
     */
    gap: (after: number) => void;
    /**
     * the room's storage was reset: start over
     */
    reset: (welcome: WelcomeFrame) => void;
};
export type Held = {
    message: ChatMessage;
} | {
    purged: PurgedFrame;
};
export declare class RoomSync {
    #private;
    /** @param {{ timeline: Timeline, lane: RequestLane, hooks: SyncHooks }} parts */
    constructor({ timeline, lane, hooks }: {
        timeline: Timeline;
        lane: RequestLane;
        hooks: SyncHooks;
    });
    /** Whether a page that must come first is awaited: other requests wait meanwhile. */
    get catchingUp(): boolean;
    /** Whether a loadOlder() page is queued or on its way. */
    get loadingOlder(): boolean;
    /** @param {WelcomeFrame} welcome */
    welcome(welcome: WelcomeFrame): void;
    /**
     * A message that came live: a new one, a copy of a held one (a resend's answer), or the new
     * state of a held one (an `update`).
     * @param {ChatMessage} message
     */
    live(message: ChatMessage): void;
    /** Every held message of a user became a tombstone. @param {PurgedFrame} frame */
    purged(frame: PurgedFrame): void;
    /** Asks for the page before the oldest held message; false when there is none or one is on its way. */
    loadOlder(): boolean;
    /** The connection ended: what was held back comes again after the next welcome. */
    ended(): void;
}
/** @param {ServerFrame} frame */
export declare function isHistory(frame: ServerFrame): frame is import("./frames.js").HistoryFrame;
