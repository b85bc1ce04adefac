/**
 * The 9502 / S102 checks (manual FAQ "연동 모듈 호출 오류"): pp_cli present under <home>/bin, mode 755,
 * an executable this machine can run (ELF class/machine and loader, or a script whose interpreter
 * exists), not damaged by an ASCII-mode upload, and answering `pp_cli -x` with its usage banner and
 * res_cd=S102 — the manual's own smoke test.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { execa } from 'execa';
import iconv from 'iconv-lite';

import { modulePath } from '../../payplus/module-path.js';
import { maskText } from '../../log/mask.js';
import { parseUsageBanner } from '../../wire.js';
import { crlfDamage, fitToHost, hostMachineLabel, isElf, machineName, parseElf } from '../elf.js';
import { canExecute, octal } from '../permissions.js';
import { bi, fail, pass, skip, warn, type Text } from '../results.js';
import type { Bilingual, CheckResult, DoctorContext } from '../types.js';

const CODE = '9502';
/** Modules are a few MB; anything far larger is not pp_cli and is not read whole. */
const MAX_MODULE_BYTES = 64 * 1024 * 1024;

const UPLOAD_BINARY: Bilingual = {
  ko: 'KCP 패키지의 pp_cli를 FTP "바이너리(BINARY)" 모드로 다시 업로드하고 chmod 755 하십시오.',
  en: 'upload pp_cli from KCP\'s package again in FTP BINARY mode (not ASCII), then chmod 755 it.',
};

function title(ctx: DoctorContext, what: string, ko: string): Text {
  const name = ctx.module ? path.basename(ctx.module.path) : 'pp_cli';
  return bi(`${name} ${ko}`, `${name} ${what}`);
}

const NO_MODULE = bi('점검할 모듈 파일이 없습니다.', 'no module file to check.');

function notRunnable(ctx: DoctorContext): void {
  if (ctx.module) ctx.module.runnable = false;
}

export function checkModulePresent(ctx: DoctorContext): CheckResult {
  const id = 'module.present';
  const { homeDir } = ctx.conf;
  const file = modulePath(ctx.conf, ctx.arch);
  ctx.module = { path: file, runnable: false };
  const t = title(ctx, 'present', '존재');
  if (!fs.existsSync(homeDir)) {
    return fail(id, t, bi(`g_conf_home_dir ${homeDir} 폴더가 없습니다.`, `g_conf_home_dir ${homeDir} does not exist.`), {
      ko: 'g_conf_home_dir에 bin 폴더 바로 위 폴더의 절대경로를 입력하십시오 (bin 전까지).',
      en: 'set g_conf_home_dir to the absolute path of the folder that contains bin/ (up to, not including, bin).',
    }, CODE);
  }
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st) {
    const bin = path.join(homeDir, 'bin');
    const present = fs.existsSync(bin) ? fs.readdirSync(bin).filter((n) => n.startsWith('pp_cli')) : [];
    const others = present.length ? ` ${bin} holds: ${present.join(', ')}.` : fs.existsSync(bin) ? ` ${bin} holds no pp_cli.` : ` ${bin} does not exist.`;
    const othersKo = present.length ? ` ${bin}에 있는 것: ${present.join(', ')}.` : fs.existsSync(bin) ? ` ${bin}에 pp_cli가 없습니다.` : ` ${bin} 폴더가 없습니다.`;
    return fail(id, t, bi(`${file} 파일이 없습니다.${othersKo}`, `${file} is missing.${others}`), {
      ko: `KCP 패키지의 pp_cli(64비트 서버는 pp_cli_x64)를 ${bin}에 바이너리 모드로 올리고 chmod 755 하십시오. 다른 위치라면 g_conf_home_dir를 고치십시오.`,
      en: `upload pp_cli (pp_cli_x64 on 64-bit servers) from KCP's package to ${bin} in binary mode and chmod 755 it, or fix g_conf_home_dir if it lives elsewhere.`,
    }, CODE);
  }
  if (!st.isFile()) {
    return fail(id, t, bi(`${file}은(는) 일반 파일이 아닙니다.`, `${file} is not a regular file.`), {
      ko: `${file} 위치에 KCP의 pp_cli 파일을 두십시오.`,
      en: `put KCP's pp_cli file at ${file}.`,
    }, CODE);
  }
  if (st.size > MAX_MODULE_BYTES) {
    return fail(id, t, bi(`${file}은(는) ${st.size}바이트로 KCP 모듈보다 훨씬 큽니다.`, `${file} is ${st.size} bytes, far larger than KCP's module.`), UPLOAD_BINARY, CODE);
  }
  ctx.module = { path: file, bytes: fs.readFileSync(file), mode: st.mode, uid: st.uid, gid: st.gid, runnable: true };
  return pass(id, t, bi(`${file} (${st.size}바이트)`, `${file} (${st.size} bytes)`));
}

