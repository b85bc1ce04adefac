/**
 * The stand-in pp_cli: our own executable that speaks pp_cli's command line and posts to the local simulator instead of
 * KCP. `npm install` builds it (binding.gyp) at <package>/build/Release/pp_cli_standin; installStandIn puts it where
 * KCP's module goes, <home>/bin/pp_cli, for development. It never replaces KCP's real module unless told to, and it is
 * never installed for a REAL site.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SiteConfData } from '../config/site-conf.js';
import { packageRoot } from '../runner/addon-loader.js';

/** Where `npm install` builds the stand-in. */
export function standInBuildPath(): string {
  return path.join(packageRoot(), 'build', 'Release', 'pp_cli_standin');
}

/** Environment variables only the stand-in reads: their names are in its binary, never in KCP's. */
const STANDIN_MARK = Buffer.from('KCP_STANDIN_');

/** True when the file at `file` is a stand-in build (ours, any version). */
export function isStandIn(file: string): boolean {
  try {
    return readFileSync(file).includes(STANDIN_MARK);
  } catch {
    return false;
  }
}

export class StandInRefused extends Error {}

export interface InstallStandInOptions {
  /** The configuration it is meant for: a REAL one is refused. */
  conf?: Pick<SiteConfData, 'env' | 'siteCd'>;
  /** Replace a pp_cli that is not a stand-in (KCP's module). */
  force?: boolean;
  /** The stand-in to copy; default standInBuildPath(). */
  source?: string;
}

/** Copies the stand-in to <home>/bin/pp_cli (mode 755) and returns that path. */
export function installStandIn(homeDir: string, options: InstallStandInOptions = {}): string {
  if (options.conf?.env === 'REAL') {
    throw new StandInRefused(
      `the configuration is for the REAL site ${options.conf.siteCd}: the stand-in only talks to the local simulator, so ` +
        'payments would fail. Use KCP\'s pp_cli for REAL, and a TEST configuration (T0000 with the simulator) for the stand-in.',
    );
  }
  const source = options.source ?? standInBuildPath();
  if (!existsSync(source)) {
    throw new StandInRefused(
      `the stand-in is not built (${source}). 'npm install' builds it with node-gyp (needs g++, make, python3); ` +
        'if the install scripts were not allowed, run: npm rebuild kcp-payplus',
    );
  }
  const bin = path.join(path.resolve(homeDir), 'bin');
  const target = path.join(bin, 'pp_cli');
  if (existsSync(target) && !statSync(target).isFile()) {
    throw new StandInRefused(`${target} exists and is not a file; move it away first.`);
  }
  if (existsSync(target) && !isStandIn(target) && !options.force) {
    throw new StandInRefused(
      `${target} is not a stand-in (KCP's own module?); it was left alone. Install into another KCP home, or pass --force to replace it.`,
    );
  }
  mkdirSync(bin, { recursive: true, mode: 0o755 });
  const tmp = `${target}.${process.pid}.tmp`;
  copyFileSync(source, tmp);
  chmodSync(tmp, 0o755);
  renameSync(tmp, target);
  return target;
}
