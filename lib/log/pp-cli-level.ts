/**
 * Advice on pp_cli's own `log_level` argument. pp_cli writes TX_START/TX_ENDED (with the full result
 * string) at every level, and the gateway connection steps at level 3. On KCP's test site the result
 * holds unmasked test card numbers, so level 3 logs are PII; the SDK cannot mask files pp_cli writes.
 */
import type { KcpEnvironment } from '../config/site-conf.js';

export interface Bilingual {
  ko: string;
  en: string;
}

export const PP_CLI_LOG_LEVEL_WARNING: Bilingual = {
  ko:
    'pp_cli 로그 레벨 3은 응답 전문 전체를 기록합니다(테스트 사이트는 카드번호가 그대로 남습니다). ' +
    'TEST에서는 추적을 위해 3을, REAL에서는 꼭 필요할 때가 아니면 0을 권장합니다. ' +
    'bin/log 폴더는 반드시 웹 루트 밖에 두십시오.',
  en:
    'pp_cli log level 3 writes full responses (test sites show card numbers). ' +
    'Use 3 on TEST for tracing and 0 on REAL unless you need it; keep bin/ and log/ outside web roots.',
};

/** 3 on TEST (tracing is worth more than the test cards' privacy), 0 on REAL (keep card data off disk). */
export function recommendPpCliLogLevel(env: KcpEnvironment): 0 | 3 {
  return env === 'TEST' ? 3 : 0;
}
