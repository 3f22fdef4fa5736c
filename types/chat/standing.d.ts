export type Role = import('./frames.js').Role;
export type RoomSettings = import('./frames.js').RoomSettings;
export type WelcomeFrame = import('./frames.js').WelcomeFrame;
export type ModerationFrame = import('./frames.js').ModerationFrame;
export type SettingsFrame = import('./frames.js').SettingsFrame;
export type RequestLane = import('./requests.js').RequestLane;
export type StandingHooks = {
    /**
     * this user's role changed (or became known)
     */
    role: (role: Role) => void;
    /**
     * this user's mute began, moved or ended (null)
     */
    muted: (until: number | null) => void;
    /**
     * this user's read marker moved
     */
    read: (id: number) => void;
};
/** @typedef {import('./frames.js').Role} Role */
/** @typedef {import('./frames.js').RoomSettings} RoomSettings */
/** @typedef {import('./frames.js').WelcomeFrame} WelcomeFrame */
/** @typedef {import('./frames.js').ModerationFrame} ModerationFrame */
/** @typedef {import('./frames.js').SettingsFrame} SettingsFrame */
/** @typedef {import('./requests.js').RequestLane} RequestLane */
/**
 * @typedef {object} StandingHooks
 * @property {(role: Role) => void} role this user's role changed (or became known)
 * @property {(until: number | null) => void} muted this user's mute began, moved or ended (null)
 * @property {(id: number) => void} read this user's read marker moved
 */
export declare class Standing {
    #private;
    /** @param {{ lane: RequestLane, hooks: StandingHooks }} parts */
    constructor({ lane, hooks }: {
        lane: RequestLane;
        hooks: StandingHooks;
    });
    /** This user's role here; null before the first welcome. */
    get role(): "member" | "moderator" | "owner" | null;
    /** Until when this user is muted here (ms epoch, the room's clock), or null. */
    get mutedUntil(): number | null;
    /** The id this user has read up to here (0: nothing). */
    get readUpTo(): number;
    /** The room's settings; null before the first welcome. */
    get settings(): import("./frames.js").RoomSettings | null;
    /** @param {WelcomeFrame} welcome */
    welcome(welcome: WelcomeFrame): void;
    /** A moderation frame: this user's own sockets take their role and mute from it. @param {ModerationFrame} frame @param {string | undefined} me */
    moderation(frame: ModerationFrame, me: string | undefined): void;
    /** The room refused a frame of ours as muted, with the time left (the room's own count). @param {number} retryAfterMs */
    mutedFor(retryAfterMs: number): void;
    /** @param {SettingsFrame} frame */
    settingsChanged({ slowModeSeconds, readOnly }: SettingsFrame): void;
    /**
     * Moves the read marker forward to `id`; returns whether it moved. Announced (the `read` hook)
     * unless this client moved it itself.
     * @param {number} id
     */
    markRead(id: number, announce?: boolean): boolean;
    /**
     * This client read up to `id`: the marker moves there (forward only) and the room is told.
     * Returns whether it moved.
     * @param {number} id
     */
    read(id: number): boolean;
    /** The room's storage was reset: the marker of the room that is gone means nothing. */
    forgetReads(): void;
    /** No timer is left. */
    close(): void;
}
