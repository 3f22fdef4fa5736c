// The ghost sweep inside a real Durable Object with real sockets: which open sockets count as
// silent for over two heartbeat periods, given when they connected, the frames the room noted
// (in memory, and in the attachment across a wake) and the pings the runtime answered on its own.
// Time is passed in, so no test waits a minute.
import { describe, expect, it } from 'vitest';
import { Attachments, type Attachment } from '../src/attachments.ts';
import { GHOST_AFTER_MS, Ghosts } from '../src/ghosts.ts';
import { HEARTBEAT_INTERVAL_MS, PING_FRAME, PONG_FRAME } from '../src/protocol.ts';
import { acceptIn, inFreshRoom } from './helpers.ts';

const T = 1_700_000_000_000;

function attachment(id: string, connectedAt: number): Attachment {
  return { user: { id, name: id }, room: 'ghosts', connectedAt };
}

describe('ghost sweep', () => {
  it('yields an open socket only once it has been silent for over two heartbeat periods since it connected', () =>
    inFreshRoom('ghosts', async (state) => {
      const socket = acceptIn(state, 'u1', attachment('u1', T));
      const ghosts = new Ghosts(state, new Attachments());
      expect([...ghosts.sweep(T + GHOST_AFTER_MS)]).toEqual([]);
      expect([...ghosts.sweep(T + GHOST_AFTER_MS + 1)]).toEqual([socket.server]);
      await socket.close();
    }));

  it('counts a frame the room noted as a sign of life, and after a wake only once it reached the attachment', () =>
    inFreshRoom('ghosts', async (state) => {
      const socket = acceptIn(state, 'u1', attachment('u1', T));
      const early = T + HEARTBEAT_INTERVAL_MS - 1;
      const ghosts = new Ghosts(state, new Attachments());
      ghosts.noteSeen(socket.server, early);
      expect([...ghosts.sweep(early + GHOST_AFTER_MS)]).toEqual([]);
      // Within a heartbeat period of connecting, nothing is written: a woken room doesn't know.
      expect(new Attachments().get(socket.server)?.seenAt).toBeUndefined();
      const woken = () => new Ghosts(state, new Attachments());
      expect([...woken().sweep(early + GHOST_AFTER_MS)]).toEqual([socket.server]);

      const later = T + HEARTBEAT_INTERVAL_MS;
      ghosts.noteSeen(socket.server, later);
      expect(new Attachments().get(socket.server)?.seenAt).toBe(later);
      expect([...woken().sweep(later + GHOST_AFTER_MS)]).toEqual([]);
      expect([...woken().sweep(later + GHOST_AFTER_MS + 1)]).toEqual([socket.server]);
      await socket.close();
    }));

  it('writes seenAt at most once a heartbeat period however many frames arrive', () =>
    inFreshRoom('ghosts', async (state) => {
      const socket = acceptIn(state, 'u1', attachment('u1', T));
      const ghosts = new Ghosts(state, new Attachments());
      const written = new Set<number | undefined>();
      // A frame a second for three heartbeat periods.
      for (let at = T; at < T + 3 * HEARTBEAT_INTERVAL_MS; at += 1000) {
        ghosts.noteSeen(socket.server, at);
        written.add(new Attachments().get(socket.server)?.seenAt);
      }
      expect([...written]).toEqual([
        undefined,
        T + HEARTBEAT_INTERVAL_MS,
        T + 2 * HEARTBEAT_INTERVAL_MS,
      ]);
      await socket.close();
    }));

  it('counts a ping the runtime answered without waking the room', () =>
    inFreshRoom('ghosts', async (state) => {
      const longAgo = Date.now() - GHOST_AFTER_MS - 5000;
      const pinger = acceptIn(state, 'pinger', attachment('pinger', longAgo));
      const silent = acceptIn(state, 'silent', attachment('silent', longAgo));
      const pong = new Promise<MessageEvent>((resolve) =>
        pinger.client.addEventListener('message', resolve),
      );
      pinger.client.send(PING_FRAME);
      expect((await pong).data).toBe(PONG_FRAME);
      expect(state.getWebSocketAutoResponseTimestamp(pinger.server)).toBeInstanceOf(Date);
      const ghosts = new Ghosts(state, new Attachments());
      expect([...ghosts.sweep(Date.now())]).toEqual([silent.server]);
      await pinger.close();
      await silent.close();
    }));

  it('passes over sockets that are already closing', () =>
    inFreshRoom('ghosts', async (state) => {
      const socket = acceptIn(state, 'u1', attachment('u1', T));
      socket.server.close(1000, 'closed by the room');
      expect([...new Ghosts(state, new Attachments()).sweep(T + 10 * GHOST_AFTER_MS)]).toEqual([]);
      await socket.close();
    }));

  it('takes a socket whose attachment is corrupted for one that never showed a sign of life', () =>
    inFreshRoom('ghosts', async (state) => {
      const socket = acceptIn(state, 'u1', { bogus: true });
      expect([...new Ghosts(state, new Attachments()).sweep(GHOST_AFTER_MS + 1)]).toEqual([
        socket.server,
      ]);
      await socket.close();
    }));

  it('is due on connect at most once every ten seconds', () =>
    inFreshRoom('ghosts', async (state) => {
      const ghosts = new Ghosts(state, new Attachments());
      expect(ghosts.due(T)).toBe(true);
      expect([...ghosts.sweep(T)]).toEqual([]);
      expect(ghosts.due(T + 10_000)).toBe(false);
      expect(ghosts.due(T + 10_001)).toBe(true);
    }));
});
