/**
 * Notifications exactly once where the store can promise it: KCP delivers a noti_id, the worker is killed with
 * SIGKILL inside the merchant's handler (before its write, after it inside the open transaction) or right after the
 * commit, and KCP's re-send goes to a new worker. With the handler in the store's transaction (handleInStore) every
 * noti_id's effect is there exactly once. 30 kills per engine, kill points drawn from a seeded generator (SEED to
 * replay; the seed is printed). A control run on SQLite writes outside the store's transaction, as a handler without
 * handleInStore does: delivery is then at least once, and exactly the workers killed after their write are doubled.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENGINES, freshDatabase, type FreshDatabase } from '../helpers/databases.js';
import type { ChildPlan, KillPoint } from './notify-child.js';
import { SEED, seeded } from '../helpers/seed.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHILD = path.join(import.meta.dirname, 'notify-child.ts');
const KILLS = 30;
const POINTS: readonly KillPoint[] = ['before-write', 'after-write', 'after-commit'];


interface Run {
  signal: NodeJS.Signals | null;
  code: number | null;
  lines: Array<{ id: string; status: string; error?: string }>;
  stderr: string;
}

/** Runs one worker to its end (it never outlives the test: every spawn is awaited to its exit). */
function runChild(location: string, plan: ChildPlan): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, location, JSON.stringify(plan)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      resolve({ code, signal, stderr: err, lines: out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Run['lines'][number]) }),
    );
  });
}

const seed = SEED; // the run's one seed (test/helpers/seed.ts)

/** One campaign: KILLS workers each killed at a seeded point, each kill followed by KCP's re-send to a new worker. */
async function campaign(db: FreshDatabase, engine: string, outside: boolean) {
  console.log(`      SEED=${seed} (${engine}${outside ? ', handler outside the store transaction' : ''})`);
  const random = seeded('notify-kill').next; // the same kill schedule on every engine
  const ids = Array.from({ length: KILLS }, (_, i) => `N-${engine}-${outside ? 'out' : 'in'}-${i}`);
  const killedAt = new Map<string, KillPoint>();
  for (let i = 0; i <= KILLS; i++) {
    const deliveries: ChildPlan['deliveries'] = [];
    if (i > 0) deliveries.push({ id: ids[i - 1]! }); // KCP's re-send of the one the last worker died on
    if (i < KILLS) {
      const kill = POINTS[Math.floor(random() * POINTS.length)]!;
      killedAt.set(ids[i]!, kill);
      deliveries.push({ id: ids[i]!, kill });
    } else {
      deliveries.push(...ids.map((id) => ({ id }))); // and every one again: all duplicates now
    }
    const run = await runChild(db.location, { deliveries, outside });
    if (i < KILLS) assert.equal(run.signal, 'SIGKILL', `worker ${i} was to die at ${killedAt.get(ids[i]!)}: ${run.stderr}`);
    else assert.equal(run.code, 0, run.stderr);
    if (i > 0) {
      const resend = run.lines[0];
      const expected = killedAt.get(ids[i - 1]!) === 'after-commit' ? 'duplicate' : 'processed';
      assert.deepEqual(resend && { id: resend.id, status: resend.status }, { id: ids[i - 1], status: expected }, JSON.stringify(resend));
    }
    if (i === KILLS) assert.ok(run.lines.slice(1).every((l) => l.status === 'duplicate'), JSON.stringify(run.lines));
  }
  const rows = await db.query('SELECT noti_id, COUNT(*) AS n FROM shop_deposits GROUP BY noti_id');
  const counts = new Map(rows.map((r) => [String(r.noti_id), Number(r.n)]));
  const twice = ids.filter((id) => (counts.get(id) ?? 0) > 1);
  const never = ids.filter((id) => (counts.get(id) ?? 0) === 0);
  const points = POINTS.map((p) => `${p} ${[...killedAt.values()].filter((k) => k === p).length}`).join(', ');
  console.log(`      ${engine}${outside ? ' (outside)' : ''}: ${KILLS} kills (${points}); handled twice ${twice.length}, never ${never.length}`);
  return { twice, never, killedAt };
}

for (const engine of ENGINES) {
  describe(`chaos: notifications killed in the handler, ${engine}`, function () {
    this.timeout(600_000);
    let db: FreshDatabase;

    before(async () => {
      db = await freshDatabase(engine, mkdtempSync(path.join(os.tmpdir(), 'kcp-notikill-')));
      const store = await db.open();
      await store.listOpen(1); // creates the store's tables
      await store.close();
      // No unique key on purpose: a noti_id handled twice shows as two rows.
      await db.exec('CREATE TABLE shop_deposits (noti_id VARCHAR(100) NOT NULL, pid INTEGER NOT NULL)');
    });
    after(async () => {
      await db?.drop();
    });

    it(`kill -9 in the handler ×${KILLS} with the store transaction: every noti_id's effect exactly once (SEED=${seed})`, async () => {
      const { twice, never, killedAt } = await campaign(db, engine, false);
      assert.deepEqual({ twice, never }, { twice: [], never: [] }, JSON.stringify([...killedAt]));
    });

    if (engine === 'sqlite') {
      it('control, without handleInStore: at least once — handled twice exactly where the worker died after its write', async () => {
        const { twice, never, killedAt } = await campaign(db, engine, true);
        const afterWrite = [...killedAt].filter(([, k]) => k === 'after-write').map(([id]) => id);
        assert.deepEqual({ twice, never }, { twice: afterWrite, never: [] });
      });
    }
  });
}
