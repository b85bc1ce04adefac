/**
 * The property tests' oracle (test/helpers/kcp-parse.ts) checked against the stand-in itself: random requests built
 * by Transaction go through the real runners to the stand-in (its C getsubopt, its opt=1 conversion) and on to the
 * simulator; what the simulator receives must equal what the oracle read from the same argument bytes.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { KcpInputError, PayPlus, SiteConf, silentLogger, type Runner } from '../../lib/index.js';
import type { Invocation } from '../../lib/runner/types.js';
import { ExecaRunner, startSimulator, type Simulator } from '../../lib/testing/index.js';
import { nativeRunner, requireAddon } from '../helpers/native.js';
import { carriedValue, kcpName } from '../helpers/arbitraries.js';
import { parseRequest } from '../helpers/kcp-parse.js';
import { standinPath } from '../sim/support/standin.js';

const RUNS = 150;
const SETTERS = ['setOrdrData', 'setRcvrData', 'setEscwData', 'setModxData', 'setPayxCommonData', 'setPayxCardData'] as const;
const COMPARED = ['site_cd', 'tx_cd', 'ordr_idxx', 'payx_data', 'ordr_data', 'rcvr_data', 'escw_data', 'modx_data', 'trace_no', 'cust_ip'];

// Both variants are always registered: without the addon the native one fails under CI (skips elsewhere) with the fix.
const runners: Array<[string, () => Runner]> = [
  ['native (EUC-KR, opt=0)', () => nativeRunner()],
  ['execa (UTF-8, opt=1)', () => new ExecaRunner()],
];

describe('oracle = stand-in: what kcp-parse reads is what the stand-in sends', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let home: string;
  before(async () => {
    sim = await startSimulator({ port: 0 });
    home = mkdtempSync(path.join(os.tmpdir(), 'kcp-oracle-'));
    mkdirSync(path.join(home, 'bin'));
    copyFileSync(standinPath(), path.join(home, 'bin', 'pp_cli'));
  });
  after(async () => {
    await sim.close();
    rmSync(home, { recursive: true, force: true });
  });

  for (const [label, make] of runners) {
    it(`${label}: ${RUNS} random requests`, async function () {
      if (label.startsWith('native')) requireAddon(this);
      let argument: Buffer | undefined;
      const inner = make();
      const recording: Runner = {
        name: inner.name,
        argvEncoding: inner.argvEncoding,
        run(invocation: Invocation) {
          argument = Buffer.from(invocation.args[1]!);
          return inner.run(invocation);
        },
      };
      // logs under <home>/log; Transaction needs no payment state, so none is configured
      const conf = SiteConf.testPreset({ homeDir: home, gwUrl: '127.0.0.1', gwPort: String(sim.port), jsUrl: `${sim.url}/plugin/payplus_test.js` });
      const payplus = new PayPlus(conf, { runner: recording, logger: silentLogger });
      let compared = 0;
      const call = fc.tuple(fc.constantFrom(...SETTERS), kcpName, carriedValue);
      await fc.assert(
        fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 4 }), async (calls) => {
          const tx = await payplus.transaction();
          try {
            for (const [setter, n, v] of calls) tx[setter](n, v);
            sim.state.requests.length = 0;
            argument = undefined;
            await tx.doTx({ txCd: '00200000', ordrIdxx: 'ORACLE-1', custIp: '127.0.0.1' });
          } catch (err) {
            if (err instanceof KcpInputError) return; // refusals are the other properties' business
            throw err;
          }
          const parsed = parseRequest(argument!);
          const received = sim.state.requests[0]!.fields;
          for (const key of COMPARED) {
            if (key === 'trace_no' && parsed.options.get(key) === '') continue; // the stand-in makes one
            assert.equal(received[key] ?? '', parsed.options.get(key) ?? '', key);
          }
          compared += 1;
        }),
        { numRuns: RUNS },
      );
      assert.ok(compared > RUNS / 4, `enough requests reached the stand-in (${compared})`);
    });
  }
});
