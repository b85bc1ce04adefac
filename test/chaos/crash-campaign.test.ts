/**
 * The crash campaign, on every engine: two shop worker processes pay the same orders against one store while a third
 * runs recovery in a loop, and the test kills them with SIGKILL at random moments — before pp_cli, while it runs
 * (a tenth of the amounts make the simulator answer slowly), after it answered, inside the merchant's commit, after
 * it, and while automatic cancels run. Killed workers are restarted and the buyer retries the order once. Then
 * recovery settles what is left, and the simulator's own records are compared with the merchant's table:
 * 0 approvals neither committed nor cancelled, 0 committed orders cancelled, 0 double approvals, 0 double cancels,
 * 0 attempts left open.
 *
 * Part of `npm run test:chaos`, not of `npm test`. It prints a progress line (kills so far, by moment, and the
 * outcomes the workers reported) every 15 s. Every kill decision is drawn from the seeded stream keyed by the event
 * it is about (worker, order, step, try), so `SEED=<n> npm run test:chaos` replays the same decisions. The loop is
 * bounded by rounds, not by the clock; when the test ends (also by its timeout) its processes are killed and the
 * loops stop starting new ones (test/helpers/children.ts).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Job } from '../fixtures/campaign/child.js';
import { children } from '../helpers/children.js';
import { ENGINES } from '../helpers/databases.js';
import { seeded } from '../helpers/seed.js';
import { childConf, judge, shopOnEngine, settleLeftovers, startChild, type RunningChild } from '../helpers/shop-processes.js';

const KILLS = 100;
const ORDERS_PER_ROUND = 40;
/** A bound on the loop: about 12 kills a round are expected, so 100 kills take 8–9 rounds. */
const MAX_ROUNDS = 40;
const PROGRESS_EVERY_MS = 15_000;

interface Worker {
  name: string;
  remaining: Array<{ id: string; amount: number; failCommit?: boolean; retried?: boolean }>;
  current?: RunningChild;
  /** The order this worker is on (from its last `step` line). */
  on?: string;
}

