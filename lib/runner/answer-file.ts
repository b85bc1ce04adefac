/**
 * Reading an attempt's answer file after the fact (runner/stdout-file.ts makes it): the file exists iff the exchange
 * started, a process that still has it as its stdout is still running, and what it wrote is the answer. Both
 * transports write one — pp_cli's module, and the REST transport's exchange child (lib/gateway/rest/durable.ts) —
 * and both read it back here; what the bytes mean is each transport's own.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { answerBytes } from './stdout-file.js';

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
