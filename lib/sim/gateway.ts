/**
 * The simulated KCP gateway: what happens to one request from pp_cli (`POST /<tx_cd>`), with transactions kept in
 * memory. Pure logic on decoded fields — no HTTP, no timers — so it is tested and reasoned about on its own.
 */
import { TEST_SITE_CD, TEST_SITE_KEY } from '../config/site-conf.js';
import { CODES, type SimCode } from './codes.js';
import { parsePayxData, parseUsSet } from './codec.js';
import { METHODS, SIM_DEFAULT_BANK, approvalFields, cardName, vbankAccount, type Fields } from './methods.js';
import type { PayMethod, TokenIssuer, WindowChoice } from './token.js';

export type GatewayEnv = 'TEST' | 'REAL';

/** KCP's escrow test site (docs/pp-cli-protocol.md §1.2). */
export const TEST_ESCROW_SITE_CD = 'T0007';
export const TEST_ESCROW_SITE_KEY = '4Ho4YsuOZlLXUZUdOxM1Q7X__';

export const DEFAULT_SITES: Readonly<Record<string, string>> = {
  [TEST_SITE_CD]: TEST_SITE_KEY,
  [TEST_ESCROW_SITE_CD]: TEST_ESCROW_SITE_KEY,
};

export type TxState = 'approved' | 'issued' | 'deposited' | 'cancelled';
export type EscrowState = 'waiting' | 'paid' | 'shipping' | 'cancelled';

/** One payment as the simulated gateway remembers it. */
export interface SimTransaction {
  tno: string;
  siteCd: string;
  ordrIdxx: string;
  method: PayMethod;
  payMethod: string;
  amount: number;
  /** What can still be cancelled (rem_mny). */
  balance: number;
  state: TxState;
  captured: boolean;
  escrow: boolean;
  escrowState?: EscrowState;
  appTime: string;
  seq: number;
  card?: string;
  /** Bank transfer / virtual account: the bank's two-digit code. */
  bank?: string;
  account?: string;
  buyerName: string;
  /** Sum of deposits notified (virtual accounts). */
  deposited: number;
  history: Array<{ at: string; modType: string; amount?: number }>;
}

export interface CashReceipt {
  cashNo: string;
  receiptNo: string;
  siteCd: string;
  ordrIdxx: string;
  amount: number;
  balance: number;
  state: 'issued' | 'cancelled';
  appTime: string;
}

export interface GatewayOptions {
  env?: GatewayEnv;
  /** site_cd → site_key accepted by this gateway (default: KCP's TEST sites T0000 and T0007). */
  sites?: Readonly<Record<string, string>>;
  now?: () => Date;
  /** First 6-digit sequence used in tno (YYYYMMDD + 6 digits). */
  tnoStart?: number;
}

/** A gateway answer; `slow` asks the server to delay it (timeout tests). */
export interface GatewayAnswer {
  fields: Fields;
  slow: boolean;
}

/** Local time as YYYYMMDDhhmmss. */
export function timestamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getFullYear(), 4)}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function refusal(code: SimCode, extra: Fields = []): Fields {
  return [['res_cd', code.resCd], ['res_msg', code.resMsg], ['res_en_msg', code.resEnMsg], ...extra];
}

function success(extra: Fields): Fields {
  return refusal(CODES.ok, extra);
}

/**
 * The 995 trigger: the payment is approved and in the ledger, but the answer says 0000 without its tno — the case the
 * SDK must treat as an unknown outcome (nothing it could cancel), on either transport.
 */
export function withoutTnoOn(trigger: ReturnType<typeof amountTrigger>, fields: Fields): Fields {
  return trigger === 'no_tno' ? fields.filter(([k]) => k !== 'tno') : fields;
}

/** Amount triggers (README "Test values"): the last three digits of the amount. */
export function amountTrigger(amount: number): 'decline' | 'card_timeout' | 'slow' | 'format' | 'no_tno' | 'charged_timeout' | undefined {
  switch (amount % 1000) {
    case 991: return 'decline';
    case 992: return 'card_timeout';
    case 993: return 'slow';
    case 994: return 'format';
    case 995: return 'no_tno';
    case 996: return 'charged_timeout';
    default: return undefined;
  }
}

