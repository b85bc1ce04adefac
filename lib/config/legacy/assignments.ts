/**
 * The common core of the legacy importers: a language lexes its file into statements of tokens,
 * says which statements are assignments, and this module evaluates the right-hand sides. Only
 * values are read: string literals, numbers, variables set earlier in the same file and their
 * concatenation. Anything else (function calls, request-time values, undefined variables, control
 * flow) is refused with the file, the line, the variable and what to write instead, because guessing
 * what a PHP/JSP/ASP file would compute at run time is how a wrong path or key reaches production.
 */
import { KcpConfigError } from '../../errors.js';
import { siteConfFileSchema } from '../site-conf.js';

export type LegacyLanguage = 'PHP' | 'JSP' | 'ASP' | 'Web.config';

export interface Token {
  readonly kind: 'str' | 'num' | 'var' | 'ident' | 'op';
  /** The source text (for 'var' without '$'; for 'str' the decoded value is in `value`). */
  readonly text: string;
  readonly value: string;
  readonly line: number;
  /** PHP: a double-quoted string with `$name` inside. */
  readonly interpolated?: boolean;
}

export type Operand = { readonly kind: 'lit'; readonly value: string } | { readonly kind: 'ref'; readonly key: string; readonly display: string };

/** One assignment `display = <operands joined>`, or one that cannot be read (`failure` says why). */
export interface Assignment {
  readonly key: string;
  readonly display: string;
  readonly line: number;
  readonly operands?: readonly Operand[];
  readonly failure?: string;
}

/** What a statement turned out to be. */
export type Interpretation = Assignment | 'ignore' | { readonly other: readonly Token[] };

export interface Dialect {
  readonly language: LegacyLanguage;
  /** The concatenation operator this importer accepts. */
  readonly concat: string;
  /** How `display = "value"` is written in this language. */
  example(display: string, value: string): string;
  /** Whether a token names a variable (PHP `$x`; JSP/ASP identifiers). */
  isVariable(t: Token): boolean;
  /** The variable's key (ASP is case-insensitive: lower case). */
  keyOf(t: Token): string;
  /** Labels the variable as the language writes it. */
  displayOf(t: Token): string;
}

/** A lexer's complaint about the text itself (unterminated string or comment). */
export class LexError extends Error {
  constructor(
    message: string,
    readonly line: number,
    /** The variable being assigned when the text broke, when known. */
    readonly variable?: { readonly key: string; readonly display: string },
  ) {
    super(message);
  }
}

/** The variable a statement assigns so far (`$x =`, `String x =`, `x =`), for lexer errors. */
export function assignedSoFar(tokens: readonly Token[], d: Dialect): { key: string; display: string } | undefined {
  const eq = tokens.findIndex((t) => t.kind === 'op' && t.text === '=');
  const target = eq > 0 ? tokens[eq - 1] : undefined;
  if (target === undefined || !(target.kind === 'var' || target.kind === 'ident')) return undefined;
  return { key: d.keyOf(target), display: d.displayOf(target) };
}

/** The file key a legacy variable stands for (aliases resolved). */
export function fieldOf(key: string): string | undefined {
  return isConfKey(key) ? fileKeyOf(key) : undefined;
}

const SUPERGLOBALS = new Set(['_SERVER', '_ENV', '_GET', '_POST', '_REQUEST', '_COOKIE', '_SESSION', '_FILES', 'GLOBALS']);

/** Example values for the fix in an error message. */
const EXAMPLES: Readonly<Record<string, string>> = {
  g_conf_home_dir: '/opt/kcp-payplus',
  g_conf_key_dir: '/opt/kcp-payplus/key',
  g_conf_log_dir: '/opt/kcp-payplus/log',
  g_conf_gw_url: 'testpaygw.kcp.co.kr',
  g_conf_gw_port: '8090',
  g_conf_js_url: 'https://pay.kcp.co.kr/plugin/payplus_test.js',
  g_conf_site_cd: 'T0000',
  g_conf_site_key: '<25-character key from KCP>',
  g_conf_site_name: 'MY SHOP',
  g_conf_module_type: '01',
  g_conf_log_level: '3',
};

/** Why a right-hand side cannot be read, in words a merchant recognises. */
function describeFailure(tokens: readonly Token[], d: Dialect): string {
  if (tokens.length === 0) return 'has no value';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'str' && t.interpolated) {
      // The string itself is not shown: it may be (part of) a site key.
      return `puts a variable inside a double-quoted string (write "text" ${d.concat} $name instead)`;
    }
    if (t.kind !== 'ident' && t.kind !== 'var') continue;
    let name = t.kind === 'var' ? `$${t.text}` : t.text;
    let j = i + 1;
    while (d.language !== 'PHP' && tokens[j]?.text === '.' && tokens[j + 1]?.kind === 'ident') {
      name += `.${tokens[j + 1]!.text}`;
      j += 2;
    }
    if (tokens[j]?.kind === 'op' && tokens[j]!.text === '(') return `calls ${name}(), a run-time value the importer cannot know`;
    if (t.kind === 'var' && SUPERGLOBALS.has(t.text)) return `reads ${name}, which exists only while a web request runs`;
    if (/^__[A-Z]+__$/.test(t.text)) return `uses ${name}, which only the running PHP knows`;
    if (name !== t.text) return `reads ${name}, a run-time value the importer cannot know`;
  }
  return `is not a quoted string, a number, a variable set earlier in this file or a concatenation of those with '${d.concat}'`;
}

