/**
 * Issue 18 §2: one classifier for every KCP result code — the code table's category — and one error class per code,
 * trade errors included, whose `code`, `name` and `instanceof` agree.
 */
import assert from 'node:assert/strict';
import { RESULT_CODES, classifyResultCode, isAlreadyCancelledCode, isDuplicateOrderCode, lookupResultCode } from '../../lib/codes/results.js';
import {
  KCP_ERROR_CLASSES,
  KcpAlreadyCancelledError,
  KcpAmountMismatchError,
  KcpConfigError,
  KcpConnectionError,
  KcpDuplicateOrderError,
  KcpError,
  KcpGatewayError,
  KcpInputError,
  KcpModuleError,
  KcpOutcomeUnknownError,
  KcpTamperingError,
  kcpError,
  resultError,
  type KcpErrorCode,
} from '../../lib/errors.js';
import { answerError } from '../../lib/protocol/result.js';
import {
  KcpTradeError,
  KcpTradeHttpError,
  KcpTradeMalformedError,
  KcpTradeRefusedError,
  KcpTradeSoapFaultError,
  KcpTradeTimeoutError,
} from '../../lib/trade/errors.js';

/** Every code of the table → the class a complete answer with it becomes, and the table's source. Pinned by hand. */
const PINNED: ReadonlyArray<[code: string, cls: string, source: string]> = [
  ['0000', 'success', 'protocol'],
  ['V000', 'success', 'protocol'],
  ['9502', 'KcpModuleError', 'manual'],
  ['S102', 'KcpModuleError', 'manual'],
  ['S101', 'KcpInputError', 'protocol'],
  ['S201', 'KcpConnectionError', 'protocol'],
  ['S202', 'KcpConnectionError', 'manual'],
  ['S203', 'KcpOutcomeUnknownError', 'protocol'],
  ['S204', 'KcpOutcomeUnknownError', 'protocol'],
  ['6001', 'KcpInputError', 'protocol'],
  ['6002', 'KcpModuleError', 'protocol'],
  ['6003', 'KcpGatewayError', 'manual'],
  ['6004', 'KcpModuleError', 'protocol'],
  ['9601', 'KcpInputError', 'protocol'],
  ['9562', 'KcpInputError', 'protocol'],
  ['9551', 'KcpModuleError', 'protocol'],
  ['3014', 'KcpConfigError', 'manual'],
  ['8001', 'KcpConfigError', 'manual'],
  ['7504', 'KcpConnectionError', 'manual'],
  ['8059', 'KcpAmountMismatchError', 'manual'],
  ['8169', 'KcpGatewayError', 'manual'],
  ['8105', 'KcpInputError', 'protocol'],
  ['8102', 'KcpGatewayError', 'protocol'],
  ['8108', 'KcpGatewayError', 'protocol'],
  ['CC72', 'KcpOutcomeUnknownError', 'protocol'],
  ['8133', 'KcpAlreadyCancelledError', 'ecosystem'],
  ['8038', 'KcpInputError', 'ecosystem'],
  ['8094', 'KcpDuplicateOrderError', 'protocol'],
  ['8128', 'KcpDuplicateOrderError', 'protocol'],
  ['8739', 'KcpDuplicateOrderError', 'protocol'],
  ['8338', 'KcpDuplicateOrderError', 'protocol'],
  ['QP97', 'KcpDuplicateOrderError', 'protocol'],
];

const CLASSES: Record<string, abstract new (...a: never[]) => KcpError> = {
  KcpModuleError,
  KcpInputError,
  KcpConnectionError,
  KcpOutcomeUnknownError,
  KcpGatewayError,
  KcpConfigError,
  KcpAmountMismatchError,
  KcpAlreadyCancelledError,
  KcpDuplicateOrderError,
};

const answer = (code: string) => ({ res_cd: code, res_msg: lookupResultCode(code)?.message ?? '메시지', res_en_msg: 'msg' });

