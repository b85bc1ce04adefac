import assert from 'node:assert/strict';
import {
  BANKS,
  CARD_ACQUIRERS,
  CARD_ISSUERS,
  LEGACY_BANK_CODES,
  PAY_METHODS,
  RESULT_CODES,
  SECURITIES_COMPANIES,
  TRANSACTION_STATUS_CODES,
  TRANSACTION_STATUS_TABLE,
  VBANK_BANKS,
  currentBankCode,
  isDuplicateOrderCode,
  isSuccessCode,
  isVbankBankCode,
  lookupBank,
  lookupCardAcquirer,
  lookupCardIssuer,
  lookupDepositOpCode,
  lookupNotificationTxCode,
  lookupResultCode,
  lookupTransactionStatus,
  normalizeBankCode,
  payMethodsInBitmap,
  payMethodOfBitmap,
} from '../../lib/codes/index.js';
import { KcpInputError } from '../../lib/errors.js';
import { payMethodBitmap } from '../../lib/order/pay-method.js';
import { USE_PAY_METHOD, toApproval } from '../../lib/payplus/results.js';

describe('codes: cards', () => {
  it('has the 27 rows of the manual with issuer, acquirer and authentication', () => {
    assert.equal(CARD_ISSUERS.length, 27);
    assert.deepEqual(lookupCardIssuer('CCPH'), {
      code: 'CCPH',
      name: '우리카드',
      acquirerCode: 'CCBC',
      acquirerName: 'BC카드',
      auth: 'ISP',
    });
    assert.equal(lookupCardIssuer('cvsf')?.auth, 'OVERSEAS_3D');
    assert.equal(lookupCardIssuer('CAMF')?.auth, 'SSL');
    assert.equal(lookupCardIssuer('CCSS')?.auth, 'ANSIM_CLICK');
    assert.equal(lookupCardIssuer('CCZZ'), undefined);
  });

  it('derives the eight acquirers', () => {
    assert.deepEqual(
      CARD_ACQUIRERS.map((a) => a.code),
      ['CCKM', 'CCBC', 'CCKE', 'CCAM', 'CCHN', 'CCSS', 'CCLG', 'CCDI'],
    );
    assert.equal(lookupCardAcquirer('CCLG')?.name, '신한카드');
  });

  it('is frozen', () => {
    assert.ok(Object.isFrozen(CARD_ISSUERS));
    assert.ok(Object.isFrozen(CARD_ISSUERS[0]));
    assert.throws(() => (CARD_ISSUERS as unknown as unknown[]).push({}), TypeError);
  });
});

describe('codes: banks', () => {
  it('lists 22 banks, 17 securities companies, 6 legacy codes, 12 virtual-account banks', () => {
    assert.equal(BANKS.length, 22);
    assert.equal(SECURITIES_COMPANIES.length, 17);
    assert.equal(LEGACY_BANK_CODES.length, 6);
    assert.deepEqual(
      VBANK_BANKS.map((b) => b.code),
      ['03', '04', '05', '07', '11', '20', '23', '26', '32', '34', '71', '81'],
    );
  });

  it('normalises BK/B prefixes from results', () => {
    assert.equal(normalizeBankCode('BK04'), '04');
    assert.equal(normalizeBankCode('B209'), '209');
    assert.equal(normalizeBankCode(' bk88 '), '88');
    assert.equal(normalizeBankCode('11'), '11');
    assert.throws(() => normalizeBankCode('K4'), {
      name: 'KcpInputError',
      message:
        'bank_code "K4" is not a KCP bank code: expected two digits (04), BK + two digits (BK04), three digits (209) or B + three digits (B209).',
      field: 'bank_code',
    });
    assert.throws(() => normalizeBankCode('BK4'), KcpInputError);
  });

  it('maps merged legacy codes to the current bank', () => {
    const expected: Array<[string, string, string]> = [
      ['26', '88', '신한은행'],
      ['21', '88', '신한은행'],
      ['53', '27', '한국시티은행'],
      ['06', '04', '국민은행'],
      ['25', '81', '하나은행'],
      ['83', '20', '우리은행'],
    ];
    for (const [legacy, current, name] of expected) {
      assert.equal(currentBankCode(legacy), current);
      assert.equal(lookupBank(legacy)?.name, name);
      assert.equal(lookupBank(legacy)?.currentCode, current);
    }
    assert.deepEqual(lookupBank('21'), { code: '21', currentCode: '88', name: '신한은행', kind: 'bank', legacyName: '구,조흥은행' });
    assert.deepEqual(lookupBank('BK04'), { code: '04', currentCode: '04', name: '국민은행', kind: 'bank' });
    assert.deepEqual(lookupBank('B209'), { code: '209', currentCode: '209', name: '동양종합금융증권', kind: 'securities' });
    assert.equal(lookupBank('99'), undefined);
    assert.equal(lookupBank('nonsense'), undefined);
  });

  it('knows which banks issue virtual accounts (legacy 26, not 88)', () => {
    assert.equal(isVbankBankCode('26'), true);
    assert.equal(isVbankBankCode('BK03'), true);
    assert.equal(isVbankBankCode('88'), false);
    assert.equal(isVbankBankCode('39'), false);
  });
});

describe('codes: transaction status', () => {
  it('keeps all 55 rows and 53 distinct codes', () => {
    assert.equal(TRANSACTION_STATUS_TABLE.length, 55);
    assert.equal(TRANSACTION_STATUS_CODES.length, 53);
  });

  it('looks up single and double meanings', () => {
    assert.deepEqual(lookupTransactionStatus('STSR'), { code: 'STSR', labels: ['승인'], labelsEn: ['approved'] });
    assert.deepEqual(lookupTransactionStatus('stsc')?.labels, ['승인취소']);
    assert.deepEqual(lookupTransactionStatus('STMR')?.labels, ['매입요청']);
    assert.deepEqual(lookupTransactionStatus('STMT')?.labels, ['매입청구', '재매입요청']);
    assert.deepEqual(lookupTransactionStatus('STJC')?.labels, ['매입취소청구', '재매입취소']);
    assert.deepEqual(lookupTransactionStatus('STIV')?.labels, ['이체취소(정산 전)']);
    assert.equal(lookupTransactionStatus('STXX'), undefined);
  });
});

