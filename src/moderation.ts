// Who may do what in a room (docs/protocol.md, "Roles and moderation"): the owner, moderators,
// mutes, bans and the room's settings, kept in SQLite so they survive eviction (people.ts, and
// room_state for the owner and the settings). Expiry is checked when it matters (a connect, a
// frame): no timer keeps the room awake. The rules are here; the room carries out what they decide.
import { People, type Person } from './people.ts';
import type { Ban, Role, RoomSettings, ServerFrame, User } from './protocol.ts';
import type { ClientFrame } from './client-frames.ts';
import { readState, readText, writeState } from './schema.ts';

/** A refusal of a frame: its error code and why; `retryAfterMs` when waiting would help. */
export interface Refusal {
  code: 'forbidden' | 'rate_limited';
  reason: string;
  retryAfterMs?: number;
}

export type ModerationFrame = Extract<
  ClientFrame,
  { type: 'mute' | 'ban' | 'unban' | 'bans' | 'settings' | 'role' }
>;
type BannedFrame = Extract<ServerFrame, { type: 'banned' }>;

/** What a moderation frame comes to, for the room to carry out. */
export type ModerationEffect =
  | { kind: 'refused'; refusal: Refusal }
  /** It would change nothing: nothing is announced. */
  | { kind: 'unchanged' }
  /** An answer for the sender only (`bans`). */
  | { kind: 'answer'; frame: ServerFrame }
  /** Announced to everyone; a ban also closes the target's sockets (and may purge). */
  | {
      kind: 'announce';
      frame: ServerFrame;
      ban?: { userId: string; banned: BannedFrame; purge: boolean };
    };

const ONLY_MODERATORS: Refusal = { code: 'forbidden', reason: 'only moderators can do that' };
const NOT_ON_SELF: Refusal = { code: 'forbidden', reason: 'you can’t do that to yourself' };
const NOT_ON_PEERS: Refusal = {
  code: 'forbidden',
  reason: 'moderators can’t act on the owner or on other moderators',
};

