/**
 * KCP's REST API (PG-API) credentials and host (issue 19 item 3): the certificate, key and password files exist with
 * private modes, the key decrypts with the configured password, key and certificate belong together, the certificate
 * is valid (warning 30 days before it expires: KCP's widely copied test certificate expired on 2026-06-28), and the
 * host is KCP's host of the site's environment. restChecks gives no result while no PG-API certificate is configured;
 * the doctor runs checkRest on transport rest only, where that is a failure.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isLoopbackHost } from '../../config/environment.js';
import { REST_HOSTS, restDurableAnswers, restHostEnvironment } from '../../config/rest.js';
import type { SiteConfData } from '../../config/site-conf.js';
import { RestCredentials, serializeCertificate, certificatePem, type KeyPasswordSource } from '../../gateway/rest/credentials.js';
import { maskText } from '../../log/mask.js';
import { canRead, octal } from '../permissions.js';
import { bi, fail, pass, warn } from '../results.js';
import type { CheckResult, DoctorContext, Identity } from '../types.js';

const DAY = 24 * 60 * 60 * 1000;
export const CERT_WARN_DAYS = 30;

export interface RestCheckOptions {
  readonly now?: Date;
  readonly identity: Identity;
}

const ISSUE_FIX = {
  ko: 'partner.kcp.co.kr > 고객센터 > 인증센터 > KCP PG-API 에서 인증서와 개인키를 (재)발급 받으십시오.',
  en: "(re)issue the certificate and key in KCP's merchant admin: partner.kcp.co.kr > 고객센터 > 인증센터 > KCP PG-API.",
};

function fileCheck(id: string, label: string, file: string, who: Identity, strict: boolean): CheckResult {
  const title = bi(`${label} 파일`, `${label} file`);
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    return fail(id, title, bi(`${file}: 없음 (${(err as NodeJS.ErrnoException).code ?? ''})`, `${file}: missing (${(err as NodeJS.ErrnoException).code ?? ''})`), ISSUE_FIX);
  }
  if (!st.isFile()) return fail(id, title, bi(`${file}: 파일이 아닙니다`, `${file}: not a file`), ISSUE_FIX);
  if (!canRead(st, who)) {
    return fail(id, title, bi(`${file}: 읽을 수 없습니다 (${octal(st.mode)})`, `${file}: not readable by this user (${octal(st.mode)})`), {
      ko: `서버 사용자 소유로 바꾸고 chmod 600 ${file}`,
      en: `make the server's user own it and chmod 600 ${file}`,
    });
  }
  if ((st.mode & 0o077) !== 0) {
    const detail = bi(`${file}: 다른 사용자도 접근 가능 (${octal(st.mode)})`, `${file}: group/other can access it (${octal(st.mode)})`);
    const fix = { ko: `chmod 600 ${file}`, en: `chmod 600 ${file}` };
    return strict ? fail(id, title, detail, fix) : warn(id, title, detail, fix);
  }
  return pass(id, title, `${file} (${octal(st.mode)})`);
}

/** The checks on a configuration, with an injectable clock (tests). */
export function restChecks(conf: SiteConfData, options: RestCheckOptions): CheckResult[] {
  const { restCertFile, restKeyFile, restKeyPasswordEnv, restKeyPasswordFile } = conf;
  if (!restCertFile || !restKeyFile) {
    // Not configured: the pp_cli transport's report stays as it was (no line at all).
    return [];
  }
  const out: CheckResult[] = [];
  const now = options.now ?? new Date();
  out.push(fileCheck('rest.cert_file', 'PG-API 인증서 / certificate', restCertFile, options.identity, false));
  out.push(fileCheck('rest.key_file', 'PG-API 개인키 / private key', restKeyFile, options.identity, true));
  if (restKeyPasswordFile) out.push(fileCheck('rest.password_file', '개인키 비밀번호 / key password', restKeyPasswordFile, options.identity, true));
  if (out.some((r) => r.status === 'fail')) return [...out, hostCheck(conf)];

  // Expiry first: an expired certificate fails even when the key is fine.
  let cert: X509Certificate | undefined;
  const expiryTitle = bi('PG-API 인증서 유효기간', 'PG-API certificate validity');
  try {
    cert = new X509Certificate(certificatePem(serializeCertificate(readFileSync(restCertFile, 'utf8'))));
  } catch (err) {
    out.push(fail('rest.cert_valid', expiryTitle, bi(`인증서를 읽을 수 없습니다: ${maskText(String(err))}`, `the certificate cannot be read: ${maskText(err instanceof Error ? err.message : String(err))}`), ISSUE_FIX));
  }
  if (cert) {
    const notAfter = new Date(cert.validTo);
    const notBefore = new Date(cert.validFrom);
    const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY);
    const when = notAfter.toISOString().slice(0, 10);
    if (now < notBefore) out.push(fail('rest.cert_valid', expiryTitle, bi(`${notBefore.toISOString().slice(0, 10)}부터 유효합니다`, `not valid before ${notBefore.toISOString().slice(0, 10)}`), ISSUE_FIX));
    else if (now > notAfter) out.push(fail('rest.cert_valid', expiryTitle, bi(`${when}에 만료되었습니다`, `expired on ${when}`), ISSUE_FIX));
    else if (days < CERT_WARN_DAYS) out.push(warn('rest.cert_valid', expiryTitle, bi(`${when}에 만료됩니다 (${days}일 남음)`, `expires on ${when} (in ${days} days)`), ISSUE_FIX));
    else out.push(pass('rest.cert_valid', expiryTitle, bi(`${when}까지 유효 (${days}일)`, `valid until ${when} (${days} days)`)));
  }

  const keyTitle = bi('PG-API 개인키 복호화와 인증서 일치', 'PG-API key decrypts and matches the certificate');
  const password: KeyPasswordSource | undefined = restKeyPasswordEnv ? { env: restKeyPasswordEnv } : restKeyPasswordFile ? { file: restKeyPasswordFile } : undefined;
  try {
    RestCredentials.fromFiles({ certFile: restCertFile, keyFile: restKeyFile, password: password ?? { value: '' } });
    out.push(pass('rest.key', keyTitle, bi('개인키가 복호화되고 인증서와 짝이 맞습니다', 'the key decrypts and belongs to the certificate')));
  } catch (err) {
    const message = maskText(err instanceof Error ? err.message : String(err));
    out.push(fail('rest.key', keyTitle, message, {
      ko: '비밀번호 출처(payplus.rest_key_password_env / rest_key_password_file)와, 인증서와 함께 발급된 개인키인지 확인하십시오.',
      en: 'check the password source (payplus.rest_key_password_env / rest_key_password_file) and that the key was issued with the certificate.',
    }));
  }
  out.push(hostCheck(conf), durableCheck(conf));
  return out;
}

