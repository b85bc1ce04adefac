/**
 * Re-record the committed cassettes: `npx tsx test/cassettes/record.ts`
 *
 * Starts the simulator (fixed clock, secret and tno sequence, so re-recording changes little), runs every scenario
 * of scenarios.ts through the stand-in pp_cli wrapped in a RecordingRunner, and writes test/cassettes/<name>.json.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { RecordingRunner } from '../../lib/runner/record.js';
import { startSimulator } from '../../lib/sim/index.js';
import { ExecaRunner } from '../../lib/runner/execa.js';
import { standinPath } from '../sim/support/standin.js';
import { CASSETTE_DIR, SCENARIOS } from './scenarios.js';

const sim = await startSimulator({
  port: 0, now: () => new Date(2026, 10, 26, 14, 29, 16), secret: 'cassette-recording', tnoStart: 962625,
});
try {
  const file = standinPath();
  for (const scenario of SCENARIOS) {
    const path = join(CASSETTE_DIR, `${scenario.name}.json`);
    rmSync(path, { force: true });
    const runner = new RecordingRunner(new ExecaRunner(), path, {
      createdBy: 'test/cassettes/record.ts (stand-in pp_cli + lib/sim simulator)', notes: scenario.description,
    });
    const results = await scenario.run({
      runner, file, gateway: { host: sim.host, port: String(sim.port) },
      pay: (order) => sim.pay({ ...order, cust_ip: '127.0.0.1' }),
    });
    const codes = results.map((r) => r.res_cd ?? '');
    const ok = JSON.stringify(codes) === JSON.stringify(scenario.expect);
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${scenario.name}: ${codes.join(' ')} -> ${path}\n`);
    if (!ok) process.exitCode = 1;
  }
} finally {
  await sim.close();
}
