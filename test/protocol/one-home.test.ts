/**
 * Rules that used to be written two to four times now have one home each (issue 12). These tests pin the reconciled
 * answer at every former copy, so a copy that comes back and drifts fails here.
 */
import assert from 'node:assert/strict';
import { parseBanner } from '../../lib/runner/record.js';
import { hasUsageBanner, interpretOutcome, parseResultLine } from '../../lib/protocol/result.js';
import { MINIMAL_ENV, spawnErrorFix, spawnErrorMessage } from '../../lib/runner/native.js';
import { parseOptionString, parseUsageBanner } from '../../lib/wire.js';
import { viewRequest, redactArg, redactOutput, REDACTED, SECRET_ITEMS, SECRET_OPTIONS } from '../../lib/runner/cassette.js';
import { maskFields, SENSITIVE_FIELD_NAMES } from '../../lib/log/mask.js';
import { resultFields } from '../../lib/trace/pp-cli-log.js';
import { PayPlus, silentLogger } from '../../lib/index.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { testConfData } from '../helpers/conf.js';

const US = '\x1f';
const RULE = '='.repeat(70);
const V214 = `${RULE}\n pp_cli - KCP PG CLIENT MODULE   ver 2.14\n${RULE}\n usage: pp_cli -h home=...\n`;
const V200 = `${RULE}\n pp_cli - PayPLUS CLIENT 모듈   ver 2.00\n${RULE}\n`;

describe('one home per rule', () => {
  it('reads a result line the same in the protocol and in the trace tool', () => {
    const line = `res_cd=0000${US}res_msg=정상처리${US}x=a=b&c${US}${US}flag${US}res_cd=9999`;
    const expected = { res_cd: '9999', res_msg: '정상처리', x: 'a=b&c', flag: '' };
    assert.deepEqual(parseResultLine(line), expected);
    assert.deepEqual(resultFields(line), expected);
  });

  it('reads -h with getsubopt semantics in the protocol and in the cassette view', () => {
    const arg = Buffer.from('site_cd=T0000,ordr_idxx=A=1,,flag,site_cd=EVIL,opt=0', 'latin1');
    const parsed = Object.fromEntries([...parseOptionString(arg)].map(([k, v]) => [k, v.toString('latin1')]));
    assert.deepEqual(parsed, { site_cd: 'EVIL', ordr_idxx: 'A=1', flag: '', opt: '0' });
    assert.deepEqual(viewRequest([Buffer.from('-h'), arg]).options, parsed);
  });

  it('knows the usage banner once: S102 detection, the recorder and doctor read the same line', () => {
    assert.equal(hasUsageBanner(V214), true);
    assert.equal(hasUsageBanner(V200), true);
    assert.equal(hasUsageBanner(' pp_cli - KCP PG CLIENT MODULE   ver 2.14\n'), false, 'no rule line above it');
    assert.equal(hasUsageBanner(`${RULE}\n fake - SOME OTHER TOOL   ver 1.00\n`), false, 'not a KCP module');
    assert.deepEqual(parseUsageBanner(V214), {
      banner: 'pp_cli - KCP PG CLIENT MODULE   ver 2.14',
      program: 'pp_cli',
      module: 'KCP PG CLIENT MODULE',
      version: '2.14',
    });
    assert.deepEqual(parseBanner(V200), { banner: 'pp_cli - PayPLUS CLIENT 모듈   ver 2.00', version: '2.00' });
    assert.deepEqual(parseBanner('nothing here\n'), {});
  });

  it('words a spawn failure from one errno table, in the runner and in the 9502 error', () => {
    for (const code of ['ENOENT', 'EACCES', 'ENOEXEC', 'EAGAIN']) {
      const fix = spawnErrorFix(code, '/h/bin/pp_cli');
      assert.equal(spawnErrorMessage(code, '/h/bin/pp_cli'), `/h/bin/pp_cli could not be started (${code}). Fix: ${fix}`);
      const outcome = {
        exitCode: null, signal: null, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: false, durationMs: 0,
        outputTruncated: false, spawnError: { code, message: 'whatever the runner said' },
      };
      assert.throws(() => interpretOutcome(outcome, 'euc-kr', '/h/bin/pp_cli'), {
        name: 'KcpModuleError',
        resCd: '9502',
        message: `9502 연동 모듈 호출 오류: cannot run pp_cli (${code}): ${fix}`,
      });
    }
    assert.equal(spawnErrorFix('EACCES', '/h/bin/pp_cli'), '/h/bin/pp_cli is not executable: chmod 755 /h/bin/pp_cli (and check the folder permissions and noexec mounts)');
  });

  it('masks and redacts from one list of sensitive names: whatever a log masks, a cassette replaces', () => {
    const all = Object.values(SENSITIVE_FIELD_NAMES).flat();
    assert.deepEqual([...SECRET_ITEMS].sort(), [...all].sort());
    for (const name of ['site_key', 'enc_data', 'enc_info']) assert.ok(SECRET_OPTIONS.has(name), name);
    // card_expiry was redacted in cassettes but logged as plain text: now both treat it as a secret.
    assert.deepEqual(maskFields({ card_expiry: '2912', card_no: '5310708000009287' }), { card_expiry: '[masked:4]', card_no: '531070******9287' });
    assert.equal(redactOutput(Buffer.from(`res_cd=0000${US}card_expiry=2912${US}buyr_name=홍길동${US}tno=1\n`)).toString(),
      `res_cd=0000${US}card_expiry=${REDACTED}${US}buyr_name=${REDACTED}${US}tno=1\n`);
    assert.equal(redactArg(Buffer.from('site_key=abc,tx_cd=00100000')).toString(), `site_key=${REDACTED},tx_cd=00100000`);
  });

  it('starts pp_cli with the runner\'s minimal environment when none is configured', async () => {
    const runner = new CannedRunner([`res_cd=0000${US}res_msg=ok${US}tno=20261126000001\n`]);
    const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner });
    await payplus.cancel({ tno: '20261126000001', reason: 'x', custIp: '127.0.0.1' });
    assert.deepEqual(runner.calls[0]!.env, MINIMAL_ENV);
    assert.deepEqual(MINIMAL_ENV, { PATH: '/usr/bin:/bin', LANG: 'C' });
  });
});
