/**
 * Invocation.stdoutFile: the child's stdout goes straight into a file instead of a pipe.
 *
 * KCP's module keeps running when the process that started it dies (even kill -9) and finishes its exchange with the
 * gateway (pp-cli-protocol.md §10.4). With a pipe its answer is lost; with a file the answer is on disk, and whoever
 * settles the payment after the crash reads what the module really answered. The file is created before the child
 * starts (so "no file" means "never started"), 0600, and must not exist yet: one file per attempt.
 */
import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../log/private-files.js';
import { DEFAULT_MAX_OUTPUT_BYTES, type Invocation, type RunOutcome } from './types.js';

/** Created new (O_EXCL: never an existing file or a link planted at the name), read-write, without following links. */
const CREATE_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Opens the invocation's stdout file, when it has one. Its folder is created 0700 when missing, and an existing one
 * must be ours (or root's) and not writable by group or others (log/private-files.ts), since the file decides a payment.
 */
export async function openStdoutFile(inv: Invocation): Promise<FileHandle | undefined> {
  if (inv.stdoutFile === undefined) return undefined;
  ensurePrivateDir(path.dirname(inv.stdoutFile), 'invocation.stdoutFile', "the folder of pp_cli's answer files");
  const handle = await open(inv.stdoutFile, CREATE_FLAGS, PRIVATE_FILE_MODE);
  await handle.chmod(PRIVATE_FILE_MODE);
  return handle;
}

/**
 * Reads back what the child wrote (up to the cap; more sets outputTruncated), makes it durable and closes the file.
 * Past the cap the answer is cut, which the result parser treats as an unknown outcome, never as a refusal.
 */
export async function readStdoutFile(
  handle: FileHandle,
  inv: Invocation,
): Promise<{ stdout: Buffer; truncated: boolean }> {
  try {
    const cap = inv.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    await handle.sync();
    const buffer = Buffer.alloc(cap + 1);
    const { bytesRead } = await handle.read(buffer, 0, cap + 1, 0);
    return { stdout: buffer.subarray(0, Math.min(bytesRead, cap)), truncated: bytesRead > cap };
  } finally {
    await handle.close();
  }
}

/** Runs `start` with the stdout file's descriptor (or none) and puts the file's content into the outcome. */
export async function withStdoutFile(
  inv: Invocation,
  start: (stdoutFd: number | undefined) => Promise<RunOutcome>,
): Promise<RunOutcome> {
  const handle = await openStdoutFile(inv);
  if (!handle) return start(undefined);
  let outcome: RunOutcome;
  try {
    outcome = await start(handle.fd);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
  if (outcome.spawnError) {
    // Nothing started: remove the file, so that "no file" keeps meaning "the module never ran".
    await handle.close();
    await unlink(inv.stdoutFile!).catch(() => undefined);
    return outcome;
  }
  const { stdout, truncated } = await readStdoutFile(handle, inv);
  return { ...outcome, stdout, outputTruncated: (outcome.outputTruncated ?? false) || truncated };
}
