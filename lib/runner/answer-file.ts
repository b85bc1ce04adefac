/**
 * Reading an attempt's answer file after the fact (runner/stdout-file.ts makes it): the file exists iff the exchange
 * started, a process that still has it as its stdout is still running, and what it wrote is the answer. Both
 * transports write one — pp_cli's module, and the REST transport's exchange child (lib/gateway/rest/durable.ts) —
 * and both read it back here; what the bytes mean is each transport's own.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from '../log/private-files.js';
import { answerBytes } from './stdout-file.js';

/** Drawn when this process loads the SDK: the name of its writer folder (writerFolder). */
const WRITER_ID = randomUUID();
const WRITER_NAME = /^w-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const madeFolders = new Set<string>();

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

/** True when a live process has `file` open as its stdout (Linux /proc; false where there is none). */
export function heldAsStdout(file: string): boolean {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return false;
  }
  for (const pid of pids) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/1`) === file) return true;
    } catch {
      // gone, or not ours to look at
    }
  }
  return false;
}

/**
 * What the answer file holds: 'absent' (no file), 'running' (`local`, and a process still writes it), 'empty' (nothing
 * written), or the bytes written (the reservation's padding dropped).
 */
export function readAnswerFile(file: string, local: boolean): 'absent' | 'running' | 'empty' | Buffer {
  if (!existsSync(file)) return 'absent';
  if (local && heldAsStdout(file)) return 'running';
  let bytes: Buffer;
  try {
    bytes = answerBytes(readFileSync(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent'; // removed meanwhile (settled by another)
    throw err;
  }
  return bytes.length === 0 ? 'empty' : bytes;
}
