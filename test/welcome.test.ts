// The welcome's page of newest messages, which the room keeps serialised between changes
// (src/welcome.ts): every change a later arrival must see (a message, an edit, a reaction, a
// delete, the excerpt of a reply to a changed message, a purge) shows in the next welcome. The
// oracle is a resume from seq 0, which reads storage afresh on every connect.
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ChatMessage, ServerFrame } from '../src/protocol.ts';
import {
  closeAll,
  connect,
  drainPending,
  expectNext,
  firstFrame,
  moderatedRoom,
  newUser,
  roomStub,
  say,
  uniqueRoom,
} from './helpers.ts';

type Welcome = Extract<ServerFrame, { type: 'welcome' }>;

/** A newcomer's welcome (the kept page) and a resume from 0 (read afresh), checked to agree. */
async function welcomeOf(room: string, token: string): Promise<Welcome> {
  const fresh = await firstFrame(room, token);
  const resumed = await firstFrame(room, token, { after: '0' });
  if (fresh.type !== 'welcome' || resumed.type !== 'welcome')
    throw new Error(`expected two welcomes, got ${fresh.type} and ${resumed.type}`);
  const byId = [...resumed.messages].sort((x, y) => x.id - y.id);
  expect(fresh.messages).toEqual(byId);
  expect(fresh.seq).toBe(resumed.seq);
  return fresh;
}

describe('the welcome’s page of newest messages', () => {
  it('shows every change to the room in the next welcome', async () => {
    const room = uniqueRoom('welcome-page');
    const ann = await newUser('Ann');
    const bob = await newUser('Bob');
    const sa = await connect(room, ann.token);
    await expectNext(sa, 'welcome');
    expect((await welcomeOf(room, bob.token)).messages).toEqual([]);

    const first = await say(sa, 'first');
    const reply = await say(sa, 'a reply', { replyTo: first.id });
    let welcome = await welcomeOf(room, bob.token);
    expect(welcome.messages.map((m) => m.text)).toEqual(['first', 'a reply']);
    expect(welcome.seq).toBe(reply.seq);

    sa.send({ type: 'edit', id: first.id, text: 'first, edited' });
    await sa.nextOf('update');
    welcome = await welcomeOf(room, bob.token);
    expect(welcome.messages[0]).toMatchObject({
      text: 'first, edited',
      editedAt: expect.any(Number),
    });
    // The reply's excerpt follows the message it answers.
    expect(welcome.messages[1]?.reply).toMatchObject({ id: first.id, text: 'first, edited' });

    sa.send({ type: 'react', id: reply.id, emoji: '👍', on: true });
    await sa.nextOf('update');
    welcome = await welcomeOf(room, bob.token);
    expect(welcome.messages[1]?.reactions).toEqual([
      { emoji: '👍', count: 1, users: [ann.user.id] },
    ]);

    sa.send({ type: 'delete', id: first.id });
    await sa.nextOf('update');
    welcome = await welcomeOf(room, bob.token);
    expect(welcome.messages[0]).toEqual<ChatMessage>({
      type: 'message',
      id: first.id,
      seq: expect.any(Number),
      user: ann.user,
      text: '',
      ts: first.ts,
      clientId: first.clientId!,
      deleted: true,
    });
    expect(welcome.messages[1]?.reply).toEqual({ id: first.id, deleted: true });

    // A new instance (after an eviction) starts without the kept page and reads it again.
    await evictDurableObject(roomStub(room));
    expect((await welcomeOf(room, bob.token)).messages).toEqual(welcome.messages);
    await closeAll(sa);
  });

  it('is the same page for everyone, each with their own user, role and read marker', async () => {
    const room = uniqueRoom('welcome-own');
    const ann = await newUser('Ann');
    const bob = await newUser('Bob');
    const sa = await connect(room, ann.token);
    await expectNext(sa, 'welcome');
    const said = await say(sa, 'hello');
    sa.send({ type: 'read', id: said.id });
    await drainPending(sa);
    const forAnn = await welcomeOf(room, ann.token);
    const forBob = await welcomeOf(room, bob.token);
    expect(forAnn.messages).toEqual(forBob.messages);
    expect(forAnn).toMatchObject({ user: ann.user, readUpTo: said.id, role: 'member' });
    expect(forBob).toMatchObject({ user: bob.user, readUpTo: 0, role: 'member' });
    await closeAll(sa);
  });

  it('drops a purged user’s messages from the next welcome', async () => {
    const { room, mia, ann, bob } = await moderatedRoom('welcome-purge');
    const kept = await say(bob.socket, 'kept');
    await say(ann.socket, 'purged');
    expect((await welcomeOf(room, bob.token)).messages.map((m) => m.text)).toEqual([
      'kept',
      'purged',
    ]);
    mia.socket.send({ type: 'ban', userId: ann.user.id, purge: true });
    await mia.socket.nextOf('purged');
    const welcome = await welcomeOf(room, bob.token);
    expect(welcome.messages[0]).toEqual(kept);
    expect(welcome.messages[1]).toMatchObject({ user: ann.user, deleted: true, text: '' });
    await closeAll(mia.socket, bob.socket);
  });
});
