// The people a room must remember beyond their sockets, in its SQLite: moderators (by their
// latest token's `mod` claim, or appointed by the owner), mutes and bans. Everyone else has no
// row. The table stays small, so it is read whole once per wake and kept in memory after.
import type { User } from './protocol.ts';

/** A ban in force or expired; `until` null is permanent. */
export interface StoredBan {
  until: number | null;
  reason: string | null;
  by: User;
}

export interface Person {
  userId: string;
  /** The name of their latest connection, or '' if the room never saw them. */
  name: string;
  claimMod: boolean;
  appointed: boolean;
  /** ms since epoch; past or null means not muted. */
  mutedUntil: number | null;
  ban: StoredBan | null;
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

export class People {
  readonly #sql: SqlStorage;
  #people: Map<string, Person> | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  get(userId: string): Person | undefined {
    return this.#all().get(userId);
  }

  /** `userId`'s row, or a blank one (not stored until saved). */
  getOrBlank(userId: string): Person {
    return (
      this.get(userId) ?? {
        userId,
        name: '',
        claimMod: false,
        appointed: false,
        mutedUntil: null,
        ban: null,
      }
    );
  }

  values(): IterableIterator<Person> {
    return this.#all().values();
  }

  save(person: Person): void {
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

  #all(): Map<string, Person> {
    if (this.#people) return this.#people;
    this.#people = new Map();
    for (const row of this.#sql.exec<PersonRow>('SELECT * FROM people')) {
      this.#people.set(row.user_id, fromRow(row));
    }
    return this.#people;
  }
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
