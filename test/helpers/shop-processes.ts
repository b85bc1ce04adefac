/**
 * Running shop worker processes (test/fixtures/campaign/child.ts) against the stand-in and the simulator, and the
 * judge that compares the simulator's own records with the merchant's table and the store.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PayPlus, silentLogger } from '../../lib/index.js';
import { answersDir } from '../../lib/payplus/module-answer.js';
import { heldOpen } from '../../lib/runner/answer-file.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../lib/sim/index.js';
import { startRestSimulator, type RestSimulator } from '../../lib/sim/rest/index.js';
import type { Attempt, PaymentStore } from '../../lib/store/types.js';
import type { Job } from '../fixtures/campaign/child.js';
import { campaignSiteConf, type ChildConf } from '../fixtures/campaign/conf.js';
import { standinPath } from '../sim/support/standin.js';
import { children, type ChildScope } from './children.js';
import { waitFor } from './wait.js';
import { answerFilesUnder } from './attempts.js';
import { freshDatabase, type DatabaseServer, type Engine, type FreshDatabase } from './databases.js';

export const CHILD = 'test/fixtures/campaign/child.ts';

/** A KCP home with the stand-in as bin/pp_cli, and its log folder. */
export function shopHome(): { dir: string; homeDir: string; logDir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-shop-'));
  const homeDir = path.join(dir, 'kcp');
  mkdirSync(path.join(homeDir, 'bin'), { recursive: true });
  copyFileSync(standinPath(), path.join(homeDir, 'bin', 'pp_cli'));
  return { dir, homeDir, logDir: path.join(dir, 'log') };
}

/** The children's conf: pp_cli, or with `rest` the simulator's PG-API (its key password written 0600 in the home). */
export function childConf(home: { dir: string; homeDir: string; logDir: string }, sim: Simulator, rest?: RestSimulator): ChildConf {
  const conf: ChildConf = { homeDir: home.homeDir, logDir: home.logDir, simPort: sim.port };
  if (!rest) return conf;
  const passwordFile = path.join(home.dir, 'pgapi-key-password');
  writeFileSync(passwordFile, rest.merchant.password, { mode: 0o600 });
  return { ...conf, rest: { url: rest.url, caFile: rest.caFile, certFile: rest.merchant.certFile, keyFile: rest.merchant.keyFile, passwordFile } };
}

export interface RunningChild {
  proc: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Writes a line to the child's stdin (`go`, `release`: see test/fixtures/campaign/child.ts). */
  send(line: string): void;
  /** The first stdout line (seen already or still to come) that `match` accepts; rejects when the child ends first. */
  line(match: (line: string) => boolean): Promise<string>;
}

/**
 * Starts a child in `scope` (default: the running test's; see children.ts, which kills it when the test ends);
 * `onLine` sees each stdout line as it comes. `exited` settles once the child has exited and its output is read.
 */
/**
 * PID 1 of a simulated host: sets the hostname, runs the worker, then waits (bounded, 30 s) for what the worker left
 * running in the namespace — a pp_cli whose worker was killed finishes and writes its answer, as on a host that lives
 * on — and ends with the worker's exit code (137 after SIGKILL).
 */
const HOST_INIT =
  'hostname "$0" || exit 125; "$@" & w=$!; wait $w; c=$?; i=0; ' +
  'while [ $i -lt 600 ] && kill -0 -1 2>/dev/null; do sleep 0.05; i=$((i+1)); done; exit $c';

/**
 * The worker's node process of a child started with `host`: unshare → the host's PID 1 (sh) → node. Undefined once the
 * worker is gone: a pp_cli it left running is then the host's PID 1's child, and a fault meant for the worker must not
 * reach it (the host lives on, so that pp_cli finishes and writes its answer).
 */
export function innerPid(child: RunningChild): number | undefined {
  let pid = child.proc.pid!;
  for (let depth = 0; depth < 2; depth++) {
    try {
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      if (kids.length === 0) return undefined;
      pid = Number(kids[0]);
    } catch {
      return undefined;
    }
  }
  try {
    return readlinkSync(`/proc/${pid}/exe`) === realpathSync(process.execPath) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function startChild(
  job: Job,
  onLine: (line: string) => void = () => undefined,
  scope: ChildScope = children(),
  /** Run it as on another host: new UTS + PID namespaces (unshare, root) with this hostname; see innerPid. */
  host?: string,
): RunningChild {
  const node = [process.execPath, '--import', 'tsx', CHILD, JSON.stringify(job)];
  const proc = host
    ? scope.spawn('unshare', ['--uts', '--pid', '--mount-proc', '--kill-child', 'sh', '-c', HOST_INIT, host, ...node], { stdio: ['pipe', 'pipe', 'pipe'] })
    : scope.spawn(node[0]!, node.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stdin!.on('error', () => undefined); // EPIPE after a kill
  const lines: string[] = [];
  const waiters = new Set<{ match: (line: string) => boolean; resolve: (line: string) => void }>();
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters) {
      if (!w.match(line)) continue;
      waiters.delete(w);
      w.resolve(line);
    }
    onLine(line);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    proc.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  const line = (match: (line: string) => boolean) => {
    const seen = lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      waiters.add({ match, resolve });
      void exited.then(({ code, signal }) =>
        reject(new Error(`the child ended (code ${code}, signal ${signal}) before the line we waited for: ${stderr}`)),
      );
    });
  };
  const send = (text: string) => void proc.stdin!.write(`${text}\n`);
  return { proc, lines, exited, line, send };
}

