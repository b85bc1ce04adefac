import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import iconv from 'iconv-lite';
import os from 'node:os';
import path from 'node:path';
import { KcpAmountMismatchError, KcpDuplicateOrderError } from '../../lib/errors.js';
import { silentLogger, type PayplusLogger } from '../../lib/log/types.js';
import { PayPlus, type PayPlusOptions } from '../../lib/payplus/payplus.js';
import { parseOptionString } from '../../lib/wire.js';
import { MemoryStore } from '../../lib/store/memory.js';
import { SqliteStore } from '../../lib/store/sqlite.js';
import type { PaymentStore } from '../../lib/store/types.js';
import { testConfData } from '../helpers/conf.js';
import { CannedRunner, type CannedAnswer } from '../helpers/canned-runner.js';
import { waitFor } from '../helpers/wait.js';
import { answerFilesUnder } from '../helpers/attempts.js';

const US = '\x1f';
const TNO = '20261126000001';
const approved = (amount: number, extra = '') =>
  `res_cd=0000${US}res_msg=ok${US}pay_method=PACA${US}tno=${TNO}${US}amount=${amount}${US}card_cd=CCSS${extra}\n`;
const OK = `res_cd=0000${US}res_msg=ok\n`;
const form = (over: Record<string, string> = {}) => ({
  tran_cd: '00100000', enc_data: 'ENC', enc_info: 'INF', trace_no: 'T0000BQETG60GRNn', ordr_idxx: 'ORD-1',
  good_mny: '5000', use_pay_method: '100000000000', ...over,
});
const EMPTY_REPORT = {
  cancelled: [], committed: [], kept: [], declined: [], failed: [], unknown: [], undecided: [], inProgress: [], skipped: [], pending: [],
};

/** The mod_data items of a recorded call, as name → value (EUC-KR decoded for mod_desc). */
function modData(runner: CannedRunner, i: number): Record<string, string> {
  const opts = parseOptionString(runner.optionBytes(i));
  const raw = opts.get('modx_data')!;
  const text = iconv.decode(raw, 'cp949').replace(/^mod_data=/, '');
  return Object.fromEntries(text.split(US).filter(Boolean).map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)]));
}

const tmpLog = () => mkdtempSync(path.join(os.tmpdir(), 'kcp-pay-'));

function setup(answers: Array<CannedAnswer | string>, options: Partial<PayPlusOptions> = {}) {
  const runner = new CannedRunner(answers);
  const store = options.store ?? new MemoryStore();
  const logDir = tmpLog();
  const payplus = new PayPlus(testConfData({ logDir }), { logger: silentLogger, runner, ...options, store });
  return { runner, store, payplus, logDir };
}

/** `inner` with some of its methods replaced. */
function overriding(inner: PaymentStore, methods: Partial<PaymentStore>): PaymentStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop in methods) return methods[prop as keyof PaymentStore];
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A store whose update() fails for the states named. */
function failingStore(inner: PaymentStore, failFor: (state: string | undefined) => boolean): PaymentStore {
  return overriding(inner, {
    update: async (...args: Parameters<PaymentStore['update']>) => {
      if (failFor(args[2].state)) throw new Error('ENOSPC: no space left on device');
      return inner.update(...args);
    },
  });
}

