/** The development console logger prints one masked line per request beside the file log, never instead of it. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { consoleLine, createConsoleLogger, createSiteLogger, toRecord } from '../../lib/log/index.js';

const NOW = new Date(2026, 10, 28, 9, 15, 30, 123);

describe('console logger', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcp-console-log-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints one masked line per request and keeps writing the file log', () => {
    const lines: string[] = [];
    const logger = createSiteLogger({ homeDir: dir, logDir: dir, logLevel: 3 }, { console: (l) => lines.push(l), clock: () => NOW });
    logger.log({ level: 0, event: 'tx.start', traceNo: 'T000051C0060GRNn', ordrIdxx: 'ORD-1', fields: { tx_cd: '00100000', runner: 'native' } });
    logger.log({ level: 2, event: 'tx.request.fields', traceNo: 'T000051C0060GRNn', ordrIdxx: 'ORD-1', fields: { ordr_data: 'buyr_tel2=01012345678' } });
    logger.log({
      level: 0,
      event: 'tx.end',
      traceNo: 'T000051C0060GRNn',
      ordrIdxx: 'ORD-1',
      fields: { tx_cd: '00100000', res_cd: '0000', res_msg: '정상처리 4579720012349876', tno: '20261128000001' },
    });
    logger.close();
    assert.deepEqual(lines, [
      'kcp-payplus 09:15:30.123 tx.end pay ordr_idxx=ORD-1 trace_no=T000051C0060GRNn res_cd=0000 tno=20261128000001 정상처리 457972******9876',
    ]);
    const file = fs.readFileSync(logger.currentPath!, 'utf8').trim().split('\n');
    assert.equal(file.length, 3, 'the file log keeps every event');
    assert.equal(file.some((l) => l.includes('4579720012349876') || l.includes('01012345678')), false);
  });

  it('shows automatic cancels, unknown outcomes and refused notifications; hides the rest', () => {
    const at = (event: string, fields: Record<string, unknown>) => consoleLine(toRecord({ level: 0, event, ordrIdxx: 'ORD-2', fields }, NOW));
    assert.equal(at('payment.auto_cancelled', { tno: '20261128000002', reason: 'commit failed' }), 'kcp-payplus 09:15:30.123 payment.auto_cancelled ordr_idxx=ORD-2 tno=20261128000002 reason=commit failed');
    assert.equal(at('notify.rejected', { ip: '10.0.0.9', reason: 'not a KCP address' }), 'kcp-payplus 09:15:30.123 notify.rejected ordr_idxx=ORD-2 reason=not a KCP address ip=10.0.0.9');
    assert.equal(at('runner.selected', { runner: 'native' }), undefined);
    assert.equal(at('tx.start', { tx_cd: '00100000' }), undefined);
  });

  it('createConsoleLogger writes no file', () => {
    const lines: string[] = [];
    const logger = createConsoleLogger({ write: (l) => lines.push(l) });
    logger.log({ level: 0, event: 'tx.error', ordrIdxx: 'ORD-3', fields: { message: 'pp_cli timed out' } });
    assert.equal(logger.currentPath, undefined);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^kcp-payplus \d\d:\d\d:\d\d\.\d{3} tx\.error ordr_idxx=ORD-3 message=pp_cli timed out$/);
  });
});
