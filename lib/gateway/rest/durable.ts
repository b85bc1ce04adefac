/**
 * A REST call that moves money (the approval, the batch charge), run so that its answer survives the worker
 * (docs/kcp-rest-api.md §10.2): the exchange runs in a child process of its own (exchange.js run by `node`), in its own
 * session so that a kill of the worker or of its process group does not reach it; the request goes in through a
 * pipe (never argv), and the child writes KCP's answer — or why there is none, and whether anything was sent — to the
 * attempt's answer file, reserved before it starts exactly as pp_cli's is (runner/stdout-file.ts); exchange.js says
 * what it writes there. The worker waits
 * for the child, reads the file and goes on as with an in-process call; a worker killed meanwhile leaves the file for
 * recovery (answer-file.ts reads it).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withStdoutFile } from '../../runner/stdout-file.js';
import type { RunOutcome } from '../../runner/types.js';
import { readAnswerLine } from './exchange.js';
import { answerFields, unknownOutcome, wireRequest, type RestHttpOptions } from './http.js';
import { KcpConnectionError } from '../../errors.js';

/** The child's script: this folder's exchange.js (in lib/ under tsx, in dist/lib once built). */
export const EXCHANGE_SCRIPT = fileURLToPath(new URL('./exchange.js', import.meta.url));

/** How long after its own time limit the worker stops waiting for a child (it is never killed: it ends by itself). */
const CHILD_GRACE_MS = 10_000;

/** The only variables the child sees: none of the worker's secrets, and no NODE_OPTIONS that would load more code. */
const CHILD_ENV_KEEP = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];

/** Runs the child with `stdoutFd` as its stdout and `input` on its stdin; resolves when it has exited. */
function runChild(stdoutFd: number, input: string, limitMs: number): Promise<RunOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const env = Object.fromEntries(CHILD_ENV_KEEP.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
    const child = spawn(process.execPath, [EXCHANGE_SCRIPT], { detached: true, stdio: ['pipe', stdoutFd, 'pipe'], env, windowsHide: true });
    const stderr: Buffer[] = [];
    let done = false;
    const end = (outcome: Omit<RunOutcome, 'stdout' | 'stderr' | 'durationMs'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...outcome, stdout: Buffer.alloc(0), stderr: Buffer.concat(stderr), durationMs: Date.now() - started });
    };
    // Not killed at the limit (killed mid-exchange, nobody could tell what KCP did): the worker only stops waiting.
    const timer = setTimeout(() => end({ exitCode: null, signal: null, timedOut: true }), limitMs);
    child.stderr!.on('data', (d: Buffer) => stderr.push(d));
    child.stdin!.on('error', () => undefined);
    child.on('error', (err: NodeJS.ErrnoException) => end({ exitCode: null, signal: null, timedOut: false, spawnError: { code: err.code ?? 'ESPAWN', message: err.message } }));
    child.on('exit', (exitCode, signal) => end({ exitCode, signal, timedOut: false }));
    child.stdin!.end(input);
  });
}

/** POSTs through the child, its answer written to `answerFile` (which must not exist yet); fields or the error. */
export async function postJsonDurably(url: URL, body: string, options: RestHttpOptions, what: string, answerFile: string): Promise<Record<string, string>> {
  const input = JSON.stringify(wireRequest(url, body, options));
  const limitMs = options.connectTimeoutMs + options.timeoutMs + CHILD_GRACE_MS;
  // The file (JSON-escaped answer plus the line's frame) can be several times the answer's bytes.
  const inv = { file: process.execPath, args: [], timeoutMs: limitMs, stdoutFile: answerFile, maxOutputBytes: options.maxResponseBytes * 6 + 4096 };
  const run = await withStdoutFile(inv, (fd) => runChild(fd!, input, limitMs));
  if (run.spawnError) {
    throw new KcpConnectionError(`${what}: the exchange's process could not start (${run.spawnError.code}: ${run.spawnError.message}); nothing was sent to ${url.host}`);
  }
  const outcome = run.outputTruncated ? undefined : readAnswerLine(run.stdout.toString('utf8'));
  if (outcome && outcome !== 'sending') return answerFields(outcome, url.host, what);
  const how = run.timedOut
    ? `its process gave no answer within ${limitMs} ms (it still runs; recover() reads its answer file)`
    : `its process ended (exit ${run.exitCode ?? run.signal ?? '?'}) without a complete answer line`;
  throw unknownOutcome(url.host, what, how);
}
