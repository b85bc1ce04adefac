/**
 * `npm run bench:rest`: one approval through KCP's REST API transport against the simulator's PG-API (https on
 * 127.0.0.1, own CA) vs one approval through pp_cli (the stand-in, native runner) against the same simulator, same run.
 * Printed, never asserted. Rows:
 * - simulator only: Gateway.handle in process (the gateway's own work, the same for both transports);
 * - bare https POST: Node's https with a prebuilt JSON body and no SDK (new TLS connection per call, as the SDK makes);
 * - RestGateway.approve: the SDK's REST call (input checks, JSON from strings, the same https, typed approval), in the
 *   worker's process (no answer file: what payplus.rest_durable_answers false gives, and what every call was before);
 * - RestGateway.approve, durable: the same call as the payment flow makes it by default (payplus.rest_durable_answers):
 *   the answer file reserved, the exchange child spawned (node, lib/gateway/rest/exchange.js), its answer read back;
 * - PayPlus.approve via pp_cli: the SDK's pp_cli call (argv building, spawn of the stand-in, its HTTP, answer parse).
 * "SDK overhead per call" = the SDK row minus its bare floor (bare https for REST; for pp_cli the floor is the
 * stand-in process itself, which this bench does not separate — see bench/RESULTS.md "Runner benchmark").
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PayPlus, SiteConf, silentLogger } from '../lib/index.js';
import { RestCredentials, RestGateway, buildJson, parseAnswer } from '../lib/gateway/index.js';
import { toApproval } from '../lib/payplus/results.js';
import { ExecaRunner, MemoryStore, NativeRunner, loadAddon, standInBuildPath, startSimulator } from '../lib/testing/index.js';
import { startRestSimulator } from '../lib/sim/rest/index.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const DURABLE_ROW = 'RestGateway.approve, durable (exchange child + answer file)';
const WARMUP = 20;

function stats(samples: number[]): { mean: number; p50: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, p50: s[Math.floor(s.length * 0.5)]!, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]! };
}

/** Runs the rows round-robin (call i of every row, then call i+1 …; odd rounds reversed) so a busy moment of the shared machine hits all rows alike. */
async function measureAll(rows: Array<[string, () => Promise<void>]>): Promise<Array<[string, ReturnType<typeof stats>]>> {
  for (let i = 0; i < WARMUP; i++) for (const [, call] of rows) await call();
  const samples = rows.map(() => [] as number[]);
  for (let i = 0; i < CALLS; i++) {
    // Every other round in reverse order, so no row always follows the same neighbour.
    const order = [...rows.entries()];
    if (i % 2 === 1) order.reverse();
    for (const [r, [, call]] of order) {
      const t = performance.now();
      await call();
      samples[r]!.push(performance.now() - t);
    }
  }
  return rows.map(([name], r) => [name, stats(samples[r]!)]);
}

