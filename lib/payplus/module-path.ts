/**
 * Where KCP's module lives: `<g_conf_home_dir>/bin/pp_cli`, or `pp_cli_x64` (docs/pp-cli-protocol.md §1.1).
 * 'auto' takes pp_cli_x64 on a 64-bit host when it exists, else pp_cli — the choice KCP's newer PHP library makes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SiteConfData } from '../config/site-conf.js';

/** `<home>/bin/<binary>` for a named binary, by home: the same string for every payment. */
const named = { pp_cli: new Map<string, string>(), pp_cli_x64: new Map<string, string>() };

export function modulePath(conf: Pick<SiteConfData, 'homeDir' | 'binary'>, arch: string = process.arch): string {
  if (conf.binary === 'pp_cli' || conf.binary === 'pp_cli_x64') {
    const byHome = named[conf.binary];
    let file = byHome.get(conf.homeDir);
    if (file === undefined) {
      if (byHome.size >= 64) byHome.clear(); // a process has a handful of homes; this only bounds a misuse
      file = path.join(conf.homeDir, 'bin', conf.binary);
      byHome.set(conf.homeDir, file);
    }
    return file;
  }
  const bin = path.join(conf.homeDir, 'bin');
  const x64 = path.join(bin, 'pp_cli_x64');
  if ((arch === 'x64' || arch === 'arm64') && existsSync(x64)) return x64;
  return path.join(bin, 'pp_cli');
}
