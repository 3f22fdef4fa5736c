// The room's SQLite schema, as numbered migrations. The constructor runs on every wake, so the
// common case costs one indexed read (the stored version); a room created by an older version of
// the app is brought up to date the first time it wakes, in one transaction.

/** Each step takes the schema from the version before it to its own index + 1. */
const MIGRATIONS: readonly (readonly string[])[] = [
  // 1: the first release's history (a room that has it is upgraded from here).
  [
    `CREATE TABLE IF NOT EXISTS messages (
      id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, user_name TEXT NOT NULL,
      text TEXT NOT NULL, ts INTEGER NOT NULL, client_id TEXT)`,
    `CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client_id ON messages (user_id, client_id)
      WHERE client_id IS NOT NULL`,
  ],
  // 2: the change sequence. `seq` is the number of a message's latest change, indexed so that
  // "changed since" is a range scan; a deleted message keeps its row with its text removed.
  // Reactions are kept per (message, reaction, user); `reactions` on the message row is their
  // summary in the contract's order, so reading a page needs no join.
  [
    'ALTER TABLE messages ADD COLUMN seq INTEGER',
    'UPDATE messages SET seq = id',
    'ALTER TABLE messages ADD COLUMN reply_to INTEGER',
    'ALTER TABLE messages ADD COLUMN edited_at INTEGER',
    'ALTER TABLE messages ADD COLUMN deleted INTEGER',
    'ALTER TABLE messages ADD COLUMN reactions TEXT',
    'CREATE INDEX messages_by_seq ON messages (seq)',
    `CREATE TABLE reactions (
      message_id INTEGER NOT NULL, emoji TEXT NOT NULL, user_id TEXT NOT NULL, seq INTEGER NOT NULL,
      PRIMARY KEY (message_id, emoji, user_id)) WITHOUT ROWID`,
  ],
  // 3: moderation. One row per person the room must remember beyond their sockets: moderators
  // (by their latest token's claim, or appointed by the owner), mutes and bans. Everyone else
  // has no row. The owner and the settings live in room_state.
  [
    `CREATE TABLE people (
      user_id TEXT PRIMARY KEY, name TEXT NOT NULL,
      claim_mod INTEGER NOT NULL DEFAULT 0, appointed INTEGER NOT NULL DEFAULT 0,
      muted_until INTEGER, banned INTEGER NOT NULL DEFAULT 0, ban_until INTEGER, ban_reason TEXT,
      ban_by_id TEXT, ban_by_name TEXT) WITHOUT ROWID`,
  ],
  // 4: read markers, one per user who ever sent `read`, and full-text search. The index keeps no
  // copy of the text (contentless) and, with secure-delete, a row deleted from it (by FTS5's
  // 'delete' command, with its text) leaves no words in its pages. Accents and case are folded.
  // (contentless_delete=1 would delete by rowid alone, but only as a tombstone: the words stay
  // in the pages until a merge, which secure-delete can't scrub. Seen in workerd.)
  [
    'CREATE TABLE reads (user_id TEXT PRIMARY KEY, up_to INTEGER NOT NULL) WITHOUT ROWID',
    `CREATE VIRTUAL TABLE search USING fts5(text, content='',
      tokenize='unicode61 remove_diacritics 2')`,
    "INSERT INTO search (search, rank) VALUES ('secure-delete', 1)",
  ],
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the room's storage to SCHEMA_VERSION; cheap when it is there already. */
export function migrate(storage: DurableObjectStorage): void {
  const { sql } = storage;
  sql.exec('CREATE TABLE IF NOT EXISTS room_state (key TEXT PRIMARY KEY, value) WITHOUT ROWID');
  const version = readState(sql, 'schema') ?? 0;
  if (version >= SCHEMA_VERSION) return;
  storage.transactionSync(() => {
    // A room of the first release has its messages table but no recorded version.
    let from = version;
    if (from === 0 && tableExists(sql, 'messages')) from = 1;
    for (const step of MIGRATIONS.slice(from)) for (const statement of step) sql.exec(statement);
    writeState(sql, 'schema', SCHEMA_VERSION);
  });
}

/** A number kept in `room_state`, or null when it was never written. */
export function readState(sql: SqlStorage, key: string): number | null {
  const value = readValue(sql, key);
  return typeof value === 'number' ? value : null;
}

/** A string kept in `room_state`, or null when it was never written. */
export function readText(sql: SqlStorage, key: string): string | null {
  const value = readValue(sql, key);
  return typeof value === 'string' ? value : null;
}

function readValue(sql: SqlStorage, key: string): SqlStorageValue | undefined {
  return sql.exec('SELECT value FROM room_state WHERE key = ?', key).toArray()[0]?.value;
}

export function writeState(sql: SqlStorage, key: string, value: number | string): void {
  sql.exec(
    'INSERT INTO room_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    key,
    value,
  );
}

function tableExists(sql: SqlStorage, name: string): boolean {
  return (
    sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray()
      .length > 0
  );
}
