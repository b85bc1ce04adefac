/**
 * What every command says about its inputs: which configuration it read (--config, else $KCP_CONFIG, else the one
 * default SiteConf.load() uses without a file), the transport that configuration chose (payplus.transport: pp_cli or
 * rest) and which store or log folders, in one line at the top of its output — so a cron job that reads the wrong file
 * says so instead of reporting all-clear forever.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG_PATH, siteConfPath } from '../config/default-path.js';
import { transportOf, type SiteConfData } from '../config/site-conf.js';

export { DEFAULT_CONFIG_PATH };

export interface ConfigChoice {
  /** The file, as given. */
  readonly file: string;
  /** Where the name came from. */
  readonly from: '--config' | 'KCP_CONFIG' | 'default';
}

/** --config, else KCP_CONFIG, else DEFAULT_CONFIG_PATH. */
export function chooseConfig(option: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): ConfigChoice {
  if (option !== undefined) return { file: option, from: '--config' };
  const file = siteConfPath(env);
  return { file, from: file === DEFAULT_CONFIG_PATH ? 'default' : 'KCP_CONFIG' };
}

/** A store location as printed: a password in a postgres:// or mysql:// URL becomes ****. */
export function maskStoreLocation(location: string): string {
  return location.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:****@');
}

/** The default SQLite store of a log folder, as a location. */
export function defaultStoreLocation(logDir: string): string {
  return `sqlite:${path.join(logDir, 'payplus.sqlite')}`;
}

/**
 * `kcp-payplus <command>: config /abs/file (from KCP_CONFIG), transport rest, store …` — the first line a command
 * prints. The transport is named when the configuration could be read (`conf`).
 */
export function usedLine(
  command: string,
  config: ConfigChoice | undefined,
  more: ReadonlyArray<readonly [string, string]> = [],
  conf?: Pick<SiteConfData, 'transport'>,
): string {
  const parts = config ? [`config ${path.resolve(config.file)} (${config.from === 'default' ? 'default' : `from ${config.from}`})`] : [];
  if (conf) parts.push(`transport ${transportOf(conf)}`);
  for (const [label, value] of more) parts.push(`${label} ${value}`);
  return `kcp-payplus ${command}: ${parts.join(', ')}\n`;
}

/** The error text for a folder a read-only command needs, or undefined when it exists. */
export function missingFolder(what: string, dir: string, hint: string): string | undefined {
  return existsSync(dir) ? undefined : `${what} ${dir} does not exist (nothing was created); ${hint}`;
}