for (const engine of ENGINES) {
  describe(`crash campaign on ${engine}: kill -9 at random moments`, function () {
    this.timeout(900_000); // a last resort: the loop is bounded by MAX_ROUNDS, and progress is printed meanwhile
    const env = shopOnEngine(engine, { slowMs: 150 });

    it(`≥ ${KILLS} kills: no money without an order, no cancelled order, no double approval or cancel, nothing left open`, async () => {
      const { sim, db, store, home } = env;
      const conf = childConf(home, sim);
      const prefix = `K${engine.slice(0, 2).toUpperCase()}`;
      const stopFlag = path.join(home.dir, 'stop-recovery');
      let kills = 0;
      const killedAt: Record<string, number> = {};
      let round = 0;
      const scope = children();
      const random = seeded(`crash campaign on ${engine}`);
      const outcomes: Record<string, number> = {};
      const tries = new Map<string, number>();
      const started = Date.now();
      const progress = setInterval(() => {
        const s = Math.round((Date.now() - started) / 1000);
        console.log(`      [${engine} ${s} s] round ${round}, ${kills} kills ${JSON.stringify(killedAt)}, outcomes ${JSON.stringify(outcomes)}`);
      }, PROGRESS_EVERY_MS);
      try {
        const kill = (child: RunningChild, moment: string) => {
          if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
          child.proc.kill('SIGKILL');
          kills += 1;
          killedAt[moment] = (killedAt[moment] ?? 0) + 1;
        };

        let recoverer: RunningChild | undefined;
        const startRecoverer = () => {
          recoverer = startChild({ mode: 'recover', conf, store: db.location, everyMs: 40, untilFlag: stopFlag }, undefined, scope);
          void recoverer.exited.then(({ signal }) => {
            if (signal === 'SIGKILL' && !stopping && !scope.ended) startRecoverer();
          });
        };
        let stopping = false;
        startRecoverer();

        while ((kills < KILLS || round === 0) && !scope.ended) {
          assert.ok(round < MAX_ROUNDS, `only ${kills} kills after ${round} rounds (${JSON.stringify(killedAt)}): the workers rarely reach a step`);
          round += 1;
          const orders = Array.from({ length: ORDERS_PER_ROUND }, (_, i) => ({
            id: `${prefix}${round}-${i}`,
            amount: i % 10 === 3 ? 1993 : 1000 + i, // 993: the simulator answers slowly (pp_cli runs 150 ms)
            failCommit: i % 7 === 2,
          }));
          const workers: Worker[] = [
            { name: 'A', remaining: orders.map((o) => ({ ...o })) },
            { name: 'B', remaining: [...orders].reverse().map((o) => ({ ...o })) },
          ];
          await Promise.all(
            workers.map(async (w) => {
              while (w.remaining.length > 0 && !scope.ended) {
                const job: Job = { mode: 'pay', conf, store: db.location, orders: w.remaining, commitPauseMs: 15, seed: random.seed };
                const child = startChild(job, (line) => {
                  const [kind, id, what] = line.split(' ');
                  if (kind === 'done') {
                    w.remaining = w.remaining.filter((o) => o.id !== id);
                    outcomes[what!] = (outcomes[what!] ?? 0) + 1;
                    return;
                  }
                  if (kind !== 'step') return;
                  w.on = id;
                  // The decision depends on the event, not on how the two workers interleaved: replayable by SEED.
                  const event = `${w.name}/${id}/${what}`;
                  const n = (tries.get(event) ?? 0) + 1;
                  tries.set(event, n);
                  const key = `${event}/${n}`;
                  if (random.at(`${key}/kill`) < 0.12) {
                    setTimeout(() => kill(child, what!), random.at(`${key}/delay`) * 25);
                  } else if (random.at(`${key}/recovery`) < 0.02 && recoverer) {
                    kill(recoverer, 'recovery');
                  }
                }, scope);
                w.current = child;
                const exit = await child.exited;
                if (exit.signal !== 'SIGKILL') {
                  assert.equal(exit.code, 0, exit.stderr);
                  continue;
                }
                // The buyer tries the interrupted order once more; after a second interruption they give up.
                const head = w.remaining[0];
                if (head && head.id === w.on) {
                  if (head.retried) w.remaining.shift();
                  else head.retried = true;
                }
              }
            }),
          );
        }
        stopping = true;
        writeFileSync(stopFlag, '');
        if (recoverer) await recoverer.exited;
      } finally {
        clearInterval(progress);
      }

      // Modules of killed workers finish on their own; then recovery settles what is open (shop-processes.ts).
      await settleLeftovers(home, sim, store);

      const verdict = await judge(sim, db, store, prefix);
      const summary = `${kills} kills at ${JSON.stringify(killedAt)}; ${JSON.stringify(verdict.counts)}`;
      assert.ok(kills >= KILLS, summary);
      assert.deepEqual(verdict.uncommittedApprovals, [], `approved, neither committed nor cancelled — ${summary}`);
      assert.deepEqual(verdict.committedButCancelled, [], `committed but cancelled — ${summary}`);
      assert.deepEqual(verdict.doubleApprovals, [], `double approvals — ${summary}`);
      assert.deepEqual(verdict.doubleCancels, [], `double cancels — ${summary}`);
      assert.deepEqual(verdict.openAttempts, [], `attempts left open — ${summary}`);
      assert.ok(verdict.counts.committed > 0 && verdict.counts.cancelled > 0, summary);
      // every kind of moment was hit: before/while pp_cli runs (start), after it answered (commit), inside the commit
      // (inserted), before and during the automatic cancel (commit-fails), and the recovery process itself
      for (const moment of ['start', 'commit', 'inserted', 'commit-fails']) assert.ok((killedAt[moment] ?? 0) > 0, `no kill at ${moment}: ${summary}`);
      console.log(`      ${engine}: ${summary} (SEED=${random.seed})`);
    });
  });
}
