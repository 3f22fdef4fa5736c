// The receiving half of the test sockets, shared by the workerd wrapper (test/helpers.ts) and the
// TCP one (test/e2e/client.ts): frames are queued as they arrive, each checked against the
// contract, and read in order with a timeout. Plain TypeScript, so it runs in workerd and in Node.
import * as v from 'valibot';
import { ServerFrameSchema, type ServerFrame } from '../src/protocol.ts';

export type Frame<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;

type Received = { frame: ServerFrame; text: string } | { error: Error };

const NO_FRAME = 'no frame within';

export class FrameQueue {
  readonly #queue: Received[] = [];
  readonly #waiters: ((received: Received) => void)[] = [];

  /** A text frame off the wire; one that breaks the contract fails whoever reads it. */
  receive(text: string): void {
    try {
      this.#deliver({ frame: v.parse(ServerFrameSchema, JSON.parse(text)), text });
    } catch (err) {
      this.fail(new Error(`frame breaks the contract: ${text.slice(0, 200)} (${String(err)})`));
    }
  }

  /** Something arrived that no frame should be (a binary frame, say): the next read rejects with it. */
  fail(error: Error): void {
    this.#deliver({ error });
  }

  /** The next frame with its exact text, or a rejection after `timeoutMs`. */
  nextRaw(timeoutMs = 5000): Promise<{ frame: ServerFrame; text: string }> {
    const settle = (received: Received) =>
      'error' in received ? Promise.reject(received.error) : Promise.resolve(received);
    const queued = this.#queue.shift();
    if (queued) return settle(queued);
    return new Promise((resolve, reject) => {
      const waiter = (received: Received) => {
        clearTimeout(timer);
        settle(received).then(resolve, reject);
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`${NO_FRAME} ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  async next(timeoutMs?: number): Promise<ServerFrame> {
    return (await this.nextRaw(timeoutMs)).frame;
  }

  /** Skips frames until one of `type` arrives. */
  async nextOf<T extends ServerFrame['type']>(type: T, timeoutMs = 5000): Promise<Frame<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.next(Math.max(1, deadline - Date.now()));
      if (frame.type === type) return frame as Frame<T>;
    }
  }

  /** True when no frame arrives within `ms`; a frame that breaks the contract still rejects. */
  async silentFor(ms: number): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith(NO_FRAME)) return true;
      throw err;
    }
  }

  /** The frames that arrived and were not read yet, in order; a frame that broke the contract throws. */
  takeQueued(): ServerFrame[] {
    const frames: ServerFrame[] = [];
    for (const received of this.#queue.splice(0)) {
      if ('error' in received) throw received.error;
      frames.push(received.frame);
    }
    return frames;
  }

  #deliver(received: Received): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(received);
    else this.#queue.push(received);
  }
}
