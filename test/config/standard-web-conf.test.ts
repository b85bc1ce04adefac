/**
 * A merchant on KCP's current integration: a site_conf_inc.php with the standard-web script (payplus_web.jsp), the
 * shop's path constants replaced by literals. It must import, target the standard-web window, and pass doctor.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SiteConf } from '../../lib/config/index.js';
import { runDoctor } from '../../lib/doctor/index.js';
import { makeInstall, removeInstalls, standInScript, writeModule } from '../fixtures/doctor/install.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, '..', 'fixtures', 'config', 'standard-web', 'site_conf_inc.php');

describe('a current-style site_conf_inc.php (standard-web window)', () => {
  after(removeInstalls);

  it('imports: TEST, standard web, every g_conf_* value as written', async () => {
    const conf = await SiteConf.load(FIXTURE);
    assert.equal(conf.env, 'TEST');
    assert.equal(conf.window, 'standard-web');
    assert.equal(conf.jsUrl, 'https://testpay.kcp.co.kr/plugin/payplus_web.jsp');
    assert.equal(conf.homeDir, '/home/youngcart/kcp');
    assert.equal(conf.logDir, '/home/youngcart/kcp_log');
    assert.equal(conf.gwUrl, 'testpaygw.kcp.co.kr');
    assert.equal(conf.siteCd, 'T0000');
    assert.equal(conf.siteName, 'YOUNGCART SHOP');
    assert.equal(conf.moduleType, '01');
  });

  it('passes doctor once the module sits in its home (the same file, home and log pointed at a temp install)', async () => {
    const install = makeInstall();
    writeModule(install, standInScript());
    const text = fs
      .readFileSync(FIXTURE, 'utf8')
      .replace("'/home/youngcart/kcp_log'", `'${install.log}'`)
      .replace("'/home/youngcart/kcp'", `'${install.home}'`);
    const cfg = path.join(install.home, 'cfg', 'site_conf_inc.php');
    fs.writeFileSync(cfg, text);
    const conf = await SiteConf.load(cfg, {
      binary: 'pp_cli',
      web_roots: [path.join(install.home, 'www')],
      notify_url: 'https://shop.example.com/kcp/common_return',
    });
    assert.equal(conf.window, 'standard-web');
    const results = await runDoctor(conf, { configPath: cfg, offline: true });
    const notPassing = results.filter((r) => r.status !== 'pass' && r.status !== 'skip').map((r) => `${r.id}: ${r.status} ${r.detail}`);
    assert.deepEqual(notPassing, []);
    const env = results.find((r) => r.id === 'config.env');
    assert.equal(env?.detail, 'all TEST: site code T0000, gateway testpaygw.kcp.co.kr, JS https://testpay.kcp.co.kr/plugin/payplus_web.jsp');
  });

  it('still refuses the REAL standard-web script with the TEST site code of the same file (3014)', async () => {
    const install = makeInstall();
    const cfg = path.join(install.home, 'cfg', 'site_conf_inc.php');
    fs.writeFileSync(cfg, fs.readFileSync(FIXTURE, 'utf8').replace('https://testpay.kcp.co.kr/', 'https://pay.kcp.co.kr/'));
    await assert.rejects(SiteConf.load(cfg), (e: Error) => {
      assert.match(e.message, /^.*site_conf_inc\.php:10: g_conf_js_url: "https:\/\/pay\.kcp\.co\.kr\/plugin\/payplus_web\.jsp" is the REAL payment window but g_conf_site_cd "T0000" is a TEST site code\..* KCP answers res_cd=3014 \(미등록 가맹점\)\.$/);
      return true;
    });
  });
});
