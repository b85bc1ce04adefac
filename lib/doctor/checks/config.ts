/**
 * Configuration checks: values in range, site code and key well-formed (3014), and TEST/REAL
 * consistency between site code, payment-window JS and gateway host (3014 / 8001, manual FAQ).
 * The field rules are lib/config's own, so doctor and SiteConf can never disagree.
 */
import { classifyEnvironment, siteCdEnvironment } from '../../config/environment.js';
import {
  checkDir,
  checkGwPort,
  checkLogLevel,
  checkModuleType,
  checkNotifyUrl,
  checkPpCliLogLevel,
  checkSiteCd as siteCdRule,
  checkSiteKey as siteKeyRule,
  checkSiteName,
  isLowerCaseSiteCd,
} from '../../config/rules.js';
import { REAL_GW_URL, REAL_WEB_JS_URL, TEST_GW_URL, TEST_SITE_CD, TEST_SITE_KEY, TEST_WEB_JS_URL } from '../../config/site-conf.js';
import { PP_CLI_LOG_LEVEL_WARNING, recommendPpCliLogLevel } from '../../log/pp-cli-level.js';
import { bi, fail, pass, splitConfigMessage, warn } from '../results.js';
import type { Bilingual, CheckResult, DoctorContext } from '../types.js';

/** The Korean fix for each field (lib/config's messages carry the English one). */
export const KO_FIX_BY_FIELD: Record<string, string> = {
  g_conf_home_dir: 'bin 폴더 바로 위 폴더의 절대경로를 입력하십시오 (예: /home/pay/ax_hub_linux_php).',
  g_conf_log_dir: '로그 폴더의 절대경로를 입력하거나 비워 두십시오 (비우면 <home>/log).',
  g_conf_key_dir: '키 폴더의 절대경로를 입력하거나 비워 두십시오.',
  g_conf_gw_port: '게이트웨이 포트는 8090입니다. 다른 포트가 의도된 것이면 payplus.allow_nonstandard_port를 true로 설정하십시오.',
  g_conf_module_type: 'g_conf_module_type은 "01"로 고정하십시오 (변경불가).',
  g_conf_log_level: 'g_conf_log_level에는 0~3 사이의 정수를 입력하십시오.',
  g_conf_site_name: '상점 이름은 영문 20자 이내로 입력하십시오.',
  'payplus.notify_url': '공통통보(common_return) 페이지의 전체 URL(http/https)을 입력하십시오.',
  'payplus.pp_cli_log_level': 'pp_cli 로그 레벨은 0, 3, 5 중 하나로 입력하십시오.',
  g_conf_gw_url: '게이트웨이 호스트 이름만 입력하십시오 (테스트 testpaygw.kcp.co.kr, 리얼 paygw.kcp.co.kr). 포트는 g_conf_gw_port에 씁니다.',
  g_conf_js_url: '결제창 JS 주소를 입력하십시오 (테스트 https://pay.kcp.co.kr/plugin/payplus_test.js, 리얼 payplus.js).',
  g_conf_site_cd: 'KCP 연동 메일의 5자리 사이트코드를 대문자로 입력하십시오 (테스트: T0000).',
  g_conf_site_key: 'KCP 연동 메일의 사이트키 25자리를 끝의 "__"까지 그대로 입력하십시오.',
  'payplus.web_roots': '웹 서버 문서 루트를 절대경로로 입력하십시오 (예: /var/www/html).',
  'payplus.binary': 'payplus.binary는 "auto", "pp_cli", "pp_cli_x64" 중 하나로 입력하십시오.',
  'payplus.pp_cli_version': 'payplus.pp_cli_version은 "2.00" 또는 "2.14"로 입력하십시오.',
  'payplus.timeout_ms': 'payplus.timeout_ms에는 밀리초 단위의 양의 정수를 입력하십시오 (기본 60000).',
};

