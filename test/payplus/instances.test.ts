/**
 * A shop that makes a PayPlus per request must not run out of descriptors: instances share one descriptor per daily
 * log file, and the default store opens nothing until it is used (close() ends what it started).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { testConfData } from '../helpers/conf.js';

const openDescriptors = () => readdirSync('/proc/self/fd').length;

describe('PayPlus instances and descriptors', () => {
  it('2,000 instances that each log hold one log descriptor between them, and no store handle', () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'kcp-fd-'));
    const before = openDescriptors();
    const all: PayPlus[] = [];
    for (let i = 0; i < 2000; i++) {
      const payplus = new PayPlus(testConfData({ logDir, logLevel: 3 }));
      payplus.logger.log({ level: 0, event: 'test.instance', fields: { i } });
      all.push(payplus);
    }
    assert.ok(openDescriptors() - before <= 1, `${openDescriptors() - before} descriptors opened`);
    assert.equal(all.length, 2000);
  });

  it('close() ends the default store it started, and a closed store refuses work with its path named', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'kcp-close-'));
    const payplus = new PayPlus(testConfData({ logDir }));
    assert.deepEqual(await payplus.store.listOpen(1), []);
    await payplus.close();
    await assert.rejects(payplus.store.listOpen(1), /SQLite store .*payplus\.sqlite is closed/);
  });
});
