/**
 * pp_cli's answer, from process outcome to fields (docs/pp-cli-protocol.md §2).
 *
 * stdout is one line `res_cd=…<US>res_msg=…[<US>key=value…]\n`. Like KCP's PHP library we read the last line with
 * trailing whitespace removed; unlike PHP's parse_str we split each field at its first '=' and keep values verbatim
 * (values may contain '=', '+', '%', '&'). An empty answer becomes 9502, with the process facts attached.
 */
import { KcpModuleError, KcpOutcomeUnknownError, resultError, type KcpError } from '../errors.js';
import { spawnErrorFix } from '../runner/native.js';
import type { RunOutcome } from '../runner/types.js';
import { hasKcpUsageBanner, splitItems } from '../wire.js';
import { decodeText, type TextEncoding } from './encoding.js';
import { US } from './separators.js';

export const MODULE_CALL_ERROR_MSG = '연동 모듈 호출 오류';

/** Fields in the order pp_cli printed them. Duplicate keys: the last one wins (as PHP's parse_str). */
export type ResultFields = Readonly<Record<string, string>>;

/** The last line of `text`, with trailing whitespace removed (PHP exec() semantics). */
export function lastLine(text: string): string {
  const trimmed = text.replace(/[ \t\n\r\0\x0b]+$/, '');
  const nl = trimmed.lastIndexOf('\n');
  return nl < 0 ? trimmed : trimmed.slice(nl + 1);
}

/**
 * Split a result line into fields: on US, each at the first '='. A token without '=' is a key with value ''.
 * The one result-line reader (lib/wire.ts splitItems); the trace tool reads TX_ENDED's res=[…] with it too.
 */
export function parseResultLine(line: string): Record<string, string> {
  return splitItems(line, US);
}

/** pp_cli's usage banner (stderr) — printed for an option other than -h, i.e. a module call error (S102). */
export function hasUsageBanner(stderr: string): boolean {
  return hasKcpUsageBanner(stderr);
}

/**
 * A complete answer: one `res_cd=XXXX<US>res_msg=…` line ended by the module's own newline. Anything else after pp_cli
 * started (nothing, garbage, a cut line, output past the cap, a signal) is not an answer we can act on.
 */
const COMPLETE_ANSWER = /^res_cd=[0-9A-Z]{4}\x1fres_msg=/;

/** True when `line`, the last line of `text` (decoded stdout), is one complete answer ended by its newline. */
function endsWithCompleteAnswer(text: string, line: string): boolean {
  return text.endsWith('\n') && COMPLETE_ANSWER.test(line);
}

/** The fields of `text` (decoded stdout) when it ends with one complete answer line and its newline; else undefined. */
export function completeAnswer(text: string): ResultFields | undefined {
  const line = lastLine(text);
  return endsWithCompleteAnswer(text, line) ? parseResultLine(line) : undefined;
}

/** True when result fields (from stdout, or a TX_ENDED log line) begin as a complete answer does: a 4-character res_cd. */
export function isCompleteAnswer(fields: ResultFields): boolean {
  return COMPLETE_ANSWER.test(`res_cd=${fields.res_cd ?? ''}\x1fres_msg=`) && 'res_msg' in fields;
}

/**
 * The error factory's first half: a process outcome → the answer's fields, or the error it amounts to.
 * - The process never started (spawn error) or printed its usage banner (S102): KcpModuleError, nothing was sent.
 * - It timed out, was killed, its output was cut at the cap, or it did not print one complete answer line:
 *   KcpOutcomeUnknownError. The module may have talked to the gateway; only a complete answer tells what KCP did.
 * The second half, an answer → the error a refusal amounts to, is answerError() below.
 */
export function interpretOutcome(outcome: RunOutcome, encoding: TextEncoding, file: string): ResultFields {
  const stderr = decodeText(outcome.stderr, encoding);
  const facts = { exitCode: outcome.exitCode, signal: outcome.signal, stderr, resCd: '9502', resMsg: MODULE_CALL_ERROR_MSG };
  if (outcome.spawnError) {
    throw moduleSpawnError(outcome.spawnError, file, facts);
  }
  const unknown = (why: string) =>
    new KcpOutcomeUnknownError(
      `pp_cli ${why}; the gateway may have processed the request. Do not retry: resolve it first (recover(), the ` +
        `module's log, or KCP's admin)`,
      facts,
    );
  if (outcome.timedOut) throw unknown('did not finish within the timeout and was killed');
  const text = decodeText(outcome.stdout, encoding);
  const line = lastLine(text);
  const fields = parseResultLine(line);
  if (fields.res_cd === 'S102' && hasUsageBanner(stderr)) {
    throw new KcpModuleError(
      `S102 ${fields.res_msg ?? MODULE_CALL_ERROR_MSG}: pp_cli printed its usage banner, so it did not receive the ` +
        `expected '-h <options>' arguments. Check the binary path and the runner`,
      { ...facts, resCd: 'S102', resMsg: fields.res_msg, raw: fields },
    );
  }
  if (outcome.signal) throw unknown(`was killed by ${outcome.signal}${line === '' ? ' before it answered' : ' while answering'}`);
  if (outcome.outputTruncated) throw unknown('printed more than the output cap, so its answer was cut');
  if (line === '') {
    throw unknown(
      `printed no answer (exit code ${String(outcome.exitCode)}). If it never ran a transaction, check that ${file} ` +
        `is KCP's module, executable (chmod 755) and built for this machine: run 'kcp-payplus doctor'`,
    );
  }
  if (!endsWithCompleteAnswer(text, line)) throw unknown(`printed an incomplete or unreadable answer (${JSON.stringify(line.slice(0, 40))})`);
  return fields;
}

/**
 * The error factory's second half: a complete answer that is not a success → the error a caller acts on. The one
 * classifier is lib/errors.ts resultError, over the code table (lib/codes/results.ts); this is its name here.
 */
export function answerError(fields: ResultFields, what: string, gateway: string): KcpError {
  return resultError(fields, what, gateway);
}

function moduleSpawnError(
  spawnError: { code: string; message: string },
  file: string,
  facts: { exitCode: number | null; signal: string | null; stderr: string; resCd: string; resMsg: string },
): KcpModuleError {
  // The fix per errno is the runner's (runner/native.ts spawnErrorFix), so the two messages cannot disagree.
  return new KcpModuleError(
    `9502 ${MODULE_CALL_ERROR_MSG}: cannot run pp_cli (${spawnError.code}): ${spawnErrorFix(spawnError.code, file)}`,
    facts,
  );
}
