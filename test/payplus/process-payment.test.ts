import { silentLogger } from '../../lib/log/types.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import os from 'node:os';
import path from 'node:path';
import { FileJournal, MemoryJournal } from '../../lib/payplus/journal.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { parseOptionString } from '../../lib/protocol/option-string.js';
import { testConfData } from '../helpers/conf.js';
import { CannedRunner } from '../helpers/canned-runner.js';

const US = '\x1f';
const TNO = '20261126000001';
const approved = (amount: number, extra = '') =>
  `res_cd=0000${US}res_msg=ok${US}pay_method=PACA${US}tno=${TNO}${US}amount=${amount}${US}card_cd=CCSS${extra}\n`;
const OK = `res_cd=0000${US}res_msg=ok\n`;
const form = (over: Record<string, string> = {}) => ({
  tran_cd: '00100000', enc_data: 'ENC', enc_info: 'INF', trace_no: 'T0000BQETG60GRNn', ordr_idxx: 'ORD-1',
  good_mny: '5000', use_pay_method: '100000000000', ...over,
});

/** The mod_data items of a recorded call, as name → value (EUC-KR decoded for mod_desc). */
function modData(runner: CannedRunner, i: number): Record<string, string> {
  const opts = parseOptionString(runner.optionBytes(i));
  const raw = opts.get('modx_data')!;
  const text = iconv.decode(raw, 'cp949').replace(/^mod_data=/, '');
  return Object.fromEntries(text.split(US).filter(Boolean).map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)]));
}

