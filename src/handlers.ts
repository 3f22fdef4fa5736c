// What the room does with every admitted frame but a message (those are batched and stored by
// the room itself): pages, changes to messages, typing, read markers, search and moderation.
// It decides nothing about who may send what (admission.ts did); it answers and announces.
import type { CloseReason } from './admission.ts';
import type { ChangeOutcome, Changes } from './changes.ts';
import { broadcast, send } from './delivery.ts';
import type { History } from './history.ts';
import type { Moderation, ModerationFrame } from './moderation.ts';
import type { Paging } from './paging.ts';
import type { Presence } from './presence.ts';
import { CLOSE_POLICY, type ServerFrame, type User } from './protocol.ts';
import { changeError, errorFrame, type ClientFrame } from './client-frames.ts';
import type { Reads } from './reads.ts';
import type { Search } from './search.ts';

type OtherFrame = Exclude<ClientFrame, { type: 'message' }>;

/** The parts of the room the handlers work with. */
export interface HandlerRoom {
  history: History;
  paging: Paging;
  changes: Changes;
  moderation: Moderation;
  reads: Reads;
  search: Search;
  presence: Presence;
  /** Sends a frame to every socket in the room but those in `except`. */
  broadcast(frame: ServerFrame, except?: ReadonlySet<WebSocket>): void;
  /** The sockets of one user, as the runtime lists them. */
  socketsOf(userId: string): WebSocket[];
  /** Closes a socket from the room's side; its frames still queued are dropped. */
  close(ws: WebSocket, reason: CloseReason): void;
  /** Counts a closed socket out of presence for good (its leave announced if it was the last). */
  gone(ws: WebSocket): void;
}

export class FrameHandlers {
  readonly #room: HandlerRoom;

  constructor(room: HandlerRoom) {
    this.#room = room;
  }

  /** Answers or carries out one admitted frame from `user`'s socket `ws`. */
  handle(ws: WebSocket, user: User, frame: OtherFrame): void {
    switch (frame.type) {
      case 'history':
        send(ws, { type: 'history', ...this.#room.paging.answer(frame) });
        return;
      case 'edit':
        return this.#announceChange(
          ws,
          frame.id,
          this.#room.changes.edit(user, frame.id, frame.text, Date.now()),
        );
      case 'delete': {
        const moderates = this.#room.moderation.roleOf(user.id) !== 'member';
        return this.#announceChange(
          ws,
          frame.id,
          this.#room.changes.delete(user, frame.id, moderates),
        );
      }
      case 'react':
        return this.#announceChange(
          ws,
          frame.id,
          this.#room.changes.react(user, frame.id, frame.emoji, frame.on),
        );
      case 'typing':
        this.#room.broadcast({ type: 'typing', user }, new Set(this.#room.socketsOf(user.id)));
        return;
      case 'ping':
        // Any spelling other than PING_FRAME reaches the room; answer it the same way.
        send(ws, { type: 'pong' });
        return;
      case 'read': {
        const upTo = this.#room.reads.markRead(user.id, frame.id);
        // The user's other tabs and devices follow; nobody else is told.
        if (upTo !== null) {
          broadcast(this.#room.socketsOf(user.id), { type: 'read', id: upTo }, new Set([ws]));
        }
        return;
      }
      case 'search': {
        this.#room.search.catchUp(this.#room.history.lastId);
        const { query, before, limit } = frame;
        const found = this.#room.search.find(query, before, limit, this.#room.history.floor);
        if (!found) return send(ws, errorFrame('bad_frame', 'query has no word to search for'));
        return send(ws, { type: 'search', query: frame.query, ...found });
      }
      case 'mute':
      case 'ban':
      case 'unban':
      case 'bans':
      case 'settings':
      case 'role':
        return this.#moderate(ws, user, frame);
      default:
        frame satisfies never;
    }
  }

  /** Carries out a moderation frame as moderation.ts decides it. */
  #moderate(ws: WebSocket, user: User, frame: ModerationFrame): void {
    // The target's name as the room knows it: connected, or from their latest message.
    const effect = this.#room.moderation.handle(
      user,
      frame,
      Date.now(),
      (id) => this.#room.presence.nameOf(id) ?? this.#room.history.nameOf(id),
    );
    switch (effect.kind) {
      case 'refused': {
        const { code, reason, retryAfterMs } = effect.refusal;
        return send(ws, {
          ...errorFrame(code, reason),
          ...(retryAfterMs && { retryAfterMs }),
        });
      }
      case 'answer':
        return send(ws, effect.frame);
      case 'announce':
        this.#room.broadcast(effect.frame);
        if (effect.ban) this.#expel(effect.ban);
        return;
      case 'unchanged':
        return;
      default:
        effect satisfies never;
    }
  }

  /** A ban: the user's messages purged if asked (one `purged` frame), their sockets told and closed. */
  #expel({ userId, banned, purge }: { userId: string; banned: ServerFrame; purge: boolean }): void {
    if (purge) {
      const seq = this.#room.changes.purge(userId);
      if (seq !== null) this.#room.broadcast({ type: 'purged', userId, seq });
    }
    // Closed before its leave is announced, so `banned` is the last frame the socket gets.
    for (const ws of this.#room.presence.openSockets(userId)) {
      send(ws, banned);
      this.#room.close(ws, { code: CLOSE_POLICY, reason: 'banned' });
      this.#room.gone(ws);
    }
  }

  /** An edit, delete or reaction: its new state to everyone (the sender's copy is its answer). */
  #announceChange(ws: WebSocket, id: number, outcome: ChangeOutcome): void {
    if (outcome.kind === 'changed')
      this.#room.broadcast({ type: 'update', message: outcome.message });
    else if (outcome.kind === 'refused') send(ws, changeError(outcome.code, outcome.reason, id));
  }
}
