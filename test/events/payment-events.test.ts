/**
 * Payment events end to end (stand-in pp_cli + simulator): a tampered amount, a closed window, an order paid twice
 * and a vbank deposit each produce their typed event (listener), their SDK log line and their `trace` entry, the
 * Prometheus text counts them exactly, and a listener that throws breaks nothing.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KcpAmountMismatchError, KcpDuplicateOrderError } from '../../lib/errors.js';
import { PAYMENT_EVENT_TABLE, toPaymentEvent, type PaymentEvent } from '../../lib/events/index.js';
import { PayPlus, SiteConf, commonReturnHandler } from '../../lib/index.js';
import { consoleLine } from '../../lib/log/console-logger.js';
import { logDirsOf } from '../../lib/log/paths.js';
import { silentLogger } from '../../lib/log/types.js';
import { ExecaRunner, MemoryStore, startSimulator, type Simulator } from '../../lib/testing/index.js';
import { runTraceCommand } from '../../lib/cli/commands/trace.js';
import { listLogFiles } from '../../lib/trace/index.js';
import { expressWindowReturn } from '../../lib/window/index.js';
import { standinPath } from '../sim/support/standin.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { currentOwner } from '../../lib/store/owner.js';
import { testConfData } from '../helpers/conf.js';

function kcpHome(): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'kcp-events-'));
  mkdirSync(path.join(home, 'bin'));
  copyFileSync(standinPath(), path.join(home, 'bin', 'pp_cli'));
  return home;
}

function listen(handler: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const urlOf = (server: http.Server, p: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${p}`;
const close = (server: http.Server) => new Promise<void>((r) => server.close(() => r()));

describe('payment events (stand-in pp_cli + simulator)', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let payplus: PayPlus;
  let conf: SiteConf;
  const events: PaymentEvent[] = [];
  let thrown = 0;

  before(async () => {
    sim = await startSimulator({ port: 0, retryDelaysMs: [20] });
    const home = kcpHome();
    conf = SiteConf.testPreset({
      homeDir: home,
      logDir: path.join(home, 'log'),
      logLevel: 3,
      gwUrl: '127.0.0.1',
      gwPort: String(sim.port),
      jsUrl: `${sim.url}/plugin/payplus_test.js`,
    });
    // The default logger (the SDK log file), a listener by option, and one that always throws.
    payplus = new PayPlus(conf, { runner: new ExecaRunner(), store: new MemoryStore(), onEvent: (e) => void events.push(e) });
    payplus.on('event', () => {
      thrown += 1;
      throw new Error('the merchant listener is broken');
    });
  });
  after(async () => {
    await sim.close();
    await payplus.close();
  });

  const commit = (approval: { tno: string }) => approval.tno;
  function window(ordrIdxx: string, amount: number, method: 'card' | 'vbank' = 'card') {
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: ordrIdxx, good_mny: amount, method });
    return { tran_cd: w.tran_cd, enc_data: w.enc_data, enc_info: w.enc_info, trace_no: w.trace_no, use_pay_method: w.use_pay_method, ordr_idxx: ordrIdxx };
  }
  const sdkLines = () =>
    listLogFiles(logDirsOf(conf))
      .filter((f) => f.source === 'sdk')
      .flatMap((f) => readFileSync(f.path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
  const logged = (event: string, ordrIdxx: string) => sdkLines().filter((l) => l.event === event && l.ordr_idxx === ordrIdxx);
  /** What `kcp-payplus trace <order> --log-dir …` prints. */
  const story = async (ordrIdxx: string) => {
    const out: string[] = [];
    const args = [ordrIdxx, ...logDirsOf(conf).flatMap((d) => ['--log-dir', d])];
    const code = await runTraceCommand(args, { loadConf: () => Promise.reject(new Error('no config here')), stdout: (t) => void out.push(t), stderr: (t) => void out.push(t) });
    assert.equal(code, 0, out.join(''));
    return out.join('');
  };
  const typesOf = (ordrIdxx: string) => events.filter((e) => e.ordrIdxx === ordrIdxx).map((e) => e.type);

  it('a tampered amount is refused before the module: event, SDK log line (level 0), trace entry', async () => {
    await assert.rejects(
      payplus.processPayment({ ...window('EVT-TAMPER-1', 10000), good_mny: '100' }, { custIp: '127.0.0.1', expectedAmount: 10000, commit }),
      KcpAmountMismatchError,
    );
    assert.deepEqual(typesOf('EVT-TAMPER-1'), ['refused']);
    const e = events.find((x) => x.ordrIdxx === 'EVT-TAMPER-1')!;
    assert.ok(e.type === 'refused' && e.reason === 'amount_mismatch');
    assert.deepEqual(e.fields, { reason: 'amount_mismatch', form_amount: '100', amount: '10000' });
    const lines = logged('payment.refused', 'EVT-TAMPER-1');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, 0);
    assert.deepEqual(lines[0]!.fields, { reason: 'amount_mismatch', form_amount: '100', amount: '10000' });
    assert.match(await story('EVT-TAMPER-1'), /sdk {4}L0 .* payment\.refused \[refused\] reason=amount_mismatch form_amount=100 amount=10000\n/);
    const record = { time: '2026-12-03T10:00:00.000+09:00', level: 0 as const, event: 'payment.refused', ordr_idxx: 'EVT-TAMPER-1', trace_no: '', fields: lines[0]!.fields as Record<string, unknown> };
    assert.equal(consoleLine(record), 'kcp-payplus 10:00:00.000 payment.refused ordr_idxx=EVT-TAMPER-1 reason=amount_mismatch');
  });

  it('a closed window (3001) is its own event, line and trace entry; nothing reaches pp_cli', async () => {
    const server = await listen(
      expressWindowReturn<{ amount: number }, string>({
        payplus,
        findOrder: () => ({ amount: 10000 }),
        commit: (approval) => approval.tno,
        respond: (res, result) => void res.writeHead(200, { 'content-type': 'text/plain' }).end(result.status),
      }),
    );
    try {
      const body = new URLSearchParams({ res_cd: '3001', res_msg: 'user cancel', ordr_idxx: 'EVT-CLOSED-1', tran_cd: '' }).toString();
      const reply = await fetch(urlOf(server, '/return'), { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(await reply.text(), 'user_cancelled');
    } finally {
      await close(server);
    }
    assert.deepEqual(typesOf('EVT-CLOSED-1'), ['window_closed']);
    const lines = logged('payment.window_exit', 'EVT-CLOSED-1');
    assert.deepEqual(lines.map((l) => [l.level, l.fields]), [[1, { res_cd: '3001', res_msg: 'user cancel' }]]);
    assert.match(await story('EVT-CLOSED-1'), /payment\.window_exit \[window_closed\] res_cd=3001 res_msg=user cancel\n/);
    assert.equal(sim.state.requests.filter((r) => Object.values(r.fields).includes('EVT-CLOSED-1')).length, 0);
  });

  it('paying an order twice: approved, then duplicate (nothing sent the second time)', async () => {
    const first = await payplus.processPayment(window('EVT-TWICE-1', 5000), { custIp: '127.0.0.1', expectedAmount: 5000, commit });
    assert.equal(first.status, 'approved', 'a throwing listener does not break the payment');
    await assert.rejects(
      payplus.processPayment(window('EVT-TWICE-1', 5000), { custIp: '127.0.0.1', expectedAmount: 5000, commit }),
      KcpDuplicateOrderError,
    );
    assert.deepEqual(typesOf('EVT-TWICE-1'), ['approved', 'duplicate']);
    const tno = first.status === 'approved' ? first.approval.tno : '';
    const approved = events.find((e) => e.ordrIdxx === 'EVT-TWICE-1' && e.type === 'approved');
    assert.ok(approved?.type === 'approved' && approved.tno === tno && approved.attemptId === first.attemptId);
    const dup = logged('payment.duplicate', 'EVT-TWICE-1');
    assert.deepEqual(dup.map((l) => [l.level, l.fields]), [[1, { blocking: first.attemptId, state: 'committed', tno }]]);
    const s = await story('EVT-TWICE-1');
    assert.ok(s.indexOf('payment.committed [approved]') > 0 && s.indexOf('payment.duplicate [duplicate]') > s.indexOf('payment.committed [approved]'), s);
  });

  it('a vbank deposit notification: received and handled, in the SDK log, and in the order\'s trace after its approval', async () => {
    const seen: string[] = [];
    const server = await listen(
      commonReturnHandler({ env: 'TEST', allowLocal: true, logger: payplus.logger, store: payplus.notificationStore(), handler: (n) => void seen.push(n.txCd) }),
    );
    try {
      sim.notifyUrl = urlOf(server, '/common_return');
      const paid = await payplus.processPayment(window('EVT-VBANK-1', 10000, 'vbank'), { custIp: '127.0.0.1', expectedAmount: 10000, commit });
      assert.ok(paid.status === 'approved' && paid.approval.method === 'vbank');
      const report = await sim.deposit(paid.approval.tno, { amount: 10000, remitter: '홍길동' });
      assert.equal(report.delivered, true);
      assert.deepEqual(seen, ['TX00']);
      assert.deepEqual(typesOf('EVT-VBANK-1'), ['approved', 'notification_received', 'notification_handled']);
      const handled = events.find((e) => e.type === 'notification_handled');
      assert.ok(handled?.type === 'notification_handled' && handled.txCd === 'TX00' && handled.tno === paid.approval.tno && handled.notiId === report.notiId);
      assert.equal(logged('notify.received', 'EVT-VBANK-1').length, 1);
      // noti_id is an identifier: kept whole in the log, so "did the deposit arrive?" is answered by KCP's own id.
      assert.deepEqual(logged('notify.processed', 'EVT-VBANK-1').map((l) => [l.level, (l.fields as Record<string, string>).noti_id]), [[1, report.notiId]]);
      const s = await story('EVT-VBANK-1');
      const order = ['payment.committed [approved]', 'notify.received [notification_received] txCd=TX00', 'notify.processed [notification_handled] txCd=TX00'].map((t) => s.indexOf(t));
      assert.ok(order[0]! > 0 && order[0]! < order[1]! && order[1]! < order[2]!, s);
    } finally {
      sim.notifyUrl = undefined;
      await close(server);
    }
  });

  it('the counters, as Prometheus text, count exactly those events; the throwing listener was contained and logged', async () => {
    const text = await payplus.metrics();
    assert.equal(
      text,
      [
        '# HELP kcp_payplus_events_total Payment and notification events by type (README "Payment events and metrics").',
        '# TYPE kcp_payplus_events_total counter',
        'kcp_payplus_events_total{event="approved"} 2',
        'kcp_payplus_events_total{event="declined"} 0',
        'kcp_payplus_events_total{event="refused"} 1',
        'kcp_payplus_events_total{event="window_closed"} 1',
        'kcp_payplus_events_total{event="window_failed"} 0',
        'kcp_payplus_events_total{event="duplicate"} 1',
        'kcp_payplus_events_total{event="auto_cancelled"} 0',
        'kcp_payplus_events_total{event="cancel_failed"} 0',
        'kcp_payplus_events_total{event="unknown"} 0',
        'kcp_payplus_events_total{event="overdue"} 0',
        'kcp_payplus_events_total{event="recovered"} 0',
        'kcp_payplus_events_total{event="notification_received"} 1',
        'kcp_payplus_events_total{event="notification_handled"} 1',
        'kcp_payplus_events_total{event="notification_duplicate"} 0',
        'kcp_payplus_events_total{event="notification_refused"} 0',
        'kcp_payplus_events_total{event="notification_failed"} 0',
        '# HELP kcp_payplus_event_reasons_total Refusals before the module and automatic cancels by reason.',
        '# TYPE kcp_payplus_event_reasons_total counter',
        'kcp_payplus_event_reasons_total{event="refused",reason="amount_mismatch"} 1',
        '# HELP kcp_payplus_listener_errors_total Event listeners that threw (contained; the payment went on).',
        '# TYPE kcp_payplus_listener_errors_total counter',
        'kcp_payplus_listener_errors_total 7',
        '',
      ].join('\n'),
    );
    assert.equal(thrown, 7);
    assert.equal(events.length, 7);
    const failures = sdkLines().filter((l) => l.event === 'events.listener_failed');
    assert.equal(failures.length, 7);
    assert.deepEqual(failures[0]!.fields, { type: 'refused', message: 'the merchant listener is broken' });
  });

  it('health() lists nothing that needs a person after these payments, with the counters', async () => {
    const health = await payplus.health();
    assert.deepEqual([health.ok, health.needsAttention, health.inProgress], [true, [], 0]);
    assert.equal(health.counters.events.approved, 2);
    assert.match(await payplus.metrics({ openAttempts: true }), /\nkcp_payplus_open_attempts\{kind="unknown"\} 0\n/);
  });
});

