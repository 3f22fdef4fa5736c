// @ts-check
// Resident memory and CPU time of the workerd processes that one `wrangler dev` started, read
// from /proc. wrangler dev runs two: a dev-only proxy that owns the public port, and the runtime
// that runs the Worker and its Durable Objects (the one with an inspector). We report the runtime
// per socket, and the sum of both for completeness.
import { readFileSync, readdirSync } from 'node:fs';

/**
 * @typedef {{ pid: number; role: 'runtime' | 'proxy' }} WorkerdProcess
 */

/**
 * The workerd processes in a process group (the launcher runs wrangler as a group leader).
 * @param {number} pgid
 * @returns {WorkerdProcess[]}
 */
export function workerdProcesses(pgid) {
  /** @type {WorkerdProcess[]} */
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid || !stat.includes('(workerd)')) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      found.push({
        pid: Number(entry),
        role: cmdline.includes('--inspector-addr') ? 'runtime' : 'proxy',
      });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/**
 * VmRSS of one process in KiB, 0 when it is gone.
 * @param {number} pid
 */
export function rssKiB(pid) {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds (user + system) the runtime workerd processes of a group have used so far. Unlike
 * throughput, it hardly moves when other programs on a shared machine take the cores for a while.
 * @param {number} pgid
 */
export function runtimeCpuSeconds(pgid) {
  let ticks = 0;
  for (const { pid, role } of workerdProcesses(pgid)) {
    if (role !== 'runtime') continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended while we looked.
    }
  }
  return ticks / 100;
}

/**
 * Samples runtime and total workerd RSS every `intervalMs` until stopped, keeping the peaks.
 * `baseline` is taken at start, before the scenario opens its sockets.
 * @param {number} pgid
 * @param {number} [intervalMs]
 */
export function startRssSampler(pgid, intervalMs = 200) {
  const processes = workerdProcesses(pgid);
  // Set when a process we watch is gone: wrangler restarted the runtime (dropping every socket).
  let vanished = false;
  const read = () => {
    let runtime = 0;
    let total = 0;
    for (const { pid, role } of processes) {
      const kib = rssKiB(pid);
      if (kib === 0) vanished = true;
      total += kib;
      if (role === 'runtime') runtime += kib;
    }
    return { runtime, total };
  };
  const baseline = read();
  const peak = { ...baseline };
  const sample = () => {
    const now = read();
    peak.runtime = Math.max(peak.runtime, now.runtime);
    peak.total = Math.max(peak.total, now.total);
    return now;
  };
  const timer = setInterval(sample, intervalMs);
  return {
    /** Takes one sample now (e.g. right after the last socket connected) and returns it. */
    sample,
    /** Stops sampling; figures in KiB. */
    stop() {
      clearInterval(timer);
      sample();
      return { baseline, peak, processes: processes.length, vanished };
    },
  };
}
