/**
 * Proof from pp_cli's log, or unknown (issue 17 item 3): recovery reads an attempt's answer from the module's own log
 * only when exactly one run can be the attempt's (order id, the approval's tx_cd, its trace_no, started at or after the
 * attempt began) and its TX_ENDED line is complete. A decline of the same order just before a retry, a TX_ENDED line
 * cut by a full disk, or a success code without a tno is never read as a refusal.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dailyLogPath, PP_CLI_LOG_SUFFIX } from '../../lib/log/paths.js';
import { silentLogger } from '../../lib/log/types.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { MemoryStore } from '../../lib/store/memory.js';
import { currentOwner } from '../../lib/store/owner.js';
import type { Attempt } from '../../lib/store/types.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { testConfData } from '../helpers/conf.js';

const US = '\x1f';
const TNO = '20261203000777';
const OK = `res_cd=0000${US}res_msg=ok\n`;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A pp_cli log line at `t` (v2.14 with milliseconds, v2.00 without). */
function line(t: Date, pid: number, trace: string, text: string, millis = true): string {
  const stamp = `${pad(t.getMonth() + 1)}${pad(t.getDate())}-${pad(t.getHours())}${pad(t.getMinutes())}${pad(t.getSeconds())}`;
  return `${stamp}${millis ? `.${pad(t.getMilliseconds(), 3)}` : ''} - ${String(pid).padStart(5)} - ${trace.padEnd(16)} - MSG : ${text}`;
}
const start = (t: Date, pid: number, trace: string, order: string, millis = true) =>
  line(t, pid, trace, `TX_START - site_cd=[T0000]+tx_cd=[00100000]+ordr_idxx=[${order}]+log_level=[3]+opt=[0]`, millis);
const ended = (t: Date, pid: number, trace: string, res: string, millis = true) => line(t, pid, trace, `TX_ENDED - res=[${res}]`, millis);
const approvedRes = `res_cd=0000${US}res_msg=ok${US}tno=${TNO}${US}amount=5000${US}pay_method=PACA${US}card_cd=CCSS`;
const declinedRes = `res_cd=8108${US}res_msg=card refused`;

/** A dead worker of this boot and PID namespace (its pid is taken by no process: /proc can tell). */
function deadOwner() {
  const me = currentOwner();
  return { host: me.host, pid: 2 ** 22 + 17, start: me.start.replace(/[^:]+$/, '1') };
}

