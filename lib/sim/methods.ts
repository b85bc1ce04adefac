/**
 * Approval result fields per payment method, shaped after KCP's recorded answers (docs/pp-cli-protocol.md §2.2) and the
 * result tables of the manual (docs/kcp-manual.md §4). Values are plausible test data, never real card numbers.
 */
import { lookupBank } from '../codes/banks.js';
import { lookupPayMethod } from '../codes/pay-methods.js';
import type { PayMethod } from './token.js';

export interface MethodInfo {
  /** pay_method in the result (KCP's 4-letter code). */
  payMethod: string;
  /** use_pay_method bitmap the window posts back. */
  bitmap: string;
  label: string;
}

const SIM_METHODS: readonly PayMethod[] = ['card', 'bank', 'vbank', 'point', 'mobile', 'giftcard'];

/** The simulator's methods, with the codes of the one table (lib/codes/pay-methods.ts): nothing copied here. */
export const METHODS: Readonly<Record<PayMethod, MethodInfo>> = Object.freeze(
  Object.fromEntries(
    SIM_METHODS.map((name) => {
      const info = lookupPayMethod(name)!;
      return [name, Object.freeze({ payMethod: info.payType!, bitmap: info.bitmap, label: info.label })];
    }),
  ) as Record<PayMethod, MethodInfo>,
);

/** The methods a merchant's 12-character pay_method bitmap offers (all when absent or empty). */
export function methodsOffered(bitmap: string | undefined): PayMethod[] {
  const all = Object.keys(METHODS) as PayMethod[];
  if (!bitmap || !/^[01]{12}$/.test(bitmap) || !bitmap.includes('1')) return all;
  return all.filter((m) => METHODS[m].bitmap.split('').some((b, i) => b === '1' && bitmap[i] === '1'));
}

/** Card companies the window offers, plus the simulator's test cards (see README). */
export const CARDS: ReadonlyArray<{ code: string; name: string }> = [
  { code: 'CCSS', name: '삼성카드' },
  { code: 'CCKM', name: 'KB국민카드' },
  { code: 'CCBC', name: 'BC카드' },
  { code: 'CCLG', name: '신한카드' },
  { code: 'CCHN', name: '하나카드' },
  { code: 'CCHM', name: '현대카드' },
];

export const TEST_CARDS: ReadonlyArray<{ code: string; name: string }> = [
  { code: 'DECLINE', name: '거절 테스트 카드 (8108)' },
  { code: 'TIMEOUT', name: '카드사 응답 지연 테스트 카드 (CC72)' },
];

const MASKED_CARD_BIN: Readonly<Record<string, string>> = {
  CCSS: '531070', CCKM: '457973', CCBC: '910020', CCLG: '451842', CCHN: '404825', CCHM: '433290',
};

/** What an approval needs to describe itself. */
export interface ApprovalFacts {
  method: PayMethod;
  ordrIdxx: string;
  tno: string;
  amount: number;
  appTime: string;
  /** A per-transaction number used to derive approval numbers and accounts. */
  seq: number;
  card: string;
  quota: string;
  /** Bank transfer and virtual account: the bank chosen in the window (two digits, e.g. '04'). */
  bank: string;
  escrow: boolean;
  buyerName: string;
  vaDate: string;
}

export type Fields = Array<[string, string]>;

function digits(seq: number, width: number): string {
  return String(seq).padStart(width, '0').slice(-width);
}

export function cardName(code: string): string {
  return CARDS.find((c) => c.code === code)?.name ?? '삼성카드';
}

