import { Emitter } from './events.js';
export type WebSocketLike = {
    readyState: number;
    send: (data: string) => void;
    close: (code?: number, reason?: string) => void;
    terminate?: () => void;
    addEventListener: (type: 'open' | 'message' | 'close' | 'error', listener: (event: unknown) => void) => void;
};
export type WebSocketClass = new (url: string) => WebSocketLike;
export type UrlProvider = string | (() => string | Promise<string>);
export type Heartbeat = {
    /**
     * sent every `intervalMs` while open
     */
    frame: string;
    intervalMs: number;
    /**
     * how long after a heartbeat a frame (any frame) must arrive
     */
    timeoutMs: number;
};
export type SocketOptions = {
    /**
     * called before every attempt, so it can carry a fresh token
     */
    url: UrlProvider;
    WebSocket: WebSocketClass;
    /**
     * none by default
     */
    heartbeat?: Heartbeat;
    /**
     * for the jitter; Math.random by default
     */
    random?: () => number;
    /**
     * the first wait after a failure (1 s), doubling per failure
     */
    firstDelayMs?: number;
    /**
     * the longest wait (30 s)
     */
    maxDelayMs?: number;
    /**
     * open this long, the backoff starts over (10 s)
     */
    stableAfterMs?: number;
    /**
     * an attempt not open by then is given up (10 s)
     */
    connectTimeoutMs?: number;
    /**
     * `isFinalClose` below by default
     */
    isFinalClose?: (code: number) => boolean;
};
export type SocketEventMap = {
    /**
     * an attempt starts (1 = the first since the last open)
     */
    connecting: CustomEvent<{
        attempt: number;
    }>;
    open: CustomEvent<null>;
    /**
     * a text frame (binary frames are ignored)
     */
    message: CustomEvent<{
        data: string;
    }>;
    /**
     *   the connection ended or an attempt failed; `final` when no retry follows
     */
    lost: CustomEvent<{
        code: number;
        reason: string;
        wasOpen: boolean;
        final: boolean;
    }>;
    /**
     * the URL provider or the WebSocket constructor threw
     */
    failure: CustomEvent<{
        error: unknown;
    }>;
    /**
     * the next attempt is planned
     */
    retry: CustomEvent<{
        delayMs: number;
        failures: number;
    }>;
    /**
     * for good: close() or a final close
     */
    closed: CustomEvent<{
        code: number;
        reason: string;
    }>;
};
export type SocketState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';
/** Our own close of a connection we gave up on (4000-4999 is for applications). */
export declare const CLOSE_GIVEN_UP = 4000;
/**
 * The close policy: a close the server meant as a refusal (1008 policy, 1009 too big, or any
 * application code 4000-4999) would only be refused again, so it is final; others are retried.
 * @param {number} code
 */
export declare function isFinalClose(code: number): boolean;
/**
 * The wait before the next attempt after `failures` failures in a row: "equal jitter" over a cap
 * that starts at `firstMs` and doubles up to `maxMs`, so the wait lies in [cap/2, cap] and clients
 * that lost the same server spread out instead of returning all at once.
 * @param {number} failures
 * @param {() => number} [random]
 */
export declare function backoffDelay(failures: number, random?: () => number, firstMs?: number, maxMs?: number): number;
/** @extends {Emitter<SocketEventMap>} */
export declare class ReconnectingSocket extends Emitter<SocketEventMap> {
    #private;
    /** @param {SocketOptions} options */
    constructor(options: SocketOptions);
    /** 'idle' before start(), then 'connecting', 'open', 'waiting' (for a retry) or 'closed'. */
    get state(): SocketState;
    /** Opens the first connection; does nothing once started. */
    start(): void;
    /** Sends a text frame on an open connection; false (and nothing sent) otherwise. */
    send(/** @type {string} */ data: string): boolean;
    /** Skips the wait for a planned retry (the network or the tab came back); otherwise nothing. */
    reconnectNow(): void;
    /** Gives up the current connection or attempt as lost (the network went away) and retries by the backoff. */
    interrupt(reason?: string): void;
    /** Closes for good: no timer, no socket and no attempt is left afterwards. */
    close(code?: number, reason?: string): void;
}
