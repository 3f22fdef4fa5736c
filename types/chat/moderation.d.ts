export type ModerationRequest = import('./frames.js').ModerationRequest;
export type ModerationFrame = import('./frames.js').ModerationFrame;
export type RoomSettings = import('./frames.js').RoomSettings;
export type ServerFrame = import('./frames.js').ServerFrame;
export type Ban = import('./frames.js').Ban;
export type RequestLane = import('./requests.js').RequestLane;
export type Action = Exclude<ModerationRequest, {
    type: 'bans' | 'settings';
}>;
export type ModerationContext = {
    lane: RequestLane;
    /**
     * this user's id, once welcomed
     */
    me: () => string | undefined;
    /**
     * the room's settings as the client knows them
     */
    settings: () => RoomSettings | null;
};
/** @typedef {import('./frames.js').ModerationRequest} ModerationRequest */
/** @typedef {import('./frames.js').ModerationFrame} ModerationFrame */
/** @typedef {import('./frames.js').RoomSettings} RoomSettings */
/** @typedef {import('./frames.js').ServerFrame} ServerFrame */
/** @typedef {import('./frames.js').Ban} Ban */
/** @typedef {import('./requests.js').RequestLane} RequestLane */
/** @typedef {Exclude<ModerationRequest, { type: 'bans' | 'settings' }>} Action */
/**
 * @typedef {object} ModerationContext
 * @property {RequestLane} lane
 * @property {() => string | undefined} me this user's id, once welcomed
 * @property {() => RoomSettings | null} settings the room's settings as the client knows them
 */
export declare class Moderation {
    #private;
    /** @param {ModerationContext} context */
    constructor(context: ModerationContext);
    /** See ChatClient.mute(). @param {string} userId @param {number} seconds */
    mute(userId: string, seconds: number): Promise<import("./frames.js").ModerationFrame | null>;
    /** See ChatClient.ban(). @param {string} userId @param {{ seconds?: number, purge?: boolean, reason?: string }} options */
    ban(userId: string, { seconds, purge, reason }: {
        seconds?: number;
        purge?: boolean;
        reason?: string;
    }): Promise<import("./frames.js").ModerationFrame | null>;
    /** See ChatClient.unban(). @param {string} userId */
    unban(userId: string): Promise<import("./frames.js").ModerationFrame | null>;
    /** See ChatClient.setRole(). @param {string} userId @param {'moderator' | 'member'} role */
    setRole(userId: string, role: 'moderator' | 'member'): Promise<import("./frames.js").ModerationFrame | null>;
    /** See ChatClient.bans(). @returns {Promise<Ban[]>} */
    bans(): Promise<Ban[]>;
    /** See ChatClient.setSettings(). @param {{ slowModeSeconds?: number, readOnly?: boolean }} change @returns {Promise<RoomSettings>} */
    setSettings({ slowModeSeconds, readOnly }: {
        slowModeSeconds?: number;
        readOnly?: boolean;
    }): Promise<RoomSettings>;
}
