/**
 * The store's retry budget and typed failures, on an in-memory SQLite driver whose transactions fail on purpose: a
 * passing fault is run again until it passes, within a bounded number of tries; one that outlasts the budget, or a
 * COMMIT that got no answer, or a fault that is not passing, reaches the caller as KcpStoreError naming the engine
 * and the operation; a merchant's own error passes through untouched and its function is never run twice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../lib/log/types.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { isTransientStoreError, KcpStoreError, markCommitUnknown, retryDelayMs, STORE_RETRY } from '../../lib/store/errors.js';
import { currentOwner } from '../../lib/store/owner.js';
import { SqlPaymentStore, type Query, type SqlDriver } from '../../lib/store/sql.js';
import { openSqlite, sqliteDriver } from '../../lib/store/sqlite-driver.js';
import type { PaymentStore } from '../../lib/store/types.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { testConfData } from '../helpers/conf.js';

const me = currentOwner();
const lost = () => Object.assign(new Error('Connection terminated unexpectedly'), {});
const adminShutdown = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

type Mode = 'begin' | 'commit' | 'landed';

/**
 * A driver whose next `failures` transactions fail with `make()`: at BEGIN ('begin'), at a COMMIT that is rolled back
 * ('commit'), or after a COMMIT that did land ('landed'). `arm(n)` makes the next n fail.
 */
function flaky(failures: number, make: () => Error, mode: Mode | boolean = 'begin'): { driver: SqlDriver; tries: () => number; arm: (n: number) => void } {
  const how: Mode = mode === true ? 'commit' : mode === false ? 'begin' : mode;
  const inner = sqliteDriver(openSqlite(':memory:'));
  let left = failures;
  let tries = 0;
  const transaction: SqlDriver['transaction'] = async <T>(fn: (q: Query, raw: Query) => Promise<T>): Promise<T> => {
    tries += 1;
    if (how === 'landed') {
      const value = await inner.transaction(fn);
      if (left > 0) {
        left -= 1;
        throw markCommitUnknown(make());
      }
      return value;
    }
    return inner.transaction(async (q, raw) => {
      if (how === 'begin' && left > 0) {
        left -= 1;
        throw make();
      }
      const value = await fn(q, raw);
      if (how === 'commit' && left > 0) {
        left -= 1;
        throw markCommitUnknown(make());
      }
      return value;
    });
  };
  return { tries: () => tries, arm: (n) => (left = n), driver: { ...inner, retryable: isTransientStoreError, transaction } };
}

const attempt = (id: string) => ({ id, ordrIdxx: `O-${id}`, amount: '1', owner: me, leaseUntil: Date.now() + 60_000, commitMode: 'store' as const, durableOutput: true });