/**
 * Runs one lib/config rule; returns undefined when it passes, else the split message and, for the Korean finding,
 * the offending value as written (`shown`; given only for fields that are not secret).
 */
function rule(
  field: string,
  fn: () => unknown,
  shown?: { value: unknown },
): { field: string; problem: string; fix: string; resCd?: string; value?: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    const value = !shown ? undefined : shown.value === undefined || shown.value === '' ? '(없음)' : JSON.stringify(String(shown.value));
    return { field, ...splitConfigMessage(error instanceof Error ? error.message : String(error)), value };
  }
}

/** Everything but site code/key and TEST/REAL, which have checks of their own. */
export function checkConfigValues(ctx: DoctorContext): CheckResult {
  const { conf } = ctx;
  const id = 'config.values';
  const title = bi('설정값', 'Configuration values');
  const problems = [
    rule('g_conf_home_dir', () => checkDir('g_conf_home_dir', conf.homeDir, '/home/pay/ax_hub_linux_php', false), { value: conf.homeDir }),
    rule('g_conf_log_dir', () => checkDir('g_conf_log_dir', conf.logDir, '/home/pay/ax_hub_linux_php/log', true), { value: conf.logDir }),
    rule('g_conf_key_dir', () => checkDir('g_conf_key_dir', conf.keyDir, '/home/pay/ax_hub_linux_php/key', true), { value: conf.keyDir }),
    rule('g_conf_gw_port', () => checkGwPort(conf.gwPort, conf.allowNonstandardPort), { value: conf.gwPort }),
    rule('g_conf_module_type', () => checkModuleType(conf.moduleType), { value: conf.moduleType }),
    rule('g_conf_log_level', () => checkLogLevel(conf.logLevel), { value: conf.logLevel }),
    rule('g_conf_site_name', () => checkSiteName(conf.siteName), { value: conf.siteName }),
    rule('payplus.notify_url', () => checkNotifyUrl(conf.notifyUrl), { value: conf.notifyUrl }),
    rule('payplus.pp_cli_log_level', () => checkPpCliLogLevel(conf.ppCliLogLevel, conf.allowPpCliRequestDump), { value: conf.ppCliLogLevel }),
  ].filter((p) => p !== undefined);
  if (problems.length === 0) {
    return pass(id, title, bi(
      `홈 ${conf.homeDir}, 게이트웨이 포트 ${conf.gwPort}, module_type 01, SDK 로그 레벨 ${conf.logLevel}`,
      `home ${conf.homeDir}, gateway port ${conf.gwPort}, module_type 01, SDK log level ${conf.logLevel}`,
    ));
  }
  // The Korean finding names each field with the value written there (log level 7, port 80…), as the English one does.
  const fields = problems.map((p) => (p.value === undefined ? p.field : `${p.field} = ${p.value}`)).join(', ');
  return fail(id, title, bi(`잘못된 설정 ${problems.length}개: ${fields}.`, problems.map((p) => p.problem).join(' ')), {
    ko: problems.map((p) => KO_FIX_BY_FIELD[p.field] ?? `${p.field} 설정값을 고치십시오.`).join(' '),
    en: problems.map((p) => `${p.field}: ${p.fix}`).join(' '),
  });
}

export function checkSiteCode(ctx: DoctorContext): CheckResult {
  const id = 'site.code';
  const title = bi('사이트코드 (g_conf_site_cd)', 'Site code (g_conf_site_cd)');
  const problem = rule('g_conf_site_cd', () => siteCdRule(ctx.conf.siteCd));
  if (!problem) return pass(id, title, `"${ctx.conf.siteCd}" (${siteCdEnvironment(ctx.conf.siteCd)})`);
  const lower = isLowerCaseSiteCd(ctx.conf.siteCd);
  return fail(
    id,
    title,
    bi(
      lower
        ? `"${ctx.conf.siteCd}"에 소문자가 있습니다.`
        : `"${ctx.conf.siteCd}"는 영문 대문자·숫자 5자리가 아닙니다 (${ctx.conf.siteCd.length}자).`,
      problem.problem,
    ),
    {
      ko: lower
        ? `사이트코드의 영문은 반드시 대문자로 입력하십시오: "${ctx.conf.siteCd.toUpperCase()}".`
        : 'KCP 연동 메일의 5자리 사이트코드를 공백 없이 그대로 입력하십시오 (테스트: T0000).',
      en: problem.fix,
    },
    '3014',
  );
}

