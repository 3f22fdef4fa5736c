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
  say,
  sendMessages,
  type Frame,
  type TestSocket,
} from './helpers.ts';

async function search(
  socket: TestSocket,
  query: string,
  fields: { before?: number; limit?: number } = {},
): Promise<Frame<'search'> | Frame<'error'>> {
  await drainPending(socket);
  socket.send({ type: 'search', query, ...fields });
  for (;;) {
    const next = await socket.next();
    if (next.type === 'search' || next.type === 'error') return next;
  }
}

async function found(socket: TestSocket, query: string, fields = {}): Promise<string[]> {
  const answer = await search(socket, query, fields);
  if (answer.type !== 'search') throw new Error(`refused: ${JSON.stringify(answer)}`);
  return answer.messages.map((message) => message.text);
}

/** Whether `word` appears in the raw pages of the room's search index. */
function inIndexPages(room: string, word: string): Promise<boolean> {
  return runInDurableObject(roomStub(room), (_room, state) => {
    const bytes = new TextEncoder().encode(word);
    for (const { block } of state.storage.sql.exec<{ block: ArrayBuffer }>(
      'SELECT block FROM search_data',
    )) {
      const page = new Uint8Array(block);
      outer: for (let i = 0; i + bytes.length <= page.length; i++) {
        for (let j = 0; j < bytes.length; j++) if (page[i + j] !== bytes[j]) continue outer;
        return true;
      }
    }
    return false;
  });
}

describe('search', () => {
  it('finds messages with every word, any case and accents, the last word as a prefix, newest first', async () => {
    const { sa, sb } = await annAndBob('search');
    for (const text of [
      'Meet at the Café at noon',
      'the cafe is closed',
      'CAFÉ NOIR tonight',
      'tea time',
    ]) {
      await say(sa, text);
    }
    expect(await found(sb, 'cafe')).toEqual([
      'CAFÉ NOIR tonight',
      'the cafe is closed',
      'Meet at the Café at noon',
    ]);
    expect(await found(sb, 'Café')).toEqual(await found(sb, 'CAFE'));
    expect(await found(sb, 'caf')).toHaveLength(3);
    expect(await found(sb, 'cafe noi')).toEqual(['CAFÉ NOIR tonight']);
    expect(await found(sb, 'noir cafe')).toEqual(['CAFÉ NOIR tonight']);
    // Every word but the last is whole: "ca" is no word of these messages.
    expect(await found(sb, 'ca noir')).toEqual([]);
    expect(await found(sb, 'at meet')).toEqual(['Meet at the Café at noon']);
    expect(await found(sb, 'tea, time!')).toEqual(['tea time']);
    expect(await search(sb, 'Tea!')).toMatchObject({
      type: 'search',
      query: 'Tea!',
      hasMore: false,
    });
    await closeAll(sa, sb);
  });

  it('pages newest first with before and limit', async () => {
    const { sa, sb } = await annAndBob('search-pages');
    const sent = [];
    for (let i = 0; i < 7; i++) sent.push(await say(sa, `needle number ${i}`));
    await say(sa, 'haystack');
    const first = await search(sb, 'needle', { limit: 3 });
    if (first.type !== 'search') throw new Error('refused');
    expect(first.messages.map((m) => m.id)).toEqual([sent[6]!.id, sent[5]!.id, sent[4]!.id]);
    expect(first.hasMore).toBe(true);
    const rest = await found(sb, 'needle', { before: sent[4]!.id, limit: 10 });
    expect(rest).toEqual([
      'needle number 3',
      'needle number 2',
      'needle number 1',
      'needle number 0',
    ]);
    await closeAll(sa, sb);
  });

  it('finds edited messages by their new text only, and deleted ones never, their words gone from the index', async () => {
    const { room, sa, sb } = await annAndBob('search-changes');
    const typo = await say(sa, 'the quikc brown fox');
    const secret = await say(sa, 'zebracorn password hunter2');
    expect(await found(sb, 'quikc')).toEqual(['the quikc brown fox']);
    expect(await found(sb, 'zebracorn')).toHaveLength(1);
    sa.send({ type: 'edit', id: typo.id, text: 'the quick brown fox' });
    sa.send({ type: 'delete', id: secret.id });
    await drainPending(sa);
    expect(await found(sb, 'quikc')).toEqual([]);
    expect(await found(sb, 'quick brown')).toEqual(['the quick brown fox']);
    expect(await found(sb, 'zebracorn')).toEqual([]);
    expect(await inIndexPages(room, 'zebracorn')).toBe(false);
    expect(await inIndexPages(room, 'quikc')).toBe(false);
    expect(await inIndexPages(room, 'quick')).toBe(true);
    await closeAll(sa, sb);
  });

  it('forgets messages past retention', async () => {
    const { sa, sb } = await annAndBob('search-retention');
    await say(sa, 'ancient artefact');
    expect(await found(sb, 'artefact')).toHaveLength(1);
    // HISTORY_LIMIT is 300 here: 300 more push the first out.
    await sendMessages(sa, 300, 'filler ');
    expect(await found(sb, 'artefact')).toEqual([]);
    expect(await found(sb, 'filler')).toHaveLength(20);
    await closeAll(sa, sb);
  });

  it.each([
    ['a quote before a word', '"needle'],
    ['quotes around a phrase', '"needle haystack"'],
    ['a star', 'needle*'],
    ['a star alone among words', 'needle * stack'],
    ['NEAR', 'NEAR(needle haystack)'],
    ['OR', 'needle OR haystack'],
    ['NOT and a minus', 'needle NOT -haystack'],
    ['a column filter', 'text:needle'],
    ['a caret', '^needle'],
    ['brackets and parentheses', '(needle) [haystack] {x}'],
    ['200 characters', `needle ${'x'.repeat(193)}`],
  ])('never errors on %s and matches only the words asked', async (_, query) => {
    const { sa, sb } = await annAndBob('search-hostile');
    await say(sa, 'needle');
    await say(sa, 'haystack');
    await say(sa, 'needle in a haystack');
    await say(sa, 'or near not text');
    const answer = await search(sb, query);
    expect(answer.type).toBe('search');
    if (answer.type !== 'search') return;
    // Whatever came back has every word of the query (the last as a prefix), as plain words.
    const words = query.match(/[\p{L}\p{N}]+/gu) ?? [];
    for (const message of answer.messages) {
      const text = message.text.toLowerCase();
      words.slice(0, -1).forEach((word) => expect(text.split(/\W+/)).toContain(word.toLowerCase()));
      expect(text).toContain(words.at(-1)!.toLowerCase());
    }
    await closeAll(sa, sb);
  });

  it.each([
    ['no word at all', '!!! ... ???'],
    ['an empty query', ''],
    ['201 characters', 'x'.repeat(201)],
  ])('refuses a query with %s as bad_frame', async (_, query) => {
    const { sa, sb } = await annAndBob('search-bad');
    expect(await search(sb, query)).toMatchObject({ type: 'error', code: 'bad_frame' });
    await closeAll(sa, sb);
  });
});
