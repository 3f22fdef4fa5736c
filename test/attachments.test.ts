// The attachment cache over real sockets: what is saved outlives the cache (as across a wake),
// what the runtime hands back is narrowed before use, and the `gone` mark sticks.
import { describe, expect, it } from 'vitest';
import { Attachments, type Attachment } from '../src/attachments.ts';

const ann: Attachment = { user: { id: 'u-ann', name: 'Ann' }, room: 'lobby', connectedAt: 1_000 };

/** The server end of a fresh socket pair; the attachment API needs no peer. */
function socket(): WebSocket {
  return new WebSocketPair()[1];
}

describe('attachments', () => {
  it('reads back what was saved, through a fresh cache as after a wake', () => {
    const ws = socket();
    new Attachments().save(ws, ann);
    expect(new Attachments().get(ws)).toEqual(ann);
    expect(ws.deserializeAttachment()).toEqual(ann);
  });

  it('serves a socket’s attachment from the cache once read, without deserialising again', () => {
    const ws = socket();
    ws.serializeAttachment(ann);
    const attachments = new Attachments();
    expect(attachments.get(ws)).toEqual(ann);
    // Rewritten behind the cache's back: this instance keeps its copy, a new one reads the new value.
    ws.serializeAttachment({ ...ann, room: 'elsewhere' });
    expect(attachments.get(ws)).toEqual(ann);
    expect(new Attachments().get(ws)?.room).toBe('elsewhere');
  });

  it('keeps seenAt and gone when they are present and valid', () => {
    const ws = socket();
    const full: Attachment = { ...ann, seenAt: 2_000, gone: true };
    ws.serializeAttachment(full);
    expect(new Attachments().get(ws)).toEqual(full);
  });

  it.each<[string, unknown]>([
    ['nothing ever attached', undefined],
    ['null', null],
    ['a string', 'u-ann'],
    ['an unrelated object', { bogus: true }],
    ['no user', { room: 'lobby', connectedAt: 1 }],
    ['a user without a name', { ...ann, user: { id: 'u-ann' } }],
    ['a numeric user id', { ...ann, user: { id: 7, name: 'Ann' } }],
    ['no room', { user: ann.user, connectedAt: 1 }],
    ['connectedAt as a string', { ...ann, connectedAt: '1000' }],
    ['seenAt as a string', { ...ann, seenAt: '2000' }],
    ['gone: false', { ...ann, gone: false }],
  ])('reads an attachment holding %s as null and leaves it as it was', (_label, stored) => {
    const ws = socket();
    if (stored !== undefined) ws.serializeAttachment(stored);
    const attachments = new Attachments();
    expect(attachments.get(ws)).toBeNull();
    // Not cached either: a second read narrows again and still refuses it.
    expect(attachments.get(ws)).toBeNull();
    expect(ws.deserializeAttachment()).toEqual(stored ?? null);
  });

  it('marks a socket gone on the socket itself, keeping the rest of its attachment', () => {
    const ws = socket();
    const attachments = new Attachments();
    attachments.save(ws, { ...ann, seenAt: 2_000 });
    attachments.markGone(ws);
    const expected = { ...ann, seenAt: 2_000, gone: true };
    expect(attachments.get(ws)).toEqual(expected);
    expect(new Attachments().get(ws)).toEqual(expected);
  });

  it('leaves a corrupted attachment alone when asked to mark it gone', () => {
    const ws = socket();
    ws.serializeAttachment({ bogus: true });
    new Attachments().markGone(ws);
    expect(ws.deserializeAttachment()).toEqual({ bogus: true });
  });
});
