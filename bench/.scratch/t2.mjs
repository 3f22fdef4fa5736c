import { startDevServer } from '../../test/e2e/wrangler.mjs';
import WebSocket from 'ws';
import { readdirSync, readFileSync } from 'node:fs';
const s = await startDevServer({ config: 'bench/floor/wrangler.toml' });
const pg = s.pid();
const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => { try { const st = readFileSync(`/proc/${p}/stat`, 'utf8'); const rest = st.slice(st.lastIndexOf(')') + 2).split(' '); return Number(rest[2]) === pg && st.includes('(workerd)'); } catch { return false; } });
const fds = () => pids.map((p) => `${p}:${readdirSync(`/proc/${p}/fd`).length}`).join(' ');
console.log('before', fds());
const socks = [];
for (let i = 0; i < 200; i++) { const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api/rooms/r1/ws`, { perMessageDeflate: false }); socks.push(new Promise((r, j) => { ws.on('open', () => r(ws)); ws.on('error', j); })); }
const all = await Promise.all(socks);
console.log('after 200', fds()); for (const p of pids) { const m = {}; for (const f of readdirSync('/proc/'+p+'/fd')) { let t; try { t = (await import('node:fs')).readlinkSync('/proc/'+p+'/fd/'+f).replace(/[0-9]+/g,'N'); } catch { t='?'; } m[t]=(m[t]||0)+1; } console.log(p, m); }
for (const p of pids) console.log(p, readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 400));
for (const p of pids) console.log(p, readFileSync(`/proc/${p}/limits`, 'utf8').split('\n').find((l) => l.includes('open files')));
all.forEach((w) => w.close());
await new Promise((r) => setTimeout(r, 500));
await s.stop();
