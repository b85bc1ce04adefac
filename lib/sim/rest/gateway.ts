/**
 * The simulated KCP PG-API: what one REST request does, as pure logic on the JSON fields (no sockets). It speaks for
 * the same ledger as the pp_cli gateway (lib/sim/gateway.ts): approvals and cancels go through Gateway.handle with
 * the fields pp_cli would have sent, so a payment approved over REST is cancelled, inquired and notified like any
 * other. Strict checks (docs/kcp-rest-api.md §8): one-line certificate with intact markers, issued by this simulator's CA to
 * the site; kcp_sign_data verified over the exact string; rem_mny against the ledger; ordr_mony against the window's
 * amount (8059).
 */
import { X509Certificate, createHash, randomInt, verify } from 'node:crypto';
import { US } from '../../protocol/index.js';
import { CODES, type SimCode } from '../codes.js';
import { amountTrigger, timestamp, withoutTnoOn, type Gateway, type SimTransaction } from '../gateway.js';
import { approvalFields, cardName, SIM_DEFAULT_BANK, type Fields } from '../methods.js';
import { makeTraceNo } from '../trace.js';
import { TokenIssuer, type WindowChoice } from '../token.js';
import type { SimTrade } from '../trade.js';
import { SMARTPHONE_METHODS } from '../trade.js';
import { REST_CODES } from './codes.js';

export type RestFields = Record<string, string>;

export interface RestAnswer {
  /** Always 200: KCP answers business errors in the body (docs/kcp-rest-api.md §1, inferred). */
  status: number;
  body: RestFields;
  /** Hold the answer back (amount ending in 993), as the pp_cli gateway does. */
  slow: boolean;
}

/** A batch-mode window's choice: the card and the group the key is issued for. */
interface BatchChoice extends WindowChoice {
  groupId: string;
}

export interface SimBatchKey {
  batchKey: string;
  siteCd: string;
  groupId: string;
  card: string;
  deleted: boolean;
}

export interface RestGatewayOptions {
  /** The certificates (PEM) this gateway accepts as kcp_cert_info, per site code; '*' for every site it serves. */
  merchantCerts: Readonly<Record<string, readonly string[]>>;
  caPem: string;
  /** Where the smartphone window lives (PayUrl of a registration). */
  payUrl: () => string;
  trades: Map<string, SimTrade>;
  now?: () => Date;
}

const ONE_LINE_CERT = /^-----BEGIN CERTIFICATE-----([A-Za-z0-9+/]+={0,2})-----END CERTIFICATE-----$/;
const MONEY = /^(0|[1-9][0-9]{0,11})$/;
const BATCH_TRAN_CD = '00300001';

function answer(code: SimCode, extra: RestFields = {}, slow = false): RestAnswer {
  return { status: 200, body: { res_cd: code.resCd, res_msg: code.resMsg, res_en_msg: code.resEnMsg, ...extra }, slow };
}

function fromFields(fields: Fields): RestFields {
  return Object.fromEntries(fields);
}

export class RestGatewaySim {
  readonly batchKeys = new Map<string, SimBatchKey>();
  /** Partial-cancel serial numbers per tno (mod_pcan_seq_no). */
  private readonly pcanSeq = new Map<string, number>();
  private readonly batchTokens = new TokenIssuer();
  private readonly fingerprints = new Map<string, Set<string>>();
  private readonly ca: X509Certificate;
  private readonly now: () => Date;
  private chargeSeq = 500_000;

  constructor(private readonly gateway: Gateway, private readonly options: RestGatewayOptions) {
    this.ca = new X509Certificate(options.caPem);
    this.now = options.now ?? (() => new Date());
    for (const [site, pems] of Object.entries(options.merchantCerts)) {
      this.fingerprints.set(site, new Set(pems.map((p) => new X509Certificate(p).fingerprint256)));
    }
  }

