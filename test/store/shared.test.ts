/**
 * One store per location per process: code ported from KCP's PHP samples makes a `new PayPlus()` per request. A
 * thousand of them on one site share the SQLite file's one worker thread; the worker stops when the last store on the
 * file closes. Threads are counted in /proc/self/task and memory as the rss delta: resource counts, not clocks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { openStore } from '../../lib/store/open.js';
import { sharedConnectionCount } from '../../lib/store/registry.js';
import { SqliteStore } from '../../lib/store/sqlite.js';
import { testConfData } from '../helpers/conf.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { freshDatabase } from '../helpers/databases.js';

const threads = () => readdirSync('/proc/self/task').length;
const settle = () => new Promise((r) => setImmediate(r));

describe('one store per location per process', function () {
  this.timeout(120_000);

  it('1,000 PayPlus instances on one site: at most 4 extra threads and 100 MB, one worker; closed with the last', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'kcp-shared-'));
    const conf = testConfData({ logDir, homeDir: logDir });
    const warm = new PayPlus(conf, { runner: new CannedRunner([]) });
    await warm.store.listOpen(1); // the first store on the file starts the worker; the baseline includes nothing else
    await warm.close();
    global.gc?.();
    const before = { threads: threads(), rss: process.memoryUsage().rss, shared: sharedConnectionCount() };
    const many: PayPlus[] = [];
    for (let i = 0; i < 1000; i++) many.push(new PayPlus(conf, { runner: new CannedRunner([]) }));
    // Each one uses its store, as a request would.
    await Promise.all(many.map((p) => p.store.listOpen(1)));
    const during = { threads: threads(), rss: process.memoryUsage().rss, shared: sharedConnectionCount() };
    const extraMb = (during.rss - before.rss) / 1024 / 1024;
    console.log(`      1,000 PayPlus: +${during.threads - before.threads} threads, +${extraMb.toFixed(1)} MB rss`);
    assert.ok(during.threads - before.threads <= 4, `threads ${before.threads} → ${during.threads}`);
    assert.ok(extraMb <= 100, `rss +${extraMb.toFixed(1)} MB`);
    assert.equal(during.shared, before.shared + 1, 'one shared connection for the file');

    await Promise.all(many.slice(1).map((p) => p.close()));
    assert.equal(sharedConnectionCount(), before.shared + 1, 'still open while one PayPlus uses it');
    assert.deepEqual(await many[0]!.store.listOpen(1), []);
    await many[0]!.close();
    assert.equal(sharedConnectionCount(), before.shared, 'closed with its last user');
    // The worker's thread ends (waited for as an event: the count polled a bounded number of times).
    for (let i = 0; i < 100 && threads() >= during.threads; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(threads() < during.threads, `the worker thread ended (${during.threads} → ${threads()})`);
  });

  it('a closed store refuses, typed; a new store on the file opens the connection again', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kcp-shared-')), 'payplus.sqlite');
    const a = new SqliteStore(file);
    await a.listOpen(1);
    await a.close();
    await assert.rejects(a.listOpen(1), { name: 'KcpStoreError', code: 'store_unavailable', retryable: false });
    const b = new SqliteStore(file);
    assert.deepEqual(await b.listOpen(1), []);
    await b.close();
  });

  it('one file reached by two spellings (a relative path, a symlinked directory) is one connection', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-shared-'));
    const base = sharedConnectionCount();
    const a = new SqliteStore(path.join(dir, 'payplus.sqlite'));
    symlinkSync(dir, path.join(dir, '..', `${path.basename(dir)}-link`));
    const b = new SqliteStore(path.relative(process.cwd(), path.join(`${dir}-link`, 'payplus.sqlite')));
    await a.listOpen(1);
    await b.listOpen(1);
    assert.equal(sharedConnectionCount(), base + 1);
    await a.close();
    await b.close();
    await settle();
    assert.equal(sharedConnectionCount(), base);
  });

  it('openStore on one database URL shares one pool; it ends with its last user', async () => {
    const db = await freshDatabase('postgres', mkdtempSync(path.join(os.tmpdir(), 'kcp-shared-')));
    try {
      const base = sharedConnectionCount();
      const stores = await Promise.all(Array.from({ length: 20 }, () => openStore(db.location)));
      assert.equal(sharedConnectionCount(), base + 1);
      await Promise.all(stores.map((s) => s.listOpen(1)));
      await Promise.all(stores.slice(1).map((s) => s.close()));
      assert.deepEqual(await stores[0]!.listOpen(1), []);
      await stores[0]!.close();
      assert.equal(sharedConnectionCount(), base);
    } finally {
      await db.drop();
    }
  });
});