export class Gateway {
  readonly env: GatewayEnv;
  readonly sites: Readonly<Record<string, string>>;
  readonly transactions = new Map<string, SimTransaction>();
  readonly cashReceipts = new Map<string, CashReceipt>();
  private readonly usedChoices = new Set<string>();
  private readonly now: () => Date;
  private seq: number;

  constructor(private readonly tokens: TokenIssuer, options: GatewayOptions = {}) {
    this.env = options.env ?? 'TEST';
    this.sites = options.sites ?? DEFAULT_SITES;
    this.now = options.now ?? (() => new Date());
    this.seq = options.tnoStart ?? 962625;
  }

  private nextNumber(): { tno: string; seq: number; at: string } {
    const at = timestamp(this.now());
    const seq = this.seq++;
    return { tno: `${at.slice(0, 8)}${String(seq % 1_000_000).padStart(6, '0')}`, seq, at };
  }

  /** Answer one pp_cli request. `fields` are the decoded body fields the stand-in posts. */
  handle(txCd: string, fields: ReadonlyMap<string, string>): GatewayAnswer {
    const get = (k: string) => fields.get(k) ?? '';
    switch (txCd) {
      case '00100000': return this.approve(get);
      case '00200000': return this.modify(get);
      case '07010000': return { fields: this.cashIssue(get), slow: false };
      case '07020000':
      case '07030000': return { fields: this.cashModify(txCd, get), slow: false };
      default: return { fields: refusal(CODES.unsupported), slow: false };
    }
  }

  /** 3014 / 8001 checks (manual FAQ): window env vs site code, site code vs gateway env, registration, key. */
  private siteRefusal(siteCd: string, siteKey: string, windowEnv?: GatewayEnv): Fields | undefined {
    const siteEnv: GatewayEnv = siteCd.startsWith('T') ? 'TEST' : 'REAL';
    if (windowEnv !== undefined && windowEnv !== siteEnv) return refusal(CODES.unregistered);
    if (siteEnv !== this.env) return refusal(CODES.siteDb);
    const key = this.sites[siteCd];
    if (key === undefined) return refusal(CODES.unregistered);
    if (siteKey !== '' && siteKey !== key) return refusal(CODES.unregistered);
    return undefined;
  }

  private approve(get: (k: string) => string): GatewayAnswer {
    const no = (f: Fields) => ({ fields: f, slow: false });
    if (get('enc_data') === '') {
      const payx = parsePayxData(get('payx_data'));
      // Server-side key-in / batch-key payments are not simulated.
      return no(this.siteRefusal(get('site_cd'), get('site_key')) ?? refusal(payx.size ? CODES.unsupported : CODES.formatPay));
    }
    const choice = this.tokens.resolve(get('enc_data'), get('enc_info'));
    if (!choice || choice.siteCd !== get('site_cd')) return no(refusal(CODES.decrypt));
    const site = this.siteRefusal(get('site_cd'), get('site_key'), choice.env);
    if (site) return no(site);
    const ordr = parseUsSet(get('ordr_data'), 'ordr_data');
    const amount = Number(choice.amount);
    const ordrMony = ordr.get('ordr_mony');
    if (ordrMony !== undefined && ordrMony !== choice.amount) return no(refusal(CODES.amountMismatch));
    if (this.usedChoices.has(choice.id)) return no(refusal(duplicateCode(choice.method)));
    const trigger = amountTrigger(amount);
    const slow = trigger === 'slow';
    if (choice.card === 'DECLINE' || trigger === 'decline') return { fields: refusal(CODES.cardNumber), slow };
    if (choice.card === 'TIMEOUT' || trigger === 'card_timeout') return { fields: refusal(CODES.cardTimeout), slow };
    if (trigger === 'format') return { fields: refusal(CODES.formatAmount), slow };
    this.usedChoices.add(choice.id);
    const fields = this.record(choice, amount);
    if (trigger === 'charged_timeout') {
      // The simulator's own case (whether KCP's CC72 answer carries a tno is not known): the card company's answer came
      // too late for KCP's reply, yet the charge stood. The ledger holds the approval; the answer says CC72 with its
      // tno, so a gateway that can ask KCP (the REST inquiry) settles it, and pp_cli's recovery cannot.
      const keep = new Set(['tno', 'order_no', 'pay_method', 'amount']);
      return { fields: refusal(CODES.cardTimeout, fields.filter(([k]) => keep.has(k))), slow };
    }
    return { fields: withoutTnoOn(trigger, fields), slow };
  }

