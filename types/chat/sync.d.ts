export type ChatMessage = import('./frames.js').ChatMessage;
export type WelcomeFrame = import('./frames.js').WelcomeFrame;
export type HistoryFrame = import('./frames.js').HistoryFrame;
export type ErrorFrame = import('./frames.js').ErrorFrame;
export type HistoryRequest = Extract<import('./frames.js').ClientFrame, {
    type: 'history';
}>;
export type Placement = 'join' | 'newer' | 'older';
export type SyncHooks = {
    /**
     * sends a request on the current connection
     */
    send: (frame: HistoryRequest) => boolean;
    /**
     * new messages, oldest first
     */
    deliver: (messages: ChatMessage[], placement: Placement) => void;
    /**
     * known messages in a newer state (edited, deleted, reacted to)
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
export declare class RoomSync {
    #private;
    /** @param {SyncHooks} hooks */
    constructor(hooks: SyncHooks);
    /** Where a reconnect resumes (`after=`): the highest change received, null before the first welcome. */
    get position(): number | null;
    /** Whether older messages than the oldest known exist. */
    get hasOlder(): boolean;
    /** Whether a loadOlder() page is on its way. */
    get loadingOlder(): boolean;
    /** Whether a history request is out (a refusal without a clientId would be its). */
    get waitingForHistory(): boolean;
    /** @param {WelcomeFrame} welcome */
    welcome(welcome: WelcomeFrame): void;
    /**
     * A message that came live: a new one (`change` false; a copy of a known one is a resend's
     * answer, and dropped), or the new state of a known one (an `update`).
     * @param {ChatMessage} message
     */
    live(message: ChatMessage, change?: boolean): void;
    /** @param {HistoryFrame} page */
    history(page: HistoryFrame): void;
    /** Asks for the page before the oldest known message; false when there is none or one is on its way. */
    loadOlder(): boolean;
    /**
     * The room refused a frame without naming a message: if it was our history request being rate
     * limited, it goes again after the wait named. Returns whether it was.
     * @param {ErrorFrame} error
     */
    refused(error: ErrorFrame): boolean;
    /** The connection ended: what was held back comes again after the next welcome. */
    ended(): void;
}
