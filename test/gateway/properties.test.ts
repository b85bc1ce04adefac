/**
 * Property tests for the REST wire (issue 19): request JSON is built from strings only, as KCP's samples send; every
 * approval answer field docs/kcp-rest-api.md §3.3 / §3.4 / §3.5 lists is typed or kept raw, never dropped — whatever its
 * value, and whether KCP sends it as a string or not. The seed is printed; SEED=<n> replays a run.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildJson, parseAnswer } from '../../lib/gateway/rest/json.js';
import { toApproval } from '../../lib/payplus/results.js';
import { SEED as RUN_SEED } from '../helpers/seed.js';

const SEED = RUN_SEED | 0; // fast-check takes a 32-bit signed seed
const RUNS = Math.max(500, Number(process.env.KCP_PROPERTY_RUNS ?? 0));
console.log(`    properties seed: SEED=${SEED}`);

/** §3.3 response fields: common, then per method (card row incl. the real capture, combined point, easy pay). */
const COMMON = ['res_cd', 'res_msg', 'res_en_msg', 'tno', 'amount', 'app_time', 'pay_method', 'order_no'];
const BY_METHOD: Record<string, { payMethod: string; fields: string[] }> = {
  card: {
    payMethod: 'PACA',
    fields: [
      'card_cd', 'card_name', 'app_no', 'quota', 'noinf', 'acqu_cd', 'acqu_name', 'card_no', 'card_mny', 'coupon_mny', 'use_point',
      'bizx_numb', 'mcht_taxno', 'mall_taxno', 'ca_order_id', 'cert_no', 'van_cd', 'van_apptime', 'pg_txid', 'trace_no', 'partcanc_yn',
      'escw_yn', 'join_cd', 'card_bin_type_01', 'card_bin_type_02', 'card_bin_bank_cd', 'res_tax_flag', 'res_tax_mny', 'res_vat_mny',
      'res_free_mny', 'res_green_deposit_mny', 'pnt_issue', 'add_pnt', 'use_pnt', 'rsv_pnt', 'pnt_app_time', 'pnt_app_no', 'pnt_amount',
      'card_other_pay_type', 'easypoint_mny',
    ],
  },
  bank: { payMethod: 'PABK', fields: ['bank_name', 'bank_code', 'cash_authno', 'cash_no'] },
  vbank: { payMethod: 'PAVC', fields: ['bankname', 'bankcode', 'depositor', 'account', 'va_date'] },
  point: { payMethod: 'PAPT', fields: ['pnt_issue', 'add_pnt', 'use_pnt', 'rsv_pnt', 'pnt_app_time', 'pnt_app_no', 'pnt_amount', 'cash_authno', 'cash_no'] },
  mobile: { payMethod: 'PAMC', fields: ['commid', 'mobile_no'] },
  giftcard: { payMethod: 'PATK', fields: ['tk_van_code', 'tk_app_no', 'tk_app_time'] },
  batchKey: { payMethod: '', fields: ['batch_key', 'card_cd', 'card_name', 'card_bank_cd', 'card_bin_type_01', 'card_bin_type_02', 'van_tx_id', 'join_cd'] },
};

/** Field → the typed property that carries it (where one exists), per method. */
const TYPED: Record<string, Record<string, string>> = {
  common: { res_cd: 'resCd', res_msg: 'resMsg', res_en_msg: 'resEnMsg', tno: 'tno', pay_method: 'payMethod', order_no: 'orderNo' },
  card: { card_cd: 'cardCd', card_name: 'cardName', app_no: 'appNo', app_time: 'appTime', quota: 'quota', noinf: 'noinf', acqu_cd: 'acquCd', acqu_name: 'acquName', card_no: 'cardNo', bizx_numb: 'bizxNumb', van_cd: 'vanCd' },
  bank: { bank_code: 'bankCode', bank_name: 'bankName', app_time: 'appTime' },
  vbank: { bankcode: 'bankCode', bankname: 'bankName', account: 'account', depositor: 'depositor', va_date: 'vaDate', app_time: 'appTime' },
  mobile: { commid: 'commid', mobile_no: 'mobileNo' },
  giftcard: { tk_van_code: 'tkVanCode', tk_app_no: 'tkAppNo', tk_app_time: 'tkAppTime' },
};

const jsonValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);

describe('property: KCP REST JSON (fast-check)', () => {
  it(`requests: any string fields come back exactly from the JSON, every value a JSON string (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 40 }), { maxKeys: 12 }), (fields) => {
        const text = buildJson(fields);
        const back = JSON.parse(text) as Record<string, unknown>;
        assert.equal(Object.keys(back).length, Object.keys(fields).length);
        for (const [k, v] of Object.entries(fields)) {
          assert.ok(Object.prototype.hasOwnProperty.call(back, k), `field ${k} kept`);
          assert.equal(back[k], v);
          assert.equal(typeof back[k], 'string');
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('requests: a value that is not a string is refused before sending', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.double()), (key, v) => {
        assert.throws(() => buildJson({ [key]: v } as unknown as Record<string, string>), TypeError);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  for (const [method, { payMethod, fields }] of Object.entries(BY_METHOD)) {
    it(`answers (${method}): every field the facts list is typed or kept raw, never dropped (${RUNS} runs)`, () => {
      const all = [...new Set([...COMMON, ...fields])];
      fc.assert(
        fc.property(
          fc.subarray(all, { minLength: 1 }),
          fc.array(jsonValue, { minLength: all.length, maxLength: all.length }),
          fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), { maxKeys: 4 }),
          (present, values, unknownExtra) => {
            const answer: Record<string, unknown> = { ...unknownExtra };
            present.forEach((k, i) => (answer[k] = values[i]));
            if (payMethod && Object.prototype.hasOwnProperty.call(answer, 'pay_method')) answer.pay_method = payMethod;
            const fieldsIn = parseAnswer(JSON.stringify(answer));
            assert.ok(fieldsIn, 'an object answer parses');
            const approval = toApproval(fieldsIn);
            for (const [k, v] of Object.entries(answer)) {
              const expected = typeof v === 'string' ? v : v === null ? '' : JSON.stringify(v);
              assert.equal(approval.raw[k], expected, `field ${k} kept raw`);
            }
            if (payMethod && answer.pay_method === payMethod && method in TYPED) {
              assert.equal(approval.method, method);
              const view = approval as unknown as Record<string, unknown>;
              for (const [field, prop] of Object.entries({ ...TYPED.common, ...TYPED[method] })) {
                if (typeof answer[field] === 'string' && !(method === 'mobile' && field === 'app_time')) assert.equal(view[prop], answer[field], `${field} → ${prop}`);
              }
            }
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
    });
  }

  it('answers: anything but a JSON object is no answer (the client makes it unknown)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json().filter((j) => !j.trim().startsWith('{'))), (text) => {
        let isObject = false;
        try {
          const v: unknown = JSON.parse(text);
          isObject = v !== null && typeof v === 'object' && !Array.isArray(v);
        } catch { /* not JSON */ }
        assert.equal(parseAnswer(text) !== undefined, isObject);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
