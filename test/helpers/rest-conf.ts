/** A TEST site on the simulator's PG-API (payplus.transport 'rest'), its key password in a 0600 file in `home`. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SiteConf } from '../../lib/index.js';
import type { Simulator } from '../../lib/testing/index.js';
import type { RestSimulator } from '../../lib/sim/rest/index.js';

export function restSiteConf(home: string, sim: Simulator, rest: RestSimulator): SiteConf {
  const passwordFile = path.join(home, 'pgapi-key-password');
  writeFileSync(passwordFile, rest.merchant.password, { mode: 0o600 });
  return SiteConf.testPreset({
    homeDir: home,
    logDir: path.join(home, 'log'),
    gwUrl: '127.0.0.1',
    gwPort: String(sim.port),
    jsUrl: `${sim.url}/plugin/payplus_test.js`,
    transport: 'rest',
    restUrl: rest.url,
    restCaFile: rest.caFile,
    restCertFile: rest.merchant.certFile,
    restKeyFile: rest.merchant.keyFile,
    restKeyPasswordFile: passwordFile,
  });
}
