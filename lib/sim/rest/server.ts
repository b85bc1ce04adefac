/**
 * The simulator's KCP PG-API over https (its own CA; loopback only), next to a running simulator whose ledger,
 * payment window and notifications it shares. Routing and bytes only; decisions are in ./gateway.ts.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { readBody, BodyTooLarge } from '../../http/request.js';
import type { Simulator } from '../server.js';
import { RestGatewaySim, type RestFields } from './gateway.js';
import { createSimPki, type SimPki } from './pki.js';

export interface RestSimulatorOptions {
  /** TCP port for https; 0 (default) picks a free one. */
  port?: number;
  /** How long an amount ending in 993 holds the answer (default: 5000 ms). */
  slowMs?: number;
  /** Reuse key material (tests that start several); made fresh otherwise, and removed on close. */
  pki?: SimPki;
  now?: () => Date;
}

/** One REST request as the simulator saw it (memory only; never printed). */
export interface RestRequestLog {
  path: string;
  contentType: string;
  rawBody: string;
  fields: RestFields;
  answer: RestFields;
}

export interface RestSimulator {
  /** https://127.0.0.1:<port>: the SDK's rest_url. */
  readonly url: string;
  readonly port: number;
  /** The CA to trust (rest_ca_file). */
  readonly caPem: string;
  readonly caFile: string;
  /** The merchant's PG-API certificate and encrypted key, as KCP's admin would issue them, and the key's password. */
  readonly merchant: { readonly certFile: string; readonly keyFile: string; readonly certPem: string; readonly keyPem: string; readonly password: string };
  readonly pki: SimPki;
  readonly gateway: RestGatewaySim;
  readonly requests: RestRequestLog[];
  /** What a batch-mode window posts back (enc_data, enc_info, tran_cd) for `siteCd` and KCP's group id. */
  batchWindow(input: { siteCd: string; groupId: string; card?: string }): ReturnType<RestGatewaySim['batchWindow']>;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/** Start the PG-API next to `sim` (its ledger, window and trades); resolves once it listens. */
export async function startRestSimulator(sim: Simulator, options: RestSimulatorOptions = {}): Promise<RestSimulator> {
  const ownPki = options.pki === undefined;
  const pki = options.pki ?? (await createSimPki());
  const gateway = new RestGatewaySim(sim.gateway, {
    merchantCerts: { '*': [pki.merchantCertPem] },
    caPem: pki.caPem,
    payUrl: () => `${sim.url}/smpay/mobileGW.kcp`,
    trades: sim.state.trades,
    now: options.now,
  });
  // The simulator's payment window hands batch-mode orders to this gateway's keys.
  sim.batchKeyWindow = (input) => gateway.batchWindow(input);
  const requests: RestRequestLog[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: import('node:http').ServerResponse, status: number, body: RestFields) => {
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
    res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': bytes.length });
    res.end(bytes);
  };

  const server = https.createServer({ key: pki.serverKeyPem, cert: pki.serverCertPem }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const contentType = String(req.headers['content-type'] ?? '');
    void (async () => {
      if (req.method !== 'POST') return send(res, 405, { error: 'POST only' });
      // KCP's samples send application/json with and without "; charset=utf-8" (docs/kcp-rest-api.md §1).
      if (!/^application\/json\s*(;.*)?$/i.test(contentType)) return send(res, 415, { error: 'Content-Type must be application/json' });
      let body: Buffer;
      try {
        body = await readBody(req, MAX_BODY);
      } catch (err) {
        return send(res, err instanceof BodyTooLarge ? 413 : 400, { error: 'unreadable body' });
      }
      const out = gateway.handle(path, body);
      let fields: RestFields = {};
      try {
        fields = JSON.parse(body.toString('utf8')) as RestFields;
      } catch { /* logged as empty */ }
      requests.push({ path, contentType, rawBody: body.toString('utf8'), fields, answer: out.body });
      if (!out.slow) return send(res, out.status, out.body);
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) send(res, out.status, out.body);
      }, options.slowMs ?? 5000);
      timers.add(timer);
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: `simulator error: ${String(err)}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    caPem: pki.caPem,
    caFile: pki.caFile,
    merchant: { certFile: pki.merchantCertFile, keyFile: pki.merchantKeyFile, certPem: pki.merchantCertPem, keyPem: pki.merchantKeyPem, password: pki.merchantKeyPassword },
    pki,
    gateway,
    requests,
    batchWindow: (input) => gateway.batchWindow(input),
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      if (sim.batchKeyWindow) sim.batchKeyWindow = undefined;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownPki) pki.remove();
    },
  };
}
