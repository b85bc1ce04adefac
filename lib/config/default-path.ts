/**
 * Where a site's configuration is looked for when none is named: $KCP_CONFIG, else the shipped layout's
 * /opt/kcp-payplus/cfg/site_conf_inc.json. `SiteConf.load()` without a file (the README's app) and the `kcp-payplus`
 * command use this one rule, so the command checks the same file the app runs with.
 */
export const DEFAULT_CONFIG_PATH = '/opt/kcp-payplus/cfg/site_conf_inc.json';

/** `KCP_CONFIG` when set and not empty, else DEFAULT_CONFIG_PATH. */
export function siteConfPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const named = env['KCP_CONFIG'];
  return named !== undefined && named !== '' ? named : DEFAULT_CONFIG_PATH;
}
