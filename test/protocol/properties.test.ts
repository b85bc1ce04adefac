/**
 * Property tests over values AND names (issue 14): whatever a caller passes to a Transaction setter or a public
 * PayPlus method is either refused before pp_cli runs — a KcpInputError whose message names its field —
 * or carried exactly: the module's own reading of the argument (test/helpers/kcp-parse.ts, the stand-in's getsubopt
 * and the data-set framing) gives back every item and option as given, with nothing added, split or re-framed.
 * 1,000 runs per property, on both argv encodings (opt=0 EUC-KR, opt=1 UTF-8).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KcpInputError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log/types.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import type { Transaction } from '../../lib/payplus/transaction.js';
import type { ArgvEncoding } from '../../lib/runner/types.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { testConfData } from '../helpers/conf.js';
import { name, text, value } from '../helpers/arbitraries.js';
import { parseRequest, type Item, type ParsedRequest } from '../helpers/kcp-parse.js';

/** 1,000 per property (CI included); KCP_PROPERTY_RUNS raises it for a longer hunt. */
const RUNS = Math.max(1_000, Number(process.env.KCP_PROPERTY_RUNS ?? 0));
const US = '\x1f';
const OK =
  `res_cd=0000${US}res_msg=ok${US}tno=20240501000001${US}amount=1004${US}pay_method=PACA${US}card_cd=CCLG${US}` +
  `app_no=12345678${US}app_time=20240501101010${US}mod_mny=1${US}rem_mny=0${US}receipt_no=1${US}\n`;

const encoding = fc.constantFrom<ArgvEncoding>('euc-kr', 'utf-8');

function setup(argvEncoding: ArgvEncoding) {
  const runner = new CannedRunner([OK], argvEncoding);
  const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner });
  return { runner, payplus };
}

/** A refusal names its field first and nothing ran; anything else than a KcpInputError fails the property. */
function assertNamedRefusal(err: unknown, runner: CannedRunner, allowed?: readonly string[]): void {
  assert.ok(err instanceof KcpInputError, `expected a KcpInputError, got ${String(err)}`);
  assert.ok(err.field, `the refusal names a field: ${err.message}`);
  assert.ok(err.message.includes(err.field!), `the message names the field ${err.field}: ${err.message}`);
  if (allowed) assert.ok(allowed.includes(err.field!), `field ${err.field} is one of ${allowed.join(', ')}`);
  assert.equal(runner.calls.length, 0, 'nothing ran');
}

function parsed(runner: CannedRunner): ParsedRequest {
  const p = parseRequest(runner.optionBytes());
  assert.deepEqual(p.anomalies, []);
  assert.deepEqual(p.repeated, []);
  return p;
}

type SetKey = keyof ParsedRequest['sets'];
interface SetterCase {
  setter: string;
  set: SetKey;
  label: string;
  call: (tx: Transaction, n: string, v: string) => void;
  expected: (n: string, v: string) => Item[];
}
const SETTERS: readonly SetterCase[] = [
  { setter: 'setOrdrData', set: 'ordr_data', label: 'ordr_data', call: (t, n, v) => t.setOrdrData(n, v), expected: (n, v) => [[n, v]] },
  { setter: 'setRcvrData', set: 'rcvr_data', label: 'rcvr_data', call: (t, n, v) => t.setRcvrData(n, v), expected: (n, v) => [[n, v]] },
  { setter: 'setEscwData', set: 'escw_data', label: 'escw_data', call: (t, n, v) => t.setEscwData(n, v), expected: (n, v) => [[n, v]] },
  { setter: 'setModxData', set: 'modx_data', label: 'modx_data', call: (t, n, v) => t.setModxData(n, v), expected: (n, v) => [[n, v]] },
  {
    setter: 'setPayxCommonData', set: 'payx_data', label: 'payx_data common',
    call: (t, n, v) => t.setPayxCommonData(n, v), expected: (n, v) => [[`common.${n}`, v]],
  },
  {
    setter: 'setPayxCardData', set: 'payx_data', label: 'payx_data card',
    call: (t, n, v) => t.setPayxCardData(n, v), expected: (n, v) => [[`card.${n}`, v]],
  },
  {
    setter: 'addPayxData (item name)', set: 'payx_data', label: 'payx_data real_batch',
    call: (t, n, v) => t.addPayxData('real_batch', n, v), expected: (n, v) => [[`real_batch.${n}`, v]],
  },
  {
    setter: 'addPayxData (subset name)', set: 'payx_data', label: 'payx_data',
    call: (t, n, v) => t.addPayxData(n, 'amount', v), expected: (n, v) => [[`${n}.amount`, v]],
  },
  {
    setter: 'setOrdrNestedData', set: 'ordr_data', label: 'ordr_data',
    // the nested string as usItem builds it, from a name and value that may themselves be anything
    call: (t, n, v) => t.setOrdrNestedData('rcpt_data', `${n}=${v}${US}`),
    expected: (n, v) => [['rcpt_data', `${n}=${v}`]],
  },
];