  /** Register another certificate for a site (tests). */
  acceptCertificate(siteCd: string, pem: string): void {
    const set = this.fingerprints.get(siteCd) ?? new Set<string>();
    set.add(new X509Certificate(pem).fingerprint256);
    this.fingerprints.set(siteCd, set);
  }

  /** What a batch-mode window (pay_method AUTH:CARD, card_cert_type BATCH) posts back: enc_data, enc_info, tran_cd. */
  batchWindow(input: { siteCd: string; groupId: string; card?: string }): { enc_data: string; enc_info: string; tran_cd: string; card_mask_no: string } {
    const card = input.card ?? 'CCSS';
    const choice: BatchChoice = {
      id: `B${Date.now()}${randomInt(1e9)}`, method: 'card', amount: '0', ordrIdxx: '', siteCd: input.siteCd, env: 'TEST', card, groupId: input.groupId,
    };
    const { encData, encInfo } = this.batchTokens.issue(choice);
    return { enc_data: encData, enc_info: encInfo, tran_cd: BATCH_TRAN_CD, card_mask_no: '5310******1234' };
  }

  /** One request: path and raw body in, answer out. */
  handle(path: string, body: Buffer): RestAnswer {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return answer(REST_CODES.badJson);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return answer(REST_CODES.badJson);
    const entries = Object.entries(parsed as Record<string, unknown>);
    // Strict: KCP's samples send every value as a string; a number here is a merchant bug the SDK must never have.
    if (entries.some(([, v]) => typeof v !== 'string')) return answer(REST_CODES.badJson);
    const f = Object.fromEntries(entries) as RestFields;
    switch (path) {
      case '/gw/enc/v1/payment': return this.payment(f);
      case '/gw/mod/v1/cancel': return this.cancel(f);
      case '/std/inquery': return this.inquiry(f);
      case '/std/tradeReg/register': return this.tradeRegister(f);
      case '/gw/hub/v1/payment': return this.hub(f);
      default: return { status: 404, body: { error: `no such path ${path}` }, slow: false };
    }
  }

