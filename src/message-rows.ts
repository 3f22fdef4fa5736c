// How a stored message row becomes the wire's message `M` (docs/protocol.md, "Messages and the
// change sequence"): the columns every read selects, with the answered message of a reply joined
// in its current state, and the tombstone rule (a deleted message shows no text, reply,
// reactions or edit time).
import * as v from 'valibot';
import { REPLY_EXCERPT_LENGTH } from '../public/chat/rules.js';
import {
  ReactionsSchema,
  type ChatMessage,
  type Reaction,
  type Reply,
  type User,
} from './protocol.ts';

/** A retained message's row as the rules need it. */
export interface StoredMessage {
  id: number;
  user: User;
  text: string;
  deleted: boolean;
  reactions: Reaction[];
}

export type MessageRow = {
  id: number;
  seq: number;
  user_id: string;
  user_name: string;
  text: string;
  ts: number;
  client_id: string | null;
  edited_at: number | null;
  deleted: number | null;
  reactions: string | null;
  reply_id: number | null;
  reply_user_id: string | null;
  reply_user_name: string | null;
  reply_text: string | null;
  reply_deleted: number | null;
};

/**
 * Reads messages with `where` (over `m`), binding the retention floor as ?1 and `bindings` as
 * ?2 on: the answered message of a reply is joined only while it is retained.
 */
export function selectMessages(
  sql: SqlStorage,
  floor: number,
  where: string,
  ...bindings: (number | string)[]
): MessageRow[] {
  return sql
    .exec<MessageRow>(
      `SELECT m.id, m.seq, m.user_id, m.user_name, m.text, m.ts, m.client_id,
        m.edited_at, m.deleted, m.reactions, m.reply_to AS reply_id, r.user_id AS reply_user_id,
        r.user_name AS reply_user_name, substr(r.text, 1, ${REPLY_EXCERPT_LENGTH}) AS reply_text,
        r.deleted AS reply_deleted
      FROM messages m LEFT JOIN messages r ON r.id = m.reply_to AND r.id > ?1
      WHERE ${where}`,
      floor,
      ...bindings,
    )
    .toArray();
}

/** The message `M` a row stands for, in its current state. */
export function toMessage(row: MessageRow): ChatMessage {
  const message: ChatMessage = {
    type: 'message',
    id: row.id,
    seq: row.seq,
    user: { id: row.user_id, name: row.user_name },
    text: row.text,
    ts: row.ts,
  };
  if (row.client_id !== null) message.clientId = row.client_id;
  if (row.deleted === 1) {
    message.deleted = true;
    return message;
  }
  if (row.reply_id !== null) {
    message.reply =
      row.reply_user_id === null || row.reply_deleted === 1
        ? { id: row.reply_id, deleted: true }
        : {
            id: row.reply_id,
            user: { id: row.reply_user_id, name: row.reply_user_name ?? '' },
            text: row.reply_text ?? '',
          };
  }
  if (row.edited_at !== null) message.editedAt = row.edited_at;
  if (row.reactions !== null) message.reactions = parseReactions(row.reactions);
  return message;
}

/** The reactions summary stored on a message row (written by changes.ts). */
export function parseReactions(json: string | null): Reaction[] {
  return json === null ? [] : v.parse(ReactionsSchema, JSON.parse(json));
}

/** The excerpt a reply to `message` carries now. */
export function replyTo(message: StoredMessage): Reply {
  if (message.deleted) return { id: message.id, deleted: true };
  return { id: message.id, user: message.user, text: excerpt(message.text) };
}

/** The first REPLY_EXCERPT_LENGTH code points of `text`. */
function excerpt(text: string): string {
  if (text.length <= REPLY_EXCERPT_LENGTH) return text;
  return Array.from(text).slice(0, REPLY_EXCERPT_LENGTH).join('');
}