describe('store retries and typed failures', function () {
  this.timeout(30_000);

  it('a lost connection or an admin shutdown before COMMIT is run again and passes', async () => {
    const { driver, tries } = flaky(3, adminShutdown);
    const store = new SqlPaymentStore(driver);
    await store.ready(); // the schema transaction takes the 3 failures
    assert.equal(tries(), 4);
    assert.equal((await store.begin(attempt('a'))).ok, true);
  });

  it(`a fault outlasting the budget: ${STORE_RETRY.attempts} tries, then a retryable KcpStoreError naming engine and operation`, async () => {
    const { driver, tries } = flaky(1000, lost);
    const store = new SqlPaymentStore(driver);
    await assert.rejects(store.claimNotification('N', me, Date.now() + 1000), (err: unknown) => {
      assert.ok(err instanceof KcpStoreError);
      assert.equal(err.name, 'KcpStoreError');
      assert.equal(err.code, 'store_unavailable');
      assert.equal(err.retryable, true);
      assert.equal(err.engine, 'sqlite');
      assert.equal(err.operation, 'ready');
      assert.equal((err.cause as Error).message, 'Connection terminated unexpectedly');
      return true;
    });
    assert.equal(tries(), STORE_RETRY.attempts);
  });

  it('a COMMIT without an answer is not run again: KcpStoreError, not retryable, saying so', async () => {
    const { driver, tries } = flaky(1, lost, true);
    await assert.rejects(new SqlPaymentStore(driver).ready(), {
      name: 'KcpStoreError',
      retryable: false,
      message: /whether it was recorded is unknown, so it was not run again/,
    });
    assert.equal(tries(), 1);
  });

  it('an unanswered COMMIT that landed is read back (begin, a notification claim, its completion); one that did not runs again', async () => {
    const landed = flaky(0, lost, 'landed');
    const store = new SqlPaymentStore(landed.driver);
    await store.ready();
    for (const [what, run] of [
      ['begin', async () => assert.equal((await store.begin(attempt('L-1'))).ok, true)],
      ['claimNotification', async () => assert.equal(await store.claimNotification('L-N', me, Date.now() + 60_000), 'claimed')],
      ['completeNotification', async () => store.completeNotification('L-N')],
    ] as const) {
      const before = landed.tries();
      landed.arm(1);
      await run();
      assert.equal(landed.tries(), before + 1, `${what}: read back, not run again`);
    }
    assert.equal((await store.get('L-1'))?.state, 'started');
    assert.equal(await store.notificationDone('L-N'), true);

    const rolledBack = flaky(0, lost, 'commit');
    const s2 = new SqlPaymentStore(rolledBack.driver);
    await s2.ready();
    const before = rolledBack.tries();
    rolledBack.arm(1);
    assert.equal((await s2.begin(attempt('R-1'))).ok, true);
    assert.equal(rolledBack.tries(), before + 2, 'not landed: run again');
    assert.equal((await s2.get('R-1'))?.state, 'started');
  });

  it('a fault that does not pass (a syntax error, a constraint) is not retried', async () => {
    const { driver, tries } = flaky(5, () => Object.assign(new Error('syntax error'), { code: '42601' }));
    await assert.rejects(new SqlPaymentStore(driver).ready(), { name: 'KcpStoreError', retryable: false });
    assert.equal(tries(), 1);
  });

  it("the merchant's commit: its own error untouched, its function run once even when the connection is lost", async () => {
    const { driver } = flaky(0, lost);
    const store = new SqlPaymentStore(driver);
    assert.equal((await store.begin(attempt('m'))).ok, true);
    assert.equal(await store.update('m', ['started'], { state: 'approved' }, me), true);
    const mine = new Error('merchant: orders table is locked');
    let runs = 0;
    await assert.rejects(store.commitWith('m', me, async () => { runs += 1; throw mine; }), (err) => err === mine);
    let lostRuns = 0;
    await assert.rejects(store.commitWith('m', me, async () => { lostRuns += 1; throw lost(); }), (err: Error) => err.message === 'Connection terminated unexpectedly' && !(err instanceof KcpStoreError));
    assert.equal(runs, 1);
    assert.equal(lostRuns, 1, 'never re-run by the store');
    assert.equal((await store.get('m'))?.state, 'approved');
  });

  it('backoff is jittered and bounded: full jitter under a ceiling that doubles up to maxMs', () => {
    for (let attempt = 1; attempt < 12; attempt++) {
      const ceiling = Math.min(STORE_RETRY.maxMs, STORE_RETRY.baseMs * 2 ** attempt);
      assert.equal(retryDelayMs(attempt, () => 0), 0);
      assert.equal(retryDelayMs(attempt, () => 0.999999), ceiling - 1);
    }
    let worst = 0;
    for (let attempt = 1; attempt < STORE_RETRY.attempts; attempt++) worst += retryDelayMs(attempt, () => 0.999999);
    assert.ok(worst < STORE_RETRY.budgetMs, `the waits alone (${worst} ms) fit the budget`);
  });

  it('classifies the engines\' passing faults', () => {
    for (const e of [{ code: '57P01' }, { code: '40P01' }, { code: '40001' }, { code: 'ECONNRESET' }, { code: 'PROTOCOL_CONNECTION_LOST' },
      { errno: 1213 }, { errno: 1205 }, { errno: 2013 }, { errno: 1927 }, { message: 'Connection terminated unexpectedly' }]) {
      assert.equal(isTransientStoreError(Object.assign(new Error(String(e.message ?? 'x')), e)), true, JSON.stringify(e));
    }
    for (const e of [{ code: '23505' }, { errno: 1062 }, { code: 'SQLITE_CONSTRAINT' }, {}]) {
      assert.equal(isTransientStoreError(Object.assign(new Error('x'), e)), false, JSON.stringify(e));
    }
  });
});

