import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parseSince, runTraceCommand, type TraceCommandDeps } from '../../lib/cli/commands/trace.js';
import { commands } from '../../lib/cli/commands/index.js';
import { DEFAULT_CONFIG_PATH } from '../../lib/config/default-path.js';
import { createFileLogger } from '../../lib/log/index.js';
import { traceTransaction } from '../../lib/trace/index.js';
import { materializeLogs, removeMaterialized } from '../fixtures/logs/materialize.js';

function capture(conf?: { homeDir: string; logDir: string }): TraceCommandDeps & { out: string[]; err: string[]; files: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const files: string[] = [];
  return {
    out,
    err,
    files,
    loadConf: async (file) => {
      files.push(file);
      if (!conf) throw new Error(`${file}: no such file`);
      return conf;
    },
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  };
}

describe('kcp-payplus trace (CLI)', () => {
  let v200: string;
  let v214: string;
  before(() => {
    v200 = materializeLogs('v200');
    v214 = materializeLogs('v214');
  });
  const temps: string[] = [];
  after(() => {
    removeMaterialized();
    for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is registered as a sub-command', () => {
    assert.ok(commands.some((c) => c.name === 'trace'));
  });

  it('prints the story from --log-dir folders and exits 0', async () => {
    const io = capture();
    const code = await runTraceCommand(['20130326735120', '--log-dir', v200, '--log-dir', v214], io);
    assert.equal(code, 0);
    const out = io.out.join('');
    assert.equal(out.split('\n')[0], `kcp-payplus trace: log folders ${v200}, ${v214}`);
    assert.match(out, /\nTransaction 20130326735120 \(also: T00003QEGk5cKd0P, ORD130326-0003, T00003QEF25cKd0P\)\n/);
    assert.ok(out.includes('card_no=941061******8901'));
    assert.equal(out.includes('9410612345678901'), false);
    assert.deepEqual(io.files, []);
  });

  it('uses the config folders (g_conf_log_dir, <home>/log) without --log-dir', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kcp-trace-home-'));
    temps.push(home);
    const io = capture({ homeDir: home, logDir: v214 });
    const code = await runTraceCommand(['T000051BU160GRNn', '--config', '/etc/kcp/site_conf_inc.json', '--json'], io);
    assert.equal(code, 0);
    assert.deepEqual(io.files, ['/etc/kcp/site_conf_inc.json']);
    // With --json, stdout is the JSON alone; the line naming the config and folders goes to stderr.
    assert.equal(io.err.join(''), `kcp-payplus trace: config /etc/kcp/site_conf_inc.json (from --config), transport pp_cli, log folders ${v214}, ${home}/log\n`);
    const json = JSON.parse(io.out.join(''));
    assert.deepEqual(json.entries.map((e: { step: string; text: string }) => [e.step, e.text]), [
      ['TX_START', 'TX_START approval (tx_cd 00100000) site_cd=T0000 ordr_idxx=ORD-20240501-0009 log_level=3 opt=0'],
      ['요청 DATA 오류', 'ERROR 요청 DATA 오류 - 암호화 정보와 암호화 DATA 설정 오류'],
      ['TX_ENDED', 'TX_ENDED res_cd=9601 결제 정보 오류'],
    ]);
  });

  it('exits 1 when nothing matches and honours --since', async () => {
    const io = capture();
    assert.equal(await runTraceCommand(['ORD130326-0001', '--log-dir', v200, '--since', '2013-03-27'], io), 1);
    assert.equal(io.out.join(''), `kcp-payplus trace: log folders ${v200}\nNo log lines found for ORD130326-0001.\n`);
    assert.equal(await runTraceCommand(['ORD130326-0001', '--log-dir', v200, '--since', '2013-03-26'], io), 0);
  });

  it('exits 2 on usage errors and on a config that does not load', async () => {
    const io = capture();
    assert.equal(await runTraceCommand([], io), 2);
    assert.equal(await runTraceCommand(['a', 'b', '--log-dir', v200], io), 2);
    assert.equal(await runTraceCommand(['a', '--log-dir', v200, '--since', '2013-02-30'], io), 2);
    assert.equal(await runTraceCommand(['a', '--bogus'], io), 2);
    const saved = process.env['KCP_CONFIG'];
    delete process.env['KCP_CONFIG'];
    try {
      assert.equal(await runTraceCommand(['a'], io), 2);
    } finally {
      if (saved !== undefined) process.env['KCP_CONFIG'] = saved;
    }
    assert.deepEqual(io.files, [DEFAULT_CONFIG_PATH]);
    assert.equal(
      io.err.at(-1),
      `kcp-payplus trace: ${DEFAULT_CONFIG_PATH}: no such file\n(use --log-dir to read logs without a config)\n`,
    );
    assert.equal(io.err[2], 'kcp-payplus trace: --since must be a date YYYY-MM-DD, not "2013-02-30"\n');
  });

  it('parses --since as a local date and refuses impossible dates', () => {
    assert.equal(parseSince('2024-05-01')?.getTime(), new Date(2024, 4, 1).getTime());
    assert.equal(parseSince('2024-13-01'), undefined);
    assert.equal(parseSince('20240501'), undefined);
  });

  it('reads what the SDK logger writes (round trip, masked at write time)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcp-trace-rt-'));
    temps.push(dir);
    const logger = createFileLogger({ dir, level: 3, clock: () => new Date(2024, 6, 9, 15, 0, 0, 250) });
    logger.log({ level: 0, event: 'tx.end', traceNo: 'T00007993060GRNn', ordrIdxx: 'RT-1', fields: { tno: '20240709150000', card_no: '4579720012349876' } });
    logger.log({ level: 0, event: 'tx.end', traceNo: 'OTHER', ordrIdxx: 'RT-2' });
    logger.close();
    const r = traceTransaction('20240709150000', { dirs: [dir] });
    assert.deepEqual(r.entries.map((e) => [e.step, e.traceNo, e.ordrIdxx, e.fields.card_no]), [
      ['tx.end', 'T00007993060GRNn', 'RT-1', '457972******9876'],
    ]);
    assert.equal(r.entries[0].time.getTime(), new Date(2024, 6, 9, 15, 0, 0, 250).getTime());
  });
});