/** The invariant every SDK error keeps: its code's class is its class, and its name is that class's literal name. */
function assertAgrees(err: KcpError, className: string): void {
  assert.equal(err.name, className);
  assert.ok(err instanceof KCP_ERROR_CLASSES[err.code], `${className} is an instance of the class of ${err.code}`);
  for (const [code, cls] of Object.entries(KCP_ERROR_CLASSES) as Array<[KcpErrorCode, abstract new (...a: never[]) => KcpError]>) {
    if (code !== err.code && cls !== KcpError) assert.ok(!(err instanceof cls), `${className} (${err.code}) is not also a ${cls.name}`);
  }
}

describe('codes: one classifier for every result code', () => {
  it('pins every code of the table to its class and source', () => {
    assert.deepEqual(RESULT_CODES.map((r) => r.code), PINNED.map(([c]) => c), 'the table and the pinned list name the same codes');
    for (const [code, cls, source] of PINNED) {
      const info = lookupResultCode(code)!;
      assert.equal(info.source, source, code);
      if (cls === 'success') {
        assert.equal(classifyResultCode(code), 'success', code);
        continue;
      }
      const err = resultError(answer(code), 'approval', 'testpaygw.kcp.co.kr:8090');
      assert.ok(err instanceof CLASSES[cls]!, `${code} → ${cls}, got ${err.name}`);
      assert.equal(err.code, info.category, `${code}: the error's code is the table's category`);
      assertAgrees(err, cls);
      assert.deepEqual([err.resCd, err.raw.res_cd, err.resMsg], [code, code, answer(code).res_msg], code);
      assert.equal(err.outcomeKnown, cls !== 'KcpOutcomeUnknownError', `${code}: outcomeKnown`);
      // pp_cli's answers and the recovery path go through the same classifier.
      assert.equal(answerError(answer(code), 'approval', 'gw').name, cls, code);
    }
  });

  it('a card company time-out (CC72) is outcome unknown, never a decline: the charge may stand', () => {
    const err = resultError({ res_cd: 'CC72', res_msg: '카드사 TIME-OUT' }, 'approval', 'gw');
    assert.ok(err instanceof KcpOutcomeUnknownError);
    assert.ok(!(err instanceof KcpGatewayError));
    assert.equal(err.outcomeKnown, false);
    assert.equal(
      err.message,
      "approval failed: CC72 카드사 TIME-OUT: the outcome is unknown (the charge may stand). Query the transaction (or check KCP's admin) before any retry. The order stays blocked until recovery or a person settles it",
    );
  });

  it('duplicate-order codes are KcpDuplicateOrderError, 8133 is already cancelled, 8059 an amount mismatch', () => {
    for (const code of ['8094', '8128', '8739', '8338', 'QP97']) {
      assert.equal(isDuplicateOrderCode(code), true);
      assert.ok(resultError(answer(code), 'approval', 'gw') instanceof KcpDuplicateOrderError, code);
    }
    assert.equal(isAlreadyCancelledCode('8133'), true);
    assert.equal(isAlreadyCancelledCode('8108'), false);
    const cancelled = resultError({ res_cd: '8133', res_msg: '이미 취소된 거래' }, 'STSC request', 'gw');
    assert.deepEqual([cancelled.name, cancelled.code, cancelled.message], ['KcpAlreadyCancelledError', 'already_cancelled', 'STSC request refused: 8133 이미 취소된 거래. Do not cancel again.']);
    const amount = resultError({ res_cd: '8059', res_msg: '포맷에러(지불정보-공통:결제금액 불일치)' }, 'approval', 'gw');
    assert.deepEqual([amount.name, amount.code], ['KcpAmountMismatchError', 'amount_mismatch']);
  });

  it('a code the table does not know is a decline (KcpGatewayError) with KCP\'s own text', () => {
    const err = resultError({ res_cd: '8120', res_msg: '원거래 없음', res_en_msg: 'original transaction not found' }, 'STSC request', 'gw');
    assertAgrees(err, 'KcpGatewayError');
    assert.equal(err.message, 'STSC request refused: 8120 원거래 없음 (original transaction not found)');
    assert.equal(classifyResultCode('ZZ99'), 'gateway_refused');
  });

  it('V000 outside a virtual-account approval is outcome unknown (KCP said success in a way we cannot read)', () => {
    const err = resultError({ res_cd: 'V000', res_msg: '' }, 'approval', 'gw');
    assertAgrees(err, 'KcpOutcomeUnknownError');
    assert.equal(err.outcomeKnown, false);
  });

  it('S202 keeps its network fix; S204 says the request may have reached KCP', () => {
    assert.equal(
      resultError({ res_cd: 'S202', res_msg: 'PG 서버 접속 오류' }, 'approval', 'testpaygw.kcp.co.kr:8090').message,
      "approval failed: S202 PG 서버 접속 오류: pp_cli could not reach testpaygw.kcp.co.kr:8090; check DNS and the firewall (ports 8090/8080 outbound), or run 'kcp-payplus doctor'",
    );
    assert.equal(
      resultError({ res_cd: 'S204', res_msg: 'PG 서버 지불 DATA 수신 오류' }, 'approval', 'gw').message,
      'approval failed: S204 PG 서버 지불 DATA 수신 오류: the request may have reached KCP; do not retry before checking the transaction',
    );
  });
});

