// Who may do what in a room (docs/protocol.md, the roles and the moderation frames): every
// moderation frame sent by a member, by a moderator (by the token's `mod` claim, or appointed by
// the owner) and by the owner, aimed at a member, the owner, another moderator of each kind and
// the sender themself, with its exact answer; a refusal or a frame that changes nothing leaves
// every fresh welcome, the bans list and the target's ability to send as they were. Then the same
// state after the room is evicted.
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ChatMessage, ServerFrame, User } from '../src/protocol.ts';
import {
  closeAll,
  connect,
  drainPending,
  expectNext,
  firstFrame,
  newUser,
  ownedRoom,
  roomStub,
  scopedUser,
  untilClosed,
  type TestSocket,
} from './helpers.ts';

/** Someone in the room: who they are, their token and their open socket. */
interface Person {
  user: User;
  token: string;
  socket: TestSocket;
}

type Actor = 'member' | 'claimMod' | 'appointedMod' | 'owner';
type Target = 'member' | 'owner' | 'claimMod' | 'appointedMod' | 'self';
type Targeted = 'mute' | 'unmute' | 'ban' | 'purge' | 'unban' | 'appoint' | 'demote' | 'delete';
type Kind = Targeted | 'bans' | 'settings';
/** A refusal's `forbidden` message, or what else the room does with the frame. */
type Answer = string | 'announced' | 'answered' | 'nothing';

const ONLY_MODS = 'only moderators can do that';
const PEERS = 'moderators can’t act on the owner or on other moderators';
const SELF = 'you can’t do that to yourself';
const ONLY_OWNER = 'only the owner appoints moderators';
const FROM_TOKEN = 'this moderator’s role comes from their token';
const NOT_AUTHOR = 'only its author or a moderator can delete a message';
const A = 'announced';
const N = 'nothing';

// The permission table. Columns are the target: a member, the owner, another moderator by claim,
// another appointed moderator, and the sender themself. Before `unmute` the owner has muted the
// target and before `unban` banned them (unless the target is the owner or the sender), so an
// allowed one has something to lift. `delete` deletes the target's message.
const TARGETS: readonly Target[] = ['member', 'owner', 'claimMod', 'appointedMod', 'self'];
const TABLE: Record<Targeted, Record<Actor, readonly Answer[]>> = {
  mute: {
    member: [ONLY_MODS, ONLY_MODS, ONLY_MODS, ONLY_MODS, ONLY_MODS],
    claimMod: [A, PEERS, PEERS, PEERS, SELF],
    appointedMod: [A, PEERS, PEERS, PEERS, SELF],
    owner: [A, SELF, A, A, SELF],
  },
  unmute: {
    member: [ONLY_MODS, ONLY_MODS, ONLY_MODS, ONLY_MODS, ONLY_MODS],
    claimMod: [A, PEERS, PEERS, PEERS, SELF],
    appointedMod: [A, PEERS, PEERS, PEERS, SELF],
    owner: [A, SELF, A, A, SELF],
  },
  ban: {
    member: [ONLY_MODS, ONLY_MODS, ONLY_MODS, ONLY_MODS, ONLY_MODS],
    claimMod: [A, PEERS, PEERS, PEERS, SELF],
    appointedMod: [A, PEERS, PEERS, PEERS, SELF],
    owner: [A, SELF, A, A, SELF],
  },
  purge: {
    member: [ONLY_MODS, ONLY_MODS, ONLY_MODS, ONLY_MODS, ONLY_MODS],
    claimMod: [A, PEERS, PEERS, PEERS, SELF],
    appointedMod: [A, PEERS, PEERS, PEERS, SELF],
    owner: [A, SELF, A, A, SELF],
  },
  // The contract restricts mute, ban and role between moderators, not unban. Nobody is ever
  // banned while they can send, so an unban of oneself (or of the owner) lifts nothing.
  unban: {
    member: [ONLY_MODS, ONLY_MODS, ONLY_MODS, ONLY_MODS, ONLY_MODS],
    claimMod: [A, N, A, A, N],
    appointedMod: [A, N, A, A, N],
    owner: [A, N, A, A, N],
  },
  appoint: {
    member: [ONLY_OWNER, ONLY_OWNER, ONLY_OWNER, ONLY_OWNER, ONLY_OWNER],
    claimMod: [ONLY_OWNER, ONLY_OWNER, ONLY_OWNER, ONLY_OWNER, ONLY_OWNER],
    appointedMod: [ONLY_OWNER, ONLY_OWNER, ONLY_OWNER, ONLY_OWNER, ONLY_OWNER],
    owner: [A, SELF, FROM_TOKEN, N, SELF],
  },
  demote: {
    member: [ONLY_OWNER, ONLY_OWNER, ONLY_OWNER, ONLY_OWNER, ONLY_OWNER],
    claimMod: [ONLY_OWNER, ONLY_OWNER, ONLY_OWNER, ONLY_OWNER, ONLY_OWNER],
    appointedMod: [ONLY_OWNER, ONLY_OWNER, ONLY_OWNER, ONLY_OWNER, ONLY_OWNER],
    owner: [N, SELF, FROM_TOKEN, A, SELF],
  },
  delete: {
    member: [NOT_AUTHOR, NOT_AUTHOR, NOT_AUTHOR, NOT_AUTHOR, A],
    claimMod: [A, A, A, A, A],
    appointedMod: [A, A, A, A, A],
    owner: [A, A, A, A, A],
  },
};
const UNTARGETED: Record<'bans' | 'settings', Record<Actor, Answer>> = {
  bans: { member: ONLY_MODS, claimMod: 'answered', appointedMod: 'answered', owner: 'answered' },
  settings: { member: ONLY_MODS, claimMod: A, appointedMod: A, owner: A },
};

