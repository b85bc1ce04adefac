import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KcpConfigError } from '../../lib/errors.js';
import { isInside, resolveReal, SiteConf } from '../../lib/config/index.js';

const FIX = 'Fix: move the KCP folder (bin, key, log, cfg) outside every web root, e.g. /opt/kcp-payplus, and point the g_conf_* paths there; only sample pages may be served.';

describe('web roots', () => {
  let tmp: string;
  let www: string;

  before(() => {
    tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'kcp-webroot-')));
    www = path.join(tmp, 'www');
    mkdirSync(path.join(www, 'shop'), { recursive: true });
    mkdirSync(path.join(tmp, 'www2', 'kcp'), { recursive: true });
    mkdirSync(path.join(tmp, 'private', 'kcp', 'log'), { recursive: true });
    // A symlink inside the web root pointing at a private folder, and one outside pointing into the web root.
    symlinkSync(path.join(tmp, 'private'), path.join(www, 'linked'));
    symlinkSync(path.join(www, 'shop'), path.join(tmp, 'shoplink'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  function refuse(o: Parameters<typeof SiteConf.testPreset>[0], field: string, message: string, baseDir?: string): void {
    assert.throws(
      () => SiteConf.testPreset(o, { baseDir }),
      (e: unknown) => {
        assert.ok(e instanceof KcpConfigError);
        assert.equal(e.field, field);
        assert.equal(e.message, message);
        return true;
      },
    );
  }

  it('compares whole segments, not string prefixes', () => {
    assert.equal(isInside(path.join(tmp, 'www2', 'kcp'), www), false);
    assert.equal(isInside(path.join(www, 'shop'), www), true);
    assert.equal(isInside(www, www), true);
    const c = SiteConf.testPreset({ homeDir: path.join(tmp, 'www2', 'kcp'), webRoots: [www] });
    assert.deepEqual(c.webRoots, [www]);
  });

  it('refuses <home>/bin inside a web root, naming both paths', () => {
    const home = path.join(www, 'shop', 'kcp');
    refuse(
      { homeDir: home, logDir: path.join(tmp, 'private', 'kcp', 'log'), webRoots: [www] },
      'g_conf_home_dir',
      `g_conf_home_dir: the module folder <home>/bin "${home}/bin" lies inside the web root "${www}", so the web server could serve it. ${FIX}`,
    );
  });

  it('resolves .. before comparing', () => {
    const home = path.join(tmp, 'www2', '..', 'www', 'kcp');
    refuse(
      { homeDir: home, logDir: path.join(tmp, 'private', 'kcp', 'log'), webRoots: [www] },
      'g_conf_home_dir',
      `g_conf_home_dir: the module folder <home>/bin "${path.join(www, 'kcp', 'bin')}" lies inside the web root "${www}", so the web server could serve it. ${FIX}`,
    );
  });

  it('follows symlinks of the private path and of the web root', () => {
    const viaLink = path.join(tmp, 'shoplink', 'kcp-log');
    refuse(
      { homeDir: path.join(tmp, 'private', 'kcp'), logDir: viaLink, webRoots: [www] },
      'g_conf_log_dir',
      `g_conf_log_dir: the log folder "${viaLink}" (resolves to "${path.join(www, 'shop', 'kcp-log')}") lies inside the web root "${www}", so the web server could serve it. ${FIX}`,
    );
    // The web root given through a symlink still covers the real folder.
    const rootLink = path.join(tmp, 'shoplink');
    refuse(
      { homeDir: path.join(tmp, 'private', 'kcp'), keyDir: path.join(www, 'shop', 'key'), webRoots: [rootLink] },
      'g_conf_key_dir',
      `g_conf_key_dir: the key folder "${path.join(www, 'shop', 'key')}" lies inside the web root "${rootLink}" (resolves to "${path.join(www, 'shop')}"), so the web server could serve it. ${FIX}`,
    );
  });

  it('refuses a path that reaches a private folder through a symlink inside the web root', () => {
    // www/linked -> private: a web server that follows links would serve www/linked/kcp/bin.
    const home = path.join(www, 'linked', 'kcp');
    refuse(
      { homeDir: home, webRoots: [www] },
      'g_conf_home_dir',
      `g_conf_home_dir: the module folder <home>/bin "${home}/bin" (resolves to "${path.join(tmp, 'private', 'kcp', 'bin')}") lies inside the web root "${www}", so the web server could serve it. ${FIX}`,
    );
    assert.equal(resolveReal(path.join(home, 'bin')), path.join(tmp, 'private', 'kcp', 'bin'));
  });

  it('refuses the cfg file folder inside a web root', () => {
    const cfgDir = path.join(www, 'shop', 'cfg');
    refuse(
      { homeDir: path.join(tmp, 'private', 'kcp'), webRoots: [www] },
      'cfg',
      `cfg: the folder of the cfg file "${cfgDir}" lies inside the web root "${www}", so the web server could serve it. ${FIX}`,
      cfgDir,
    );
  });

  it('refuses a relative web root', () => {
    refuse(
      { homeDir: '/opt/kcp-payplus', webRoots: ['public_html'] },
      'payplus.web_roots[0]',
      'payplus.web_roots[0]: "public_html" is not an absolute path. Fix: write the full path from the root, e.g. "/var/www/html".',
    );
  });
});
