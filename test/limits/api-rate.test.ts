// The HTTP API shares the user's token bucket with their sockets in that room (the shipped
// limits: a burst of 10): a 429 with `Retry-After` and the socket's `rate_limited` code once the
// socket spent it, and the other way round. Another user is unaffected.
import { exports } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { closeAll, connect, newUser, ORIGIN, uniqueRoom } from '../helpers.ts';

const BURST = 10;
const ROOM_PING = '{ "type": "ping" }';

function post(room: string, token: string, text: string): Promise<Response> {
  return exports.default.fetch(
    new Request(`${ORIGIN}/api/rooms/${room}/messages`, {
      method: 'POST',
      body: JSON.stringify({ text }),
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    }),
  );
}

it('refuses an API call with 429 once the same user’s socket spent the bucket, and vice versa', async () => {
  const room = uniqueRoom('api-rate');
  const user = await newUser('Shared');
  const socket = await connect(room, user.token);
  await socket.nextOf('welcome');
  for (let i = 0; i < BURST; i++) socket.send(ROOM_PING);
  for (let i = 0; i < BURST; i++) await socket.nextOf('pong');
  const refused = await post(room, user.token, 'over the limit');
  expect(refused.status).toBe(429);
  const retryAfter = Number(refused.headers.get('Retry-After'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(await refused.json()).toMatchObject({
    code: 'rate_limited',
    retryAfterMs: expect.any(Number),
  });
  // Someone else still posts.
  const other = await newUser('Other');
  expect((await post(room, other.token, 'fine')).status).toBe(201);
  // And the API's spending counts against the socket: the other user's burst, spent over HTTP.
  for (let i = 1; i < BURST; i++) expect((await post(room, other.token, `m${i}`)).status).toBe(201);
  const otherSocket = await connect(room, other.token);
  await otherSocket.nextOf('welcome');
  otherSocket.send({ type: 'message', text: 'one too many' });
  expect(await otherSocket.nextOf('error')).toMatchObject({ code: 'rate_limited' });
  await closeAll(socket, otherSocket);
});