export function checkModuleMode(ctx: DoctorContext): CheckResult {
  const id = 'module.mode';
  const t = title(ctx, 'permissions', '권한');
  const m = ctx.module;
  if (!m?.bytes || m.mode === undefined) return skip(id, t, NO_MODULE);
  const chmod: Bilingual = {
    ko: `실행 권한을 755로 설정하십시오: chmod 755 ${m.path}`,
    en: `make it executable for the web server's user: chmod 755 ${m.path}`,
  };
  const mode = m.mode & 0o777;
  const who = { mode: m.mode, uid: m.uid ?? -1, gid: m.gid ?? -1 };
  if ((mode & 0o755) !== 0o755 || !canExecute(who, ctx.identity)) {
    notRunnable(ctx);
    const by = canExecute(who, ctx.identity) ? '' : ` and not executable by uid ${ctx.identity.uid}`;
    const byKo = canExecute(who, ctx.identity) ? '' : ` uid ${ctx.identity.uid}가 실행할 수 없습니다.`;
    return fail(id, t, bi(`권한 ${octal(mode)}이(가) 0755보다 낮습니다.${byKo}`, `mode ${octal(mode)} is below 0755${by}.`), chmod, CODE);
  }
  if ((mode & 0o022) !== 0) {
    return warn(id, t, bi(`권한 ${octal(mode)}: 그룹이나 다른 사용자가 모듈을 바꿀 수 있습니다.`, `mode ${octal(mode)}: group or others may replace the module.`), {
      ko: `다른 사용자가 모듈을 바꿀 수 없도록 chmod 755 ${m.path} 하십시오.`,
      en: `chmod 755 ${m.path} so nobody else can replace the module.`,
    });
  }
  return pass(id, t, bi(`권한 ${octal(mode)}`, `mode ${octal(mode)}`));
}

/** ASCII-mode damage: every LF became CRLF, or the size/hash differs from KCP's file. */
export function checkModuleIntegrity(ctx: DoctorContext): CheckResult {
  const id = 'module.integrity';
  const t = title(ctx, 'integrity', '무결성');
  const m = ctx.module;
  if (!m?.bytes) return skip(id, t, NO_MODULE);
  const sha256 = createHash('sha256').update(m.bytes).digest('hex');
  const expected = ctx.options.expectedModule;
  if (expected?.size !== undefined && expected.size !== m.bytes.length) {
    notRunnable(ctx);
    return fail(id, t, bi(`크기 ${m.bytes.length}바이트가 KCP 파일의 ${expected.size}바이트와 다릅니다 (ASCII 모드 업로드는 크기를 바꿉니다).`, `size ${m.bytes.length} bytes differs from KCP's ${expected.size} bytes (an ASCII-mode upload changes the size).`), UPLOAD_BINARY, CODE);
  }
  if (expected?.sha256 !== undefined && expected.sha256.toLowerCase() !== sha256) {
    notRunnable(ctx);
    return fail(id, t, bi(`sha256 ${sha256}이(가) 기대값 ${expected.sha256.toLowerCase()}과(와) 다릅니다.`, `sha256 ${sha256} differs from the expected ${expected.sha256.toLowerCase()}.`), UPLOAD_BINARY, CODE);
  }
  if (isElf(m.bytes)) {
    const pairs = crlfDamage(m.bytes);
    if (pairs > 0) {
      notRunnable(ctx);
      return fail(id, t, bi(`이 ELF 파일의 모든 LF 앞에 CR이 있습니다 (CRLF ${pairs}쌍): ASCII 모드로 업로드되었습니다.`, `every LF byte in this ELF file is preceded by CR (${pairs} CRLF pairs): it was uploaded in ASCII mode.`), UPLOAD_BINARY, CODE);
    }
  }
  const against = expected ? 'matches the expected size/sha256' : 'no ASCII-mode damage found';
  const againstKo = expected ? '기대한 크기/sha256과 일치' : 'ASCII 모드 손상 없음';
  return pass(id, t, bi(`${againstKo}; ${m.bytes.length}바이트, sha256 ${sha256}`, `${against}; ${m.bytes.length} bytes, sha256 ${sha256}`));
}

