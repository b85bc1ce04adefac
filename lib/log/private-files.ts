/**
 * Folders and files the SDK writes (its log, pp_cli's log folder, pp_cli's stdout files, the sample's database) must
 * not be redirectable by another local user. The rule, in one place:
 *
 * - a folder we write into is owned by this process's user or by root, and is not writable by its group or by others
 *   (else anyone in that group can swap today's file for a link to another file we would then append to);
 * - a folder above it may be writable by others only with the sticky bit (/tmp), where nobody can rename our entries;
 * - a folder we create is 0700 (chmod after mkdir, so the umask cannot widen it);
 * - a file is opened without following a symbolic link (O_NOFOLLOW), must be a regular file with one link, owned by us
 *   or root, and is tightened with fchmod on the opened descriptor, never chmod on a path that could change meanwhile.
 *
 * Checked where a folder is opened (createFileLogger, a stdout file's folder): a refusal names the path, the problem
 * and the fix. Without POSIX ids (Windows) the owner checks are skipped; the mode bits still are not meaningful there.
 */
import fs from 'node:fs';
import path from 'node:path';

import { KcpConfigError } from '../errors.js';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** This process's effective uid, or undefined where there is none (Windows). */
function ownUid(): number | undefined {
  return typeof process.geteuid === 'function' ? process.geteuid() : undefined;
}

const octal = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

/** A problem with a folder and its fix, for the caller's error. */
export interface PathProblem {
  readonly path: string;
  readonly problem: string;
  readonly fix: string;
}

/** What is wrong with `dir` as a folder we write into (owner, mode), or undefined. `st` is its stat (links followed). */
export function privateDirProblem(dir: string, st: fs.Stats, uid: number | undefined = ownUid()): PathProblem | undefined {
  if (!st.isDirectory()) return { path: dir, problem: 'is not a folder', fix: `remove it and let the SDK create the folder (mode 700), or point the setting at a folder` };
  if (uid !== undefined && st.uid !== uid && st.uid !== 0) {
    return {
      path: dir,
      problem: `is owned by uid ${st.uid}, not by this process's user (uid ${uid}) or root, so that user can swap the files in it`,
      fix: `chown ${uid} ${dir} && chmod 700 ${dir}`,
    };
  }
  if ((st.mode & 0o022) !== 0) {
    return {
      path: dir,
      problem: `is writable by ${(st.mode & 0o002) !== 0 ? 'every user' : 'its group'} (mode ${octal(st.mode)}), so they can replace a file in it with a link to another file`,
      fix: `chmod 700 ${dir} (750 if the web server's group must read it)`,
    };
  }
  return undefined;
}

/** The first folder above `dir` that others may write without the sticky bit, or undefined. */
export function ancestorProblem(dir: string): PathProblem | undefined {
  let current = path.dirname(path.resolve(dir));
  for (;;) {
    const st = fs.statSync(current, { throwIfNoEntry: false });
    if (st && (st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) {
      return {
        path: current,
        problem: `lies above it and is writable by ${(st.mode & 0o002) !== 0 ? 'every user' : 'its group'} without the sticky bit (mode ${octal(st.mode)}), so they can rename the folder and put another in its place`,
        fix: `chmod go-w ${current} (or chmod +t ${current}), or move the folder elsewhere`,
      };
    }
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

function refusal(field: string, what: string, p: PathProblem): KcpConfigError {
  return new KcpConfigError(`${field}: ${p.path} (${what}) ${p.problem}. Fix: ${p.fix}.`, { field });
}

/**
 * Makes sure `dir` exists and is private: missing folders are created 0700 one by one; an existing folder must pass
 * privateDirProblem and its ancestors ancestorProblem. Throws KcpConfigError naming `field`, the path, the problem and
 * the fix. `what` says which folder it is ("the log folder").
 */
export function ensurePrivateDir(dir: string, field: string, what: string): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let current = target; !fs.existsSync(current); current = path.dirname(current)) {
    missing.unshift(current);
    if (path.dirname(current) === current) break;
  }
  const ancestor = ancestorProblem(missing[0] ?? target);
  if (ancestor) throw refusal(field, `above ${what}`, ancestor);
  for (const folder of missing) {
    try {
      fs.mkdirSync(folder, { mode: PRIVATE_DIR_MODE });
      fs.chmodSync(folder, PRIVATE_DIR_MODE);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'EEXIST') continue; // made meanwhile: checked below like any other
      throw new KcpConfigError(
        `${field}: cannot create ${folder} (${what}): ${(cause as Error).message}. Fix: create it (mode 700) for the web server's user.`,
        { field, cause },
      );
    }
  }
  for (const folder of [...new Set([...missing, target])]) {
    const problem = privateDirProblem(folder, fs.statSync(folder));
    if (problem) throw refusal(field, what, problem);
  }
}

const APPEND_FLAGS =
  fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/**
 * Opens `file` for appending without following a link at its name (O_NOFOLLOW: a link there fails with ELOOP), and
 * without blocking on a FIFO planted there (O_NONBLOCK); refuses anything but a regular file with one link owned by us
 * or root, then sets 0600 on the descriptor. The folder must already be checked (ensurePrivateDir).
 */
export function openPrivateAppend(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, APPEND_FLAGS, PRIVATE_FILE_MODE);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENXIO') {
      throw new Error(`${file} is ${code === 'ELOOP' ? 'a symbolic link' : 'a FIFO or device'}, not our log file; it was not opened. Remove it (someone may have planted it)`, { cause });
    }
    throw cause;
  }
  try {
    const st = fs.fstatSync(fd);
    const uid = ownUid();
    let problem: string | undefined;
    if (!st.isFile()) problem = 'is not a regular file';
    else if (st.nlink !== 1) problem = `has ${st.nlink} hard links (a link to another file)`;
    else if (uid !== undefined && st.uid !== uid && st.uid !== 0) problem = `is owned by uid ${st.uid}, not by this process's user (uid ${uid})`;
    if (problem) throw new Error(`${file} ${problem}; it was not written. Remove it (someone may have planted it)`);
    fs.fchmodSync(fd, PRIVATE_FILE_MODE);
    return fd;
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}
