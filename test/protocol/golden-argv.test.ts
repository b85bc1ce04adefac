/**
 * Golden tests: the exact argv bytes PayPlus hands to pp_cli, checked against docs/pp-cli-protocol.md §1.2 (the approval and
 * cancel examples) and against its construction rules for the other requests. Expected Korean bytes were produced by
 * Python's euc_kr codec, independently of iconv-lite.
 */
import { silentLogger } from '../../lib/log/types.js';
import assert from 'node:assert/strict';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { testConfData } from '../helpers/conf.js';
import { CannedRunner } from '../helpers/canned-runner.js';

const US = '\x1f';
const OK = `res_cd=0000${US}res_msg=ok\n`;
const HEAD =
  'home=/srv/shop/kcp,site_cd=T0000,site_key=3grptw1.zW0GSo4PQdaGvsF__,tx_cd=00200000,pa_url=testpaygw.kcp.co.kr,pa_port=8090,';
const TAIL = ',enc_data=,enc_info=,trace_no=,cust_ip=1.2.3.4,log_path=/home100/kcp,log_level=3,opt=0';

/** latin1 text with `{hex}` placeholders replaced by raw bytes. */
function bytes(text: string): Buffer {
  const parts: Buffer[] = [];
  for (const piece of text.split(/(\{[0-9a-f]+\})/)) {
    if (piece.startsWith('{')) parts.push(Buffer.from(piece.slice(1, -1), 'hex'));
    else parts.push(Buffer.from(piece, 'latin1'));
  }
  return Buffer.concat(parts);
}

function setup(answer = OK) {
  const runner = new CannedRunner([answer]);
  const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner });
  return { runner, payplus };
}

