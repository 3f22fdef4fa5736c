// edge chat from Node: a bot that joins a room as a guest and answers "!ping" with "pong".
// Run it against a server: node examples/bot.mjs http://localhost:8787 lobby
import { ChatClient } from 'edge-chat/client';
import { GuestSession } from 'edge-chat/guest';
import WebSocket from 'ws'; // Node 20 has no global WebSocket

const [url = 'http://localhost:8787', room = 'lobby'] = process.argv.slice(2);
// A guest from the server's own token endpoint. With a backend of your own, pass its tokens
// instead: token: async () => myBackend.chatToken(), called before every connection attempt.
const guest = new GuestSession({ url, name: 'ping bot' });
const chat = new ChatClient({ url, room, token: guest.token, WebSocket });

chat.addEventListener('status', (e) => console.log(`status: ${e.detail}`));
chat.addEventListener('welcome', (e) =>
  console.log(`in #${e.detail.room} as ${e.detail.user.name}`),
);
// `message` comes once per message id, the welcome's included; `messages` says where each batch
// goes, so the bot answers what is new rather than the history it is shown on arrival.
chat.addEventListener('messages', async (e) => {
  if (e.detail.placement !== 'newer') return;
  for (const message of e.detail.messages) {
    if (message.text.trim() !== '!ping' || message.user.id === chat.user?.id) continue;
    const stored = await chat.send(`pong, ${message.user.name}`); // once acknowledged, exactly once
    console.log(`answered #${message.id} with #${stored.id}`);
  }
});
// close() leaves no socket or timer behind, so the process ends by itself.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => chat.close());