export function checkSiteKey(ctx: DoctorContext): CheckResult {
  const id = 'site.key';
  const title = bi('사이트키 (g_conf_site_key)', 'Site key (g_conf_site_key)');
  const ko = 'KCP 연동 메일의 사이트키 25자리를 끝의 "__"까지 그대로, 따옴표 한 쌍 안에 입력하십시오.';
  const problem = rule('g_conf_site_key', () => siteKeyRule(ctx.conf.siteKey));
  if (problem) {
    return fail(id, title, bi(`사이트키가 형식에 맞지 않습니다: 25자, 끝이 "__", 따옴표·공백·쉼표 없음 (현재 ${ctx.conf.siteKey.length}자, 값은 표시하지 않음).`, problem.problem), { ko, en: problem.fix }, '3014');
  }
  if (ctx.conf.siteCd === TEST_SITE_CD && ctx.conf.siteKey !== TEST_SITE_KEY) {
    return fail(
      id,
      title,
      bi(`g_conf_site_key가 ${TEST_SITE_CD}의 공개 테스트 사이트키가 아닙니다.`, `g_conf_site_key is not KCP's published test key for ${TEST_SITE_CD}.`),
      {
        ko: `${TEST_SITE_CD}에는 KCP가 공개한 테스트 사이트키를 사용하십시오 (샘플 site_conf_inc 참고).`,
        en: `use the public test key of ${TEST_SITE_CD} from KCP's sample site_conf_inc.`,
      },
      '3014',
    );
  }
  return pass(id, title, bi('25자, "__"로 끝남 (값은 표시하지 않음)', '25 characters ending in "__" (not shown)'));
}

type Env = 'TEST' | 'REAL';

const FIX_3014: Bilingual = {
  ko: 'site_cd와 결제창 JS를 같은 환경으로 맞추십시오: 테스트는 T0000 + testpay.kcp.co.kr의 payplus_web.jsp(플러그인: payplus_test.js), 리얼은 계약 사이트코드 + pay.kcp.co.kr의 payplus_web.jsp(플러그인: payplus.js).',
  en: 'make the site code and the payment-window JS the same world: T0000 with payplus_web.jsp on testpay.kcp.co.kr (plug-in: payplus_test.js), or your contracted code with payplus_web.jsp on pay.kcp.co.kr (plug-in: payplus.js).',
};

function fix8001(site: Env): Bilingual {
  return site === 'REAL'
    ? {
        ko: `리얼 사이트코드와 리얼 JS에는 리얼 게이트웨이 ${REAL_GW_URL}를 설정하십시오 (${TEST_GW_URL}는 테스트 전용).`,
        en: `use the REAL gateway ${REAL_GW_URL} with a REAL site code and payplus.js (${TEST_GW_URL} is for TEST only).`,
      }
    : {
        ko: `테스트 사이트코드와 테스트 JS에는 테스트 게이트웨이 ${TEST_GW_URL}(또는 로컬 시뮬레이터)를 설정하십시오.`,
        en: `use the TEST gateway ${TEST_GW_URL} (or the local simulator) with a TEST site code and payplus_test.js.`,
      };
}

/**
 * The manual: site code vs JS out of step → 3014 (미등록 가맹점); JS and gateway out of step → 8001
 * (사이트 DB 설정 오류), e.g. REAL code and JS with testpaygw. The verdict is lib/config's classifyEnvironment, the
 * rule SiteConf applies: the gateway is compared with the site code once site code and JS agree.
 */
