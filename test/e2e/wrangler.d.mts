// Types for wrangler.mjs (plain JS with JSDoc, outside the TypeScript program), so TypeScript
// tests can import the launcher without `any`. Keep in step with the JSDoc there.

/** The secret every test server signs with; test-only, passed with `--var`. */
export declare const TEST_SECRET: string;

export interface DevServerOptions {
  /** extra `--var`s (AUTH_SECRET defaults to TEST_SECRET) */
  vars?: Record<string, string>;
  /** keep Durable Object storage here across restarts (default: a fresh temporary directory) */
  persistTo?: string;
  /** wrangler config file (default: the app's wrangler.toml) */
  config?: string;
  /** listen here (default: a free port) */
  port?: number;
  /** how long to wait for the first answer (default 90 s) */
  readyTimeoutMs?: number;
  /** what wrangler prints of the Worker's console: warn (default) or log, which adds console.log */
  logLevel?: 'warn' | 'log';
  /**
   * run from a copy of the app's files taken at start (default false): wrangler dev reloads on any
   * change under src/ or public/, which restarts every Durable Object and drops every socket
   */
  snapshot?: boolean;
}

export interface DevServer {
  /** e.g. `http://127.0.0.1:43121` */
  origin: string;
  port: number;
  /** the directory wrangler dev runs in (the app, or its snapshot) */
  root: string;
  /** the wrangler process id (also its process group) */
  pid(): number | undefined;
  /** everything wrangler printed so far */
  output(): string;
  /** ends wrangler and workerd (and removes a snapshot) */
  stop(): Promise<void>;
  /** stop, then start again on the same port and storage */
  restart(): Promise<void>;
}

/** A TCP port that was free a moment ago. */
export declare function freePort(): Promise<number>;
/** Starts `wrangler dev` and resolves once it answers HTTP. */
export declare function startDevServer(options?: DevServerOptions): Promise<DevServer>;
/** Mints a token the way a "bring your own auth" backend would, with any extra `claims`. */
export declare function mintToken(user: {
  id: string;
  name: string;
  ttlSeconds?: number;
  secret?: string;
  claims?: Record<string, unknown>;
}): Promise<string>;