  private record(choice: WindowChoice, amount: number): Fields {
    const { tno, seq, at } = this.nextNumber();
    const vaDue = this.now();
    vaDue.setDate(vaDue.getDate() + 7);
    const vaDate = `${timestamp(vaDue).slice(0, 8)}235959`;
    const escrow = choice.escrow === true;
    const tx: SimTransaction = {
      tno, seq, siteCd: choice.siteCd, ordrIdxx: choice.ordrIdxx, method: choice.method,
      payMethod: METHODS[choice.method].payMethod, amount, balance: amount,
      state: choice.method === 'vbank' ? 'issued' : 'approved', captured: false, escrow,
      escrowState: escrow ? (choice.method === 'vbank' ? 'waiting' : 'paid') : undefined,
      appTime: at, card: choice.card, bank: choice.bank, account: choice.method === 'vbank' ? vbankAccount(seq) : undefined,
      buyerName: choice.buyerName ?? '', deposited: 0, history: [{ at, modType: 'STSR', amount }],
    };
    this.transactions.set(tno, tx);
    return success([
      ['pay_method', tx.payMethod], ['order_no', tx.ordrIdxx],
      ...approvalFields({
        method: tx.method, ordrIdxx: tx.ordrIdxx, tno, amount, appTime: at, seq, card: choice.card ?? 'CCSS',
        quota: choice.quota ?? '00', bank: choice.bank ?? SIM_DEFAULT_BANK, escrow, buyerName: tx.buyerName, vaDate,
      }),
    ]);
  }

  private modify(get: (k: string) => string): GatewayAnswer {
    const site = this.siteRefusal(get('site_cd'), get('site_key'));
    if (site) return { fields: site, slow: false };
    const mod = parseUsSet(get('modx_data'), 'mod_data');
    const tx = this.transactions.get(mod.get('tno') ?? '');
    if (!tx || tx.siteCd !== get('site_cd')) return { fields: refusal(CODES.noTransaction), slow: false };
    const slow = amountTrigger(tx.amount) === 'slow';
    const at = timestamp(this.now());
    const modType = mod.get('mod_type') ?? '';
    const fields = this.applyModification(tx, modType, mod, at);
    if (fields[0]![1] === CODES.ok.resCd) tx.history.push({ at, modType, amount: Number(mod.get('mod_mny') ?? tx.amount) });
    return { fields, slow };
  }

  private applyModification(tx: SimTransaction, modType: string, mod: Map<string, string>, at: string): Fields {
    if (tx.state === 'cancelled') return refusal(CODES.alreadyCancelled);
    switch (modType) {
      case 'STSC': return this.cancelAll(tx, at);
      case 'STPC':
      case 'RN07':
      case 'STPA': return this.cancelPart(tx, mod, at);
      case 'STMR': return this.capture(tx, at);
      case 'STE1':
      case 'STE2':
      case 'STE4':
      case 'STE5': return this.escrow(tx, modType, mod, at);
      default: return refusal(CODES.unsupported);
    }
  }

  private cancelAll(tx: SimTransaction, at: string): Fields {
    tx.state = 'cancelled';
    tx.balance = 0;
    if (tx.escrow) tx.escrowState = 'cancelled';
    return success([['tno', tx.tno], ['amount', String(tx.amount)], ['canc_time', at]]);
  }

  private cancelPart(tx: SimTransaction, mod: Map<string, string>, at: string): Fields {
    const modMny = mod.get('mod_mny') ?? '';
    const remMny = mod.get('rem_mny') ?? '';
    if (!/^\d+$/.test(remMny) || Number(remMny) !== tx.balance) return refusal(CODES.balanceMismatch);
    if (!/^\d+$/.test(modMny) || Number(modMny) <= 0 || Number(modMny) > tx.balance) return refusal(CODES.cancelAmount);
    if (tx.method === 'vbank' && tx.state === 'issued') return refusal(CODES.cancelAmount);
    tx.balance -= Number(modMny);
    if (tx.balance === 0) tx.state = 'cancelled';
    const card: Fields = tx.method === 'card'
      ? [['panc_card_mod_mny', modMny], ['panc_coupon_mod_mny', '0'], ['card_cd', tx.card && tx.card.startsWith('CC') ? tx.card : 'CCSS'],
        ['card_name', cardName(tx.card ?? 'CCSS')], ['coupon_mny', '0']]
      : [];
    return success([
      ['tno', tx.tno], ['amount', String(tx.amount)], ['panc_mod_mny', modMny], ['panc_rem_mny', String(tx.balance)],
      ...card, ['canc_time', at],
    ]);
  }

