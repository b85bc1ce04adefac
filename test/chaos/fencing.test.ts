/**
 * Fencing campaign (issue 17 items 1, 2), seeded: round after round a worker pays one order with its commit outside
 * the store (the commit fence contract), on a payment store the seed picks (SQLite, PostgreSQL or MariaDB), and is — by the seed's choice — paused with SIGSTOP inside its commit until
 * its lease has run out, run in its own PID namespace with this host's name (unshare, as root), or left alone; a
 * recovery on this host runs meanwhile with the merchant's fence. Truth is the merchant's order table and the cancels
 * actually sent: every round ends with the order paid and no cancel, or not paid and exactly one cancel — never
 * committed then cancelled, never a double cancel, never an approval without an order or a cancel.
 * SEED=<n> replays a run; the seed is printed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { silentLogger } from '../../lib/log/types.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { leaseRunsOut, makeShop, shopFence, signalWorker, startWorker } from '../fixtures/fencing/shop.js';
import { ENGINES, freshDatabase, type Engine, type FreshDatabase } from '../helpers/databases.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { testConfData } from '../helpers/conf.js';
import { SEED, seeded } from '../helpers/seed.js';

const ROUNDS = 12;
const OK = 'res_cd=0000\x1fres_msg=ok\n';

describe(`fencing campaign: SIGSTOP past the lease, PID namespaces (seed ${SEED})`, function () {
  this.timeout(300_000);
  const databases = new Map<Engine, FreshDatabase>();
  before(async () => {
    for (const engine of ENGINES) {
      if (engine !== 'sqlite') databases.set(engine, await freshDatabase(engine, mkdtempSync(path.join(os.tmpdir(), 'kcp-fchaos-'))));
    }
  });
  after(async () => {
    for (const db of databases.values()) await db.drop();
  });

  it(`${ROUNDS} rounds: 0 committed-then-cancelled, 0 double cancels, 0 money without an order`, async () => {
    console.log(`      SEED=${SEED}`);
    const random = seeded('fencing campaign').next; // test/helpers/seed.ts: SEED replays the schedule
    const canUnshare = process.getuid?.() === 0;
    const tally: Record<string, number> = { paused: 0, namespaced: 0, paid: 0, cancelled: 0, sqlite: 0, postgres: 0, mysql: 0 };
    for (let round = 1; round <= ROUNDS; round++) {
      const pause = random() < 0.6;
      const namespaced = canUnshare && random() < 0.5;
      const engine = ENGINES[Math.floor(random() * ENGINES.length)]!;
      const db = databases.get(engine);
      const over = { tno: `2026120300${String(round).padStart(4, '0')}`, leaseMs: 1000 + Math.floor(random() * 1000) };
      const s = db ? makeShop(`C-${round}`, { ...over, store: db.location }, await db.open()) : makeShop(`C-${round}`, over);
      const runner = new CannedRunner([OK, OK]);
      const recoverer = new PayPlus(testConfData({ logDir: s.dir }), { logger: silentLogger, runner, store: s.store, fence: shopFence(s.shop) });
      const w = startWorker(s.job, namespaced ? { host: os.hostname() } : undefined);
      const where = `round ${round} (${engine}, pause ${pause}, namespaced ${namespaced}, seed ${SEED})`;
      try {
        const id = (await w.line('in-commit ')).split(' ')[1]!;
        if (pause) {
          signalWorker(w, 'SIGSTOP');
          await leaseRunsOut(s.store, id);
          await recoverer.recover({ custIp: '127.0.0.1' });
          writeFileSync(s.job.goFlag, '');
          signalWorker(w, 'SIGCONT');
        } else {
          // A recovery that runs while the live worker is inside its commit must leave it alone.
          await recoverer.recover({ custIp: '127.0.0.1' });
          writeFileSync(s.job.goFlag, '');
        }
        const outcome = await w.line('outcome ');
        assert.equal(await w.exited, 0, where);
        await recoverer.recover({ custIp: '127.0.0.1' });
        const workerCancels = Number(outcome.split(' ')[2]) - 1;
        const cancels = runner.calls.length + workerCancels;
        const paid = s.order().state === 'paid';
        assert.ok(!(paid && cancels > 0), `committed then cancelled — ${where}: ${outcome}`);
        assert.ok(cancels <= 1, `double cancel — ${where}: ${outcome}, ${cancels} cancels`);
        assert.ok(paid || cancels === 1, `money without an order — ${where}: ${outcome}`);
        assert.deepEqual(await s.store.listOpen(10), [], `attempts left open — ${where}`);
        tally.paused! += pause ? 1 : 0;
        tally.namespaced! += namespaced ? 1 : 0;
        tally[paid ? 'paid' : 'cancelled'] += 1;
        tally[engine] += 1;
      } finally {
        if (w.proc.exitCode === null && w.proc.signalCode === null) {
          signalWorker(w, 'SIGCONT');
          signalWorker(w, 'SIGKILL');
        }
        await s.close();
      }
    }
    console.log(`      ${JSON.stringify(tally)}`);
    if (tally.paused! > 0) assert.ok(tally.cancelled! > 0, 'a worker paused past its lease was fenced and cancelled');
  });
});