const sim = await startSimulator({ port: 0 });
const rest = await startRestSimulator(sim);
const home = mkdtempSync(path.join(os.tmpdir(), 'kcp-bench-rest-'));
try {
  const credentials = RestCredentials.fromFiles({ certFile: rest.merchant.certFile, keyFile: rest.merchant.keyFile, password: { value: rest.merchant.password } });
  const gw = new RestGateway({ siteCd: 'T0000', credentials, baseUrl: rest.url, ca: rest.caPem });
  let seq = 0;
  const window = (amount: number) => {
    const id = `BENCH${process.pid}${++seq}`;
    return { id, win: sim.pay({ site_cd: 'T0000', ordr_idxx: id, good_mny: amount }) };
  };

  // pp_cli: the stand-in as <home>/bin/pp_cli, native runner when the addon loads (else execa, said below).
  mkdirSync(path.join(home, 'bin'));
  const standin = standInBuildPath();
  if (!existsSync(standin)) throw new Error(`no stand-in at ${standin}: run npm install (node scripts/build-native.mjs)`);
  copyFileSync(standin, path.join(home, 'bin', 'pp_cli'));
  const addon = loadAddon();
  const runner = addon.ok ? new NativeRunner(addon.addon) : new ExecaRunner();
  const conf = SiteConf.testPreset({ homeDir: home, logDir: path.join(home, 'log'), gwUrl: '127.0.0.1', gwPort: String(sim.port), jsUrl: `${sim.url}/plugin/payplus_test.js` });
  const payplus = new PayPlus(conf, { runner, logger: silentLogger, store: new MemoryStore() });

  const calls: Array<[string, () => Promise<void>]> = [];
  calls.push(['simulator only (Gateway.handle in process)', async () => {
    const { win } = window(1000);
    const out = sim.gateway.handle('00100000', new Map([['site_cd', 'T0000'], ['site_key', ''], ['enc_data', win.enc_data], ['enc_info', win.enc_info], ['ordr_data', 'ordr_mony=1000']]));
    if (out.fields[0]![1] !== '0000') throw new Error('sim refused');
  }]);
  const bareUrl = new URL('/gw/enc/v1/payment', rest.url);
  calls.push(['bare https POST (no SDK, new TLS connection)', async () => {
    const { win } = window(1000);
    const body = JSON.stringify({ tran_cd: '00100000', site_cd: 'T0000', kcp_cert_info: credentials.certInfo, enc_data: win.enc_data, enc_info: win.enc_info, ordr_mony: '1000' });
    const text = await new Promise<string>((resolve, reject) => {
      const req = https.request({ hostname: bareUrl.hostname, port: bareUrl.port, path: bareUrl.pathname, method: 'POST', agent: false, ca: rest.caPem, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });
      req.on('error', reject);
      req.end(body);
    });
    if (!text.includes('"0000"')) throw new Error('bare refused');
  }]);
  calls.push(['RestGateway.approve (SDK, REST)', async () => {
    const { id, win } = window(1000);
    const a = await gw.approve({ orderId: id, amount: 1000, encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd });
    if (a.resCd !== '0000') throw new Error('rest refused');
  }]);
  const answers = path.join(home, 'answers');
  calls.push([DURABLE_ROW, async () => {
    const { id, win } = window(1000);
    const a = await gw.approve({ orderId: id, amount: 1000, encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd }, { answerFile: path.join(answers, `${id}.out`) });
    if (a.resCd !== '0000') throw new Error('rest (durable) refused');
  }]);
  calls.push([`PayPlus.approve via pp_cli (stand-in, ${addon.ok ? 'native' : 'execa'} runner)`, async () => {
    const { id, win } = window(1000);
    const a = await payplus.approve({ tranCd: win.tran_cd, encData: win.enc_data, encInfo: win.enc_info, traceNo: win.trace_no, ordrIdxx: id, amount: 1000, custIp: '127.0.0.1', usePayMethod: win.use_pay_method });
    if (a.resCd !== '0000') throw new Error('pp_cli refused');
  }]);
  // The SDK's own work on one approval without any I/O: input checks, JSON from strings, answer parse, typed approval.
  const answerText = JSON.stringify(rest.requests.at(-1)?.answer ?? {});
  calls.push(['SDK work only (checks + buildJson + parseAnswer + toApproval, no I/O)', async () => {
    const { win } = window(1000);
    const text = buildJson({ tran_cd: '00100000', site_cd: 'T0000', kcp_cert_info: credentials.certInfo, enc_data: win.enc_data, enc_info: win.enc_info, ordr_mony: '1000' });
    if (text.length === 0) throw new Error('empty');
    toApproval(parseAnswer(answerText)!);
  }]);
  const rows = await measureAll(calls);
  await payplus.close();

  const by = Object.fromEntries(rows);
  const restSdk = by['RestGateway.approve (SDK, REST)']!.mean;
  const bare = by['bare https POST (no SDK, new TLS connection)']!.mean;
  const durable = by[DURABLE_ROW]!.mean;
  const ppcli = rows[4]![1].mean;
  const sdkOnly = rows[5]![1].mean;
  const f = (n: number) => n.toFixed(3);
  console.log(`# kcp-payplus REST transport benchmark\n`);
  console.log(`machine: nproc ${os.cpus().length}; ${os.cpus()[0]?.model ?? '?'}; node ${process.version}`);
  console.log(`approvals per row: ${CALLS} (after ${WARMUP} warm-up calls), one at a time, rows round-robin\n`);
  console.log('| one approval | mean ms | p50 ms | p99 ms | x bare https |');
  console.log('|---|---|---|---|---|');
  for (const [name, s] of rows) console.log(`| ${name} | ${f(s.mean)} | ${f(s.p50)} | ${f(s.p99)} | ${(s.mean / bare).toFixed(2)} |`);
  console.log('');
  console.log(`SDK overhead per REST call, end to end (RestGateway.approve − bare https): ${f(restSdk - bare)} ms`);
  console.log(`SDK overhead per REST call, its own work (the no-I/O row; it also mints the window, so an upper bound): ${f(sdkOnly)} ms`);
  console.log(`durable answers (payplus.rest_durable_answers, the default), cost per approval: ${f(durable - restSdk)} ms (${(durable / restSdk).toFixed(2)}x the in-process call)`);
  console.log(`pp_cli transport vs REST transport, durable (mean): ${f(ppcli)} ms vs ${f(durable)} ms = ${(ppcli / durable).toFixed(2)}x`);
  console.log(`pp_cli transport vs REST transport, in process (mean): ${f(ppcli)} ms vs ${f(restSdk)} ms = ${(ppcli / restSdk).toFixed(2)}x`);
} finally {
  await rest.close();
  await sim.close();
  rmSync(home, { recursive: true, force: true });
}
