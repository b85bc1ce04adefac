/**
 * Files the SDK writes cannot be redirected (issue 18 item 5): the log folder's owner and mode are checked when the
 * logger opens it, today's file is opened without following a link planted at its name, and nothing outside the folder
 * is appended to or chmodded.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { KcpConfigError } from '../../lib/errors.js';
import { createFileLogger } from '../../lib/log/index.js';
import { ensurePrivateDir, openPrivateAppend, privateDirProblem } from '../../lib/log/private-files.js';

const DAY = new Date(2024, 4, 1, 9);
const temps: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcp-private-'));
  temps.push(dir);
  return dir;
}

function refusedWith(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KcpConfigError, String(e));
    assert.equal(e.field, 'g_conf_log_dir');
    assert.equal(e.message, message);
    return true;
  });
}

describe('log/private-files: the log folder and today\'s file', () => {
  after(() => {
    for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  let root: string;
  let dir: string;
  beforeEach(() => {
    root = tempDir();
    dir = path.join(root, 'log');
  });

  it('refuses an existing log folder writable by its group or by everyone, naming the path, the problem and the fix', () => {
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o770);
    refusedWith(
      () => createFileLogger({ dir, level: 0 }),
      `g_conf_log_dir: ${dir} (the log folder) is writable by its group (mode 0770), so they can replace a file in it with a link to another file. Fix: chmod 700 ${dir} (750 if the web server's group must read it).`,
    );
    fs.chmodSync(dir, 0o777);
    refusedWith(
      () => createFileLogger({ dir, level: 0 }),
      `g_conf_log_dir: ${dir} (the log folder) is writable by every user (mode 0777), so they can replace a file in it with a link to another file. Fix: chmod 700 ${dir} (750 if the web server's group must read it).`,
    );
    fs.chmodSync(dir, 0o750);
    createFileLogger({ dir, level: 0 }).close();
  });

  it("refuses a folder owned by another user (not this process's, not root)", () => {
    fs.mkdirSync(dir, { mode: 0o700 });
    const owned = (uid: number): fs.Stats => Object.assign(Object.create(Object.getPrototypeOf(fs.statSync(dir))), fs.statSync(dir), { uid });
    // The rule with this process seen as uid 1000: a folder of uid 1001 is someone else's, root's and its own are fine.
    assert.deepEqual(privateDirProblem(dir, owned(1001), 1000), {
      path: dir,
      problem: "is owned by uid 1001, not by this process's user (uid 1000) or root, so that user can swap the files in it",
      fix: `chown 1000 ${dir} && chmod 700 ${dir}`,
    });
    assert.equal(privateDirProblem(dir, owned(0), 1000), undefined, 'root-owned is fine');
    assert.equal(privateDirProblem(dir, owned(1000), 1000), undefined);
    if (process.geteuid?.() === 0) {
      // As root for real: hand the folder to another uid and open it.
      fs.chownSync(dir, 4242, 4242);
      refusedWith(
        () => createFileLogger({ dir, level: 0 }),
        `g_conf_log_dir: ${dir} (the log folder) is owned by uid 4242, not by this process's user (uid 0) or root, so that user can swap the files in it. Fix: chown 0 ${dir} && chmod 700 ${dir}.`,
      );
    }
  });

  it('refuses a folder whose parent anyone may write without the sticky bit, and accepts /tmp-like sticky parents', () => {
    const open = path.join(root, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    const inside = path.join(open, 'log');
    refusedWith(
      () => createFileLogger({ dir: inside, level: 0 }),
      `g_conf_log_dir: ${open} (above the log folder) lies above it and is writable by every user without the sticky bit (mode 0777), so they can rename the folder and put another in its place. Fix: chmod go-w ${open} (or chmod +t ${open}), or move the folder elsewhere.`,
    );
    assert.equal(fs.existsSync(inside), false, 'nothing was created under the open folder');
    fs.chmodSync(open, 0o1777);
    createFileLogger({ dir: inside, level: 0 }).close();
    assert.equal(fs.statSync(inside).mode & 0o7777, 0o700);
  });

  it('does not follow a symbolic link planted at today\'s file name: the target is neither appended to nor chmodded', () => {
    const target = path.join(root, 'victim.txt');
    fs.writeFileSync(target, 'precious\n');
    fs.chmodSync(target, 0o644);
    fs.mkdirSync(path.join(dir, '202405'), { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    const link = path.join(dir, '202405', '01_kcp-payplus.log');
    fs.symlinkSync(target, link);
    const errors: string[] = [];
    const logger = createFileLogger({ dir, level: 0, clock: () => DAY, onError: (kind, message) => errors.push(`${kind}: ${message}`) });
    logger.log({ level: 0, event: 'payment.start' });
    logger.close();
    assert.equal(fs.readFileSync(target, 'utf8'), 'precious\n');
    assert.equal(fs.statSync(target).mode & 0o777, 0o644);
    assert.deepEqual(errors, [
      `file: kcp-payplus logger: writing the log file failed: ${link} is a symbolic link, not our log file; it was not opened. Remove it (someone may have planted it)`,
    ]);
  });

  it('refuses a hard link and a FIFO at today\'s name without blocking, and a month folder others may write', () => {
    const month = path.join(dir, '202405');
    fs.mkdirSync(month, { recursive: true, mode: 0o700 });
    const file = path.join(month, '01_kcp-payplus.log');
    const other = path.join(root, 'other.txt');
    fs.writeFileSync(other, 'x');
    fs.linkSync(other, file);
    assert.throws(() => openPrivateAppend(file), { message: `${file} has 2 hard links (a link to another file); it was not written. Remove it (someone may have planted it)` });
    assert.equal(fs.readFileSync(other, 'utf8'), 'x');
    fs.rmSync(file);
    execFileSync('mkfifo', [file]);
    assert.throws(() => openPrivateAppend(file), { message: `${file} is a FIFO or device, not our log file; it was not opened. Remove it (someone may have planted it)` });
    fs.rmSync(file);
    fs.chmodSync(month, 0o775);
    refusedWith(
      () => ensurePrivateDir(month, 'g_conf_log_dir', 'the month folder of the log'),
      `g_conf_log_dir: ${month} (the month folder of the log) is writable by its group (mode 0775), so they can replace a file in it with a link to another file. Fix: chmod 700 ${month} (750 if the web server's group must read it).`,
    );
  });

  it('creates missing folders 0700 one by one and today\'s file 0600, whatever the umask', () => {
    const deep = path.join(root, 'a', 'b', 'log');
    const old = process.umask(0);
    try {
      const logger = createFileLogger({ dir: deep, level: 0, clock: () => DAY });
      logger.log({ level: 0, event: 'x' });
      logger.close();
    } finally {
      process.umask(old);
    }
    for (const folder of [path.join(root, 'a'), path.join(root, 'a', 'b'), deep, path.join(deep, '202405')]) {
      assert.equal(fs.statSync(folder).mode & 0o7777, 0o700, folder);
    }
    assert.equal(fs.statSync(path.join(deep, '202405', '01_kcp-payplus.log')).mode & 0o7777, 0o600);
  });
});