async function scenario(logLines: (began: Date) => string[], trace = 'T0000BQETG60GRNn') {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'kcp-proof-'));
  const store = new MemoryStore();
  const runner = new CannedRunner([OK]);
  const payplus = new PayPlus(testConfData({ logDir }), { logger: silentLogger, runner, store });
  const begun = await store.begin({
    id: 'retry', ordrIdxx: 'ORD-9', amount: '5000', owner: deadOwner(), leaseUntil: Date.now() + 600_000,
    commitMode: 'store', durableOutput: true, traceNo: trace, outputPath: path.join(logDir, 'payplus-answers', 'retry.out'),
  });
  assert.ok(begun.ok);
  // The worker saw the module fail (its stdout file was lost): unknown, so "no file" can never mean "never ran".
  await store.update('retry', ['started'], { state: 'unknown' });
  const began = new Date(begun.attempt.createdAt);
  const file = dailyLogPath(logDir, began, PP_CLI_LOG_SUFFIX);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${logLines(began).join('\n')}\n`);
  const report = await payplus.recover({ custIp: '127.0.0.1' });
  const attempt = (await store.get('retry')) as Attempt;
  await payplus.close();
  await store.close();
  return { report, attempt, runner };
}

describe('recovery reads pp_cli\'s log as proof only for the attempt\'s own, complete run', () => {
  it('a decline of the same order 300 ms before the retry began is not the retry\'s answer: the approval is read (and cancelled, never committed)', async () => {
    const { report, attempt, runner } = await scenario((began) => {
      const before = new Date(began.getTime() - 300);
      const after = new Date(began.getTime() + 40);
      return [
        start(before, 4101, 'T0000BQETG60GRNn', 'ORD-9'),
        ended(new Date(before.getTime() + 100), 4101, 'T0000BQETG60GRNn', declinedRes),
        start(after, 4102, 'T0000BQETG60GRNn', 'ORD-9'),
        ended(new Date(after.getTime() + 120), 4102, 'T0000BQETG60GRNn', approvedRes),
      ];
    });
    assert.deepEqual(report.declined, []);
    assert.deepEqual(report.cancelled.map((c) => [c.ordrIdxx, c.tno]), [['ORD-9', TNO]]);
    assert.equal(attempt.state, 'cancelled');
    assert.match(attempt.note ?? '', /answer read from the pp_cli log/);
    assert.equal(runner.calls.length, 1, 'one cancel of the approval');
  });

  it('two runs that could both be the attempt\'s (pp_cli 2.00 logs whole seconds) are unknown, never declined', async () => {
    const { report, attempt, runner } = await scenario((began) => {
      const second = new Date(Math.floor(began.getTime() / 1000) * 1000);
      return [
        start(second, 4201, 'T0000BQETG60GRNn', 'ORD-9', false),
        ended(second, 4201, 'T0000BQETG60GRNn', declinedRes, false),
        start(second, 4202, 'T0000BQETG60GRNn', 'ORD-9', false),
        ended(second, 4202, 'T0000BQETG60GRNn', approvedRes, false),
      ];
    });
    assert.deepEqual(report.declined, []);
    assert.equal(report.unknown.length, 1);
    assert.match(report.unknown[0]!.why, /2 runs for ORD-9 that could be this attempt's \(pids 4201, 4202\)/);
    assert.equal(attempt.state, 'unknown');
    assert.equal(runner.calls.length, 0);
  });

  it('a run of the same order with another trace_no is not the attempt\'s', async () => {
    const { report, attempt } = await scenario((began) => {
      const t = new Date(Math.floor(began.getTime() / 1000) * 1000);
      return [
        start(t, 4301, 'T0000OTHERTRACE1', 'ORD-9', false),
        ended(t, 4301, 'T0000OTHERTRACE1', declinedRes, false),
        start(t, 4302, 'T0000BQETG60GRNn', 'ORD-9', false),
        ended(t, 4302, 'T0000BQETG60GRNn', approvedRes, false),
      ];
    });
    assert.deepEqual(report.cancelled.map((c) => c.tno), [TNO]);
    assert.equal(attempt.state, 'cancelled');
  });

  it('a TX_ENDED line cut by a full disk and continued by the next line is unknown, never a refusal', async () => {
    const { report, attempt, runner } = await scenario((began) => {
      const t = new Date(began.getTime() + 30);
      // The disk filled inside the line: `…tno=2026` then, once space was back, the next run's line glued on.
      const cut = ended(t, 4401, 'T0000BQETG60GRNn', '').replace('res=[]', `res=[res_cd=0000${US}res_msg=ok${US}tno=2026`);
      const next = start(new Date(t.getTime() + 900), 4402, 'T0000ZZZZZZZZZZZ', 'ORD-OTHER');
      return [start(t, 4401, 'T0000BQETG60GRNn', 'ORD-9'), cut + next];
    });
    assert.deepEqual(report.declined, []);
    assert.equal(report.unknown.length, 1);
    assert.match(report.unknown[0]!.why, /pp_cli \(pid 4401\) logged a cut or incomplete TX_ENDED line for ORD-9/);
    assert.equal(attempt.state, 'unknown');
    assert.equal(runner.calls.length, 0);
  });

  it('a success code without a tno is unknown, never a refusal', async () => {
    const { report, attempt } = await scenario((began) => {
      const t = new Date(began.getTime() + 30);
      return [start(t, 4501, 'T0000BQETG60GRNn', 'ORD-9'), ended(t, 4501, 'T0000BQETG60GRNn', `res_cd=0000${US}res_msg=ok${US}amount=5000`)];
    });
    assert.deepEqual(report.declined, []);
    assert.match(report.unknown[0]?.why ?? '', /res_cd=0000 but holds no valid tno: an approval that cannot be read, not a refusal/);
    assert.equal(attempt.state, 'unknown');
  });

  it('a run that started before the attempt began is never taken for it (the old 2 s window)', async () => {
    const { report, attempt } = await scenario((began) => {
      const before = new Date(began.getTime() - 1500);
      return [start(before, 4601, 'T0000BQETG60GRNn', 'ORD-9'), ended(before, 4601, 'T0000BQETG60GRNn', declinedRes)];
    });
    assert.deepEqual(report.declined, []);
    assert.equal(attempt.state, 'unknown');
  });
});

describe('recovery and a module caught between its start and its exec (the fork window)', () => {
  it('an empty answer file a live process holds for writing on another descriptor is running, and only once it is gone is the order freed', async () => {
    // A worker killed after vfork, before its child made the file its stdout: the child still holds it under the
    // worker's descriptor number (3 here), the file is empty and nobody's stdout, and the child may yet exec pp_cli.
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'kcp-fork-window-'));
    const store = new MemoryStore();
    const payplus = new PayPlus(testConfData({ logDir }), { logger: silentLogger, runner: new CannedRunner([OK]), store });
    const outputPath = path.join(logDir, 'payplus-answers', 'fork.out');
    mkdirSync(path.dirname(outputPath), { recursive: true });
    const begun = await store.begin({
      id: 'fork', ordrIdxx: 'ORD-FORK', amount: '5000', owner: deadOwner(), leaseUntil: Date.now() + 600_000,
      commitMode: 'store', durableOutput: true, traceNo: 'T0000FORKWINDOW1', outputPath,
    });
    assert.ok(begun.ok);
    const fd = openSync(outputPath, 'wx', 0o600);
    const holder = spawn('/bin/sleep', ['60'], { stdio: ['ignore', 'ignore', 'ignore', fd] });
    closeSync(fd);
    try {
      await once(holder, 'spawn');
      const held = await payplus.recover({ custIp: '127.0.0.1' });
      assert.deepEqual(held.inProgress.map((a) => a.ordrIdxx), ['ORD-FORK']);
      assert.deepEqual(held.declined, []);
      assert.equal((await store.get('fork'))?.state, 'started');
    } finally {
      holder.kill('SIGKILL');
    }
    await once(holder, 'exit');
    const freed = await payplus.recover({ custIp: '127.0.0.1' });
    assert.deepEqual(freed.declined.map((a) => a.ordrIdxx), ['ORD-FORK']);
    assert.equal((await store.get('fork'))?.state, 'declined');
    await payplus.close();
    await store.close();
  });
});