export class Moderation {
  readonly #sql: SqlStorage;
  readonly #people: People;
  #owner: string | null | undefined;
  #settings: RoomSettings | undefined;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    this.#people = new People(sql);
  }

  /** The owner's user id (created rooms only), or null. */
  get owner(): string | null {
    if (this.#owner === undefined) this.#owner = readText(this.#sql, 'owner');
    return this.#owner;
  }

  /** Makes `user` the owner of a room that has none; false if it has one already. */
  claimOwnership(user: User): boolean {
    if (this.owner !== null) return false;
    writeState(this.#sql, 'owner', user.id);
    this.#owner = user.id;
    return true;
  }

  get settings(): RoomSettings {
    this.#settings ??= {
      slowModeSeconds: readState(this.#sql, 'slow_mode_seconds') ?? 0,
      readOnly: readState(this.#sql, 'read_only') === 1,
    };
    return this.#settings;
  }

  /**
   * Remembers a connecting user's name and whether their token makes them a moderator here (so a
   * moderator by claim stays protected while offline). Writes only when something changed.
   */
  arrive(user: User, claimMod: boolean): void {
    const person = this.#people.get(user.id);
    if (!person) {
      if (claimMod)
        this.#people.save({ ...this.#people.getOrBlank(user.id), name: user.name, claimMod });
      return;
    }
    if (person.claimMod !== claimMod || person.name !== user.name) {
      this.#people.save({ ...person, claimMod, name: user.name });
    }
  }

  roleOf(userId: string): Role {
    if (userId === this.owner) return 'owner';
    const person = this.#people.get(userId);
    return person && (person.claimMod || person.appointed) ? 'moderator' : 'member';
  }

  /** The ban `userId` is under at `now`, as the `banned` frame tells it, or null. */
  banOf(userId: string, now: number): BannedFrame | null {
    const ban = this.#people.get(userId)?.ban;
    if (!ban || (ban.until !== null && ban.until <= now)) return null;
    return {
      type: 'banned',
      ...(ban.until !== null && { until: ban.until }),
      ...(ban.reason !== null && { reason: ban.reason }),
    };
  }

  /** When `userId`'s mute ends, while they are muted at `now`. */
  mutedUntil(userId: string, now: number): number | undefined {
    const until = this.#people.get(userId)?.mutedUntil;
    return until != null && until > now ? until : undefined;
  }

  /**
   * Why `user` may not send a `message` now (muted, a read-only room, slow mode since their last
   * message at `lastMessageAt()`), or null. Moderators and the owner are held only by a mute.
   */
  refuseMessage(user: User, now: number, lastMessageAt: () => number | null): Refusal | null {
    const muted = this.refuseChange(user, now);
    if (muted) return muted;
    if (this.roleOf(user.id) !== 'member') return null;
    const { readOnly, slowModeSeconds } = this.settings;
    if (readOnly) return { code: 'forbidden', reason: 'this room is read-only' };
    if (slowModeSeconds === 0) return null;
    const last = lastMessageAt();
    const retryAfterMs = last === null ? 0 : last + slowModeSeconds * 1000 - now;
    if (retryAfterMs <= 0) return null;
    return {
      code: 'rate_limited',
      reason: `slow mode: one message every ${slowModeSeconds} s`,
      retryAfterMs,
    };
  }

  /** Why `user` may not edit or react now (muted), or null. */
  refuseChange(user: User, now: number): Refusal | null {
    const until = this.mutedUntil(user.id, now);
    if (until === undefined) return null;
    return { code: 'forbidden', reason: 'you are muted in this room', retryAfterMs: until - now };
  }

  /** Decides a moderation frame from `by`; `nameOf` gives a connected user's current name. */
  handle(
    by: User,
    frame: ModerationFrame,
    now: number,
    nameOf: (userId: string) => string | undefined,
  ): ModerationEffect {
    if (frame.type === 'bans') return this.#bans(by, now);
    if (frame.type === 'settings') return this.#changeSettings(by, frame);
    if (this.roleOf(by.id) === 'member' && frame.type !== 'role') return refused(ONLY_MODERATORS);
    const person = this.#people.getOrBlank(frame.userId);
    const name = nameOf(frame.userId) ?? (person.name || undefined);
    const target = name ? { id: frame.userId, name } : { id: frame.userId };
    const known = name ? { ...person, name } : person;
    switch (frame.type) {
      case 'mute': {
        const refusal = this.#maySilence(by, frame.userId);
        if (refusal) return refused(refusal);
        const muted = this.mutedUntil(frame.userId, now) !== undefined;
        if (frame.seconds === 0) {
          if (!muted) return { kind: 'unchanged' };
          this.#people.save({ ...known, mutedUntil: null });
          return announce({ type: 'moderation', action: 'unmute', target, by });
        }
        const until = now + frame.seconds * 1000;
        this.#people.save({ ...known, mutedUntil: until });
        return announce({ type: 'moderation', action: 'mute', target, by, until });
      }
      case 'ban': {
        const refusal = this.#maySilence(by, frame.userId);
        if (refusal) return refused(refusal);
        const until = frame.seconds === undefined ? null : now + frame.seconds * 1000;
        const reason = frame.reason ?? null;
        this.#people.save({ ...known, ban: { until, reason, by } });
        const banned = this.banOf(frame.userId, now);
        if (!banned) throw new Error('a ban just stored is not in force');
        return {
          kind: 'announce',
          frame: {
            type: 'moderation',
            action: 'ban',
            target,
            by,
            ...(until !== null && { until }),
            ...(reason !== null && { reason }),
          },
          ban: { userId: frame.userId, banned, purge: frame.purge === true },
        };
      }
      case 'unban':
        if (!this.banOf(frame.userId, now)) return { kind: 'unchanged' };
        this.#people.save({ ...known, ban: null });
        return announce({ type: 'moderation', action: 'unban', target, by });
      case 'role': {
        const refusal = this.#mayAppoint(by, person);
        if (refusal) return refused(refusal);
        const appointed = frame.role === 'moderator';
        if (person.appointed === appointed) return { kind: 'unchanged' };
        this.#people.save({ ...known, appointed });
        const role = this.roleOf(frame.userId);
        return announce({ type: 'moderation', action: 'role', target, by, role });
      }
      default:
        return frame satisfies never;
    }
  }

  #bans(by: User, now: number): ModerationEffect {
    if (this.roleOf(by.id) === 'member') return refused(ONLY_MODERATORS);
    const bans: Ban[] = [];
    for (const person of this.#people.values()) {
      const ban = this.banOf(person.userId, now);
      if (!ban || !person.ban) continue;
      const { until, reason } = ban;
      bans.push({
        userId: person.userId,
        ...(until !== undefined && { until }),
        by: person.ban.by,
        ...(reason !== undefined && { reason }),
      });
    }
    return { kind: 'answer', frame: { type: 'bans', bans } };
  }

  #changeSettings(by: User, change: Partial<RoomSettings>): ModerationEffect {
    if (this.roleOf(by.id) === 'member') return refused(ONLY_MODERATORS);
    const before = this.settings;
    const next: RoomSettings = {
      slowModeSeconds: change.slowModeSeconds ?? before.slowModeSeconds,
      readOnly: change.readOnly ?? before.readOnly,
    };
    if (next.slowModeSeconds === before.slowModeSeconds && next.readOnly === before.readOnly) {
      return { kind: 'unchanged' };
    }
    writeState(this.#sql, 'slow_mode_seconds', next.slowModeSeconds);
    writeState(this.#sql, 'read_only', next.readOnly ? 1 : 0);
    this.#settings = next;
    return announce({ type: 'settings', ...next, by });
  }

  /** Mute and ban: moderators may silence members only; nobody silences themself. */
  #maySilence(by: User, targetId: string): Refusal | null {
    if (targetId === by.id) return NOT_ON_SELF;
    if (this.roleOf(by.id) === 'moderator' && this.roleOf(targetId) !== 'member')
      return NOT_ON_PEERS;
    return null;
  }

  /** Only the owner appoints, never themself, and never over a token's `mod` claim. */
  #mayAppoint(by: User, target: Person): Refusal | null {
    if (by.id !== this.owner)
      return { code: 'forbidden', reason: 'only the owner appoints moderators' };
    if (target.userId === by.id) return NOT_ON_SELF;
    if (target.claimMod) {
      return { code: 'forbidden', reason: 'this moderator’s role comes from their token' };
    }
    return null;
  }
}

function refused(refusal: Refusal): ModerationEffect {
  return { kind: 'refused', refusal };
}

function announce(frame: ServerFrame): ModerationEffect {
  return { kind: 'announce', frame };
}
