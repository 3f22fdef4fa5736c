// @ts-check
// A backend bot that posts one message to a room over the HTTP API, with no socket
// (docs/protocol.md, "The messages API for backends"). Each setting is an argument or else an
// environment variable:
//   node examples/http-bot.mjs <origin> <room> <token> <text>
//   CHAT_ORIGIN=… CHAT_ROOM=… CHAT_TOKEN=… CHAT_TEXT=… node examples/http-bot.mjs
const [origin, room, token, text] = ['CHAT_ORIGIN', 'CHAT_ROOM', 'CHAT_TOKEN', 'CHAT_TEXT'].map(
  (name, i) => process.argv[2 + i] ?? process.env[name],
);
if (!origin || !room || !token || !text) throw new Error('need an origin, room, token and text');
const res = await fetch(`${origin}/api/rooms/${room}/messages`, {
  method: 'POST',
  headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
  body: JSON.stringify({ text }),
});
const answer = await res.json();
if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(answer)}`);
console.log(`posted message ${answer.id}`);
