/**
 * runDoctor: the FAQ as code. Checks run in order because later ones use what earlier ones found
 * (the module's path and bytes, whether it can run, its version). A check that throws becomes a
 * failing result of its own instead of stopping the rest.
 */
import type { SiteConfData } from '../config/site-conf.js';
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
import { bi, fail } from './results.js';
import type { Check, CheckResult, DoctorContext, DoctorOptions } from './types.js';

export const CHECKS: readonly (readonly [string, Check])[] = [
  ['config.values', checkConfigValues],
  ['config.env', checkEnvironmentConsistency],
  ['config.extra_kcp_hosts', checkExtraKcpHosts],
  ['site.code', checkSiteCode],
  ['site.key', checkSiteKey],
  ['module.present', checkModulePresent],
  ['module.mode', checkModuleMode],
  ['module.integrity', checkModuleIntegrity],
  ['module.format', checkModuleFormat],
  ['module.smoke', checkModuleSmoke],
  ['module.standin', checkStandin],
  ['log.dir', checkLogDir],
  ['log.pp_cli_level', checkPpCliLogLevelAdvice],
  ['webroot.outside', checkWebRoots],
  ['network', checkNetwork],
  ['notify.url', checkNotifyUrl],
  ['rest', checkRest],
];

export async function runDoctor(conf: SiteConfData, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const ctx: DoctorContext = {
    conf,
    options,
    arch: options.arch ?? process.arch,
    identity: options.identity ?? currentIdentity(),
  };
  const results: CheckResult[] = [];
  for (const [id, check] of CHECKS) {
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
