/** The simulator's PG-API as the REST tests use it: a TEST site's configuration, or the simulator pair and its credentials. */
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { RestCredentials } from '../../lib/gateway/index.js';
import { SiteConf } from '../../lib/index.js';
import { startSimulator, type Simulator } from '../../lib/testing/index.js';
import { startRestSimulator, type RestSimulator, type RestSimulatorOptions } from '../../lib/sim/rest/index.js';

export interface RestPair {
  sim: Simulator;
  rest: RestSimulator;
  /** The merchant certificate and key the PG-API issued, loaded as a merchant loads them. */
  credentials: RestCredentials;
  close(): Promise<void>;
}

/** A simulator on a free port with its PG-API next to it (https, its own CA). */
export async function startRestPair(options: RestSimulatorOptions = {}): Promise<RestPair> {
  const sim = await startSimulator({ port: 0 });
  const rest = await startRestSimulator(sim, options).catch(async (err: unknown) => {
    await sim.close(); // nothing left listening when the PG-API could not start
    throw err;
  });
  const credentials = RestCredentials.fromFiles({ certFile: rest.merchant.certFile, keyFile: rest.merchant.keyFile, password: { value: rest.merchant.password } });
  return {
    sim,
    rest,
    credentials,
    async close() {
      await rest.close();
      await sim.close();
    },
  };
}

/** A TEST site on the simulator's PG-API (payplus.transport 'rest'), its key password in a 0600 file in `home`. */
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

/** A port on 127.0.0.1 that was just free and is closed again: a connection to it is refused. */
export function closedPort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const s = https.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}
