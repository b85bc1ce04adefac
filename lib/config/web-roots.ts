/**
 * bin/, key/, log/ and cfg/ must never be reachable from the web (docs/kcp-manual.md §5): a served pp_cli, key or
 * log leaks the module, the certificate or payment data. The comparison resolves `..` and symlinks
 * (for the part of a path that exists) and compares whole path segments, so /var/www2 is not inside
 * /var/www while /var/www/../www/kcp is.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { configError } from './config-error.js';

/** Resolves `..` and follows symlinks as far as the path exists; the missing rest is appended as written. */
export function resolveReal(p: string): string {
  const abs = path.resolve(p);
  const missing: string[] = [];
  let current = abs;
  for (;;) {
    try {
      const real = realpathSync.native(current);
      return missing.length === 0 ? real : path.join(real, ...missing.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return abs;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

const CASE_INSENSITIVE = process.platform === 'win32' || process.platform === 'darwin';

function segments(p: string): string[] {
  const parts = p.split(path.sep).filter((s) => s !== '');
  return CASE_INSENSITIVE ? parts.map((s) => s.toLowerCase()) : parts;
}

function within(child: string, root: string): boolean {
  const c = segments(child);
  const r = segments(root);
  return r.length <= c.length && r.every((seg, i) => seg === c[i]);
}

/**
 * True when `child` is `root` or lies below it, compared by path segments: either as written (with
 * `..` resolved: a symlink inside the web root leading to the folder still exposes it to a server that
 * follows links) or with every symlink resolved (the folder really lives inside the web root).
 */
export function isInside(child: string, root: string): boolean {
  return within(path.resolve(child), path.resolve(root)) || within(resolveReal(child), resolveReal(root));
}

/** One private folder to keep out of web roots, with the field it comes from. */
export interface PrivatePath {
  readonly field: string;
  readonly label: string;
  readonly path: string;
}

/** Throws KcpConfigError naming both paths when a private folder lies inside a web root. */
export function checkOutsideWebRoots(paths: readonly PrivatePath[], webRoots: readonly string[]): void {
  for (const root of webRoots) {
    for (const p of paths) {
      if (!isInside(p.path, root)) continue;
      const realP = resolveReal(p.path);
      const realRoot = resolveReal(root);
      const shownP = realP === p.path ? `"${p.path}"` : `"${p.path}" (resolves to "${realP}")`;
      const shownRoot = realRoot === root ? `"${root}"` : `"${root}" (resolves to "${realRoot}")`;
      throw configError(
        p.field,
        `${p.label} ${shownP} lies inside the web root ${shownRoot}, so the web server could serve it`,
        'move the KCP folder (bin, key, log, cfg) outside every web root, e.g. /opt/kcp-payplus, and point the g_conf_* paths there; only sample pages may be served',
      );
    }
  }
}
