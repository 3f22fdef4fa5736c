// Reads the wrangler vars into typed settings. Vars arrive as strings (or not at all, in tests and
// in deployments that drop them); anything missing or malformed falls back to the contract's default.
import { parsePatternList, type RoomPattern } from './scopes.ts';

export interface Config {
  guestTokens: boolean;
  tokenTtlSeconds: number;
  allowedOrigins: ReadonlySet<string>;
  /** Tokens per second refilled into each user's bucket. */
  messageRate: number;
  messageBurst: number;
  historyLimit: number;
  presenceLimit: number;
  /** Rooms only a token whose `rooms` or `mod` claim matches may enter. */
  privateRooms: RoomPattern[];
  /**
   * A log line per connect and disconnect. Off by default: a storm of thousands of arrivals would
   * write as many lines (billed by Workers Logs, and under wrangler dev piped through its process,
   * which slowed a 2,642-socket storm's connects by a fifth); refusals, errors and wakes are always
   * logged.
   */
  logConnections: boolean;
}

/** Settings from `env`, with defaults for anything unset or invalid. */
export function readConfig(env: Partial<Record<keyof Env, unknown>>): Config {
  return {
    guestTokens: env.GUEST_TOKENS !== 'off',
    tokenTtlSeconds: positive(env.TOKEN_TTL_SECONDS, 900, true),
    allowedOrigins: new Set(
      String(env.ALLOWED_ORIGINS ?? '')
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
    messageRate: positive(env.MESSAGE_RATE, 2, false),
    messageBurst: positive(env.MESSAGE_BURST, 10, true),
    historyLimit: positive(env.HISTORY_LIMIT, 10_000, true),
    presenceLimit: positive(env.PRESENCE_LIMIT, 100, true),
    privateRooms: parsePatternList(String(env.PRIVATE_ROOMS ?? '')),
    logConnections: env.LOG_CONNECTIONS === 'on',
  };
}

function positive(raw: unknown, fallback: number, integer: boolean): number {
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  const valid = integer ? Number.isSafeInteger(value) : Number.isFinite(value);
  return valid && value > 0 ? value : fallback;
}
