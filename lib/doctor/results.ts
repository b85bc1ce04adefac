/** Small constructors so every check builds its CheckResult the same way. */
import type { Bilingual, CheckResult } from './types.js';
import { NO_FIX } from './types.js';

export function pass(id: string, title: string, detail: string): CheckResult {
  return { id, title, status: 'pass', detail, fix: NO_FIX };
}

export function skip(id: string, title: string, detail: string): CheckResult {
  return { id, title, status: 'skip', detail, fix: NO_FIX };
}

export function warn(id: string, title: string, detail: string, fix: Bilingual, kcpCode?: string): CheckResult {
  return kcpCode ? { id, title, status: 'warn', detail, fix, kcpCode } : { id, title, status: 'warn', detail, fix };
}

export function fail(id: string, title: string, detail: string, fix: Bilingual, kcpCode?: string): CheckResult {
  return kcpCode ? { id, title, status: 'fail', detail, fix, kcpCode } : { id, title, status: 'fail', detail, fix };
}

/** lib/config messages read `<field>: <problem>. Fix: <fix>.[ Left as is, KCP answers res_cd=<code> (…).]` */
export function splitConfigMessage(message: string): { problem: string; fix: string; resCd?: string } {
  const at = message.indexOf(' Fix: ');
  const resCd = /res_cd=([0-9A-Z]{4})/.exec(message)?.[1];
  if (at < 0) return { problem: message, fix: message, resCd };
  const fix = message.slice(at + ' Fix: '.length).replace(/ Left as is, KCP answers res_cd=.*$/, '');
  return { problem: message.slice(0, at), fix, resCd };
}
