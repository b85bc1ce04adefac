/**
 * The store's own writes run again when the engine picks them as a deadlock victim (InnoDB does, when another
 * process's claim holds a shared lock on the row). A completion lost that way once let a second process handle the
 * same notification; here the victim is made on purpose, once per kind of write.
 */
import assert from 'node:assert/strict';
import { currentOwner } from '../../lib/store/owner.js';
import { SqlPaymentStore, type SqlDriver } from '../../lib/store/sql.js';
import { openSqlite, sqliteDriver } from '../../lib/store/sqlite-driver.js';

const DEADLOCK = Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { errno: 1213 });

/** An in-memory SQLite driver whose transactions fail as a deadlock victim the first time a statement matches. */
function victimOnce(match: RegExp): { driver: SqlDriver; victims: () => number } {
  const inner = sqliteDriver(openSqlite(':memory:'));
  let armed = true;
  let victims = 0;
  return {
    victims: () => victims,
    driver: {
      ...inner,
      retryable: (err) => (err as { errno?: number }).errno === 1213,
      transaction: (fn) =>
        inner.transaction((q, raw) =>
          fn(async (sql, params) => {
            if (armed && match.test(sql)) {
              armed = false;
              victims += 1;
              throw DEADLOCK;
            }
            return q(sql, params);
          }, raw),
        ),
    },
  };
}

describe('payment store writes survive being a deadlock victim', () => {
  const me = currentOwner();
  for (const [what, match, run] of [
    ['completing a notification', /SET state = 'done'/, async (s: SqlPaymentStore) => {
      assert.equal(await s.claimNotification('N-1', me, Date.now() + 60_000), 'claimed');
      await s.completeNotification('N-1');
      assert.equal(await s.notificationDone('N-1'), true);
    }],
    ['releasing a notification', /SET state = 'released'/, async (s: SqlPaymentStore) => {
      await s.claimNotification('N-2', me, Date.now() + 60_000);
      await s.releaseNotification('N-2', me);
      assert.equal(await s.claimNotification('N-2', { ...me, start: 'other' }, Date.now() + 60_000), 'claimed');
    }],
    ['claiming an attempt', /SET owner_host = \?/, async (s: SqlPaymentStore) => {
      await s.begin({ id: 'a1', ordrIdxx: 'O-1', amount: '1', owner: { ...me, start: 'dead' }, leaseUntil: 1, commitMode: 'store', durableOutput: true });
      assert.equal(await s.claim('a1', { ...me, start: 'dead' }, me, Date.now() + 1000), true);
    }],
    ['taking an order id', /INSERT INTO kcp_payplus_orders/, async (s: SqlPaymentStore) => {
      assert.equal((await s.begin({ id: 'b1', ordrIdxx: 'O-2', amount: '1', owner: me, leaseUntil: 1, commitMode: 'store', durableOutput: true })).ok, true);
    }],
  ] as const) {
    it(`${what}: run again, done once`, async () => {
      const { driver, victims } = victimOnce(match);
      const store = new SqlPaymentStore(driver);
      await store.ready();
      await run(store);
      assert.equal(victims(), 1);
      await store.close();
    });
  }
});
