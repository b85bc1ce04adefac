/**
 * A Runner that starts no process: it records each invocation and answers with canned stdout bytes. Like the real
 * runners it honours Invocation.stdoutFile: the canned stdout is written there too (all of it, also when the
 * answer says the read was cut), so recovery can read "what the module answered" after the fact.
 * For protocol-level golden tests; process-level tests use real fakes under test/fixtures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ArgvEncoding, Invocation, RunOutcome, Runner } from '../../lib/runner/types.js';

/** An outcome, and (when it differs from the outcome's stdout, as for a cut read) what the module wrote in full. */
export type CannedAnswer = Partial<RunOutcome> & { fileStdout?: Buffer };

export class CannedRunner implements Runner {
  readonly name = 'canned';
  readonly durableOutput = true;
  readonly calls: Invocation[] = [];
  private readonly answers: Array<CannedAnswer>;

  constructor(
    answers: Array<CannedAnswer | Buffer | string>,
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
    if (invocation.stdoutFile !== undefined && !answer.spawnError) {
      mkdirSync(path.dirname(invocation.stdoutFile), { recursive: true });
      writeFileSync(invocation.stdoutFile, answer.fileStdout ?? answer.stdout ?? Buffer.alloc(0), { flag: 'wx' });
    }
    const { fileStdout: _file, ...outcome } = answer;
    return {
      exitCode: 0,
      signal: null,
      stdout: Buffer.alloc(0),
      stderr: Buffer.alloc(0),
      timedOut: false,
      durationMs: 1,
      ...outcome,
    };
  }

  /** The -h option string of call `i`, as bytes. */
  optionBytes(i = 0): Buffer {
    const call = this.calls[i];
    if (!call) throw new Error(`no call ${i}`);
    return Buffer.from(call.args[1]!);
  }
}