interface Case {
  actor: Actor;
  kind: Kind;
  target: Target | 'nobody';
  answer: Answer;
}

const CASES: Case[] = [
  ...Object.entries(TABLE).flatMap(([kind, rows]) =>
    Object.entries(rows).flatMap(([actor, answers]) =>
      TARGETS.map((target, i) => ({ actor, kind, target, answer: answers[i] ?? '?' }) as Case)
        // For the owner, the owner column is the sender themself.
        .filter(({ actor, target }) => !(actor === 'owner' && target === 'owner')),
    ),
  ),
  ...Object.entries(UNTARGETED).flatMap(([kind, row]) =>
    Object.entries(row).map(
      ([actor, answer]) => ({ actor, kind, target: 'nobody', answer }) as Case,
    ),
  ),
];

const ACTORS: Record<Actor, string> = {
  member: 'a member',
  claimMod: 'a moderator by claim',
  appointedMod: 'an appointed moderator',
  owner: 'the owner',
};
const AIMED_AT: Record<Target | 'nobody', string> = {
  member: ' at a member',
  owner: ' at the owner',
  claimMod: ' at a moderator by claim',
  appointedMod: ' at an appointed moderator',
  self: ' at themself',
  nobody: '',
};
const FRAMES: Record<Kind, string> = {
  mute: 'mute',
  unmute: 'mute 0',
  ban: 'ban',
  purge: 'ban with purge',
  unban: 'unban',
  appoint: 'role moderator',
  demote: 'role member',
  delete: 'delete (of the target’s message)',
  bans: 'bans',
  settings: 'settings',
};
const OUTCOMES: Record<string, string> = {
  announced: 'by announcing it to everyone',
  answered: 'to the sender only',
  nothing: 'with nothing, changing nothing',
};

function title({ actor, kind, target, answer }: Case): string {
  const outcome = OUTCOMES[answer] ?? `with forbidden (${answer}), changing nothing`;
  return `answers ${FRAMES[kind]} by ${ACTORS[actor]}${AIMED_AT[target]} ${outcome}`;
}

/** The room of one case: its owner, a member who only watches, the sender and the target. */
interface Stage {
  room: string;
  owner: Person;
  witness: Person;
  sender: Person;
  target: Person;
  /** The target's message, for `delete` and the purge. */
  message: ChatMessage;
}

/** Connects `name` to `room` with `token` and reads the welcome. */
async function enter(room: string, name: string, token: string, user: User): Promise<Person> {
  const socket = await connect(room, token);
  const welcome = await expectNext(socket, 'welcome');
  expect(welcome.user, name).toEqual(user);
  return { user, token, socket };
}

