/**
 * A Runner that starts no process: it records each invocation and answers with canned stdout bytes.
 * For protocol-level golden tests; process-level tests use real fakes under test/fixtures.
 */
import type { ArgvEncoding, Invocation, RunOutcome, Runner } from '../../lib/runner/types.js';

export class CannedRunner implements Runner {
  readonly name = 'canned';
  readonly calls: Invocation[] = [];
  private readonly answers: Array<Partial<RunOutcome>>;

  constructor(
    answers: Array<Partial<RunOutcome> | Buffer | string>,
    readonly argvEncoding: ArgvEncoding = 'euc-kr',
  ) {
    this.answers = answers.map((a) =>
      typeof a === 'string' || Buffer.isBuffer(a) ? { stdout: Buffer.isBuffer(a) ? a : Buffer.from(a, 'latin1') } : a,
    );
  }

  async run(invocation: Invocation): Promise<RunOutcome> {
    this.calls.push(invocation);
    const answer = this.answers.shift();
    if (!answer) throw new Error('CannedRunner: no canned answer left');
    return {
      exitCode: 0,
      signal: null,
      stdout: Buffer.alloc(0),
      stderr: Buffer.alloc(0),
      timedOut: false,
      durationMs: 1,
      ...answer,
    };
  }

  /** The -h option string of call `i`, as bytes. */
  optionBytes(i = 0): Buffer {
    const call = this.calls[i];
    if (!call) throw new Error(`no call ${i}`);
    return Buffer.from(call.args[1]!);
  }
}