  private capture(tx: SimTransaction, at: string): Fields {
    if (tx.method !== 'card') return refusal(CODES.notCapturable);
    if (tx.captured) return refusal(CODES.alreadyCaptured);
    tx.captured = true;
    return success([['tno', tx.tno], ['amount', String(tx.amount)], ['app_time', at]]);
  }

  private escrow(tx: SimTransaction, modType: string, mod: Map<string, string>, at: string): Fields {
    if (!tx.escrow) return refusal(CODES.notEscrow);
    const needsRefund = (tx.method === 'bank' || tx.method === 'vbank') && tx.state !== 'issued';
    const refundOk = ['refund_account', 'refund_nm', 'bank_code'].every((k) => (mod.get(k) ?? '') !== '');
    const done: Fields = [['tno', tx.tno], ['amount', String(tx.amount)], ['mod_time', at]];
    switch (modType) {
      case 'STE1':
        if (tx.escrowState !== 'paid') return refusal(CODES.escrowState);
        if (!mod.get('deli_numb') || !mod.get('deli_corp')) return refusal(CODES.formatPay);
        tx.escrowState = 'shipping';
        return success(done);
      case 'STE2':
      case 'STE4':
        if (tx.escrowState !== (modType === 'STE2' ? 'paid' : 'shipping')) return refusal(CODES.escrowState);
        if (needsRefund && !refundOk) return refusal(CODES.formatPay);
        break;
      default: // STE5: cancel an escrow virtual account that was issued but not paid
        if (tx.method !== 'vbank' || tx.state !== 'issued') return refusal(CODES.escrowState);
    }
    tx.state = 'cancelled';
    tx.balance = 0;
    tx.escrowState = 'cancelled';
    return success(done);
  }

  private cashIssue(get: (k: string) => string): Fields {
    const site = this.siteRefusal(get('site_cd'), get('site_key'));
    if (site) return site;
    const ordr = parseUsSet(get('ordr_data'), 'ordr_data');
    const amt = ordr.get('amt_tot') ?? '';
    if (!/^\d+$/.test(amt) || Number(amt) <= 0 || !ordr.get('id_info') || !/^[01]$/.test(ordr.get('tr_code') ?? '')) {
      return refusal(CODES.formatPay);
    }
    const { tno, seq, at } = this.nextNumber();
    const receipt: CashReceipt = {
      cashNo: tno, receiptNo: String(100000000 + seq).slice(-9), siteCd: get('site_cd'),
      ordrIdxx: ordr.get('ordr_idxx') ?? get('ordr_idxx'), amount: Number(amt), balance: Number(amt),
      state: 'issued', appTime: at,
    };
    this.cashReceipts.set(receipt.cashNo, receipt);
    return success(cashFields(receipt, 'NTNC', '등록 완료'));
  }

  private cashModify(txCd: string, get: (k: string) => string): Fields {
    const site = this.siteRefusal(get('site_cd'), get('site_key'));
    if (site) return site;
    const mod = parseUsSet(get('modx_data'), 'mod_data');
    const receipt = this.cashReceipts.get(mod.get('mod_value') ?? '');
    if (!receipt || receipt.siteCd !== get('site_cd')) return refusal(CODES.noTransaction);
    const modType = mod.get('mod_type') ?? '';
    if (txCd === '07030000') {
      return modType === 'STSQ' ? success(cashFields(receipt, receipt.state === 'issued' ? 'NTNC' : 'CNCL', '조회 완료')) : refusal(CODES.unsupported);
    }
    if (receipt.state === 'cancelled') return refusal(CODES.alreadyCancelled);
    if (modType === 'STSC') {
      receipt.state = 'cancelled';
      receipt.balance = 0;
      return success(cashFields(receipt, 'CNCL', '취소 완료'));
    }
    if (modType === 'STPC') {
      const modMny = Number(mod.get('mod_mny') ?? 'x');
      const remMny = Number(mod.get('rem_mny') ?? 'x');
      if (remMny !== receipt.balance) return refusal(CODES.balanceMismatch);
      if (!Number.isInteger(modMny) || modMny <= 0 || modMny > receipt.balance) return refusal(CODES.cancelAmount);
      receipt.balance -= modMny;
      if (receipt.balance === 0) receipt.state = 'cancelled';
      return success([...cashFields(receipt, 'CNCL', '부분취소 완료'), ['panc_rem_mny', String(receipt.balance)]]);
    }
    return refusal(CODES.unsupported);
  }