  /** Site code served, certificate in one line with intact markers, issued by our CA to this site, valid now. */
  private credentialRefusal(f: RestFields): RestAnswer | undefined {
    const siteCd = f.site_cd ?? '';
    if (siteCd === '') return answer(REST_CODES.missing);
    if (!Object.prototype.hasOwnProperty.call(this.gateway.sites, siteCd)) return answer(CODES.unregistered);
    if ((siteCd.startsWith('T') ? 'TEST' : 'REAL') !== this.gateway.env) return answer(CODES.siteDb);
    const m = ONE_LINE_CERT.exec(f.kcp_cert_info ?? '');
    if (!m) return answer(REST_CODES.certFormat);
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(`-----BEGIN CERTIFICATE-----\n${m[1]!.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`);
    } catch {
      return answer(REST_CODES.certFormat);
    }
    const known = this.fingerprints.get(siteCd) ?? this.fingerprints.get('*');
    const now = this.now().getTime();
    if (!known?.has(cert.fingerprint256) || !cert.verify(this.ca.publicKey) || now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
      return answer(REST_CODES.certInvalid);
    }
    return undefined;
  }

  /** kcp_sign_data verified with the certificate sent, over site_cd^tno^<third> exactly as the body carries them. */
  private signatureRefusal(f: RestFields, third: 'mod_type' | 'pay_type'): RestAnswer | undefined {
    const sig = f.kcp_sign_data ?? '';
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(sig)) return answer(REST_CODES.signature);
    const m = ONE_LINE_CERT.exec(f.kcp_cert_info ?? '')!;
    const cert = new X509Certificate(`-----BEGIN CERTIFICATE-----\n${m[1]!.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`);
    const plain = `${f.site_cd ?? ''}^${f.tno ?? ''}^${f[third] ?? ''}`;
    const ok = verify('sha256', Buffer.from(plain, 'utf8'), cert.publicKey, Buffer.from(sig, 'base64'));
    return ok ? undefined : answer(REST_CODES.signature);
  }

  private payment(f: RestFields): RestAnswer {
    const refused = this.credentialRefusal(f);
    if (refused) return refused;
    if (!f.enc_data || !f.enc_info) return answer(CODES.decrypt);
    const batch = this.batchTokens.resolve(f.enc_data, f.enc_info) as BatchChoice | undefined;
    if (batch) return this.issueBatchKey(f, batch);
    if (f.tran_cd !== '00100000') return answer(REST_CODES.missing);
    const ordrMony = f.ordr_mony ?? '';
    if (ordrMony === '') return answer(REST_CODES.missing);
    if (!MONEY.test(ordrMony)) return answer(CODES.amountMismatch);
    const result = this.gateway.handle('00100000', new Map([
      ['site_cd', f.site_cd ?? ''], ['site_key', ''], ['enc_data', f.enc_data], ['enc_info', f.enc_info],
      ['ordr_data', `ordr_mony=${ordrMony}`],
    ]));
    return { status: 200, body: fromFields(result.fields), slow: result.slow };
  }

  private issueBatchKey(f: RestFields, choice: BatchChoice): RestAnswer {
    if (choice.siteCd !== f.site_cd) return answer(CODES.decrypt);
    let batchKey: string;
    do batchKey = `${randomInt(10_000_000, 100_000_000)}${String(randomInt(0, 100_000_000)).padStart(8, '0')}`; while (this.batchKeys.has(batchKey));
    const card = choice.card ?? 'CCSS';
    this.batchKeys.set(batchKey, { batchKey, siteCd: choice.siteCd, groupId: choice.groupId, card, deleted: false });
    return answer(CODES.ok, {
      batch_key: batchKey, card_cd: card, card_name: cardName(card), card_bank_cd: '0321', card_bin_type_01: '0',
      card_bin_type_02: '1', van_tx_id: '', join_cd: '',
    });
  }

  private cancel(f: RestFields): RestAnswer {
    const refused = this.credentialRefusal(f);
    if (refused) return refused;
    if (!f.tno || !f.mod_type) return answer(REST_CODES.missing);
    const bad = this.signatureRefusal(f, 'mod_type');
    if (bad) return bad;
    const tx = this.gateway.transactions.get(f.tno);
    if (!tx || tx.siteCd !== f.site_cd) return answer(CODES.noTransaction);
    if (f.mod_type !== 'STSC' && f.mod_type !== 'STPC') return answer(CODES.unsupported);
    // [PUNG]: after a partial cancel, the rest must be cancelled with STPC too; STSC is refused with 8038.
    if (f.mod_type === 'STSC' && tx.state !== 'cancelled' && tx.balance < tx.amount) {
      return answer({ resCd: '8038', resMsg: '부분취소 후 전체취소 불가', resEnMsg: 'full cancel after a partial cancel', source: 'kcp' });
    }
    const mod: Array<[string, string]> = [['tno', f.tno], ['mod_type', f.mod_type]];
    if (f.mod_type === 'STPC') {
      if (!f.mod_mny || !f.rem_mny) return answer(REST_CODES.missing);
      if (f.tax_flag === 'TG03') {
        const parts = [f.mod_tax_mny, f.mod_vat_mny, f.mod_free_mny];
        if (parts.some((p) => p === undefined || !MONEY.test(p)) || parts.reduce((s, p) => s + Number(p), 0) !== Number(f.mod_mny)) {
          return answer(REST_CODES.taxSplit);
        }
      }
      mod.push(['mod_mny', f.mod_mny], ['rem_mny', f.rem_mny]);
    }
    const result = this.gateway.handle('00200000', new Map([
      ['site_cd', f.site_cd ?? ''], ['site_key', ''], ['modx_data', mod.map(([k, v]) => `${k}=${v}`).join(US) + US],
    ]));
    const body = fromFields(result.fields);
    if (body.res_cd === CODES.ok.resCd && f.mod_type === 'STPC') {
      // REST names (docs/kcp-rest-api.md §3.6) beside pp_cli's panc_* ones: whether KCP's REST answer has both is unknown.
      const seq = (this.pcanSeq.get(f.tno) ?? 0) + 1;
      this.pcanSeq.set(f.tno, seq);
      body.mod_mny = body.panc_mod_mny ?? f.mod_mny;
      body.rem_mny = body.panc_rem_mny ?? '';
      body.card_mod_mny = body.panc_card_mod_mny ?? '';
      body.mod_pcan_seq_no = `${f.tno.slice(0, 8)}${String(seq).padStart(6, '0')}`;
    }
    return { status: 200, body, slow: result.slow };
  }

  private inquiry(f: RestFields): RestAnswer {
    const refused = this.credentialRefusal(f);
    if (refused) return refused;
    if (!f.tno || !f.pay_type) return answer(REST_CODES.missing);
    const bad = this.signatureRefusal(f, 'pay_type');
    if (bad) return bad;
    const tx = this.gateway.transactions.get(f.tno);
    if (!tx || tx.siteCd !== f.site_cd) return answer(CODES.noTransaction);
    if (f.pay_type !== tx.payMethod) return answer(REST_CODES.payType);
    return answer(CODES.ok, inquiryFields(tx));
  }

  private tradeRegister(f: RestFields): RestAnswer {
    const refusal = (code: SimCode): RestAnswer => ({ status: 200, body: { Code: code.resCd, Message: code.resMsg }, slow: false });
    const refused = this.credentialRefusal(f);
    if (refused) return refusal({ ...CODES.ok, resCd: refused.body.res_cd!, resMsg: refused.body.res_msg! });
    const missing = ['ordr_idxx', 'good_mny', 'good_name', 'pay_method', 'Ret_URL'].some((k) => !f[k]);
    if (missing) return refusal(REST_CODES.missing);
    if (!MONEY.test(f.good_mny!) || f.good_mny === '0') return refusal(CODES.formatAmount);
    if (!SMARTPHONE_METHODS[f.pay_method!]) return refusal(CODES.unsupported);
    const approvalKey = createHash('sha256').update(`${f.site_cd}${f.ordr_idxx}${Date.now()}${randomInt(1e9)}`).digest('base64url').slice(0, 32);
    const trade: SimTrade = {
      approvalKey, siteCd: f.site_cd!, ordrIdxx: f.ordr_idxx!, amount: f.good_mny!, payMethod: f.pay_method!,
      productName: f.good_name!, returnUrl: f.Ret_URL!, escrow: f.escw_used === 'Y',
    };
    if (this.options.trades.size >= 10_000) this.options.trades.delete(this.options.trades.keys().next().value!);
    this.options.trades.set(approvalKey, trade);
    return {
      status: 200,
      body: { Code: '0000', Message: '정상처리', approvalKey, PayUrl: this.options.payUrl(), traceNo: makeTraceNo(f.site_cd!, '127.0.0.1', this.now()) },
      slow: f.good_mny!.endsWith('993'),
    };
  }

  private hub(f: RestFields): RestAnswer {
    const refused = this.credentialRefusal(f);
    if (refused) return refused;
    if (f.pay_method === 'BATCH' && f.tx_type === '10005010') {
      const key = this.batchKeys.get(f.batch_key ?? '');
      if (!key || key.deleted || key.siteCd !== f.site_cd || key.groupId !== f.group_id) return answer(REST_CODES.batchKey);
      key.deleted = true;
      return answer(CODES.ok);
    }
    if (f.pay_method === 'CARD' && f.card_tx_type === '11511000') return this.charge(f);
    return answer(CODES.unsupported);
  }

  /** A recurring charge: recorded in the shared ledger, so cancel, inquiry and notifications treat it as any card payment. */
  private charge(f: RestFields): RestAnswer {
    const key = this.batchKeys.get(f.bt_batch_key ?? '');
    if (!key || key.deleted || key.siteCd !== f.site_cd || key.groupId !== f.bt_group_id) return answer(REST_CODES.batchKey);
    if (!f.ordr_idxx || !f.amount) return answer(REST_CODES.missing);
    if (!MONEY.test(f.amount) || f.amount === '0' || f.card_mny !== f.amount || f.currency !== '410') return answer(CODES.formatAmount);
    for (const tx of this.gateway.transactions.values()) {
      if (tx.siteCd === f.site_cd && tx.ordrIdxx === f.ordr_idxx) return answer(CODES.dupCard);
    }
    const amount = Number(f.amount);
    const trigger = amountTrigger(amount);
    const slow = trigger === 'slow';
    if (trigger === 'decline') return answer(CODES.cardNumber, {}, slow);
    if (trigger === 'card_timeout') return answer(CODES.cardTimeout, {}, slow);
    if (trigger === 'format') return answer(CODES.formatAmount, {}, slow);
    const at = timestamp(this.now());
    let seq: number;
    let tno: string;
    do {
      seq = this.chargeSeq++;
      tno = `${at.slice(0, 8)}${String(seq % 1_000_000).padStart(6, '0')}`;
    } while (this.gateway.transactions.has(tno));
    const tx: SimTransaction = {
      tno, seq, siteCd: key.siteCd, ordrIdxx: f.ordr_idxx, method: 'card', payMethod: 'PACA', amount, balance: amount,
      state: 'approved', captured: false, escrow: false, appTime: at, card: key.card, buyerName: f.buyr_name ?? '', deposited: 0,
      history: [{ at, modType: 'STSR', amount }],
    };
    this.gateway.transactions.set(tno, tx);
    const fields = approvalFields({
      method: 'card', ordrIdxx: tx.ordrIdxx, tno, amount, appTime: at, seq, card: key.card, quota: f.quota || '00', escrow: false,
      buyerName: tx.buyerName, vaDate: '', bank: SIM_DEFAULT_BANK,
    });
    return answer(CODES.ok, { pay_method: 'PACA', order_no: tx.ordrIdxx, ...fromFields(withoutTnoOn(trigger, fields)) }, slow);
  }
}

