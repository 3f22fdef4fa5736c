// @ts-check
// Scenario 6: message changes in one 200-socket room. A few clients send messages while others
// edit their own messages and react to them, as many changes a second as messages; every socket
// measures every message and every change (its own included), so the fan-out of an `update` and
// that of a message are compared in the same run.
// Fair to the floor, which relays a change frame as sent where the app sends an `update` with the
// message's whole state: an edit carries its send time in its new text, and each (message, emoji)
// pair belongs to one reacting user, whose send times are recorded here. Every change changes
// something (a new text; `on` alternates), so the app announces each one.
import { performance } from 'node:perf_hooks';
import { ChangeTracker, EMOJI, objectOf } from '../lib/changes.mjs';
import {
  closeAll,
  connectMany,
  Deliveries,
  messageFrame,
  sleep,
  stampOf,
  waitFor,
} from '../lib/client.mjs';
import { budget, pooled, runResult, sampleMemory } from './common.mjs';

/** @typedef {import('../lib/client.mjs').Client} Client */

// About 4,800 deliveries a second, as many changes as messages: near fan-out's 5,000, and below
// what a 200-socket room takes on this machine. At 8,000 a second (a quick run while the machine
// was busy) both servers' p50 was above 20 ms, and queueing hid any difference between an update
// and a message.
const SOCKETS = 200;
// Roles by position among the connected sockets; the rest only receive.
const SENDERS = 4;
const MESSAGE_RATE = 3; // per sender: 12 messages a second
const EDITORS = 4;
const EDIT_RATE = 1; // per editor, of its own message: 4 edits a second
const REACTORS = 16;
const REACTION_RATE = 0.5; // per reactor, on an editor's message (4 each): 8 reactions a second

/**
 * @typedef {'message' | 'edit' | 'react'} ActionKind
 * @typedef {{ kind: ActionKind; actor: number; n: number; due: number }} Action `actor`: its
 *   position in its role; `n`: its n-th send; `due`: ms after the start
 */

export const changes = {
  name: 'changes',
  title:
    'changes: 1 room x 200 clients; 4 senders x 3 msg/s, 4 editors x 1 edit/s, 16 reactors x 0.5 reaction/s',
  /**
   * @param {import('./common.mjs').RunContext} ctx
   * @returns {Promise<import('./common.mjs').RunResult>}
   */
  async run(ctx) {
    const { target, tag, deadline } = ctx;
    // --quick keeps the whole bench under a minute: half the room, a short run.
    const sockets = ctx.quick ? SOCKETS / 2 : SOCKETS;
    const seconds = ctx.quick ? 1.5 : 16; // 16 s: 192 messages and 192 changes
    const memory = sampleMemory(target);
    const connected = await connectMany(target, {
      count: sockets,
      concurrency: 50,
      timeoutMs: budget(deadline, 15_000),
      room: () => `${tag}-changes`,
      userId: (i) => `${tag}-u${i}`,
      // Connecting must leave time to seed, send, and wait for the last deliveries.
      deadline: deadline - seconds * 1000 - 6_000,
    });
    const { clients } = connected;
    const senders = clients.slice(0, SENDERS);
    const seeded = await seedMessages(
      clients.slice(SENDERS, SENDERS + EDITORS),
      budget(deadline, 5_000),
    );
    const editors = seeded.map((seed) => seed.client);
    const reactors = clients
      .slice(SENDERS + EDITORS, SENDERS + EDITORS + REACTORS)
      .slice(0, editors.length * EMOJI.length);
    const messages = new Deliveries(senders.length, Math.ceil(MESSAGE_RATE * seconds));
    const tracker = new ChangeTracker(
      sockets,
      seeded.map((seed) => seed.message),
      reactors.map((c) => `${tag}-u${c.index}`),
      { edits: Math.ceil(EDIT_RATE * seconds), reactions: Math.ceil(REACTION_RATE * seconds) },
    );
    for (const c of clients)
      c.onFrame = (client, raw) => receive(client.index, raw, messages, tracker);
    await sleep(200); // let join, presence and the seeds' frames settle before the clock starts

    const actions = schedule(
      [
        { kind: 'message', actors: senders.length, rate: MESSAGE_RATE },
        { kind: 'edit', actors: editors.length, rate: EDIT_RATE },
        { kind: 'react', actors: reactors.length, rate: REACTION_RATE },
      ],
      seconds,
    );
    const receivers = clients.length; // one room: everyone gets everything, the sender included
    const sent = { message: 0, edit: 0, react: 0 };
    const start = performance.now();
    const stopAt = Date.now() + budget(deadline, seconds * 1000 + 5_000);
    for (const { kind, actor, n, due } of actions) {
      if (Date.now() >= stopAt) break;
      const wait = start + due - performance.now();
      if (wait >= 1) await sleep(wait);
      if (kind === 'message') {
        const sender = senders[actor];
        if (!sender) continue;
        messages.sent(receivers);
        sender.send(messageFrame({ s: actor, n, t: performance.now() }));
      } else if (kind === 'edit') {
        const editor = editors[actor];
        if (!editor) continue;
        tracker.sendEdit(editor, actor, n, receivers);
      } else {
        const reactor = reactors[actor];
        if (!reactor) continue;
        tracker.sendReaction(reactor, actor, n, receivers);
      }
      sent[kind]++;
    }
    const allDelivered = await waitFor(
      () => messages.done && tracker.done,
      budget(deadline, 10_000),
    );
    const rssKiB = memory.stop();
    await closeAll(clients, budget(deadline + 5_000, 5_000));
    const all = pooled([messages, tracker.edits, tracker.reactions]);
    const elapsed = (all.lastDeliveryAt - all.firstSendAt) / 1000;
    return {
      ...runResult({
        clients,
        connectFailures: connected.failures,
        deliveries: all,
        allDelivered,
        deliveredPerSec: elapsed > 0 ? all.delivered / elapsed : null,
        rssKiB,
        extra: { messagesSent: sent.message, changesSent: sent.edit + sent.react },
      }),
      // The report gives each kind's p50 and p99, and the target: update p99 over message p99.
      latencyByKindMs: {
        message: messages.latencies,
        update: pooled([tracker.edits, tracker.reactions]).latencies,
        edit: tracker.edits.latencies,
        reaction: tracker.reactions.latencies,
      },
    };
  },
};

