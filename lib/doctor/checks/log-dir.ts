/**
 * The log folder: it must exist (or be creatable), be writable by the user that runs pp_cli — pp_cli
 * silently writes no log otherwise — and not be world-readable, since pp_cli at log level 3 writes
 * full responses. With payplus.transport 'rest' the same folder holds the SDK's log and payment store (no pp_cli log),
 * and the findings say so. Writability is judged by mode bits (see permissions.ts: root passes access()).
 */
import fs from 'node:fs';
import path from 'node:path';

import { transportOf } from '../../config/site-conf.js';
import { logDirsOf } from '../../log/paths.js';
import { privateDirProblem } from '../../log/private-files.js';
import { canWrite, octal, permissionClass } from '../permissions.js';
import { bi, fail, pass, warn } from '../results.js';
import type { CheckResult, DoctorContext } from '../types.js';

/** Who writes into the log folder, by transport: on REST, the SDK's log and payment store only (no pp_cli). */
const WRITERS = {
  pp_cli: {
    missing: bi('pp_cli 2.14와 SDK 로거는 상위 폴더에 쓸 수 있을 때만 만들고, pp_cli 2.00은 아무것도 기록하지 않습니다.', 'pp_cli 2.14 and the SDK logger create it only if the parent is writable, pp_cli 2.00 writes nothing.'),
    unwritable: bi('pp_cli가 로그를 남기지 못합니다.', 'pp_cli writes no log there.'),
    readable: bi('pp_cli 레벨 3 로그에는 응답 전문이 있습니다.', 'pp_cli logs at level 3 hold full responses.'),
  },
  rest: {
    missing: bi('SDK 로거는 상위 폴더에 쓸 수 있을 때만 만듭니다 (결제 저장소 payplus.sqlite도 이 폴더에 있습니다).', 'the SDK logger creates it only if the parent is writable (the payment store payplus.sqlite lives there too).'),
    unwritable: bi('SDK 로그와 결제 저장소를 쓸 수 없습니다.', "the SDK's log and payment store cannot be written there."),
    readable: bi('SDK 로그와 결제 저장소가 이 폴더에 있습니다.', "the SDK's log and payment store are there."),
  },
} as const;

function checkOne(ctx: DoctorContext, id: string, dir: string, why: string, whyKo: string): CheckResult {
  const title = bi(`로그 폴더 ${whyKo}`, `Log folder ${why}`);
  const writers = WRITERS[transportOf(ctx.conf)];
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  if (!st) {
    return warn(id, title, bi(`${dir} 폴더가 없습니다. ${writers.missing.ko}`, `${dir} does not exist; ${writers.missing.en}`), {
      ko: `로그 폴더를 만드십시오: mkdir -p ${dir} && chmod 700 ${dir} (웹 서버 사용자 소유로).`,
      en: `create it for the web server's user: mkdir -p ${dir} && chmod 700 ${dir}.`,
    });
  }
  if (!st.isDirectory()) {
    return fail(id, title, bi(`${dir}은(는) 폴더가 아닙니다.`, `${dir} is not a folder.`), {
      ko: `${dir} 위치에 로그 폴더를 만드십시오.`,
      en: `replace ${dir} with a folder (mode 700).`,
    });
  }
  const mode = st.mode & 0o777;
  const cls = permissionClass(st, ctx.identity);
  if (!canWrite(st, ctx.identity)) {
    return fail(id, title, bi(`${dir} (권한 ${octal(mode)}, 소유자 uid ${st.uid})에 uid ${ctx.identity.uid}가 쓸 수 없습니다 (${cls} 비트). ${writers.unwritable.ko}`, `${dir} (mode ${octal(mode)}, owner uid ${st.uid}) is not writable by uid ${ctx.identity.uid} (${cls} bits); ${writers.unwritable.en}`), {
      ko: `웹 서버 사용자가 쓸 수 있게 하십시오: chown <웹서버 사용자> ${dir} && chmod 700 ${dir}`,
      en: `make it writable by the web server's user: chown <web user> ${dir} && chmod 700 ${dir}.`,
    });
  }
  // The SDK logger's own rule (log/private-files.ts): it refuses to open such a folder, so doctor fails it too.
  const unsafe = privateDirProblem(dir, st, ctx.identity.uid < 0 ? undefined : ctx.identity.uid);
  if (unsafe) {
    return fail(id, title, bi(`${dir} 폴더를 다른 사용자가 바꿀 수 있습니다 (권한 ${octal(mode)}, 소유자 uid ${st.uid}): 결제 로그를 심거나 다른 파일로 연결할 수 있습니다. SDK 로거는 이 폴더를 열지 않습니다.`, `${dir} ${unsafe.problem}; the SDK logger refuses to open it.`), {
      ko: `${unsafe.fix.replace(/ \(750 if .*\)$/, '')} 하십시오 (웹 서버 그룹이 읽어야 하면 750).`,
      en: `${unsafe.fix}.`,
    });
  }
  if ((mode & 0o004) !== 0) {
    return warn(id, title, bi(`${dir}은(는) 누구나 읽을 수 있습니다 (권한 ${octal(mode)}). ${writers.readable.ko}`, `${dir} is world-readable (mode ${octal(mode)}); ${writers.readable.en}`), {
      ko: `다른 사용자가 읽지 못하게 chmod 700 ${dir} 하십시오 (웹 서버 그룹이 필요하면 750).`,
      en: `chmod 700 ${dir} (750 if the web server reads it through its group).`,
    });
  }
  return pass(id, title, bi(`${dir} (권한 ${octal(mode)})에 uid ${ctx.identity.uid}가 쓸 수 있습니다`, `${dir} (mode ${octal(mode)}) is writable by uid ${ctx.identity.uid}`));
}

export function checkLogDir(ctx: DoctorContext): CheckResult[] {
  const [main] = logDirsOf(ctx.conf);
  const results = [checkOne(ctx, 'log.dir', main, ctx.conf.logDir ? '(g_conf_log_dir)' : '(<home>/log)', ctx.conf.logDir ? '(g_conf_log_dir)' : '(<home>/log)')];
  const homeLog = path.resolve(ctx.conf.homeDir, 'log');
  const version = ctx.moduleVersion ?? ctx.conf.ppCliVersion;
  if (transportOf(ctx.conf) === 'pp_cli' && version === '2.00' && homeLog !== main) {
    results.push(checkOne(ctx, 'log.dir.home', homeLog, '(<home>/log, where pp_cli 2.00 always writes)', '(<home>/log, pp_cli 2.00이 항상 기록하는 곳)'));
  }
  return results;
}
