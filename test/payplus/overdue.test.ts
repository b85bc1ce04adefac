/**
 * Nothing waits forever unseen, and storage faults refuse before money moves (issue 17 items 4, 5): a hung merchant
 * commit is reported overdue within its limit (the buyer is told the payment is being verified, status() and
 * `kcp-payplus recover` list it with age and host, and the CLI exits 1 until it is settled); a blocked order tells its
 * buyer the same; a full answer disk refuses the payment typed, before pp_cli starts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SiteConf } from '../../lib/config/index.js';
import { silentLogger } from '../../lib/log/types.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { BEING_VERIFIED, KcpPaymentPendingError } from '../../lib/payplus/process-payment.js';
import { ExecaRunner } from '../../lib/runner/execa.js';
import { AnswerSpaceError } from '../../lib/runner/stdout-file.js';
import { MemoryStore } from '../../lib/store/memory.js';
import { SqliteStore } from '../../lib/store/sqlite.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { runCli } from '../helpers/cli.js';
import { testConfData } from '../helpers/conf.js';
import { requireRoot } from '../helpers/native.js';

const US = '\x1f';
const TNO = '20261203000901';
const APPROVED = `res_cd=0000${US}res_msg=ok${US}pay_method=PACA${US}tno=${TNO}${US}amount=5000${US}card_cd=CCSS\n`;
const form = (order: string) => ({
  tran_cd: '00100000', enc_data: 'ENC', enc_info: 'INF', trace_no: 'T0000BQETG60GRNn', ordr_idxx: order, good_mny: '5000', use_pay_method: '100000000000',
});

describe('a hung merchant commit is overdue, seen, and the buyer is told it is being verified', function () {
  this.timeout(60_000);

  it('processPayment answers unknown at the limit; status() and recover list it overdue with age and host; the CLI exits 1 until the commit lands', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'kcp-overdue-'));
    const logDir = path.join(home, 'log');
    const storePath = path.join(logDir, 'payplus.sqlite');
    mkdirSync(logDir);
    const store = new SqliteStore(storePath);
    const payplus = new PayPlus(testConfData({ logDir, homeDir: home }), {
      logger: silentLogger, runner: new CannedRunner([APPROVED]), store, commitTimeoutMs: 300,
    });
    let release!: () => void;
    const hung = new Promise<void>((r) => (release = r));
    const out = await payplus.processPayment(form('HUNG-1'), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => hung.then(() => 'saved') });
    assert.equal(out.status, 'unknown');
    assert.equal(out.status === 'unknown' && out.buyerMessage, BEING_VERIFIED);
    assert.match(out.status === 'unknown' ? out.error.message : '', /the commit of order HUNG-1 \(attempt .*\) has not finished after 300 ms: the attempt is overdue/);

    const status = await payplus.status();
    assert.equal(status.attention, true);
    assert.deepEqual(status.attempts.map((a) => [a.ordrIdxx, a.kind, a.state, a.host, a.pid]), [['HUNG-1', 'overdue', 'approved', os.hostname(), process.pid]]);
    assert.ok(status.attempts[0]!.ageMs >= 300);

    // The buyer who tries again is told the payment is being verified.
    await assert.rejects(payplus.processPayment(form('HUNG-1'), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }), (err: unknown) => {
      assert.ok(err instanceof KcpPaymentPendingError);
      assert.equal(err.code, 'duplicate_order');
      assert.deepEqual(err.buyerMessage, BEING_VERIFIED);
      assert.equal(err.blockingAttemptId, status.attempts[0]!.id);
      return true;
    });

    const conf = SiteConf.testPreset({ homeDir: home, logDir, gwUrl: '127.0.0.1', gwPort: '9', jsUrl: 'http://127.0.0.1:9/plugin/payplus_test.js' });
    const cfg = path.join(home, 'site_conf_inc.json');
    writeFileSync(cfg, JSON.stringify(conf.toFile()));
    const seen = await runCli(['recover', '--config', cfg, '--store', `sqlite:${storePath}`]);
    assert.equal(seen.code, 1, seen.out + seen.err);
    assert.match(seen.out, new RegExp(`^OVERDUE +ordr_idxx=HUNG-1 tno=${TNO} id=\\S+ state=approved age=\\d+ s host=${os.hostname()} pid=${process.pid}: approved and not committed: the commit outlived its 300 ms limit`, 'm'));

    release();
    for (let i = 0; i < 200 && (await store.listOpen(1)).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual((await payplus.status()).attempts, []);
    const clear = await runCli(['recover', '--config', cfg, '--store', `sqlite:${storePath}`]);
    assert.equal(clear.code, 0, clear.out);
    await store.close();
    rmSync(home, { recursive: true, force: true });
  });
});

describe('a full disk for the answer file refuses the payment before pp_cli starts (tmpfs)', function () {
  let mnt: string;
  before(function () {
    requireRoot(this, 'mounting a tmpfs');
  });
  beforeEach(() => {
    mnt = mkdtempSync(path.join(os.tmpdir(), 'kcp-full-'));
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mnt]).status, 0);
  });
  afterEach(() => {
    spawnSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });

  it('AnswerSpaceError (retryable), nothing ran, the order is payable again once space is back', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'kcp-full-home-'));
    mkdirSync(path.join(home, 'bin'));
    const ran = path.join(home, 'ran');
    const module = path.join(home, 'bin', 'pp_cli');
    writeFileSync(module, `#!/bin/sh\necho x >> ${ran}\nprintf '${APPROVED.replace(/\n$/, '')}\\n'\n`);
    chmodSync(module, 0o755);
    spawnSync('sh', ['-c', `head -c 1048576 /dev/zero > ${mnt}/fill; true`]);
    const payplus = new PayPlus(testConfData({ homeDir: home, logDir: mnt }), { logger: silentLogger, runner: new ExecaRunner(), store: new MemoryStore() });
    await assert.rejects(payplus.processPayment(form('FULL-1'), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 0 }), (err: unknown) => {
      assert.ok(err instanceof AnswerSpaceError, String(err));
      assert.equal(err.errno, 'ENOSPC');
      assert.equal(err.retryable, true);
      return true;
    });
    assert.equal(existsSync(ran), false, 'pp_cli never started');
    rmSync(path.join(mnt, 'fill'));
    const out = await payplus.processPayment(form('FULL-1'), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 'saved' });
    assert.equal(out.status, 'approved');
    await payplus.close();
    rmSync(home, { recursive: true, force: true });
  });
});