/** A new person of `kind` in `room`: a member, a moderator by claim, or one the owner appoints. */
async function newcomer(room: string, owner: Person, kind: Actor, name: string): Promise<Person> {
  if (kind === 'claimMod') {
    const { user, token } = await scopedUser(name, { mod: [room] });
    return enter(room, name, token, user);
  }
  const { user, token } = await newUser(name);
  const person = await enter(room, name, token, user);
  if (kind === 'appointedMod') {
    owner.socket.send({ type: 'role', userId: user.id, role: 'moderator' });
    expect(await person.socket.nextOf('moderation')).toMatchObject({ role: 'moderator' });
  }
  return person;
}

async function setStage({ actor, target }: Case): Promise<Stage> {
  const { room, owner: ownerUser, socket } = await ownedRoom('Olga');
  const owner = { ...ownerUser, socket };
  const witness = await newcomer(room, owner, 'member', 'Wes');
  const sender = actor === 'owner' ? owner : await newcomer(room, owner, actor, 'Sam');
  const aimed =
    target === 'self' || target === 'nobody'
      ? sender
      : target === 'owner'
        ? owner
        : await newcomer(room, owner, target, 'Tia');
  aimed.socket.send({ type: 'message', text: `a message of ${aimed.user.name}`, clientId: 'm1' });
  const message = await aimed.socket.nextOf('message');
  const people = [owner, witness, sender, aimed];
  for (const person of people) await drainPending(person.socket);
  return { room, owner, witness, sender, target: aimed, message };
}

/** The distinct people on stage whose sockets are still open. */
function openSockets({ owner, witness, sender, target }: Stage): Person[] {
  const people = [...new Set([owner, witness, sender, target])];
  return people.filter((person) => person.socket.ws.readyState === WebSocket.OPEN);
}

/** What the case's frame must have before it: a mute or a ban by the owner, to be lifted. */
async function prepare(kind: Kind, stage: Stage): Promise<void> {
  const { owner, sender, target } = stage;
  if (target === owner) return;
  if (kind === 'unmute') {
    owner.socket.send({ type: 'mute', userId: target.user.id, seconds: 600 });
    await owner.socket.nextOf('moderation');
  }
  if (kind === 'unban' && target !== sender) {
    owner.socket.send({ type: 'ban', userId: target.user.id, reason: 'before the case' });
    await untilClosed(target.socket);
  }
  for (const person of openSockets(stage)) await drainPending(person.socket);
}

function frameFor(kind: Kind, { target, message }: Stage): Record<string, unknown> {
  const userId = target.user.id;
  switch (kind) {
    case 'mute':
      return { type: 'mute', userId, seconds: 60 };
    case 'unmute':
      return { type: 'mute', userId, seconds: 0 };
    case 'ban':
      return { type: 'ban', userId, seconds: 60, reason: 'spam' };
    case 'purge':
      return { type: 'ban', userId, purge: true };
    case 'unban':
      return { type: 'unban', userId };
    case 'appoint':
      return { type: 'role', userId, role: 'moderator' };
    case 'demote':
      return { type: 'role', userId, role: 'member' };
    case 'delete':
      return { type: 'delete', id: message.id };
    case 'bans':
      return { type: 'bans' };
    case 'settings':
      return { type: 'settings', slowModeSeconds: 30 };
  }
}

/** What everyone in the room receives for an allowed frame (the ban's own frames aside). */
function announcement(kind: Kind, { sender, target, message }: Stage): unknown[] {
  const moderation = { type: 'moderation', target: target.user, by: sender.user };
  switch (kind) {
    case 'mute':
      return [{ ...moderation, action: 'mute', until: expect.any(Number) }];
    case 'unmute':
      return [{ ...moderation, action: 'unmute' }];
    case 'ban':
      return [{ ...moderation, action: 'ban', until: expect.any(Number), reason: 'spam' }];
    case 'purge':
      return [
        { ...moderation, action: 'ban' },
        { type: 'purged', userId: target.user.id, seq: expect.any(Number) },
      ];
    case 'unban':
      return [{ ...moderation, action: 'unban' }];
    case 'appoint':
      return [{ ...moderation, action: 'role', role: 'moderator' }];
    case 'demote':
      return [{ ...moderation, action: 'role', role: 'member' }];
    case 'delete':
      return [
        {
          type: 'update',
          message: { ...message, text: '', deleted: true, seq: expect.any(Number) },
        },
      ];
    case 'settings':
      return [{ type: 'settings', slowModeSeconds: 30, readOnly: false, by: sender.user }];
    case 'bans':
      throw new Error('bans is answered, not announced');
  }
}

