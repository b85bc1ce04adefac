/**
 * The store's retry budget and typed failures, on an in-memory SQLite driver whose transactions fail on purpose: a
 * passing fault is run again until it passes, within a bounded number of tries; one that outlasts the budget, or a
 * COMMIT that got no answer, or a fault that is not passing, reaches the caller as KcpStoreError naming the engine
 * and the operation; a merchant's own error passes through untouched and its function is never run twice.
 */
import assert from 'node:assert/strict';
import { isTransientStoreError, KcpStoreError, markCommitUnknown, retryDelayMs, STORE_RETRY } from '../../lib/store/errors.js';
import { currentOwner } from '../../lib/store/owner.js';
import { SqlPaymentStore, type SqlDriver } from '../../lib/store/sql.js';
import { openSqlite, sqliteDriver } from '../../lib/store/sqlite-driver.js';

const me = currentOwner();
const lost = () => Object.assign(new Error('Connection terminated unexpectedly'), {});
const adminShutdown = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

/** A driver whose next `failures` transactions fail with `make()` (thrown at BEGIN, or at COMMIT with `atCommit`). */
function flaky(failures: number, make: () => Error, atCommit = false): { driver: SqlDriver; tries: () => number } {
  const inner = sqliteDriver(openSqlite(':memory:'));
  let left = failures;
  let tries = 0;
  return {
    tries: () => tries,
    driver: {
      ...inner,
      retryable: isTransientStoreError,
      transaction: (fn) =>
        inner.transaction(async (q, raw) => {
          tries += 1;
          if (!atCommit && left > 0) {
            left -= 1;
            throw make();
          }
          const value = await fn(q, raw);
          if (atCommit && left > 0) {
            left -= 1;
            throw markCommitUnknown(make());
          }
          return value;
        }),
    },
  };
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
