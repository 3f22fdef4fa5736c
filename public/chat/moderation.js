// @ts-check
// What moderators send (and the owner: `role`), as requests of the lane (requests.js). Each is
// acknowledged by the room's announcement of it, made by this user; some the room may leave
// unanswered, having nothing to change (`mute` 0 of someone not muted, `unban` of someone not
// banned, a `role` they have already): a barrier follows those, so their promise settles (with
// null) all the same. `settings` is done once the room's settings, which the client always
// knows, are as asked. Refusals name no frame; the lane knows whose they are.

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

export class Moderation {
  #context;

  /** @param {ModerationContext} context */
  constructor(context) {
    this.#context = context;
  }

  /** See ChatClient.mute(). @param {string} userId @param {number} seconds */
  mute(userId, seconds) {
    return this.#act({ type: 'mute', userId, seconds });
  }

  /** See ChatClient.ban(). @param {string} userId @param {{ seconds?: number, purge?: boolean, reason?: string }} options */
  ban(userId, { seconds, purge, reason }) {
    return this.#act({
      type: 'ban',
      userId,
      ...(seconds !== undefined && { seconds }),
      ...(purge !== undefined && { purge }),
      ...(reason !== undefined && { reason }),
    });
  }

  /** See ChatClient.unban(). @param {string} userId */
  unban(userId) {
    return this.#act({ type: 'unban', userId });
  }

  /** See ChatClient.setRole(). @param {string} userId @param {'moderator' | 'member'} role */
  setRole(userId, role) {
    return this.#act({ type: 'role', userId, role });
  }

  /** See ChatClient.bans(). @returns {Promise<Ban[]>} */
  bans() {
    return new Promise((resolve, reject) =>
      this.#context.lane.request({
        frame: { type: 'bans' },
        answers: (incoming) => incoming.type === 'bans',
        settle: (answer) => (answer?.type === 'bans' ? resolve(answer.bans) : reject(noAnswer())),
        fail: reject,
      }),
    );
  }

  /** See ChatClient.setSettings(). @param {{ slowModeSeconds?: number, readOnly?: boolean }} change @returns {Promise<RoomSettings>} */
  setSettings({ slowModeSeconds, readOnly }) {
    const change = {
      ...(slowModeSeconds !== undefined && { slowModeSeconds }),
      ...(readOnly !== undefined && { readOnly }),
    };
    const { lane, settings } = this.#context;
    return new Promise((resolve, reject) =>
      lane.request({
        frame: { type: 'settings', ...change },
        done: () => asAsked(settings(), change),
        settle: () => {
          const now = settings();
          if (now) resolve(now);
          else reject(noAnswer());
        },
        fail: reject,
      }),
    );
  }

  /**
   * Resolves with the room's announcement of `frame`, or null when the room changed nothing.
   * @param {Action} frame
   * @returns {Promise<ModerationFrame | null>}
   */
  #act(frame) {
    const action = frame.type === 'mute' && frame.seconds === 0 ? 'unmute' : frame.type;
    const me = this.#context.me();
    /** @param {ServerFrame} incoming */
    const answers = (incoming) =>
      incoming.type === 'moderation' &&
      incoming.action === action &&
      incoming.target.id === frame.userId &&
      incoming.by.id === me;
    // A mute of some length and a ban are announced even when they repeat one in force.
    const silent = action === 'unmute' || action === 'unban' || action === 'role';
    return new Promise((resolve, reject) =>
      this.#context.lane.request({
        frame,
        answers,
        silent,
        settle: (answer) => resolve(answer?.type === 'moderation' ? answer : null),
        fail: reject,
      }),
    );
  }
}

/**
 * Whether the room's settings are as `change` asks (a change that asks nothing never is: the room
 * refuses it).
 * @param {RoomSettings | null} settings
 * @param {{ slowModeSeconds?: number, readOnly?: boolean }} change
 */
function asAsked(settings, { slowModeSeconds, readOnly }) {
  if (!settings || (slowModeSeconds === undefined && readOnly === undefined)) return false;
  return (
    (slowModeSeconds === undefined || settings.slowModeSeconds === slowModeSeconds) &&
    (readOnly === undefined || settings.readOnly === readOnly)
  );
}

function noAnswer() {
  return new Error('the room gave no answer');
}
