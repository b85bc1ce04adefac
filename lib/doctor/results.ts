/** Small constructors so every check builds its CheckResult the same way. */
import type { Bilingual, CheckResult, CheckStatus } from './types.js';
import { NO_FIX } from './types.js';

/** A title or a finding: one string when it reads the same in both languages (a path, a number), else both. */
export type Text = string | Bilingual;

/** Korean and English of one text. */
export function bi(ko: string, en: string): Bilingual {
  return { ko, en };
}

const enOf = (t: Text): string => (typeof t === 'string' ? t : t.en);
const koOf = (t: Text): string => (typeof t === 'string' ? t : t.ko);

function result(id: string, title: Text, status: CheckStatus, detail: Text, fix: Bilingual, kcpCode?: string): CheckResult {
  const r: CheckResult = { id, title: enOf(title), status, detail: enOf(detail), fix, ko: { title: koOf(title), detail: koOf(detail) } };
  return kcpCode ? { ...r, kcpCode } : r;
}

export function pass(id: string, title: Text, detail: Text): CheckResult {
  return result(id, title, 'pass', detail, NO_FIX);
}

export function skip(id: string, title: Text, detail: Text): CheckResult {
  return result(id, title, 'skip', detail, NO_FIX);
}

export function warn(id: string, title: Text, detail: Text, fix: Bilingual, kcpCode?: string): CheckResult {
  return result(id, title, 'warn', detail, fix, kcpCode);
}

export function fail(id: string, title: Text, detail: Text, fix: Bilingual, kcpCode?: string): CheckResult {
  return result(id, title, 'fail', detail, fix, kcpCode);
}

/** lib/config messages read `<field>: <problem>. Fix: <fix>.[ Left as is, KCP answers res_cd=<code> (…).]` */
export function splitConfigMessage(message: string): { problem: string; fix: string; resCd?: string } {
  const at = message.indexOf(' Fix: ');
  const resCd = /res_cd=([0-9A-Z]{4})/.exec(message)?.[1];
  if (at < 0) return { problem: message, fix: message, resCd };
  const fix = message.slice(at + ' Fix: '.length).replace(/ Left as is, KCP answers res_cd=.*$/, '');
  return { problem: message.slice(0, at), fix, resCd };
}