describe('payment events: a decline and a refusal before the module (stand-in pp_cli + simulator)', function () {
  this.timeout(60_000);
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ port: 0 });
  });
  after(() => sim.close());

  it('KCP refusing 8059 is declined; an empty enc_data is refused (invalid_input) before the module, naming the field', async () => {
    const home = kcpHome();
    const conf = SiteConf.testPreset({ homeDir: home, logDir: path.join(home, 'log'), gwUrl: '127.0.0.1', gwPort: String(sim.port), jsUrl: `${sim.url}/plugin/payplus_test.js` });
    const events: PaymentEvent[] = [];
    const payplus = new PayPlus(conf, { runner: new ExecaRunner(), logger: silentLogger, store: new MemoryStore(), onEvent: (e) => void events.push(e) });
    const w = sim.pay({ site_cd: 'T0000', ordr_idxx: 'EVT-DECL-1', good_mny: 10000, method: 'card' });
    // No good_mny in the form: the SDK cannot see the difference, KCP does (ordr_mony 9000 against the window's 10000).
    const out = await payplus.processPayment(
      { tran_cd: w.tran_cd, enc_data: w.enc_data, enc_info: w.enc_info, trace_no: w.trace_no, use_pay_method: w.use_pay_method, ordr_idxx: 'EVT-DECL-1' },
      { custIp: '127.0.0.1', expectedAmount: 9000, commit: () => 'never' },
    );
    assert.equal(out.status, 'declined');
    await assert.rejects(
      payplus.processPayment({ tran_cd: '00100000', enc_data: '', enc_info: 'x', ordr_idxx: 'EVT-BAD-1' }, { custIp: '127.0.0.1', expectedAmount: 1000, commit: () => 'never' }),
      (e: unknown) => e instanceof Error && e.name === 'KcpInputError',
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.ordrIdxx, e.type === 'declined' ? e.resCd : e.type === 'refused' ? `${e.reason}:${String(e.fields.field)}` : '']),
      [
        ['declined', 'EVT-DECL-1', '8059'],
        ['refused', 'EVT-BAD-1', 'invalid_input:enc_data'],
      ],
    );
    await payplus.close();
  });

  it('a completed window for an order your database does not know is refused (unknown_order), level 0', async () => {
    const home = kcpHome();
    const lines: Array<[number, string, Readonly<Record<string, unknown>> | undefined]> = [];
    const events: PaymentEvent[] = [];
    const payplus = new PayPlus(SiteConf.testPreset({ homeDir: home }), {
      logger: { log: (l) => void lines.push([l.level, l.event, l.fields]) },
      store: new MemoryStore(),
      onEvent: (e) => void events.push(e),
    });
    const server = await listen(
      expressWindowReturn<{ amount: number }, string>({
        payplus,
        findOrder: () => undefined,
        commit: () => 'never',
        respond: (res, result) => void res.writeHead(200, { 'content-type': 'text/plain' }).end(result.status),
      }),
    );
    try {
      const body = new URLSearchParams({ res_cd: '0000', ordr_idxx: 'EVT-NOPE-1', tran_cd: '00100000', enc_data: 'E', enc_info: 'I' }).toString();
      const reply = await fetch(urlOf(server, '/return'), { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(await reply.text(), 'unknown_order');
    } finally {
      await close(server);
      await payplus.close();
    }
    assert.deepEqual(lines, [[0, 'payment.refused', { reason: 'unknown_order' }]]);
    assert.deepEqual(events.map((e) => [e.type, e.ordrIdxx, e.type === 'refused' && e.reason]), [['refused', 'EVT-NOPE-1', 'unknown_order']]);
  });
});

