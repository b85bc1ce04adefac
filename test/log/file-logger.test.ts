import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  createFileLogger,
  createSiteLogger,
  localIsoTime,
  PP_CLI_LOG_LEVEL_WARNING,
  recommendPpCliLogLevel,
  type LogLevel,
  type LogRecord,
} from '../../lib/log/index.js';
import { KcpConfigError } from '../../lib/errors.js';

const US = '\x1f';
const TEST_KEY = '3grptw1.zW0GSo4PQdaGvsF__';
const CARD = '5310708000009287';

const temps: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcp-log-'));
  temps.push(dir);
  return dir;
}

function readRecords(file: string): LogRecord[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LogRecord);
}

/** A clock the test moves by hand. */
function manualClock(start: Date): { now: () => Date; set(d: Date): void } {
  let current = start;
  return { now: () => current, set: (d) => (current = d) };
}

const secretEvent = (level: LogLevel) => ({
  level,
  event: `test.level${level}`,
  traceNo: 'T000051AFU60GRNn',
  ordrIdxx: 'ORD-20240501-1',
  fields: {
    site_key: TEST_KEY,
    enc_data: 'ENCRYPTEDPAYLOAD.abc',
    enc_info: 'INFO-123',
    raw: `res_cd=0000${US}card_no=${CARD}${US}tno=20240501123456`,
    buyr_tel1: '010-1234-5678',
    note: `customer typed ${CARD} in the memo`,
  },
});

