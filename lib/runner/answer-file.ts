/**
 * Reading an attempt's answer file after the fact (runner/stdout-file.ts makes it): the file exists iff the exchange
 * started, a process that still holds it for writing is still running (or about to start), and what it wrote is the
 * answer. Both transports write one — pp_cli's module, and the REST transport's exchange child
 * (lib/gateway/rest/durable.ts) — and both read it back here; what the bytes mean is each transport's own.
 */
import { randomUUID } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDir } from '../log/private-files.js';
import { answerBytes } from './stdout-file.js';

/** Drawn when this process loads the SDK: the name of its writer folder (writerFolder). */
const WRITER_ID = randomUUID();
const WRITER_NAME = /^w-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const madeFolders = new Set<string>();
/** O_ACCMODE (Linux): the access-mode bits of an open file's flags, as /proc/<pid>/fdinfo shows them. */
const ACCESS_MODE = 0o3;

/**
 * This process's folder for the answer files it makes, inside an answers folder: `w-<random id>`, made before the
 * process records an attempt whose file goes there. Its name is drawn when the process starts, so no other process,
 * no image and no copy taken before then holds a folder of that name: a host that sees the folder sees the very
 * storage the writer made its files on. There, an attempt's missing answer file means its writer never made it, and
 * so never started the exchange (the file is made first) — proof a host can use for another host's attempts
 * (isWriterFolder). What it cannot tell apart: a copy of the folder taken while the writer still ran.
 * When the folder cannot be made now, the runner's own reservation of the file refuses the exchange before it starts.
 */
export function writerFolder(answersDir: string): string {
  const folder = path.join(answersDir, `w-${WRITER_ID}`);
  if (madeFolders.has(folder)) return folder;
  try {
    ensurePrivateDir(folder, 'invocation.stdoutFile', "this process's folder of answer files");
    madeFolders.add(folder);
  } catch {
    // reported by the reservation (runner/stdout-file.ts), before anything starts
  }
  return folder;
}

/** True when `folder` is a writer folder (writerFolder) directly inside `answersDir`. */
export function isWriterFolder(folder: string, answersDir: string): boolean {
  return path.dirname(folder) === answersDir && WRITER_NAME.test(path.basename(folder));
}

/** The processes /proc lists now, or undefined where there is no /proc. */
async function processIds(): Promise<string[] | undefined> {
  try {
    return (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
}

/** True when descriptor `fd` of process `pid` is `file`, opened for writing. */
async function writesThrough(pid: string, fd: string, file: string): Promise<boolean> {
  try {
    if ((await readlink(`/proc/${pid}/fd/${fd}`)) !== file) return false;
    const flags = /^flags:\s*([0-7]+)$/m.exec(await readFile(`/proc/${pid}/fdinfo/${fd}`, 'latin1'));
    return flags === null || (Number.parseInt(flags[1]!, 8) & ACCESS_MODE) !== constants.O_RDONLY; // unreadable: a writer
  } catch {
    return false; // gone, or not ours to look at
  }
}

/**
 * True when process `pid` holds `file` for writing. Its stdout is read after its other descriptors: a forked child has
 * the file under another number until it makes it its stdout (dup2) and then execs (which closes the other), so when
 * the other is found closed, the stdout read after it already is the file.
 */
async function holds(pid: string, file: string): Promise<boolean> {
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  const others = await Promise.all(fds.filter((fd) => fd !== '1').map((fd) => writesThrough(pid, fd, file)));
  return others.includes(true) || (await writesThrough(pid, '1', file));
}

/**
 * True when a live process has `file` open for writing, on any descriptor (Linux /proc; false where there is none).
 * Holding it as stdout is not enough: the runner opens the file, then forks the module's process, which makes that
 * descriptor its stdout only just before exec. A caller killed between the fork and that step leaves an empty file no
 * process has as its stdout, while the new process, holding the file under the caller's descriptor number, goes on to
 * start the module and reach KCP. One opened only for reading (a log shipper, another recovery reading it) is not a
 * writer. /proc is listed twice: a caller alive at the first listing may fork after it and die before its own turn
 * comes, and then its child is a process the second listing brings.
 */
export async function heldOpen(file: string): Promise<boolean> {
  const first = await processIds();
  if (first === undefined) return false;
  const anyHolds = async (pids: string[]) => {
    for (const pid of pids) if (await holds(pid, file)) return true; // one process at a time: short turns of the loop
    return false;
  };
  if (await anyHolds(first)) return true;
  const known = new Set(first);
  return anyHolds(((await processIds()) ?? []).filter((pid) => !known.has(pid)));
}

/**
 * What the answer file holds: 'absent' (no file), 'running' (`local`, and a process still writes it), 'empty' (nothing
 * written), or the bytes written (the reservation's padding dropped).
 */
export async function readAnswerFile(file: string, local: boolean): Promise<'absent' | 'running' | 'empty' | Buffer> {
  if (!existsSync(file)) return 'absent';
  if (local && (await heldOpen(file))) return 'running';
  let bytes: Buffer;
  try {
    bytes = answerBytes(await readFile(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent'; // removed meanwhile (settled by another)
    throw err;
  }
  return bytes.length === 0 ? 'empty' : bytes;
}
