/**
 * runDoctor: the FAQ as code. Checks run in order because later ones use what earlier ones found
 * (the module's path and bytes, whether it can run, its version). A check that throws becomes a
 * failing result of its own instead of stopping the rest. Checks only one transport needs are tagged (TransportOnly):
 * on the other transport they do not run, and one skip line per group says they are not used.
 */
import { transportOf, type SiteConfData } from '../config/site-conf.js';
import { maskText } from '../log/mask.js';
import {
  checkConfigValues,
  checkEnvironmentConsistency,
  checkExtraKcpHosts,
  checkPpCliLogLevelAdvice,
  checkSiteCode,
  checkSiteKey,
} from './checks/config.js';
import { checkLogDir } from './checks/log-dir.js';
import {
  checkModuleFormat,
  checkModuleIntegrity,
  checkModuleMode,
  checkModulePresent,
  checkModuleSmoke,
} from './checks/module.js';
import { checkNetwork } from './checks/network.js';
import { checkStandin } from './checks/standin.js';
import { checkNotifyUrl } from './checks/notify.js';
import { checkWebRoots } from './checks/web-roots.js';
import { checkRest } from './checks/rest.js';
import { currentIdentity } from './permissions.js';
import { bi, fail, skip, type Text } from './results.js';
import type { Bilingual, Check, CheckResult, DoctorContext, DoctorOptions } from './types.js';

type SiteTransport = ReturnType<typeof transportOf>;

/**
 * Checks only one transport needs (payplus.transport). On the other transport the checks of a group do not run and
 * one skip line, `id` = the group, says they are not used — they neither fail nor warn about what the site does not use.
 */
export interface TransportOnly {
  readonly transport: SiteTransport;
  readonly group: string;
  readonly title: Text;
  /** Why they are not needed on the other transport. */
  readonly why: Bilingual;
}

const PP_CLI_MODULE: TransportOnly = {
  transport: 'pp_cli',
  group: 'module',
  title: bi('pp_cli 모듈 (bin/pp_cli)', 'pp_cli module (bin/pp_cli)'),
  why: bi(
    '승인, 취소, 복구는 KCP PG-API(REST)로 갑니다. 매입요청, 에스크로 변경, 현금영수증만 pp_cli가 필요합니다.',
    "approvals, cancels and recovery go to KCP's PG-API (REST); only capture, escrow changes and cash receipts still need pp_cli",
  ),
};
const PP_CLI_LOG_LEVEL: TransportOnly = {
  transport: 'pp_cli',
  group: 'log.pp_cli_level',
  title: bi('pp_cli 로그 레벨', "pp_cli's log level"),
  why: bi('pp_cli가 실행되지 않으므로 pp_cli 로그도 없습니다.', 'pp_cli does not run, so it writes no log'),
};
const PG_API: TransportOnly = {
  transport: 'rest',
  group: 'rest',
  title: bi('PG-API (REST) 인증서, 개인키, 호스트', 'PG-API (REST) certificate, key and host'),
  why: bi("payplus.transport를 'rest'로 하면 KCP PG-API를 씁니다.", "payplus.transport 'rest' switches to KCP's PG-API"),
};

export const CHECKS: readonly (readonly [string, Check, TransportOnly?])[] = [
  ['config.values', checkConfigValues],
  ['config.env', checkEnvironmentConsistency],
  ['config.extra_kcp_hosts', checkExtraKcpHosts],
  ['site.code', checkSiteCode],
  ['site.key', checkSiteKey],
  ['module.present', checkModulePresent, PP_CLI_MODULE],
  ['module.mode', checkModuleMode, PP_CLI_MODULE],
  ['module.integrity', checkModuleIntegrity, PP_CLI_MODULE],
  ['module.format', checkModuleFormat, PP_CLI_MODULE],
  ['module.smoke', checkModuleSmoke, PP_CLI_MODULE],
  ['module.standin', checkStandin, PP_CLI_MODULE],
  ['log.dir', checkLogDir],
  ['log.pp_cli_level', checkPpCliLogLevelAdvice, PP_CLI_LOG_LEVEL],
  ['webroot.outside', checkWebRoots],
  ['network', checkNetwork],
  ['notify.url', checkNotifyUrl],
  ['rest', checkRest, PG_API],
];

/** The one skip line of a group the site's transport does not use. */
function notUsed(only: TransportOnly, transport: SiteTransport): CheckResult {
  return skip(
    only.group,
    only.title,
    bi(`payplus.transport ${transport}에서는 쓰지 않습니다: ${only.why.ko}`, `not used with transport ${transport}: ${only.why.en}.`),
  );
}

export async function runDoctor(conf: SiteConfData, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const ctx: DoctorContext = {
    conf,
    options,
    arch: options.arch ?? process.arch,
    identity: options.identity ?? currentIdentity(),
  };
  const transport = transportOf(conf);
  const results: CheckResult[] = [];
  const skipped = new Set<string>();
  for (const [id, check, only] of CHECKS) {
    if (only && only.transport !== transport) {
      if (!skipped.has(only.group)) results.push(notUsed(only, transport));
      skipped.add(only.group);
      continue;
    }
    try {
      const out = await check(ctx);
      results.push(...(Array.isArray(out) ? out : [out]));
    } catch (error) {
      results.push(
        fail(id, bi(`${id} (내부 오류)`, `${id} (internal error)`), bi(
          `점검 자체가 실패했습니다: ${maskText(error instanceof Error ? error.message : String(error))}.`,
          `the check itself failed: ${maskText(error instanceof Error ? error.message : String(error))}.`,
        ), {
          ko: '이 오류를 kcp-payplus 관리자에게 알려 주십시오.',
          en: 'report this error to the kcp-payplus maintainers.',
        }),
      );
    }
  }
  return results;
}

/** True when nothing failed (warnings and skips allowed). */
export function doctorPassed(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.status !== 'fail');
}