describe('property: every Transaction setter refuses with the field named, or carries exactly (fast-check)', () => {
  for (const c of SETTERS) {
    it(`${c.setter}: ${RUNS} runs over names and values, opt=0 and opt=1`, async () => {
      await fc.assert(
        fc.asyncProperty(name, value, encoding, async (n, v, enc) => {
          // A US inside the name makes the test's own concatenation a different, well-formed list of several nested
          // items (which the SDK rightly carries); the single-item expectation below only holds without one.
          if (c.setter === 'setOrdrNestedData') fc.pre(!n.includes(US));
          const { runner, payplus } = setup(enc);
          const tx = await payplus.transaction();
          try {
            c.call(tx, n, v);
            await tx.doTx({ txCd: '00200000', custIp: '1.2.3.4' });
          } catch (err) {
            // a nested string `${n}=${v}<US>` is read item by item: its first item's name ends at the first '='
            const itemFields =
              c.setter === 'setOrdrNestedData' ? ['rcpt_data', n.split('=')[0]!] : c.setter.includes('subset') ? ['amount'] : [];
            assertNamedRefusal(err, runner, [c.label, n, ...itemFields]);
            return;
          }
          const p = parsed(runner);
          const nested = c.setter === 'setOrdrNestedData';
          assert.deepEqual(p.sets[c.set], nested ? [['rcpt_data', `${n}=${v}`]] : v === '' ? [] : c.expected(n, v));
          for (const other of Object.keys(p.sets) as SetKey[]) if (other !== c.set) assert.deepEqual(p.sets[other], []);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

/** A generated request field: a plausible value or anything. */
const field = (plausible: fc.Arbitrary<string>) => fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 1, arbitrary: value });
const tno = field(fc.stringMatching(/^20[0-9]{12}$/));
const ip = field(fc.constantFrom('1.2.3.4', '127.0.0.1', '::1', ''));
const orderId = field(fc.stringMatching(/^[0-9A-Za-z_.-]{1,40}$/));
const amount = fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), field(fc.stringMatching(/^[1-9][0-9]{0,6}$/)));
const tradTime = field(fc.constantFrom('20240501101010'));
/** Text a merchant would plausibly send: letters, digits, spaces, KS X 1001 Hangul. */
const plainText = fc.string({ unit: fc.constantFrom(...'abc xyz019가한글책'.split('')), maxLength: 12 });
const freeText = field(plainText);

/** Where each request field must arrive: [set or option, item name]. */
type Place = readonly [SetKey | 'option', string];

function assertCarried(p: ParsedRequest, expect: ReadonlyArray<readonly [Place, string | number | undefined]>): void {
  for (const [[where, key], raw] of expect) {
    if (raw === undefined || raw === '') continue;
    const want = String(raw);
    if (where === 'option') {
      assert.equal(p.options.get(key), want, `option ${key}`);
    } else {
      const found = p.sets[where].filter(([n]) => n === key);
      assert.equal(found.length, 1, `${where} has one ${key}`);
      assert.equal(found[0]![1], want, `${where} ${key} carried exactly`);
    }
  }
}

interface MethodCase {
  method: string;
  arb: fc.Arbitrary<Record<string, unknown>>;
  run: (payplus: PayPlus, req: Record<string, unknown>) => Promise<unknown>;
  places: (req: Record<string, unknown>) => ReadonlyArray<readonly [Place, string | number | undefined]>;
}

const modifyPlaces = (r: Record<string, unknown>): Array<readonly [Place, string | number | undefined]> => [
  [['modx_data', 'tno'], r.tno as string],
  [['modx_data', 'mod_ip'], r.custIp as string],
  [['modx_data', 'mod_desc'], r.reason as string],
  [['option', 'ordr_idxx'], r.ordrIdxx as string],
  [['option', 'trace_no'], r.traceNo as string],
  [['option', 'cust_ip'], r.custIp as string],
];

const METHODS: readonly MethodCase[] = [
  {
    method: 'cancel',
    arb: fc.record({ tno, reason: freeText, custIp: ip, ordrIdxx: fc.option(orderId, { nil: undefined }), traceNo: fc.option(freeText, { nil: undefined }) }),
    run: (pp, r) => pp.cancel(r as never),
    places: modifyPlaces,
  },
  {
    method: 'partialCancel',
    arb: fc.record({ tno, reason: freeText, custIp: ip, amount, cancellableBalance: amount }),
    run: (pp, r) => pp.partialCancel(r as never),
    places: (r) => [...modifyPlaces(r), [['modx_data', 'mod_mny'], r.amount as string], [['modx_data', 'rem_mny'], r.cancellableBalance as string]],
  },
  {
    method: 'capture',
    arb: fc.record({ tno, custIp: ip, reason: fc.option(freeText, { nil: undefined }) }),
    run: (pp, r) => pp.capture(r as never),
    places: modifyPlaces,
  },
  {
    method: 'escrow STE1',
    arb: fc.record({ modType: fc.constant('STE1'), tno, custIp: ip, deliNumb: freeText, deliCorp: freeText, reason: fc.option(freeText, { nil: undefined }) }),
    run: (pp, r) => pp.escrow(r as never),
    places: (r) => [...modifyPlaces(r), [['modx_data', 'deli_numb'], r.deliNumb as string], [['modx_data', 'deli_corp'], r.deliCorp as string]],
  },
  {
    method: 'escrow STE2 with refund',
    arb: fc.record({
      modType: fc.constant('STE2'), tno, custIp: ip, reason: fc.option(freeText, { nil: undefined }),
      refund: fc.record({ account: freeText, name: freeText, bankCode: freeText }),
    }),
    run: (pp, r) => pp.escrow(r as never),
    places: (r) => {
      const refund = r.refund as { account: string; name: string; bankCode: string };
      return [
        ...modifyPlaces(r),
        [['modx_data', 'refund_account'], refund.account],
        [['modx_data', 'refund_nm'], refund.name],
        [['modx_data', 'bank_code'], refund.bankCode],
      ];
    },
  },
  {
    method: 'approve',
    arb: fc.record({
      tranCd: field(fc.constantFrom('00100000')), encData: field(fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/)),
      encInfo: field(fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/)), ordrIdxx: orderId, amount, custIp: ip,
      traceNo: fc.option(field(fc.stringMatching(/^[A-Za-z0-9]{16}$/)), { nil: undefined }),
    }),
    run: (pp, r) => pp.approve(r as never),
    places: (r) => [
      [['ordr_data', 'ordr_mony'], r.amount as string],
      [['ordr_data', 'ordr_no'], r.ordrIdxx as string],
      [['option', 'enc_data'], r.encData as string],
      [['option', 'enc_info'], r.encInfo as string],
      [['option', 'tx_cd'], r.tranCd as string],
      [['option', 'ordr_idxx'], r.ordrIdxx as string],
      [['option', 'trace_no'], r.traceNo as string],
      [['option', 'cust_ip'], r.custIp as string],
    ],
  },
  {
    method: 'issueCashReceipt',
    arb: fc.record({
      ordrIdxx: orderId, goodName: freeText, buyrName: fc.option(freeText, { nil: undefined }),
      buyrTel1: fc.option(freeText, { nil: undefined }), buyrMail: fc.option(freeText, { nil: undefined }),
      comment: fc.option(freeText, { nil: undefined }), tradTime, trCode: fc.constantFrom('0', '1'), idInfo: freeText,
      amtTot: fc.constant(1100), amtSup: fc.constant(1000), amtSvc: fc.constant(0), amtTax: fc.constant(100),
      custIp: fc.option(ip, { nil: undefined }),
    }),
    run: (pp, r) => pp.issueCashReceipt(r as never),
    places: (r) => [
      [['ordr_data', 'ordr_idxx'], r.ordrIdxx as string],
      [['ordr_data', 'good_name'], r.goodName as string],
      [['ordr_data', 'buyr_name'], r.buyrName as string],
      [['ordr_data', 'buyr_tel1'], r.buyrTel1 as string],
      [['ordr_data', 'buyr_mail'], r.buyrMail as string],
      [['ordr_data', 'comment'], r.comment as string],
    ],
  },
  {
    method: 'modifyCashReceipt',
    arb: fc.record({ modType: fc.constantFrom('STSC', 'STPC'), modValue: freeText, modGubn: fc.constantFrom('MG01', 'MG02'), tradTime, amount, cancellableBalance: amount, custIp: fc.option(ip, { nil: undefined }) }),
    run: (pp, r) => pp.modifyCashReceipt(r as never),
    places: (r) => [[['modx_data', 'mod_value'], r.modValue as string], [['modx_data', 'trad_time'], r.tradTime as string]],
  },
  {
    method: 'queryCashReceipt',
    arb: fc.record({ modValue: freeText, modGubn: fc.constantFrom('MG01', 'MG02'), tradTime, custIp: fc.option(ip, { nil: undefined }) }),
    run: (pp, r) => pp.queryCashReceipt(r as never),
    places: (r) => [[['modx_data', 'mod_value'], r.modValue as string], [['modx_data', 'trad_time'], r.tradTime as string]],
  },
];

describe('property: every public PayPlus method refuses with the field named, or carries exactly (fast-check)', () => {
  for (const c of METHODS) {
    it(`${c.method}: ${RUNS} runs, opt=0 and opt=1`, async () => {
      let carried = 0;
      await fc.assert(
        fc.asyncProperty(c.arb, encoding, async (req, enc) => {
          const { runner, payplus } = setup(enc);
          try {
            await c.run(payplus, req);
          } catch (err) {
            assertNamedRefusal(err, runner);
            return;
          }
          carried += 1;
          assertCarried(parsed(runner), c.places(req));
        }),
        { numRuns: RUNS },
      );
      assert.ok(carried > RUNS / 20, `enough runs reach pp_cli to mean something (${carried})`);
    });
  }
});
