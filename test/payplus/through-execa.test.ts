/**
 * Transaction and PayPlus through the real spawn path (the execa runner) against a tiny fake pp_cli of this test's own:
 * a shell script that records its argv (NUL-separated) and prints a canned answer in EUC-KR.
 */
import { silentLogger } from '../../lib/log/types.js';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { KcpGatewayError } from '../../lib/errors.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { MemoryStore } from '../../lib/store/memory.js';
import { ExecaRunner } from '../../lib/runner/execa.js';
import { testConfData } from '../helpers/conf.js';

const US = '\x1f';

function fakeHome(): { home: string; argvFile: string; answerFile: string } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'kcp-fake-home-'));
  mkdirSync(path.join(home, 'bin'));
  const argvFile = path.join(home, 'argv.bin');
  const answerFile = path.join(home, 'answer.bin');
  const script = `#!/bin/sh\nprintf '%s\\0' "$@" > "$FAKE_ARGV"\ncat "$FAKE_ANSWER"\n`;
  writeFileSync(path.join(home, 'bin', 'pp_cli'), script);
  chmodSync(path.join(home, 'bin', 'pp_cli'), 0o755);
  return { home, argvFile, answerFile };
}

function recordedArgv(file: string): Buffer[] {
  const bytes = readFileSync(file);
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      out.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}

describe('Transaction and PayPlus through the execa runner and a fake pp_cli', () => {
  const { home, argvFile, answerFile } = fakeHome();
  const conf = testConfData({ homeDir: home, logDir: path.join(home, 'log') });
  const moduleEnv = { PATH: '/usr/bin:/bin', FAKE_ARGV: argvFile, FAKE_ANSWER: answerFile };
  const payplus = new PayPlus(conf, { logger: silentLogger, runner: new ExecaRunner(), moduleEnv, store: new MemoryStore() });

  it('Transaction mirrors C_PP_CLI: set data, doTx, getResData (EUC-KR answer decoded)', async () => {
    writeFileSync(
      answerFile,
      iconv.encode(`res_cd=0000${US}res_msg=정상처리${US}tno=20130326962625${US}card_name=삼성카드${US}amount=5000\n`, 'cp949'),
    );
    const tx = await payplus.transaction();
    tx.setOrdrData('ordr_mony', '5000').setEncxData('ENC.1', 'INF-2');
    const res = await tx.doTx({ txCd: '00100000', ordrIdxx: 'ORD-9', custIp: '127.0.0.1' });
    assert.equal(res.resCd, '0000');
    assert.equal(tx.getResData('card_name'), '삼성카드');
    assert.equal(tx.getResData('missing'), '');
    const argv = recordedArgv(argvFile);
    assert.equal(argv.length, 2);
    assert.equal(argv[0]!.toString(), '-h');
    assert.equal(
      argv[1]!.toString('latin1'),
      `home=${home},site_cd=T0000,site_key=3grptw1.zW0GSo4PQdaGvsF__,tx_cd=00100000,pa_url=testpaygw.kcp.co.kr,` +
        `pa_port=8090,ordr_idxx=ORD-9,payx_data=,ordr_data=ordr_data=ordr_mony=5000${US},rcvr_data=,escw_data=,` +
        `modx_data=,enc_data=ENC.1,enc_info=INF-2,trace_no=,cust_ip=127.0.0.1,log_path=${home}/log,log_level=3,opt=0`,
    );
  });

  it('PayPlus.approve returns a typed card approval keeping every raw field', async () => {
    writeFileSync(
      answerFile,
      iconv.encode(
        `res_cd=0000${US}res_msg=정상처리${US}pay_method=PACA${US}order_no=ORD-10${US}res_en_msg=processing completed${US}` +
          `card_cd=CCSS${US}card_name=삼성카드${US}acqu_cd=CCSS${US}acqu_name=삼성카드${US}card_no=531070******9287${US}` +
          `tno=20130326962625${US}amount=5000${US}card_mny=5000${US}escw_yn=N${US}app_time=20130326110751${US}` +
          `app_no=31756924${US}quota=00${US}noinf=N${US}partcanc_yn=Y${US}join_cd=0000\n`,
        'cp949',
      ),
    );
    const approval = await payplus.approve({
      tranCd: '00100000', encData: 'E', encInfo: 'I', ordrIdxx: 'ORD-10', amount: 5000, custIp: '127.0.0.1', usePayMethod: '100000000000',
    });
    assert.equal(approval.method, 'card');
    if (approval.method !== 'card') return;
    assert.equal(approval.tno, '20130326962625');
    assert.equal(approval.amount, 5000);
    assert.equal(approval.cardName, '삼성카드');
    assert.equal(approval.appNo, '31756924');
    assert.equal(approval.quota, '00');
    assert.equal(approval.partialCancelAllowed, true);
    assert.equal(approval.escrow, false);
    assert.equal(approval.raw.join_cd, '0000');
  });

  it('a success without a valid tno is an unknown outcome, not an approval nobody can cancel', async () => {
    writeFileSync(answerFile, `res_cd=0000${US}res_msg=ok${US}amount=5000\n`);
    await assert.rejects(
      payplus.approve({ tranCd: '00100000', encData: 'E', encInfo: 'I', ordrIdxx: 'ORD-12', amount: 5000, custIp: '127.0.0.1' }),
      {
        code: 'outcome_unknown',
        outcomeKnown: false,
        field: 'tno',
        message: `approval answered 0000 but without a valid tno (""); the payment may be approved and cannot be cancelled without it. Find it in KCP's admin by ordr_idxx ORD-12`,
      },
    );
  });

  it('a decline becomes KcpGatewayError with res_cd, res_msg and the raw fields', async () => {
    writeFileSync(answerFile, iconv.encode(`res_cd=8108${US}res_msg=카드번호 오류\n`, 'cp949'));
    await assert.rejects(
      payplus.approve({ tranCd: '00100000', encData: 'E', encInfo: 'I', ordrIdxx: 'ORD-11', amount: 100, custIp: '127.0.0.1' }),
      (err: unknown) => {
        assert.ok(err instanceof KcpGatewayError);
        assert.equal(err.code, 'gateway_refused');
        assert.equal(err.resCd, '8108');
        assert.equal(err.resMsg, '카드번호 오류');
        assert.equal(err.message, 'approval refused: 8108 카드번호 오류');
        return true;
      },
    );
  });

  it('S202 becomes KcpConnectionError with the fix, outcome known', async () => {
    writeFileSync(answerFile, iconv.encode(`res_cd=S202${US}res_msg=PG 서버 접속 오류\n`, 'cp949'));
    await assert.rejects(payplus.cancel({ tno: '20130326962625', reason: 'x', custIp: '127.0.0.1' }), {
      code: 'connection_failed',
      outcomeKnown: true,
      message:
        "STSC request failed: S202 PG 서버 접속 오류: pp_cli could not reach testpaygw.kcp.co.kr:8090; check DNS and the " +
        "firewall (ports 8090/8080 outbound), or run 'kcp-payplus doctor'",
    });
  });

  it('S204 (sent, answer lost) is an outcome-unknown error, not a connection error', async () => {
    writeFileSync(answerFile, iconv.encode(`res_cd=S204${US}res_msg=PG 서버 지불 DATA 수신 오류\n`, 'cp949'));
    await assert.rejects(payplus.cancel({ tno: '20130326962625', reason: 'x', custIp: '127.0.0.1' }), {
      name: 'KcpOutcomeUnknownError',
      code: 'outcome_unknown',
      resCd: 'S204',
      outcomeKnown: false,
      message: 'STSC request failed: S204 PG 서버 지불 DATA 수신 오류: the request may have reached KCP; do not retry before checking the transaction',
    });
  });

  it('Korean mod_desc travels as UTF-8 with opt=1 through execa', async () => {
    writeFileSync(answerFile, `res_cd=0000${US}res_msg=ok\n`);
    await payplus.cancel({ tno: '20130326962625', reason: '결과 처리 오류 - 자동 취소', custIp: '127.0.0.1' });
    const opt = recordedArgv(argvFile)[1]!;
    assert.ok(opt.includes(Buffer.from(`mod_desc=결과 처리 오류 - 자동 취소${US}`, 'utf8')));
    assert.ok(opt.toString('latin1').endsWith(',opt=1'));
  });
});

