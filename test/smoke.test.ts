import { env } from 'cloudflare:workers';
import { evictDurableObject } from 'cloudflare:test';
import { expect, it } from 'vitest';
import { connect, newUser, uniqueRoom } from './helpers.ts';

it('two sockets exchange a message and survive eviction', async () => {
  const room = uniqueRoom('smoke');
  const a = await newUser('Ann');
  const b = await newUser('Bob');
  const sa = await connect(room, a.token);
  const wa = await sa.nextOf('welcome');
  expect(wa.memberCount).toBe(1);
  const sb = await connect(room, b.token);
  await sb.nextOf('welcome');
  expect((await sa.nextOf('join')).user.name).toBe('Bob');
  sa.send({ type: 'message', text: ' hi ', clientId: 'c1' });
  const m1 = await sb.nextOf('message');
  expect(m1).toMatchObject({ id: 1, text: 'hi', user: a.user, clientId: 'c1' });
  await sa.nextOf('message');
  await evictDurableObject(env.CHAT_ROOM.getByName(room));
  sb.send({ type: 'message', text: 'after' });
  const m2 = await sa.nextOf('message');
  expect(m2).toMatchObject({ id: 2, user: b.user });
  await sa.close(); await sb.close();
});