/** Parses `operand (concat operand)*`; anything else becomes a failure description. */
export function parseExpression(tokens: readonly Token[], d: Dialect): { operands: Operand[] } | { failure: string } {
  const operands: Operand[] = [];
  let i = 0;
  for (;;) {
    const t = tokens[i];
    const next = tokens[i + 1];
    if (t === undefined) return { failure: describeFailure(tokens, d) };
    if (t.kind === 'str' && !t.interpolated) operands.push({ kind: 'lit', value: t.value });
    else if (t.kind === 'num') operands.push({ kind: 'lit', value: t.value });
    else if (d.isVariable(t) && !(next?.kind === 'op' && (next.text === '(' || (next.text === '.' && d.language !== 'PHP')))) {
      operands.push({ kind: 'ref', key: d.keyOf(t), display: d.displayOf(t) });
    } else return { failure: describeFailure(tokens, d) };
    if (next === undefined) return { operands };
    if (next.kind !== 'op' || next.text !== d.concat) return { failure: describeFailure(tokens, d) };
    i += 2;
  }
}

/** The g_conf_* keys of our file format (everything but payplus). */
export const FILE_KEYS: readonly string[] = Object.keys(siteConfFileSchema.shape).filter((k) => k !== 'payplus');

/** Old KCP samples spell two settings differently: `module_type` and (NHN KCP 2016) `g_conf_log_path`. */
const ALIASES: Readonly<Record<string, string>> = { module_type: 'g_conf_module_type', g_conf_log_path: 'g_conf_log_dir' };

function fileKeyOf(key: string): string {
  return ALIASES[key] ?? key;
}

function isConfKey(key: string): boolean {
  return key.startsWith('g_conf_') || key in ALIASES;
}

type Slot = { readonly value: string; readonly line: number } | { readonly failure: string; readonly line: number };

export function legacyError(file: string, line: number, message: string, field?: string): KcpConfigError {
  return new KcpConfigError(`${file}:${line}: ${message}`, { field });
}

function refusal(file: string, a: Assignment, failure: string, d: Dialect): KcpConfigError {
  const field = fileKeyOf(a.key);
  const example = d.example(a.display, EXAMPLES[field] ?? '...');
  return legacyError(
    file,
    a.line,
    `${a.display} ${failure}; the importer reads values and never runs the file. Fix: write the value itself, e.g. ${example} (or move the setting to cfg/site_conf_inc.json).`,
    field,
  );
}

/** A short, secret-free label for a statement the importer does not understand. */
function snippet(tokens: readonly Token[]): string {
  const shown = tokens.slice(0, 4).map((t) => (t.kind === 'str' ? '"…"' : t.kind === 'var' ? `$${t.text}` : t.text));
  return shown.join(' ') + (tokens.length > 4 ? ' …' : '');
}

function resolve(operands: readonly Operand[], slots: ReadonlyMap<string, Slot>): { value: string } | { failure: string } {
  let value = '';
  for (const o of operands) {
    if (o.kind === 'lit') {
      value += o.value;
      continue;
    }
    const slot = slots.get(o.key);
    if (slot === undefined) return { failure: `refers to ${o.display}, which is not set earlier in this file` };
    if ('failure' in slot) return { failure: `refers to ${o.display} (line ${slot.line}), which ${slot.failure}` };
    value += slot.value;
  }
  return { value };
}

/** The g_conf_* values a legacy file sets, ready for the raw file shape, plus where each was set. */
export interface LegacyValues {
  readonly values: Record<string, string>;
  readonly lines: Record<string, number>;
}

/**
 * Evaluates the statements in order. Variables that are not g_conf_* may hold unreadable values as
 * long as no g_conf_* setting uses them (merchant files often set unrelated things alongside).
 */
export function evaluate(file: string, statements: readonly Interpretation[], d: Dialect): LegacyValues {
  const slots = new Map<string, Slot>();
  for (const s of statements) {
    if (s === 'ignore') continue;
    if ('other' in s) {
      const line = s.other[0]?.line ?? 1;
      throw legacyError(
        file,
        line,
        `"${snippet(s.other)}" is not an assignment; the importer reads only plain assignments and never runs the file. Fix: remove it or move the logic out of site_conf_inc, leaving one value per g_conf_* variable (or use cfg/site_conf_inc.json).`,
      );
    }
    const result = s.failure !== undefined ? { failure: s.failure } : resolve(s.operands ?? [], slots);
    if ('failure' in result) {
      if (isConfKey(s.key)) throw refusal(file, s, result.failure, d);
      slots.set(s.key, { failure: result.failure, line: s.line });
    } else slots.set(s.key, { value: result.value, line: s.line });
  }
  const values: Record<string, string> = {};
  const lines: Record<string, number> = {};
  for (const [key, slot] of slots) {
    if (!isConfKey(key) || 'failure' in slot) continue;
    const fileKey = fileKeyOf(key);
    if (!FILE_KEYS.includes(fileKey)) continue;
    // The canonical name wins over its alias whatever the order.
    if (fileKey !== key && slots.has(fileKey)) continue;
    values[fileKey] = slot.value;
    lines[fileKey] = slot.line;
  }
  return { values, lines };
}
