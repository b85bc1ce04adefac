/**
 * The operator commands on a payplus.transport 'rest' site, against the simulator's PG-API (no pp_cli in the site's
 * home): every first line names the transport; `recover` settles an unknown attempt that has a tno by KCP's inquiry;
 * an approval answered 0000 without a tno (the simulator's 995 trigger) is unknown end to end and stays for a person;
 * `trace` tells an order's story from the SDK's log (each PG-API exchange, masked) and the payment store; `doctor`
 * runs the REST checks and reports the pp_cli ones as not used — and on a pp_cli site the reverse.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PayPlus, SiteConf, SqliteStore } from '../../lib/index.js';
import { RestGateway } from '../../lib/gateway/index.js';
import type { LogEvent } from '../../lib/log/types.js';
import { currentOwner } from '../../lib/store/owner.js';
import { startSimulator, type Simulator } from '../../lib/sim/index.js';
import { startRestSimulator, type RestSimulator } from '../../lib/sim/rest/index.js';
import { runCli } from '../helpers/cli.js';
import { restSiteConf } from '../helpers/rest-conf.js';

/** Every line of every SDK log file under `dir`. */
function sdkLog(dir: string): string {
  const out: string[] = [];
  for (const month of readdirSync(dir).filter((n) => /^\d{6}$/.test(n))) {
    for (const name of readdirSync(path.join(dir, month)).filter((n) => n.endsWith('_kcp-payplus.log'))) {
      out.push(readFileSync(path.join(dir, month, name), 'utf8'));
    }
  }
  return out.join('');
}