/** pids of processes running `file` (the stand-in modules a killed worker left running). */
export function processesRunning(file: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readlinkSync(`/proc/${pid}/exe`) === file) out.push(Number(pid));
    } catch {
      // gone
    }
  }
  return out;
}

/** The answer files a process still writes (pp_cli's module, or the REST transport's exchange child). */
export async function answerFilesHeld(conf: ChildConf): Promise<string[]> {
  const files = answerFilesUnder(answersDir(conf));
  const held = await Promise.all(files.map((file) => heldOpen(file)));
  return files.filter((_, i) => held[i]);
}

/** waitFor (test/helpers/wait.ts) with the bound first, as the campaign calls it. */
export const waitUntil = (check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> => waitFor(check, what, ms);

export const SHOP_TABLE = 'CREATE TABLE shop_orders (ordr_idxx VARCHAR(64) NOT NULL PRIMARY KEY, tno VARCHAR(20) NOT NULL)';

export interface Verdict {
  /** Approved at the simulator, not cancelled, and not in the merchant's table: money taken, no order. */
  uncommittedApprovals: string[];
  /** In the merchant's table, but cancelled at the simulator. */
  committedButCancelled: string[];
  /** Orders with more than one live approval at the simulator. */
  doubleApprovals: string[];
  /** Transactions cancelled successfully more than once. */
  doubleCancels: string[];
  /** Attempts still open in the store (unknown or otherwise), `blocked` ones apart. */
  openAttempts: string[];
  /**
   * The open attempts left `unknown` without a tno: blocked for a person, never declined or freed (KCP's inquiry needs
   * a tno; on one host the answer file settles these on both transports, docs/kcp-rest-api.md §10.2, so a campaign
   * expects none). `tno` is the simulator's live approval of that order when there is one — money the merchant's
   * table does not have.
   */
  blocked: Array<{ order: string; tno?: string }>;
  /**
   * Outcomes processPayment reported that the records contradict: `approved` whose approval is not committed or was
   * cancelled, `cancelled` / `cancel_failed` whose approval was committed or (once recovery ran) is not cancelled.
   */
  untrueOutcomes: string[];
  counts: { approvals: number; committed: number; cancelled: number; blockedWithMoney: number; blockedWithoutMoney: number };
}

/**
 * The end of a campaign: the modules of killed workers finish on their own and write their answers; then recovery
 * (as a restarted worker would run it) settles what is still open, a bounded number of times. Then, for each of
 * `deadHosts` (hosts torn down), what an operator does for a host gone for good: recover with assumeDead (the call
 * behind `kcp-payplus recover --host NAME --assume-dead`). Resolves to what that step did, by kind of result (order
 * ids; an unknown one with its reason).
 */
export async function settleLeftovers(
  conf: ChildConf,
  store: PaymentStore,
  options: { leaseMs?: number; deadHosts?: string[] } = {},
): Promise<Record<string, string[]>> {
  const { deadHosts = [], ...payOptions } = options;
  await waitUntil(() => processesRunning(path.join(conf.homeDir, 'bin', 'pp_cli')).length === 0, 20_000, 'the stand-in modules to end');
  await waitUntil(async () => (await answerFilesHeld(conf)).length === 0, 20_000, "the REST exchange children to write their answers");
  const payplus = new PayPlus(campaignSiteConf(conf), { logger: silentLogger, store, ...payOptions });
  try {
    for (let i = 0; i < 20 && (await store.listOpen(1)).length > 0; i++) {
      await payplus.recover({ custIp: '127.0.0.1' });
      await new Promise((r) => setTimeout(r, 100));
    }
    const settled: Record<string, string[]> = {};
    for (const host of deadHosts) {
      // The report also names other hosts' attempts it looked at: only this host's count as this step's.
      const theirs = new Set((await store.listOpen(1000)).filter((a) => a.owner.host === host).map((a) => a.id));
      const report = await payplus.recover({ custIp: '127.0.0.1', assumeDead: { host } });
      for (const [kind, refs] of Object.entries(report)) {
        if (kind === 'inProgress' || kind === 'skipped' || kind === 'pending') continue;
        for (const r of refs as Array<{ id: string; ordrIdxx: string; why?: string }>) {
          if (theirs.has(r.id)) (settled[kind] ??= []).push(r.why ? `${r.ordrIdxx} (${r.why})` : r.ordrIdxx);
        }
      }
    }
    return settled;
  } finally {
    await payplus.close();
  }
}

/** What a worker reported of one payment: its `done` line (test/fixtures/campaign/child.ts). */
export interface ToldOutcome {
  order: string;
  status: string;
  tno?: string;
}

/**
 * Compares the simulator's records with the merchant's table and the store, and (given `told`, the workers' `done`
 * lines) what processPayment reported with what happened.
 */
export async function judge(sim: Simulator, db: FreshDatabase, store: PaymentStore, prefix: string, told: ToldOutcome[] = []): Promise<Verdict> {
  const txs = [...sim.gateway.transactions.values()].filter((t) => t.ordrIdxx.startsWith(prefix));
  const shop = new Map((await db.query('SELECT ordr_idxx, tno FROM shop_orders')).map((r) => [String(r.tno), String(r.ordr_idxx)]));
  const cancelled = new Set(txs.filter((t) => t.state === 'cancelled').map((t) => t.tno));
  const untrue = told.filter(({ status, tno }) => {
    if (tno === undefined) return false;
    if (status === 'approved') return !shop.has(tno) || cancelled.has(tno);
    if (status === 'cancelled' || status === 'cancel_failed') return shop.has(tno) || !cancelled.has(tno);
    return false;
  });
  const live = txs.filter((t) => t.state !== 'cancelled');
  const perOrder = new Map<string, number>();
  for (const t of live) perOrder.set(t.ordrIdxx, (perOrder.get(t.ordrIdxx) ?? 0) + 1);
  const open = await store.listOpen(1000);
  const isBlocked = (a: Attempt) => a.state === 'unknown' && !a.tno;
  const blocked = open
    .filter(isBlocked)
    .map((a) => {
      const money = live.find((t) => t.ordrIdxx === a.ordrIdxx && !shop.has(t.tno));
      return money ? { order: a.ordrIdxx, tno: money.tno } : { order: a.ordrIdxx };
    });
  const withMoney = blocked.filter((b) => b.tno !== undefined).length;
  return {
    uncommittedApprovals: live.filter((t) => !shop.has(t.tno)).map((t) => `${t.ordrIdxx}/${t.tno}`),
    committedButCancelled: txs.filter((t) => t.state === 'cancelled' && shop.has(t.tno)).map((t) => `${t.ordrIdxx}/${t.tno}`),
    doubleApprovals: [...perOrder].filter(([, n]) => n > 1).map(([o]) => o),
    doubleCancels: txs.filter((t) => t.history.filter((h) => h.modType === 'STSC').length > 1).map((t) => t.tno),
    openAttempts: open.filter((a) => !isBlocked(a)).map((a) => `${a.ordrIdxx}:${a.state}${a.tno ? `/${a.tno}` : ''}${a.note ? ` (${a.note})` : ''}`),
    blocked,
    untrueOutcomes: untrue.map((t) => `${t.order} ${t.status} ${t.tno}`),
    counts: {
      approvals: txs.length, committed: shop.size, cancelled: txs.filter((t) => t.state === 'cancelled').length,
      blockedWithMoney: withMoney, blockedWithoutMoney: blocked.length - withMoney,
    },
  };
}

/**
 * For a describe block: a shop home with the stand-in, a fresh database of `engine` with its store and the merchant's
 * table, and a simulator — with `rest`, its PG-API too (answers of amounts ending in 993 held `rest.slowMs`) —
 * created before the tests, closed and dropped after them. `conf` is what the children are given. With `startServer`,
 * the database lives on a server of the block's own (test/chaos/private-db.ts: one the test may restart), stopped
 * after the block.
 */
export function shopOnEngine<S extends DatabaseServer = DatabaseServer>(
  engine: Engine,
  simOptions: SimulatorOptions = {},
  more: { rest?: { slowMs: number } | undefined; startServer?: (() => Promise<S>) | undefined } = {},
) {
  const { rest, startServer } = more;
  const env = {} as {
    home: ReturnType<typeof shopHome>; db: FreshDatabase; store: PaymentStore; sim: Simulator; rest?: RestSimulator; conf: ChildConf; server?: S;
  };
  before(async () => {
    env.home = shopHome();
    if (startServer) env.server = await startServer();
    env.db = await freshDatabase(engine, env.home.dir, env.server);
    env.store = await env.db.open();
    await env.store.listOpen(1); // creates the tables
    await env.db.exec(SHOP_TABLE);
    env.sim = await startSimulator({ port: 0, ...simOptions });
    if (rest) env.rest = await startRestSimulator(env.sim, { slowMs: rest.slowMs });
    env.conf = childConf(env.home, env.sim, env.rest);
  });
  after(async () => {
    await env.store?.close();
    await env.rest?.close();
    await env.sim?.close();
    try {
      await env.db?.drop();
    } finally {
      await env.server?.stop();
    }
  });
  return env;
}
