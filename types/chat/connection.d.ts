import { ReconnectingSocket } from './socket.js';
export type WebSocketClass = import('./socket.js').WebSocketClass;
export type ConnectionOptions = {
    /**
     * the app's origin, e.g. `https://chat.example.com`
     */
    url: string;
    /**
     * an access token, or a function
     * called before every connection attempt that returns one
     */
    token: string | (() => string | Promise<string>);
    /**
     * the global WebSocket by default (Node 20 has none: pass `ws`)
     */
    WebSocket?: WebSocketClass;
    /**
     * how often to send the heartbeat (30 s)
     */
    heartbeatIntervalMs?: number;
    /**
     * how long a heartbeat may go unanswered before the connection is given up (10 s)
     */
    pongTimeoutMs?: number;
    /**
     * the backoff's jitter source (Math.random)
     */
    random?: () => number;
    /**
     * the first wait before reconnecting (1 s), doubling per failure
     */
    firstDelayMs?: number;
    /**
     * the longest wait (30 s)
     */
    maxDelayMs?: number;
    /**
     * a connection open this long resets the backoff (10 s)
     */
    stableAfterMs?: number;
    /**
     * an attempt not open by then is given up (10 s)
     */
    connectTimeoutMs?: number;
};
/**
 * The socket for `room` (a canonical name); `position()` says where to resume from.
 * @param {ConnectionOptions} options
 * @param {string} room
 * @param {() => number | null} position
 */
export declare function roomSocket(options: ConnectionOptions, room: string, position: () => number | null): ReconnectingSocket;
