// The Worker's own HTML: the security headers every page carries, and the small error pages a
// person following a bad link sees instead of raw JSON. Nothing from the request (its path, a room
// name) is ever written into this HTML: the text is ours, and escaped all the same.

/**
 * Every HTML response. `connect-src 'self'` covers ws: and wss: to our own host (CSP Level 3);
 * no-referrer because tokens travel in WebSocket URLs.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const HEADINGS: Readonly<Record<number, string>> = {
  400: 'That link doesn’t lead to a room',
  404: 'There is no page here',
};
/** What a 404 page says: its JSON message ("not found") says nothing a person can act on. */
const NOT_FOUND_TEXT = 'The address may be mistyped, or the page may have moved.';

/**
 * Whether an `Accept` header lists `text/html` (with a q above 0), as a browser's navigation does.
 * A wildcard alone doesn't count: API clients and scripts send one and expect JSON.
 */
export function acceptsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    if (type !== 'text/html') return false;
    const quality = params.find((param) => param.startsWith('q='));
    return quality === undefined || Number(quality.slice(2)) > 0;
  });
}

/**
 * An HTML page for a refusal with `status`, in the app's style (its stylesheet and `card`), saying
 * what was wrong in `message` (the JSON error's own text) and linking back to `/`.
 */
export function errorPage(status: number, message: string): Response {
  const heading = HEADINGS[status] ?? 'Something went wrong';
  const text = status === 404 ? NOT_FOUND_TEXT : sentence(message);
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>${escapeHtml(heading)} · edge chat</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/style.css" />
  </head>
  <body>
    <header class="app-header"><a class="brand" href="/">edge chat</a></header>
    <main>
      <section class="card">
        <h1>${escapeHtml(heading)}</h1>
        <p>${escapeHtml(text)}</p>
        <p><a href="/">Pick a room</a></p>
      </section>
    </main>
  </body>
</html>
`;
  return new Response(html, {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', ...PAGE_HEADERS },
  });
}

/** "invalid room name: use ..." as a sentence: a capital first letter and a full stop. */
function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