describe('argv bytes (docs/pp-cli-protocol.md §1.2)', () => {
  it('approve: the documented card approval, byte for byte', async () => {
    const { runner, payplus } = setup(`res_cd=0000${US}res_msg=ok${US}tno=20240501000001${US}amount=1004\n`);
    await payplus.approve({
      tranCd: '00100000',
      encData: 'ENCDATA.abc-123_x',
      encInfo: 'ENCINFO.def',
      traceNo: '',
      ordrIdxx: '2024050112345678',
      amount: 1004,
      custIp: '1.2.3.4',
      usePayMethod: '100000000000',
    });
    const call = runner.calls[0]!;
    assert.equal(call.file, '/srv/shop/kcp/bin/pp_cli');
    assert.deepEqual(call.args[0], Buffer.from('-h'));
    assert.equal(call.args.length, 2);
    assert.deepEqual(
      runner.optionBytes(),
      bytes(
        'home=/srv/shop/kcp,site_cd=T0000,site_key=3grptw1.zW0GSo4PQdaGvsF__,tx_cd=00100000,' +
          'pa_url=testpaygw.kcp.co.kr,pa_port=8090,ordr_idxx=2024050112345678,payx_data=,' +
          `ordr_data=ordr_data=ordr_mony=1004${US}pay_type=PACA${US}ordr_no=2024050112345678${US},` +
          'rcvr_data=,escw_data=,modx_data=,enc_data=ENCDATA.abc-123_x,enc_info=ENCINFO.def,trace_no=,' +
          'cust_ip=1.2.3.4,log_path=/home100/kcp,log_level=3,opt=0',
      ),
    );
  });

  it('cancel: modx_data=mod_data=… with a Korean mod_desc in EUC-KR', async () => {
    const { runner, payplus } = setup();
    await payplus.cancel({ tno: '20130326962625', reason: '결과 처리 오류 - 자동 취소', custIp: '1.2.3.4' });
    assert.deepEqual(
      runner.optionBytes(),
      bytes(
        `${HEAD}ordr_idxx=,payx_data=,ordr_data=,rcvr_data=,escw_data=,` +
          `modx_data=mod_data=tno=20130326962625${US}mod_type=STSC${US}mod_ip=1.2.3.4${US}` +
          `mod_desc={b0e1b0fa20c3b3b8ae20bfc0b7f9202d20c0dab5bf20c3ebbcd2}${US}${TAIL}`,
      ),
    );
  });

  it('partial cancel: STPC with mod_mny, rem_mny and the complex-tax split', async () => {
    const { runner, payplus } = setup();
    await payplus.partialCancel({
      tno: '20130326962625',
      reason: '고객 요청 부분취소',
      custIp: '1.2.3.4',
      amount: 1100,
      cancellableBalance: 5000,
      tax: { taxAmount: 1000, vatAmount: 100, freeAmount: 0 },
    });
    assert.deepEqual(
      runner.optionBytes(),
      bytes(
        `${HEAD}ordr_idxx=,payx_data=,ordr_data=,rcvr_data=,escw_data=,` +
          `modx_data=mod_data=tno=20130326962625${US}mod_type=STPC${US}mod_ip=1.2.3.4${US}` +
          `mod_desc={b0edb0b420bfe4c3bb20bacebad0c3ebbcd2}${US}mod_mny=1100${US}rem_mny=5000${US}` +
          `tax_flag=TG03${US}mod_tax_mny=1000${US}mod_vat_mny=100${US}mod_free_mny=0${US}${TAIL}`,
      ),
    );
  });

  it('capture: STMR with no mod_desc item when no reason is given', async () => {
    const { runner, payplus } = setup();
    await payplus.capture({ tno: '20130326962625', custIp: '1.2.3.4' });
    assert.deepEqual(
      runner.optionBytes(),
      bytes(
        `${HEAD}ordr_idxx=,payx_data=,ordr_data=,rcvr_data=,escw_data=,` +
          `modx_data=mod_data=tno=20130326962625${US}mod_type=STMR${US}mod_ip=1.2.3.4${US}${TAIL}`,
      ),
    );
  });

  it('escrow STE1: shipping start with waybill number and courier', async () => {
    const { runner, payplus } = setup();
    await payplus.escrow({
      modType: 'STE1',
      tno: '20130326962625',
      custIp: '1.2.3.4',
      deliNumb: '123456789012',
      deliCorp: 'CJ',
    });
    assert.deepEqual(
      runner.optionBytes(),
      bytes(
        `${HEAD}ordr_idxx=,payx_data=,ordr_data=,rcvr_data=,escw_data=,` +
          `modx_data=mod_data=tno=20130326962625${US}mod_type=STE1${US}mod_ip=1.2.3.4${US}` +
          `deli_numb=123456789012${US}deli_corp=CJ${US}${TAIL}`,
      ),
    );
  });

  it('cash receipt issue: nested rcpt_data and corp_data inside ordr_data (07010000)', async () => {
    const { runner, payplus } = setup();
    await payplus.issueCashReceipt({
      ordrIdxx: 'ORDER-1',
      goodName: '테스트상품',
      tradTime: '20261126120000',
      trCode: '0',
      idInfo: '01000001234',
      amtTot: 1100,
      amtSup: 1000,
      amtSvc: 0,
      amtTax: 100,
      custIp: '1.2.3.4',
    });
    const rcpt =
      `user_type=PGNW${US}trad_time=20261126120000${US}tr_code=0${US}id_info=01000001234${US}amt_tot=1100${US}` +
      `amt_sup=1000${US}amt_svc=0${US}amt_tax=100${US}pay_type=PAXX${US}`;
    assert.deepEqual(
      runner.optionBytes(),
      bytes(
        'home=/srv/shop/kcp,site_cd=T0000,site_key=3grptw1.zW0GSo4PQdaGvsF__,tx_cd=07010000,' +
          'pa_url=testpaygw.kcp.co.kr,pa_port=8090,ordr_idxx=ORDER-1,payx_data=,' +
          `ordr_data=ordr_data=ordr_idxx=ORDER-1${US}good_name={c5d7bdbac6aebbf3c7b0}${US}` +
          `rcpt_data=${rcpt}${US}corp_data=corp_type=0${US}${US},` +
          'rcvr_data=,escw_data=,modx_data=,enc_data=,enc_info=,trace_no=,cust_ip=1.2.3.4,' +
          'log_path=/home100/kcp,log_level=3,opt=0',
      ),
    );
  });

  it('pp_cli 2.00 (variant A): no log_path key', async () => {
    const runner = new CannedRunner([OK]);
    const payplus = new PayPlus(testConfData({ ppCliVersion: '2.00' }), { logger: silentLogger, runner });
    await payplus.capture({ tno: '20130326962625', custIp: '1.2.3.4' });
    assert.match(runner.optionBytes().toString('latin1'), /,cust_ip=1\.2\.3\.4,log_level=3,opt=0$/);
  });

  it('the execa-style runner (UTF-8 argv) sends Korean text as UTF-8 with opt=1', async () => {
    const runner = new CannedRunner([OK], 'utf-8');
    const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner });
    await payplus.cancel({ tno: '20130326962625', reason: '자동 취소', custIp: '1.2.3.4' });
    const text = runner.optionBytes().toString('utf8');
    assert.ok(text.includes(`mod_desc=자동 취소${US}`), text);
    assert.ok(text.endsWith(',log_level=3,opt=1'), text);
  });

  it('the execa-style runner keeps opt=0 and identical bytes for ASCII requests', async () => {
    const a = new CannedRunner([OK], 'utf-8');
    const b = new CannedRunner([OK], 'euc-kr');
    for (const runner of [a, b]) {
      await new PayPlus(testConfData(), { logger: silentLogger, runner }).cancel({ tno: '20130326962625', reason: 'refund', custIp: '1.2.3.4' });
    }
    assert.deepEqual(a.optionBytes(), b.optionBytes());
  });

  it('pp_cli 2.00 through a UTF-8-only runner refuses Korean text, naming the native runner', async () => {
    const runner = new CannedRunner([OK], 'utf-8');
    const payplus = new PayPlus(testConfData({ ppCliVersion: '2.00' }), { logger: silentLogger, runner });
    await assert.rejects(payplus.cancel({ tno: '20130326962625', reason: '자동 취소', custIp: '1.2.3.4' }), {
      code: 'input_invalid',
      field: 'opt',
      message:
        "a value is not ASCII, and the 'canned' runner can only pass UTF-8 arguments, which pp_cli 2.00 cannot " +
        "read. Use the native runner (it carries EUC-KR bytes; build it with 'npm rebuild kcp-payplus') or pp_cli " +
        "2.14 with payplus.pp_cli_version '2.14'",
    });
    assert.equal(runner.calls.length, 0);
  });
});