/** The inquiry answer for a ledger entry (field names as third-party code reads them, docs/kcp-rest-api.md §3.7, Low). */
export function inquiryFields(tx: SimTransaction): RestFields {
  const status = tx.state === 'cancelled' ? 'STSC' : tx.balance < tx.amount ? 'STPC' : tx.state === 'issued' ? 'STIR' : 'STSR';
  const last = tx.history[tx.history.length - 1]!;
  const cancelled = tx.state === 'cancelled';
  const out: RestFields = {
    tno: tx.tno, order_no: tx.ordrIdxx, amount: String(tx.amount), pay_method: tx.payMethod, app_time: tx.appTime, shop_status: status,
    can_time: cancelled || status === 'STPC' ? last.at : '',
  };
  if (tx.payMethod === 'PACA') Object.assign(out, { stat_ca_cd: status, rem_mny: String(tx.balance), canc_card_yn: cancelled ? 'Y' : 'N', card_cd: tx.card ?? '', card_name: cardName(tx.card ?? 'CCSS') });
  else if (tx.payMethod === 'PABK') Object.assign(out, { stat_bk_cd: status, bk_rem_mny: String(tx.balance), canc_bk_yn: cancelled ? 'Y' : 'N' });
  else if (tx.payMethod === 'PAMC') Object.assign(out, { stat_hp_cd: status, hp_rem_mny: String(tx.balance) });
  else Object.assign(out, { rem_mny: String(tx.balance) });
  return out;
}