/**
 * Each open socket's frames up to a pong, the sender's first (its pong means the frame was
 * handled); a target the frame bans is read up to its close instead.
 */
async function received(c: Case, stage: Stage): Promise<Map<Person, unknown[]>> {
  const frames = new Map<Person, unknown[]>();
  const banned = c.answer === 'announced' && (c.kind === 'ban' || c.kind === 'purge');
  const open = openSockets(stage);
  const people = [stage.sender, ...open.filter((person) => person !== stage.sender)];
  for (const person of people) {
    if (banned && person === stage.target) {
      const { frames: before, code, reason } = await untilClosed(person.socket);
      frames.set(person, [...before, { closed: code, reason }]);
    } else {
      frames.set(person, await drainPending(person.socket));
    }
  }
  return frames;
}

/** What each open socket must receive for `answer`. */
function expected(kind: Kind, answer: Answer, stage: Stage, person: Person): unknown[] {
  const { sender, target, message } = stage;
  if (answer === 'nothing') return [];
  if (answer === 'answered') return person === sender ? [{ type: 'bans', bans: [] }] : [];
  if (answer !== 'announced') {
    if (person !== sender) return [];
    const id = kind === 'delete' ? { id: message.id } : {};
    return [{ type: 'error', code: 'forbidden', message: answer, ...id }];
  }
  const everyone = announcement(kind, stage);
  if (kind !== 'ban' && kind !== 'purge') return everyone;
  if (person === target) {
    const banned = kind === 'ban' ? { until: expect.any(Number), reason: 'spam' } : {};
    return [...everyone, { type: 'banned', ...banned }, { closed: 1008, reason: 'banned' }];
  }
  return [...everyone, { type: 'leave', user: target.user, ts: expect.any(Number) }];
}

/** A fresh connection's view of one person: their role, mute and the room's state, or their ban. */
function summary(frame: ServerFrame): unknown {
  if (frame.type !== 'welcome') return frame;
  const { role, settings, mutedUntil, seq, messages } = frame;
  return { role, settings, mutedUntil, seq, messages };
}

/** The state a refusal must not change: each person's fresh welcome (or ban) and the bans list. */
async function snapshot(stage: Stage): Promise<unknown> {
  const { room, owner, witness, sender, target } = stage;
  const views: unknown[] = [];
  for (const person of new Set([owner, witness, sender, target])) {
    views.push(summary(await firstFrame(room, person.token)));
  }
  owner.socket.send({ type: 'bans' });
  const { bans } = await owner.socket.nextOf('bans');
  return { views, bans };
}

/** After an allowed frame, a fresh connection shows its effect. */
async function expectEffect(kind: Kind, { room, target }: Stage): Promise<void> {
  const frame = await firstFrame(room, target.token);
  if (kind === 'ban' || kind === 'purge') {
    expect(frame.type).toBe('banned');
    return;
  }
  if (frame.type !== 'welcome') throw new Error(`expected a welcome, got ${JSON.stringify(frame)}`);
  if (kind === 'mute') expect(frame.mutedUntil).toEqual(expect.any(Number));
  if (kind === 'unmute') expect(frame.mutedUntil).toBeUndefined();
  if (kind === 'appoint') expect(frame.role).toBe('moderator');
  if (kind === 'demote') expect(frame.role).toBe('member');
  if (kind === 'settings') expect(frame.settings).toEqual({ slowModeSeconds: 30, readOnly: false });
  if (kind === 'delete') expect(frame.messages.at(-1)).toMatchObject({ deleted: true, text: '' });
}

