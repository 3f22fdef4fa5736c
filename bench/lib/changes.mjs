// @ts-check
// Message changes as the benchmark makes and counts them: edits whose new text is the send time's
// stamp, reactions that alternate on and off, and, at every receiver, which change each arriving
// frame is, from the app (an `update` carrying the message's whole state) or the floor (the
// `edit` or `react` frame relayed as sent). Used by the "changes" scenario.
import { performance } from 'node:perf_hooks';
import { Deliveries, stampOf } from './client.mjs';

/** @typedef {import('./client.mjs').Client} Client */

/**
 * A message's reactors take one emoji each, so (message, emoji) names the reacting user: at most
 * this many reactors per message, well under the 20 kinds of reaction a message may carry.
 */
export const EMOJI = ['👍', '🎉', '🔥', '👀', '🚀', '💯'];

/**
 * The changed messages as each receiver has seen them: to tell which change an app's `update` is
 * (it carries the whole new state) and to find that change's send time. A socket gets frames in
 * the order the room sent them, so a receiver's k-th change from one reactor is its k-th reaction.
 * Without a fault the counts are exact. A lost, repeated or reordered change always shows (as
 * missing deliveries, a duplicate or an error), but what follows it at that receiver may be
 * counted as more than one fault: a reaction frame carries no number of its own.
 */
export class ChangeTracker {
  #receivers;
  #targets;
  #reactorIds;
  /** @type {Map<number, number>} message id -> its editor's position */
  #targetOf;
  /** @type {string[]} per (editor's message, receiver): the text last seen */
  #text;
  /** Per (editor's message, receiver): the reactions last seen, a bit per EMOJI. */
  #mask;
  /** Per (reactor, receiver): reactions received. */
  #received;
  /** @type {number[][]} per reactor: the send time of each of its reactions */
  #sentAt;

