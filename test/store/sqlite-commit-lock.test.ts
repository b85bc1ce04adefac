/**
 * SQLite's write lock and commitInStore (issue 17 item 9): the store's transaction — SQLite's one write lock for the
 * whole file — opens at the merchant commit's first tx.query (or at its end, when it sends none), not when the commit
 * starts, so a commit busy with its own work holds no lock: other processes on the file and other payments of this
 * process write meanwhile. From its first query to its end it holds the lock (the documented bound). The transaction
 * re-checks that the attempt is still this owner's approved one when it opens, and writes the merchant's rows and the
 * committed mark together, or neither. "Another process" is a second connection to the file that asks for the write
 * lock without waiting (busy_timeout 0): it gets it, or SQLITE_BUSY — no clocks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { currentOwner } from '../../lib/store/owner.js';
import { SqliteStore } from '../../lib/store/sqlite.js';
import type { NewAttempt, Owner } from '../../lib/store/types.js';

const me = currentOwner();
const rival: Owner = { ...me, start: `${me.start}-rival` };
let seq = 0;
const attempt = (ordrIdxx: string): NewAttempt => ({
  id: `lock-${process.pid}-${++seq}`,
  ordrIdxx,
  amount: '1000',
  owner: me,
  leaseUntil: Date.now() + 60_000,
  commitMode: 'store',
  durableOutput: true,
});

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('SQLite commitInStore: no write lock while the merchant works', function () {
  this.timeout(60_000);
  let file: string;
  let store: SqliteStore;
  let other: Database.Database;

  /** Whether another process could take the file's write lock right now, without waiting. */
  const otherCanWrite = (): boolean => {
    try {
      other.exec('BEGIN IMMEDIATE');
      other.exec('ROLLBACK');
      return true;
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'SQLITE_BUSY');
      return false;
    }
  };

  const approved = async (ordr: string): Promise<NewAttempt> => {
    const a = attempt(ordr);
    assert.equal((await store.begin(a)).ok, true);
    assert.equal(await store.update(a.id, ['started'], { state: 'approved', tno: '20261203000001' }, me), true);
    return a;
  };

  before(async () => {
    file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kcp-sqlite-lock-')), 'payplus.sqlite');
    store = new SqliteStore(file);
    await store.listOpen(1);
    other = new Database(file);
    other.pragma('busy_timeout = 0');
    other.exec('CREATE TABLE shop_orders (id TEXT PRIMARY KEY)');
  });
  after(async () => {
    other.close();
    await store.close();
  });

  it('holds no lock before its first query; holds it from there to its end; row and mark land together', async () => {
    const a = await approved('LOCK-1');
    const working = gate();
    const queried = gate();
    const finish = gate();
    const committing = store.commitWith(a.id, me, async (tx) => {
      working.open();
      await queried.wait;
      await tx.query('INSERT INTO shop_orders (id) VALUES (?)', ['LOCK-1']);
      finish.open();
      await finish.wait;
      return 'done';
    });
    await working.wait;
    assert.equal(otherCanWrite(), true, 'the merchant is still at its own work: the file is free');
    const b = attempt('LOCK-2');
    assert.equal((await store.begin(b)).ok, true, 'this process writes meanwhile too');
    queried.open();
    await finish.wait;
    assert.equal(otherCanWrite(), false, 'from its first query the commit holds the lock');
    assert.equal(await committing, 'done');
    assert.equal(otherCanWrite(), true);
    assert.equal((await store.get(a.id))?.state, 'committed');
    assert.deepEqual(other.prepare('SELECT id FROM shop_orders').all(), [{ id: 'LOCK-1' }]);
  });

  it('a commit whose attempt was taken over while it worked writes nothing and is not marked', async () => {
    const a = await approved('LOCK-3');
    const working = gate();
    const resume = gate();
    const committing = store.commitWith(a.id, me, async (tx) => {
      working.open();
      await resume.wait;
      await tx.query('INSERT INTO shop_orders (id) VALUES (?)', ['LOCK-3']);
    });
    await working.wait;
    assert.equal(await store.claim(a.id, me, rival, Date.now() + 60_000), true, 'recovery takes it over meanwhile');
    resume.open();
    await assert.rejects(committing, /no longer this process's approved attempt/);
    const now = await store.get(a.id);
    assert.equal(now?.state, 'approved');
    assert.deepEqual(now?.owner, rival);
    assert.deepEqual(other.prepare("SELECT id FROM shop_orders WHERE id = 'LOCK-3'").all(), []);
  });

  it('a commit that sends no SQL is marked; one that throws before its SQL runs nothing; a lost attempt never runs it', async () => {
    const a = await approved('LOCK-4');
    assert.equal(await store.commitWith(a.id, me, async () => 7), 7);
    assert.equal((await store.get(a.id))?.state, 'committed');

    const b = await approved('LOCK-5');
    const mine = new Error('out of stock');
    await assert.rejects(store.commitWith(b.id, me, async () => { throw mine; }), (err) => err === mine);
    assert.equal((await store.get(b.id))?.state, 'approved');

    let ran = 0;
    await assert.rejects(store.commitWith(b.id, rival, async () => { ran++; }), /no longer this process's approved attempt \(approved\)/);
    assert.equal(ran, 0);
    assert.equal(otherCanWrite(), true, 'nothing left locked');
  });
});
