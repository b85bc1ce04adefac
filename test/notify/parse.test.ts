import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  KCP_NOTIFY_IPS,
  crossCheck,
  decodeNotificationBody,
  notificationAnswer,
  parseNotification,
  type DepositNotification,
} from '../../lib/notify/index.js';
import { normalizeIp } from '../../lib/http/request.js';

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../fixtures/notify/${name}`, import.meta.url)));
const EUC_KR_BODY = fixture('tx00-euckr.form');
const UTF8_BODY = fixture('tx00-utf8.form');
const TEST = { remoteIp: '203.238.36.58', env: 'TEST' as const };

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

const common = { site_cd: 'T0000', tno: '20120101999999', order_no: 'TEST_SHOP_0801010001', tx_tm: '20120101000000' };

describe('parseNotification()', () => {
  it('parses the EUC-KR TX00 body with a declared charset', () => {
    const n = parseNotification(EUC_KR_BODY, { ...TEST, contentType: 'application/x-www-form-urlencoded; charset=euc-kr' });
    assert.equal(n.kind, 'deposit');
    const d = n as DepositNotification;
    assert.equal(d.txCd, 'TX00');
    assert.equal(d.siteCd, 'T0000');
    assert.equal(d.tno, '20120101999999');
    assert.equal(d.orderNo, 'TEST_SHOP_0801010001');
    assert.equal(d.amount, 1004);
    assert.equal(d.totalAmount, 1004);
    assert.equal(d.ordererName, '홍길동');
    assert.equal(d.remitter, '홍길동');
    assert.equal(d.depositTime, '20120101000000');
    assert.equal(d.bankCode, '11');
    assert.equal(d.account, '10838964000000');
    assert.equal(d.opCd, '50');
    assert.equal(d.notiId, '08060404000000000004');
    assert.equal(d.id, '08060404000000000004');
    assert.equal(d.cashReceiptNo, undefined);
    assert.equal(d.charset, 'euc-kr');
    assert.equal(d.remoteIp, '203.238.36.58');
    assert.deepEqual(Object.keys(d.raw), [
      'site_cd', 'tno', 'order_no', 'tx_cd', 'tx_tm', 'ipgm_name', 'remitter', 'ipgm_mnyx', 'totl_mnyx',
      'ipgm_time', 'bank_code', 'account', 'noti_id', 'op_cd', 'cash_a_no',
    ]);
    assert.equal(d.raw.cash_a_no, '');
    assert.ok(Object.isFrozen(d));
    assert.ok(Object.isFrozen(d.raw));
  });

  it('detects EUC-KR and UTF-8 bodies without a charset', () => {
    const euc = parseNotification(EUC_KR_BODY, { ...TEST, contentType: 'application/x-www-form-urlencoded' }) as DepositNotification;
    assert.equal(euc.charset, 'euc-kr');
    assert.equal(euc.ordererName, '홍길동');
    const utf = parseNotification(UTF8_BODY, TEST) as DepositNotification;
    assert.equal(utf.charset, 'utf-8');
    assert.equal(utf.ordererName, '홍길동');
    assert.equal(parseNotification(UTF8_BODY.toString('latin1'), TEST).raw.ipgm_name, '홍길동');
  });

  it('accepts an already-parsed record', () => {
    const n = parseNotification({ ...common, tx_cd: 'TX00', ipgm_mnyx: '5000', op_cd: '13', noti_id: 'N1' }, TEST);
    assert.equal(n.kind, 'deposit_cancelled');
    assert.equal(n.charset, undefined);
  });

  it('decodes + and broken escapes like PHP, and keeps the last of repeated fields', () => {
    const decoded = decodeNotificationBody('a=x+y&b=%zz&b=2&c');
    assert.deepEqual(decoded.fields, { a: 'x y', b: '2', c: '' });
    assert.deepEqual(decodeNotificationBody('b=%zz').fields, { b: '%zz' });
    const proto = decodeNotificationBody('__proto__=x');
    assert.equal(Object.getPrototypeOf(proto.fields), Object.prototype);
    assert.equal(proto.fields['__proto__'], 'x');
  });

  it('refuses an unsupported charset', () => {
    assert.throws(() => parseNotification(UTF8_BODY, { ...TEST, contentType: 'application/x-www-form-urlencoded; charset=shift_jis' }), {
      code: 'notification_rejected',
      message: 'Notification body charset "shift_jis" is not supported; KCP sends EUC-KR or UTF-8.',
    });
  });

  it('types TX01–TX08 and keeps unknown tx_cd raw', () => {
    const kinds: Array<[Record<string, string>, string]> = [
      [{ tx_cd: 'TX01', refund_nm: '홍길동', refund_mny: '1004', bank_code: '04' }, 'refund'],
      [{ tx_cd: 'TX02', st_cd: 'Y' }, 'purchase_confirmed'],
      [{ tx_cd: 'TX02', st_cd: 'N', can_msg: '단순변심' }, 'purchase_cancelled'],
      [{ tx_cd: 'TX02', st_cd: '2' }, 'unknown'],
      [{ tx_cd: 'TX03', waybill_no: '123456789', waybill_corp: 'CJ' }, 'shipping_started'],
      [{ tx_cd: 'TX04' }, 'settlement_held'],
      [{ tx_cd: 'TX05' }, 'immediate_cancel'],
      [{ tx_cd: 'TX06' }, 'cancelled'],
      [{ tx_cd: 'TX07' }, 'account_closed'],
      [{ tx_cd: 'TX08', ipgm_mnyx: '3000', bank_code: '88' }, 'mobile_payment'],
      [{ tx_cd: 'TX09', extra: 'kept' }, 'unknown'],
    ];
    for (const [fields, kind] of kinds) {
      const n = parseNotification(form({ ...common, ...fields }), TEST);
      assert.equal(n.kind, kind, fields.tx_cd);
      assert.equal(n.id, `${fields.tx_cd}:20120101999999:20120101000000`);
    }
    const refund = parseNotification(form({ ...common, tx_cd: 'TX01', refund_nm: '홍길동', refund_mny: '1004' }), TEST);
    assert.equal(refund.kind === 'refund' && refund.refundAmount, 1004);
    const cancel = parseNotification(form({ ...common, tx_cd: 'TX02', st_cd: 'N', can_msg: '단순변심' }), TEST);
    assert.equal(cancel.kind === 'purchase_cancelled' && cancel.cancelMessage, '단순변심');
    const ship = parseNotification(form({ ...common, tx_cd: 'TX03', waybill_no: '123', waybill_corp: 'CJ' }), TEST);
    assert.deepEqual(ship.kind === 'shipping_started' && [ship.waybillNo, ship.waybillCorp], ['123', 'CJ']);
    assert.equal(parseNotification(form({ ...common, tx_cd: 'TX09', extra: 'kept' }), TEST).raw.extra, 'kept');
  });

  it('reads the manual spelling ordr_no too', () => {
    const n = parseNotification(form({ site_cd: 'T0000', tno: '1', ordr_no: 'ORD-1', tx_cd: 'TX04' }), TEST);
    assert.equal(n.orderNo, 'ORD-1');
  });

  it('refuses bodies without tx_cd or site_cd, and deposits without an amount', () => {
    assert.throws(() => parseNotification(form({ site_cd: 'T0000' }), TEST), {
      name: 'KcpNotificationError',
      code: 'notification_rejected',
      message: 'Notification refused: tx_cd is missing; this is not a KCP common_return notification.',
      field: 'tx_cd',
    });
    assert.throws(() => parseNotification(form({ tx_cd: 'TX00' }), TEST), {
      message: 'Notification refused: site_cd is missing.',
    });
    assert.throws(() => parseNotification(form({ ...common, tx_cd: 'TX00' }), TEST), {
      message: 'Notification refused: ipgm_mnyx is missing; a deposit notification must say how much was paid.',
    });
    assert.throws(() => parseNotification(form({ ...common, tx_cd: 'TX00', ipgm_mnyx: '1,004' }), TEST), {
      message: 'Notification refused: ipgm_mnyx is not an amount ("1,004").',
    });
  });
});

describe('notification source check', () => {
  it('refuses a foreign IP with a message naming the allowed servers', () => {
    assert.throws(() => parseNotification(EUC_KR_BODY, { remoteIp: '198.51.100.7', env: 'REAL' }), {
      name: 'KcpNotificationError',
      code: 'notification_rejected',
      field: 'remoteIp',
      message:
        "Notification from 198.51.100.7 refused: it is not one of KCP's REAL notification servers (203.238.36.160, 203.238.36.161, 203.238.36.173, 203.238.36.178, 103.215.144.173, 103.215.144.174, 103.215.145.30). If KCP announced new servers, pass allowIps; behind a proxy, set trustProxy to the proxy's address; for local tests with the simulator, allowLocal: true.",
    });
  });

  it('does not accept TEST servers for REAL, or loopback without allowLocal', () => {
    assert.throws(() => parseNotification(EUC_KR_BODY, { remoteIp: '203.238.36.58', env: 'REAL' }), { code: 'notification_rejected' });
    assert.throws(() => parseNotification(EUC_KR_BODY, { remoteIp: '127.0.0.1', env: 'TEST' }), { code: 'notification_rejected' });
    assert.throws(() => parseNotification(EUC_KR_BODY, { remoteIp: '', env: 'TEST' }), {
      message: /^Notification from an unknown address refused/,
    });
    assert.equal(parseNotification(EUC_KR_BODY, { remoteIp: '::1', env: 'TEST', allowLocal: true }).kind, 'deposit');
    assert.equal(parseNotification(EUC_KR_BODY, { remoteIp: '::ffff:127.0.0.1', env: 'REAL', allowLocal: true }).kind, 'deposit');
  });

  it('normalises IPv4-mapped IPv6 addresses', () => {
    assert.equal(normalizeIp('::ffff:203.238.36.173'), '203.238.36.173');
    assert.equal(normalizeIp('::FFFF:cbee:24ad'), '203.238.36.173');
    assert.equal(normalizeIp('0:0:0:0:0:ffff:cbee:243a'), '203.238.36.58');
    assert.equal(normalizeIp('[::1]'), '::1');
    assert.equal(normalizeIp(' 203.238.36.58 '), '203.238.36.58');
    assert.equal(normalizeIp('fe80::1%eth0'), 'fe80::1');
    const n = parseNotification(EUC_KR_BODY, { remoteIp: '::ffff:203.238.36.173', env: 'REAL' });
    assert.equal(n.remoteIp, '203.238.36.173');
  });

  it('uses allowIps instead of the defaults', () => {
    const opts = { env: 'REAL' as const, allowIps: [...KCP_NOTIFY_IPS.REAL, '192.0.2.10'] };
    assert.equal(parseNotification(EUC_KR_BODY, { ...opts, remoteIp: '192.0.2.10' }).kind, 'deposit');
    assert.throws(() => parseNotification(EUC_KR_BODY, { env: 'REAL', allowIps: ['192.0.2.10'], remoteIp: '203.238.36.173' }), {
      code: 'notification_rejected',
    });
  });
});

describe('crossCheck()', () => {
  const n = parseNotification(EUC_KR_BODY, TEST);
  it('finds no mismatch for the matching order', () => {
    assert.deepEqual(crossCheck(n, { siteCd: 'T0000', tno: '20120101999999', amount: 1004, orderNo: 'TEST_SHOP_0801010001' }), []);
    assert.deepEqual(crossCheck(n, { siteCd: 'T0000', amount: 1004, orderNo: 'TEST_SHOP_0801010001' }), []);
  });
  it('lists every mismatch', () => {
    assert.deepEqual(crossCheck(n, { siteCd: 'A52Q7', tno: '20120101000001', amount: 2000, orderNo: 'OTHER' }), [
      { field: 'site_cd', expected: 'A52Q7', actual: 'T0000', message: 'site_cd is "T0000" but the order has "A52Q7"' },
      { field: 'tno', expected: '20120101000001', actual: '20120101999999', message: 'tno is "20120101999999" but the order has "20120101000001"' },
      { field: 'order_no', expected: 'OTHER', actual: 'TEST_SHOP_0801010001', message: 'order_no is "TEST_SHOP_0801010001" but the order has "OTHER"' },
      { field: 'ipgm_mnyx', expected: '2000', actual: '1004', message: 'ipgm_mnyx is "1004" but the order has "2000"' },
    ]);
  });
});

describe('notificationAnswer()', () => {
  it('answers exactly what KCP expects', () => {
    assert.equal(notificationAnswer(true), '<html><body><form><input type="hidden" name="result" value="0000"></form></body></html>');
    assert.equal(notificationAnswer(false), '<html><body><form><input type="hidden" name="result" value="9999"></form></body></html>');
    assert.equal(notificationAnswer('E001'), '<html><body><form><input type="hidden" name="result" value="E001"></form></body></html>');
    assert.throws(() => notificationAnswer('0"><x'), { code: 'input_invalid' });
  });
});
