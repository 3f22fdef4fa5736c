import { Changes } from './changes.js';
import { Jumps } from './jump.js';
import { MemberList } from './members.js';
import { Moderation } from './moderation.js';
import { Outbox } from './outbox.js';
import { RequestLane } from './requests.js';
import { Standing } from './standing.js';
import { RoomSync } from './sync.js';
import { Timeline } from './timeline.js';
export type User = import('./frames.js').User;
export type ChatMessage = import('./frames.js').ChatMessage;
export type ServerFrame = import('./frames.js').ServerFrame;
export type ClientFrame = import('./frames.js').ClientFrame;
export type WelcomeFrame = import('./frames.js').WelcomeFrame;
export type ChatEventMap = import('./client-events.js').ChatEventMap;
export type Status = import('./client-events.js').Status;
export type Emit = <K extends keyof ChatEventMap & string>(type: K, detail: ChatEventMap[K]['detail']) => void;
export type SessionOptions = import('./connection.js').ConnectionOptions & {
    storage?: import('./storage.js').Storage;
};
/** @typedef {import('./frames.js').User} User */
/** @typedef {import('./frames.js').ChatMessage} ChatMessage */
/** @typedef {import('./frames.js').ServerFrame} ServerFrame */
/** @typedef {import('./frames.js').ClientFrame} ClientFrame */
/** @typedef {import('./frames.js').WelcomeFrame} WelcomeFrame */
/** @typedef {import('./client-events.js').ChatEventMap} ChatEventMap */
/** @typedef {import('./client-events.js').Status} Status */
/**
 * Dispatches one of ChatClient's events.
 * @typedef {<K extends keyof ChatEventMap & string>(type: K, detail: ChatEventMap[K]['detail']) => void} Emit
 */
/**
 * @typedef {import('./connection.js').ConnectionOptions
 *   & { storage?: import('./storage.js').Storage }} SessionOptions
 */
export declare class Session {
    #private;
    members: MemberList;
    timeline: Timeline;
    lane: RequestLane;
    sync: RoomSync;
    jumps: Jumps;
    changes: Changes;
    standing: Standing;
    moderation: Moderation;
    /** @type {Outbox} */ outbox: Outbox;
    /** @type {import('./socket.js').ReconnectingSocket} */ socket: import('./socket.js').ReconnectingSocket;
    /**
     * @param {SessionOptions} options
     * @param {string} room the room's canonical name
     * @param {Emit} emit
     */
    constructor(options: SessionOptions, room: string, emit: Emit);
    /** @returns {Status} */
    get status(): Status;
    /** Who the server says we are; null before the first welcome. */
    get user(): import("./frames.js").User | null;
    /** Sends a frame on a welcomed connection; false when there is none. @param {ClientFrame} frame */
    send(frame: ClientFrame): boolean;
    /** Leaves the room for good (see ChatClient.close()). */
    close(reason?: string): void;
}
