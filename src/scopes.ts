// Room patterns and the two scope claims of a token (docs/protocol.md, "Scopes"): `rooms` limits
// the rooms a token may enter, `mod` makes its holder a moderator where it matches, and
// PRIVATE_ROOMS lists rooms only a matching claim may enter. Checked in the Worker, before any
// room is woken.
import { MAX_ROOM_PATTERNS, ROOM_NAME } from '../public/chat/rules.js';

/** `prefix*` matches every name starting with `prefix` (`*` alone: every room); else exact. */
export type RoomPattern = { exact: string } | { prefix: string };

// A prefix is the start of a room name: empty, or 1–63 characters that a name may begin with.
const PREFIX = /^(?:[a-z0-9][a-z0-9_-]{0,62})?\*$/i;

/** A pattern from a claim or a setting, lower-cased; null when it is not a valid pattern. */
export function parsePattern(raw: unknown): RoomPattern | null {
  if (typeof raw !== 'string') return null;
  const lower = raw.toLowerCase();
  if (ROOM_NAME.test(lower)) return { exact: lower };
  if (PREFIX.test(lower)) return { prefix: lower.slice(0, -1) };
  return null;
}

/**
 * A claim's patterns: `undefined` when the claim is absent, null when it is malformed (not an
 * array of at most MAX_ROOM_PATTERNS valid patterns).
 */
export function parseClaim(raw: unknown): RoomPattern[] | undefined | null {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length > MAX_ROOM_PATTERNS) return null;
  const patterns: RoomPattern[] = [];
  for (const item of raw) {
    const pattern = parsePattern(item);
    if (!pattern) return null;
    patterns.push(pattern);
  }
  return patterns;
}

/** PRIVATE_ROOMS (comma-separated patterns); invalid entries are dropped, none means none. */
export function parsePatternList(raw: string): RoomPattern[] {
  return raw
    .split(',')
    .map((item) => parsePattern(item.trim()))
    .filter((pattern): pattern is RoomPattern => pattern !== null);
}

/** Whether any of `patterns` matches the (lower-case) `room`. */
export function matches(patterns: readonly RoomPattern[] | undefined, room: string): boolean {
  return (
    patterns?.some((pattern) =>
      'exact' in pattern ? pattern.exact === room : room.startsWith(pattern.prefix),
    ) ?? false
  );
}

/** What a token's scopes allow in one room. */
export interface Access {
  /** May enter the room. */
  enter: boolean;
  /** Is a moderator there by the `mod` claim. */
  moderator: boolean;
}

/**
 * A token's access to `room`: a `mod` match enters any room and moderates it; otherwise a `rooms`
 * claim must match, and without one the room must not be private.
 */
export function accessTo(
  scopes: { rooms?: RoomPattern[]; mod?: RoomPattern[] },
  room: string,
  privateRooms: readonly RoomPattern[],
): Access {
  const moderator = matches(scopes.mod, room);
  if (moderator) return { enter: true, moderator };
  if (scopes.rooms) return { enter: matches(scopes.rooms, room), moderator };
  return { enter: !matches(privateRooms, room), moderator };
}
