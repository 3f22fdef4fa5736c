// Presence inside a real Durable Object with real sockets: the member list (rebuilt after a wake
// from the sockets' attachments, and kept in step with that rebuild as tabs come and go), arrivals
// and departures, join/leave versus throttled counts past the limit, and the bounded memory of
// departures. A fresh Presence over the same state is what the room builds after a wake.
import { describe, expect, it } from 'vitest';
import { Attachments, type Attachment } from '../src/attachments.ts';
import { Presence, type Broadcast } from '../src/presence.ts';
import type { ServerFrame, User } from '../src/protocol.ts';
import { acceptIn, closeAll, inFreshRoom, type AcceptedSocket } from './helpers.ts';

const T = 1_700_000_000_000;
// The room's own Presence (PRESENCE_LIMIT 5 in this project) also sees these sockets close; no
// test here accepts more than five users' sockets, so it never throttles or sets an alarm.

function user(id: string, name = id): User {
  return { id, name };
}

function attachment(who: User, connectedAt = T): Attachment {
  return { user: who, room: 'presence', connectedAt };
}

/** A Presence as the room builds one, with what it broadcasts recorded. */
function presenceIn(state: DurableObjectState, limit = 5) {
  const heard: { frame: ServerFrame; except?: WebSocket }[] = [];
  const broadcast: Broadcast = (frame, except) =>
    void heard.push(except ? { frame, except } : { frame });
  const attachments = new Attachments();
  return { presence: new Presence(state, attachments, limit, broadcast), attachments, heard };
}

/** The members a room woken now would list. */
function rebuilt(state: DurableObjectState): User[] {
  return presenceIn(state).presence.recent();
}

/** Connects as the room does: counted in first, then accepted with its attachment. */
function connectIn(
  state: DurableObjectState,
  presence: Presence,
  who: User,
  connectedAt = T,
): AcceptedSocket & { arriving: boolean } {
  const pair = new WebSocketPair();
  const arriving = presence.arrive(pair[1], attachment(who, connectedAt));
  return { ...acceptIn(state, who.id, attachment(who, connectedAt), pair), arriving };
}

/** A socket the runtime doesn't list (as one whose Close it has received), its attachment set. */
function unlisted(who: User, connectedAt = T): WebSocket {
  const ws = new WebSocketPair()[1];
  ws.serializeAttachment(attachment(who, connectedAt));
  return ws;
}

describe('member list', () => {
  it('is rebuilt after a wake from the sockets’ attachments: one entry per user, named and placed by their newest connection', () =>
    inFreshRoom('rebuild', async (state) => {
      const [ann, annie, bob, cy, dee] = [
        user('ann'),
        user('ann', 'Annie'),
        user('bob'),
        user('cy'),
        user('dee'),
      ];
      // Accepted out of order: the list follows connection times, not the runtime's listing.
      const sockets = [
        acceptIn(state, dee.id, attachment(dee, T + 4)),
        acceptIn(state, ann.id, attachment(ann, T)),
        acceptIn(state, annie.id, attachment(annie, T + 2)),
        acceptIn(state, bob.id, attachment(bob, T + 1)),
        acceptIn(state, cy.id, { ...attachment(cy, T + 3), gone: true }),
        acceptIn(state, 'broken', { bogus: true }),
      ];
      const { presence } = presenceIn(state);
      expect(presence.recent()).toEqual([bob, annie, dee]);
      expect(presence.count).toBe(3);
      await closeAll(...sockets);
    }));

  it('lists at most the limit, the users with the newest connections, oldest first', () =>
    inFreshRoom('recent', async (state) => {
      const { presence } = presenceIn(state, 2);
      const people = ['a', 'b', 'c'].map((id) => user(id));
      const sockets = people.map((who) => connectIn(state, presence, who));
      expect(presence.recent()).toEqual(people.slice(1));
      expect(presence.count).toBe(3);
      await closeAll(...sockets);
    }));

  it('moves a member back to their newest open connection, name and place, when their newest tab closes', () =>
    inFreshRoom('fall-back', async (state) => {
      const { presence } = presenceIn(state);
      const [old, bob, middle, newest] = [
        user('ann', 'Old Name'),
        user('bob'),
        user('ann', 'Middle Name'),
        user('ann', 'New Name'),
      ];
      const tab1 = connectIn(state, presence, old, T);
      const sb = connectIn(state, presence, bob, T + 1);
      const tab2 = connectIn(state, presence, middle, T + 2);
      const tab3 = connectIn(state, presence, newest, T + 3);
      expect(presence.recent()).toEqual([bob, newest]);
      await tab3.close();
      expect(presence.depart(tab3.server, T)).toBeNull();
      expect(presence.recent()).toEqual([bob, middle]);
      expect(rebuilt(state)).toEqual([bob, middle]);
      // An older tab closing changes nothing.
      await tab1.close();
      expect(presence.depart(tab1.server, T)).toBeNull();
      expect(presence.recent()).toEqual([bob, middle]);
      expect(rebuilt(state)).toEqual([bob, middle]);
      await closeAll(tab2, sb);
    }));

  it('says what a list rebuilt from the sockets says after every arrival and departure', () =>
    inFreshRoom('in-step', async (state) => {
      const { presence } = presenceIn(state);
      const open: AcceptedSocket[] = [];
      let clock = T;
      const tab = (id: string, name: string) => {
        open.push(connectIn(state, presence, user(id, name), clock++));
        expect(presence.recent()).toEqual(rebuilt(state));
      };
      const close = async (index: number) => {
        const [socket] = open.splice(index, 1);
        if (!socket) throw new Error(`no socket ${index}`);
        await socket.close();
        presence.depart(socket.server, T);
        expect(presence.recent()).toEqual(rebuilt(state));
      };
      tab('a', 'A1');
      tab('b', 'B1');
      tab('a', 'A2');
      tab('c', 'C1');
      tab('b', 'B2');
      tab('a', 'A3');
      await close(5); // A3: back to A2, ahead of C1
      await close(0); // A1
      tab('d', 'D1');
      await close(3); // B2: back to B1, first
      await close(1); // A2: a's last
      tab('a', 'A4');
      await close(0); // B1: b's last
      expect(presence.recent().map(({ name }) => name)).toEqual(['C1', 'D1', 'A4']);
      await closeAll(...open);
    }));
});