describe('kcp-payplus commands on a payplus.transport "rest" site', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let rest: RestSimulator;
  let home: string;
  let cfg: string;
  let conf: SiteConf;
  let store: SqliteStore;
  let seq = 0;
  const orderId = (tag: string) => `R${tag}-${process.pid}-${++seq}`;

  before(async () => {
    sim = await startSimulator({ port: 0 });
    rest = await startRestSimulator(sim);
    home = mkdtempSync(path.join(os.tmpdir(), 'kcp-cli-rest-'));
    // Level 3: every exchange with KCP's answer in full (masked) is in the log the leak check below reads.
    conf = SiteConf.fromFile({ ...restSiteConf(home, sim, rest).toFile(), g_conf_log_level: '3' });
    mkdirSync(path.join(home, 'cfg'));
    cfg = path.join(home, 'cfg', 'site_conf_inc.json');
    writeFileSync(cfg, JSON.stringify(conf.toFile()));
    mkdirSync(conf.logDir, { recursive: true, mode: 0o700 });
    store = new SqliteStore(path.join(conf.logDir, 'payplus.sqlite'));
    await store.ready();
  });
  after(async () => {
    await store?.close();
    await rest?.close();
    await sim?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('cancel names the transport in its first line and reaches the PG-API', async () => {
    const ordrIdxx = orderId('C');
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: 7000, method: 'card' });
    const { tno } = await RestGateway.fromConfig(conf).approve({ orderId: ordrIdxx, amount: 7000, encData: w.enc_data, encInfo: w.enc_info, tranCd: w.tran_cd });
    const res = await runCli(['cancel', '--config', cfg, '--tno', tno, '--amount', '2000', '--balance', '7000']);
    assert.equal(res.code, 0, res.err);
    assert.equal(res.err, `kcp-payplus cancel: config ${cfg} (from --config), transport rest, store sqlite:${store.file}\n`);
    assert.deepEqual([rest.requests.at(-1)!.path, rest.requests.at(-1)!.fields.mod_type, rest.requests.at(-1)!.fields.rem_mny], ['/gw/mod/v1/cancel', 'STPC', '7000']);
    assert.equal(sim.state.transactions.get(tno)!.balance, 5000);
  });

  it('recover settles an unknown attempt that has a tno by asking KCP (inquiry), and cancels what was never committed', async () => {
    const ordrIdxx = orderId('U');
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: 9000, method: 'card' });
    const { tno } = await RestGateway.fromConfig(conf).approve({ orderId: ordrIdxx, amount: 9000, encData: w.enc_data, encInfo: w.enc_info, tranCd: w.tran_cd });
    // A worker on another host got the tno but not the whole answer, and its lease ran out: nothing here can see its
    // files or processes — on REST the inquiry is proof on any host.
    const owner = { host: 'gone-web-3', pid: 4242, start: `${currentOwner().start.split(':')[0]}:other-pid-namespace:1` };
    const id = `unknown-${seq}`;
    await store.begin({ id, ordrIdxx, amount: '9000', owner, leaseUntil: Date.now() - 1000, commitMode: 'store', durableOutput: false });
    await store.update(id, ['started'], { state: 'unknown', tno, method: 'card', note: 'the answer was cut' }, owner);
    const before = rest.requests.length;

    const res = await runCli(['recover', '--config', cfg, '--ip', '10.0.0.7']);
    assert.equal(res.code, 0, `${res.out}${res.err}`);
    assert.equal(res.out.split('\n')[0], `kcp-payplus recover: config ${cfg} (from --config), transport rest, store sqlite:${store.file}`);
    assert.match(res.out, new RegExp(`^cancelled {4}ordr_idxx=${ordrIdxx} tno=${tno} id=${id}$`, 'm'));
    const asked = rest.requests.slice(before).map((r) => [r.path, r.fields.tno, r.answer.res_cd]);
    assert.deepEqual(asked, [['/std/inquery', tno, '0000'], ['/gw/mod/v1/cancel', tno, '0000']]);
    assert.equal(sim.state.transactions.get(tno)!.state, 'cancelled');
    assert.equal((await store.get(id))!.state, 'cancelled');
  });

  it('a success without a tno (amount …995) is unknown through processPayment, recover leaves it to a person, trace tells it', async () => {
    const ordrIdxx = orderId('N');
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: 12995, method: 'card' });
    const form = { tran_cd: w.tran_cd, enc_data: w.enc_data, enc_info: w.enc_info, trace_no: w.trace_no, ordr_idxx: ordrIdxx, use_pay_method: w.use_pay_method };
    const shop = new PayPlus(conf, { store });
    const outcome = await shop.processPayment(form, { custIp: '127.0.0.1', expectedAmount: 12995, commit: () => assert.fail('never committed') });
    assert.equal(outcome.status, 'unknown');
    if (outcome.status !== 'unknown') return;
    assert.equal(outcome.error.field, 'tno');
    assert.match(outcome.error.message, /^approval answered 0000 but without a valid tno \(""\)/);
    const answer = rest.requests.at(-1)!;
    assert.deepEqual([answer.path, answer.answer.res_cd, 'tno' in answer.answer], ['/gw/enc/v1/payment', '0000', false]);
    const charged = [...sim.state.transactions.values()].find((t) => t.ordrIdxx === ordrIdxx)!;
    assert.equal(charged.state, 'approved', 'the simulator approved and recorded it: money without an order');
    const left = (await store.get(outcome.attemptId))!;
    assert.deepEqual([left.state, left.tno], ['unknown', undefined]);

    const before = rest.requests.length;
    const recovered = await runCli(['recover', '--config', cfg]);
    assert.equal(recovered.code, 1, 'an unknown needs a person');
    // The exchange child's answer file holds KCP's answer: a 0000 without a tno, proof of nothing but "not a refusal".
    assert.match(recovered.out, new RegExp(`^UNKNOWN {6}ordr_idxx=${ordrIdxx} tno=- id=${outcome.attemptId} the answer file says res_cd=0000 but holds no valid tno`, 'm'));
    assert.equal(rest.requests.length, before, 'nothing to ask KCP without a tno, and nothing cancelled');
    assert.equal(charged.state, 'approved');

    const traced = await runCli(['trace', ordrIdxx, '--config', cfg]);
    assert.equal(traced.code, 0, traced.err);
    const lines = traced.out.split('\n');
    assert.equal(lines[0], `kcp-payplus trace: config ${cfg} (from --config), transport rest, log folders ${conf.logDir}, store sqlite:${store.file}`);
    assert.match(traced.out, /sdk +L0 .* tx\.start transport=rest what=approval path=\/gw\/enc\/v1\/payment\n/);
    assert.match(traced.out, /sdk +L0 .* tx\.end transport=rest what=approval path=\/gw\/enc\/v1\/payment res_cd=0000 res_msg=\S+ tno=\n/);
    assert.match(traced.out, /sdk +L0 .* payment\.unknown \[unknown\] id=\S+ message=approval answered 0000 but without a valid tno/);
    assert.match(traced.out, new RegExp(`\\n1 attempt in the payment store:\\n {2}attempt ${outcome.attemptId} ordr_idxx=${ordrIdxx} state=unknown tno=- .*amount=12995 created `));
    await shop.close();
  });

  it("trace by tno follows a REST cancel to its order; the SDK's log holds no enc_data, certificate, key password or card number", async () => {
    const ordrIdxx = orderId('T');
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: 6000, method: 'card' });
    const form = { tran_cd: w.tran_cd, enc_data: w.enc_data, enc_info: w.enc_info, trace_no: w.trace_no, ordr_idxx: ordrIdxx, use_pay_method: w.use_pay_method };
    const shop = new PayPlus(conf, { store });
    const outcome = await shop.processPayment(form, { custIp: '127.0.0.1', expectedAmount: 6000, commit: (a) => a.tno });
    await shop.close();
    assert.equal(outcome.status, 'approved');
    if (outcome.status !== 'approved') return;
    const { tno } = outcome.approval;
    assert.equal((await runCli(['cancel', '--config', cfg, '--tno', tno, '--reason', 'test'])).code, 0);

    const res = await runCli(['trace', tno, '--config', cfg, '--json']);
    assert.equal(res.code, 0, res.err);
    const story = JSON.parse(res.out) as { ids: string[]; entries: Array<{ step: string; text: string }>; attempts: Array<{ id: string; state: string; tno: string }> };
    assert.ok(story.ids.includes(ordrIdxx), 'the cancel (by tno) leads to the order');
    const exchanges = story.entries.filter((e) => e.step === 'tx.end').map((e) => /what=(\w+) path=(\S+)(?: tno=\d{14})? res_cd=(\d{4})/.exec(e.text)?.slice(1) ?? e.text);
    assert.deepEqual(exchanges, [['approval', '/gw/enc/v1/payment', '0000'], ['cancel', '/gw/mod/v1/cancel', '0000']]);
    assert.deepEqual(story.attempts.map((a) => [a.id, a.state, a.tno]), [[outcome.attemptId, 'committed', tno]]);

    const log = sdkLog(conf.logDir);
    assert.match(log, /"event":"tx\.result"/, 'level 3 is on: the answers are in the log');
    assert.match(log, /"event":"tx\.request\.fields"/);
    const certBody = rest.merchant.certPem.split('\n')[1]!;
    for (const secret of [w.enc_data, w.enc_info, certBody, rest.merchant.password, 'kcp_cert_info', 'kcp_sign_data', 'enc_data', 'enc_info']) {
      assert.equal(log.includes(secret), false, `the SDK log holds ${secret.slice(0, 12)}…`);
    }
  });

  it('the REST gateway logs each exchange at the levels of a pp_cli run, buyer contact and batch key masked', async () => {
    const events: LogEvent[] = [];
    const gw = RestGateway.fromConfig(conf, { logger: { log: (e) => events.push(e) } });
    const win = rest.batchWindow({ siteCd: 'T0000', groupId: 'GRP-LOG' });
    const key = await gw.issueBatchKey({ encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd });
    events.length = 0;
    const ordrIdxx = orderId('B');
    const buyer = { buyerName: '홍길동', buyerEmail: 'gildong.hong@example.com', buyerPhone: '010-7391-2468' };
    const charged = await gw.chargeBatchKey({ batchKey: key.batchKey, groupId: 'GRP-LOG', orderId: ordrIdxx, amount: 3300, goodName: 'monthly', ...buyer });
    assert.deepEqual(events.map((e) => [e.event, e.level, e.ordrIdxx]), [
      ['tx.start', 0, ordrIdxx], ['tx.request', 1, ordrIdxx], ['tx.request.fields', 2, ordrIdxx], ['tx.end', 0, ordrIdxx], ['tx.result', 3, ordrIdxx],
    ]);
    assert.deepEqual(events[3]!.fields, { transport: 'rest', what: 'batch charge', path: '/gw/hub/v1/payment', res_cd: '0000', res_msg: charged.resMsg, tno: charged.tno });
    const sent = events[2]!.fields!;
    assert.equal(sent.amount, '3300');
    assert.equal(sent.kcp_cert_info, undefined, 'the certificate is never logged');
    assert.match(String(sent.bt_batch_key), /^\[masked:16\]$/);
    const text = JSON.stringify(events);
    for (const clear of [key.batchKey, buyer.buyerEmail, buyer.buyerPhone, '7391', buyer.buyerName]) assert.equal(text.includes(clear), false, `${clear} in the log`);

    // A refused connection before sending: tx.error at level 0 says the outcome is known.
    events.length = 0;
    const closed = RestGateway.fromConfig(SiteConf.fromFile({ ...conf.toFile(), payplus: { ...conf.toFile().payplus, rest_url: 'https://127.0.0.1:1' } }), { logger: { log: (e) => events.push(e) } });
    await assert.rejects(closed.modify({ kind: 'cancel', tno: charged.tno }), { code: 'connection_failed' });
    assert.deepEqual(events.map((e) => [e.event, e.level, e.fields?.outcome_known]), [['tx.start', 0, undefined], ['tx.request', 1, undefined], ['tx.request.fields', 2, undefined], ['tx.error', 0, true]]);
  });

  it('doctor: the REST checks run (files, key, host, https connect to the PG-API); the pp_cli checks say they are not used', async () => {
    const res = await runCli(['doctor', '--config', cfg, '--json']);
    assert.equal(res.err, `kcp-payplus doctor: config ${cfg} (from --config), transport rest\n`);
    const report = JSON.parse(res.out) as { results: Array<{ id: string; status: string; detail: string; ko: { detail: string } }> };
    const status = Object.fromEntries(report.results.map((r) => [r.id, r.status]));
    for (const id of ['rest.cert_file', 'rest.key_file', 'rest.password_file', 'rest.cert_valid', 'rest.key', 'rest.host', 'rest.durable_answers']) assert.equal(status[id], 'pass', id);
    assert.equal(status[`network.connect:${rest.port}`], 'pass', 'the PG-API host, not the pp_cli gateway, is connected to');
    assert.equal(status['network.dns'], 'pass');
    const module = report.results.filter((r) => r.id.startsWith('module'));
    assert.deepEqual(module.map((r) => [r.id, r.status]), [['module', 'skip']]);
    assert.match(module[0]!.detail, /^not used with transport rest: approvals, cancels and recovery go to KCP's PG-API \(REST\); only capture/);
    assert.match(module[0]!.ko.detail, /^payplus\.transport rest에서는 쓰지 않습니다: /);
    assert.equal(status['log.pp_cli_level'], 'skip');
    assert.equal(status['log.dir'], 'pass');
    const pp = report.results.filter((r) => /pp_cli/.test(r.detail) && r.status !== 'skip');
    assert.deepEqual(pp.map((r) => r.id), [], 'no pp_cli finding that passes, warns or fails on a REST site');
    assert.deepEqual(report.results.filter((r) => r.status === 'fail' || r.status === 'warn').map((r) => r.id), ['webroot.outside', 'notify.url'], 'only the web roots and notify URL are not set here');

    const table = await runCli(['doctor', '--config', cfg, '--lang', 'ko', '--offline']);
    assert.match(table.out, /^pp_cli 모듈 \(bin\/pp_cli\) +SKIP: payplus\.transport rest에서는/m);
  });

  it('doctor on a REST file SiteConf refuses (no certificate): read leniently, the missing files fail, pp_cli is still not used', async () => {
    const bad = path.join(home, 'cfg', 'no-cert.json');
    const { rest_cert_file: _c, rest_key_file: _k, ...payplus } = conf.toFile().payplus ?? {};
    writeFileSync(bad, JSON.stringify({ ...conf.toFile(), payplus }));
    const res = await runCli(['doctor', '--config', bad, '--json', '--offline']);
    assert.equal(res.code, 1);
    assert.equal(res.err, `kcp-payplus doctor: config ${bad} (from --config), transport rest\n`);
    const results = (JSON.parse(res.out) as { results: Array<{ id: string; status: string; detail: string }> }).results;
    const cert = results.find((r) => r.id === 'rest.cert_file')!;
    assert.deepEqual([cert.status, cert.detail], ['fail', "payplus.transport is 'rest' but payplus.rest_cert_file, payplus.rest_key_file are not set."]);
    assert.equal(results.find((r) => r.id === 'module')?.status, 'skip');
  });

  it('doctor on a pp_cli site: one skip line for the PG-API checks, in both languages', async () => {
    const ppCfg = path.join(home, 'cfg', 'pp_cli.json');
    const { transport: _t, ...payplus } = conf.toFile().payplus ?? {};
    writeFileSync(ppCfg, JSON.stringify({ ...conf.toFile(), payplus: { ...payplus, transport: 'pp_cli' } }));
    const res = await runCli(['doctor', '--config', ppCfg, '--json', '--offline', '--no-smoke']);
    assert.equal(res.err, `kcp-payplus doctor: config ${ppCfg} (from --config), transport pp_cli\n`);
    const results = (JSON.parse(res.out) as { results: Array<{ id: string; status: string; detail: string; ko: { detail: string } }> }).results;
    const restLines = results.filter((r) => r.id.startsWith('rest'));
    assert.deepEqual(restLines.map((r) => [r.id, r.status]), [['rest', 'skip']]);
    assert.equal(restLines[0]!.detail, "not used with transport pp_cli: payplus.transport 'rest' switches to KCP's PG-API.");
    assert.equal(restLines[0]!.ko.detail, "payplus.transport pp_cli에서는 쓰지 않습니다: payplus.transport를 'rest'로 하면 KCP PG-API를 씁니다.");
    assert.equal(results.find((r) => r.id === 'module.present')?.status, 'fail', 'pp_cli is needed here and missing');
  });
});
