/**
 * Root hooks for every mocha run (loaded by .mocharc.json's `require`):
 * - the run's seed is printed once, fast-check draws from it (each test its own stream, derived from the seed and the
 *   test's full title), and a failing test is followed by the line that replays it;
 * - each test gets its own ChildScope (test/helpers/children.ts): what it started is killed when it ends, also when
 *   its timeout ended it; the hooks' scope ends with the run, and an exit handler kills whatever is left.
 */
import path from 'node:path';
import fc from 'fast-check';
import { closeTestScope, hooksScope, killEverything, openTestScope } from './children.js';
import { hash32, replayCommand, SEED } from './seed.js';

process.once('exit', killEverything);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killEverything();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

const baseFc = fc.readConfigureGlobal();

export const mochaHooks = {
  beforeAll(this: Mocha.Context) {
    // Under npx (npm_command 'exec') the lifecycle event is 'npx', not a script of ours.
    const script = process.env.npm_command === 'exec' ? undefined : process.env.npm_lifecycle_event;
    const again = script === 'test' ? 'npm test' : script ? `npm run ${script}` : 'the same command';
    console.log(`  SEED=${SEED} (replay this run: SEED=${SEED} ${again})`);
  },
  beforeEach(this: Mocha.Context) {
    const title = this.currentTest?.fullTitle() ?? '';
    openTestScope(title);
    fc.configureGlobal({ ...baseFc, seed: hash32(title, SEED) | 0 });
  },
  async afterEach(this: Mocha.Context) {
    const test = this.currentTest;
    const leftovers = await closeTestScope();
    if (test?.state === 'failed') {
      const file = test.file ? path.relative(process.cwd(), test.file) : undefined;
      console.log(`      ↳ SEED=${SEED}; replay: ${replayCommand(SEED, file, test.fullTitle())}`);
    }
    if (leftovers.length > 0) throw new Error(`processes this test started survived SIGKILL: ${leftovers.join('; ')}`);
  },
  async afterAll() {
    await hooksScope.close();
  },
};
