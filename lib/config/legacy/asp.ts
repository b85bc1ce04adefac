/**
 * site_conf_inc.asp (VBScript): `g_conf_site_cd = "T0000"` inside `<% %>`. One statement per line
 * (`:` separates, ` _` continues); comments `'` and `REM`; strings in double quotes with `""` for a
 * quote (VBScript has no other quote style); `&` joins. Names are case-insensitive, as in VBScript.
 */
import { LineIndex } from './source.js';
import { assignedSoFar, LexError, parseExpression, type Dialect, type Interpretation, type Token } from './assignments.js';

export const aspDialect: Dialect = {
  language: 'ASP',
  concat: '&',
  example: (display, value) => `${display} = "${value}"`,
  isVariable: (t) => t.kind === 'ident',
  keyOf: (t) => t.text.toLowerCase(),
  displayOf: (t) => t.text,
};

const IDENT_START = /[A-Za-z_\x80-\uffff]/;
const IDENT = /[A-Za-z0-9_\x80-\uffff]/;

function skipToLineEnd(text: string, i: number): number {
  while (i < text.length && text[i] !== '\n' && !text.startsWith('%>', i)) i++;
  return i;
}

/** ` _` at the end of a line (a lone underscore, only spaces after it). */
function isContinuation(text: string, i: number): boolean {
  const nl = text.indexOf('\n', i);
  return nl >= 0 && /^[ \t\r]*$/.test(text.slice(i + 1, nl)) && !IDENT.test(text[i - 1] ?? ' ');
}

/** Splits the `<% %>` blocks of an ASP page into VBScript statements. */
export function lexAsp(text: string): Token[][] {
  const lines = new LineIndex(text);
  const statements: Token[][] = [];
  let current: Token[] = [];
  const end = (): void => {
    if (current.length > 0) statements.push(current);
    current = [];
  };
  let i = 0;
  let inScript = false;
  while (i < text.length) {
    const line = lines.lineAt(i);
    if (!inScript) {
      const open = text.indexOf('<%', i);
      if (open < 0) break;
      if (text.startsWith('<%@', open)) {
        const close = text.indexOf('%>', open);
        if (close < 0) throw new LexError('a <%@ directive is never closed. Fix: end it with %>.', lines.lineAt(open));
        i = close + 2;
        continue;
      }
      if (text.startsWith('<%=', open)) current.push({ kind: 'ident', text: '<%=', value: '', line: lines.lineAt(open) });
      i = open + (text[open + 2] === '=' ? 3 : 2);
      inScript = true;
      continue;
    }
    const c = text[i]!;
    if (c === '\n' || c === ':') {
      end();
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('%>', i)) {
      end();
      inScript = false;
      i += 2;
    } else if (c === "'") {
      i = skipToLineEnd(text, i);
    } else if (c === '_' && isContinuation(text, i)) {
      // Line continuation: the statement goes on after the newline.
      i = text.indexOf('\n', i) + 1;
    } else if (c === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length || text[j] === '\n') throw new LexError('a string is not closed on its line (a missing quote?). Fix: add the closing quote; write "" for a quote inside a string.', line, assignedSoFar(current, aspDialect));
        if (text[j] === '"') {
          if (text[j + 1] === '"') {
            value += '"';
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      current.push({ kind: 'str', text: text.slice(i + 1, j), value, line });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      let j = i;
      while (j < text.length && /[0-9]/.test(text[j]!)) j++;
      current.push({ kind: 'num', text: text.slice(i, j), value: text.slice(i, j), line });
      i = j;
    } else if (IDENT_START.test(c)) {
      let j = i;
      while (j < text.length && IDENT.test(text[j]!)) j++;
      const word = text.slice(i, j);
      if (current.length === 0 && word.toLowerCase() === 'rem') {
        i = skipToLineEnd(text, j);
        continue;
      }
      current.push({ kind: 'ident', text: word, value: '', line });
      i = j;
    } else {
      current.push({ kind: 'op', text: c, value: '', line });
      i++;
    }
  }
  end();
  return statements;
}

const DECLARATIONS = new Set(['dim', 'option', 'private', 'public']);

/** `[Const|Let] name = expr` is an assignment; `Dim`/`Option Explicit` are nothing; all else is refused. */
export function interpretAsp(tokens: readonly Token[]): Interpretation {
  const first = tokens[0]?.text.toLowerCase();
  if (first !== undefined && DECLARATIONS.has(first) && tokens[0]!.kind === 'ident' && !tokens.some((t) => t.text === '=')) return 'ignore';
  const i = first === 'const' || first === 'let' ? 1 : 0;
  const target = tokens[i];
  const eq = tokens[i + 1];
  if (target?.kind === 'ident' && eq?.kind === 'op' && eq.text === '=') {
    const parsed = parseExpression(tokens.slice(i + 2), aspDialect);
    const base = { key: target.text.toLowerCase(), display: target.text, line: target.line };
    return 'operands' in parsed ? { ...base, operands: parsed.operands } : { ...base, failure: parsed.failure };
  }
  return { other: tokens };
}
