import assert from 'node:assert/strict';

import {
  maskCardNumber,
  maskFields,
  maskMail,
  maskPhone,
  maskText,
  maskValue,
} from '../../lib/log/index.js';

const US = '\x1f';
const RS = '\x1e';
const TEST_KEY = '3grptw1.zW0GSo4PQdaGvsF__';

describe('log/mask', () => {
  it('keeps the first 6 and last 4 digits of a card number, whatever its grouping', () => {
    assert.equal(maskCardNumber('5310708000009287'), '531070******9287');
    assert.equal(maskCardNumber('4518-4400-0000-1234'), '4518-44**-****-1234');
    assert.equal(maskCardNumber('4518440000001'), '451844***0001');
    assert.equal(maskCardNumber('6250941234567890123'), '625094*********0123');
  });

  it('masks phones and mail addresses', () => {
    assert.equal(maskPhone('010-1234-5678'), '010-****-5678');
    assert.equal(maskPhone('01012345678'), '010****5678');
    assert.equal(maskPhone('1234'), '**34');
    assert.equal(maskMail('kim.cheolsu@example.co.kr'), 'k***@example.co.kr');
    assert.equal(maskMail('nomail'), '******');
  });

  it('masks secrets by name, whatever their shape, and keeps only the length', () => {
    assert.deepEqual(
      maskFields({
        site_key: TEST_KEY,
        enc_data: 'Zm9vYmFy.abc-def',
        enc_info: 'x',
        bt_batch_key: 'BK2024ABCDEF',
        batch_key: '1234',
        siteKey: TEST_KEY,
        empty_secret: '',
        enc_data_empty: '',
      }),
      {
        site_key: '[masked:25]',
        enc_data: '[masked:16]',
        enc_info: '[masked:1]',
        bt_batch_key: '[masked:12]',
        batch_key: '[masked:4]',
        siteKey: '[masked:25]',
        empty_secret: '',
        enc_data_empty: '',
      },
    );
  });

  it('masks buyer contact fields and card fields, in any naming style, in nested objects and arrays', () => {
    assert.deepEqual(
      maskFields({
        buyr_tel1: '02-2108-1000',
        buyr_tel2: '010-1234-5678',
        buyr_mail: 'buyer@example.com',
        mobile_no: '01098765432',
        nested: { cardNo: '5310708000009287', list: [{ card_no: '4518440000001234' }] },
        card_no_already_masked: '531070******9287',
      }),
      {
        buyr_tel1: '02-2***-1000',
        buyr_tel2: '010-****-5678',
        buyr_mail: 'b***@example.com',
        mobile_no: '010****5432',
        nested: { cardNo: '531070******9287', list: [{ card_no: '451844******1234' }] },
        card_no_already_masked: '531070******9287',
      },
    );
  });

  it('finds 13–19 digit runs in any field and in free text', () => {
    assert.equal(
      maskValue('message', 'card 4518 4400 0000 1234 declined; retry 4518440000001234.'),
      'card 4518 44** **** 1234 declined; retry 451844******1234.',
    );
    assert.equal(maskValue('amount', 5000), 5000);
    assert.equal(maskValue('memo', 5310708000009287), '531070******9287');
    assert.equal(maskText('short 123456789012 stays'), 'short 123456789012 stays');
    assert.equal(maskText('twenty digits 12345678901234567890 stay'), 'twenty digits 12345678901234567890 stay');
  });

  it('keeps tno, timestamps and order numbers traceable', () => {
    assert.deepEqual(maskFields({ tno: '20130326962625', ordr_idxx: '2024050112345678', app_time: '20130326110751' }), {
      tno: '20130326962625',
      ordr_idxx: '2024050112345678',
      app_time: '20130326110751',
    });
    assert.equal(maskText('cancel of 20130326962625 done'), 'cancel of 20130326962625 done');
  });

  it('masks inside US-joined data sets (ordr_data, mod_data) and nested payx subsets', () => {
    const ordr = `ordr_data=ordr_mony=1004${US}buyr_tel1=010-1234-5678${US}buyr_mail=kim@example.com${US}good_name=book${US}`;
    assert.equal(
      maskValue('ordr_data', ordr),
      `ordr_data=ordr_mony=1004${US}buyr_tel1=010-****-5678${US}buyr_mail=k***@example.com${US}good_name=book${US}`,
    );
    const payx = `payx_data=common=amount=1000${US}${RS}card=card_mny=1000${US}bt_batch_key=BK77ZZ99${US}${RS}`;
    assert.equal(
      maskValue('payx_data', payx),
      `payx_data=common=amount=1000${US}${RS}card=card_mny=1000${US}bt_batch_key=[masked:8]${US}${RS}`,
    );
    const mod = `mod_data=tno=20130326962625${US}mod_type=STSC${US}mod_ip=1.2.3.4${US}`;
    assert.equal(maskValue('modx_data', mod), mod);
    // a cash receipt: the buyer's identity sits in rcpt_data, nested inside ordr_data
    const cash = `ordr_data=ordr_idxx=A${US}rcpt_data=user_type=PGNW${US}id_info=01000001234${US}amt_tot=1100${US}${US}`;
    assert.equal(
      maskValue('ordr_data', cash),
      `ordr_data=ordr_idxx=A${US}rcpt_data=user_type=PGNW${US}id_info=010****1234${US}amt_tot=1100${US}${US}`,
    );
  });

  it('masks a raw result line and a pp_cli log line', () => {
    const res =
      `res_cd=0000${US}res_msg=정상처리${US}card_no=5310708000009287${US}tno=20130326962625${US}` +
      `amount=5000${US}mobile_no=01012345678${US}app_no=31756924`;
    assert.equal(
      maskText(res),
      `res_cd=0000${US}res_msg=정상처리${US}card_no=531070******9287${US}tno=20130326962625${US}` +
        `amount=5000${US}mobile_no=010****5678${US}app_no=31756924`,
    );
    assert.equal(
      maskText(`0326-110751 - 12345 - T00003QB32AibeOk - MSG : TX_ENDED - res=[${res}]`),
      `0326-110751 - 12345 - T00003QB32AibeOk - MSG : TX_ENDED - res=[${maskText(res)}]`,
    );
  });

  it('masks a pp_cli option string (site_key, enc_data, enc_info) and keeps the rest', () => {
    const opt =
      `home=/srv/kcp,site_cd=T0000,site_key=${TEST_KEY},tx_cd=00100000,pa_url=testpaygw.kcp.co.kr,pa_port=8090,` +
      `ordr_idxx=2024050112345678,ordr_data=ordr_data=ordr_mony=1004${US},enc_data=AbC.dEf-123,enc_info=QwE_rTy,` +
      `trace_no=,cust_ip=1.2.3.4,log_level=3,opt=0`;
    assert.equal(
      maskText(opt),
      `home=/srv/kcp,site_cd=T0000,site_key=[masked:25],tx_cd=00100000,pa_url=testpaygw.kcp.co.kr,pa_port=8090,` +
        `ordr_idxx=2024050112345678,ordr_data=ordr_data=ordr_mony=1004${US},enc_data=[masked:11],enc_info=[masked:7],` +
        `trace_no=,cust_ip=1.2.3.4,log_level=3,opt=0`,
    );
  });

  it('masks Errors by message and Buffers by size', () => {
    assert.deepEqual(maskValue('error', new Error('bad site_key=3grptw1.zW0GSo4PQdaGvsF__')), {
      name: 'Error',
      message: 'bad site_key=[masked:25]',
    });
    assert.equal(maskValue('stdout', Buffer.from('res_cd=0000')), '[11 bytes]');
  });

  it('does not change its input', () => {
    const input = { card_no: '5310708000009287', inner: { site_key: TEST_KEY } };
    maskFields(input);
    assert.deepEqual(input, { card_no: '5310708000009287', inner: { site_key: TEST_KEY } });
  });
});

