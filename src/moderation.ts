// Who may do what in a room (docs/protocol.md, "Roles and moderation"): the owner, moderators
// (by their latest token's `mod` claim, or appointed by the owner), mutes, bans and the room's
// settings, kept in SQLite so they survive eviction. Expiry is checked when it matters (a connect,
// a frame): no timer keeps the room awake. The rules are here; the room announces what they decide.
import type { Ban, Role, RoomSettings, User } from './protocol.ts';
import { readState, readText, writeState } from './schema.ts';

/** A refusal of a frame: its error code and why; `retryAfterMs` when waiting would help. */
export interface Refusal {
  code: 'forbidden' | 'rate_limited';
  reason: string;
  retryAfterMs?: number;
}

/** Whom a moderation frame is aimed at; `name` when the room knows it (from their sockets). */
export interface Target {
  id: string;
  name?: string;
}

/** What a moderation frame came to; a change names its target as the room knows them. */
export type ModerationOutcome =
  | { kind: 'refused'; refusal: Refusal }
  | { kind: 'unchanged' }
  | { kind: 'changed'; target: Target };

interface Person {
  userId: string;
  name: string;
  claimMod: boolean;
  appointed: boolean;
  mutedUntil: number | null;
  ban: { until: number | null; reason: string | null; by: User } | null;
}

type PersonRow = {
  user_id: string;
  name: string;
  claim_mod: number;
  appointed: number;
  muted_until: number | null;
  banned: number;
  ban_until: number | null;
  ban_reason: string | null;
  ban_by_id: string | null;
  ban_by_name: string | null;
};

const ONLY_MODERATORS: Refusal = { code: 'forbidden', reason: 'only moderators can do that' };
const NOT_ON_SELF: Refusal = { code: 'forbidden', reason: 'you can’t do that to yourself' };
const NOT_ON_PEERS: Refusal = {
  code: 'forbidden',
  reason: 'moderators can’t act on the owner or on other moderators',
};

export class Moderation {
  readonly #sql: SqlStorage;
  /** Everyone with a row, loaded on first use after a wake (the table stays small). */
  #people: Map<string, Person> | null = null;
  #owner: string | null | undefined;
  #settings: RoomSettings | undefined;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
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

  /** Remembers a connecting user's name and whether their token makes them a moderator. */
  arrive(user: User, claimMod: boolean): void {
    const person = this.#person(user.id);
    if (!person) {
      if (claimMod) this.#save({ ...blank(user), claimMod });
      return;
    }
    if (person.claimMod !== claimMod || person.name !== user.name) {
      this.#save({ ...person, claimMod, name: user.name });
    }
  }

  roleOf(userId: string): Role {
    if (userId === this.owner) return 'owner';
    const person = this.#person(userId);
    return person && (person.claimMod || person.appointed) ? 'moderator' : 'member';
  }

  /** The name the room remembers for `userId`, if any. */
  nameOf(userId: string): string | undefined {
    return this.#person(userId)?.name || undefined;
  }

  /** The ban `userId` is under at `now`, or null. */
  banOf(userId: string, now: number): { until?: number; reason?: string } | null {
    const ban = this.#person(userId)?.ban;
    if (!ban || (ban.until !== null && ban.until <= now)) return null;
    return {
      ...(ban.until !== null && { until: ban.until }),
      ...(ban.reason !== null && { reason: ban.reason }),
    };
  }

  /** When `userId`'s mute ends, while they are muted at `now`. */
  mutedUntil(userId: string, now: number): number | undefined {
    const until = this.#person(userId)?.mutedUntil;
    return until != null && until > now ? until : undefined;
  }