describe('codes: result codes', () => {
  it('explains the FAQ codes in Korean and English', () => {
    const r3014 = lookupResultCode('3014')!;
    assert.equal(r3014.message, '미등록 가맹점');
    assert.equal(r3014.category, 'config_invalid');
    assert.match(r3014.causeEn, /lower-case site_cd/);
    assert.match(r3014.cause, /소문자/);
    assert.equal(lookupResultCode('8001')!.message, '사이트 DB 설정 오류');
    assert.equal(lookupResultCode('9502')!.category, 'module_unavailable');
    assert.equal(lookupResultCode('s102')!.message, '연동 모듈 호출 오류');
    assert.equal(lookupResultCode('S202')!.category, 'connection_failed');
    assert.match(lookupResultCode('S202')!.fixEn, /telnet testpaygw\.kcp\.co\.kr 8090/);
    assert.equal(lookupResultCode('6003')!.message, '요청 전문 복호화 오류');
    assert.equal(lookupResultCode('8059')!.message, '포맷에러(지불정보-공통:결제금액 불일치)');
    assert.equal(lookupResultCode('8059')!.category, 'amount_mismatch');
    assert.equal(lookupResultCode('8169')!.message, '무이자 정보 불일치');
    assert.equal(lookupResultCode('8105')!.resEnMsg, 'format error(payment l credit card l amount)');
    assert.equal(lookupResultCode('CC72')!.message, '카드사 TIME-OUT');
    assert.equal(lookupResultCode('9601')!.message, '결제 정보 오류');
    assert.equal(lookupResultCode('9562')!.message, '연동 오류');
    assert.equal(lookupResultCode('1234'), undefined);
  });

  it('flags duplicate-order codes', () => {
    for (const code of ['8094', '8128', '8739', '8338', 'QP97']) {
      assert.equal(isDuplicateOrderCode(code), true, code);
      assert.equal(lookupResultCode(code)!.category, 'duplicate_order');
    }
    assert.equal(isDuplicateOrderCode('8059'), false);
    assert.equal(RESULT_CODES.filter((r) => r.duplicateOrder).length, 5);
  });

  it('treats only 0000 as success', () => {
    assert.equal(isSuccessCode('0000'), true);
    assert.equal(isSuccessCode('V000'), false);
    assert.equal(isSuccessCode('8059'), false);
  });
});

describe('codes: notifications and pay methods', () => {
  it('knows tx_cd and op_cd', () => {
    assert.equal(lookupNotificationTxCode('TX00')?.label, '가상계좌 입금 통보');
    assert.equal(lookupNotificationTxCode('TX09')?.confirmed, false);
    assert.equal(lookupDepositOpCode('13')?.cancellation, true);
    assert.equal(lookupDepositOpCode('50')?.label, '당행입금확인');
    assert.equal(lookupDepositOpCode('18')?.cancellation, false);
  });

  it('has the eight pay_method positions', () => {
    assert.deepEqual(
      PAY_METHODS.map((m) => `${m.name}=${m.bitmap}`),
      [
        'card=100000000000',
        'bank=010000000000',
        'vbank=001000000000',
        'point=000100000000',
        'mobile=000010000000',
        'tmoney=000000100000',
        'giftcard=000000001000',
        'kt=000000000010',
      ],
    );
    assert.deepEqual(payMethodsInBitmap('111000000000'), ['card', 'bank', 'vbank']);
  });

  // The reconciled table (lib/codes/pay-methods.ts): KCP's manual (docs/kcp-manual.md §3) names
  // 000000000010 KT전화결제, so the former `ars` copy in payplus/results.ts was wrong; 000000000100 is 티머니/교통카드
  // (docs/pp-cli-protocol.md §3.3), a window-only method, not Tong money (000000100000).
  it('reads use_pay_method through the same table: 000000000010 is kt, 000000000100 is transit', () => {
    assert.deepEqual(
      Object.entries(USE_PAY_METHOD).sort(),
      [
        ['000000000010', 'kt'],
        ['000000000100', 'transit'],
        ['000000001000', 'giftcard'],
        ['000000100000', 'tmoney'],
        ['000010000000', 'mobile'],
        ['000100000000', 'point'],
        ['001000000000', 'vbank'],
        ['010000000000', 'bank'],
        ['100000000000', 'card'],
      ],
    );
    assert.equal(payMethodOfBitmap('000000000100')?.label, '티머니/교통카드');
    assert.equal(payMethodOfBitmap('000000000010')?.label, 'KT전화결제');
    assert.equal(payMethodOfBitmap('110000000000'), undefined);
    assert.equal(USE_PAY_METHOD['constructor'], undefined);
    assert.equal(toApproval({ res_cd: '0000', tno: '20261126000001', ars_app_time: '20261126101010' }).method, 'kt');
    // The method is KCP's answer alone: an answer with neither a known pay_method nor method fields is 'unknown'.
    assert.equal(toApproval({ res_cd: '0000', tno: '20261126000001', app_time: '20261126101010' }).method, 'unknown');
    assert.throws(() => payMethodBitmap('000000000100'), { message: /sets position 10 in 000000000100, which the order form does not define/ });
    assert.equal(payMethodBitmap(['kt', 'tmoney']), '000000100010');
  });
});
