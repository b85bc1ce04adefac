/**
 * Issue 18 §1 at the unit level (canned pp_cli answers): the method, amount, order number and tno of an approval are
 * KCP's; what the browser posted only picks the pay_type KCP verifies against; answers for another order or a method
 * the order does not allow are cancelled as tampering, with the mod_type KCP's answer calls for.
 */
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PAY_METHODS, ANSWER_ONLY_PAY_METHODS, methodOfPayType, requestPayType } from '../../lib/codes/pay-methods.js';
import { KcpConfigError, KcpInputError, KcpTamperingError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log/types.js';
import { checkAnswer } from '../../lib/payplus/answer-checks.js';
import { PayPlus, type PayPlusOptions } from '../../lib/payplus/payplus.js';
import { detectMethod, toApproval, type PaymentMethod } from '../../lib/payplus/results.js';
import { parseOptionString } from '../../lib/wire.js';
import { METHODS as SIM_METHODS } from '../../lib/sim/methods.js';
import { MemoryStore } from '../../lib/store/memory.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { testConfData } from '../helpers/conf.js';

const US = '\x1f';
const TNO = '20261126000001';
const OK = `res_cd=0000${US}res_msg=ok\n`;
const answer = (fields: Record<string, string>) =>
  `res_cd=0000${US}res_msg=ok${US}tno=${TNO}${Object.entries(fields).map(([k, v]) => `${US}${k}=${v}`).join('')}\n`;
const CARD = { pay_method: 'PACA', order_no: 'ORD-1', amount: '5000', card_cd: 'CCSS' };
const VBANK = { pay_method: 'PAVC', order_no: 'ORD-1', amount: '5000', bankcode: 'BK04', account: 'T0400000040774' };
const form = (over: Record<string, string> = {}) => ({
  tran_cd: '00100000', enc_data: 'ENC', enc_info: 'INF', ordr_idxx: 'ORD-1', good_mny: '5000', use_pay_method: '100000000000', ...over,
});

function setup(answers: string[], options: Partial<PayPlusOptions> = {}) {
  const runner = new CannedRunner(answers);
  const store = new MemoryStore();
  const payplus = new PayPlus(testConfData({ logDir: mkdtempSync(path.join(os.tmpdir(), 'kcp-ac-')) }), {
    logger: silentLogger, runner, store, ...options,
  });
  return { runner, store, payplus };
}

function ordrData(runner: CannedRunner, i: number): string {
  return parseOptionString(runner.optionBytes(i)).get('ordr_data')!.toString('latin1');
}

function modData(runner: CannedRunner, i: number): Record<string, string> {
  const text = iconv.decode(parseOptionString(runner.optionBytes(i)).get('modx_data')!, 'cp949').replace(/^mod_data=/, '');
  return Object.fromEntries(text.split(US).filter(Boolean).map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)]));
}

describe('what was paid comes from KCP', () => {
  it("detectMethod reads KCP's pay_method (the one table), then the answer's fields; never the form", () => {
    assert.equal(detectMethod({ pay_method: 'PAVC' }), 'vbank');
    assert.equal(detectMethod({ pay_method: 'PACA', account: 'x', bankcode: 'BK04' }), 'card');
    assert.equal(detectMethod({ pay_method: 'PAKM' }), 'card'); // KakaoMoney through the card window
    assert.equal(detectMethod({ account: 'T04', bankcode: 'BK04' }), 'vbank');
    assert.equal(detectMethod({}), 'unknown');
    // toApproval takes no use_pay_method at all.
    assert.equal(toApproval({ res_cd: '0000', tno: TNO, ...VBANK }).method, 'vbank');
  });

  it('every four-letter code lives in the one table, and the simulator answers with it', () => {
    for (const m of [...PAY_METHODS, ...ANSWER_ONLY_PAY_METHODS]) {
      if (m.payType) assert.equal(methodOfPayType(m.payType), m.name);
    }
    for (const [name, info] of Object.entries(SIM_METHODS)) {
      assert.equal(info.payMethod, requestPayType(name as PaymentMethod & 'card'));
    }
    assert.deepEqual(
      Object.fromEntries([...PAY_METHODS, ...ANSWER_ONLY_PAY_METHODS].map((m) => [m.name, requestPayType(m.name)])),
      { card: 'PACA', bank: 'PABK', vbank: 'PAVC', point: 'PAPT', mobile: 'PAMC', tmoney: 'PAXX', giftcard: 'PATK', kt: 'PAXX', transit: 'PAXX' },
    );
  });

  it('every approval request carries a pay_type — point, Tong money, KT and T-money too', async () => {
    const cases: Array<[string, string]> = [
      ['100000000000', 'PACA'], ['010000000000', 'PABK'], ['001000000000', 'PAVC'], ['000100000000', 'PAPT'],
      ['000010000000', 'PAMC'], ['000000100000', 'PAXX'], ['000000001000', 'PATK'], ['000000000010', 'PAXX'],
      ['000000000100', 'PAXX'],
    ];
    const { runner, payplus } = setup(cases.map(() => answer(CARD)));
    for (const [i, [bitmap]] of cases.entries()) {
      await payplus.approve({ tranCd: '00100000', encData: 'E', encInfo: 'I', ordrIdxx: 'ORD-1', amount: 5000, custIp: '10.0.0.1', usePayMethod: bitmap });
      assert.equal(ordrData(runner, i), `ordr_data=ordr_mony=5000${US}pay_type=${cases[i]![1]}${US}ordr_no=ORD-1${US}`, bitmap);
    }
  });

  it('a card use_pay_method on a virtual-account answer gives a virtual account, recorded as one', async () => {
    const { payplus, store } = setup([answer(VBANK)]);
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: (a) => a.method });
    assert.ok(out.status === 'approved');
    assert.equal(out.committed, 'vbank');
    assert.equal((await store.get(out.attemptId))!.method, 'vbank');
  });
});

