/**
 * Who owns an attempt, and whether that owner is gone.
 *
 * A pid means something only inside its PID namespace and boot (docs/design.md §8): two containers with the same hostname
 * see different processes under the same pid, and a rebooted host reuses every pid. So an owner records, besides its
 * host and pid, the kernel's boot id, the inode of its PID namespace and its start time:
 *   start = `<boot id>:<pid namespace inode>:<start ticks>`
 * /proc is consulted only for an owner that provably shares this process's boot and PID namespace (and only when this
 * process's /proc shows its own namespace). Every other owner — another host, another container, an older record
 * without a namespace — is judged by its lease alone, and a lease is a hint: what may be done then is settled by the
 * compare-and-sets of the store and the merchant's commit fence. Nothing here needs an operator's variable.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import type { Owner } from './types.js';

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'noboot';
  }
}

/**
 * The inode of this process's PID namespace, or '?' when it cannot be read or /proc is not this namespace's (a process
 * in a new PID namespace that kept its parent's /proc sees other processes under its pids there).
 */
function pidNamespace(): string {
  try {
    if (readlinkSync('/proc/self') !== String(process.pid)) return '?';
    return /^pid:\[(\d+)\]$/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '?';
  } catch {
    return '?';
  }
}

/** The start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined. */
export function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let me: Owner | undefined;
let machine: { boot: string; ns: string } | undefined;

/** This process's boot id and PID namespace (ns '?' when unknown). */
export function thisMachine(): { boot: string; ns: string } {
  currentOwner();
  return machine!;
}

/** This process. KCP_PAYPLUS_HOST overrides the host name shown in reports; it plays no part in liveness. */
export function currentOwner(): Owner {
  if (me && me.pid === process.pid) return me;
  const host = process.env.KCP_PAYPLUS_HOST || os.hostname();
  machine = { boot: bootId(), ns: pidNamespace() };
  me = { host, pid: process.pid, start: `${machine.boot}:${machine.ns}:${startTicks(process.pid) ?? Date.now()}` };
  return me;
}

export function sameOwner(a: Owner, b: Owner): boolean {
  return a.host === b.host && a.pid === b.pid && a.start === b.start;
}

/**
 * True when `owner` provably runs (or ran) in this process's boot and PID namespace, so that /proc/<its pid> here is
 * about it. Records without a namespace (older versions, or written where /proc was not the process's own) never are.
 */
export function sharesPidNamespace(owner: Owner): boolean {
  const parts = owner.start.split(':');
  if (parts.length !== 3) return false;
  const [boot, ns] = parts;
  const here = thisMachine();
  return here.ns !== '?' && ns === here.ns && boot === here.boot && here.boot !== 'noboot';
}

/**
 * True when `owner` can no longer act: it let go (lease 0), its process is gone (provably the same boot and PID
 * namespace: its pid no longer runs the same incarnation), or — for any other owner, where we cannot look at its
 * processes — its lease ran out. (The notification inbox's rule; attempts use mayTakeOver.)
 */
export function ownerGone(owner: Owner, leaseUntil: number, now = Date.now()): boolean {
  if (leaseUntil === 0 || owner.pid === 0) return true;
  if (sameOwner(owner, currentOwner())) return false;
  if (!sharesPidNamespace(owner)) return leaseUntil < now;
  const ticks = startTicks(owner.pid);
  if (ticks === undefined) return true;
  return ticks !== owner.start.split(':')[2];
}

/**
 * True when an attempt held by `owner` may be taken over: it is gone (ownerGone), or its lease ran out even though
 * its process may live (paused, stuck, or done with the attempt without settling it). Taking over is a reason to
 * look, never permission to act: whoever acts does so by compare-and-set (the store's claim, the merchant's fence),
 * and what only a dead worker allows (asking isCommitted without a fence) needs ownerProvablyDead().
 */
export function mayTakeOver(owner: Owner, leaseUntil: number, now = Date.now()): boolean {
  return (leaseUntil !== 0 && leaseUntil < now) || ownerGone(owner, leaseUntil, now);
}

/**
 * True when `owner`'s process is provably gone: it shared this boot and PID namespace and no longer runs. A process
 * that is gone can never finish a commit; a lease that ran out proves nothing of the kind.
 */
export function ownerProvablyDead(owner: Owner): boolean {
  if (owner.pid === 0 || !sharesPidNamespace(owner) || sameOwner(owner, currentOwner())) return false;
  const ticks = startTicks(owner.pid);
  return ticks === undefined || ticks !== owner.start.split(':')[2];
}