/** payplus.rest_durable_answers: shown, and a warning when off (a crash mid-approval then needs a person). */
function durableCheck(conf: SiteConfData): CheckResult {
  const id = 'rest.durable_answers';
  const title = bi('PG-API 승인 응답 파일', 'PG-API answers survive the worker');
  if (restDurableAnswers(conf)) {
    return pass(id, title, bi('payplus.rest_durable_answers: 켜짐 (승인마다 자식 프로세스가 응답 파일에 씁니다)', 'payplus.rest_durable_answers: on (a child process per approval writes its answer file)'));
  }
  return warn(id, title, bi(
    'payplus.rest_durable_answers: 꺼짐 — 승인 중에 작업 프로세스가 죽으면 그 주문은 KCP 관리자에서 사람이 확인할 때까지 막힙니다',
    "payplus.rest_durable_answers: off — an approval whose worker dies mid-exchange stays unknown, its order blocked, until a person checks KCP's admin",
  ), { ko: 'payplus.rest_durable_answers를 지우거나 true로 하십시오.', en: 'leave payplus.rest_durable_answers out, or set it to true.' });
}

function hostCheck(conf: SiteConfData): CheckResult {
  const id = 'rest.host';
  const title = bi('PG-API 호스트와 TEST/REAL', 'PG-API host matches TEST/REAL');
  const host = conf.restUrl ? new URL(conf.restUrl).hostname : REST_HOSTS[conf.env];
  const hostEnv = restHostEnvironment(host);
  const fix = { ko: `payplus.rest_url을 비우거나 https://${REST_HOSTS[conf.env]} 로 하십시오.`, en: `leave payplus.rest_url out or set https://${REST_HOSTS[conf.env]}.` };
  if (hostEnv === conf.env) return pass(id, title, `${host} (${conf.env}, site ${conf.siteCd})`);
  if (hostEnv !== undefined) return fail(id, title, bi(`${host}는 ${hostEnv} 호스트인데 사이트 ${conf.siteCd}는 ${conf.env}입니다`, `${host} is the ${hostEnv} host but site ${conf.siteCd} is ${conf.env}`), fix);
  if (isLoopbackHost(host) && conf.env === 'TEST') return pass(id, title, bi(`${host}: 로컬 시뮬레이터`, `${host}: the local simulator`));
  return warn(id, title, bi(`${host}는 KCP의 PG-API 호스트가 아닙니다`, `${host} is not one of KCP's PG-API hosts`), fix);
}

/** The doctor's check (run on transport rest only, run.ts): there, missing files are a failure, not silence. */
export function checkRest(ctx: DoctorContext): CheckResult[] {
  const { restCertFile, restKeyFile } = ctx.conf;
  if (!restCertFile || !restKeyFile) {
    const names = [restCertFile ? undefined : 'payplus.rest_cert_file', restKeyFile ? undefined : 'payplus.rest_key_file'].filter(Boolean);
    const missing = names.join(', ');
    return [fail('rest.cert_file', bi('PG-API 인증서와 개인키', 'PG-API certificate and key'), bi(
      `payplus.transport가 'rest'인데 ${missing}이(가) 없습니다.`,
      `payplus.transport is 'rest' but ${missing} ${names.length > 1 ? 'are' : 'is'} not set.`,
    ), {
      ko: `${ISSUE_FIX.ko} 그 파일들을 payplus.rest_cert_file, rest_key_file, rest_key_password_env(또는 _file)에 적으십시오.`,
      en: `${ISSUE_FIX.en} Name the files in payplus.rest_cert_file, rest_key_file and rest_key_password_env (or _file).`,
    })];
  }
  return restChecks(ctx.conf, { identity: ctx.identity });
}
