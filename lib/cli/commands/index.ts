/**
 * The registry of `kcp-payplus` sub-commands. Each command lives in its own module in this folder
 * and is listed here once.
 */
import { cancelCommand, captureCommand } from './modify.js';
import { doctorCommand } from './doctor.js';
import { traceCommand } from './trace.js';
import { recordCommand } from './record.js';
import { recoverCommand } from './recover.js';
import { simCommand } from './sim.js';
import { installStandInCommand } from './install-standin.js';
import { archiveCommand } from './archive.js';
import { schemaCommand } from './schema.js';

export interface CliCommand {
  name: string;
  summary: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

export const commands: CliCommand[] = [
  cancelCommand,
  captureCommand,
  recoverCommand,
  archiveCommand,
  simCommand,
  installStandInCommand,
  recordCommand,
  doctorCommand,
  traceCommand,
  schemaCommand,
];
