export type ChatMessage = import('./frames.js').ChatMessage;
export type ChangeFrame = import('./frames.js').ChangeFrame;
export type ErrorFrame = import('./frames.js').ErrorFrame;
export type RequestLane = import('./requests.js').RequestLane;
export type ChangeContext = {
    lane: RequestLane;
    /**
     * the message held with this id
     */
    message: (id: number) => ChatMessage | undefined;
    /**
     * this user's id, once welcomed
     */
    me: () => string | undefined;
    /**
     * until when this user is muted
     */
    mutedUntil: () => number | null;
};
export declare class Changes {
    #private;
    /** @param {ChangeContext} context */
    constructor(context: ChangeContext);
    /** See ChatClient.edit(). @param {number} id @param {string} text @returns {Promise<ChatMessage>} */
    edit(id: number, text: string): Promise<ChatMessage>;
    /** See ChatClient.delete(). @param {number} id @returns {Promise<ChatMessage>} */
    delete(id: number): Promise<ChatMessage>;
    /** See ChatClient.react(). @param {number} id @param {string} emoji @param {boolean} on @returns {Promise<ChatMessage>} */
    react(id: number, emoji: string, on: boolean): Promise<ChatMessage>;
}
/**
 * The refusal the room would answer a change's text with for being empty or too long; null when
 * it may be sent. Everything else (control characters, say) is the room's to judge.
 * @param {string} trimmed
 * @param {number} id
 */
export declare function textRefusal(trimmed: string, id: number): import("./frames.js").ErrorFrame | null;
