// Sending frames to sockets. A broadcast is serialised once, not per recipient, and a socket that
// closed under us never stops the loop: its close event cleans up after it.
import type { ServerFrame } from './protocol.ts';

/** Sends one frame; a socket that is closing drops it. */
export function send(ws: WebSocket, frame: ServerFrame): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // The socket closed under us; its close event cleans up.
  }
}

/** Sends a frame serialised already (a cached one); a socket that is closing drops it. */
export function sendSerialised(ws: WebSocket, data: string): void {
  try {
    ws.send(data);
  } catch {
    // The socket closed under us; its close event cleans up.
  }
}

/** Sends `frame` to every socket in `sockets` but those in `except`. */
export function broadcast(
  sockets: readonly WebSocket[],
  frame: ServerFrame,
  except?: ReadonlySet<WebSocket>,
): void {
  const data = JSON.stringify(frame);
  for (const ws of sockets) {
    if (except?.has(ws)) continue;
    try {
      ws.send(data);
    } catch {}
  }
}

/** Closes `ws` unless it is closed already (frames still in the inbox may outlive their socket). */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {}
}