function cardFields(f: ApprovalFacts): Fields {
  const cd = CARDS.some((c) => c.code === f.card) ? f.card : 'CCSS';
  const name = cardName(cd);
  const appNo = digits(31756924 + f.seq, 8);
  return [
    ['card_cd', cd], ['card_name', name], ['acqu_cd', cd], ['acqu_name', name],
    ['card_no', `${MASKED_CARD_BIN[cd] ?? '531070'}******${digits(9287 + f.seq, 4)}`],
    ['mcht_taxno', '1138521083'], ['mall_taxno', '1138521083'], ['ca_order_id', f.ordrIdxx],
    ['tno', f.tno], ['amount', String(f.amount)], ['card_mny', String(f.amount)], ['coupon_mny', '0'],
    ['escw_yn', f.escrow ? 'Y' : 'N'], ['van_cd', 'VNKC'], ['app_time', f.appTime], ['van_apptime', f.appTime],
    ['app_no', appNo], ['bizx_numb', '24450105'], ['quota', f.quota], ['noinf', 'N'],
    ['pg_txid', `${f.appTime.slice(4)}MP01SIM${digits(f.seq, 8)}${digits(f.amount, 10)}${appNo}`],
    ['partcanc_yn', 'Y'], ['card_bin_type_01', '0'], ['card_bin_type_02', '0'], ['join_cd', '0000'],
  ];
}

/** The bank a transfer or virtual account uses when the payer chose none (the window preselects it too). */
export const SIM_DEFAULT_BANK = '04';

function bankName(code: string): string {
  return lookupBank(code)?.name ?? '국민은행';
}

function bankFields(f: ApprovalFacts): Fields {
  return [
    ['tno', f.tno], ['amount', String(f.amount)], ['bk_mny', String(f.amount)], ['escw_yn', f.escrow ? 'Y' : 'N'],
    ['bank_code', `BK${f.bank}`], ['bank_name', bankName(f.bank)], ['app_time', f.appTime], ['bk_receipt_gubn', '0'],
    ['cash_yn', 'N'], ['cash_authno', ''], ['cash_tr_code', ''],
  ];
}

/** The account number of a virtual account, derived from the transaction so deposits can name it. */
export function vbankAccount(seq: number): string {
  return `T04000000${digits(40774 + seq, 5)}`;
}

function vbankFields(f: ApprovalFacts): Fields {
  return [
    ['tno', f.tno], ['van_txid', `DP00${f.appTime.slice(0, 8)}${digits(147047 + f.seq, 8)}`],
    ['amount', String(f.amount)], ['escw_yn', f.escrow ? 'Y' : 'N'], ['van_cd', 'SCWR'], ['bankcode', `BK${f.bank}`],
    ['bankname', bankName(f.bank)], ['depositor', 'KCP 테스트'], ['account', vbankAccount(f.seq)], ['app_time', f.appTime],
    ['van_apptime', f.appTime], ['mall_taxno', '1138521083'], ['va_date', f.vaDate], ['va_name', f.buyerName],
  ];
}

function mobileFields(f: ApprovalFacts): Fields {
  return [
    ['tno', f.tno], ['amount', String(f.amount)], ['escw_yn', 'N'], ['van_cd', 'VNMC'], ['app_time', f.appTime],
    ['hp_app_time', f.appTime], ['van_id', 'SIMVAN01'], ['commid', 'SKT'], ['mobile_no', '010****1111'],
  ];
}

function pointFields(f: ApprovalFacts): Fields {
  return [
    ['tno', f.tno], ['amount', '0'], ['escw_yn', 'N'], ['pnt_issue', 'SCSK'], ['pt_idno', '9410********0001'],
    ['pnt_amount', String(f.amount)], ['pnt_app_time', f.appTime], ['pnt_app_no', digits(70000000 + f.seq, 8)],
    ['add_pnt', '0'], ['use_pnt', String(f.amount)], ['rsv_pnt', '100000'],
  ];
}

function giftcardFields(f: ApprovalFacts): Fields {
  return [
    ['tno', f.tno], ['amount', String(f.amount)], ['escw_yn', 'N'], ['tk_van_code', 'SCSB'],
    ['tk_app_no', digits(80000000 + f.seq, 8)], ['tk_app_time', f.appTime], ['tk_order_id', f.ordrIdxx],
  ];
}

/** Method-specific fields of a successful approval, following the common res_cd/res_msg/pay_method/order_no. */
export function approvalFields(f: ApprovalFacts): Fields {
  switch (f.method) {
    case 'card': return cardFields(f);
    case 'bank': return bankFields(f);
    case 'vbank': return vbankFields(f);
    case 'mobile': return mobileFields(f);
    case 'point': return pointFields(f);
    case 'giftcard': return giftcardFields(f);
  }
}