describe('what a merchant-supplied logger sees', () => {
  it('never a full card number, the site key or enc_data, at any level', async () => {
    const { home, answerFile, argvFile } = fakeHome();
    const events: string[] = [];
    const payplus = new PayPlus(testConfData({ homeDir: home, logDir: path.join(home, 'log') }), {
      runner: new ExecaRunner(),
      moduleEnv: { PATH: '/usr/bin:/bin', FAKE_ARGV: argvFile, FAKE_ANSWER: answerFile },
      store: new MemoryStore(),
      logger: { log: (e) => events.push(JSON.stringify(e)) },
    });
    writeFileSync(
      answerFile,
      `res_cd=0000${US}res_msg=ok${US}pay_method=PACA${US}card_no=5310708000009287${US}tno=20130326962625${US}amount=5000\n`,
    );
    await payplus.approve({
      tranCd: '00100000', encData: 'SECRETENCDATA.123', encInfo: 'SECRETINFO', ordrIdxx: 'LOG-1', amount: 5000,
      custIp: '127.0.0.1', usePayMethod: '100000000000',
    });
    const all = events.join('\n');
    assert.ok(events.some((e) => e.includes('"event":"tx.result"')), 'level 3 result event was emitted');
    assert.ok(all.includes('531070******9287'), all);
    for (const secret of ['5310708000009287', '3grptw1.zW0GSo4PQdaGvsF__', 'SECRETENCDATA', 'SECRETINFO']) {
      assert.equal(all.includes(secret), false, `${secret} leaked: ${all}`);
    }
  });
});
