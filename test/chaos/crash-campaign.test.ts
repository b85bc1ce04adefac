/**
 * The crash campaign, on every engine and both transports: two shop worker processes pay the same orders against one
 * store while a third runs recovery in a loop, and the test kills them with SIGKILL at random moments — before pp_cli
 * or the HTTPS request, while it runs (a tenth of the amounts make the simulator answer slowly), after it answered,
 * inside the merchant's commit, after it, and while automatic cancels run. Killed workers are restarted and the buyer
 * retries the order once. Then recovery settles what is left, and the simulator's own records are compared with the
 * merchant's table: 0 approvals neither committed nor cancelled, 0 committed orders cancelled, 0 double approvals,
 * 0 double cancels, 0 attempts left open.
 *
 * On the REST transport the HTTPS exchange of an approval runs in a child process that outlives a killed worker and
 * writes KCP's answer to the attempt's answer file, as pp_cli does (payplus.rest_durable_answers, on by default;
 * docs/kcp-rest-api.md §10.2): a worker killed while KCP's approval was in flight, or after its answer came and before
 * the store recorded its tno, leaves proof that recovery on the same host reads. So REST must show what pp_cli shows:
 * no attempt left blocked, no money without an order. Every unknown with a tno must be settled by recovery's inquiry:
 * a tenth of the REST amounts end in 996, which the simulator answers CC72 with a tno while the charge stands.
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
import { judge, shopOnEngine, settleLeftovers, startChild, type RunningChild } from '../helpers/shop-processes.js';

const ORDERS_PER_ROUND = 40;
/** A bound on the loop: about 12 kills a round are expected, so 100 kills take 8–9 rounds. */
const MAX_ROUNDS = 40;
const PROGRESS_EVERY_MS = 15_000;

/**
 * Per transport: how many kills per engine (REST fewer, to keep the chaos run's total time), the order ids' first
 * letter, and the moments that must each see a kill: before/while the exchange runs (start), after KCP's answer came and
 * before the store recorded it (answered: REST only, where the worker is told), after it was recorded (commit),
 * inside the commit (inserted), before and during the automatic cancel (commit-fails).
 */
const TRANSPORTS = [
  { transport: 'pp_cli', kills: 100, letter: 'K', moments: ['start', 'commit', 'inserted', 'commit-fails'] },
  { transport: 'rest', kills: 40, letter: 'R', moments: ['start', 'answered', 'commit', 'inserted', 'commit-fails'] },
] as const;

interface Worker {
  name: string;
  remaining: Array<{ id: string; amount: number; failCommit?: boolean; retried?: boolean }>;
  current?: RunningChild;
  /** The order this worker is on (from its last `step` line). */
  on?: string;
}

for (const { transport, kills: KILLS, letter, moments } of TRANSPORTS) for (const engine of ENGINES) {
  const rest = transport === 'rest';
  describe(`crash campaign on ${engine} over ${transport}: kill -9 at random moments`, function () {
    this.timeout(900_000); // a last resort: the loop is bounded by MAX_ROUNDS, and progress is printed meanwhile
    const env = shopOnEngine(engine, { slowMs: 150 }, { rest: rest ? { slowMs: 150 } : undefined });

    const claim = rest
      ? 'no money without an order, nothing left open, every unknown with a tno settled by inquiry'
      : 'no money without an order, nothing left open';
    it(`≥ ${KILLS} kills: ${claim}, no cancelled order, no double approval or cancel`, async () => {
      const { sim, db, store, home, conf } = env;
      const prefix = `${letter}${engine.slice(0, 2).toUpperCase()}`;
      const stopFlag = path.join(home.dir, 'stop-recovery');
      let kills = 0;
      const killedAt: Record<string, number> = {};
      let round = 0;
      const scope = children();
      const random = seeded(`crash campaign on ${engine}${rest ? ' over rest' : ''}`);
      const outcomes: Record<string, number> = {};
      const tries = new Map<string, number>();
      const started = Date.now();
      const progress = setInterval(() => {
        const s = Math.round((Date.now() - started) / 1000);
        console.log(`      [${engine}/${transport} ${s} s] round ${round}, ${kills} kills ${JSON.stringify(killedAt)}, outcomes ${JSON.stringify(outcomes)}`);
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

        // Until enough kills, and each moment has seen one (a seeded stream can miss a rare moment in the first rounds;
        // MAX_ROUNDS bounds it).
        while ((kills < KILLS || round === 0 || moments.some((m) => !killedAt[m])) && !scope.ended) {
          assert.ok(round < MAX_ROUNDS, `only ${kills} kills after ${round} rounds (${JSON.stringify(killedAt)}): the workers rarely reach a step`);
          round += 1;
          const orders = Array.from({ length: ORDERS_PER_ROUND }, (_, i) => ({
            id: `${prefix}${round}-${i}`,
            // 993: the simulator answers slowly (pp_cli or the HTTPS answer takes 150 ms); 996 (REST): CC72 with a tno
            amount: i % 10 === 3 ? 1993 : rest && i % 10 === 7 ? 1996 : 1000 + i,
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
      await settleLeftovers(conf, store);

      const verdict = await judge(sim, db, store, prefix);
      const summary = `${kills} kills at ${JSON.stringify(killedAt)}; ${JSON.stringify(verdict.counts)}`;
      assert.ok(kills >= KILLS, summary);
      assert.deepEqual(verdict.uncommittedApprovals, [], `approved, neither committed nor cancelled — ${summary}`);
      assert.deepEqual(verdict.committedButCancelled, [], `committed but cancelled — ${summary}`);
      assert.deepEqual(verdict.doubleApprovals, [], `double approvals — ${summary}`);
      assert.deepEqual(verdict.doubleCancels, [], `double cancels — ${summary}`);
      // Every unknown that has a tno (and everything else) was settled without a person.
      assert.deepEqual(verdict.openAttempts, [], `attempts left open — ${summary}`);
      assert.deepEqual(verdict.blocked, [], `unknown without a tno (the answer file settles those, on both transports) — ${summary}`);
      assert.ok(verdict.counts.committed > 0 && verdict.counts.cancelled > 0, summary);
      for (const moment of moments) assert.ok((killedAt[moment] ?? 0) > 0, `no kill at ${moment}: ${summary}`);
      let inquired = '';
      if (rest) {
        // The CC72-with-tno approvals (996): each was cancelled after recovery asked KCP's inquiry about its tno (read
        // from the worker's answer, or from the answer file a killed worker's exchange child wrote).
        const asked = new Set(env.rest!.requests.filter((r) => r.path === '/std/inquery' && r.answer.res_cd === '0000').map((r) => r.fields.tno));
        const charged = [...sim.gateway.transactions.values()].filter((t) => t.ordrIdxx.startsWith(prefix) && t.amount === 1996);
        const unsettled = charged.filter((t) => !(t.state === 'cancelled' && asked.has(t.tno)));
        assert.deepEqual(unsettled.map((t) => `${t.ordrIdxx}/${t.tno}:${t.state}`), [], `CC72 approvals with a tno not settled by inquiry — ${summary}`);
        const byInquiry = charged.filter((t) => t.state === 'cancelled' && asked.has(t.tno)).length;
        assert.ok(byInquiry > 0, `no unknown with a tno was settled by inquiry — ${summary}`);
        inquired = `; ${byInquiry} unknowns with a tno settled by inquiry`;
      }
      console.log(`      ${engine}/${transport}: ${summary}${inquired} (SEED=${random.seed})`);
    });
  });
}
