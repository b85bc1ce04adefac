/**
 * Reads a cfg file into the raw g_conf_* shape. Dispatches on the name: `.json` is our format;
 * `.php`, `.jsp`, `.asp` and `Web.config` (any `.config`) are KCP's legacy site_conf_inc pages, whose
 * assignments are read, never executed. Validation is SiteConf.fromFile's job, not this module's.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { KcpConfigError } from '../errors.js';
import { evaluate, fieldOf, legacyError, LexError, type Dialect, type Interpretation, type Token } from './legacy/assignments.js';
import { aspDialect, interpretAsp, lexAsp } from './legacy/asp.js';
import { interpretJsp, jspDialect, lexJsp } from './legacy/jsp.js';
import { interpretPhp, lexPhp, phpDialect } from './legacy/php.js';
import { decodeConfigBytes } from './legacy/source.js';
import { readWebConfig, webConfigDialect } from './legacy/web-config.js';
import type { SiteConfFile } from './site-conf.js';

export type SiteConfFormat = 'json' | 'php' | 'jsp' | 'asp' | 'web.config';

/** The format a file name stands for, or undefined. */
export function formatOf(file: string): SiteConfFormat | undefined {
  const name = path.basename(file).toLowerCase();
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.php')) return 'php';
  if (name.endsWith('.jsp')) return 'jsp';
  if (name.endsWith('.asp')) return 'asp';
  if (name.endsWith('.config')) return 'web.config';
  return undefined;
}

/** A cfg file read into the raw shape, with the folder it lives in and the line of each legacy setting. */
export interface SiteConfSource {
  readonly raw: SiteConfFile;
  readonly baseDir: string;
  readonly format: SiteConfFormat;
  /** Line of each g_conf_* setting (legacy files only), so errors can point at it. */
  readonly lines: Readonly<Record<string, number>>;
}

type Overrides = SiteConfFile['payplus'];

interface LegacyReader {
  readonly dialect: Dialect;
  read(text: string): Interpretation[];
}

function statementsReader(dialect: Dialect, lex: (t: string) => Token[][], interpret: (s: readonly Token[]) => Interpretation): LegacyReader {
  return { dialect, read: (text) => lex(text).map(interpret) };
}

const LEGACY: Readonly<Record<Exclude<SiteConfFormat, 'json'>, LegacyReader>> = {
  php: statementsReader(phpDialect, lexPhp, interpretPhp),
  jsp: statementsReader(jspDialect, lexJsp, interpretJsp),
  asp: statementsReader(aspDialect, lexAsp, interpretAsp),
  'web.config': { dialect: webConfigDialect, read: readWebConfig },
};

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new KcpConfigError(`${file}: cannot be read (${code}). Fix: check the path and that this process may read it.`, { field: 'cfg', cause: e });
  }
}

function readJson(file: string, text: string, overrides: Overrides | undefined): SiteConfFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new KcpConfigError(`${file}: is not valid JSON (${(e as Error).message}). Fix: compare it with cfg/site_conf_inc.json.`, { field: 'cfg', cause: e });
  }
  if (overrides === undefined || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw as SiteConfFile;
  const obj = raw as Record<string, unknown>;
  const own = typeof obj['payplus'] === 'object' && obj['payplus'] !== null ? obj['payplus'] : {};
  return { ...obj, payplus: { ...own, ...overrides } } as SiteConfFile;
}

function readLegacy(file: string, text: string, reader: LegacyReader, overrides: Overrides | undefined): { raw: SiteConfFile; lines: Record<string, number> } {
  let statements: Interpretation[];
  try {
    statements = reader.read(text);
  } catch (e) {
    if (e instanceof LexError) {
      const v = e.variable;
      throw legacyError(file, e.line, v ? `${v.display}: ${e.message}` : e.message, v ? fieldOf(v.key) : undefined);
    }
    throw e;
  }
  const { values, lines } = evaluate(file, statements, reader.dialect);
  return { raw: { ...values, payplus: { ...(overrides ?? {}) } } as SiteConfFile, lines };
}

/** Reads and decodes one cfg file (UTF-8, or CP949 when the bytes are not UTF-8). */
export async function readSiteConfFile(file: string, overrides?: Overrides): Promise<SiteConfSource> {
  const format = formatOf(file);
  if (format === undefined) {
    throw new KcpConfigError(
      `${file}: is not a known cfg format. Fix: use a .json file like cfg/site_conf_inc.json, or a legacy site_conf_inc.php, site_conf_inc.jsp, site_conf_inc.asp or Web.config.`,
      { field: 'cfg' },
    );
  }
  const { text } = decodeConfigBytes(await readBytes(file));
  const baseDir = path.dirname(path.resolve(file));
  if (format === 'json') return { raw: readJson(file, text, overrides), baseDir, format, lines: {} };
  const { raw, lines } = readLegacy(file, text, LEGACY[format], overrides);
  return { raw, baseDir, format, lines };
}
