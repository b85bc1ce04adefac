/**
 * The multi-host campaign (issue 17, "Done when"): two hosts — each its own UTS and PID namespace (unshare, as root),
 * each with a shop worker process — pay the same orders against one store, while a recovery loop runs on the second
 * host. At moments drawn from the seeded stream, keyed by the event (host, order, step, try), the test pauses a
 * worker with SIGSTOP until its lease has run out and then resumes it, kills it with SIGKILL (the
 * host lives on: a pp_cli it started finishes), terminates its database connections (pg_terminate_backend /
 * KILL CONNECTION of exactly the sockets that worker holds), or restarts the database under everyone (a fast
 * shutdown or a kill -9 of the server, at random, then a start on the same port and data while workers and recovery
 * go on). The commit is the store's own transaction (commitInStore, the README's fence contract). On PostgreSQL and
 * MariaDB the database is a private server the test starts (test/chaos/private-db.ts), never the machine's shared
 * one; on SQLite the two hosts share one hostname (the machine's) in separate PID namespaces, with pauses and kills —
 * the case where /proc in one namespace cannot see the other's pids. Every step a worker reports (start, commit,
 * inserted, commit-fails) is paused past the lease at least once, and each database is restarted both ways; the first
 * restart stays down longer than the store's retry budget.
 *
 * Truth is the simulator's transactions against the merchant's own table (test/helpers/shop-processes.ts judge):
 * 0 money without an order, 0 committed orders cancelled, 0 double approvals, 0 double cancels, and 0 process crashes
 * (a worker or the recovery loop that ends other than by our SIGKILL, or with a non-zero code); and what processPayment
 * told each worker agrees with those records (an `approved` approval is committed, a cancelled one is not). These are
 * judged after the hosts are torn down and their leftovers settled as an operator would (recover with assumeDead per
 * host, printed as "assume-dead step"): then nothing is open — an attempt whose worker died before its answer file
 * existed is proven never started by that worker's own answers folder, which the step sees on the shared disk.
 * A worker that starts while the database is down waits for it, and the recovery loop tries again on its next round
 * when a restart outlasted the store's retry budget (test/fixtures/campaign/child.ts); the summary counts both.
 *
 * Part of `npm run test:chaos`. Bounded by rounds, not by the clock; a progress line every 15 s; the seed is printed
 * and `SEED=<n>` replays the decisions. Processes are killed when the test ends (test/helpers/children.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Job } from '../fixtures/campaign/child.js';
import { children } from '../helpers/children.js';
import { ENGINES, type Engine } from '../helpers/databases.js';
import { seeded } from '../helpers/seed.js';
import { innerPid, judge, shopOnEngine, settleLeftovers, startChild, waitUntil, type RunningChild, type ToldOutcome } from '../helpers/shop-processes.js';
import { requireRoot } from '../helpers/native.js';
import { privateMariadb, privatePostgres, type PrivateServer } from './private-db.js';

const ROUNDS = 3;
/** More rounds (at most this many in all) only while a kind of fault has not happened yet. */
const MAX_ROUNDS = 6;
const ORDERS_PER_ROUND = 12;
const LEASE_MS = 1500;
const PROGRESS_EVERY_MS = 15_000;
/**
 * Per step event: below KILL → kill -9; below STOP → SIGSTOP past the lease; below CUT → backend terminated; below
 * RESTART → the database restarted (PostgreSQL, MariaDB).
 */
const KILL = 0.05;
const STOP = 0.09;
const CUT = 0.14;
const RESTART = 0.165;
/** A step no pause has hit yet is paused with this chance (a second draw), so that every step gets its pause. */
const FIRST_STOP = 0.5;
/**
 * While a kind of fault (kill, cut, or a way of restarting the database) has not happened yet, a step event with no fault
 * gets one of the missing kinds with this chance (a second draw). Without it, a restart at 2.5 % a draw, and none while
 * one is under way, came once in 6 rounds for one seed (SEED=575873533 on PostgreSQL: the missing way failed the run),
 * and another seed drew a single kill in 3 rounds.
 */
const FIRST_FAULT = 0.1;
/** The steps a worker reports (test/fixtures/campaign/child.ts). */
const STEPS = ['start', 'commit', 'inserted', 'commit-fails'] as const;
/** The longest a restarted database stays down (ms), drawn per restart. */
const DOWN_MS = 500;
/**
 * How long the first restart of a run stays down (ms): longer than the store's own retry budget (STORE_RETRY in
 * lib/store/errors.ts, about 6 s of waits at most), so store calls fail typed, workers start up waiting for their
 * database, and recovery rounds fail and come again.
 */