describe('payment events: tampering found in KCP\'s answer (canned pp_cli)', () => {
  it('an approval for another order (KcpTamperingError) is auto_cancelled with reason tampering, counted by reason', async () => {
    const US = '\x1f';
    const tno = '20261126000001';
    const runner = new CannedRunner([
      `res_cd=0000${US}res_msg=ok${US}tno=${tno}${US}pay_method=PACA${US}order_no=ORD-X${US}amount=5000${US}card_cd=CCSS\n`,
      `res_cd=0000${US}res_msg=ok\n`,
    ]);
    const lines: Array<[number, string]> = [];
    const events: PaymentEvent[] = [];
    const payplus = new PayPlus(testConfData({ logDir: mkdtempSync(path.join(os.tmpdir(), 'kcp-events-')) }), {
      runner,
      store: new MemoryStore(),
      logger: { log: (l) => void lines.push([l.level, l.event]) },
      onEvent: (e) => void events.push(e),
    });
    const out = await payplus.processPayment(
      { tran_cd: '00100000', enc_data: 'ENC', enc_info: 'INF', ordr_idxx: 'ORD-1', good_mny: '5000', use_pay_method: '100000000000' },
      { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 'never' },
    );
    assert.ok(out.status === 'cancelled' && out.reason === 'tampering');
    assert.deepEqual(events.map((e) => [e.type, e.ordrIdxx, e.type === 'auto_cancelled' ? `${e.reason}:${e.tno}` : '']), [['auto_cancelled', 'ORD-1', `tampering:${tno}`]]);
    assert.ok(lines.some(([level, event]) => level === 0 && event === 'payment.auto_cancelled'));
    const text = await payplus.metrics();
    assert.match(text, /\nkcp_payplus_events_total\{event="auto_cancelled"\} 1\n/);
    assert.match(text, /\nkcp_payplus_event_reasons_total\{event="auto_cancelled",reason="tampering"\} 1\n/);
    await payplus.close();
  });
});

