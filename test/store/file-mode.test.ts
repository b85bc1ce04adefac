/**
 * The SQLite files of payment state and of the sample shop are 0600 whatever the umask (issue 18 item 5: the sample's
 * database was 0644), WAL and shared-memory files included, in a private folder, and never through a planted link.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createPrivateDatabaseFile, SqliteStore } from '../../lib/store/sqlite.js';
import { OrderStore } from '../../sample/db.js';

describe('store: SQLite file modes', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kcp-dbmode-'));
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    fs.rmSync(root, { recursive: true, force: true });
  });

  const modes = (dir: string): Record<string, string> =>
    Object.fromEntries(fs.readdirSync(dir).sort().map((name) => [name, (fs.statSync(path.join(dir, name)).mode & 0o7777).toString(8)]));

  it('creates the payment-state database, its -wal and -shm 0600 in a 0700 folder under umask 022', async () => {
    const dir = path.join(root, 'state');
    const store = new SqliteStore(path.join(dir, 'payplus.sqlite'));
    await store.ready();
    assert.equal(fs.statSync(dir).mode & 0o7777, 0o700);
    assert.deepEqual(modes(dir), { 'payplus.sqlite': '600', 'payplus.sqlite-shm': '600', 'payplus.sqlite-wal': '600' });
    await store.close();
  });

  it("creates the sample shop's database 0600 (it was 0644)", () => {
    const dir = path.join(root, 'sample');
    const orders = new OrderStore(path.join(dir, 'shop.sqlite'));
    try {
      const mode = fs.statSync(path.join(dir, 'shop.sqlite')).mode & 0o7777;
      assert.equal(mode, 0o600);
      for (const [name, m] of Object.entries(modes(dir))) assert.equal(m, '600', name);
    } finally {
      orders.close();
    }
  });

  it('tightens an existing database file to 0600, and refuses a link at its name or a folder others may write', () => {
    const file = path.join(root, 'old.sqlite');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o644);
    createPrivateDatabaseFile(file);
    assert.equal(fs.statSync(file).mode & 0o7777, 0o600);
    const victim = path.join(root, 'victim');
    fs.writeFileSync(victim, 'x');
    fs.chmodSync(victim, 0o644);
    fs.symlinkSync(victim, path.join(root, 'link.sqlite'));
    assert.throws(() => createPrivateDatabaseFile(path.join(root, 'link.sqlite')), { code: 'ELOOP' });
    assert.equal(fs.statSync(victim).mode & 0o7777, 0o644);
    const open = path.join(root, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    assert.throws(() => createPrivateDatabaseFile(path.join(open, 'db.sqlite')), {
      name: 'KcpConfigError',
      message: `store file: ${open} (the database folder) is writable by every user (mode 0777), so they can replace a file in it with a link to another file. Fix: chmod 700 ${open} (750 if the web server's group must read it).`,
    });
  });
});