const OUTAGE_MS = 8_000;
const SERVERS: Record<'postgres' | 'mysql', () => Promise<PrivateServer>> = { postgres: privatePostgres, mysql: privateMariadb };

/** Signals `pid`; false when it has ended already (a kill that raced its own exit). */
function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Local TCP ports of the sockets `pid` holds (the host shares this network namespace): its database connections. */
function localPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

/** Terminates the database backends whose client port is one of `ports`; resolves to how many. */
async function terminateBackends(engine: Engine, location: string, ports: number[]): Promise<number> {
  if (ports.length === 0) return 0;
  if (engine === 'postgres') {
    const c = new pg.Client({ connectionString: location });
    c.on('error', () => undefined);
    await c.connect();
    try {
      const r = await c.query('SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE client_port = ANY($1::int[]) AND pid <> pg_backend_pid()', [ports]);
      return r.rows.filter((x) => x.t === true).length;
    } finally {
      await c.end();
    }
  }
  const c = await mysql.createConnection(location);
  try {
    const [rows] = await c.query('SELECT ID, HOST FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()');
    let n = 0;
    for (const r of rows as Array<{ ID: number; HOST: string }>) {
      const port = Number(String(r.HOST).split(':').pop());
      if (!ports.includes(port)) continue;
      try {
        await c.query(`KILL CONNECTION ${Number(r.ID)}`);
        n += 1;
      } catch {
        // ended meanwhile
      }
    }
    return n;
  } finally {
    await c.end();
  }
}

interface Worker {
  host: string;
  remaining: Array<{ id: string; amount: number; failCommit?: boolean; retried?: boolean }>;
  current?: RunningChild;
  on?: string;
  /** Set while we hold this worker stopped or are killing it. */
  busy?: boolean;
  /** We sent SIGKILL to the current process (unshare then ends with the signal, or code 1 when it cannot re-raise it). */
  killed?: boolean;
}