  /**
   * Why `user` may not send a `message` now (muted, read-only room, slow mode since their last
   * message at `lastMessageAt`), or null. Moderators and the owner are never held by these.
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

  /** `mute` by `by`: `seconds` 0 lifts it. */
  mute(by: User, target: Target, seconds: number, now: number): ModerationOutcome {
    const refusal = this.#mayAct(by, target.id);
    if (refusal) return { kind: 'refused', refusal };
    const person = this.#personFor(target);
    const muted = person.mutedUntil !== null && person.mutedUntil > now;
    if (seconds === 0 && !muted) return { kind: 'unchanged' };
    this.#save({ ...person, mutedUntil: seconds === 0 ? null : now + seconds * 1000 });
    return { kind: 'changed', target: this.#target(target) };
  }

  /** `ban` by `by`: until `seconds` from now, or for good without them. */
  ban(
    by: User,
    target: Target,
    seconds: number | undefined,
    reason: string | undefined,
    now: number,
  ): ModerationOutcome {
    const refusal = this.#mayAct(by, target.id);
    if (refusal) return { kind: 'refused', refusal };
    const until = seconds === undefined ? null : now + seconds * 1000;
    this.#save({ ...this.#personFor(target), ban: { until, reason: reason ?? null, by } });
    return { kind: 'changed', target: this.#target(target) };
  }

  unban(by: User, target: Target, now: number): ModerationOutcome {
    if (this.roleOf(by.id) === 'member') return { kind: 'refused', refusal: ONLY_MODERATORS };
    const person = this.#person(target.id);
    if (!person || !this.banOf(target.id, now)) return { kind: 'unchanged' };
    this.#save({ ...person, ban: null });
    return { kind: 'changed', target: this.#target(target) };
  }

  /** The bans in force at `now`, for a moderator. */
  bans(by: User, now: number): Ban[] | Refusal {
    if (this.roleOf(by.id) === 'member') return ONLY_MODERATORS;
    const bans: Ban[] = [];
    for (const person of this.#all().values()) {
      const ban = this.banOf(person.userId, now);
      if (!ban || !person.ban) continue;
      bans.push({
        userId: person.userId,
        ...(ban.until !== undefined && { until: ban.until }),
        by: person.ban.by,
        ...(ban.reason !== undefined && { reason: ban.reason }),
      });
    }
    return bans;
  }

  /** `settings` by `by`; the fields it leaves out stay as they are. */
  changeSettings(by: User, change: Partial<RoomSettings>): ModerationOutcome | { kind: 'changed' } {
    if (this.roleOf(by.id) === 'member') return { kind: 'refused', refusal: ONLY_MODERATORS };
    const next = { ...this.settings, ...change };
    if (
      next.slowModeSeconds === this.settings.slowModeSeconds &&
      next.readOnly === this.settings.readOnly
    ) {
      return { kind: 'unchanged' };
    }
    writeState(this.#sql, 'slow_mode_seconds', next.slowModeSeconds);
    writeState(this.#sql, 'read_only', next.readOnly ? 1 : 0);
    this.#settings = next;
    return { kind: 'changed' };
  }

  /** `role` by the owner: appoints (`moderator`) or demotes (`member`) the target. */
  appoint(by: User, target: Target, role: 'moderator' | 'member'): ModerationOutcome {
    if (by.id !== this.owner) {
      return {
        kind: 'refused',
        refusal: { code: 'forbidden', reason: 'only the owner appoints moderators' },
      };
    }
    if (target.id === by.id) return { kind: 'refused', refusal: NOT_ON_SELF };
    const person = this.#personFor(target);
    if (person.claimMod) {
      return {
        kind: 'refused',
        refusal: { code: 'forbidden', reason: 'this moderator’s role comes from their token' },
      };
    }
    const appointed = role === 'moderator';
    if (person.appointed === appointed) return { kind: 'unchanged' };
    this.#save({ ...person, appointed });
    return { kind: 'changed', target: this.#target(target) };
  }

  /** The contract's rule for mute and ban: null when `by` may silence `targetId`. */
  #mayAct(by: User, targetId: string): Refusal | null {
    const byRole = this.roleOf(by.id);
    if (byRole === 'member') return ONLY_MODERATORS;
    if (targetId === by.id) return NOT_ON_SELF;
    if (byRole === 'moderator' && this.roleOf(targetId) !== 'member') return NOT_ON_PEERS;
    return null;
  }

  /** The target's row, or a new one, with the freshest name known for them. */
  #personFor(target: Target): Person {
    const person = this.#person(target.id) ?? blank({ id: target.id, name: '' });
    return target.name ? { ...person, name: target.name } : person;
  }

  #target(target: Target): Target {
    const name = target.name ?? this.nameOf(target.id);
    return name ? { id: target.id, name } : { id: target.id };
  }

  #person(userId: string): Person | undefined {
    return this.#all().get(userId);
  }

  #all(): Map<string, Person> {
    if (this.#people) return this.#people;
    this.#people = new Map();
    for (const row of this.#sql.exec<PersonRow>('SELECT * FROM people'))
      this.#people.set(row.user_id, fromRow(row));
    return this.#people;
  }

  #save(person: Person): void {
    const { ban } = person;
    this.#sql.exec(
      `INSERT OR REPLACE INTO people (user_id, name, claim_mod, appointed, muted_until, banned,
        ban_until, ban_reason, ban_by_id, ban_by_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      person.userId,
      person.name,
      person.claimMod ? 1 : 0,
      person.appointed ? 1 : 0,
      person.mutedUntil,
      ban ? 1 : 0,
      ban?.until ?? null,
      ban?.reason ?? null,
      ban?.by.id ?? null,
      ban?.by.name ?? null,
    );
    this.#all().set(person.userId, person);
  }
}

function blank(user: { id: string; name: string }): Person {
  return {
    userId: user.id,
    name: user.name,
    claimMod: false,
    appointed: false,
    mutedUntil: null,
    ban: null,
  };
}

function fromRow(row: PersonRow): Person {
  return {
    userId: row.user_id,
    name: row.name,
    claimMod: row.claim_mod === 1,
    appointed: row.appointed === 1,
    mutedUntil: row.muted_until,
    ban:
      row.banned === 1
        ? {
            until: row.ban_until,
            reason: row.ban_reason,
            by: { id: row.ban_by_id ?? '', name: row.ban_by_name ?? '' },
          }
        : null,
  };
}