export function checkEnvironmentConsistency(ctx: DoctorContext): CheckResult {
  const id = 'config.env';
  const title = bi('TEST/REAL 일치', 'TEST/REAL consistency');
  const { siteCd, jsUrl, gwUrl } = ctx.conf;
  // A lower-case t0000 is still meant as TEST (site.code reports the case itself).
  const v = classifyEnvironment({ siteCd: siteCd.toUpperCase(), jsUrl, gwUrl, extraHosts: ctx.conf.extraKcpHosts });
  if (v.ok) {
    const where = v.gw.local ? `local simulator ${gwUrl}` : gwUrl;
    const whereKo = v.gw.local ? `로컬 시뮬레이터 ${gwUrl}` : gwUrl;
    return pass(id, title, bi(`모두 ${v.env}: 사이트코드 ${siteCd}, 게이트웨이 ${whereKo}, JS ${jsUrl}`, `all ${v.env}: site code ${siteCd}, gateway ${where}, JS ${jsUrl}`));
  }
  switch (v.kind) {
    case 'js_unknown':
      return fail(id, title, bi(`g_conf_js_url "${jsUrl}"은(는) KCP 결제창 스크립트도, 로컬 시뮬레이터 주소도 아닙니다.`, `g_conf_js_url "${jsUrl}" is not a KCP payment-window script nor a local simulator URL.`), {
        ko: `결제창 JS 주소를 표준웹 결제창(테스트 ${TEST_WEB_JS_URL}, 리얼 ${REAL_WEB_JS_URL})으로 설정하십시오.`,
        en: `set g_conf_js_url to the standard-web window: ${TEST_WEB_JS_URL} (TEST) or ${REAL_WEB_JS_URL} (REAL).`,
      });
    case 'gw_unknown':
      return fail(id, title, bi(`g_conf_gw_url "${gwUrl}"은(는) ${TEST_GW_URL}, ${REAL_GW_URL}, 로컬 시뮬레이터 중 어느 것도 아닙니다.`, `g_conf_gw_url "${gwUrl}" is neither ${TEST_GW_URL} nor ${REAL_GW_URL} nor a local simulator.`), {
        ko: `게이트웨이 호스트를 테스트 ${TEST_GW_URL} 또는 리얼 ${REAL_GW_URL}로 설정하십시오.`,
        en: `set g_conf_gw_url to ${TEST_GW_URL} (TEST) or ${REAL_GW_URL} (REAL).`,
      });
    case 'js_insecure':
      return fail(id, title, bi(`g_conf_js_url: ${v.problem}.`, `g_conf_js_url: ${v.problem}.`), {
        ko: `리얼 결제창 JS는 https로만 불러오십시오: ${REAL_WEB_JS_URL}`,
        en: `load the REAL payment window over https only: ${REAL_WEB_JS_URL}`,
      });
    case 'local_with_real':
      return fail(id, title, bi(`리얼 사이트코드 "${siteCd}"에 로컬 시뮬레이터가 설정되어 있습니다.`, `a local simulator is configured with the REAL site code "${siteCd}".`), {
        ko: '로컬 시뮬레이터는 테스트 사이트코드(T0000)와 함께만 사용하십시오.',
        en: 'use the local simulator only with a TEST site code (T0000).',
      });
    case 'site_js':
      return fail(
        id,
        title,
        bi(
          `g_conf_site_cd "${siteCd}"은(는) ${v.site} 사이트코드인데 g_conf_js_url "${jsUrl}"은(는) ${v.js.env} 결제창입니다.`,
          `g_conf_site_cd "${siteCd}" is a ${v.site} site code but g_conf_js_url "${jsUrl}" is the ${v.js.env} payment window.`,
        ),
        FIX_3014,
        v.resCd,
      );
    case 'site_gw':
      return fail(
        id,
        title,
        bi(
          `g_conf_gw_url "${gwUrl}"은(는) ${v.gw.env} 게이트웨이인데 g_conf_site_cd "${siteCd}"와 g_conf_js_url은 ${v.site}입니다.`,
          `g_conf_gw_url "${gwUrl}" is the ${v.gw.env} gateway but g_conf_site_cd "${siteCd}" and g_conf_js_url are ${v.site}.`,
        ),
        fix8001(v.site),
        v.resCd,
      );
  }
}

