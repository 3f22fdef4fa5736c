export type ChatMessage = import('./frames.js').ChatMessage;
export type HistoryFrame = import('./frames.js').HistoryFrame;
export type HistoryRequest = import('./frames.js').HistoryRequest;
export type Timeline = import('./timeline.js').Timeline;
export type RequestLane = import('./requests.js').RequestLane;
export type JumpHooks = Pick<import('./sync.js').SyncHooks, 'deliver' | 'changed'>;
export type Wanted = {
    id: number;
    resolve: (message: ChatMessage | null) => void;
    reject: (reason: unknown) => void;
};
/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').HistoryFrame} HistoryFrame */
/** @typedef {import('./frames.js').HistoryRequest} HistoryRequest */
/** @typedef {import('./timeline.js').Timeline} Timeline */
/** @typedef {import('./requests.js').RequestLane} RequestLane */
/** @typedef {Pick<import('./sync.js').SyncHooks, 'deliver' | 'changed'>} JumpHooks */
/** @typedef {{ id: number, resolve: (message: ChatMessage | null) => void, reject: (reason: unknown) => void }} Wanted */
export declare class Jumps {
    #private;
    /** @param {{ timeline: Timeline, lane: RequestLane, hooks: JumpHooks }} parts */
    constructor({ timeline, lane, hooks }: {
        timeline: Timeline;
        lane: RequestLane;
        hooks: JumpHooks;
    });
    /**
     * Resolves with the message `id` (or, when it is gone, the next one the room keeps; null when
     * there is none) once it is held: at once when it is already. See ChatClient.loadAround().
     * @param {number} id
     * @returns {Promise<ChatMessage | null>}
     */
    loadAround(id: number): Promise<ChatMessage | null>;
}
