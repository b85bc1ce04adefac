/**
 * What the PHP, JSP and ASP lexers share: code sits in blocks (`<?php ?>`, `<% %>`) inside page
 * text, a block's end also ends the statement, and numbers and names look alike in all three. Each
 * language keeps its own rules (comments, strings, separators, operators) in its own file and hands
 * them to `lexBlocks`, so a fix to the shared shape is made once rather than three times.
 */
import { LineIndex } from './source.js';
import { LexError, type Token } from './assignments.js';

/** Gathers tokens into statements; an empty statement (`;;`, a blank line) is dropped. */
export class StatementCollector {
  private readonly statements: Token[][] = [];
  private current: Token[] = [];

  /** The statement read so far: lexer errors name the variable it assigns. */
  get tokens(): readonly Token[] {
    return this.current;
  }

  push(token: Token): void {
    this.current.push(token);
  }

  end(): void {
    if (this.current.length > 0) this.statements.push(this.current);
    this.current = [];
  }

  /** Ends the last statement (a file may stop without `;` or `%>`) and returns them all. */
  finish(): Token[][] {
    this.end();
    return this.statements;
  }
}

/** One language's half of a lexer: where code starts, where it stops and what one piece of it is. */
export interface BlockLanguage {
  /** The tag that closes a code block (`%>`, `?>`); it ends the statement too. */
  readonly close: string;
  /** Skips page text from `from`; returns the offset after the next opening tag, or -1 if none. */
  enter(text: string, from: number, lines: LineIndex, out: StatementCollector): number;
  /** Reads the token, comment, separator or space at `i` (never the close tag); returns the offset after it. */
  read(text: string, i: number, line: number, out: StatementCollector): number;
}

/** Splits the code blocks of a page into statements of tokens. */
export function lexBlocks(text: string, language: BlockLanguage): Token[][] {
  const lines = new LineIndex(text);
  const out = new StatementCollector();
  let i = language.enter(text, 0, lines, out);
  while (i >= 0 && i < text.length) {
    if (text.startsWith(language.close, i)) {
      out.end();
      i = language.enter(text, i + language.close.length, lines, out);
    } else {
      i = language.read(text, i, lines.lineAt(i), out);
    }
  }
  return out.finish();
}

/** A language's name characters: `$` is one in Java, not in PHP or VBScript. */
export interface NameChars {
  readonly start: RegExp;
  readonly rest: RegExp;
}

const DIGIT = /[0-9]/;

/** The offset of the first character from `i` that `re` does not match. */
export function scanWhile(text: string, i: number, re: RegExp): number {
  while (i < text.length && re.test(text[i]!)) i++;
  return i;
}

/**
 * The number or name at `i`, or undefined when neither starts there. Only whole decimal numbers:
 * a site_conf value that is a number is a port or a timeout, and anything fancier is refused later.
 */
export function scanWord(text: string, i: number, line: number, names: NameChars): Token | undefined {
  const c = text[i]!;
  if (DIGIT.test(c)) {
    const digits = text.slice(i, scanWhile(text, i, DIGIT));
    return { kind: 'num', text: digits, value: digits, line };
  }
  if (names.start.test(c)) return { kind: 'ident', text: text.slice(i, scanWhile(text, i, names.rest)), value: '', line };
  return undefined;
}

/** An operator or other punctuation; the evaluator only understands `=` and the join operator. */
export function opToken(text: string, line: number): Token {
  return { kind: 'op', text, value: '', line };
}

/** Skips a comment that runs to the end of the line, or to the close tag, which ends it early in all three languages. */
export function skipLineComment(text: string, i: number, close: string): number {
  while (i < text.length && text[i] !== '\n' && !text.startsWith(close, i)) i++;
  return i;
}

/** Skips a `/* *\/` comment (PHP and Java); one never closed would hide the rest of the file. */
export function skipBlockComment(text: string, i: number, line: number): number {
  const close = text.indexOf('*/', i + 2);
  if (close < 0) throw new LexError('a /* comment is never closed. Fix: end it with */.', line);
  return close + 2;
}

/** A `<%…` tag whose content is not code and is skipped whole. */
export interface SkippedTag {
  readonly open: string;
  readonly close: string;
  /** What the error calls it: "directive", "comment". */
  readonly name: string;
}

/** The `<% %>` tags ASP and JSP share, plus what each adds. */
export interface ScriptletTags {
  /** Skipped whole: `<%@ %>` directives in both, JSP `<%-- --%>` comments. Longest first. */
  readonly skipped: readonly SkippedTag[];
  /** Code openers besides `<%=` and `<%` (JSP `<%!` declarations). */
  readonly openers: readonly string[];
}

export const DIRECTIVE: SkippedTag = { open: '<%@', close: '%>', name: 'directive' };

/** An ASP or JSP page: code in `<% %>` scriptlets, read piece by piece by `read`. */
export function scriptletLanguage(tags: ScriptletTags, read: BlockLanguage['read']): BlockLanguage {
  return { close: '%>', enter: (text, from, lines, out) => enterScriptlet(text, from, lines, out, tags), read };
}

/**
 * Enters the next `<% %>` scriptlet from `from`, past skipped tags. `<%=` prints a value rather
 * than setting one: a `<%=` token lets the interpreter refuse that statement by name.
 */
function enterScriptlet(text: string, from: number, lines: LineIndex, out: StatementCollector, tags: ScriptletTags): number {
  for (;;) {
    const open = text.indexOf('<%', from);
    if (open < 0) return -1;
    const skipped = tags.skipped.find((t) => text.startsWith(t.open, open));
    if (skipped === undefined) return open + openerAt(text, open, out, lines, tags.openers).length;
    const close = text.indexOf(skipped.close, open + skipped.open.length);
    if (close < 0) throw new LexError(`a ${skipped.open} ${skipped.name} is never closed. Fix: end it with ${skipped.close}.`, lines.lineAt(open));
    from = close + skipped.close.length;
  }
}

function openerAt(text: string, open: number, out: StatementCollector, lines: LineIndex, openers: readonly string[]): string {
  if (text.startsWith('<%=', open)) {
    out.push({ kind: 'ident', text: '<%=', value: '', line: lines.lineAt(open) });
    return '<%=';
  }
  return openers.find((o) => text.startsWith(o, open)) ?? '<%';
}