  /**
   * @param {number} receivers sockets planned: every client index is below it
   * @param {{ id: number; text: string }[]} targets each editor's message, as sent
   * @param {string[]} reactorIds each reactor's user id
   * @param {{ edits: number; reactions: number }} most the most changes one editor or reactor makes
   */
  constructor(receivers, targets, reactorIds, most) {
    this.edits = new Deliveries(targets.length, most.edits);
    this.reactions = new Deliveries(reactorIds.length, most.reactions);
    this.#receivers = receivers;
    this.#targets = targets;
    this.#reactorIds = reactorIds;
    this.#targetOf = new Map(targets.map((message, editor) => [message.id, editor]));
    this.#text = targets.flatMap((message) =>
      Array.from({ length: receivers }, () => message.text),
    );
    this.#mask = new Uint32Array(targets.length * receivers);
    this.#received = new Uint32Array(reactorIds.length * receivers);
    this.#sentAt = reactorIds.map(() => []);
  }

  get done() {
    return this.edits.done && this.reactions.done;
  }

  /**
   * The editor at position `editor` edits its message for the `n`-th time; the new text is the
   * stamp, so every edit changes the text.
   * @param {Client} client
   * @param {number} editor
   * @param {number} n
   * @param {number} receivers sockets in the room
   */
  sendEdit(client, editor, n, receivers) {
    const message = this.#targets[editor];
    if (!message) return;
    this.edits.sent(receivers);
    const text = JSON.stringify({ s: editor, n, t: performance.now() });
    client.send(JSON.stringify({ type: 'edit', id: message.id, text }));
  }

  /**
   * The reactor at position `reactor` changes its reaction for the `n`-th time: on, off, on...
   * Reactor r reacts to editor r mod E's message with emoji number floor(r / E).
   * @param {Client} client
   * @param {number} reactor
   * @param {number} n
   * @param {number} receivers sockets in the room
   */
  sendReaction(client, reactor, n, receivers) {
    const message = this.#targets[reactor % this.#targets.length];
    const emoji = EMOJI[Math.floor(reactor / this.#targets.length)];
    const sentAt = this.#sentAt[reactor];
    if (!message || !emoji || !sentAt) return;
    this.reactions.sent(receivers);
    sentAt[n] = performance.now();
    client.send(JSON.stringify({ type: 'react', id: message.id, emoji, on: n % 2 === 0 }));
  }

  /**
   * The app's `update`: exactly one thing differs from what this receiver last saw of the
   * message, its text (an edit) or one reaction.
   * @param {number} receiver
   * @param {unknown} message
   * @param {number} now
   */
  onUpdate(receiver, message, now) {
    if (!isObject(message) || typeof message.id !== 'number' || typeof message.text !== 'string')
      return this.edits.error('update without a message');
    const editor = this.#targetOf.get(message.id);
    if (editor === undefined) return this.edits.error('update of a message nobody changed');
    const slot = editor * this.#receivers + receiver;
    /** @type {unknown[]} */
    const reactions = Array.isArray(message.reactions) ? message.reactions : [];
    let mask = 0;
    for (const reaction of reactions) {
      const bit = isObject(reaction) ? EMOJI.indexOf(String(reaction.emoji)) : -1;
      if (bit === -1) return this.reactions.error('update with a reaction nobody made');
      mask |= 1 << bit;
    }
    const toggled = mask ^ (this.#mask[slot] ?? 0);
    const edited = message.text !== this.#text[slot];
    // The same state again: a duplicate (counted with the edits; which change it repeats is moot).
    if (!edited && toggled === 0) this.edits.duplicates++;
    else if (toggled === 0) this.#edited(receiver, slot, message.text, now);
    else if (!edited && (toggled & (toggled - 1)) === 0) {
      const bit = 31 - Math.clz32(toggled);
      const on = (mask & toggled) !== 0;
      const reactor = this.#reactorAt(editor, bit);
      const entry = on ? reactions.find((r) => isObject(r) && r.emoji === EMOJI[bit]) : null;
      const users = isObject(entry) && Array.isArray(entry.users) ? entry.users : [];
      if (on && !users.includes(this.#reactorIds[reactor]))
        this.reactions.error('update names the wrong reacting user');
      this.#reacted(receiver, slot, reactor, on, now);
    } else {
      // Take the new state anyway, so that one lost change is reported once.
      this.#text[slot] = message.text;
      this.#mask[slot] = mask;
      this.edits.error('update changed more than one thing: a change lost or reordered');
    }
  }

  /**
   * An `edit` frame as its sender sent it (the floor relays it as is).
   * @param {number} receiver
   * @param {Record<string, unknown>} frame
   * @param {number} now
   */
  onEdit(receiver, frame, now) {
    const editor = typeof frame.id === 'number' ? this.#targetOf.get(frame.id) : undefined;
    if (editor === undefined || typeof frame.text !== 'string')
      return this.edits.error('edit of a message nobody edits');
    const slot = editor * this.#receivers + receiver;
    if (frame.text === this.#text[slot]) this.edits.duplicates++;
    else this.#edited(receiver, slot, frame.text, now);
  }

  /**
   * A `react` frame as its sender sent it (the floor relays it as is).
   * @param {number} receiver
   * @param {Record<string, unknown>} frame
   * @param {number} now
   */
  onReact(receiver, frame, now) {
    const editor = typeof frame.id === 'number' ? this.#targetOf.get(frame.id) : undefined;
    const bit = EMOJI.indexOf(String(frame.emoji));
    if (editor === undefined || bit === -1 || typeof frame.on !== 'boolean')
      return this.reactions.error('reaction nobody made');
    const slot = editor * this.#receivers + receiver;
    const wasOn = ((this.#mask[slot] ?? 0) & (1 << bit)) !== 0;
    if (wasOn === frame.on) this.reactions.duplicates++;
    else this.#reacted(receiver, slot, this.#reactorAt(editor, bit), frame.on, now);
  }

  /**
   * @param {number} receiver
   * @param {number} slot
   * @param {string} text
   * @param {number} now
   */
  #edited(receiver, slot, text, now) {
    this.#text[slot] = text;
    const stamp = stampOf(text);
    if (stamp) this.edits.record(receiver, stamp, now);
    else this.edits.error('edit without a send time');
  }

  /**
   * Takes the reaction change `reactor` made (`on`) and counts it, its k-th at this receiver
   * being its k-th sent.
   * @param {number} receiver
   * @param {number} slot
   * @param {number} reactor
   * @param {boolean} on
   * @param {number} now
   */
  #reacted(receiver, slot, reactor, on, now) {
    const bit = 1 << Math.floor(reactor / this.#targets.length);
    this.#mask[slot] = on ? (this.#mask[slot] ?? 0) | bit : (this.#mask[slot] ?? 0) & ~bit;
    const seen = reactor * this.#receivers + receiver;
    const k = this.#received[seen] ?? 0;
    this.#received[seen] = k + 1;
    const sentAt = this.#sentAt[reactor]?.[k];
    if (sentAt === undefined || on !== (k % 2 === 0))
      return this.reactions.error('reaction out of order: a change lost or reordered');
    this.reactions.record(receiver, { s: reactor, n: k, t: sentAt }, now);
  }

  /**
   * The reactor of (editor's message, emoji bit), as `sendReaction` assigns them; for a pair
   * nobody reacts with, a position past the last reactor (whose reactions are never sent).
   * @param {number} editor
   * @param {number} bit
   */
  #reactorAt(editor, bit) {
    return bit * this.#targets.length + editor;
  }
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isObject(value) {
  return typeof value === 'object' && value !== null;
}

/**
 * A frame parsed to an object, or `null` when it is not JSON or not an object.
 * @param {string} raw
 */
export function objectOf(raw) {
  try {
    /** @type {unknown} */
    const frame = JSON.parse(raw);
    return isObject(frame) ? frame : null;
  } catch {
    return null;
  }
}
