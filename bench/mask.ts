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
 * Times are CPU time per call (process.cpuUsage), the fastest of BENCH_REPEAT samples (default 15) of at least 5 ms
 * of CPU each, small and large inputs alternated: on a shared machine wall time mostly measures the neighbours.
 */
import { maskValue } from '../lib/log/mask.js';
import type { LogEvent, PayplusLogger } from '../lib/log/types.js';
import { PayPlus } from '../lib/payplus/payplus.js';
import type { Invocation, RunOutcome, Runner } from '../lib/runner/types.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 15);

type Fn = () => unknown | Promise<unknown>;

/** CPU time of the process (user + system, ms) for `reps` calls, per call: other processes' load does not count. */
async function cpuPerCall(fn: Fn, reps: number): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) await fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / reps;
}

/** How many calls make one sample of at least 5 ms of CPU (the clock's resolution stays below 1% of a sample). */
async function calibrate(fn: Fn): Promise<number> {
  for (let reps = 1; ; reps *= 2) {
    if (reps >= 1 << 16 || (await cpuPerCall(fn, reps)) * reps >= 5) return reps;
  }
}

/**
 * Times two functions in alternation (a, b, a, b, …) so that both see the same conditions, as CPU time per call
 * (process.cpuUsage: on a shared machine, wall time counts the time other processes hold the cores), and keeps the
 * fastest sample of each.
 */
async function timePair(a: Fn, b: Fn, repeat = REPEAT): Promise<[number, number]> {
  const [ra, rb] = [await calibrate(a), await calibrate(b)]; // also the warm-up
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = 0; i < repeat; i++) {
    sa.push(await cpuPerCall(a, ra));
    sb.push(await cpuPerCall(b, rb));
  }
  return [Math.min(...sa), Math.min(...sb)];
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
  console.log(`node ${process.version}; CPU ms per call, fastest of ${REPEAT} samples of >= 5 ms CPU, small and large alternated\n`);

  const long = 'A'.repeat(140_000);
  const [scan, mask] = await timePair(() => /[\x1c-\x1f]/.test(long), () => maskValue('mod_desc', long));
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
    // issue 18: the shapes masking now reads (full-width, other separators, Hangul e-mails, %XX, JSON, names by name)
    'full-width digits': (n) => '０'.repeat(n),
    'dotted digits 1.1.1…': (n) => '1.'.repeat(n / 2),
    'spaced digits 1 1 1… (no card: shorter runs tried)': (n) => '1 '.repeat(n / 2),
    'card then a digit 4111 … 1111 7 …': (n) => '4111 1111 1111 1111 7 '.repeat(n / 22),
    'phone-like groups 02.02.02… (each tried)': (n) => '02.'.repeat(n / 3),
    'card-like groups 123.123.… (each tried)': (n) => '123.'.repeat(n / 4),
    'keys with digits a1=a1=…': (n) => 'a1='.repeat(n / 3),
    'a1-1-1-1…= (one long key with digits)': (n) => `a${'1-'.repeat(n / 2 - 1)}=`,
    'cards, full-width, spaced': (n) => '４１１１\u3000１１１１\u3000１１１１\u3000１１１１\u3000'.repeat(n / 20),
    'Hangul e-mail local parts 김@김@…': (n) => '김@'.repeat(n / 2),
    '%41%41… (decoded too)': (n) => '%41'.repeat(n / 3),
    '%40%40…': (n) => 'a%40'.repeat(n / 4),
    'JSON keys "a":"a":…': (n) => '"a":'.repeat(n / 4),
    'buyr_name=홍 a=… (name to next key)': (n) => `buyr_name=${'홍 a='.repeat(n / 5)}`,
    'spaces then key=': (n) => `buyr_name=${' '.repeat(n - 12)}a=`,
  };
  // A third size, 1,400,000 characters (5 samples): quadratic work would cost 100x per step, linear 10x; a step
  // a little above 10x with a flat next step is the cache (14,000 characters fit in it, 140,000 do not).
  console.log('\n| shape | 14,000 chars ms | 140,000 chars ms | ratio (<= 12) | | 1,400,000 chars ms | ratio |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [name, make] of Object.entries(shapes)) {
    const small = make(14_000);
    const big = make(140_000);
    const huge = make(1_400_000);
    const [a, b] = await timePair(() => maskValue('mod_desc', small), () => maskValue('mod_desc', big));
    const [, c] = await timePair(() => maskValue('mod_desc', big), () => maskValue('mod_desc', huge), 5);
    console.log(`| ${name} | ${ms(a)} | ${ms(b)} | ${(b / a).toFixed(1)} | ${ok(b / a <= 12)} | ${ms(c)} | ${(c / b).toFixed(1)} |`);
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
    const [a, b] = await timePair(() => cancel(ch.repeat(n)), () => cancel(ch.repeat(n * 10)));
    console.log(`| ${name} | ${ms(a)} | ${ms(b)} | ${(b / a).toFixed(1)} | ${ok(b / a <= 12)} |`);
  }
}

await main();
