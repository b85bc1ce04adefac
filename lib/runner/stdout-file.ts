/**
 * Invocation.stdoutFile: the child's stdout goes straight into a file instead of a pipe.
 *
 * KCP's module keeps running when the process that started it dies (even kill -9) and finishes its exchange with the
 * gateway (docs/pp-cli-protocol.md §10.4). With a pipe its answer is lost; with a file the answer is on disk, and whoever
 * settles the payment after the crash reads what the module really answered. The file is created before the child
 * starts (so "no file" means "never started"), 0600, and must not exist yet: one file per attempt.
 *
 * Space for the answer is reserved before the child starts (docs/design.md §8, "refuse before money moves"): the file is
 * filled with ANSWER_RESERVE_BYTES NUL bytes, written at offset 0 without moving the descriptor's offset, so the child
 * writes its answer over blocks that are already allocated — a disk that fills up after the spawn cannot take the
 * answer away. A disk that is full or read-only already refuses the call here, before anything is sent to KCP
 * (AnswerSpaceError). Readers drop the NUL padding (answerBytes). On copy-on-write filesystems (btrfs, ZFS) an
 * overwrite needs new blocks too, so there the reservation narrows the window but cannot close it.
 */
import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { KcpError, KcpStoreError } from '../errors.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../log/private-files.js';
import { DEFAULT_MAX_OUTPUT_BYTES, type Invocation, type RunOutcome } from './types.js';

/**
 * Bytes reserved in each answer file before the module starts. pp_cli's result buffer starts at 8,192 bytes and grows
 * only for long error messages (docs/pp-cli-protocol.md §2); twice that covers every answer an approval gets.
 */
export const ANSWER_RESERVE_BYTES = 16 * 1024;

/** The errno codes that mean "this disk cannot take the answer file", as opposed to a bug or a permission problem. */
const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG', 'EIO']);

/** Created new (O_EXCL: never an existing file or a link planted at the name), read-write, without following links. */
const CREATE_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * The answer file could not be created or its space reserved (a full or read-only disk): nothing was started and
 * nothing was sent to KCP, so the buyer may simply try again once the disk is fixed. A KcpStoreError (engine 'file'),
 * `retryable` true, like a database that is briefly unreachable.
 */
export class AnswerSpaceError extends KcpStoreError {
  /** The errno code: ENOSPC, EDQUOT, EROFS, EFBIG or EIO. */
  readonly errno: string;

  constructor(file: string, errno: string, cause: unknown) {
    super(
      `the answer file ${file} could not be ${errno === 'EROFS' ? 'created: the disk is read-only' : `reserved (${errno}): the disk is full`}` +
        `. Nothing was sent to KCP; free space on ${path.dirname(file)} (or make it writable), then the buyer can try again`,
      { cause, outcomeKnown: true, retryable: true, engine: 'file', operation: 'answer file' },
    );
    this.errno = errno;
  }

  override get name(): string {
    return 'AnswerSpaceError';
  }
}

/** What a reader keeps of an answer file: its bytes up to the reservation's NUL padding. */
export function answerBytes(bytes: Buffer): Buffer {
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

/**
 * Opens an invocation's stdout file, with its space reserved. Its folder is created 0700 when missing, and an existing
 * one must be ours (or root's) and not writable by group or others (log/private-files.ts), since the file decides a
 * payment. A full or read-only disk throws AnswerSpaceError and leaves no file behind.
 */
export async function openStdoutFile(file: string): Promise<FileHandle> {
  const refuse = (err: unknown): never => {
    // The folder check wraps the file system's error in a KcpConfigError: its cause carries the errno.
    const code = ((err instanceof KcpError ? err.cause : err) as NodeJS.ErrnoException | undefined)?.code;
    if (code !== undefined && STORAGE_CODES.has(code)) throw new AnswerSpaceError(file, code, err);
    throw err;
  };
  try {
    ensurePrivateDir(path.dirname(file), 'invocation.stdoutFile', "the folder of pp_cli's answer files");
  } catch (err) {
    refuse(err);
  }
  const handle = await open(file, CREATE_FLAGS, PRIVATE_FILE_MODE).catch(refuse);
  try {
    await handle.chmod(PRIVATE_FILE_MODE); // exactly 0600 on the descriptor, whatever the umask
    // Positional writes (pwrite): the descriptor's offset stays at 0, where the child starts writing.
    const reserve = Buffer.alloc(ANSWER_RESERVE_BYTES);
    // write() allocates the blocks (a full disk says ENOSPC here, also with delayed allocation); no fsync is needed.
    for (let at = 0; at < reserve.length; ) at += (await handle.write(reserve, at, reserve.length - at, at)).bytesWritten;
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(file).catch(() => undefined);
    refuse(err);
  }
  return handle;
}

/**
 * Reads back what the child wrote (up to the cap; more sets outputTruncated), makes it durable and closes the file.
 * Past the cap the answer is cut, which the result parser treats as an unknown outcome, never as a refusal. The
 * reservation's padding is not part of the answer. A failure to make the file durable (the disk filled up or failed
 * after the child wrote) does not hide what the child wrote: the bytes are read all the same.
 */
export async function readStdoutFile(
  handle: FileHandle,
  inv: Invocation,
): Promise<{ stdout: Buffer; truncated: boolean }> {
  try {
    const cap = inv.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    await handle.sync().catch(() => undefined);
    // What the child wrote ends at the first NUL of the reservation; past the reservation there is no padding left.
    const size = (await handle.stat()).size;
    const buffer = Buffer.alloc(Math.min(size, Math.max(cap + 1, ANSWER_RESERVE_BYTES)));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const nul = buffer.subarray(0, bytesRead).indexOf(0);
    const written = nul < 0 ? size : nul;
    // The file keeps exactly what the child wrote (freeing the rest of the reservation needs no space).
    if (written < size) await handle.truncate(written).catch(() => undefined);
    return { stdout: Buffer.from(buffer.subarray(0, Math.min(written, cap))), truncated: written > cap };
  } finally {
    await handle.close();
  }
}

/**
 * Runs `start` with the stdout file's descriptor (or none) and puts the file's content into the outcome. Without a
 * file, `start` runs at once, in the caller's synchronous stretch: the child starts before anything the caller queued
 * (its burst of log lines, log/file-logger.ts) runs, so that work overlaps the child's.
 */
export async function withStdoutFile(
  inv: Invocation,
  start: (stdoutFd: number | undefined) => Promise<RunOutcome>,
): Promise<RunOutcome> {
  if (inv.stdoutFile === undefined) return start(undefined);
  const handle = await openStdoutFile(inv.stdoutFile);
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
    await unlink(inv.stdoutFile).catch(() => undefined);
    return outcome;
  }
  const { stdout, truncated } = await readStdoutFile(handle, inv);
  return { ...outcome, stdout, outputTruncated: (outcome.outputTruncated ?? false) || truncated };
}