function setup(answers: Array<string | object>) {
  const runner = new CannedRunner(answers as never);
  const journal = new MemoryJournal();
  const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner, journal });
  return { runner, journal, payplus };
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

  it('uses STE2 for an escrow card and STE5 for an escrow virtual account', async () => {
    for (const [method, extra, modType] of [
      ['100000000000', `${US}escw_yn=Y`, 'STE2'],
      ['001000000000', `${US}escw_yn=Y${US}bankcode=BK04${US}account=T0400000040774`, 'STE5'],
    ] as const) {
      const { runner, payplus } = setup([approved(5000, extra), OK]);
      const out = await payplus.processPayment(form({ use_pay_method: method }), {
        custIp: '10.0.0.1', expectedAmount: 5000, commit: () => { throw new Error('x'); },
      });
      assert.equal(out.status, 'cancelled');
      assert.equal(modData(runner, 1).mod_type, modType);
    }
  });

  it('reports loudly when the automatic cancel fails too, and recover() retries it once', async () => {
    const logged: string[] = [];
    const runner = new CannedRunner([approved(5000), `res_cd=S202${US}res_msg=PG 서버 접속 오류\n`, OK]);
    const journal = new MemoryJournal();
    const payplus = new PayPlus(testConfData(), { runner, journal, logger: { log: (e) => logged.push(`${e.level}:${e.event}`) } });
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => { throw new Error('x'); } });
    assert.equal(out.status, 'cancel_failed');
    assert.equal(out.status === 'cancel_failed' && out.cancelError.resCd, 'S202');
    assert.ok(logged.includes('0:payment.auto_cancel_failed'));
    const report = await payplus.recover({ custIp: '10.0.0.2' });
    assert.deepEqual(report.cancelled.map((c) => c.tno), [TNO]);
    assert.equal(runner.calls.length, 3);
    assert.deepEqual(await payplus.recover(), { cancelled: [], kept: [], failed: [], unknown: [], pending: [] });
  });

  it('records a timed-out approval as unknown, refuses the order again, and never retries it', async () => {
    const { runner, payplus } = setup([{ timedOut: true, signal: 'SIGKILL', exitCode: null }]);
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(out.status, 'unknown');
    await assert.rejects(
      payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }),
      { code: 'duplicate_order', message: /has an unknown outcome; run recover\(\) or check KCP's admin first$/ },
    );
    const report = await payplus.recover();
    assert.equal(report.unknown.length, 1);
    assert.equal(report.unknown[0]!.step, 'approval');
    assert.equal(runner.calls.length, 1);
  });

  it('refuses concurrent approvals of one order id, and a second approval after success', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const runner = new CannedRunner([approved(5000)]);
    const slow = { name: 'slow', argvEncoding: 'euc-kr' as const, run: async (inv: never) => { await gate; return runner.run(inv); } };
    const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner: slow, journal: new MemoryJournal() });
    const first = payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    await new Promise((r) => setImmediate(r));
    await assert.rejects(
      payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }),
      { code: 'duplicate_order', message: 'ordr_idxx: order ORD-1 is being approved by another request right now' },
    );
    release();
    assert.equal((await first).status, 'approved');
    await assert.rejects(
      payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }),
      { code: 'duplicate_order', message: `ordr_idxx: order ORD-1 cannot be approved again: it was already approved (tno ${TNO})` },
    );
    assert.equal(runner.calls.length, 1);
  });

  it('a journal that cannot record the commit never undoes it: approved, with journalError, logged at level 0', async () => {
    const runner = new CannedRunner([approved(5000)]);
    const journal = new MemoryJournal();
    const failing = Object.assign(Object.create(journal) as MemoryJournal, {
      append: async (e: Parameters<MemoryJournal['append']>[0]) => {
        if (e.type === 'commit') throw new Error('ENOSPC: no space left on device');
        return journal.append(e);
      },
    });
    const logged: string[] = [];
    const payplus = new PayPlus(testConfData(), { runner, journal: failing, logger: { log: (e) => logged.push(`${e.level}:${e.event}`) } });
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 'saved' });
    assert.equal(out.status, 'approved');
    assert.equal(out.status === 'approved' && String(out.journalError), 'Error: ENOSPC: no space left on device');
    assert.ok(logged.includes('0:payment.journal_failed'));
    assert.equal(runner.calls.length, 1);
  });

  it('a journal that fails after pp_cli ran never stops the money path: the automatic cancel still goes out', async () => {
    const runner = new CannedRunner([approved(5000), OK]);
    const journal = new MemoryJournal();
    const failing = Object.assign(Object.create(journal) as MemoryJournal, {
      append: async (e: Parameters<MemoryJournal['append']>[0]) => {
        if (e.type !== 'intent') throw new Error('EIO');
        return journal.append(e);
      },
    });
    const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner, journal: failing });
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => { throw new Error('db'); } });
    assert.equal(out.status, 'cancelled');
    assert.equal(modData(runner, 1).mod_type, 'STSC');
  });

  it('a declined approval may be tried again', async () => {
    const { payplus } = setup([`res_cd=8108${US}res_msg=card\n`, approved(5000)]);
    const a = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(a.status, 'declined');
    assert.equal(a.status === 'declined' && a.error.resCd, '8108');
    const b = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(b.status, 'approved');
  });

  it('recover() cancels exactly once what a process killed (-9) between approval and commit left behind', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-journal-'));
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/payplus/die-before-commit.ts', dir], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    const lines = readFileSync(path.join(dir, 'payments.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).type);
    assert.deepEqual(lines, ['intent', 'result']);

    const runner = new CannedRunner([OK]);
    const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner, journal: new FileJournal(dir) });
    const dry = await payplus.recover({ dryRun: true });
    assert.deepEqual(dry.pending.map((p) => [p.ordrIdxx, p.tno]), [['CRASH-1', '20261126000042']]);
    assert.equal(runner.calls.length, 0);
    const report = await payplus.recover({ custIp: '10.0.0.9' });
    assert.deepEqual(report.cancelled, [{ id: report.cancelled[0]!.id, ordrIdxx: 'CRASH-1', tno: '20261126000042' }]);
    assert.deepEqual(modData(runner, 0), { tno: '20261126000042', mod_type: 'STSC', mod_ip: '10.0.0.9', mod_desc: '결과 처리 오류 - 자동 취소' });

    const again = await new PayPlus(testConfData(), { logger: silentLogger, runner, journal: new FileJournal(dir) }).recover();
    assert.deepEqual(again, { cancelled: [], kept: [], failed: [], unknown: [], pending: [] });
    assert.equal(runner.calls.length, 1);
    // the dead process's lock on CRASH-1 is taken over, and a cancelled order may be paid again
    const retry = new PayPlus(testConfData(), { logger: silentLogger, runner: new CannedRunner([approved(5000)]), journal: new FileJournal(dir) });
    const out = await retry.processPayment(form({ ordr_idxx: 'CRASH-1' }), { custIp: '1.1.1.1', expectedAmount: 5000, commit: () => 0 });
    assert.equal(out.status, 'approved');
  });

  it('recover() hands uncommitted approvals to the merchant, who may keep them', async () => {
    const { payplus, runner } = setup([approved(5000)]);
    const journal = payplus.journal;
    await journal.append({ type: 'intent', id: 'x1', at: new Date(0).toISOString(), ordrIdxx: 'K-1', amount: '5000', pid: 1 });
    await journal.append({ type: 'result', id: 'x1', at: new Date(0).toISOString(), outcome: 'approved', tno: TNO });
    const report = await payplus.recover({ onUncommitted: (s) => (s.ordrIdxx === 'K-1' ? 'keep' : 'cancel') });
    assert.deepEqual(report.kept, [{ id: 'x1', ordrIdxx: 'K-1', tno: TNO }]);
    assert.equal(runner.calls.length, 0);
    assert.deepEqual((await payplus.recover()).kept, []);
  });
});
