/**
 * `npm run bench:mask`: masking and a long-input cancel(), measured against baselines taken in the same run.
 *
 * Targets it reports (printed, never asserted):
 *   - maskValue on a 140,000-character value < 10 ms (the cost of a plain regex scan of the same text is printed
 *     beside it, as the machine's yardstick);
 *   - linear in the input: 10x the input costs <= 12x the time, for plain text and for adversarial shapes;
 *   - cancel() end to end (argv built, runner answered, events masked into a level-3 logger) stays linear: 10x the
 *     reason costs <= 12x the time for reasons the module can carry; one refused as too long costs the same
 *     whatever its length (refused before it is encoded, scanned or masked).
 * Environment: BENCH_REPEAT (default 15; the median is printed).
 */
import { maskValue } from '../lib/log/mask.js';
import type { LogEvent, PayplusLogger } from '../lib/log/types.js';
import { PayPlus } from '../lib/payplus/payplus.js';
import type { Invocation, RunOutcome, Runner } from '../lib/runner/types.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 15);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => unknown | Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const ok = (cond: boolean) => (cond ? 'ok' : 'MISSED');
const ms = (x: number) => x.toFixed(3);

/** Answers every run at once with a canned success line, so the SDK's own work is what is measured. */
const cannedRunner: Runner = {
  name: 'canned',
  argvEncoding: 'euc-kr',
  async run(_invocation: Invocation): Promise<RunOutcome> {
    const line = 'res_cd=0000\x1fres_msg=OK\x1ftno=20130326962625\x1fmod_desc=buyer 010-1234-5678 kim@example.com\n';
    return { exitCode: 0, signal: null, stdout: Buffer.from(line), stderr: Buffer.alloc(0), timedOut: false, durationMs: 0 };
  },
};

/** Keeps every masked event (level 3), as a merchant hook would. */
const keepLogger: PayplusLogger & { events: LogEvent[] } = {
  events: [],
  log(event) {
    this.events.push(event);
    if (this.events.length > 100) this.events.length = 0;
  },
};

async function main(): Promise<void> {
  console.log('# kcp-payplus masking benchmark\n');
  console.log(`node ${process.version}; median of ${REPEAT} runs\n`);

  const long = 'A'.repeat(140_000);
  const scan = await time(() => /[\x1c-\x1f]/.test(long));
  const mask = await time(() => maskValue('mod_desc', long));
  console.log('| measurement | ms | target | |');
  console.log('|---|---|---|---|');
  console.log(`| regex scan of 140,000 chars (baseline) | ${ms(scan)} | | |`);
  console.log(`| maskValue, 140,000-char reason | ${ms(mask)} | < 10 ms | ${ok(mask < 10)} |`);
  console.log(`| … x baseline | ${(mask / scan).toFixed(1)}x | | |`);

  const shapes: Record<string, (n: number) => string> = {
    'ASCII letters': (n) => 'A'.repeat(n),
    'Hangul': (n) => '가'.repeat(n),
    'key=key=…': (n) => 'a='.repeat(n / 2),
    'res=[res=[…': (n) => 'res=['.repeat(n / 5),
    'digits': (n) => '1'.repeat(n),
    'cards, spaced': (n) => '4111 1111 1111 1111 '.repeat(n / 20),
    'phones': (n) => '010-1234-5678 '.repeat(n / 14),
    'a@b.a@b.…': (n) => 'a@b.'.repeat(n / 4),
  };
  console.log('\n| shape | 14,000 chars ms | 140,000 chars ms | ratio (<= 12) | |');
  console.log('|---|---|---|---|---|');
  for (const [name, make] of Object.entries(shapes)) {
    const small = make(14_000);
    const big = make(140_000);
    const a = await time(() => maskValue('mod_desc', small));
    const b = await time(() => maskValue('mod_desc', big));
    console.log(`| ${name} | ${ms(a)} | ${ms(b)} | ${(b / a).toFixed(1)} | ${ok(b / a <= 12)} |`);
  }

  const payplus = new PayPlus(
    {
      homeDir: '/srv/shop/kcp', keyDir: '', logDir: '/nonexistent/kcp', gwUrl: 'testpaygw.kcp.co.kr', gwPort: '8090',
      jsUrl: 'https://pay.kcp.co.kr/plugin/payplus_test.js', siteCd: 'T0000', siteKey: '3grptw1.zW0GSo4PQdaGvsF__',
      siteName: 'BENCH', moduleType: '01', logLevel: 3, ppCliLogLevel: 3, ppCliVersion: '2.14', binary: 'pp_cli',
      webRoots: [], allowNonstandardPort: false, notifyUrl: undefined, timeoutMs: 10_000, logRetentionDays: undefined,
      prunePpCliLogs: false, env: 'TEST', window: 'plugin',
    },
    { runner: cannedRunner, logger: keepLogger },
  );
  const cancel = async (reason: string) => {
    try {
      await payplus.cancel({ tno: '20130326962625', reason, custIp: '1.2.3.4' });
    } catch (err) {
      if (!(err instanceof Error && /mod_desc/.test(err.message))) throw err;
    }
  };
  console.log('\n| cancel() end to end | small ms | 10x ms | ratio (<= 12) | |');
  console.log('|---|---|---|---|---|');
  for (const [name, n, ch] of [
    ['carried: 2,800 / 28,000-char ASCII reason', 2_800, 'A'],
    ['carried: 1,500 / 15,000-char Hangul reason', 1_500, '가'],
    ['refused as too long: 40,000 / 400,000 chars', 40_000, 'A'],
  ] as const) {
    const a = await time(() => cancel(ch.repeat(n)));
    const b = await time(() => cancel(ch.repeat(n * 10)));
    console.log(`| ${name} | ${ms(a)} | ${ms(b)} | ${(b / a).toFixed(1)} | ${ok(b / a <= 12)} |`);
  }
}

await main();