describe("processPayment with commitInStore when the store's COMMIT gets no answer (a database restart)", function () {
  this.timeout(30_000);
  const US = '\x1f';
  const TNO = '20261203000001';
  const APPROVED = `res_cd=0000${US}res_msg=ok${US}pay_method=PACA${US}tno=${TNO}${US}amount=5000${US}card_cd=CCSS\n`;
  const CANCELLED = `res_cd=0000${US}res_msg=ok\n`;
  const form = { tran_cd: '00100000', enc_data: 'ENC', enc_info: 'INF', trace_no: 'T0000BQETG60GRNn', ordr_idxx: 'ORD-R', good_mny: '5000' };

  /**
   * Pays ORD-R on a store over `mode`'s driver; the merchant's commit writes its order row and arms one failure, so the
   * store transaction it runs in is the one that fails. `unreadable`: the store's reads fail from then on too.
   */
  async function pay(mode: 'landed' | 'commit', unreadable = false) {
    const { driver, arm } = flaky(0, lost, mode);
    const inner = new SqlPaymentStore(driver);
    await inner.ready();
    let down = false;
    const store = new Proxy(inner, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'get') return (...a: unknown[]) => (down ? Promise.reject(new KcpStoreError('database down', { retryable: true })) : (value as (...x: unknown[]) => unknown).apply(target, a));
        return (value as (...x: unknown[]) => unknown).bind(target);
      },
    }) as PaymentStore;
    const runner = new CannedRunner([APPROVED, CANCELLED]);
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'kcp-commit-lost-'));
    const payplus = new PayPlus(testConfData({ logDir }), { logger: silentLogger, runner, store });
    const out = await payplus.processPayment(form, {
      custIp: '10.0.0.1', expectedAmount: 5000, commitInStore: true,
      commit: async (approval, tx) => {
        await tx!.query('CREATE TABLE IF NOT EXISTS shop_orders (id TEXT PRIMARY KEY, tno TEXT)');
        await tx!.query('INSERT INTO shop_orders VALUES (?, ?)', ['ORD-R', approval.tno]);
        arm(1);
        down = unreadable;
        return 'saved';
      },
    });
    down = false;
    const attempt = (await inner.listOpen(10))[0] ?? (await inner.get(out.attemptId));
    const rows = await driver.query("SELECT name FROM sqlite_master WHERE name = 'shop_orders'");
    const orders = rows.rows.length === 0 ? [] : (await driver.query('SELECT id FROM shop_orders')).rows;
    return { out, runner, attempt, orders };
  }

  it('the COMMIT landed: approved with the lost answer as storeError; nothing cancelled', async () => {
    const { out, runner, attempt, orders } = await pay('landed');
    assert.equal(out.status, 'approved', JSON.stringify(out));
    assert.equal(out.status === 'approved' && out.committed, 'saved');
    assert.ok(out.status === 'approved' && out.storeError instanceof KcpStoreError);
    assert.match(out.status === 'approved' ? String((out.storeError as Error).message) : '', /lost while committing/);
    assert.equal(runner.calls.length, 1, 'no cancel was sent');
    assert.equal(attempt?.state, 'committed');
    assert.deepEqual(orders, [{ id: 'ORD-R' }]);
  });

  it('the COMMIT did not land: the order row rolled back with the mark, and the approval cancelled once', async () => {
    const { out, runner, attempt, orders } = await pay('commit');
    assert.equal(out.status, 'cancelled', JSON.stringify(out));
    assert.equal(out.status === 'cancelled' && out.reason, 'commit_failed');
    assert.equal(runner.calls.length, 2);
    assert.equal(attempt?.state, 'cancelled');
    assert.deepEqual(orders, []);
  });

  it('the store cannot be read after a lost COMMIT: unknown (being verified), nothing cancelled on a guess', async () => {
    const { out, runner, attempt, orders } = await pay('landed', true);
    assert.equal(out.status, 'unknown', JSON.stringify(out));
    assert.equal(out.status === 'unknown' && out.error.code, 'outcome_unknown');
    assert.match(out.status === 'unknown' ? out.error.message : '', /lost its connection while committing, and the store cannot be read yet/);
    assert.ok(out.status === 'unknown' && out.buyerMessage.en.includes('being verified'));
    assert.equal(runner.calls.length, 1, 'no cancel was sent');
    assert.equal(attempt?.state, 'committed', 'it had landed: recovery finds it committed and leaves it');
    assert.deepEqual(orders, [{ id: 'ORD-R' }]);
  });
});