  /** A virtual-account deposit: marks the transaction paid and returns the TX00 notification fields. */
  deposit(tno: string, options: { amount?: number; remitter?: string; opCd?: string; notiId: string }): Fields {
    const tx = this.transactions.get(tno);
    if (!tx || tx.method !== 'vbank') throw new Error(`sim deposit: ${tno} is not a virtual-account transaction of this simulator`);
    const amount = options.amount ?? tx.amount;
    const cancel = options.opCd === '13';
    if (tx.state === 'cancelled' && !cancel) throw new Error(`sim deposit: ${tno} is cancelled`);
    const at = timestamp(this.now());
    if (cancel) {
      tx.deposited = Math.max(0, tx.deposited - amount);
      if (tx.deposited === 0 && tx.state === 'deposited') tx.state = 'issued';
    } else {
      tx.deposited += amount;
      tx.state = 'deposited';
      if (tx.escrow) tx.escrowState = 'paid';
    }
    tx.history.push({ at, modType: cancel ? 'DEPOSIT_CANCEL' : 'DEPOSIT', amount });
    return [
      ...this.noticeHead(tx, 'TX00', at),
      ['ipgm_name', tx.buyerName], ['remitter', options.remitter ?? tx.buyerName], ['ipgm_mnyx', String(amount)],
      ['totl_mnyx', String(tx.deposited)], ['ipgm_time', at], ['bank_code', `BK${tx.bank ?? SIM_DEFAULT_BANK}`], ['account', tx.account ?? ''],
      ['op_cd', options.opCd ?? '00'], ['noti_id', options.notiId], ['cash_a_no', ''], ['cash_a_dt', ''], ['cash_no', ''],
    ];
  }

  /** Fields for an escrow notice: TX02 purchase confirmation (st_cd Y/N) or TX03 shipping start. */
  escrowNotice(tno: string, txCd: 'TX02' | 'TX03', extra: Readonly<Record<string, string>> = {}): Fields {
    const tx = this.transactions.get(tno);
    if (!tx) throw new Error(`sim notify: unknown tno ${tno}`);
    const at = timestamp(this.now());
    const fields: Fields = this.noticeHead(tx, txCd, at);
    if (txCd === 'TX02') {
      const st = extra.st_cd ?? 'Y';
      fields.push(['st_cd', st]);
      if (st === 'N') fields.push(['can_msg', extra.can_msg ?? '구매취소']);
    } else {
      fields.push(['waybill_no', extra.waybill_no ?? ''], ['waybill_corp', extra.waybill_corp ?? '']);
    }
    for (const [k, v] of Object.entries(extra)) if (!fields.some(([f]) => f === k)) fields.push([k, v]);
    return fields;
  }

  private noticeHead(tx: SimTransaction, txCd: string, at: string): Fields {
    return [['site_cd', tx.siteCd], ['tno', tx.tno], ['order_no', tx.ordrIdxx], ['tx_cd', txCd], ['tx_tm', at]];
  }
}

function cashFields(r: CashReceipt, regStat: string, regDesc: string): Fields {
  return [['cash_no', r.cashNo], ['receipt_no', r.receiptNo], ['app_time', r.appTime], ['reg_stat', regStat], ['reg_desc', regDesc]];
}

function duplicateCode(method: PayMethod): SimCode {
  if (method === 'card') return CODES.dupCard;
  if (method === 'bank') return CODES.dupBank;
  if (method === 'vbank') return CODES.dupVbank;
  return CODES.dupOther;
}
