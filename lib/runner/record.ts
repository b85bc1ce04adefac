/**
 * RecordingRunner: runs every invocation through another Runner (the real pp_cli, or the stand-in against the
 * simulator) and appends the redacted interaction to a cassette file, saved after each call so an interrupted
 * session keeps what it recorded. The first recording also asks the module for its banner (`pp_cli -x`: usage on
 * stderr, S102, no network) so the cassette says which module version produced it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  CASSETTE_FORMAT, saveCassette, toInteraction, type Cassette, type CassetteMeta,
} from './cassette.js';
import type { Invocation, RunOutcome, Runner } from './types.js';
import { parseUsageBanner } from '../wire.js';

export interface RecordingOptions {
  /** Who/what recorded (tool name and version, test name). */
  createdBy?: string;
  notes?: string;
  /** Probe the module's banner with `-x` before the first interaction (default true). */
  probeBanner?: boolean;
}

/** Parse ` <name> - <module>   ver X.YY` from the usage banner (lib/wire.ts, the one banner reader). */
export function parseBanner(stderr: string): { banner?: string; version?: string } {
  const b = parseUsageBanner(stderr);
  return b ? { banner: b.banner, version: b.version } : {};
}

export class RecordingRunner implements Runner {
  readonly name = 'record';
  readonly argvEncoding;
  readonly cassette: Cassette;
  private probed = false;

  constructor(
    private readonly inner: Runner,
    readonly path: string,
    private readonly options: RecordingOptions = {},
  ) {
    this.argvEncoding = inner.argvEncoding;
    const meta: CassetteMeta = {
      createdBy: options.createdBy ?? 'kcp-payplus RecordingRunner',
      recordedAt: new Date().toISOString(),
      argvEncoding: inner.argvEncoding,
      ppCli: { file: '' },
      ...(options.notes ? { notes: options.notes } : {}),
    };
    this.cassette = { format: CASSETTE_FORMAT, meta, interactions: [] };
  }

  get durableOutput(): boolean {
    return this.inner.durableOutput === true;
  }

  async run(invocation: Invocation): Promise<RunOutcome> {
    if (!this.probed) await this.describeModule(invocation);
    const outcome = await this.inner.run(invocation);
    this.cassette.interactions.push(toInteraction(invocation, outcome));
    saveCassette(this.path, this.cassette);
    return outcome;
  }

  private async describeModule(invocation: Invocation): Promise<void> {
    this.probed = true;
    const ppCli: CassetteMeta['ppCli'] = { file: invocation.file.split(/[\\/]/).pop() ?? invocation.file };
    try {
      ppCli.sha256 = createHash('sha256').update(readFileSync(invocation.file)).digest('hex');
    } catch {
      // not readable (e.g. a replayed or virtual module): leave the hash out
    }
    if (this.options.probeBanner !== false) {
      const probe = await this.inner.run({ ...invocation, args: [Buffer.from('-x')], stdoutFile: undefined });
      Object.assign(ppCli, parseBanner(probe.stderr.toString('latin1')));
    }
    this.cassette.meta.ppCli = ppCli;
  }
}