describe('log/file-logger', () => {
  after(() => {
    for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  let dir: string;
  beforeEach(() => {
    dir = path.join(tempDir(), 'log');
  });

  it('writes one JSON line per event with time, level, event, trace_no, ordr_idxx and masked fields, at every level', () => {
    const when = new Date(2024, 4, 1, 10, 15, 30, 123);
    const logger = createFileLogger({ dir, level: 3, clock: () => when });
    for (const level of [0, 1, 2, 3] as const) logger.log(secretEvent(level));
    logger.close();
    const file = path.join(dir, '202405', '01_kcp-payplus.log');
    assert.equal(logger.currentPath, file);
    const text = fs.readFileSync(file, 'utf8');
    for (const secret of [TEST_KEY, 'ENCRYPTEDPAYLOAD', 'INFO-123', CARD, '1234-5678']) {
      assert.equal(text.includes(secret), false, `${secret} leaked`);
    }
    const records = readRecords(file);
    assert.equal(records.length, 4);
    records.forEach((record, level) => {
      assert.deepEqual(Object.keys(record), ['time', 'level', 'event', 'trace_no', 'ordr_idxx', 'fields']);
      assert.equal(new Date(record.time).getTime(), when.getTime());
      assert.equal(record.time, localIsoTime(when));
      assert.equal(record.level, level);
      assert.equal(record.event, `test.level${level}`);
      assert.equal(record.trace_no, 'T000051AFU60GRNn');
      assert.equal(record.ordr_idxx, 'ORD-20240501-1');
      assert.deepEqual(record.fields, {
        site_key: '[masked:25]',
        enc_data: '[masked:20]',
        enc_info: '[masked:8]',
        raw: `res_cd=0000${US}card_no=531070******9287${US}tno=20240501123456`,
        buyr_tel1: '010-****-5678',
        note: 'customer typed 531070******9287 in the memo',
      });
    });
    // The separator survives as a JSON escape, so one event stays one line.
    assert.ok(text.includes('res_cd=0000\\u001fcard_no=531070******9287'));
  });

  it('writes empty strings and {} when an event has no trace_no, ordr_idxx or fields', () => {
    const logger = createFileLogger({ dir, level: 0, clock: () => new Date(2024, 0, 2, 3, 4, 5) });
    logger.log({ level: 0, event: 'runner.selected' });
    logger.close();
    const [record] = readRecords(path.join(dir, '202401', '02_kcp-payplus.log'));
    assert.deepEqual({ ...record, time: '' }, {
      time: '',
      level: 0,
      event: 'runner.selected',
      trace_no: '',
      ordr_idxx: '',
      fields: {},
    });
  });

  it('drops events above the configured level', () => {
    const logger = createFileLogger({ dir, level: 1, clock: () => new Date(2024, 4, 1, 9) });
    for (const level of [3, 0, 2, 1, 3] as const) logger.log({ level, event: `e${level}` });
    logger.close();
    assert.deepEqual(
      readRecords(path.join(dir, '202405', '01_kcp-payplus.log')).map((r) => r.event),
      ['e0', 'e1'],
    );
  });

  it('creates files 0600 in 0700 folders, whatever the umask', () => {
    const old = process.umask(0o002);
    try {
      const logger = createFileLogger({ dir, level: 0, clock: () => new Date(2024, 4, 1, 9) });
      logger.log({ level: 0, event: 'x' });
      logger.close();
    } finally {
      process.umask(old);
    }
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(dir, '202405')).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(dir, '202405', '01_kcp-payplus.log')).mode & 0o777, 0o600);
  });

  it('tightens an existing file of ours to 0600 and leaves an existing log folder as it is', () => {
    fs.mkdirSync(path.join(dir, '202405'), { recursive: true, mode: 0o750 });
    fs.chmodSync(dir, 0o750);
    const file = path.join(dir, '202405', '01_kcp-payplus.log');
    fs.writeFileSync(file, '', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const logger = createFileLogger({ dir, level: 0, clock: () => new Date(2024, 4, 1, 9) });
    logger.log({ level: 0, event: 'x' });
    logger.close();
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o750);
  });

  it('rotates to a new file (and month folder) when the date changes', () => {
    const clock = manualClock(new Date(2024, 4, 31, 23, 59, 59, 999));
    const logger = createFileLogger({ dir, level: 0, clock: clock.now });
    logger.log({ level: 0, event: 'before-midnight' });
    clock.set(new Date(2024, 5, 1, 0, 0, 0, 0));
    logger.log({ level: 0, event: 'after-midnight' });
    logger.log({ level: 0, event: 'same-day' });
    logger.close();
    assert.deepEqual(readRecords(path.join(dir, '202405', '31_kcp-payplus.log')).map((r) => r.event), ['before-midnight']);
    assert.deepEqual(readRecords(path.join(dir, '202406', '01_kcp-payplus.log')).map((r) => r.event), [
      'after-midnight',
      'same-day',
    ]);
  });

  it('appends to an existing daily file after close() and reopen', () => {
    const when = () => new Date(2024, 4, 1, 9);
    const a = createFileLogger({ dir, level: 0, clock: when });
    a.log({ level: 0, event: 'first' });
    a.close();
    const b = createFileLogger({ dir, level: 0, clock: when });
    b.log({ level: 0, event: 'second' });
    b.close();
    assert.deepEqual(readRecords(path.join(dir, '202405', '01_kcp-payplus.log')).map((r) => r.event), ['first', 'second']);
  });

  describe('retention', () => {
    function seed(rel: string): string {
      const file = path.join(dir, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, 'x\n');
      return file;
    }

    it('removes our files older than N days and month folders left empty, keeps everything else', () => {
      seed('202403/31_kcp-payplus.log'); // old month, only ours: file and folder go
      seed('202404/30_kcp-payplus.log'); // old month with a foreign file: folder stays
      seed('202404/notes.txt');
      seed('202405/15_kcp-payplus.log'); // 31 days before 2024-06-15: goes
      seed('202405/16_kcp-payplus.log'); // 30 days before: stays
      seed('202405/10_pp_cli.log'); // pp_cli's own: stays by default
      seed('202406/15_kcp-payplus.log');
      const logger = createFileLogger({ dir, level: 0, retentionDays: 30, clock: () => new Date(2024, 5, 15, 12) });
      const later = logger.prune();
      assert.deepEqual(later, { removedFiles: [], removedFolders: [] }, 'pruned at start-up already');
      logger.close();
      const left = fs
        .readdirSync(dir, { recursive: true })
        .map(String)
        .sort();
      assert.deepEqual(left, [
        '202404',
        path.join('202404', 'notes.txt'),
        '202405',
        path.join('202405', '10_pp_cli.log'),
        path.join('202405', '16_kcp-payplus.log'),
        '202406',
        path.join('202406', '15_kcp-payplus.log'),
      ]);
    });

    it('reports what prune() removed, including pp_cli logs when asked, on a day rollover too', () => {
      const clock = manualClock(new Date(2024, 5, 15, 23, 59));
      const logger = createFileLogger({ dir, level: 0, retentionDays: 1, pruneModuleLogs: true, clock: clock.now });
      logger.log({ level: 0, event: 'a' });
      const oldOurs = seed('202406/14_kcp-payplus.log');
      const oldModule = seed('202406/14_pp_cli.log');
      seed('202406/15_pp_cli.log');
      clock.set(new Date(2024, 5, 16, 0, 1)); // cutoff moves to 2024-06-15
      logger.log({ level: 0, event: 'b' });
      assert.deepEqual(fs.readdirSync(path.join(dir, '202406')).sort(), [
        '15_kcp-payplus.log',
        '15_pp_cli.log',
        '16_kcp-payplus.log',
      ]);
      assert.equal(fs.existsSync(oldOurs), false);
      assert.equal(fs.existsSync(oldModule), false);
      seed('202406/01_pp_cli.log');
      assert.deepEqual(logger.prune(), { removedFiles: [path.join(dir, '202406', '01_pp_cli.log')], removedFolders: [] });
      logger.close();
    });

    it('rejects a negative or fractional retention', () => {
      assert.throws(() => createFileLogger({ dir, level: 0, retentionDays: -1 }), {
        name: 'KcpConfigError',
        message: 'retentionDays: -1 must be a whole number of days (0 or more).',
      });
      assert.throws(() => createFileLogger({ dir, level: 0, retentionDays: 1.5 }), {
        message: 'retentionDays: 1.5 must be a whole number of days (0 or more).',
      });
    });
  });

  describe('hook', () => {
    it('sends masked records to the hook besides the file', () => {
      const seen: LogRecord[] = [];
      const logger = createFileLogger({ dir, level: 3, hook: (r) => seen.push(r), clock: () => new Date(2024, 4, 1) });
      logger.log(secretEvent(2));
      logger.close();
      assert.equal(seen.length, 1);
      assert.equal(seen[0].fields.site_key, '[masked:25]');
      assert.deepEqual(readRecords(path.join(dir, '202405', '01_kcp-payplus.log')), seen);
    });

    it('sends records to the hook instead of the file with file: false', () => {
      const seen: string[] = [];
      const logger = createFileLogger({ level: 0, file: false, hook: (r) => seen.push(r.event) });
      logger.log({ level: 0, event: 'only-hook' });
      logger.log({ level: 1, event: 'dropped' });
      assert.deepEqual(seen, ['only-hook']);
      assert.equal(fs.existsSync(dir), false);
    });

    it('never lets a throwing hook reach the caller, and reports the failure masked', () => {
      const errors: string[] = [];
      const logger = createFileLogger({
        level: 0,
        file: false,
        hook: () => {
          throw new Error(`boom ${CARD}`);
        },
        onError: (kind, message) => errors.push(`${kind}: ${message}`),
      });
      logger.log({ level: 0, event: 'a' });
      assert.deepEqual(errors, ['hook: kcp-payplus logger: the log hook failed: boom 531070******9287']);
    });

    it('never lets a failing disk reach the caller', () => {
      const errors: string[] = [];
      const logger = createFileLogger({ dir, level: 0, clock: () => new Date(2024, 4, 1), onError: (k) => errors.push(k) });
      fs.writeFileSync(path.join(dir, '202405'), 'a file where the month folder should be');
      logger.log({ level: 0, event: 'lost' });
      assert.deepEqual(errors, ['file']);
    });
  });

  describe('configuration errors', () => {
    it('rejects a level outside 0–3 naming g_conf_log_level', () => {
      assert.throws(() => createFileLogger({ dir, level: 5 as unknown as LogLevel }), (e: unknown) => {
        assert.ok(e instanceof KcpConfigError);
        assert.equal(e.field, 'g_conf_log_level');
        assert.equal(
          e.message,
          'g_conf_log_level: 5 is not a log level; use 0 (errors, start/end), 1, 2 or 3 (masked raw results).',
        );
        return true;
      });
    });

    it('needs a folder unless the file is turned off', () => {
      assert.throws(() => createFileLogger({ level: 0 }), {
        message: 'g_conf_log_dir: the file logger needs a folder; set dir, or file: false with a hook.',
      });
    });
  });

  describe('bursts', () => {
    it("writes the lines of one synchronous stretch in one write, in order, before the caller's next step runs", async () => {
      const logger = createFileLogger({ dir, level: 3 });
      const writes: string[] = [];
      const real = fs.writeSync;
      (fs as { writeSync: unknown }).writeSync = (fd: number, data: string) => (writes.push(data), real(fd, data));
      try {
        const step = async () => {
          for (const level of [0, 1, 2] as const) logger.log(secretEvent(level));
        };
        await step();
        assert.equal(writes.length, 1, 'one write for the burst');
        assert.deepEqual(readRecords(logger.currentPath!).map((r) => r.event), ['test.level0', 'test.level1', 'test.level2']);
        logger.log(secretEvent(3));
        logger.flush();
        assert.equal(writes.length, 2, 'flush() writes the waiting line at once');
        assert.equal(readRecords(logger.currentPath!).length, 4);
        await Promise.resolve();
        assert.equal(writes.length, 2, 'the queued microtask finds nothing left to write');
      } finally {
        (fs as { writeSync: unknown }).writeSync = real;
        logger.close();
      }
    });

    it('a line that cannot be made is left out and reported; the rest of its burst is written, and log() never throws', async () => {
      const errors: string[] = [];
      const logger = createFileLogger({ dir, level: 3, onError: (kind, message) => errors.push(`${kind}: ${message}`) });
      const broken = {
        get note(): string {
          throw new Error('getter failed');
        },
      };
      logger.log({ level: 0, event: 'first' });
      logger.log({ level: 0, event: 'broken', fields: broken });
      logger.log({ level: 0, event: 'last' });
      await Promise.resolve();
      assert.deepEqual(readRecords(logger.currentPath!).map((r) => r.event), ['first', 'last']);
      assert.deepEqual(errors, ['file: kcp-payplus logger: writing the log file failed: getter failed']);
      logger.close();
    });

    it('a process that exits in the same stretch (process.exit, an uncaught throw) still writes its lines', () => {
      for (const end of ['process.exit(3)', "throw new Error('boom')"]) {
        const out = path.join(tempDir(), 'log');
        const code =
          "import('./lib/log/file-logger.ts').then((m) => { const l = m.createFileLogger({ dir: process.argv[1], level: 0 }); " +
          `l.log({ level: 0, event: 'last.words' }); ${end}; })`;
        const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code, out], { encoding: 'utf8' });
        assert.notEqual(r.status, 0, end);
        const files = fs.readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.log'));
        assert.equal(files.length, 1, `${end}: ${r.stderr}`);
        assert.deepEqual(readRecords(path.join(out, files[0]!)).map((x) => x.event), ['last.words'], end);
      }
    });
  });

  it('createSiteLogger writes to g_conf_log_dir, else <home>/log, at g_conf_log_level', () => {
    const home = tempDir();
    const logger = createSiteLogger({ homeDir: home, logDir: '', logLevel: 0 }, { clock: () => new Date(2024, 4, 1) });
    logger.log({ level: 0, event: 'kept' });
    logger.log({ level: 1, event: 'dropped' });
    logger.close();
    assert.deepEqual(readRecords(path.join(home, 'log', '202405', '01_kcp-payplus.log')).map((r) => r.event), ['kept']);
  });

  it("createSiteLogger applies the config's retention, to pp_cli's logs only when asked", () => {
    const home = tempDir();
    const dir = path.join(home, 'log');
    const old = path.join(dir, '202404');
    fs.mkdirSync(old, { recursive: true });
    fs.writeFileSync(path.join(old, '01_kcp-payplus.log'), '{}\n');
    fs.writeFileSync(path.join(old, '01_pp_cli.log'), 'x\n');
    const clock = () => new Date(2024, 4, 20);
    createSiteLogger({ homeDir: home, logDir: dir, logLevel: 0, logRetentionDays: 7, prunePpCliLogs: false }, { clock }).close();
    assert.deepEqual(fs.readdirSync(old), ['01_pp_cli.log']);
    createSiteLogger({ homeDir: home, logDir: dir, logLevel: 0, logRetentionDays: 7, prunePpCliLogs: true }, { clock }).close();
    assert.equal(fs.existsSync(old), false);
  });

  it('writes local time with its offset', () => {
    const old = process.env.TZ;
    process.env.TZ = 'Asia/Seoul';
    try {
      const instant = new Date(Date.UTC(2024, 4, 1, 1, 15, 30, 7));
      assert.equal(localIsoTime(instant), '2024-05-01T10:15:30.007+09:00');
      // The same instant again (the last text is kept), then under another zone: the zone is part of the text.
      assert.equal(localIsoTime(new Date(instant.getTime())), '2024-05-01T10:15:30.007+09:00');
      process.env.TZ = 'UTC';
      assert.equal(localIsoTime(instant), '2024-05-01T01:15:30.007+00:00');
    } finally {
      if (old === undefined) delete process.env.TZ;
      else process.env.TZ = old;
    }
  });

  it('recommends pp_cli log level 3 on TEST and 0 on REAL, and says why', () => {
    assert.equal(recommendPpCliLogLevel('TEST'), 3);
    assert.equal(recommendPpCliLogLevel('REAL'), 0);
    assert.match(PP_CLI_LOG_LEVEL_WARNING.en, /^pp_cli log level 3 writes full responses \(test sites show card numbers\)\./);
    assert.match(PP_CLI_LOG_LEVEL_WARNING.ko, /카드번호/);
  });
});