describe('masking twice', () => {
  it('changes nothing (a merchant logger may receive already-masked fields)', () => {
    const once = maskFields({
      card_no: '5310708000009287',
      buyr_tel1: '010-1234-5678',
      id_info: '01000001234',
      site_key: '3grptw1.zW0GSo4PQdaGvsF__',
      res: `res_cd=0000${US}card_no=4111111111111111${US}mobile_no=01098765432`,
    });
    assert.deepEqual(maskFields(once), once);
  });
});

describe('masking by shape (issue 14)', () => {
  it('masks phone numbers and e-mail addresses under any name and inside message text', () => {
    assert.deepEqual(
      maskFields({ hp_num: '01012345678', cust_tel: '02-2108-1000', email_addr: 'kim@example.com', memo: 'x' }),
      { hp_num: '010****5678', cust_tel: '02-2***-1000', email_addr: 'k***@example.com', memo: 'x' },
    );
    assert.equal(
      maskText('call 010-1234-5678 or 031.123.4567, mail kim.cs@example.co.kr; res_msg=문의 070-1234-5678'),
      'call 010-****-5678 or 031.***.4567, mail k***@example.co.kr; res_msg=문의 070-****-5678',
    );
    assert.equal(maskValue('res_msg', `a${US}buyr=kim@example.com${US}tel=01098765432`), `a${US}buyr=k***@example.com${US}tel=010****5432`);
  });

  it('keeps amounts, dates, IPs, tno, order ids and trace numbers that look like nothing personal', () => {
    const text = 'amount=5000 at 2024-05-01 10:15 from 1.2.3.4 tno=20130326962625 trace T00003QB32AibeOk res_cd=0000';
    assert.equal(maskText(text), text);
    assert.equal(maskValue('ordr_idxx', '01012345678'), '01012345678');
    assert.equal(maskText('ordr_idxx=01012345678 buyr=01012345678'), 'ordr_idxx=01012345678 buyr=010****5678');
  });

  it('is idempotent on shapes', () => {
    const once = maskText('010-1234-5678 kim@example.com 4111111111111111 site_key=abc');
    assert.equal(maskText(once), once);
    assert.equal(once, '010-****-5678 k***@example.com 411111******1111 site_key=[masked:3]');
  });

  it('reads long and adversarial input in one pass, without recursion (140,000 characters)', () => {
    const n = 140_000;
    assert.equal(maskText('A'.repeat(n)), 'A'.repeat(n));
    assert.equal(maskText('a='.repeat(n / 2)), 'a='.repeat(n / 2)); // nested key=key=… used to recurse per item
    assert.equal(maskText('res=['.repeat(n / 5)), 'res=['.repeat(n / 5));
    assert.equal(maskText(`site_key=${'k='.repeat(n / 2)}`), `site_key=[masked:${n}]`);
    assert.equal(maskText(`${'1'.repeat(n)}`), '1'.repeat(n)); // longer than 19 digits: not a card
    const cards = '4111111111111111 '.repeat(1000);
    assert.equal(maskText(cards), '411111******1111 '.repeat(1000));
    // issue 18: the shapes read since (full-width, other separators, Hangul e-mails, %XX, JSON keys, names to the next
    // key, runs tried again from a later group)
    for (const unchanged of [
      '０'.repeat(n), '1.'.repeat(n / 2), '1 '.repeat(n / 2), '123.'.repeat(n / 4), '02.'.repeat(n / 3),
      '김@'.repeat(n / 2), '%41'.repeat(n / 3), 'a%40'.repeat(n / 4), '"a":'.repeat(n / 4), 'a1='.repeat(n / 3),
      `buyr_name=홍${' a=홍'.repeat(n / 5)}`,
    ]) {
      assert.equal(maskText(unchanged), unchanged);
    }
    assert.equal(maskText(`buyr_name=${' '.repeat(n)}a=`), `buyr_name=${' '.repeat(n)}a=`);
    assert.equal(maskText('４１１１\u3000１１１１\u3000１１１１\u3000１１１１ '.repeat(1000)), '４１１１\u3000１１**\u3000****\u3000１１１１ '.repeat(1000));
  });
});