for (const engine of ENGINES) {
  const sameHost = engine === 'sqlite';
  describe(`multi-host campaign on ${engine}: ${sameHost ? 'one hostname, two PID namespaces' : 'two hosts'}`, function () {
    this.timeout(600_000); // a last resort: the loop is bounded by ROUNDS, and progress is printed meanwhile
    const env = shopOnEngine(engine, { slowMs: 150 }, { startServer: sameHost ? undefined : SERVERS[engine as 'postgres' | 'mysql'] });
    const faultsTitle = sameHost ? 'SIGSTOP past the lease at every step, kill -9' : 'SIGSTOP past the lease at every step, kill -9, backend terminated, database restarted';

    it(`${faultsTitle}: 0 money without an order, 0 cancelled orders, 0 doubles, 0 crashes`, async function () {
      requireRoot(this, 'the multi-host campaign (unshare: UTS and PID namespaces)');
      const { sim, db, store, home, conf, server } = env;
      const prefix = `M${engine.slice(0, 2).toUpperCase()}`;
      const stopFlag = path.join(home.dir, 'stop-recovery');
      const random = seeded(`multi-host campaign on ${engine}`);
      console.log(`      ${engine}: SEED=${random.seed}`);
      const hosts = sameHost ? [os.hostname(), os.hostname()] : ['shop-a', 'shop-b'];
      const faults: Record<string, number> = sameHost ? { kill: 0, stop: 0 } : { kill: 0, stop: 0, cut: 0, restart: 0 };
      /** Pauses per step, and restarts per way of stopping the server. */
      const paused: Record<string, number> = Object.fromEntries(STEPS.map((step) => [step, 0]));
      const restarts: Record<string, number> = { 'fast shutdown': 0, 'kill -9': 0 };
      /** Store calls that outlasted the store's retry budget during a restart (recovery rounds, worker start-ups). */
      const storeWaits: Record<string, number> = {};
      let restarting = false;
      /** True while a kind of fault, a pause at some step, or a way of restarting the database has not happened yet. */
      const missing = () =>
        [...Object.values(faults), ...Object.values(paused), ...(sameHost ? [] : Object.values(restarts))].some((n) => n === 0);
      const outcomes: Record<string, number> = {};
      const told: ToldOutcome[] = [];
      const untyped: string[] = [];
      const crashes: string[] = [];
      const tries = new Map<string, number>();
      const scope = children();
      let round = 0;
      const started = Date.now();
      const progress = setInterval(() => {
        const s = Math.round((Date.now() - started) / 1000);
        console.log(`      [${engine} ${s} s] round ${round}/${ROUNDS}+, faults ${JSON.stringify(faults)}, paused ${JSON.stringify(paused)}, outcomes ${JSON.stringify(outcomes)}`);
      }, PROGRESS_EVERY_MS);
      const pending: Array<Promise<unknown>> = [];
      /** Lines of a child telling that its store was away longer than the store's retry budget. */
      const waited = (line: string) => {
        const [kind, operation] = line.split(' ');
        if (kind === 'store-waiting' || kind === 'recover-failed') storeWaits[`${kind} ${operation}`] = (storeWaits[`${kind} ${operation}`] ?? 0) + 1;
      };
      try {
        let stopping = false;
        const recoverer = startChild(
          { mode: 'recover', conf, store: db.location, everyMs: 50, untilFlag: stopFlag, leaseMs: LEASE_MS },
          waited, scope, hosts[1],
        );
        void recoverer.exited.then(({ code, signal, stderr }) => {
          if (!stopping || code !== 0) crashes.push(`recovery loop ended (code ${code}, signal ${signal}): ${stderr.slice(-400)}`);
        });

        const fault = async (w: Worker, child: RunningChild, kind: 'kill' | 'stop' | 'cut' | 'restart', id: string, step: string, key: string) => {
          if (kind === 'restart') {
            // One restart at a time, of the whole server: every worker, the recovery loop and this test lose it.
            if (restarting || !server) return;
            restarting = true;
            // Drawn at random, except that a way not taken yet goes first once the other has been: both happen.
            const drawn = random.at(`${key}/how`) < 0.5 ? 'kill -9' : 'fast shutdown';
            const untried = Object.keys(restarts).filter((k) => restarts[k] === 0);
            const how = untried.length === 1 ? untried[0]! : drawn;
            try {
              await (how === 'kill -9' ? server.kill() : server.shutdown());
              faults.restart! += 1;
              restarts[how]! += 1;
              const down = faults.restart === 1 ? OUTAGE_MS : random.at(`${key}/down`) * DOWN_MS;
              await new Promise((resolve) => setTimeout(resolve, down));
            } finally {
              await server.start();
              restarting = false;
            }
            return;
          }
          const pid = innerPid(child);
          if (pid === undefined || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
          if (kind === 'kill') {
            w.busy = true;
            w.killed = true;
            if (signal(pid, 'SIGKILL')) faults.kill! += 1;
            return;
          }
          if (kind === 'stop') {
            w.busy = true;
            if (!signal(pid, 'SIGSTOP')) return void (w.busy = false);
            faults.stop! += 1;
            paused[step] = (paused[step] ?? 0) + 1;
            const stoppedAt = Date.now();
            try {
              // Past the lease: a lease's length has passed, and no open attempt of this order has a lease still running
              // (a database being restarted cannot tell yet: asked again).
              await waitUntil(async () => {
                if (Date.now() < stoppedAt + LEASE_MS) return false;
                const open = await store.listOpen(1000).catch(() => undefined);
                return open !== undefined && open.filter((a) => a.ordrIdxx === id).every((a) => a.leaseUntil < Date.now());
              }, 30_000, `the lease of ${id} to run out`);
            } finally {
              signal(pid, 'SIGCONT');
              w.busy = false;
            }
            return;
          }
          // A database being restarted has no backends to terminate: then this fault did not happen.
          faults.cut! += (await terminateBackends(engine, db.location, localPorts(pid)).catch(() => 0)) > 0 ? 1 : 0;
        };

        while ((round < ROUNDS || (missing() && round < MAX_ROUNDS)) && !scope.ended) {
          round += 1;
          const orders = Array.from({ length: ORDERS_PER_ROUND }, (_, i) => ({
            id: `${prefix}${round}-${i}`,
            amount: i % 6 === 3 ? 1993 : 1000 + i, // 993: the simulator answers slowly (pp_cli runs 150 ms)
            failCommit: i % 5 === 2,
          }));
          const workers: Worker[] = [
            { host: hosts[0]!, remaining: orders.map((o) => ({ ...o })) },
            { host: hosts[1]!, remaining: [...orders].reverse().map((o) => ({ ...o })) },
          ];
          await Promise.all(
            workers.map(async (w, wi) => {
              while (w.remaining.length > 0 && !scope.ended) {
                const job: Job = { mode: 'pay', conf, store: db.location, orders: w.remaining, commitPauseMs: 15, seed: random.seed, leaseMs: LEASE_MS };
                const child = startChild(job, (line) => {
                  waited(line);
                  const [kind, id, what, tno] = line.split(' ');
                  if (kind === 'done') {
                    w.remaining = w.remaining.filter((o) => o.id !== id);
                    outcomes[what!] = (outcomes[what!] ?? 0) + 1;
                    told.push({ order: id!, status: what!, tno });
                    // A store outage reaches the merchant as a KcpStoreError (store_unavailable), never untyped or as
                    // "fix the install" (module_unavailable).
                    if (what!.startsWith('error:') || what === 'module_unavailable') untyped.push(line);
                    return;
                  }
                  if (kind !== 'step' || w.busy) return;
                  w.on = id;
                  const event = `${wi}/${id}/${what}`;
                  const n = (tries.get(event) ?? 0) + 1;
                  tries.set(event, n);
                  const key = `${event}/${n}`;
                  const r = random.at(`${key}/fault`);
                  let kind2 = r < KILL ? 'kill' as const : r < STOP ? 'stop' as const : sameHost ? undefined : r < CUT ? 'cut' as const : r < RESTART ? 'restart' as const : undefined;
                  if (!kind2 && paused[what!] === 0 && random.at(`${key}/first-stop`) < FIRST_STOP) kind2 = 'stop';
                  if (!kind2) {
                    const untried = [
                      ...(faults.kill === 0 ? ['kill' as const] : []),
                      ...(faults.cut === 0 ? ['cut' as const] : []),
                      ...(faults.restart !== undefined && !restarting && Object.values(restarts).includes(0) ? ['restart' as const] : []),
                    ];
                    if (untried.length > 0 && random.at(`${key}/first-fault`) < FIRST_FAULT) kind2 = untried[Math.floor(random.at(`${key}/which`) * untried.length)];
                  }
                  if (!kind2) return;
                  const delay = random.at(`${key}/delay`) * 25;
                  pending.push(new Promise((resolve) => setTimeout(resolve, delay)).then(() => fault(w, child, kind2, id!, what!, key)));
                }, scope, w.host);
                w.current = child;
                const exit = await child.exited;
                w.busy = false;
                const killed = w.killed === true;
                w.killed = false;
                if (!killed) {
                  if (exit.code !== 0) crashes.push(`worker on ${w.host} exited ${exit.code} (${exit.signal}): ${exit.stderr.slice(-600)}`);
                  if (exit.code !== 0) return;
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
        await Promise.all(pending);
        stopping = true;
        writeFileSync(stopFlag, '');
        await recoverer.exited;
      } finally {
        clearInterval(progress);
      }

      // Modules of killed workers finish on their own; then recovery settles what is open, and — the hosts being torn
      // down, every process of theirs gone with its PID namespace — what is still open is settled as an operator would:
      // recover with assumeDead for each host (shop-processes.ts). The verdicts below are taken after that step.
      const assumedDead = await settleLeftovers(conf, store, { leaseMs: LEASE_MS, deadHosts: [...new Set(hosts)] });
      // The hosts share this machine's disk, so that step sees each gone worker's own answers folder: an attempt whose
      // worker died before its runner made the answer file is proven never started there, and nothing is left open.
      const leftOpen = (await store.listOpen(1000)).map((a) => `${a.ordrIdxx}:${a.state}${a.note ? ` (${a.note})` : ''}`);

      const verdict = await judge(sim, db, store, prefix, told);
      const summary =
        `${round} rounds in ${Math.round((Date.now() - started) / 1000)} s, faults ${JSON.stringify(faults)}, paused ${JSON.stringify(paused)}` +
        `${sameHost ? '' : `, restarts ${JSON.stringify(restarts)}, store away past its retry budget ${JSON.stringify(storeWaits)}`}, ` +
        `outcomes ${JSON.stringify(outcomes)}; ${JSON.stringify(verdict.counts)}; open ${JSON.stringify(verdict.openAttempts)}; ` +
        `assume-dead step ${JSON.stringify(assumedDead)} (SEED=${random.seed})`;
      assert.deepEqual(crashes, [], `process crashes — ${summary}`);
      assert.deepEqual(untyped, [], `errors that are not the SDK's typed ones — ${summary}`);
      assert.deepEqual(verdict.uncommittedApprovals, [], `money without an order — ${summary}`);
      assert.deepEqual(verdict.committedButCancelled, [], `committed but cancelled — ${summary}`);
      assert.deepEqual(verdict.doubleApprovals, [], `double approvals — ${summary}`);
      assert.deepEqual(verdict.doubleCancels, [], `double cancels — ${summary}`);
      assert.deepEqual(verdict.untrueOutcomes, [], `processPayment's outcome contradicted by the records — ${summary}`);
      assert.deepEqual(leftOpen, [], `attempts left open after the assume-dead step — ${summary}`);
      assert.equal(verdict.counts.blockedWithMoney, 0, `an unknown attempt holds money — ${summary}`);
      assert.ok(verdict.counts.committed > 0, summary);
      assert.ok(!missing(), `a kind of fault, or a pause at some step, never happened: ${summary}`);
      console.log(`      ${engine}: ${summary}`);
    });
  });
}
