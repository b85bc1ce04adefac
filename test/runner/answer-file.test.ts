/**
 * readAnswerFile's "a process still writes it": any live process holding the answer file for writing, on any
 * descriptor. The runner opens the file and forks; the new process holds it under the caller's descriptor number until
 * it makes it its stdout just before exec. A caller killed in between leaves an empty file nobody has as stdout while the
 * module is about to start: taking that for "never started" freed an order whose approval then went through (the
 * SQLite crash campaign under load: 1 approval without an order in 121 kills). Children here stand in for that process.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { heldOpen, readAnswerFile } from '../../lib/runner/answer-file.js';
import { children } from '../helpers/children.js';

describe('readAnswerFile: who still writes the answer file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-held-'));
    file = path.join(dir, 'answer.out');
    writeFileSync(file, '', { mode: 0o600 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A child holding `file` (opened with `flags`) at descriptor `at` (1: its stdout; 3: as a forked caller's copy). */
  async function holder(flags: string, at: 1 | 3) {
    const fd = openSync(file, flags);
    const stdio: Array<'ignore' | number> = ['ignore', 'ignore', 'ignore'];
    stdio[at] = fd;
    const child = children().spawn('sleep', ['60'], { stdio });
    await once(child, 'spawn');
    closeSync(fd); // the caller is gone: only the child holds it now
    return child;
  }

  it('is running while another process holds the empty file for writing under a descriptor other than its stdout', async () => {
    const child = await holder('r+', 3);
    assert.equal(await heldOpen(file), true);
    assert.equal(await readAnswerFile(file, true), 'running');
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(await heldOpen(file), false);
    assert.equal(await readAnswerFile(file, true), 'empty');
  });

  it('is running while a process has it as its stdout', async () => {
    const child = await holder('r+', 1);
    assert.equal(await readAnswerFile(file, true), 'running');
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(await readAnswerFile(file, true), 'empty');
  });

  it('is not held by a process that only reads it (a log shipper, another recovery)', async () => {
    const child = await holder('r', 3);
    assert.equal(await heldOpen(file), false);
    assert.equal(await readAnswerFile(file, true), 'empty');
    child.kill('SIGKILL');
    await once(child, 'exit');
  });

  it('does not look at other processes for an attempt that ran elsewhere (local false)', async () => {
    const child = await holder('r+', 1);
    assert.equal(await readAnswerFile(file, false), 'empty');
    child.kill('SIGKILL');
    await once(child, 'exit');
  });
});
