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

/**
 * True when a live process has `file` open for writing, on any descriptor (Linux /proc; false where there is none).
 * Holding it as stdout is not enough: the runner opens the file, then forks the module's process, which makes that
 * descriptor its stdout only just before exec. A caller killed between the fork and that step leaves an empty file no
 * process has as its stdout, while the new process, holding the file under the caller's descriptor number, goes on to
 * start the module and reach KCP. So every descriptor of every process is looked at (stdout first: where a running
 * module holds it). One opened only for reading (a log shipper, another host's recovery reading it) is not a writer.
 */
export async function heldOpen(file: string): Promise<boolean> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  } catch {
    return false;
  }
  const writes = async (pid: string, fd: string) => {
    try {
      if ((await readlink(`/proc/${pid}/fd/${fd}`)) !== file) return false;
      const flags = /^flags:\s*([0-7]+)$/m.exec(await readFile(`/proc/${pid}/fdinfo/${fd}`, 'latin1'));
      return flags === null || (Number.parseInt(flags[1]!, 8) & ACCESS_MODE) !== constants.O_RDONLY; // unreadable: a writer
    } catch {
      return false; // gone, or not ours to look at
    }
  };
  if ((await Promise.all(pids.map((pid) => writes(pid, '1')))).includes(true)) return true;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    if ((await Promise.all(fds.filter((fd) => fd !== '1').map((fd) => writes(pid, fd)))).includes(true)) return true;
  }
  return false;
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
