/**
 * Where KCP's module lives: `<g_conf_home_dir>/bin/pp_cli`, or `pp_cli_x64` (docs/pp-cli-protocol.md §1.1).
 * 'auto' takes pp_cli_x64 on a 64-bit host when it exists, else pp_cli — the choice KCP's newer PHP library makes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SiteConfData } from '../config/site-conf.js';

export function modulePath(conf: Pick<SiteConfData, 'homeDir' | 'binary'>, arch: string = process.arch): string {
  const bin = path.join(conf.homeDir, 'bin');
  if (conf.binary === 'pp_cli' || conf.binary === 'pp_cli_x64') return path.join(bin, conf.binary);
  const x64 = path.join(bin, 'pp_cli_x64');
  if ((arch === 'x64' || arch === 'arm64') && existsSync(x64)) return x64;
  return path.join(bin, 'pp_cli');
}
