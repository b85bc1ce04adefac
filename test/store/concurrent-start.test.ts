/**
 * Several processes starting on a fresh database together (a deployment's first roll-out): each creates the tables
 * with CREATE … IF NOT EXISTS, which on PostgreSQL is not safe against a concurrent creator (a unique violation in
 * its catalog). Every store must open. Separate pools stand for separate processes (the registry would share one).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MysqlStore } from '../../lib/store/mysql.js';
import { PostgresStore } from '../../lib/store/postgres.js';
import type { PaymentStore } from '../../lib/store/types.js';
import { freshDatabase } from '../helpers/databases.js';

const OPENERS = 8;

for (const engine of ['postgres', 'mysql'] as const) {
  describe(`${engine}: ${OPENERS} stores starting on a fresh database at once`, function () {
    this.timeout(60_000);
    for (let round = 1; round <= 3; round++) {
      it(`all open and agree on the schema (round ${round})`, async () => {
        const db = await freshDatabase(engine, mkdtempSync(path.join(os.tmpdir(), 'kcp-start-')));
        const open = (): Promise<PaymentStore> =>
          engine === 'postgres' ? PostgresStore.open({ connection: db.location }) : MysqlStore.open({ connection: db.location });
        const stores: PaymentStore[] = [];
        try {
          const results = await Promise.allSettled(Array.from({ length: OPENERS }, open));
          for (const r of results) if (r.status === 'fulfilled') stores.push(r.value);
          const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
          assert.deepEqual(failed, []);
          assert.equal((await db.query('SELECT version FROM kcp_payplus_schema')).length, 1);
        } finally {
          await Promise.all(stores.map((s) => s.close()));
          await db.drop();
        }
      });
    }
  });
}