describe('errors: code, name and instanceof agree for every class', () => {
  it('every error code has one class, and kcpError builds it', () => {
    for (const code of Object.keys(KCP_ERROR_CLASSES) as KcpErrorCode[]) {
      if (code === 'tampering_detected') continue; // built with its fields, below
      const err = kcpError(code, 'm');
      assert.equal(err.code, code);
      assertAgrees(err, KCP_ERROR_CLASSES[code].name);
    }
  });

  it('KcpTamperingError names the field, what the order expected and what KCP answered', () => {
    const err = new KcpTamperingError('order_no: …', { field: 'order_no', expected: 'Y', answered: 'X' });
    assertAgrees(err, 'KcpTamperingError');
    assert.ok(err instanceof KcpError);
    assert.deepEqual([err.code, err.field, err.expected, err.answered, err.outcomeKnown], ['tampering_detected', 'order_no', 'Y', 'X', true]);
  });

  it('trade errors: each has its literal name, the code of the class it extends, and is a KcpTradeError', () => {
    const cases: Array<[KcpError, string, KcpErrorCode, string]> = [
      [new KcpTradeSoapFaultError('m', 'soapenv:Server'), 'KcpTradeSoapFaultError', 'gateway_refused', 'soap_fault'],
      [new KcpTradeHttpError('m', 502), 'KcpTradeHttpError', 'connection_failed', 'http_error'],
      [new KcpTradeRefusedError('m', { resCd: '3014' }), 'KcpTradeRefusedError', 'gateway_refused', 'refused'],
      [new KcpTradeMalformedError('m'), 'KcpTradeMalformedError', 'gateway_refused', 'malformed'],
      [new KcpTradeTimeoutError('m'), 'KcpTradeTimeoutError', 'connection_failed', 'timeout'],
    ];
    for (const [err, name, code, kind] of cases) {
      assertAgrees(err, name);
      assert.equal(err.code, code, name);
      assert.ok(err instanceof KcpTradeError, name);
      assert.equal((err as KcpTradeError).kind, kind);
      assert.equal(err.outcomeKnown, true, `${name}: a registration charges nothing`);
    }
    assert.ok(!(new KcpGatewayError('m') instanceof KcpTradeError));
    assert.ok(!(new KcpConnectionError('m') instanceof KcpTradeError));
    assert.equal(new KcpTradeSoapFaultError('m', 'f').resCd, '95XX');
  });
});