describe('payment events: recovery', () => {
  it('recover() settling a dead worker\'s attempt from the module\'s answer file is a recovered event (result declined)', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'kcp-events-'));
    const store = new MemoryStore();
    const events: PaymentEvent[] = [];
    const payplus = new PayPlus(testConfData({ logDir }), { logger: silentLogger, runner: new CannedRunner([]), store, onEvent: (e) => void events.push(e) });
    const me = currentOwner();
    const outputPath = path.join(logDir, 'payplus-answers', 'dead.out');
    mkdirSync(path.dirname(outputPath), { recursive: true });
    writeFileSync(outputPath, 'res_cd=8108\x1fres_msg=card refused\n');
    const begun = await store.begin({
      id: 'dead', ordrIdxx: 'ORD-R1', amount: '5000', owner: { host: me.host, pid: 2 ** 22 + 17, start: me.start.replace(/[^:]+$/, '1') },
      leaseUntil: 0, commitMode: 'store', durableOutput: true, outputPath,
    });
    assert.ok(begun.ok);
    const report = await payplus.recover({ custIp: '127.0.0.1' });
    assert.deepEqual(report.declined.map((r) => r.id), ['dead']);
    assert.deepEqual(events.map((e) => [e.type, e.ordrIdxx, e.type === 'recovered' && `${e.attemptId}:${e.result}`]), [['recovered', 'ORD-R1', 'dead:declined']]);
    await payplus.close();
  });
});

