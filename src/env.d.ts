// Bindings wrangler can't see in wrangler.toml: secrets. The rest is generated into
// worker-configuration.d.ts by `npm run types` and checked in CI.
declare namespace Cloudflare {
  interface Env {
    /** HS256 signing secret (`wrangler secret put AUTH_SECRET`); unset means no tokens at all. */
    AUTH_SECRET?: string;
  }
}