describe('PayPlus#processPayment()', () => {
  it('approves with ordr_mony = expectedAmount and the verification fields, then commits', async () => {
    const { runner, payplus } = setup([approved(5000)]);
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: (a) => `saved ${a.tno}` });
    assert.equal(out.status, 'approved');
    assert.equal(out.status === 'approved' && out.committed, `saved ${TNO}`);
    const opts = parseOptionString(runner.optionBytes(0));
    assert.equal(opts.get('ordr_data')!.toString('latin1'), `ordr_data=ordr_mony=5000${US}pay_type=PACA${US}ordr_no=ORD-1${US}`);
    assert.equal(opts.get('trace_no')!.toString(), 'T0000BQETG60GRNn');
    assert.equal(opts.get('tx_cd')!.toString(), '00100000');
  });

  it('refuses a tampered form amount before any gateway call', async () => {
    const { runner, payplus } = setup([]);
    await assert.rejects(
      payplus.processPayment(form({ good_mny: '100' }), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }),
      {
        code: 'amount_mismatch',
        field: 'good_mny',
        message: 'good_mny: the form says "100" but order ORD-1 costs 5000; the form was changed in the browser. Nothing was sent to KCP (it would refuse with 8059 결제금액 불일치)',
      },
    );
    assert.equal(runner.calls.length, 0);
  });

  it('refuses a missing tran_cd with 9562 before any gateway call', async () => {
    const { runner, payplus } = setup([]);
    await assert.rejects(
      payplus.processPayment(form({ tran_cd: '' }), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }),
      { code: 'input_invalid', resCd: '9562', field: 'tran_cd' },
    );
    assert.equal(runner.calls.length, 0);
  });

  it('cancels automatically (STSC, tno as trace_no) when the approved amount differs', async () => {
    const { runner, payplus } = setup([approved(4000), OK]);
    let committed = false;
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => { committed = true; } });
    assert.equal(out.status, 'cancelled');
    assert.equal(out.status === 'cancelled' && out.reason, 'amount_mismatch');
    assert.equal(committed, false);
    assert.deepEqual(modData(runner, 1), { tno: TNO, mod_type: 'STSC', mod_ip: '10.0.0.1', mod_desc: '결과 처리 오류 - 자동 취소' });
    const opts = parseOptionString(runner.optionBytes(1));
    assert.equal(opts.get('trace_no')!.toString(), TNO);
    assert.equal(opts.get('tx_cd')!.toString(), '00200000');
  });

  it('counts card + point payments as amount + pnt_amount, and point-only ones by pnt_amount', async () => {
    const combined = `${US}pnt_issue=SCSK${US}pnt_amount=1000`;
    const cardAndPoint = setup([approved(4000, combined)]);
    const a = await cardAndPoint.payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(a.status, 'approved');

    const pointOnly = setup([`res_cd=0000${US}res_msg=ok${US}tno=${TNO}${US}pnt_issue=SCWB${US}pnt_amount=5000${US}pnt_app_no=1\n`]);
    const b = await pointOnly.payplus.processPayment(form({ use_pay_method: '000100000000' }), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(b.status, 'approved');

    const cardWithoutPoint = setup([approved(4000, `${US}pnt_issue=SCSK`), OK]);
    const c = await cardWithoutPoint.payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(c.status, 'cancelled', 'a point part without its amount is a mismatch');
  });

  it('cancels automatically when commit throws, and reports the cause', async () => {
    const { runner, payplus } = setup([approved(5000), OK]);
    const out = await payplus.processPayment(form(), {
      custIp: '10.0.0.1', expectedAmount: 5000, commit: () => { throw new Error('db down'); },
    });
    assert.equal(out.status, 'cancelled');
    assert.equal(out.status === 'cancelled' && (out.cause as Error).message, 'db down');
    assert.equal(modData(runner, 1).mod_type, 'STSC');
  });

  it("uses STE2 for an escrow card and STE5 for an escrow virtual account, as KCP's answer says (pay_method, escw_yn)", async () => {
    for (const [method, extra, modType] of [
      ['100000000000', `${US}escw_yn=Y`, 'STE2'],
      ['001000000000', `${US}escw_yn=Y${US}pay_method=PAVC${US}bankcode=BK04${US}account=T0400000040774`, 'STE5'],
    ] as const) {
      const { runner, payplus } = setup([approved(5000, extra), OK]);
      const out = await payplus.processPayment(form({ use_pay_method: method }), {
        custIp: '10.0.0.1', expectedAmount: 5000, commit: () => { throw new Error('x'); },
      });
      assert.equal(out.status, 'cancelled');
      assert.equal(modData(runner, 1).mod_type, modType);
    }
  });

  it('reports loudly when the automatic cancel fails too, and recover() retries it until KCP answers', async () => {
    const logged: string[] = [];
    const logger: PayplusLogger = { log: (e) => logged.push(`${e.level}:${e.event}`) };
    const { runner, payplus } = setup([approved(5000), `res_cd=S202${US}res_msg=PG 서버 접속 오류\n`, OK], { logger });
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => { throw new Error('x'); } });
    assert.equal(out.status, 'cancel_failed');
    assert.equal(out.status === 'cancel_failed' && out.cancelError.resCd, 'S202');
    assert.ok(logged.includes('0:payment.auto_cancel_failed'));
    const report = await payplus.recover({ custIp: '10.0.0.2' });
    assert.deepEqual(report.cancelled.map((c) => c.tno), [TNO]);
    assert.equal(modData(runner, 2).mod_ip, '10.0.0.2');
    assert.equal(runner.calls.length, 3);
    assert.deepEqual(await payplus.recover(), EMPTY_REPORT);
  });

  it("counts KCP's already-cancelled answer (8133) as cancelled", async () => {
    const { payplus } = setup([approved(5000), `res_cd=8133${US}res_msg=이미 취소된 거래\n`]);
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => { throw new Error('x'); } });
    assert.equal(out.status, 'cancelled');
    assert.equal(out.status === 'cancelled' && out.cancel.resCd, '8133');
  });

  it('a timed-out approval is unknown: the order stays taken, nothing is retried, recover() says why', async () => {
    const { runner, payplus } = setup([{ timedOut: true, signal: 'SIGKILL', exitCode: null }]);
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(out.status, 'unknown');
    assert.equal(out.status === 'unknown' && out.error.code, 'outcome_unknown');
    await assert.rejects(payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }), (err: unknown) => {
      assert.ok(err instanceof KcpDuplicateOrderError);
      assert.match(err.message, /^ordr_idxx: order ORD-1 cannot be approved now: an earlier attempt \(.+\) has an unknown outcome that recovery could not settle yet; run recover\(\) or check KCP's admin$/);
      return true;
    });
    const report = await payplus.recover();
    assert.deepEqual(report.unknown.map((u) => [u.ordrIdxx, u.why]), [['ORD-1', 'pp_cli printed nothing and logged no run for this order']]);
    assert.equal(runner.calls.length, 1);
  });

  /**
   * A runner that answers like the canned one, but holds its first call (the module "runs on") until `release()`;
   * `entered` resolves once that call has started.
   */
  function heldRunner(answers: string[]) {
    const inner = new CannedRunner(answers);
    let release!: () => void;
    let entered!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started = new Promise<void>((r) => (entered = r));
    let first = true;
    const runner = Object.assign(inner, {
      run: async (inv: Parameters<CannedRunner['run']>[0]) => {
        if (first) {
          first = false;
          entered();
          await gate;
        }
        return CannedRunner.prototype.run.call(inner, inv);
      },
    });
    return { runner, release, entered: started };
  }

  it('a module that misses the timeout is not killed: the page gets unknown, and the late approval is cancelled when it comes', async () => {
    const { runner, release } = heldRunner([approved(5000), OK]);
    const payplus = new PayPlus(testConfData({ logDir: tmpLog(), timeoutMs: 40 }), { logger: silentLogger, runner, store: new MemoryStore() });
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 'never' });
    assert.equal(runner.calls.length, 0, 'answered at the timeout, while the module still runs');
    assert.equal(out.status, 'unknown');
    assert.match(out.status === 'unknown' ? out.error.message : '', /^pp_cli had not answered after 40 ms; it is still running, and its answer will be settled when it comes: an approval is cancelled/);
    await assert.rejects(payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }), {
      message: /cannot be approved now: an earlier attempt \(.+\) is still waiting for pp_cli's answer; try again in a minute$/,
    });
    release();
    await waitFor(async () => (await payplus.store.get(out.attemptId))?.state === 'cancelled', 'the late approval to be cancelled');
    assert.equal(runner.calls[0]!.timeoutMs, 300_000, 'the module may run on (10 × the timeout, at least 5 minutes)');
    assert.equal(runner.calls.length, 2);
    assert.equal(modData(runner, 1).mod_type, 'STSC');
    assert.deepEqual(await payplus.recover(), EMPTY_REPORT);
  });

  it('a late refusal frees the order', async () => {
    const { runner, release } = heldRunner([`res_cd=8108${US}res_msg=card\n`]);
    const payplus = new PayPlus(testConfData({ logDir: tmpLog(), timeoutMs: 20 }), { logger: silentLogger, runner, store: new MemoryStore() });
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(out.status, 'unknown');
    release();
    await waitFor(async () => (await payplus.store.get(out.attemptId))?.state === 'declined', 'the late refusal to free the order');
    assert.equal(runner.calls.length, 1);
  });

  for (const [name, answer] of [
    ['garbage output', { stdout: Buffer.from('<html>502 Bad Gateway</html>\n') }],
    ['a cut res_cd', { stdout: Buffer.from('res_cd=00') }],
    ['a signal after partial output', { stdout: Buffer.from(`res_cd=0000${US}res_msg=ok${US}tn`), signal: 'SIGSEGV', exitCode: null }],
    ['an answer line without its newline', { stdout: Buffer.from(`res_cd=0000${US}res_msg=ok${US}tno=${TNO}${US}amount=5000`) }],
  ] as const) {
    it(`${name} after pp_cli started is unknown, never declined: the order stays taken`, async () => {
      const { runner, payplus } = setup([answer as CannedAnswer]);
      const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
      assert.equal(out.status, 'unknown');
      assert.equal(out.status === 'unknown' && out.error.outcomeKnown, false);
      await assert.rejects(payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }), {
        code: 'duplicate_order',
      });
      assert.equal(runner.calls.length, 1);
    });
  }

  it('output cut at the cap is unknown, and is settled from the full answer in the stdout file (cancelled: never committed)', async () => {
    const full = Buffer.from(`${'x'.repeat(100)}\n${approved(5000)}`);
    const { runner, payplus } = setup(
      [{ stdout: full.subarray(0, 50), outputTruncated: true, fileStdout: full }, OK],
      { isCommitted: () => false },
    );
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 'never' });
    assert.equal(out.status, 'unknown');
    // settled on the spot from the stdout file: approved there, and since commit never ran, cancelled
    assert.equal(runner.calls.length, 2);
    assert.equal(modData(runner, 1).mod_type, 'STSC');
    assert.deepEqual(await payplus.recover(), EMPTY_REPORT);
    assert.equal((await setupAgain(payplus, runner)).status, 'approved', 'a cancelled order can be paid again');
  });

  async function setupAgain(payplus: PayPlus, runner: CannedRunner) {
    (runner as unknown as { answers: CannedAnswer[] }).answers.push({ stdout: Buffer.from(approved(5000)) });
    return payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
  }

  it('a non-KcpError thrown after pp_cli answered (a throwing logger) is unknown, then settled from the stdout file', async () => {
    const logger: PayplusLogger = { log: (e) => { if (e.event === 'tx.end') throw new TypeError('logger broke'); } };
    const { runner, payplus } = setup([approved(5000), OK], { logger, isCommitted: () => false });
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(out.status, 'unknown');
    assert.match(out.status === 'unknown' ? out.error.message : '', /^the call failed after pp_cli had started \(logger broke\)/);
    assert.equal(runner.calls.length, 2, 'the approval read back from the file was cancelled (never committed)');
  });

  it("the store's note quotes a cut answer masked: no card number reaches the database", async () => {
    const notes: string[] = [];
    const inner = new MemoryStore();
    const store = new Proxy(inner, {
      get(target, prop) {
        if (prop === 'update') {
          return (...args: Parameters<PaymentStore['update']>) => {
            if (args[2].note !== undefined) notes.push(args[2].note);
            return target.update(...args);
          };
        }
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const { payplus } = setup([{ stdout: Buffer.from(`res_cd=0000${US}card_no=5310708000009287`) }], { store });
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(out.status, 'unknown');
    assert.ok(notes.some((n) => /card_no=531070\*{6}9287/.test(n)), notes.join('\n'));
    assert.ok(notes.every((n) => !n.includes('5310708000009287')), notes.join('\n'));
  });

  it('a failure before pp_cli started is declined (nothing was sent), and the order stays payable', async () => {
    const { runner, payplus } = setup([{ spawnError: { code: 'ENOENT', message: 'x' }, exitCode: null }, approved(5000)]);
    const a = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(a.status, 'declined');
    assert.equal(a.status === 'declined' && a.error.code, 'module_unavailable');
    const b = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(b.status, 'approved');
    assert.equal(runner.calls.length, 2);
  });

  it('refuses concurrent approvals of one order id, and a second approval after success', async () => {
    const { runner, release, entered } = heldRunner([approved(5000)]);
    const payplus = new PayPlus(testConfData({ logDir: tmpLog() }), { logger: silentLogger, runner, store: new MemoryStore() });
    const first = payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    await entered; // the first approval holds the order and its pp_cli runs
    await assert.rejects(
      payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }),
      { code: 'duplicate_order', message: 'ordr_idxx: order ORD-1 cannot be approved now: it is being approved by another request right now' },
    );
    release();
    assert.equal((await first).status, 'approved');
    await assert.rejects(
      payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }),
      { code: 'duplicate_order', message: `ordr_idxx: order ORD-1 cannot be approved now: it was already paid (tno ${TNO})` },
    );
    assert.equal(runner.calls.length, 1);
  });

  it('a store that cannot record the commit never undoes it: approved, with storeError, logged at level 0', async () => {
    const logged: string[] = [];
    const store = failingStore(new MemoryStore(), (state) => state === 'committed');
    const { runner, payplus } = setup([approved(5000)], { store, logger: { log: (e) => logged.push(`${e.level}:${e.event}`) } });
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 'saved' });
    assert.equal(out.status, 'approved');
    assert.equal(out.status === 'approved' && String(out.storeError), 'Error: the payment store could not record the commit; recovery will ask isCommitted');
    assert.ok(logged.includes('0:payment.store_failed'));
    assert.equal(runner.calls.length, 1);
  });

  it('a store that fails after pp_cli ran sends no cancel it could not record: the answer file stays for recovery', async () => {
    // Each cancel is sent once, by whoever recorded `cancelling` by compare-and-set; a cancel sent without that mark
    // would be sent again by recovery (which reads the approval from the file) — KCP's 8133, a broken invariant.
    const store = failingStore(new MemoryStore(), () => true);
    const { runner, payplus, logDir } = setup([approved(5000), OK], { store });
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => { throw new Error('db'); } });
    assert.equal(out.status, 'cancel_failed');
    assert.match(out.status === 'cancel_failed' ? out.cancelError.message : '', /could not record the cancel of attempt .*; no cancel was sent yet: recovery cancels it/);
    assert.equal(runner.calls.length, 1, 'no cancel went out');
    assert.equal(answerFilesUnder(path.join(logDir, 'payplus-answers')).length, 1, 'the answer file is kept for recovery');
  });

  it('a declined approval may be tried again', async () => {
    const { payplus } = setup([`res_cd=8108${US}res_msg=card\n`, approved(5000)]);
    const a = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(a.status, 'declined');
    assert.equal(a.status === 'declined' && a.error.resCd, '8108');
    const b = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(b.status, 'approved');
  });

  it('commitInStore writes the order and the mark in one transaction; a throwing commit rolls both back and cancels', async () => {
    const { runner, payplus } = setup([approved(5000), approved(5000), OK, approved(5000)]);
    const ok = await payplus.processPayment(form(), {
      custIp: '10.0.0.1', expectedAmount: 5000, commitInStore: true,
      commit: async (a, tx) => {
        await tx!.query('CREATE TABLE IF NOT EXISTS shop_orders (id TEXT PRIMARY KEY, tno TEXT)');
        await tx!.query('INSERT INTO shop_orders VALUES (?, ?)', ['ORD-1', a.tno]);
        return 'saved';
      },
    });
    assert.equal(ok.status, 'approved');
    const bad = await payplus.processPayment(form({ ordr_idxx: 'ORD-2' }), {
      custIp: '10.0.0.1', expectedAmount: 5000, commitInStore: true,
      commit: async (a, tx) => {
        await tx!.query('INSERT INTO shop_orders VALUES (?, ?)', ['ORD-2', a.tno]);
        throw new Error('stock ran out');
      },
    });
    assert.equal(bad.status, 'cancelled');
    const seen = await payplus.processPayment(form({ ordr_idxx: 'ORD-3' }), {
      custIp: '10.0.0.1', expectedAmount: 5000, commitInStore: true,
      commit: async (_a, tx) => (await tx!.query('SELECT id FROM shop_orders ORDER BY id')).map((r) => r.id),
    });
    assert.deepEqual(seen.status === 'approved' && seen.committed, ['ORD-1'], "ORD-2's row was rolled back with its mark");
    assert.equal(runner.calls.length, 4);
  });

  for (const mode of ['external', 'store'] as const) {
    it(`kill -9 inside the merchant's commit (${mode} commit): recovery never guesses, cancels exactly once, the order is payable again`, async () => {
      const logDir = tmpLog();
      const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/payplus/die-before-commit.ts', logDir, mode], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(child.signal, 'SIGKILL', child.stderr);
      assert.ok(existsSync(path.join(logDir, 'payplus.sqlite')));

      const runner = new CannedRunner([OK]);
      const conf = testConfData({ logDir });
      const plain = new PayPlus(conf, { logger: silentLogger, runner });
      const dry = await plain.recover({ dryRun: true });
      assert.deepEqual(dry.pending.map((p) => [p.ordrIdxx, p.tno, p.state]), [['CRASH-1', '20261126000042', 'approved']]);
      if (mode === 'external') {
        // No isCommitted hook: the shop may have the order, so nothing is cancelled; it is listed.
        const listed = await plain.recover({ custIp: '10.0.0.9' });
        assert.deepEqual(listed.undecided.map((u) => u.ordrIdxx), ['CRASH-1']);
        assert.equal(runner.calls.length, 0);
      }
      const settled = await plain.recover({ custIp: '10.0.0.9', isCommitted: () => false });
      assert.deepEqual(settled.cancelled.map((c) => [c.ordrIdxx, c.tno]), [['CRASH-1', '20261126000042']]);
      assert.deepEqual(modData(runner, 0), { tno: '20261126000042', mod_type: 'STSC', mod_ip: '10.0.0.9', mod_desc: '결과 처리 오류 - 자동 취소' });
      assert.deepEqual(await plain.recover({ isCommitted: () => false }), EMPTY_REPORT);
      assert.equal(runner.calls.length, 1);
      await plain.close();

      const retry = new PayPlus(conf, { logger: silentLogger, runner: new CannedRunner([approved(5000)]), store: new SqliteStore(path.join(logDir, 'payplus.sqlite')) });
      const out = await retry.processPayment(form({ ordr_idxx: 'CRASH-1' }), { custIp: '1.1.1.1', expectedAmount: 5000, commit: () => 0 });
      assert.equal(out.status, 'approved');
      await retry.close();
    });
  }

  it('recover() asks isCommitted: a committed order is marked, never cancelled', async () => {
    const { payplus, runner, store } = setup([approved(5000)]);
    await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    // simulate the crash window: approved, the shop committed, the mark was lost
    const [open] = await store.listOpen(10);
    assert.equal(open, undefined);
    const id = 'lost-mark';
    await store.begin({ id, ordrIdxx: 'K-1', amount: '5000', owner: { host: 'gone', pid: 1, start: 'x' }, leaseUntil: 1, commitMode: 'external', durableOutput: true });
    await store.update(id, ['started'], { state: 'approved', tno: TNO });
    const report = await payplus.recover({ isCommitted: (a) => a.ordrIdxx === 'K-1' });
    assert.deepEqual(report.committed.map((c) => c.ordrIdxx), ['K-1']);
    assert.equal(runner.calls.length, 1);
  });

  it('recover() never cancels on a guess: an isCommitted hook that throws leaves the approval undecided', async () => {
    const { payplus, runner, store } = setup([]);
    await store.begin({ id: 'h1', ordrIdxx: 'H-1', amount: '5000', owner: { host: 'gone', pid: 1, start: 'x' }, leaseUntil: 1, commitMode: 'external', durableOutput: true });
    await store.update('h1', ['started'], { state: 'approved', tno: TNO });
    const report = await payplus.recover({ isCommitted: () => { throw new Error('orders DB down'); } });
    assert.deepEqual(report.undecided.map((u) => u.ordrIdxx), ['H-1']);
    assert.equal(runner.calls.length, 0);
    assert.equal((await store.get('h1'))?.state, 'approved');
  });

  it('recover() lets the merchant keep an uncommitted approval, and a kept order cannot be approved again', async () => {
    const { payplus, runner, store } = setup([]);
    await store.begin({ id: 'x1', ordrIdxx: 'ORD-1', amount: '5000', owner: { host: 'gone', pid: 1, start: 'x' }, leaseUntil: 1, commitMode: 'store', durableOutput: true });
    await store.update('x1', ['started'], { state: 'approved', tno: TNO });
    const report = await payplus.recover({ onUncommitted: (a) => (a.ordrIdxx === 'ORD-1' ? 'keep' : 'cancel') });
    assert.deepEqual(report.kept, [{ id: 'x1', ordrIdxx: 'ORD-1', tno: TNO }]);
    assert.equal(runner.calls.length, 0);
    assert.deepEqual(await payplus.recover(), EMPTY_REPORT);
    await assert.rejects(payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }), {
      code: 'duplicate_order',
      message: `ordr_idxx: order ORD-1 cannot be approved now: it was already paid (tno ${TNO})`,
    });
  });

  it("another worker's recover() never touches a payment that is still inside its commit", async () => {
    const store = new MemoryStore();
    const a = setup([approved(5000)], { store });
    const b = setup([OK], { store, isCommitted: () => false });
    let release!: () => void;
    const inCommit = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const entering = new Promise<void>((r) => (entered = r));
    const paying = a.payplus.processPayment(form(), {
      custIp: '10.0.0.1', expectedAmount: 5000,
      commit: async () => {
        entered();
        await inCommit;
        return 'saved';
      },
    });
    await entering;
    const report = await b.payplus.recover({ custIp: '10.0.0.2' });
    assert.deepEqual(report.inProgress.map((r) => [r.ordrIdxx, r.tno]), [['ORD-1', TNO]]);
    assert.deepEqual(report.cancelled, []);
    assert.equal(b.runner.calls.length, 0, 'no cancel was sent');
    release();
    assert.equal((await paying).status, 'approved');
    assert.deepEqual(await b.payplus.recover(), EMPTY_REPORT);
  });

  it("puts each attempt's answer file in this process's own folder, made (0700) before the attempt is recorded", async () => {
    const begun: Array<{ outputPath: string | undefined; folderMade: boolean }> = [];
    const inner = new MemoryStore();
    const store = overriding(inner, {
      begin: (a) => {
        begun.push({ outputPath: a.outputPath, folderMade: a.outputPath !== undefined && existsSync(path.dirname(a.outputPath)) });
        return inner.begin(a);
      },
    });
    const { payplus, logDir } = setup([approved(5000), approved(5000)], { store });
    for (const order of ['ORD-1', 'ORD-2']) {
      const out = await payplus.processPayment(form({ ordr_idxx: order }), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
      assert.equal(out.status, 'approved');
    }
    assert.equal(begun.length, 2);
    const folders = new Set(begun.map((b) => path.dirname(b.outputPath!)));
    assert.equal(folders.size, 1, 'one folder per process');
    const [folder] = [...folders];
    assert.equal(path.dirname(folder!), path.join(logDir, 'payplus-answers'));
    assert.match(path.basename(folder!), /^w-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual(begun.map((b) => b.folderMade), [true, true], 'the folder exists before the store records the attempt');
    assert.equal(statSync(folder!).mode & 0o777, 0o700);
  });

  it("removes each attempt's stdout file once the store holds the answer (it carries buyer data); keeps it while unknown", async () => {
    const { payplus, logDir } = setup([approved(5000), `res_cd=8108${US}res_msg=card\n`, { timedOut: true, signal: 'SIGKILL', exitCode: null }]);
    const files = () => answerFilesUnder(path.join(logDir, 'payplus-answers')).map((f) => path.basename(f));
    assert.equal((await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 })).status, 'approved');
    assert.equal((await payplus.processPayment(form({ ordr_idxx: 'ORD-2' }), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 })).status, 'declined');
    await waitFor(() => files().length === 0, 'the answered attempts\' stdout files to be removed');
    const unknown = await payplus.processPayment(form({ ordr_idxx: 'ORD-3' }), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(unknown.status, 'unknown');
    assert.deepEqual(files(), [`${unknown.attemptId}.out`]);
  });

  it('a store that is down before anything ran refuses the payment as a typed error: nothing was sent', async () => {
    const store = new MemoryStore();
    const broken = new Proxy(store, {
      get: (t, p) =>
        p === 'begin'
          ? async () => { throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }); }
          : (Reflect.get(t, p) as unknown),
    }) as PaymentStore;
    const { runner, payplus } = setup([], { store: broken });
    await assert.rejects(payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }), {
      name: 'KcpStoreError',
      code: 'store_unavailable',
      retryable: true,
      engine: 'sqlite',
      operation: 'begin',
      outcomeKnown: true,
      message:
        'payment store (sqlite) begin failed: connect ECONNREFUSED 127.0.0.1:5432. The database was unreachable, ' +
        "restarting or busy beyond the store's retry budget; try again shortly",
    });
    assert.equal(runner.calls.length, 0);
  });

  it('refused inputs are typed errors of their own class', async () => {
    const { payplus } = setup([]);
    await assert.rejects(payplus.processPayment(form({ good_mny: '1' }), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }), KcpAmountMismatchError);
  });
});