/**
 * payplus.extra_kcp_hosts: every host added to KCP's table by hand is shown as a warning, so an entry nobody
 * remembers adding (or one an intruder added to send the site key elsewhere) is seen at every doctor run.
 */
export function checkExtraKcpHosts(ctx: DoctorContext): CheckResult[] {
  const id = 'config.extra_kcp_hosts';
  const title = bi('추가한 KCP 호스트', 'KCP hosts added by hand');
  const extra = ctx.conf.extraKcpHosts ?? [];
  if (extra.length === 0) return [];
  const list = extra.map((e) => `${e.host} (${e.env} ${e.role})`).join(', ');
  return [warn(
    id,
    title,
    bi(
      `payplus.extra_kcp_hosts가 KCP 호스트로 인정됩니다: ${list}. 사이트키와 결제 데이터가 이 호스트로 갑니다.`,
      `payplus.extra_kcp_hosts makes these count as KCP's: ${list}. The site key and payment data go to them.`,
    ),
    {
      ko: 'KCP가 공지한 호스트인지 확인하십시오 (KCP 기술지원, 연동 메일). KCP의 호스트가 아니면 항목을 지우십시오. SDK를 새 버전으로 올리면 표에 있는 호스트의 항목은 지워야 합니다.',
      en: "check that KCP announced each host (KCP's technical support, the integration mail); remove any entry that is not KCP's. Once an SDK release has the host in its table, remove the entry.",
    },
  )];
}

/** pp_cli's own log level: 3 writes full responses; fine on TEST, a PII risk on REAL. */
export function checkPpCliLogLevelAdvice(ctx: DoctorContext): CheckResult {
  const id = 'log.pp_cli_level';
  const title = bi('pp_cli 로그 레벨', "pp_cli's log level");
  const { env, ppCliLogLevel } = ctx.conf;
  const recommended = recommendPpCliLogLevel(env);
  if (ppCliLogLevel > 3) {
    return warn(
      id,
      title,
      `${env} site with pp_cli log_level ${ppCliLogLevel} (payplus.allow_pp_cli_request_dump): pp_cli writes every request ` +
        `body into its log, the payment window's enc_data and the buyer's data included, unmasked.`,
      {
        ko: `디버깅이 끝나면 payplus.pp_cli_log_level을 ${recommended}으로 되돌리고 allow_pp_cli_request_dump를 지우십시오. 이미 쓰인 pp_cli 로그를 지우십시오.`,
        en: `when debugging is done, set payplus.pp_cli_log_level back to ${recommended}, remove allow_pp_cli_request_dump, and delete the pp_cli logs written meanwhile.`,
      },
    );
  }
  if (env === 'REAL' && ppCliLogLevel >= 3) {
    return warn(id, title, bi(`${env} 사이트의 pp_cli log_level이 ${ppCliLogLevel}입니다: pp_cli가 응답 전문 전체를 기록합니다.`, `${env} site with pp_cli log_level ${ppCliLogLevel}: pp_cli logs every full response.`), {
      ko: `payplus.pp_cli_log_level을 ${recommended}으로 설정하십시오. ${PP_CLI_LOG_LEVEL_WARNING.ko}`,
      en: `set payplus.pp_cli_log_level to ${recommended}. ${PP_CLI_LOG_LEVEL_WARNING.en}`,
    });
  }
  return pass(id, title, bi(`${env} 사이트, pp_cli log_level ${ppCliLogLevel} (권장 ${recommended})`, `${env} site, pp_cli log_level ${ppCliLogLevel} (recommended ${recommended})`));
}
