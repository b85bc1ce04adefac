/**
 * Re-record the committed cassettes: `npx tsx test/cassettes/record.ts`
 *
 * Starts the simulator (fixed clock, secret and tno sequence, so re-recording changes little), runs every scenario
 * of scenarios.ts (PayPlus calls) over the stand-in pp_cli wrapped in a RecordingRunner, and writes
 * test/cassettes/<name>.json.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RecordingRunner } from '../../lib/runner/record.js';
import { startSimulator } from '../../lib/sim/index.js';
import { ExecaRunner } from '../../lib/runner/execa.js';
import { standinPath } from '../sim/support/standin.js';
import { CASSETTE_DIR, CASSETTE_HOME, CUST_IP, SCENARIOS } from './scenarios.js';

const sim = await startSimulator({
  port: 0, now: () => new Date(2026, 10, 26, 14, 29, 16), secret: 'cassette-recording', tnoStart: 962625,
});
try {
  const file = standinPath();
  mkdirSync(join(CASSETTE_HOME, 'bin'), { recursive: true });
  copyFileSync(file, join(CASSETTE_HOME, 'bin', 'pp_cli'));
  for (const scenario of SCENARIOS) {
    const path = join(CASSETTE_DIR, `${scenario.name}.json`);
    rmSync(path, { force: true });
    const runner = new RecordingRunner(new ExecaRunner(), path, {
      createdBy: 'test/cassettes/record.ts (PayPlus over the stand-in pp_cli + lib/sim simulator)', notes: scenario.description,
    });
    const results = await scenario.run({
      runner, gateway: { host: sim.host, port: String(sim.port) },
      moduleEnv: { PATH: '/usr/bin:/bin', LANG: 'C', KCP_STANDIN_NOW: '20261126142916' },
      pay: (order) => sim.pay({ ...order, cust_ip: CUST_IP }),
    });
    const codes = results.map((r) => r.resCd);
    const ok = JSON.stringify(codes) === JSON.stringify(scenario.expect);
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${scenario.name}: ${codes.join(' ')} -> ${path}\n`);
    if (!ok) process.exitCode = 1;
  }
} finally {
  await sim.close();
}
