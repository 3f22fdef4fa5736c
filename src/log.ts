// One JSON object per line, so Workers Logs can filter on fields. Callers pass ids and counts
// only: never a token, a URL with its query string, or message text.

/** Writes a structured log line; `error` events go to stderr, `wake` at warn level. */
export function logEvent(
  event: 'connect' | 'disconnect' | 'refused' | 'created' | 'wake' | 'error',
  fields: Record<string, unknown> = {},
): void {
  const line = JSON.stringify({ event, ...fields });
  if (event === 'error') console.error(line);
  // A wake is rare and tells an operator the room really hibernated, so it passes `--log-level warn`.
  else if (event === 'wake') console.warn(line);
  else console.log(line);
}
