/**
 * Starts the sample shop with everything it needs on one machine: the stand-in pp_cli installed as the module under
 * vendor/bin (outside the web root), the local gateway simulator on 127.0.0.1, a TEST SiteConf pointing at it, and the
 * shop itself. Used by `npm start` (sample/start.ts) and by the browser test.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SiteConf, applyHttpLimits, closeHttpServer, createSiteLogger, type PayplusLogger } from '../lib/index.js';
import { installStandIn, startSimulator, type Simulator } from '../lib/testing/index.js';
import { startRestSimulator, type RestSimulator } from '../lib/sim/rest/index.js';
import { publicOrigin } from './security.js';
import { createShop, type Shop } from './shop.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');

export interface SampleOptions {
  /** Shop port on 127.0.0.1 (0: any free port). */
  port?: number;
  /** Simulator port on 127.0.0.1 (0: any free port). */
  simPort?: number;
  /** The KCP home (folder above bin/); default <repo>/vendor. */
  homeDir?: string;
  /** pp_cli and SDK logs; default <repo>/log. */
  logDir?: string;
  /** Shop database and notification store; default <log dir>/sample. */
  dataDir?: string;
  /** Where to write the generated site_conf_inc.json (for `kcp-payplus doctor --config …`); default <repo>/cfg. */
  cfgFile?: string;
  logger?: PayplusLogger;
  /** Print one masked line per payment request on stderr, beside the file log (npm start turns it on). */
  console?: boolean;
  /** The shop's address as buyers reach it (Ret_URL, common_return, allowed form origin); default http://127.0.0.1:<port>. */
  publicUrl?: string;
  /** The staff password; without one the staff pages answer 403 (npm start makes one up for the run). */
  adminPassword?: string;
  /** The site captures card payments by hand (shows the capture button). */
  manualCapture?: boolean;
  /**
   * 'pp_cli' (default) or 'rest': approvals, cancels and recovery go through KCP's REST API — here the simulator's
   * PG-API over https with its own CA and the merchant certificate and key it generated (npm start: KCP_TRANSPORT=rest).
   */
  transport?: 'pp_cli' | 'rest';
}

export interface Sample {
  shopUrl: string;
  /** Where buyers reach the shop (SampleOptions.publicUrl, or shopUrl). */
  publicUrl: string;
  sim: Simulator;
  /** The simulator's PG-API (transport 'rest' only). */
  rest: RestSimulator | undefined;
  shop: Shop;
  conf: SiteConf;
  cfgFile: string;
  close(): Promise<void>;
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startSample(options: SampleOptions = {}): Promise<Sample> {
  const homeDir = options.homeDir ?? path.join(REPO_ROOT, 'vendor');
  const logDir = options.logDir ?? path.join(REPO_ROOT, 'log');
  const dataDir = options.dataDir ?? path.join(logDir, 'sample');
  const cfgFile = options.cfgFile ?? path.join(REPO_ROOT, 'cfg', 'sample.site_conf_inc.json');
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  chmodSync(logDir, 0o700); // pp_cli's level-3 logs hold full responses: private, even if the folder came from git
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  installStandIn(homeDir);

  const sim = await startSimulator({ port: options.simPort ?? 0 });
  const rest = options.transport === 'rest' ? await startRestSimulator(sim) : undefined;
  let restSettings = {};
  if (rest) {
    // The key's password in a private file outside the web root, as a merchant keeps it (never in the config).
    const passwordFile = path.join(dataDir, 'pgapi-key-password');
    writeFileSync(passwordFile, rest.merchant.password, { mode: 0o600 });
    restSettings = {
      transport: 'rest' as const,
      restUrl: rest.url,
      restCaFile: rest.caFile,
      restCertFile: rest.merchant.certFile,
      restKeyFile: rest.merchant.keyFile,
      restKeyPasswordFile: passwordFile,
    };
  }
  const server = applyHttpLimits(http.createServer()); // header and request time limits, set before listen
  const port = await listen(server, options.port ?? 0);
  const shopUrl = `http://127.0.0.1:${port}`;
  const publicUrl = options.publicUrl ? publicOrigin(options.publicUrl) : shopUrl;

  const conf = SiteConf.testPreset({
    homeDir,
    logDir,
    gwUrl: '127.0.0.1',
    gwPort: String(sim.port),
    jsUrl: `${sim.url}/plugin/payplus_web.jsp`, // KCP's standard-web window (the plug-in window stays reachable)
    webRoots: [path.join(REPO_ROOT, 'sample', 'public')],
    notifyUrl: `${publicUrl}/common_return`,
    siteName: 'KCP SAMPLE SHOP',
    timeoutMs: 15_000,
    ...restSettings,
  });
  mkdirSync(path.dirname(cfgFile), { recursive: true });
  writeFileSync(cfgFile, `${JSON.stringify(conf.toFile(), null, 2)}\n`, { mode: 0o600 });
  sim.notifyUrl = conf.notifyUrl;

  const logger = options.logger ?? createSiteLogger(conf, { console: options.console === true });
  const shop = await createShop({
    conf, dataDir, logger, simulatorUrl: sim.url, publicUrl, adminPassword: options.adminPassword, manualCapture: options.manualCapture,
  });
  server.on('request', shop.app);

  return {
    shopUrl,
    publicUrl,
    sim,
    rest,
    shop,
    conf,
    cfgFile,
    async close() {
      await closeHttpServer(server); // answers being written finish; a browser's preconnected sockets do not hold it open
      await shop.close();
      await rest?.close();
      await sim.close();
      (logger as { close?: () => void }).close?.();
    },
  };
}
