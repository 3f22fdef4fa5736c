// The floor for the benchmark: accepts hibernatable sockets and relays every frame, as-is, to
// every socket in the room (the sender included). No auth, no parsing, no storage: whatever the
// app costs beyond this is the price of its features. Not part of the app; never deployed.
import { DurableObject } from 'cloudflare:workers';

interface FloorEnv {
  FLOOR_ROOM: DurableObjectNamespace<FloorRoom>;
}

const ROOM_PATH = /^\/api\/rooms\/([^/]{1,64})\/ws$/;

export class FloorRoom extends DurableObject<FloorEnv> {
  constructor(ctx: DurableObjectState, env: FloorEnv) {
    super(ctx, env);
    // Answered by the runtime without waking the object, exactly like the app's heartbeat.
    ctx.setWebSocketAutoResponse(
      new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'),
    );
    // The constructor re-runs on every wake; the benchmark counts these lines to see that an
    // idle room hibernated. console.warn because the launcher runs wrangler at --log-level warn.
    console.warn(
      `[floor] room ${ctx.id.name ?? ctx.id.toString()} constructed with ${ctx.getWebSockets().length} sockets`,
    );
  }

  override async fetch(_request: Request): Promise<Response> {
    const pair = new WebSocketPair();
    // acceptWebSocket (not ws.accept()) lets the runtime evict the object while sockets stay open.
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override webSocketMessage(_ws: WebSocket, message: string | ArrayBuffer): void {
    for (const peer of this.ctx.getWebSockets()) {
      try {
        peer.send(message);
      } catch {
        // A socket that closed mid-loop; the others still get the frame.
      }
    }
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    // 1005/1006/1015 are synthesised by the runtime and may not be sent; with
    // web_socket_auto_reply_to_close the runtime has usually answered the Close frame already.
    if (code === 1005 || code === 1006 || code === 1015) return;
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
  }
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/api/health') return new Response('ok');
    const room = ROOM_PATH.exec(url.pathname)?.[1];
    if (room === undefined) return new Response('not found', { status: 404 });
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket')
      return new Response('expected a WebSocket upgrade', { status: 426 });
    return env.FLOOR_ROOM.getByName(room).fetch(request);
  },
} satisfies ExportedHandler<FloorEnv>;