function interpreterFix(interp: string): Bilingual {
  return {
    ko: `${interp}가 없습니다. 해당 인터프리터를 설치하거나 이 서버용 모듈을 사용하십시오.`,
    en: `install ${interp} or use a module built for this server.`,
  };
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function checkScript(ctx: DoctorContext, id: string, t: Text, bytes: Buffer): CheckResult {
  const end = bytes.indexOf(0x0a);
  const line = bytes.subarray(2, end < 0 ? Math.min(bytes.length, 256) : end).toString('latin1');
  if (line.endsWith('\r')) {
    notRunnable(ctx);
    return fail(id, t, bi(`줄바꿈이 CRLF인 스크립트입니다: 커널이 인터프리터 "${line.trim()}\\r"를 찾습니다 ("bad interpreter: ^M").`, `script with CRLF line endings: the kernel looks for the interpreter "${line.trim()}\\r" ("bad interpreter: ^M").`), {
      ko: '스크립트를 유닉스 줄바꿈(LF)으로 바꾸십시오 (dos2unix) — FTP ASCII 모드나 윈도우 편집기가 원인입니다.',
      en: 'convert the script to Unix line endings (dos2unix); an ASCII-mode upload or a Windows editor added CRs.',
    }, CODE);
  }
  const [interp, arg] = line.trim().split(/\s+/);
  if (!interp || !fs.existsSync(interp)) {
    notRunnable(ctx);
    return fail(id, t, bi(`스크립트의 인터프리터 ${interp || '(없음)'}이(가) 없습니다.`, `script whose interpreter ${interp || '(none)'} does not exist.`), interpreterFix(interp || 'the interpreter'), CODE);
  }
  if (path.basename(interp) === 'env' && arg && !findOnPath(arg)) {
    notRunnable(ctx);
    return fail(id, t, bi(`env로 실행하는 스크립트인데 ${arg}이(가) PATH에 없습니다.`, `script run through env, but ${arg} is not on PATH.`), interpreterFix(arg), CODE);
  }
  return pass(id, t, bi(`${line.trim()}로 실행하는 스크립트`, `script run by ${line.trim()}`));
}

/** ELF class/machine against this host, and its loader (PT_INTERP) present. */
export function checkModuleFormat(ctx: DoctorContext): CheckResult {
  const id = 'module.format';
  const t = title(ctx, 'format', '형식');
  const m = ctx.module;
  if (!m?.bytes) return skip(id, t, NO_MODULE);
  const bytes = m.bytes;
  if (bytes.subarray(0, 2).toString('latin1') === '#!') return checkScript(ctx, id, t, bytes);
  if (bytes.subarray(0, 2).toString('latin1') === 'MZ') {
    notRunnable(ctx);
    return fail(id, t, bi('윈도우 실행 파일(pp_cli_exe.exe)이라 리눅스에서 실행할 수 없습니다.', 'a Windows executable (pp_cli_exe.exe), which Linux cannot run.'), {
      ko: '리눅스용 pp_cli(64비트 서버는 pp_cli_x64)를 올리십시오.',
      en: 'upload the Linux pp_cli (pp_cli_x64 on 64-bit servers) from KCP\'s Linux package.',
    }, CODE);
  }
  if (!isElf(bytes)) {
    notRunnable(ctx);
    return fail(id, t, bi('ELF 실행 파일도 #! 스크립트도 아닙니다.', 'neither an ELF executable nor a #! script.'), UPLOAD_BINARY, CODE);
  }
  const parsed = parseElf(bytes);
  if (!parsed.ok) {
    notRunnable(ctx);
    return fail(id, t, bi(`손상된 ELF 파일: ${parsed.reason}.`, `damaged ELF file: ${parsed.reason}.`), UPLOAD_BINARY, CODE);
  }
  const { elf } = parsed;
  const label = `ELF ${elf.bits}-bit ${machineName(elf.machine)}`;
  const hostLittle = os.endianness() === 'LE';
  const fit = fitToHost(elf, ctx.arch);
  if (elf.littleEndian !== hostLittle || fit === 'foreign') {
    notRunnable(ctx);
    return fail(id, t, bi(`${label}인데 이 서버는 ${hostMachineLabel(ctx.arch)}입니다.`, `${label}, but this server is ${hostMachineLabel(ctx.arch)}.`), {
      ko: `이 서버(${hostMachineLabel(ctx.arch)})용 모듈을 사용하십시오: 64비트 x86 서버는 pp_cli_x64 (payplus.binary).`,
      en: `use the module built for this server (${hostMachineLabel(ctx.arch)}): pp_cli_x64 on 64-bit x86 (payplus.binary).`,
    }, CODE);
  }
  if (fit === 'unknown-host') {
    return warn(id, t, bi(`${label}; doctor는 ${ctx.arch} 서버용 모듈을 판단할 수 없습니다.`, `${label}; doctor cannot judge modules for a ${ctx.arch} host.`), {
      ko: '이 서버에서 pp_cli -h 실행 결과를 직접 확인하십시오.',
      en: 'check by hand that pp_cli runs here (pp_cli -x prints its banner).',
    });
  }
  if (elf.interpreter === undefined) return pass(id, t, bi(`${label}, 정적 링크`, `${label}, statically linked`));
  if (!fs.existsSync(elf.interpreter)) {
    notRunnable(ctx);
    if (fit === 'compat') {
      return fail(id, t, bi(`${hostMachineLabel(ctx.arch)} 서버에 ${label}의 로더 ${elf.interpreter}가 없습니다 (커널은 "No such file or directory"라고 답합니다).`, `${label} on a ${hostMachineLabel(ctx.arch)} server without its loader ${elf.interpreter} (the kernel reports "No such file or directory").`), {
        ko: `64비트 서버에는 pp_cli_x64를 사용하십시오 (payplus.binary: "pp_cli_x64"). 32비트 모듈이 꼭 필요하면 32비트 라이브러리를 설치하십시오 (apt-get install libc6-i386 / yum install glibc.i686).`,
        en: `use pp_cli_x64 on a 64-bit server (payplus.binary: "pp_cli_x64"), or install the 32-bit C library (apt-get install libc6-i386 / yum install glibc.i686).`,
      }, CODE);
    }
    return fail(id, t, bi(`${label}의 로더 ${elf.interpreter}가 없습니다 (예: musl 시스템의 glibc 모듈).`, `${label} whose loader ${elf.interpreter} does not exist (e.g. a glibc module on a musl system).`), {
      ko: `${elf.interpreter}를 제공하는 glibc 환경에서 실행하십시오 (Alpine은 gcompat 등).`,
      en: `run it where glibc provides ${elf.interpreter} (on Alpine, install gcompat or use a glibc-based image).`,
    }, CODE);
  }
  const note = fit === 'compat' ? '; a 32-bit module on a 64-bit server (pp_cli_x64 is the native choice)' : '';
  const noteKo = fit === 'compat' ? '; 64비트 서버의 32비트 모듈 (pp_cli_x64가 기본 선택)' : '';
  return pass(id, t, bi(`${label}, 로더 ${elf.interpreter}${noteKo}`, `${label}, loader ${elf.interpreter}${note}`));
}

/** `pp_cli -x`: no network, no secrets; the usage banner (stderr) and res_cd=S102 (stdout) prove it runs. */
export async function checkModuleSmoke(ctx: DoctorContext): Promise<CheckResult> {
  const id = 'module.smoke';
  const t = title(ctx, 'runs (pp_cli -x)', '실행 (pp_cli -x)');
  const m = ctx.module;
  if (ctx.options.noSmoke) return skip(id, t, bi('실행 점검을 끄셨습니다.', 'smoke run turned off.'));
  if (!m?.bytes || !m.runnable) return skip(id, t, bi('건너뜀: 위 점검에서 모듈을 실행할 수 없음이 확인되었습니다.', 'skipped: the checks above show the module cannot run.'));
  const timeout = ctx.options.smokeTimeoutMs ?? 5000;
  const r = await execa(m.path, ['-x'], {
    reject: false,
    timeout,
    encoding: 'buffer',
    stdin: 'ignore',
    cwd: path.dirname(m.path),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' },
    extendEnv: false,
  });
  const stdout = iconv.decode(Buffer.from(r.stdout ?? new Uint8Array()), 'cp949');
  const stderr = iconv.decode(Buffer.from(r.stderr ?? new Uint8Array()), 'cp949');
  const rerun: Bilingual = {
    ko: `${m.path} -x 를 직접 실행해 오류를 확인하십시오. 실행권한(755), 바이너리 업로드, g_conf_home_dir, 호스팅의 실행 제한(safe_mode)을 확인하십시오.`,
    en: `run ${m.path} -x by hand and read the error; check mode 755, a binary-mode upload, g_conf_home_dir, and whether the host forbids exec (PHP safe_mode).`,
  };
  if (r.timedOut) return fail(id, t, bi(`${timeout} ms 안에 응답이 없습니다.`, `no answer within ${timeout} ms.`), rerun, CODE);
  if (r.exitCode === undefined && r.code) {
    return fail(id, t, bi(`실행할 수 없습니다: ${r.code} (${maskText(r.shortMessage ?? '')}).`, `could not start: ${r.code} (${maskText(r.shortMessage ?? '')}).`), rerun, CODE);
  }
  const banner = parseUsageBanner(stderr);
  const s102 = /^res_cd=S102\x1fres_msg=/.test(stdout);
  if (!banner || !s102) {
    const seen = `stdout ${JSON.stringify(maskText(stdout.slice(0, 120)))}, stderr ${JSON.stringify(maskText(stderr.slice(0, 120)))}, exit ${r.exitCode ?? r.signal}`;
    return fail(id, t, bi(`stderr에 사용법 배너, stdout에 res_cd=S102가 나와야 하는데 실제로는 ${seen}.`, `expected the usage banner on stderr and res_cd=S102 on stdout; got ${seen}.`), rerun, CODE);
  }
  const { version } = banner;
  if (version === '2.00' || version === '2.14') ctx.moduleVersion = version;
  const utf8 = version === '2.14'
    ? 'UTF-8 (opt=1) available'
    : 'no UTF-8 (opt=1): Korean text needs the native runner (EUC-KR argv)';
  const utf8Ko = version === '2.14'
    ? 'UTF-8 (opt=1) 사용 가능'
    : 'UTF-8 (opt=1) 없음: 한글은 네이티브 러너(EUC-KR argv)가 필요합니다';
  const detail = `"${banner.program} - ${banner.module} ver ${version}" on stderr, res_cd=S102 on stdout; ${utf8}`;
  const detailKo = `stderr에 "${banner.program} - ${banner.module} ver ${version}", stdout에 res_cd=S102; ${utf8Ko}`;
  if ((version === '2.00' || version === '2.14') && version !== ctx.conf.ppCliVersion) {
    return warn(id, t, bi(`${detailKo}; 그런데 payplus.pp_cli_version은 ${ctx.conf.ppCliVersion}입니다.`, `${detail}; but payplus.pp_cli_version is ${ctx.conf.ppCliVersion}.`), {
      ko: `payplus.pp_cli_version을 "${version}"로 설정하십시오 (2.00은 log_path를 받지 않습니다).`,
      en: `set payplus.pp_cli_version to "${version}" (2.00 takes no log_path; only 2.14 has opt=1).`,
    });
  }
  return pass(id, t, bi(detailKo, detail));
}
