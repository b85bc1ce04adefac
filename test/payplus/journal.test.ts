import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileJournal, foldJournal, type JournalEntry } from '../../lib/payplus/journal.js';

const intent = (id: string, ordrIdxx = 'O-1'): JournalEntry => ({ type: 'intent', id, at: '2026-11-26T00:00:00.000Z', ordrIdxx, amount: '1000', pid: 1 });

describe('FileJournal', () => {
  it('survives a torn last line: the next entry starts on its own line and nothing after it is lost', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-journal-'));
    const journal = new FileJournal(dir);
    await journal.append(intent('a'));
    appendFileSync(journal.file, '{"type":"result","id":"a","outc'); // the process died mid-write
    await journal.append(intent('b'));
    await journal.append({ type: 'commit', id: 'b', at: '2026-11-26T00:00:01.000Z' });
    assert.deepEqual((await journal.entries()).map((e) => `${e.type}:${e.id}`), ['intent:a', 'intent:b', 'commit:b']);
    assert.equal(readFileSync(journal.file, 'utf8').split('\n').length, 5);
  });

  it('sees what another process appended, reading only the new bytes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-journal-'));
    const mine = new FileJournal(dir);
    const theirs = new FileJournal(dir);
    await mine.append(intent('x'));
    assert.equal((await theirs.entries()).length, 1);
    await mine.append({ type: 'result', id: 'x', at: '2026-11-26T00:00:02.000Z', outcome: 'approved', tno: '20261126000001' });
    appendFileSync(mine.file, '{"type":"commit","id":"x"'); // still being written by someone: not read yet
    const states = foldJournal(await theirs.entries());
    assert.equal(states[0]!.result?.tno, '20261126000001');
    assert.equal(states[0]!.committed, false);
    appendFileSync(mine.file, ',"at":"2026-11-26T00:00:03.000Z"}\n');
    assert.equal(foldJournal(await theirs.entries())[0]!.committed, true);
  });

  it('one exclusive lock per order id; a lock left by a dead process is taken over', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-journal-'));
    const a = new FileJournal(dir);
    const b = new FileJournal(dir);
    assert.equal(await a.lock('O-7'), true);
    assert.equal(await b.lock('O-7'), false);
    await a.unlock('O-7');
    assert.equal(await b.lock('O-7'), true);
    await b.unlock('O-7');
    appendFileSync(path.join(dir, 'locks', 'O-8.lock'), '999999999'); // no such pid
    assert.equal(await a.lock('O-8'), true);
    await assert.rejects(a.lock('../x'), /unsafe order id/);
  });
});
