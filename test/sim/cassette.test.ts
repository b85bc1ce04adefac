/**
 * Cassettes: the committed sessions replay green with no simulator and no pp_cli; a changed request fails with a
 * readable diff; secrets never reach the file; the recording runner redacts argv and output bytes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { KcpAlreadyCancelledError, KcpConfigError } from '../../lib/errors.js';
import { REDACTED, loadCassette, redactArg, redactOutput, viewRequest } from '../../lib/runner/cassette.js';
import { RecordingRunner, parseBanner } from '../../lib/runner/record.js';
import { ReplayRunner, cassetteRunnerFromEnv } from '../../lib/runner/replay.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { CASSETTE_DIR, ESCROW_KEY, SCENARIOS, TEST_KEY, scenarioPayPlus, type ScenarioContext } from '../cassettes/scenarios.js';

const US = '\x1f';

function replayContext(runner: ReplayRunner): ScenarioContext {
  return {
    runner,
    gateway: { host: 'testpaygw.kcp.co.kr', port: '8090' },
    pay: (order) => ({
      enc_data: 'replayed.enc.data',
      enc_info: 'replayed.enc.info',
      tran_cd: '00100000',
      use_pay_method: order.method === 'vbank' ? '001000000000' : '100000000000',
    }),
  };
}

describe('cassettes', () => {
  describe('committed sessions (test/cassettes), replayed through PayPlus', () => {
    it('holds one cassette per scenario, and no other', () => {
      const files = readdirSync(CASSETTE_DIR).filter((f) => f.endsWith('.json')).sort();
      assert.deepEqual(files, SCENARIOS.map((s) => `${s.name}.json`).sort());
      assert.deepEqual(SCENARIOS.map((s) => s.name), [
        'card-approve-partial-cancel-cancel',
        'amount-mismatch-8059',
        'vbank-issue',
        'escrow-ship-then-cancel-refused',
        'cash-receipt-issue-query-cancel',
        'gateway-unreachable-s202',
      ]);
    });

    for (const scenario of SCENARIOS) {
      it(`replays ${scenario.name}: ${scenario.expect.join(' → ')}`, async () => {
        const runner = new ReplayRunner(join(CASSETTE_DIR, `${scenario.name}.json`));
        const results = await scenario.run(replayContext(runner));
        assert.deepEqual(results.map((r) => r.resCd), scenario.expect);
        assert.equal(runner.remaining, 0, 'every recorded interaction was used');
      });
    }

    it('replays realistic answers through PayPlus\'s typed results: the partial cancel leaves 4000', async () => {
      const runner = new ReplayRunner(join(CASSETTE_DIR, 'card-approve-partial-cancel-cancel.json'));
      const payplus = scenarioPayPlus(replayContext(runner));
      const approval = await payplus.approve({ tranCd: '00100000', encData: 'e', encInfo: 'i', ordrIdxx: 'CAS-CARD-1', amount: 5000, custIp: '10.0.0.1', usePayMethod: '100000000000' });
      assert.equal(approval.method, 'card');
      assert.equal(approval.amount, 5000);
      assert.match(approval.tno, /^20261126\d{6}$/);
      assert.equal(approval.method === 'card' && approval.cardName, 'KB국민카드');
      assert.equal(approval.raw.card_no, REDACTED);
      const part = await payplus.partialCancel({ tno: approval.tno, amount: 1000, cancellableBalance: 5000, reason: '부분 취소', custIp: '10.0.0.1' });
      assert.equal(part.cancelledAmount, 1000);
      assert.equal(part.remainingAmount, 4000);
      await payplus.cancel({ tno: approval.tno, reason: '고객 요청', custIp: '10.0.0.1' });
      await assert.rejects(payplus.cancel({ tno: approval.tno, reason: '고객 요청', custIp: '10.0.0.1' }), (err: unknown) => err instanceof KcpAlreadyCancelledError && err.resCd === '8133');
    });

    it('keeps no secret or personal data in any cassette file', () => {
      for (const scenario of SCENARIOS) {
        const path = join(CASSETTE_DIR, `${scenario.name}.json`);
        const text = readFileSync(path, 'utf8');
        const c = loadCassette(path);
        const bytes = Buffer.concat(c.interactions.flatMap((i) => [...i.request.argv, i.response.stdout].map((b) => Buffer.from(b, 'base64'))));
        for (const secret of [TEST_KEY, ESCROW_KEY, '홍길동', '01012345678']) {
          assert.ok(!text.includes(secret), `${scenario.name}: ${secret} in the JSON`);
          assert.ok(!bytes.includes(Buffer.from(secret, 'utf8')) && !bytes.includes(iconv.encode(secret, 'cp949')), `${scenario.name}: ${secret} in the bytes`);
        }
        assert.ok(!/"enc_data": "(?!\[REDACTED\]|")/.test(text), `${scenario.name}: enc_data not redacted`);
      }
    });

    it('fails a changed request with KcpConfigError and a readable diff against the closest recorded request', async () => {
      const path = join(CASSETTE_DIR, 'card-approve-partial-cancel-cancel.json');
      const payplus = scenarioPayPlus(replayContext(new ReplayRunner(path)));
      const approval = await payplus.approve({ tranCd: '00100000', encData: 'e', encInfo: 'i', ordrIdxx: 'CAS-CARD-1', amount: 5000, custIp: '10.0.0.1', usePayMethod: '100000000000' });
      const changed = payplus.partialCancel({ tno: approval.tno, amount: 1500, cancellableBalance: 5000, reason: '부분 취소', custIp: '10.0.0.1' });
      await assert.rejects(changed, (err: unknown) => {
        assert.ok(err instanceof KcpConfigError);
        assert.equal(err.field, 'cassette');
        assert.equal(err.message,
          `cassette ${path}: no recorded pp_cli interaction matches this request (tx_cd=00200000 mod_type=STPC); ` +
          'closest recorded request is interaction #1; differences:\n' +
          '  mod_data.mod_mny: recorded "1000", requested "1500"\n' +
          'Re-record the cassette (kcp-payplus record, see lib/sim/README.md) if the change is intended');
        return true;
      });
    });

    it('answers each recorded interaction once', async () => {
      const ctx = replayContext(new ReplayRunner(join(CASSETTE_DIR, 'amount-mismatch-8059.json')));
      assert.deepEqual((await SCENARIOS[1]!.run(ctx)).map((r) => r.resCd), ['8059']);
      await assert.rejects(SCENARIOS[1]!.run(ctx), /the matching interaction #0 was already played/);
    });

    it('names the problem when the cassette file is missing', () => {
      assert.throws(() => new ReplayRunner('/nonexistent/cassette.json'), (err: unknown) =>
        err instanceof KcpConfigError && /^cassette \/nonexistent\/cassette\.json: cannot be read \(ENOENT/.test(err.message));
    });
  });

  describe('redaction', () => {
    it('replaces site_key, enc_data, enc_info and personal items in argv bytes, keeping EUC-KR elsewhere intact', () => {
      const arg = Buffer.concat([
        Buffer.from(`site_cd=T0000,site_key=${TEST_KEY},ordr_data=ordr_data=buyr_name=`),
        iconv.encode('홍길동', 'cp949'),
        Buffer.from(`${US}good_name=`), iconv.encode('책', 'cp949'),
        Buffer.from(`${US}rcpt_data=id_info=01012345678${US}${US},enc_data=abc,enc_info=,trace_no=`),
      ]);
      const expected = Buffer.concat([
        Buffer.from(`site_cd=T0000,site_key=${REDACTED},ordr_data=ordr_data=buyr_name=${REDACTED}${US}good_name=`),
        iconv.encode('책', 'cp949'),
        Buffer.from(`${US}rcpt_data=id_info=${REDACTED}${US}${US},enc_data=${REDACTED},enc_info=,trace_no=`),
      ]);
      assert.deepEqual(redactArg(arg), expected);
      assert.deepEqual(redactArg(Buffer.from('-h')), Buffer.from('-h'));
    });

    it('replaces card numbers and names in result lines', () => {
      const out = Buffer.from(`res_cd=0000${US}card_no=5310708000009287${US}va_name=x${US}amount=5000\n`);
      assert.equal(redactOutput(out).toString(), `res_cd=0000${US}card_no=${REDACTED}${US}va_name=${REDACTED}${US}amount=5000\n`);
    });

    it('decodes the view with getsubopt semantics and splits data sets into items', () => {
      const view = viewRequest([Buffer.from('-h'), Buffer.from(
        `tx_cd=00100000,opt=0,payx_data=payx_data=common=amount=1000${US}currency=410${US}\x1ecard=card_mny=1000${US}\x1e,escw_data=escw_data=deli_term=03\x1d,tx_cd=00200000,mode=0`)]);
      assert.equal(view.options.tx_cd, '00200000');
      assert.equal(view.options.mode, '0');
      assert.deepEqual(view.sets.payx_data, { common: { amount: '1000', currency: '410' }, card: { card_mny: '1000' } });
      assert.deepEqual(view.sets.escw_data, { deli_term: '03' });
      assert.equal(view.encoding, 'euc-kr');
    });
  });

  describe('RecordingRunner', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'kcp-cassette-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('probes the banner, saves each redacted interaction, and returns the unredacted outcome to the caller', async () => {
      const banner = `\n${'='.repeat(70)}\n pp_cli - KCP PG CLIENT MODULE   ver 2.14\n${'-'.repeat(70)}\n`;
      const inner = new CannedRunner([
        { stderr: Buffer.from(banner), stdout: Buffer.from(`res_cd=S102${US}res_msg=x\n`), exitCode: 105 },
        Buffer.from(`res_cd=0000${US}card_no=5310708000009287${US}tno=20261126000001\n`),
      ]);
      const path = join(dir, 'c.json');
      const runner = new RecordingRunner(inner, path, { createdBy: 'test' });
      const outcome = await runner.run({ file: '/kcp/bin/pp_cli', args: [Buffer.from('-h'), Buffer.from(`site_key=${TEST_KEY},tx_cd=00100000`)], timeoutMs: 1000 });
      assert.ok(outcome.stdout.includes('5310708000009287'), 'the caller gets the real answer');
      assert.deepEqual(inner.calls[0]!.args, [Buffer.from('-x')]);
      const c = loadCassette(path);
      assert.deepEqual(c.meta.ppCli, { file: 'pp_cli', banner: 'pp_cli - KCP PG CLIENT MODULE   ver 2.14', version: '2.14' });
      assert.equal(c.interactions.length, 1);
      assert.equal(Buffer.from(c.interactions[0]!.request.argv[1]!, 'base64').toString(), `site_key=${REDACTED},tx_cd=00100000`);
      assert.equal(c.interactions[0]!.response.stdoutText, `res_cd=0000${US}card_no=${REDACTED}${US}tno=20261126000001\n`);
    });

    it('parses the v2.00 banner too', () => {
      assert.deepEqual(parseBanner(' pp_cli - PayPLUS CLIENT 모듈   ver 2.00\n'), { banner: 'pp_cli - PayPLUS CLIENT 모듈   ver 2.00', version: '2.00' });
    });
  });

  describe('cassetteRunnerFromEnv() (an explicit helper: only its caller is affected)', () => {
    const inner = new CannedRunner([]);
    it('leaves the runner alone without KCP_PAYPLUS_CASSETTE', () => {
      assert.equal(cassetteRunnerFromEnv(inner, {}), inner);
    });
    it('replays by default and records on request', () => {
      const path = join(CASSETTE_DIR, 'vbank-issue.json');
      assert.equal(cassetteRunnerFromEnv(inner, { KCP_PAYPLUS_CASSETTE: path }).name, 'replay');
      assert.equal(cassetteRunnerFromEnv(inner, { KCP_PAYPLUS_CASSETTE: '/tmp/x.json', KCP_PAYPLUS_CASSETTE_MODE: 'record' }).name, 'record');
      assert.equal(cassetteRunnerFromEnv(inner, { KCP_PAYPLUS_CASSETTE: '/tmp/x.json', KCP_PAYPLUS_CASSETTE_MODE: 'passthrough' }), inner);
    });
    it('refuses an unknown mode, naming the variable', () => {
      assert.throws(() => cassetteRunnerFromEnv(inner, { KCP_PAYPLUS_CASSETTE: '/tmp/x.json', KCP_PAYPLUS_CASSETTE_MODE: 'once' }),
        { message: "KCP_PAYPLUS_CASSETTE_MODE: 'once' is not a cassette mode; use replay, record or passthrough" });
    });
  });
});