describe('arrivals and departures', () => {
  it('counts a user in with their first socket and out with their last only', () =>
    inFreshRoom('arrive-depart', async (state) => {
      const { presence } = presenceIn(state);
      const ann = user('ann');
      const tab1 = connectIn(state, presence, ann);
      const tab2 = connectIn(state, presence, ann);
      expect([tab1.arriving, tab2.arriving]).toEqual([true, false]);
      await tab1.close();
      expect(presence.depart(tab1.server, T)).toBeNull();
      expect(presence.count).toBe(1);
      await tab2.close();
      expect(presence.depart(tab2.server, T)).toEqual(ann);
      expect(presence.count).toBe(0);
      const tab3 = connectIn(state, presence, ann);
      expect(tab3.arriving).toBe(true);
      await closeAll(tab3);
    }));

  it('announces a leave once when two sockets of a user close back to back', () =>
    inFreshRoom('two-tabs', async (state) => {
      const { presence } = presenceIn(state);
      const ann = user('ann');
      const tab1 = connectIn(state, presence, ann);
      const tab2 = connectIn(state, presence, ann);
      await Promise.all([tab1.close(), tab2.close()]);
      expect(presence.depart(tab1.server, T)).toEqual(ann);
      expect(presence.depart(tab2.server, T)).toBeNull();
    }));

  it('announces the leave of a user whose closing sockets a wake left out of the list, once', () =>
    inFreshRoom('wake-leave', async (state) => {
      const bob = acceptIn(state, 'bob', attachment(user('bob')));
      const ann = user('ann');
      const [tab1, tab2] = [unlisted(ann), unlisted(ann)];
      const { presence } = presenceIn(state);
      expect(presence.recent()).toEqual([user('bob')]);
      expect(presence.depart(tab1, T)).toEqual(ann);
      expect(presence.depart(tab2, T)).toBeNull();
      expect(presence.count).toBe(1);
      await closeAll(bob);
    }));

  it('counts a swept ghost out once: marked gone, its late close is no second leave, even after a wake', () =>
    inFreshRoom('gone', async (state) => {
      const { presence, attachments } = presenceIn(state);
      const ghost = connectIn(state, presence, user('ghost'));
      // What the room does with a ghost: counted out, marked, closed.
      expect(presence.depart(ghost.server, T)).toEqual(user('ghost'));
      attachments.markGone(ghost.server);
      await ghost.close();
      expect(presence.depart(ghost.server, T)).toBeNull();
      expect(presenceIn(state).presence.depart(ghost.server, T)).toBeNull();
    }));

  it('counts nothing for a socket whose attachment is corrupted', () =>
    inFreshRoom('broken', (state) => {
      const { presence } = presenceIn(state);
      const broken = new WebSocketPair()[1];
      broken.serializeAttachment({ user: 'ann' });
      expect(presence.depart(broken, T)).toBeNull();
      expect(presence.count).toBe(0);
    }));
});

