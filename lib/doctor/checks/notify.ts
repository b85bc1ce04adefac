/**
 * common_return: KCP posts virtual-account deposits and other notifications to a URL registered in the
 * merchant admin; without it deposits are never recorded. The SDK cannot see the admin, so it asks for
 * payplus.notify_url and warns when it is missing or unreachable from KCP (a loopback host).
 */
import { isLoopbackHost } from '../../config/environment.js';
import { bi, pass, warn } from '../results.js';
import type { CheckResult, DoctorContext } from '../types.js';

export function checkNotifyUrl(ctx: DoctorContext): CheckResult {
  const id = 'notify.url';
  const title = bi('공통통보 URL (common_return)', 'Notification URL (common_return)');
  const url = ctx.conf.notifyUrl;
  if (!url) {
    return warn(id, title, bi('payplus.notify_url이 없습니다. 가상계좌 입금 등 통보를 받으려면 필요합니다.', 'payplus.notify_url is not set; virtual-account deposits and other notifications need it.'), {
      ko: 'KCP 상점관리자 [상점정보관리 > 정보변경 > 공통 URL 정보]에 공통통보 URL을 등록하고 payplus.notify_url에도 적으십시오.',
      en: "register your common_return URL in KCP's merchant admin (상점정보관리 > 정보변경 > 공통 URL 정보) and set payplus.notify_url to it.",
    });
  }
  let host = '';
  try {
    host = new URL(url).hostname;
  } catch {
    host = '';
  }
  if (ctx.conf.env === 'REAL' && isLoopbackHost(host)) {
    return warn(id, title, bi(`${url}은(는) KCP가 접근할 수 없는 루프백 주소입니다.`, `${url} is a loopback address KCP cannot reach.`), {
      ko: '인터넷에서 접근 가능한 공통통보 URL을 등록하십시오.',
      en: 'register a URL KCP can reach from the internet.',
    });
  }
  return pass(id, title, url);
}
