import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SiteConf, siteConfFileSchema } from '../../lib/config/index.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cfgFile = path.join(root, 'cfg', 'site_conf_inc.json');

describe('cfg/site_conf_inc.json (the shipped example)', () => {
  it('loads as KCP\'s TEST site with absolute placeholder paths', async () => {
    const conf = await SiteConf.load(cfgFile);
    const { $comment: _comment, ...raw } = JSON.parse(readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
    assert.equal(conf.env, 'TEST');
    assert.equal(conf.siteCd, 'T0000');
    assert.equal(conf.homeDir, '/opt/kcp-payplus');
    assert.equal(conf.cfgDir, path.join(root, 'cfg'));
    // Every value in the file is already explicit and normal: toFile gives it back unchanged (plus pp_cli's default level).
    const payplus = raw['payplus'] as Record<string, unknown>;
    assert.deepEqual(conf.toFile(), { ...raw, payplus: { ...payplus, pp_cli_log_level: 3 } });
  });

  it('cfg/README.md explains every key', () => {
    const readme = readFileSync(path.join(root, 'cfg', 'README.md'), 'utf8');
    const payplusKeys = Object.keys(siteConfFileSchema.shape.payplus.unwrap().unwrap().shape);
    const keys = [...Object.keys(siteConfFileSchema.shape).filter((k) => k !== 'payplus'), ...payplusKeys];
    assert.equal(keys.length, 30);
    for (const key of keys) assert.ok(readme.includes(`| \`${key}\` |`), `README row for ${key}`);
  });
});
