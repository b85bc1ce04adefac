/**
 * The merchant's recording story end to end: `kcp-payplus record -- <their script>` records every pp_cli call their
 * unchanged PayPlus code makes (here against the stand-in and the simulator; in real life KCP's module and test
 * gateway), and the same PayPlus calls then replay from the cassette with no binary and no gateway at all.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../lib/cli/index.js';
import { PayPlus, SiteConf, silentLogger } from '../../lib/index.js';
import { MemoryStore, ReplayRunner, startSimulator } from '../../lib/testing/index.js';
import { standinPath } from '../sim/support/standin.js';

describe('recording a PayPlus session with `kcp-payplus record`, then replaying it', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-rec-'));
  const cassette = path.join(dir, 'session.json');
  const home = path.join(dir, 'kcp');
  let recorded = { tno: '', remaining: '' };
  let simPort = '';

  before(async () => {
    mkdirSync(path.join(home, 'bin'), { recursive: true });
    copyFileSync(standinPath(), path.join(home, 'bin', 'pp_cli'));
    const sim = await startSimulator({ port: 0 });
    simPort = String(sim.port);
    try {
      const window = sim.pay({ site_cd: 'T0000', ordr_idxx: 'REC-ORDER-1', good_mny: 7000, method: 'card' });
      const outFile = path.join(dir, 'out.txt');
      const env = { KCP_HOME: home, SIM_PORT: simPort, SIM_URL: sim.url, WINDOW_JSON: JSON.stringify(window), OUT_FILE: outFile };
      Object.assign(process.env, env);
      const out: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((c: string) => (out.push(String(c)), true)) as typeof process.stderr.write;
      let code: number;
      try {
        code = await main(['record', '--cassette', cassette, '--', process.execPath, '--import', 'tsx', 'test/fixtures/cassette/merchant-flow.ts']);
      } finally {
        process.stderr.write = write;
        for (const k of Object.keys(env)) delete process.env[k];
      }
      assert.equal(code, 0, out.join(''));
      assert.equal(
        out.join(''),
        `kcp-payplus record: 2 interaction(s) saved to ${cassette} (pp_cli - KCP PG CLIENT MODULE   ver 2.14); ` +
          'secrets replaced by placeholders\n',
      );
      const [tno, remaining] = readFileSync(outFile, 'utf8').trim().split(' ');
      recorded = { tno: tno!, remaining: remaining! };
    } finally {
      await sim.close();
    }
  });

  function replayingPayPlus(bind?: string[]): PayPlus {
    const conf = SiteConf.testPreset({
      homeDir: '/nonexistent/kcp', // no binary anywhere: replay must not need one
      logDir: path.join(dir, 'replay-log'),
      gwUrl: '127.0.0.1',
      gwPort: simPort, // the simulator is closed by now
      jsUrl: `http://127.0.0.1:${simPort}/plugin/payplus_test.js`,
    });
    return new PayPlus(conf, { runner: new ReplayRunner(cassette, { bind }), logger: silentLogger, store: new MemoryStore() });
  }

  it('keeps no site key, enc_data or enc_info in the cassette', () => {
    const text = readFileSync(cassette, 'utf8');
    assert.equal(text.includes('3grptw1.zW0GSo4PQdaGvsF__'), false);
    assert.equal(/"enc_data":\s*"(?!\[REDACTED\])[A-Za-z0-9._-]{8,}/.test(text), false);
  });

  it('replays the same PayPlus calls with no binary and no gateway', async () => {
    const payplus = replayingPayPlus();
    const approval = await payplus.approve({
      tranCd: '00100000', encData: 'anything.the.window.posted', encInfo: 'x', ordrIdxx: 'REC-ORDER-1', amount: 7000,
      custIp: '10.9.8.7', usePayMethod: '100000000000',
    });
    assert.equal(approval.tno, recorded.tno);
    assert.equal(approval.method, 'card');
    const partial = await payplus.partialCancel({ tno: approval.tno, amount: 2000, cancellableBalance: 7000, reason: '부분 취소', custIp: '10.9.8.7' });
    assert.equal(String(partial.remainingAmount), recorded.remaining);
  });

  it('replays a run whose order id was generated anew, when told which fields are generated', async () => {
    const approve = (payplus: PayPlus, ordrIdxx: string) =>
      payplus.approve({ tranCd: '00100000', encData: 'e', encInfo: 'i', ordrIdxx, amount: 7000, custIp: '127.0.0.1', usePayMethod: '100000000000' });
    await assert.rejects(approve(replayingPayPlus(), 'GEN-20261126-42'), /ordr_idxx: recorded "REC-ORDER-1", requested "GEN-20261126-42"/);
    const approval = await approve(replayingPayPlus(['ordr_idxx', 'ordr_no']), 'GEN-20261126-42');
    assert.equal(approval.tno, recorded.tno);
  });

  it('fails a changed request with a readable diff', async () => {
    const payplus = replayingPayPlus();
    await assert.rejects(
      payplus.approve({ tranCd: '00100000', encData: 'e', encInfo: 'i', ordrIdxx: 'REC-ORDER-1', amount: 7001, custIp: '127.0.0.1', usePayMethod: '100000000000' }),
      (err: Error) => {
        assert.match(err.message, /ordr_mony/);
        assert.match(err.message, /7000/);
        assert.match(err.message, /7001/);
        return true;
      },
    );
  });
});
