// One JSON object per line, so Workers Logs can filter on fields. Callers pass ids and counts
// only: never a token, a URL with its query string, or message text.

/** Writes a structured log line; `error` events go to stderr. */
export function logEvent(event: 'connect' | 'disconnect' | 'refused' | 'error', fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ event, ...fields });
  if (event === 'error') console.error(line);
  else console.log(line);
}