describe('toPaymentEvent', () => {
  it('knows only the table\'s lines, masks the fields, and a rejected async listener is contained too', async () => {
    assert.equal(toPaymentEvent({ level: 0, event: 'tx.start' }), undefined);
    const e = toPaymentEvent({ level: 0, event: 'notify.malformed', fields: { reason: 'card 4518440012345678', ip: '10.0.0.1' } });
    assert.ok(e?.type === 'notification_refused');
    assert.equal(String(e.fields.reason).includes('4518440012345678'), false);
    assert.equal(toPaymentEvent({ level: 1, event: 'payment.window_exit', fields: { res_cd: '9999' } })?.type, 'window_failed');
    for (const [name, spec] of Object.entries(PAYMENT_EVENT_TABLE)) assert.match(name, /^(payment|notify)\.[a-z_]+$/, `${spec.meaning}`);

    const lines: string[] = [];
    const p = new PayPlus(SiteConf.testPreset({ homeDir: kcpHome() }), {
      logger: { log: (l) => void lines.push(l.event) },
      store: new MemoryStore(),
      onEvent: () => Promise.reject(new Error('async listener failed')) as unknown as void,
    });
    p.logger.log({ level: 1, event: 'payment.declined', ordrIdxx: 'X-1', fields: { id: 'a', res_cd: '8105' } });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(lines, ['payment.declined', 'events.listener_failed']);
    assert.equal((await p.health()).counters.listenerErrors, 1);
  });
});
