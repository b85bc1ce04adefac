/**
 * Private database servers for fault tests: a PostgreSQL or MariaDB of the test's own, in a temp dir on a free port
 * of 127.0.0.1, that the test may terminate backends of, stop, crash (kill -9) and restart (never the machine's shared
 * ones). Started as direct children (no shell, no pg_ctl daemon), so each one is stopped by its pid; `stop()` belongs
 * in an after hook. They are spawned in the hooks' scope (test/helpers/children.ts): a server outlives the test that
 * restarted it, never the run. Readiness is the server's own "ready" line on stderr, not a sleep.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { alive, hooksScope } from '../helpers/children.js';
import { waitFor } from '../helpers/wait.js';

export interface PrivateServer {
  readonly engine: 'postgres' | 'mysql';
  readonly port: number;
  /** A connection URL for the test's database on it. */
  readonly url: string;
  /** Stops the server (fast shutdown; SIGKILL if it lingers), waiting for the process to end. */
  shutdown(): Promise<void>;
  /**
   * Crashes it: SIGKILL to the server and to every process it started (PostgreSQL's backends), at once, waiting until
   * none is left. start() then runs the engine's crash recovery on the same data.
   */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Spawns `cmd` and resolves once its stderr (or stdout) has printed `ready`; rejects when it exits first. */
function startUntil(cmd: string, args: string[], ready: RegExp, options: { uid?: number; gid?: number; cwd?: string }): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = hooksScope.spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    let done = false;
    const look = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-8000);
      if (!done && ready.test(seen)) {
        done = true;
        resolve(child);
      }
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.on('error', (err) => !done && ((done = true), reject(err)));
    child.on('exit', (code, signal) => {
      if (!done) {
        done = true;
        reject(new Error(`${path.basename(cmd)} exited (${code ?? signal}) before it was ready:\n${seen}`));
      }
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Sends `signal`, then SIGKILL when the process is still there after `graceMs`; resolves when it has exited. */
async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals, graceMs = 20_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** The processes `pid` started (its threads' children), read from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text !== '') out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

/**
 * kill -9 of a server and what it started, as a crash does it: the server is stopped first (SIGSTOP, so it forks
 * nothing while its children are listed), then every one of them and the server get SIGKILL; resolves once all are gone.
 */
async function crashChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGSTOP');
  const pids = [child.pid, ...childrenOf(child.pid)];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
  await gone;
  await waitFor(() => pids.every((pid) => !alive(pid)), 'the killed server processes to end');
}

function pgBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  return `/usr/lib/postgresql/${versions[0]}/bin/${name}`;
}

/** A PostgreSQL server of its own (initdb as the postgres user, trust auth, fsync off: a test server). */
export async function privatePostgres(): Promise<PrivateServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-pg-'));
  const who = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const uid = Number(who.stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  chownSync(dir, uid, gid);
  const data = path.join(dir, 'data');
  const init = spawnSync(pgBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'], {
    uid, gid, cwd: dir, encoding: 'utf8',
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: PrivateServer = {
    engine: 'postgres',
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      child = await startUntil(
        pgBin('postgres'),
        ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
          '-c', 'shared_buffers=16MB', '-c', 'max_connections=40'],
        /database system is ready to accept connections/,
        { uid, gid, cwd: dir },
      );
    },
    async shutdown() {
      await stopChild(child, 'SIGINT'); // fast shutdown: terminates every backend (57P01)
      child = undefined;
    },
    async kill() {
      await crashChild(child);
      child = undefined;
    },
    async stop() {
      await stopChild(child, 'SIGINT');
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** A MariaDB server of its own (root without a password, small buffers, no binary log). */
export async function privateMariadb(): Promise<PrivateServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-my-'));
  const data = path.join(dir, 'data');
  const init = spawnSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db',
      '--skip-name-resolve'],
    { cwd: dir, encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stderr}${init.stdout}`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: PrivateServer = {
    engine: 'mysql',
    port,
    url: `mysql://root@127.0.0.1:${port}/test`,
    async start() {
      child = await startUntil(
        '/usr/sbin/mariadbd',
        ['--no-defaults', `--datadir=${data}`, `--socket=${path.join(dir, 'sock')}`, `--port=${port}`,
          '--bind-address=127.0.0.1', '--user=root', '--skip-name-resolve', '--innodb-buffer-pool-size=16M',
          '--innodb-log-file-size=8M', '--skip-log-bin', `--pid-file=${path.join(dir, 'pid')}`, '--innodb-lock-wait-timeout=10'],
        /ready for connections/,
        { cwd: dir },
      );
    },
    async shutdown() {
      await stopChild(child, 'SIGTERM'); // normal shutdown: every connection is killed
      child = undefined;
    },
    async kill() {
      await crashChild(child);
      child = undefined;
    },
    async stop() {
      await stopChild(child, 'SIGTERM');
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