describe('join, leave and counts', () => {
  it('names a join to everyone but the newcomer, and a leave to everyone, while the room is within the limit', () =>
    inFreshRoom('named', async (state) => {
      const { presence, heard } = presenceIn(state, 2);
      const ann = user('ann');
      const tab = connectIn(state, presence, ann);
      const join = { type: 'join', user: ann, ts: T } as const;
      expect(presence.announce(join, T, tab.server)).toBeNull();
      await tab.close();
      presence.depart(tab.server, T);
      const leave = { type: 'leave', user: ann, ts: T } as const;
      expect(presence.announce(leave, T)).toBeNull();
      expect(heard).toEqual([{ frame: join, except: tab.server }, { frame: leave }]);
    }));

  it('sends a count instead past the limit: at once, then at most once a second and only when it changed', () =>
    inFreshRoom('throttled', (state) => {
      const { presence, heard } = presenceIn(state, 2);
      const join = (id: string, now: number) => {
        const ws = unlisted(user(id));
        presence.arrive(ws, attachment(user(id)));
        return presence.announce({ type: 'join', user: user(id), ts: now }, now, ws);
      };
      join('a', T);
      join('b', T);
      heard.length = 0;
      expect(join('c', T)).toBeNull();
      expect(join('d', T + 500)).toBe(T + 1000);
      expect(presence.recount(T + 999)).toBe(T + 1000);
      expect(presence.recount(T + 1000)).toBeNull();
      expect(presence.recount(T + 5000)).toBeNull();
      expect(heard).toEqual([
        { frame: { type: 'presence', count: 3 } },
        { frame: { type: 'presence', count: 4 } },
      ]);
    }));

  it('sends the exact count with each leave that brings the room back to the limit, even a repeated one', () =>
    inFreshRoom('shrink', (state) => {
      const { presence, heard } = presenceIn(state, 2);
      const sockets = ['a', 'b', 'c'].map((id) => {
        const ws = unlisted(user(id));
        presence.arrive(ws, attachment(user(id)));
        return ws;
      });
      // Three users past a limit of two: a count goes out at once.
      expect(presence.recount(T)).toBeNull();
      const [, , c] = sockets;
      if (!c) throw new Error('no socket');
      const leave = { type: 'leave', user: user('c'), ts: T } as const;
      const back = () => {
        expect(presence.depart(c, T)).toEqual(user('c'));
        expect(presence.announce(leave, T + 10)).toBeNull();
      };
      back();
      presence.arrive(c, attachment(user('c')));
      expect(presence.recount(T + 20)).toBe(T + 1010);
      back();
      expect(heard).toEqual([
        { frame: { type: 'presence', count: 3 } },
        { frame: leave },
        { frame: { type: 'presence', count: 2 } },
        { frame: leave },
        { frame: { type: 'presence', count: 2 } },
      ]);
    }));
});

describe('memory of departures', () => {
  it('stays bounded by the last minute’s departures however many distinct users leave', () =>
    inFreshRoom('bounded', (state) => {
      const { presence } = presenceIn(state);
      for (let i = 0; i < 300; i++) {
        const who = user(`u${i}`);
        const ws = unlisted(who);
        presence.arrive(ws, attachment(who));
        expect(presence.depart(ws, T + i * 1000)).toEqual(who);
        expect(presence.departuresRemembered).toBe(Math.min(i + 1, 60));
      }
      // A late close from a user who left within the minute is still recognised.
      expect(presence.depart(unlisted(user('u299')), T + 299_000)).toBeNull();
    }));

  it('keeps remembering a user while a socket the room closed still waits for its peer', () =>
    inFreshRoom('lingering', async (state) => {
      const { presence } = presenceIn(state);
      const ann = user('ann');
      // A peer that never answers the room's Close: the runtime keeps listing the socket.
      const { 0: client, 1: server } = new WebSocketPair();
      presence.arrive(server, attachment(ann));
      state.acceptWebSocket(server, [ann.id]);
      server.serializeAttachment(attachment(ann));
      server.close(1000, 'closed by the room');
      expect(presence.depart(server, T)).toEqual(ann);
      for (let i = 1; i <= 3; i++) {
        const who = user(`u${i}`);
        const ws = unlisted(who);
        presence.arrive(ws, attachment(who));
        presence.depart(ws, T + i * 60_000);
      }
      expect(presence.departuresRemembered).toBe(2);
      // Its late close event is still not a second leave.
      expect(presence.depart(server, T + 180_000)).toBeNull();
      const closed = new Promise((resolve) => client.addEventListener('close', resolve));
      client.accept();
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
    }));
});