describe('the permission table', () => {
  it.each(CASES.map((c) => [title(c), c] as const))('%s', async (_, c) => {
    const stage = await setStage(c);
    await prepare(c.kind, stage);
    const changes = c.answer === 'announced' || c.answer === 'answered';
    const before = changes ? null : await snapshot(stage);

    stage.sender.socket.send(frameFor(c.kind, stage));
    const frames = await received(c, stage);
    for (const [person, got] of frames) {
      expect(got, `what ${person.user.name} received`).toEqual(
        expected(c.kind, c.answer, stage, person),
      );
    }

    if (c.answer === 'announced') await expectEffect(c.kind, stage);
    if (before !== null) {
      expect(await snapshot(stage)).toEqual(before);
      // The target can still do what they could before: send, unless the owner muted them.
      const { target } = stage;
      if (target.socket.ws.readyState === WebSocket.OPEN && c.kind !== 'unmute') {
        target.socket.send({ type: 'message', text: 'still here', clientId: 'after' });
        expect(await target.socket.nextOf('message')).toMatchObject({ clientId: 'after' });
      }
    }
    await closeAll(...openSockets(stage).map((person) => person.socket));
  });
});

describe('roles and moderation over time', () => {
  it('keeps the owner, roles, mutes, bans and settings across evictDurableObject', async () => {
    const { room, owner, socket } = await ownedRoom('Olga');
    const claim = await scopedUser('Mia', { mod: [room] });
    const appointed = await newUser('Max');
    const muted = await newUser('Dan');
    const banned = await newUser('Eve');
    const mia = await connect(room, claim.token);
    await expectNext(mia, 'welcome');
    await mia.close();
    socket.send({ type: 'role', userId: appointed.user.id, role: 'moderator' });
    socket.send({ type: 'mute', userId: muted.user.id, seconds: 600 });
    socket.send({ type: 'ban', userId: banned.user.id, seconds: 600, reason: 'spam' });
    socket.send({ type: 'settings', slowModeSeconds: 10, readOnly: true });
    const frames = [
      await socket.nextOf('moderation'),
      await socket.nextOf('moderation'),
      await socket.nextOf('moderation'),
    ];
    const [, mute, ban] = frames;
    await socket.nextOf('settings');

    await evictDurableObject(roomStub(room));
    const settings = { slowModeSeconds: 10, readOnly: true };
    expect(await firstFrame(room, owner.token)).toMatchObject({ role: 'owner', settings });
    expect(await firstFrame(room, appointed.token)).toMatchObject({ role: 'moderator' });
    expect(await firstFrame(room, claim.token)).toMatchObject({ role: 'moderator' });
    expect(await firstFrame(room, muted.token)).toMatchObject({
      role: 'member',
      mutedUntil: mute?.until,
    });
    expect(await firstFrame(room, banned.token)).toEqual({
      type: 'banned',
      until: ban?.until,
      reason: 'spam',
    });
    // The owner's socket from before the eviction still works, and still owns the room.
    socket.send({ type: 'bans' });
    expect(await socket.nextOf('bans')).toEqual({
      type: 'bans',
      bans: [{ userId: banned.user.id, until: ban?.until, by: owner.user, reason: 'spam' }],
    });
    socket.send({ type: 'role', userId: muted.user.id, role: 'moderator' });
    expect(await socket.nextOf('moderation')).toMatchObject({ action: 'role', role: 'moderator' });
    await closeAll(socket);
  });

  it('protects a moderator by claim while offline, and takes the role from their latest token', async () => {
    const { room, socket } = await ownedRoom();
    const id = crypto.randomUUID();
    const withClaim = await scopedUser('Mia', { mod: [room] }, id);
    const withoutClaim = await scopedUser('Mia', {}, id);
    const appointed = await newUser('Max');
    socket.send({ type: 'role', userId: appointed.user.id, role: 'moderator' });
    await socket.nextOf('moderation');
    const mia = await connect(room, withClaim.token);
    await expectNext(mia, 'welcome');
    await mia.close();
    const max = await connect(room, appointed.token);
    await expectNext(max, 'welcome');
    await evictDurableObject(roomStub(room));

    max.send({ type: 'mute', userId: id, seconds: 60 });
    expect(await max.nextOf('error')).toEqual({ type: 'error', code: 'forbidden', message: PEERS });
    // The owner can't demote a role that comes from a token...
    socket.send({ type: 'role', userId: id, role: 'member' });
    expect(await socket.nextOf('error')).toMatchObject({ message: FROM_TOKEN });
    // ...but Mia's next token without the claim makes her a member, whom moderators may mute.
    expect(await firstFrame(room, withoutClaim.token)).toMatchObject({ role: 'member' });
    await drainPending(max);
    max.send({ type: 'mute', userId: id, seconds: 60 });
    expect(await max.nextOf('moderation')).toMatchObject({
      action: 'mute',
      target: { id, name: 'Mia' },
    });
    await closeAll(socket, max);
  });

  it('tells the appointed moderator’s own sockets their new role, and welcomes them with it', async () => {
    const { room, socket } = await ownedRoom();
    const max = await newUser('Max');
    const tab = await connect(room, max.token);
    expect(await expectNext(tab, 'welcome')).toMatchObject({ role: 'member' });
    await drainPending(socket);
    socket.send({ type: 'role', userId: max.user.id, role: 'moderator' });
    expect(await tab.next()).toEqual({
      type: 'moderation',
      action: 'role',
      target: max.user,
      by: expect.objectContaining({ name: 'Olga' }),
      role: 'moderator',
    });
    // Effective at once: the next frame of that socket is a moderator's.
    tab.send({ type: 'settings', readOnly: true });
    expect(await socket.nextOf('settings')).toMatchObject({ readOnly: true, by: max.user });
    expect(await firstFrame(room, max.token)).toMatchObject({ role: 'moderator' });
    await closeAll(socket, tab);
  });
});

