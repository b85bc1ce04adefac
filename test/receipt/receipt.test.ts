import assert from 'node:assert/strict';
import { cashReceiptLink, cashReceiptUrl, receiptLink, receiptUrl } from '../../lib/receipt/index.js';
import type { Gateway } from '../../lib/sim/gateway.js';
import { RECEIPT_PATH, receiptPage } from '../../lib/sim/receipt.js';

const BILL = 'https://admin8.kcp.co.kr/assist/bill.BillAction.do';

describe('receiptUrl() with host (the simulator)', () => {
  it('keeps KCP\'s path and query on the given origin', () => {
    assert.equal(
      receiptUrl({ kind: 'card', tno: '20261128000001', env: 'TEST', host: 'http://127.0.0.1:8090' }),
      'http://127.0.0.1:8090/assist/bill.BillAction.do?cmd=card_bill&tno=20261128000001',
    );
    assert.throws(() => receiptUrl({ kind: 'card', tno: '20261128000001', host: '127.0.0.1:8090/x' }), {
      message: 'host must be an http(s) origin such as "http://127.0.0.1:8090"; got "127.0.0.1:8090/x".',
    });
  });
});

describe('the simulator\'s receipt page', () => {
  const tx = { tno: '20261128000001', ordrIdxx: 'ORD-1', method: 'card', amount: 1004, balance: 1004, state: 'approved', appTime: '20261128091530' };
  const gateway = { transactions: new Map([[tx.tno, tx]]) } as unknown as Gateway;

  it('shows the simulator\'s transaction on KCP\'s slip path', () => {
    const page = receiptPage(gateway, new URLSearchParams({ cmd: 'card_bill', tno: tx.tno }));
    assert.equal(page.status, 200);
    assert.ok(page.html.includes('<h1>신용카드 매출전표</h1>'));
    assert.ok(page.html.includes('<tr><th>거래번호 (tno)</th><td id="거래번호">20261128000001</td></tr>'));
    assert.ok(page.html.includes('<td id="결제금액">1,004원</td>'));
    assert.equal(RECEIPT_PATH, new URL(receiptUrl({ kind: 'card', tno: tx.tno })).pathname);
  });

  it('answers 404 for a tno it does not know, escaped', () => {
    const page = receiptPage(gateway, new URLSearchParams({ cmd: 'card_bill', tno: '<x>' }));
    assert.equal(page.status, 404);
    assert.ok(page.html.includes('<code>&lt;x&gt;</code>'));
  });
});

describe('receiptUrl()', () => {
  it('builds every kind in Korean and English', () => {
    const tno = '20120911000000';
    const expected: Array<[string, string]> = [
      ['card', 'card_bill'],
      ['acnt', 'acnt_bill'],
      ['vcnt', 'vcnt_bill'],
      ['mcash', 'mcash_bill'],
      ['tong', 'tong_bill'],
    ];
    for (const [kind, cmd] of expected) {
      assert.equal(receiptUrl({ kind: kind as 'card', tno }), `${BILL}?cmd=${cmd}&tno=${tno}`);
      assert.equal(receiptUrl({ kind: kind as 'card', tno, lang: 'en' }), `${BILL}?cmd=${cmd}_eng&tno=${tno}`);
    }
  });

  it('uses the test admin for TEST transactions', () => {
    assert.equal(
      receiptUrl({ kind: 'card', tno: '20080101000000', env: 'TEST' }),
      'https://testadmin8.kcp.co.kr/assist/bill.BillAction.do?cmd=card_bill&tno=20080101000000',
    );
  });

  it('gives the manual popup sizes', () => {
    assert.deepEqual(receiptLink({ kind: 'card', tno: '20080101000000' }), {
      url: `${BILL}?cmd=card_bill&tno=20080101000000`,
      width: 470,
      height: 815,
      features: 'width=470,height=815',
    });
    const statement = receiptLink({ kind: 'acnt', tno: '20120911000000' });
    assert.equal(statement.width, 470);
    assert.equal(statement.height, 695);
  });

  it('refuses a tno that is not 14 digits, unknown kinds and languages', () => {
    assert.throws(() => receiptUrl({ kind: 'card', tno: '2012091100000' }), {
      name: 'KcpInputError',
      message: 'tno must be KCP\'s 14-digit transaction number; got "2012091100000". Use the tno stored from the approval result.',
      field: 'tno',
    });
    assert.throws(() => receiptUrl({ kind: 'card', tno: '2012091100000x' }), { field: 'tno' });
    assert.throws(() => receiptUrl({ kind: 'cash' as 'card', tno: '20120911000000' }), {
      message: 'kind must be one of card, acnt, vcnt, mcash, tong; got "cash".',
    });
    assert.throws(() => receiptUrl({ kind: 'card', tno: '20120911000000', lang: 'jp' as 'en' }), {
      message: 'lang must be "ko" or "en"; got "jp".',
    });
  });
});

describe('cashReceiptUrl()', () => {
  it('matches the manual example', () => {
    assert.equal(
      cashReceiptUrl({ siteCd: 'T0000', orderId: 'TESTSHOP_120101', billYn: 'N', authNo: '560098441' }),
      'https://admin.kcp.co.kr/Modules/Service/Cash/Cash_Bill_Common_View.jsp?term_id=PGNWT0000&orderid=TESTSHOP_120101&bill_yn=N&authno=560098441',
    );
  });

  it('defaults bill_yn to Y and sizes the popup 420×670', () => {
    const link = cashReceiptLink({ siteCd: 'T0000', orderId: 'A1', authNo: '560098441', env: 'TEST' });
    assert.equal(
      link.url,
      'https://testadmin8.kcp.co.kr/Modules/Service/Cash/Cash_Bill_Common_View.jsp?term_id=PGNWT0000&orderid=A1&bill_yn=Y&authno=560098441',
    );
    assert.equal(link.features, 'width=420,height=670');
  });

  it('refuses bad site codes, order ids and approval numbers', () => {
    assert.throws(() => cashReceiptUrl({ siteCd: 't0000', orderId: 'A1', authNo: '560098441' }), {
      message: 'siteCd must be the 5-character upper-case KCP site code; got "t0000".',
      field: 'site_cd',
    });
    assert.throws(() => cashReceiptUrl({ siteCd: 'T0000', orderId: 'A&B', authNo: '560098441' }), {
      message: 'orderId must be the order number (1–40 of letters, digits, "_", ".", "-"); got "A&B".',
    });
    assert.throws(() => cashReceiptUrl({ siteCd: 'T0000', orderId: 'A1', authNo: '56009844' }), {
      message: 'authNo must be the 9-digit cash-receipt approval number; got "56009844". Use cash_authno from the result.',
      field: 'authno',
    });
  });
});
