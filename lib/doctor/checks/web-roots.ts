/**
 * bin/, key/, log/ and cfg/ must never be reachable from the web (manual): a served pp_cli, key,
 * config or log leaks the module, the site key or payment data. Uses lib/config's path comparison
 * (resolves `..` and symlinks, compares whole segments).
 */
import fs from 'node:fs';
import path from 'node:path';

import { transportOf } from '../../config/site-conf.js';
import { isInside } from '../../config/web-roots.js';
import { logDirsOf } from '../../log/paths.js';
import { bi, fail, pass, warn } from '../results.js';
import type { CheckResult, DoctorContext } from '../types.js';

/**
 * The folders that must stay private: bin/ and the log folders always (pp_cli and the logger create them), the key
 * folder when configured or present, <home>/cfg only when it exists, and the folder of the cfg file doctor read. On
 * payplus.transport 'rest' nothing runs from bin/ or reads key/: they are named only when they exist.
 */
export function privatePaths(ctx: DoctorContext): { label: string; labelKo: string; path: string }[] {
  const { conf, options } = ctx;
  const homeKey = path.join(conf.homeDir, 'key');
  const homeCfg = path.join(conf.homeDir, 'cfg');
  const rest = transportOf(conf) === 'rest';
  const bin = path.join(conf.homeDir, 'bin');
  const key = conf.keyDir || homeKey;
  const list = [
    ...(!rest || fs.existsSync(bin) ? [{ label: 'bin folder', labelKo: 'bin 폴더', path: bin }] : []),
    ...((conf.keyDir && !rest) || fs.existsSync(key) ? [{ label: 'key folder', labelKo: 'key 폴더', path: key }] : []),
    ...logDirsOf(conf).map((p) => ({ label: 'log folder', labelKo: '로그 폴더', path: p })),
    ...(fs.existsSync(homeCfg) ? [{ label: 'cfg folder', labelKo: 'cfg 폴더', path: homeCfg }] : []),
  ];
  if (options.configPath) {
    list.push({ label: 'config file folder', labelKo: '설정 파일 폴더', path: path.dirname(path.resolve(options.configPath)) });
  }
  const seen = new Set<string>();
  return list.filter((p) => (seen.has(p.path) ? false : (seen.add(p.path), true)));
}

export function checkWebRoots(ctx: DoctorContext): CheckResult {
  const id = 'webroot.outside';
  const title = bi('bin/key/log/cfg 웹 루트 밖', 'bin/key/log/cfg outside web roots');
  const roots = ctx.conf.webRoots;
  const paths = privatePaths(ctx);
  if (roots.length === 0) {
    return warn(id, title, bi('payplus.web_roots가 없어 웹 서버가 이 폴더들을 제공하는지 알 수 없습니다.', 'payplus.web_roots is not set, so doctor cannot tell whether the web server serves these folders.'), {
      ko: 'payplus.web_roots에 웹 서버의 문서 루트(예: /var/www/html)를 모두 적으십시오.',
      en: 'list every folder your web server serves in payplus.web_roots (e.g. /var/www/html).',
    });
  }
  const inside = paths.flatMap((p) => roots.filter((r) => isInside(p.path, r)).map((r) => ({ p, r })));
  if (inside.length > 0) {
    const en = inside.map(({ p, r }) => `${p.label} ${p.path} lies inside web root ${r}`).join('; ');
    const ko = inside.map(({ p, r }) => `${p.labelKo} ${p.path}이(가) 웹 루트 ${r} 안에 있습니다`).join('; ');
    return fail(id, title, bi(`${ko}.`, `${en}.`), {
      ko: 'bin, key, log, cfg 폴더를 웹 루트 밖(예: /opt/kcp-payplus)으로 옮기고 g_conf_* 경로를 고치십시오. 웹에서는 sample 페이지만 접근 가능해야 합니다.',
      en: 'move bin, key, log and cfg outside every web root (e.g. /opt/kcp-payplus) and update the g_conf_* paths; only the sample pages may be served.',
    });
  }
  return pass(id, title, bi(`${paths.map((p) => p.path).join(', ')}은(는) ${roots.join(', ')} 밖에 있습니다`, `${paths.map((p) => p.path).join(', ')} are outside ${roots.join(', ')}`));
}