describe('malformed moderation frames', () => {
  const bob = 'bob-id';
  it.each([
    ['mute without seconds', { type: 'mute', userId: bob }, 'bad_frame'],
    ['mute for -1 seconds', { type: 'mute', userId: bob, seconds: -1 }, 'bad_frame'],
    ['mute for over a week', { type: 'mute', userId: bob, seconds: 604_801 }, 'bad_frame'],
    ['mute for 1.5 seconds', { type: 'mute', userId: bob, seconds: 1.5 }, 'bad_frame'],
    ['mute with seconds as a string', { type: 'mute', userId: bob, seconds: '60' }, 'bad_frame'],
    ['mute without userId', { type: 'mute', seconds: 60 }, 'bad_frame'],
    ['mute of an empty userId', { type: 'mute', userId: '', seconds: 60 }, 'bad_frame'],
    [
      'mute of a 129-character userId',
      { type: 'mute', userId: 'u'.repeat(129), seconds: 60 },
      'bad_frame',
    ],
    ['ban for 0 seconds', { type: 'ban', userId: bob, seconds: 0 }, 'bad_frame'],
    ['ban for over a year', { type: 'ban', userId: bob, seconds: 31_536_001 }, 'bad_frame'],
    ['ban with purge as a string', { type: 'ban', userId: bob, purge: 'yes' }, 'bad_frame'],
    [
      'ban with a 201-character reason',
      { type: 'ban', userId: bob, reason: 'r'.repeat(201) },
      'bad_frame',
    ],
    [
      'ban with a control character in the reason',
      { type: 'ban', userId: bob, reason: 'a\u0007b' },
      'bad_frame',
    ],
    ['ban with a blank reason', { type: 'ban', userId: bob, reason: '   ' }, 'empty'],
    [
      'ban with a lone surrogate in the reason',
      { type: 'ban', userId: bob, reason: '\ud800' },
      'bad_frame',
    ],
    ['unban without userId', { type: 'unban' }, 'bad_frame'],
    ['role owner', { type: 'role', userId: bob, role: 'owner' }, 'bad_frame'],
    ['role without role', { type: 'role', userId: bob }, 'bad_frame'],
  ])(
    'refuses %s from a moderator with its error code, changing nothing',
    async (_, frame, code) => {
      const { room, socket } = await ownedRoom();
      socket.send(frame);
      const refusal = await socket.next();
      expect(refusal).toMatchObject({ type: 'error', code, message: expect.any(String) });
      // Never echoes what was sent.
      const { message } = refusal as { message: string };
      expect(message).not.toContain('rrrr');
      expect(message).not.toContain('uuuu');
      socket.send({ type: 'bans' });
      expect(await socket.nextOf('bans')).toEqual({ type: 'bans', bans: [] });
      expect(await firstFrame(room, (await newUser('Bob', bob)).token)).toMatchObject({
        type: 'welcome',
        role: 'member',
      });
      expect(await firstFrame(room, (await newUser('Bob', bob)).token)).not.toHaveProperty(
        'mutedUntil',
      );
      await closeAll(socket);
    },
  );
});