/**
 * Every send of the run on one clock, evenly spaced whatever its kind, so that no kind arrives in
 * bunches and queues behind itself: each actor's sends are placed at its role's rate, the actors
 * offset from each other, and the resulting order is then spread evenly over `seconds`.
 * @param {{ kind: ActionKind; actors: number; rate: number }[]} roles
 * @param {number} seconds
 */
function schedule(roles, seconds) {
  const total = roles.reduce((sum, role) => sum + role.actors, 0);
  /** @type {Action[]} */
  const actions = [];
  let k = 0;
  for (const { kind, actors, rate } of roles) {
    const count = Math.ceil(rate * seconds);
    const interval = (seconds * 1000) / count;
    for (let actor = 0; actor < actors; actor++, k++)
      for (let n = 0; n < count; n++)
        actions.push({ kind, actor, n, due: (n + k / total) * interval });
  }
  actions.sort((a, b) => a.due - b.due);
  const spacing = (seconds * 1000) / actions.length;
  return actions.map((action, i) => ({ ...action, due: i * spacing }));
}

/**
 * Each editor sends the message it will edit and waits for its own copy, whose `id` the app
 * assigned. The floor numbers nothing and relays any `id`, so there the editor's position stands
 * in. Editors whose copy did not come back in time are left out.
 * @param {Client[]} editors
 * @param {number} timeoutMs
 * @returns {Promise<{ client: Client; message: { id: number; text: string } }[]>}
 */
async function seedMessages(editors, timeoutMs) {
  /** @type {({ id: number; text: string } | null)[]} */
  const seeds = editors.map(() => null);
  editors.forEach((editor, e) => {
    const text = `the message editor ${e} edits`;
    const clientId = `seed${e}`;
    editor.onFrame = (_client, raw) => {
      const frame = objectOf(raw);
      if (frame && frame.type === 'message' && frame.clientId === clientId)
        seeds[e] = { id: typeof frame.id === 'number' ? frame.id : e + 1, text };
    };
    editor.send(JSON.stringify({ type: 'message', text, clientId }));
  });
  await waitFor(() => seeds.every((seed) => seed !== null), timeoutMs);
  return editors.flatMap((client, e) => {
    const message = seeds[e];
    return message ? [{ client, message }] : [];
  });
}

/**
 * One frame at the receiver with index `receiver`: a stamped message, an app's `update`, or (on
 * the floor) a relayed `edit` or `react`; join, presence and the seeds' copies are ignored.
 * @param {number} receiver
 * @param {string} raw
 * @param {Deliveries} messages
 * @param {ChangeTracker} tracker
 */
function receive(receiver, raw, messages, tracker) {
  const now = performance.now();
  const frame = objectOf(raw);
  if (!frame) return messages.error('unparseable frame');
  switch (frame.type) {
    case 'message': {
      const stamp = stampOf(frame.text);
      if (stamp) messages.record(receiver, stamp, now);
      return;
    }
    case 'update':
      return tracker.onUpdate(receiver, frame.message, now);
    case 'edit':
      return tracker.onEdit(receiver, frame, now);
    case 'react':
      return tracker.onReact(receiver, frame, now);
    case 'error':
      // A refusal that names a message `id` refused a change.
      return messages.error(`${String(frame.code)}${'id' in frame ? ' (a change)' : ''}`);
  }
}
