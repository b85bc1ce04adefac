/**
 * pp_cli's answer, from process outcome to fields (pp-cli-protocol.md §2).
 *
 * stdout is one line `res_cd=…<US>res_msg=…[<US>key=value…]\n`. Like KCP's PHP library we read the last line with
 * trailing whitespace removed; unlike PHP's parse_str we split each field at its first '=' and keep values verbatim
 * (values may contain '=', '+', '%', '&'). An empty answer becomes 9502, with the process facts attached.
 */
import { KcpModuleError, KcpOutcomeUnknownError } from '../errors.js';
import type { RunOutcome } from '../runner/types.js';
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

/** Split a result line into fields: on US, each at the first '='. A token without '=' is a key with value ''. */
export function parseResultLine(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const token of line.split(US)) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    if (eq < 0) fields[token] = '';
    else fields[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return fields;
}

/** pp_cli's usage banner (stderr) — printed for an option other than -h, i.e. a module call error (S102). */
export function hasUsageBanner(stderr: string): boolean {
  return /={70}\n .+ - (KCP PG CLIENT (MODULE|모듈)|PayPLUS CLIENT 모듈)\s+ver \d+\.\d{2}/.test(stderr);
}

/** Decode a process outcome into result fields, or throw the module / outcome-unknown error it amounts to. */
export function interpretOutcome(outcome: RunOutcome, encoding: TextEncoding, file: string): ResultFields {
  const stderr = decodeText(outcome.stderr, encoding);
  const facts = { exitCode: outcome.exitCode, signal: outcome.signal, stderr };
  if (outcome.spawnError) {
    throw moduleSpawnError(outcome.spawnError, file, facts);
  }
  if (outcome.timedOut) {
    throw new KcpOutcomeUnknownError(
      `pp_cli did not finish within the timeout and was killed; the gateway may have processed the request. ` +
        `Do not retry: check the transaction (trace/log or KCP's admin) before acting`,
      { ...facts, resCd: '9502', resMsg: MODULE_CALL_ERROR_MSG },
    );
  }
  const line = lastLine(decodeText(outcome.stdout, encoding));
  if (line === '') {
    if (outcome.signal) {
      throw new KcpOutcomeUnknownError(
        `pp_cli was killed by ${outcome.signal} before it answered; the gateway may have processed the request. ` +
          `Do not retry: check the transaction before acting`,
        { ...facts, resCd: '9502', resMsg: MODULE_CALL_ERROR_MSG },
      );
    }
    throw new KcpModuleError(
      `9502 ${MODULE_CALL_ERROR_MSG}: pp_cli printed nothing (exit code ${String(outcome.exitCode)}). ` +
        `Check that ${file} is KCP's module, executable (chmod 755) and built for this machine; run 'kcp-payplus doctor'`,
      { ...facts, resCd: '9502', resMsg: MODULE_CALL_ERROR_MSG },
    );
  }
  const fields = parseResultLine(line);
  if (fields.res_cd === 'S102' && hasUsageBanner(stderr)) {
    throw new KcpModuleError(
      `S102 ${fields.res_msg ?? MODULE_CALL_ERROR_MSG}: pp_cli printed its usage banner, so it did not receive the ` +
        `expected '-h <options>' arguments. Check the binary path and the runner`,
      { ...facts, resCd: 'S102', resMsg: fields.res_msg, raw: fields },
    );
  }
  return fields;
}

function moduleSpawnError(
  spawnError: { code: string; message: string },
  file: string,
  facts: { exitCode: number | null; signal: string | null; stderr: string },
): KcpModuleError {
  const fixes: Record<string, string> = {
    ENOENT: `the module (or its interpreter/loader) was not found at ${file}: check g_conf_home_dir (the folder above bin/) and that bin/pp_cli was uploaded; a 32-bit pp_cli on a 64-bit server also fails this way without the 32-bit loader (use pp_cli_x64)`,
    EACCES: `${file} is not executable: chmod 755 ${file} (and check the folder permissions and noexec mounts)`,
    ENOEXEC: `${file} is not a program this machine can run: it may be damaged by an ASCII-mode upload or built for another architecture; upload it again in binary mode or use pp_cli_x64`,
  };
  const fix = fixes[spawnError.code] ?? `${spawnError.message}; run 'kcp-payplus doctor'`;
  return new KcpModuleError(`9502 ${MODULE_CALL_ERROR_MSG}: cannot run pp_cli (${spawnError.code}): ${fix}`, {
    ...facts,
    resCd: '9502',
    resMsg: MODULE_CALL_ERROR_MSG,
  });
}
