/**
 * Who owns an attempt, and whether that owner is gone. On the owner's own host a process is gone when its pid no
 * longer runs the same incarnation (boot id + start time from /proc, so a reused pid does not count); a process on
 * another host is judged by its lease alone, which a live owner renews while it works.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Owner } from './types.js';

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 8);
  } catch {
    return 'noboot';
  }
}

/** The start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined. */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let me: Owner | undefined;

/** This process. KCP_PAYPLUS_HOST overrides the host name where several machines share one (containers). */
export function currentOwner(): Owner {
  if (me && me.pid === process.pid) return me;
  const host = process.env.KCP_PAYPLUS_HOST || os.hostname();
  me = { host, pid: process.pid, start: `${bootId()}:${startTicks(process.pid) ?? Date.now()}` };
  return me;
}

export function sameOwner(a: Owner, b: Owner): boolean {
  return a.host === b.host && a.pid === b.pid && a.start === b.start;
}

/**
 * True when `owner` can no longer act: it let go (lease 0: the attempt waits for whoever settles it next), its process
 * is gone (same host), or its lease ran out (another host, where we cannot look at its processes).
 */
export function ownerGone(owner: Owner, leaseUntil: number, now = Date.now()): boolean {
  if (leaseUntil === 0 || owner.pid === 0) return true;
  const self = currentOwner();
  if (owner.host !== self.host) return leaseUntil < now;
  if (sameOwner(owner, self)) return false;
  const ticks = startTicks(owner.pid);
  if (ticks === undefined) return true;
  return `${bootId()}:${ticks}` !== owner.start;
}
