/**
 * bin/, key/, log/ and cfg/ must never be reachable from the web (manual): a served pp_cli, key,
 * config or log leaks the module, the site key or payment data. Uses lib/config's path comparison
 * (resolves `..` and symlinks, compares whole segments).
 */
import path from 'node:path';

import { isInside } from '../../config/web-roots.js';
import { logDirsOf } from '../../log/paths.js';
import { fail, pass, warn } from '../results.js';
import type { CheckResult, DoctorContext } from '../types.js';

export function privatePaths(ctx: DoctorContext): { label: string; path: string }[] {
  const { conf, options } = ctx;
  const list = [
    { label: 'bin folder', path: path.join(conf.homeDir, 'bin') },
    { label: 'key folder', path: conf.keyDir || path.join(conf.homeDir, 'key') },
    ...logDirsOf(conf).map((p) => ({ label: 'log folder', path: p })),
    { label: 'cfg folder', path: path.join(conf.homeDir, 'cfg') },
  ];
  if (options.configPath) list.push({ label: 'config file folder', path: path.dirname(path.resolve(options.configPath)) });
  const seen = new Set<string>();
  return list.filter((p) => (seen.has(p.path) ? false : (seen.add(p.path), true)));
}

export function checkWebRoots(ctx: DoctorContext): CheckResult {
  const id = 'webroot.outside';
  const title = 'bin/key/log/cfg outside web roots';
  const roots = ctx.conf.webRoots;
  const paths = privatePaths(ctx);
  if (roots.length === 0) {
    return warn(id, title, 'payplus.web_roots is not set, so doctor cannot tell whether the web server serves these folders.', {
      ko: 'payplus.web_roots에 웹 서버의 문서 루트(예: /var/www/html)를 모두 적으십시오.',
      en: 'list every folder your web server serves in payplus.web_roots (e.g. /var/www/html).',
    });
  }
  const inside = paths.flatMap((p) => roots.filter((r) => isInside(p.path, r)).map((r) => `${p.label} ${p.path} lies inside web root ${r}`));
  if (inside.length > 0) {
    return fail(id, title, `${inside.join('; ')}.`, {
      ko: 'bin, key, log, cfg 폴더를 웹 루트 밖(예: /opt/kcp-payplus)으로 옮기고 g_conf_* 경로를 고치십시오. 웹에서는 sample 페이지만 접근 가능해야 합니다.',
      en: 'move bin, key, log and cfg outside every web root (e.g. /opt/kcp-payplus) and update the g_conf_* paths; only the sample pages may be served.',
    });
  }
  return pass(id, title, `${paths.map((p) => p.path).join(', ')} are outside ${roots.join(', ')}`);
}
