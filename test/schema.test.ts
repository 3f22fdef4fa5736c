// The room's schema migrations (src/schema.ts): a room whose storage was written by the first
// release (messages without `seq`) is upgraded the first time it wakes, keeping every message, id
// and resend; a room at the current version runs no DDL at all.
import { runInDurableObject } from 'cloudflare:test';
import { expect, it } from 'vitest';
import { History } from '../src/history.ts';
import { Search } from '../src/search.ts';
import { Paging } from '../src/paging.ts';
import { SCHEMA_VERSION, readState } from '../src/schema.ts';
import { roomStub, uniqueRoom } from './helpers.ts';

const FIRST_RELEASE = [
  'DROP TABLE IF EXISTS reactions',
  'DROP TABLE IF EXISTS people',
  'DROP TABLE IF EXISTS reads',
  'DROP TABLE IF EXISTS search',
  'DROP TABLE IF EXISTS messages',
  'DROP TABLE IF EXISTS room_state',
  `CREATE TABLE messages (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, user_name TEXT NOT NULL,
    text TEXT NOT NULL, ts INTEGER NOT NULL, client_id TEXT)`,
  `CREATE UNIQUE INDEX messages_by_client_id ON messages (user_id, client_id) WHERE client_id IS NOT NULL`,
  `INSERT INTO messages VALUES (1, 'u1', 'Ann', 'one', 1000, 'c1'), (2, 'u2', 'Bob', 'two', 2000, NULL),
    (3, 'u1', 'Ann', 'three', 3000, 'c3')`,
];

it('upgrades a first-release room in place: messages, ids and resends kept, seq = id', async () => {
  const result = await runInDurableObject(roomStub(uniqueRoom('migrate')), (_room, state) => {
    const { sql } = state.storage;
    for (const statement of FIRST_RELEASE) sql.exec(statement);
    const history = new History(state.storage, 300, new Search(state.storage.sql));
    const ann = { id: 'u1', name: 'Ann' };
    return {
      version: readState(sql, 'schema'),
      seq: history.seq,
      page: new Paging(sql, history).latest(50).messages,
      resend: history.appendAll([{ user: ann, text: 'three', clientId: 'c3', ts: 4000 }])[0],
      next: history.appendAll([{ user: ann, text: 'four', clientId: 'c4', ts: 5000 }])[0]?.message,
    };
  });
  expect(result.version).toBe(SCHEMA_VERSION);
  expect(result.seq).toBe(3);
  expect(result.page).toEqual([
    {
      type: 'message',
      id: 1,
      seq: 1,
      user: { id: 'u1', name: 'Ann' },
      text: 'one',
      ts: 1000,
      clientId: 'c1',
    },
    { type: 'message', id: 2, seq: 2, user: { id: 'u2', name: 'Bob' }, text: 'two', ts: 2000 },
    {
      type: 'message',
      id: 3,
      seq: 3,
      user: { id: 'u1', name: 'Ann' },
      text: 'three',
      ts: 3000,
      clientId: 'c3',
    },
  ]);
  expect(result.resend).toMatchObject({ duplicate: true, message: { id: 3 } });
  expect(result.next).toMatchObject({ id: 4, seq: 4, text: 'four' });
});

it('runs no DDL on a wake of a room at the current version', async () => {
  const statements = await runInDurableObject(
    roomStub(uniqueRoom('migrate-noop')),
    (_room, state) => {
      const { sql } = state.storage;
      // A trigger can't see DDL, but the schema can: it must be byte for byte what it was.
      const before = sql.exec('SELECT name, sql FROM sqlite_master ORDER BY name').toArray();
      new History(state.storage, 300, new Search(state.storage.sql));
      const after = sql.exec('SELECT name, sql FROM sqlite_master ORDER BY name').toArray();
      return { before, after };
    },
  );
  expect(statements.after).toEqual(statements.before);
  expect(statements.before.map((row) => row.name)).toEqual(
    expect.arrayContaining(['messages', 'messages_by_seq', 'reactions', 'room_state']),
  );
});
