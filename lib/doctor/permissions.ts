/**
 * Permission checks by mode bits, not access(2). The doctor is often run as root (and the tests run as
 * root), and root passes access() for almost everything, which would hide a folder the web server's
 * user cannot write. So we pick the permission triple that applies to the identity (owner, group or
 * other) and read its bits. Root is judged as the owner: it usually runs doctor on behalf of the user
 * that owns the install.
 */
import type { Identity } from './types.js';

export function currentIdentity(): Identity {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const gid = typeof process.getgid === 'function' ? process.getgid() : -1;
  const groups = typeof process.getgroups === 'function' ? process.getgroups() : [];
  return { uid, gids: [...new Set([gid, ...groups])] };
}

export type PermissionClass = 'owner' | 'group' | 'other';

export function permissionClass(owner: { uid: number; gid: number }, who: Identity): PermissionClass {
  if (who.uid === 0 || owner.uid === who.uid) return 'owner';
  if (who.gids.includes(owner.gid)) return 'group';
  return 'other';
}

const SHIFT: Record<PermissionClass, number> = { owner: 6, group: 3, other: 0 };

/** The rwx bits (0–7) that apply to `who`. */
export function bitsFor(stat: { mode: number; uid: number; gid: number }, who: Identity): number {
  return (stat.mode >> SHIFT[permissionClass(stat, who)]) & 0o7;
}

export const canRead = (s: { mode: number; uid: number; gid: number }, who: Identity): boolean => (bitsFor(s, who) & 4) !== 0;
export const canWrite = (s: { mode: number; uid: number; gid: number }, who: Identity): boolean => (bitsFor(s, who) & 2) !== 0;
export const canExecute = (s: { mode: number; uid: number; gid: number }, who: Identity): boolean => (bitsFor(s, who) & 1) !== 0;

/** '0755' style. */
export function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}
