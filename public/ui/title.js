// @ts-check
// The tab's title: the room, and in front of it what this user has not read yet there, e.g.
// "(5) #lobby – edge chat", or "(2 @ · 5) #lobby – edge chat" when 2 of the 5 mention them.

/**
 * @param {string} room
 * @param {{ unread: number, mentions: number, more?: boolean }} counts `more`: older unread
 *   messages exist than the page holds, so the count is a lower bound ("50+")
 */
export function roomTitle(room, { unread, mentions, more = false }) {
  const name = `#${room} – edge chat`;
  if (unread === 0) return name;
  const count = `${unread}${more ? '+' : ''}`;
  return mentions > 0 ? `(${mentions} @ · ${count}) ${name}` : `(${count}) ${name}`;
}