describe('answers that do not match the order are cancelled as tampering', () => {
  it('order_no of another order → STSC, reason tampering, KcpTamperingError(order_no, expected, answered)', async () => {
    const { payplus, runner } = setup([answer({ ...CARD, order_no: 'ORD-X' }), OK]);
    let committed = false;
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => (committed = true) });
    assert.ok(out.status === 'cancelled');
    assert.equal(out.reason, 'tampering');
    assert.ok(out.cause instanceof KcpTamperingError);
    assert.deepEqual([out.cause.field, out.cause.expected, out.cause.answered], ['order_no', 'ORD-1', 'ORD-X']);
    assert.equal(
      out.cause.message,
      `order_no: KCP approved tno ${TNO} for order ORD-X, but the window result was posted for order ORD-1: the browser posted another order's window result. The approval is cancelled; order ORD-1 stays unpaid`,
    );
    assert.equal(committed, false);
    assert.deepEqual([modData(runner, 1).mod_type, modData(runner, 1).tno], ['STSC', TNO]);
  });

  it('an escrow virtual account KCP approved for a card-only order is cancelled with STE5 (KCP says vbank + escrow)', async () => {
    const { payplus, runner, store } = setup([answer({ ...VBANK, escw_yn: 'Y' }), OK]);
    const out = await payplus.processPayment(form(), {
      custIp: '10.0.0.1', expectedAmount: 5000, allowedMethods: ['card'], commit: () => assert.fail('never committed'),
    });
    assert.ok(out.status === 'cancelled');
    assert.ok(out.cause instanceof KcpTamperingError);
    assert.deepEqual([out.cause.field, out.cause.expected, out.cause.answered], ['pay_method', 'card', 'vbank']);
    assert.equal(modData(runner, 1).mod_type, 'STE5');
    const attempt = (await store.get(out.attemptId))!;
    assert.deepEqual([attempt.state, attempt.cancelReason, attempt.cancelModType], ['cancelled', 'tampering', 'STE5']);
  });

  it("the shop's allowedMethods (PayPlusOptions) apply when the call names none; the call's own win", async () => {
    const shop = setup([answer(VBANK), OK, answer(VBANK)], { allowedMethods: ['card', 'bank'] });
    const refused = await shop.payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 1 });
    assert.ok(refused.status === 'cancelled');
    assert.ok(refused.cause instanceof KcpTamperingError);
    assert.equal(refused.cause.expected, 'card,bank');
    const allowed = await shop.payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, allowedMethods: ['vbank'], commit: () => 2 });
    assert.equal(allowed.status, 'approved');
  });

  it('an answer whose method cannot be read is refused when methods are restricted', () => {
    const approval = toApproval({ res_cd: '0000', tno: TNO, pay_method: 'PAZZ', order_no: 'ORD-1', amount: '5000' });
    const problem = checkAnswer(approval, { ordrIdxx: 'ORD-1', amount: '5000', allowedMethods: ['card'] });
    assert.equal(problem?.reason, 'tampering');
    assert.match(problem!.error.message, /^pay_method: KCP approved unknown \(pay_method "PAZZ"\)/);
    assert.equal(checkAnswer(approval, { ordrIdxx: 'ORD-1', amount: '5000' }), undefined, 'any method when unrestricted');
  });

  it('an answer without order_no is not held against the order; the amount is still checked', () => {
    const approval = toApproval({ res_cd: '0000', tno: TNO, pay_method: 'PACA', amount: '5000', card_cd: 'CCSS' });
    assert.equal(checkAnswer(approval, { ordrIdxx: 'ORD-1', amount: '5000' }), undefined);
    assert.equal(checkAnswer(approval, { ordrIdxx: 'ORD-1', amount: '5001' })?.reason, 'amount_mismatch');
  });

  it('a misspelt method in allowedMethods is refused before anything runs, naming the field (config: KcpConfigError; a call: KcpInputError)', async () => {
    assert.throws(
      () => setup([], { allowedMethods: ['vbak' as PaymentMethod] }),
      (err: unknown) => err instanceof KcpConfigError && err.field === 'allowedMethods' && /"vbak" is not a payment method/.test(err.message),
    );
    const { payplus, runner } = setup([]);
    await assert.rejects(
      payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, allowedMethods: ['cardd' as PaymentMethod], commit: () => 1 }),
      KcpInputError,
    );
    assert.equal(runner.calls.length, 0);
  });

  it("a refusal KCP answers with an input code (8105) is declined like any refusal; the order stays payable", async () => {
    const { payplus, store } = setup([`res_cd=8105${US}res_msg=포맷에러(지불|신용카드|금액)\n`, answer(CARD)]);
    const out = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 1 });
    assert.ok(out.status === 'declined');
    assert.ok(out.error instanceof KcpInputError);
    assert.deepEqual([out.error.resCd, out.error.raw.res_cd], ['8105', '8105']);
    assert.equal((await store.get(out.attemptId))!.state, 'declined');
    const again = await payplus.processPayment(form(), { custIp: '10.0.0.1', expectedAmount: 5000, commit: () => 2 });
    assert.equal(again.status, 'approved');
  });
});
