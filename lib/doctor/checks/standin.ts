/**
 * Is <home>/bin/pp_cli this project's stand-in (native/standin/pp_cli.c) rather than KCP's module?
 *
 * The stand-in speaks plain HTTP to the simulator and connects only to loopback (or the one host named in
 * KCP_STANDIN_ALLOW_HOST). Left in place under a REAL config it must never pass: payments would fail with S202 at
 * best. Under a TEST config it is fine with the local simulator, and a warning anywhere else (it cannot talk to
 * KCP's test gateway). Recognised by the marker string compiled into it, without running it.
 */
import fs from 'node:fs';

import { isLoopbackHost } from '../../config/environment.js';
import { modulePath } from '../../payplus/module-path.js';
import { bi, fail, pass, skip, warn } from '../results.js';
import type { CheckResult, DoctorContext } from '../types.js';

/** The marker native/standin/pp_cli.c embeds (STANDIN_MARKER); KCP's module has no such string. */
export const STANDIN_MARKER = 'kcp-payplus stand-in pp_cli (not KCP software)';

const INSTALL_KCP = {
  ko: 'KCP에서 받은 pp_cli(64비트 서버는 pp_cli_x64)를 bin 폴더에 바이너리 모드로 올리고 chmod 755 하십시오. 스탠드인은 시뮬레이터 전용입니다.',
  en: "put KCP's own pp_cli (pp_cli_x64 on 64-bit servers) from KCP's package into bin/ in binary mode and chmod 755 it; the stand-in is for the simulator only.",
};

export function checkStandin(ctx: DoctorContext): CheckResult {
  const id = 'module.standin';
  const title = bi('pp_cli는 KCP 모듈 (스탠드인 아님)', "pp_cli is KCP's module, not the stand-in");
  const file = ctx.module?.path ?? modulePath(ctx.conf, ctx.arch);
  const bytes = ctx.module?.bytes ?? (fs.existsSync(file) && fs.statSync(file).size < 64 * 1024 * 1024 ? fs.readFileSync(file) : undefined);
  if (!bytes) return skip(id, title, bi('확인할 모듈 파일이 없습니다.', 'no module file to check.'));
  if (!bytes.includes(STANDIN_MARKER, 0, 'latin1')) return pass(id, title, bi(`${file}은(는) 스탠드인이 아닙니다.`, `${file} is not the stand-in.`));
  const { env, gwUrl, gwPort } = ctx.conf;
  if (env === 'REAL') {
    return fail(
      id,
      title,
      bi(
        `${file}은(는) kcp-payplus의 스탠드인(테스트용 대역)인데 REAL 설정입니다. KCP에 연결할 수 없고, 루프백 외의 ` +
          `호스트는 거부합니다.`,
        `${file} is kcp-payplus's stand-in (a test double), under a REAL config: it cannot reach KCP, would send the ` +
          `request in plain HTTP if it could, and refuses any host but loopback.`,
      ),
      INSTALL_KCP,
      '9502',
    );
  }
  const allowed = process.env.KCP_STANDIN_ALLOW_HOST;
  if (isLoopbackHost(gwUrl) || (allowed !== undefined && allowed !== '' && allowed === gwUrl)) {
    return pass(
      id,
      title,
      bi(
        `${file}은(는) 스탠드인이며 로컬 시뮬레이터 ${gwUrl}:${gwPort}(TEST)와 통신합니다.`,
        `${file} is the stand-in, talking to the local simulator at ${gwUrl}:${gwPort} (TEST).`,
      ),
    );
  }
  return warn(
    id,
    title,
    bi(
      `${file}은(는) kcp-payplus의 스탠드인인데 TEST 게이트웨이 ${gwUrl}은(는) 로컬 시뮬레이터가 아닙니다. 스탠드인은 ` +
        `루프백(또는 KCP_STANDIN_ALLOW_HOST)에만 연결하므로 모든 요청이 S202로 끝납니다.`,
      `${file} is kcp-payplus's stand-in, and the TEST gateway ${gwUrl} is not a local simulator: the stand-in ` +
        `connects only to loopback (or KCP_STANDIN_ALLOW_HOST), so every request would answer S202.`,
    ),
    {
      ko: `시뮬레이터(npx kcp-payplus sim)를 쓰려면 g_conf_gw_url을 127.0.0.1로, KCP 테스트 서버를 쓰려면 ${INSTALL_KCP.ko}`,
      en: `point g_conf_gw_url at the local simulator (127.0.0.1, npx kcp-payplus sim), or, to test against KCP, ${INSTALL_KCP.en}`,
    },
  );
}
