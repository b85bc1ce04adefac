/**
 * KCP's REST API (PG-API) as a PaymentGateway: approval after the window, cancel / partial cancel / tax split,
 * inquiry by tno, smartphone trade registration, and recurring billing (batch key issue, hub charge, key delete).
 * Facts and sources: docs/kcp-rest-api.md (cited as §n). Every answer goes through the SDK's one success
 * rule and one classifier (isSuccessCode, resultError); the typed approval is results.ts's approvedAnswer (a success
 * without a tno is unknown there, on both transports).
 */
import { readFileSync } from 'node:fs';
import type { KcpEnvironment, SiteConfData } from '../../config/site-conf.js';
import { isSuccessCode } from '../../codes/results.js';
import { KcpConfigError, KcpError, KcpInputError, resultError } from '../../errors.js';
import {
  detectMethod,
  parseMoney,
  approvedAnswer,
  toModifyResult,
  type Approval,
  type ModifyResult,
  type PartialCancelResult,
} from '../../payplus/results.js';
import { requestPayType, type UsePayMethodName } from '../../codes/pay-methods.js';
import type { Attempt } from '../../store/types.js';
import type {
  ApproveRequest,
  ApproveRun,
  AttemptAnswer,
  ResolveWhere,
  InquireRequest,
  InquiryOutcome,
  ModifyRequest,
  PaymentGateway,
  RegisterTradeRequest,
  TradeRegistration,
  TransactionState,
} from '../types.js';
import { RestCredentials } from './credentials.js';
import { REST_HOSTS, REST_PATHS, type RestPath } from './hosts.js';
import { DEFAULT_REST_HTTP, postJson, type RestHttpOptions } from './http.js';
import { postJsonDurably } from './durable.js';
import { readAnswerLine } from './exchange.js';
import { readAnswerFile } from '../../runner/answer-file.js';
import { restDurableAnswers } from '../../config/rest.js';
import { buildJson, parseAnswer } from './json.js';
import { maskingLogger } from '../../log/masking-logger.js';
import { silentLogger, type PayplusLogger } from '../../log/types.js';

export interface RestGatewayOptions {
  readonly siteCd: string;
  readonly credentials: RestCredentials;
  /** TEST or REAL; default from the site code (test codes start with 'T'), as SiteConf derives it. */
  readonly env?: KcpEnvironment;
  /** Base URL; default https://stg-spl.kcp.co.kr (TEST) or https://spl.kcp.co.kr (REAL). The simulator sets its own. */
  readonly baseUrl?: string;
  /** Extra trusted CA (PEM): the simulator's. */
  readonly ca?: string | Buffer;
  readonly connectTimeoutMs?: number;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  /**
   * Where each exchange is logged (PayPlus passes its own): the same events as a pp_cli run — tx.start and tx.end (or
   * tx.error) at level 0, tx.request at 1, the request's fields at 2, KCP's answer at 3 — masked, and without enc_data,
   * enc_info, the certificate or the signature at any level. Default: nothing is logged.
   */
  readonly logger?: PayplusLogger;
  /**
   * Run the calls that move money (approval, batch charge) in a child process that writes KCP's answer to the
   * attempt's answer file, so that a worker killed mid-exchange leaves proof for recovery (durable.ts; payplus
   * rest_durable_answers, lib/config/rest.ts). Default true.
   */
  readonly durableAnswers?: boolean;
}

/** What an exchange's log lines are filed under (kcp-payplus trace follows them). */
interface LogRefs {
  readonly ordrIdxx?: string | undefined;
  readonly traceNo?: string | undefined;
}

/** Request fields never logged, masked or not: the window's opaque result, the certificate and the signature. */
const NEVER_LOGGED = new Set(['enc_data', 'enc_info', 'kcp_cert_info', 'kcp_sign_data']);

/** Batch (billing) key issued from a batch-mode window (§3.4). KCP answers no tno and no card number for it. */
export interface BatchKey {
  readonly batchKey: string;
  readonly cardCd: string;
  readonly cardName: string;
  readonly cardBankCd: string;
  readonly cardBinType01: string;
  readonly cardBinType02: string;
  readonly raw: Readonly<Record<string, string>>;
}

export interface IssueBatchKeyRequest {
  readonly encData: string;
  readonly encInfo: string;
  readonly tranCd: string;
}

export interface ChargeBatchKeyRequest {
  readonly batchKey: string;
  /** bt_group_id: made in KCP's merchant admin (배치결제 > 그룹관리). */
  readonly groupId: string;
  /** ordr_idxx: the merchant's order id for this charge (one per billing period). */
  readonly orderId: string;
  readonly amount: number;
  readonly goodName: string;
  readonly buyerName?: string;
  readonly buyerEmail?: string;
  readonly buyerPhone?: string;
  /** Instalment months, '00' (default) for lump sum. */
  readonly quota?: string;
}

export interface DeleteBatchKeyRequest {
  readonly batchKey: string;
  readonly groupId: string;
}

export interface BatchKeyDeleted {
  readonly resCd: string;
  readonly resMsg: string;
  readonly raw: Readonly<Record<string, string>>;
}

const TNO = /^[0-9]{14}$/;
const MOD_TEXT_MAX = 100;

/** Money as KCP's wire wants it: a positive whole number of won, as a string. */
function money(field: string, value: number, { zeroOk = false } = {}): string {
  if (!Number.isSafeInteger(value) || value < (zeroOk ? 0 : 1)) {
    throw new KcpInputError(`${field}: ${String(value)} is not a ${zeroOk ? 'non-negative' : 'positive'} whole number of won. Fix: pass an integer amount`, { field });
  }
  return String(value);
}

function text(field: string, value: string | undefined, { max = 200, required = true } = {}): string {
  const v = value ?? '';
  if (required && v === '') throw new KcpInputError(`${field}: is empty. Fix: pass the value`, { field });
  if (v.length > max) throw new KcpInputError(`${field}: is longer than ${max} characters. Fix: shorten it`, { field });
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(v)) throw new KcpInputError(`${field}: contains a control character. Fix: remove it`, { field });
  return v;
}

function tno(value: string): string {
  if (!TNO.test(value)) throw new KcpInputError(`tno: "${value.slice(0, 20)}" is not KCP's 14-digit transaction number. Fix: pass the tno of the approval`, { field: 'tno' });
  return value;
}

const STATE_BY_CODE: Readonly<Record<string, TransactionState>> = { STSR: 'approved', STPC: 'partially_cancelled', STSC: 'cancelled' };

export class RestGateway implements PaymentGateway {
  readonly transport = 'rest' as const;
  readonly siteCd: string;
  readonly env: KcpEnvironment;
  readonly baseUrl: URL;
  readonly #credentials: RestCredentials;
  readonly #http: RestHttpOptions;
  readonly #logger: PayplusLogger;
  readonly #durable: boolean;

  constructor(options: RestGatewayOptions) {
    this.siteCd = options.siteCd;
    this.env = options.env ?? (options.siteCd.startsWith('T') ? 'TEST' : 'REAL');
    this.baseUrl = new URL(options.baseUrl ?? `https://${REST_HOSTS[this.env]}`);
    if (this.baseUrl.protocol !== 'https:') {
      throw new KcpConfigError(`rest_url: ${this.baseUrl.origin} is not https. Fix: KCP's PG-API is https only (https://${REST_HOSTS[this.env]})`, { field: 'rest_url' });
    }
    const other = this.env === 'TEST' ? 'REAL' : 'TEST';
    if (this.baseUrl.hostname === REST_HOSTS[other]) {
      throw new KcpConfigError(
        `rest_url: ${this.baseUrl.hostname} is KCP's ${other} host but site ${this.siteCd} is a ${this.env} site. Fix: use ` +
          `https://${REST_HOSTS[this.env]} (TEST and REAL hosts and site codes go together)`,
        { field: 'rest_url' },
      );
    }
    this.#credentials = options.credentials;
    this.#logger = options.logger ? maskingLogger(options.logger) : silentLogger;
    this.#durable = options.durableAnswers ?? true;
    this.#http = {
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_REST_HTTP.connectTimeoutMs,
      timeoutMs: options.timeoutMs ?? DEFAULT_REST_HTTP.timeoutMs,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_REST_HTTP.maxResponseBytes,
      ca: options.ca,
    };
  }

  /**
   * From the site configuration (payplus.rest_*): the credentials are loaded and the key decrypted now, once; the
   * password is read from the variable or file the configuration names. Timeouts and the size bound may be given.
   */
  static fromConfig(conf: SiteConfData, options: Pick<RestGatewayOptions, 'connectTimeoutMs' | 'timeoutMs' | 'maxResponseBytes' | 'logger' | 'durableAnswers'> = {}): RestGateway {
    if (!conf.restCertFile || !conf.restKeyFile) {
      throw new KcpConfigError(
        'payplus.rest_cert_file: is not set, so the REST transport has no credentials. Fix: set payplus.rest_cert_file, ' +
          'payplus.rest_key_file and payplus.rest_key_password_env (or _file) to the PG-API files KCP issued',
        { field: 'payplus.rest_cert_file' },
      );
    }
    const password = conf.restKeyPasswordEnv ? { env: conf.restKeyPasswordEnv } : { file: conf.restKeyPasswordFile ?? '' };
    const credentials = RestCredentials.fromFiles({ certFile: conf.restCertFile, keyFile: conf.restKeyFile, password });
    let ca: Buffer | undefined;
    if (conf.restCaFile) {
      try {
        ca = readFileSync(conf.restCaFile);
      } catch (err) {
        throw new KcpConfigError(`payplus.rest_ca_file: cannot read ${conf.restCaFile}. Fix: point it at the simulator's CA (kcp-payplus sim --rest-port prints it)`, {
          field: 'payplus.rest_ca_file',
          cause: err,
        });
      }
    }
    const durableAnswers = restDurableAnswers(conf);
    return new RestGateway({ siteCd: conf.siteCd, env: conf.env, credentials, baseUrl: conf.restUrl, ca, durableAnswers, ...options });
  }

  /**
   * One exchange, logged: the body is built from strings only; the answer comes back as fields. With `answerFile` (a
   * call that moves money, in durable mode) it runs in its own process and its answer is written to that file.
   */
  private async post(path: RestPath, fields: Record<string, string>, what: string, refs: LogRefs = {}, answerFile?: string): Promise<Record<string, string>> {
    const logger = this.#logger;
    const base = { ...(refs.ordrIdxx ? { ordrIdxx: refs.ordrIdxx } : {}), ...(refs.traceNo ? { traceNo: refs.traceNo } : {}) };
    const summary = { transport: 'rest', what, path, ...(fields.tno ? { tno: fields.tno } : {}) };
    const url = new URL(path, this.baseUrl);
    const body = buildJson(fields);
    logger.log({ level: 0, event: 'tx.start', ...base, fields: summary });
    logger.log({ level: 1, event: 'tx.request', ...base, fields: { ...summary, host: url.host, bytes: Buffer.byteLength(body) } });
    logger.log({ level: 2, event: 'tx.request.fields', ...base, fields: Object.fromEntries(Object.entries(fields).filter(([k]) => !NEVER_LOGGED.has(k))) });
    let answer: Record<string, string>;
    try {
      answer = this.#durable && answerFile !== undefined
        ? await postJsonDurably(url, body, this.#http, what, answerFile)
        : await postJson(url, body, this.#http, what);
    } catch (err) {
      const outcomeKnown = err instanceof KcpError ? err.outcomeKnown : false;
      logger.log({ level: 0, event: 'tx.error', ...base, fields: { ...summary, message: err instanceof Error ? err.message : String(err), outcome_known: outcomeKnown } });
      throw err;
    }
    // Trade registration alone answers Code / Message (§3.1).
    const resCd = answer.res_cd ?? answer.Code ?? '';
    const resMsg = answer.res_msg ?? answer.Message ?? '';
    logger.log({ level: 0, event: 'tx.end', ...base, fields: { ...summary, res_cd: resCd, res_msg: resMsg, tno: answer.tno ?? fields.tno ?? '' } });
    logger.log({ level: 3, event: 'tx.result', ...base, fields: { ...answer } });
    return answer;
  }

  /** kcp_sign_data over `site_cd^tno^<third>` read from the very body that is sent (§2.3). */
  private signed(body: Record<string, string>, third: 'mod_type' | 'pay_type'): Record<string, string> {
    const plain = `${body.site_cd ?? ''}^${body.tno ?? ''}^${body[third] ?? ''}`;
    return { ...body, kcp_sign_data: this.#credentials.sign(plain) };
  }

  private get gatewayName(): string {
    return `KCP PG-API ${this.baseUrl.host}`;
  }

  async approve(request: ApproveRequest, run: ApproveRun = {}): Promise<Approval> {
    const body: Record<string, string> = {
      tran_cd: text('tran_cd', request.tranCd, { max: 8 }),
      site_cd: this.siteCd,
      kcp_cert_info: this.#credentials.certInfo,
      enc_data: text('enc_data', request.encData, { max: 65_536 }),
      enc_info: text('enc_info', request.encInfo, { max: 65_536 }),
      // The merchant's own amount, never the browser's: KCP compares it with the window's and answers 8059 (§3.3).
      ordr_mony: money('amount', request.amount),
    };
    text('orderId', request.orderId, { max: 40 });
    if (request.payType !== undefined) body.pay_type = text('payType', request.payType, { max: 4 });
    const fields = await this.post(REST_PATHS.payment, body, 'approval', { ordrIdxx: request.orderId, traceNo: request.traceNo }, run.answerFile);
    if (!isSuccessCode(fields.res_cd ?? '', { vbankApproval: detectMethod(fields) === 'vbank' })) {
      throw resultError(fields, 'approval', this.gatewayName);
    }
    return approvedAnswer(fields, 'approval', request.orderId);
  }

  modify(request: ModifyRequest & { kind: 'cancel' }): Promise<ModifyResult>;
  modify(request: ModifyRequest & { kind: 'partial_cancel' }): Promise<PartialCancelResult>;
  modify(request: ModifyRequest): Promise<ModifyResult | PartialCancelResult>;
  async modify(request: ModifyRequest): Promise<ModifyResult | PartialCancelResult> {
    if (request.kind === 'cancel' && request.modType !== undefined && request.modType !== 'STSC') {
      // Refused before anything is sent: KCP's REST escrow changes are not documented (docs/kcp-rest-api.md §3).
      throw new KcpConfigError(
        `modType: ${request.modType} (escrow cancel) is not available on the REST transport; nothing was sent. Fix: ` +
          `cancel escrow payments in KCP's admin, or through the pp_cli transport`,
        { field: 'modType' },
      );
    }
    const base: Record<string, string> = {
      site_cd: this.siteCd,
      tno: tno(request.tno),
      kcp_cert_info: this.#credentials.certInfo,
      mod_type: request.kind === 'cancel' ? 'STSC' : 'STPC',
    };
    if (request.reason !== undefined) base.mod_desc = text('reason', request.reason, { max: MOD_TEXT_MAX, required: false });
    if (request.kind === 'partial_cancel') {
      base.mod_mny = money('amount', request.amount);
      base.rem_mny = money('cancellableBalance', request.cancellableBalance);
      if (request.amount > request.cancellableBalance) {
        throw new KcpInputError(
          `amount: ${request.amount} is more than the cancellable balance ${request.cancellableBalance}. Fix: cancel at most ` +
            'the balance (rem_mny is the balance before this cancel)',
          { field: 'amount' },
        );
      }
      if (request.tax) {
        const { taxAmount: taxable, vatAmount: vat, freeAmount: taxFree } = request.tax;
        if (taxable + vat + taxFree !== request.amount) {
          throw new KcpInputError(
            `tax: taxAmount ${taxable} + vatAmount ${vat} + freeAmount ${taxFree} is not the amount ${request.amount}. Fix: split the ` +
              'cancelled amount exactly (mod_mny = mod_tax_mny + mod_vat_mny + mod_free_mny)',
            { field: 'tax' },
          );
        }
        base.tax_flag = 'TG03';
        base.mod_tax_mny = money('tax.taxAmount', taxable, { zeroOk: true });
        base.mod_vat_mny = money('tax.vatAmount', vat, { zeroOk: true });
        base.mod_free_mny = money('tax.freeAmount', taxFree, { zeroOk: true });
      }
    }
    const what = request.kind === 'cancel' ? 'cancel' : 'partial cancel';
    const fields = await this.post(REST_PATHS.cancel, this.signed(base, 'mod_type'), what, { ordrIdxx: request.orderId, traceNo: request.traceNo });
    if (!isSuccessCode(fields.res_cd ?? '')) throw resultError(fields, what, this.gatewayName);
    if (request.kind === 'cancel') return toModifyResult(fields);
    return {
      ...toModifyResult(fields),
      // REST names (mod_mny / rem_mny, §3.6); pp_cli's panc_* names when KCP answers those instead.
      cancelledAmount: parseMoney(fields.mod_mny ?? fields.panc_mod_mny),
      remainingAmount: parseMoney(fields.rem_mny ?? fields.panc_rem_mny),
    };
  }

  async inquire(request: InquireRequest): Promise<InquiryOutcome> {
    let fields: Record<string, string>;
    try {
      const body: Record<string, string> = {
        site_cd: this.siteCd,
        kcp_cert_info: this.#credentials.certInfo,
        tno: tno(request.tno),
        // §2.3: KCP's guide signs site_cd^tno^pay_type (a newer page is said to show mod_type; not verified).
        pay_type: text('payType', request.payType, { max: 4 }),
      };
      fields = await this.post(REST_PATHS.inquiry, this.signed(body, 'pay_type'), 'inquiry');
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      return { kind: 'unknown', reason: error.message, error };
    }
    const resCd = fields.res_cd ?? '';
    if (!isSuccessCode(resCd)) {
      const error = resultError(fields, 'inquiry', this.gatewayName);
      return { kind: 'unknown', reason: error.message, resCd, error };
    }
    if (fields.tno !== undefined && fields.tno !== request.tno) {
      return { kind: 'unknown', reason: `inquiry: KCP answered for tno ${fields.tno}, not ${request.tno}` };
    }
    const statusCode = fields.stat_ca_cd || fields.stat_bk_cd || fields.stat_hp_cd || fields.shop_status || '';
    return {
      kind: 'proof',
      tno: request.tno,
      orderNo: fields.order_no ?? '',
      payMethod: fields.pay_method ?? '',
      amount: parseMoney(fields.amount),
      remainingAmount: parseMoney(fields.rem_mny ?? fields.bk_rem_mny ?? fields.hp_rem_mny),
      state: STATE_BY_CODE[statusCode] ?? 'other',
      statusCode,
      raw: Object.freeze({ ...fields }),
    };
  }

  /**
   * Recovery's question (DESIGN §8). Here (`local`), the attempt's answer file is read first, as pp_cli's is: a child
   * still holding it is running; no file, or the child's "nothing was sent", is not started; KCP's complete answer is
   * proof — unless it is an answer that leaves the outcome unknown (CC72), whose tno KCP's inquiry settles. Anywhere
   * else, or with no answer in the file, KCP's inquiry by tno is proof on any host. An approval with neither has no
   * tno to ask about (the inquiry is by tno only, and nothing else KCP documents proves it: docs/kcp-rest-api.md §10):
   * it stays unknown, its order blocked, for KCP's admin.
   */
  async resolve(attempt: Attempt, where: ResolveWhere): Promise<AttemptAnswer> {
    let tnoToAsk = attempt.tno;
    let method = attempt.method;
    let fromFile = '';
    if (where.local && attempt.outputPath !== undefined && attempt.durableOutput) {
      const file = await readAnswerFile(attempt.outputPath, true);
      if (file === 'running') return { kind: 'running' };
      // No file: the flow makes it before the child starts, so the exchange never began (only for an attempt whose
      // worker died before it learnt anything; one already found unknown is never taken for "not started").
      // An empty file: the child wrote nothing, not even that it was about to send.
      if ((file === 'absent' || file === 'empty') && attempt.state === 'started' && !attempt.tno) return { kind: 'not_started' };
      const line = typeof file === 'string' ? undefined : readAnswerLine(file.toString('utf8'));
      const outcome = line === 'sending' ? undefined : line;
      if (outcome?.kind === 'failed' && !outcome.sent) return { kind: 'not_started' };
      const fields = outcome?.kind === 'answer' ? parseAnswer(outcome.body) : undefined;
      if (fields && fields.res_cd !== undefined) {
        const success = isSuccessCode(fields.res_cd, { vbankApproval: detectMethod(fields) === 'vbank' });
        if (success || resultError(fields, 'approval', this.gatewayName).outcomeKnown || !TNO.test(fields.tno ?? '')) {
          return { kind: 'answer', fields, source: 'answer file' };
        }
        tnoToAsk = fields.tno;
        method = detectMethod(fields);
      }
      fromFile =
        typeof file === 'string' ? 'no answer file'
        : outcome?.kind === 'failed' ? `the exchange failed after sending (${outcome.reason})`
        : line === 'sending' ? 'its process was stopped while the request was at KCP'
        : 'the answer file holds no complete answer';
    }
    if (!tnoToAsk) {
      const here = fromFile === '' ? '' : ` (${fromFile})`;
      return {
        kind: 'none',
        why: `KCP's REST approval of order ${attempt.ordrIdxx} gave no complete answer and no tno${here}, and KCP's inquiry needs a tno: look the order up in KCP's admin`,
      };
    }
    const payType = method && method !== 'unknown' ? requestPayType(method as UsePayMethodName) : 'PACA';
    const answer = await this.inquire({ tno: tnoToAsk, payType });
    if (answer.kind === 'unknown') return { kind: 'none', why: `KCP's inquiry about tno ${tnoToAsk} did not settle it: ${answer.reason}` };
    if (answer.orderNo !== '' && answer.orderNo !== attempt.ordrIdxx) {
      return { kind: 'none', why: `KCP's inquiry says tno ${tnoToAsk} belongs to order ${answer.orderNo}, not ${attempt.ordrIdxx}` };
    }
    if (answer.state !== 'approved' && answer.state !== 'partially_cancelled') {
      return { kind: 'none', why: `KCP's inquiry says tno ${tnoToAsk} is ${answer.statusCode || answer.state}: not an approval to keep or cancel here; check KCP's admin` };
    }
    return { kind: 'answer', fields: { ...answer.raw, res_cd: '0000', tno: tnoToAsk, order_no: attempt.ordrIdxx }, source: 'KCP inquiry' };
  }

  /**
   * In durable mode (the default) an approval or batch charge given an answer file runs in a child that writes KCP's
   * answer there: the file exists iff the exchange started. Off, an error before sending is known
   * (KcpConfigError/KcpConnectionError) and anything after is unknown, with nothing left to read after a crash.
   */
  async durableAnswers(): Promise<boolean> {
    return this.#durable;
  }

  async registerTrade(request: RegisterTradeRequest): Promise<TradeRegistration> {
    const body: Record<string, string> = {
      site_cd: this.siteCd,
      kcp_cert_info: this.#credentials.certInfo,
      ordr_idxx: text('orderId', request.orderId, { max: 40 }),
      good_mny: money('amount', request.amount),
      good_name: text('goodName', request.goodName, { max: 100 }),
      pay_method: text('payMethod', request.payMethod, { max: 8 }),
      Ret_URL: text('returnUrl', request.returnUrl, { max: 500 }),
      escw_used: request.escrow ? 'Y' : 'N',
      user_agent: text('userAgent', request.userAgent, { max: 512, required: false }), // registerTrade (lib/trade) bounds the buyer's to 512
    };
    const answer = await this.post(REST_PATHS.tradeRegister, body, 'trade registration', { ordrIdxx: request.orderId });
    // This endpoint alone answers Code / Message (capitalised, §3.1).
    const fields = { ...answer, res_cd: answer.Code ?? answer.res_cd ?? '', res_msg: answer.Message ?? answer.res_msg ?? '' };
    if (!isSuccessCode(fields.res_cd)) throw resultError(fields, 'trade registration', this.gatewayName);
    if (!answer.approvalKey || !answer.PayUrl) {
      throw resultError({ ...fields, res_cd: fields.res_cd }, 'trade registration (no approvalKey/PayUrl in a 0000 answer)', this.gatewayName);
    }
    return { approvalKey: answer.approvalKey, payUrl: answer.PayUrl, traceNo: answer.traceNo ?? '', raw: Object.freeze({ ...answer }) };
  }

  /** Batch key from a batch-mode window's result (§3.4): no ordr_mony, no tno. */
  async issueBatchKey(request: IssueBatchKeyRequest): Promise<BatchKey> {
    const body: Record<string, string> = {
      site_cd: this.siteCd,
      kcp_cert_info: this.#credentials.certInfo,
      tran_cd: text('tran_cd', request.tranCd, { max: 8 }),
      enc_data: text('enc_data', request.encData, { max: 65_536 }),
      enc_info: text('enc_info', request.encInfo, { max: 65_536 }),
    };
    const fields = await this.post(REST_PATHS.payment, body, 'batch key issue');
    if (!isSuccessCode(fields.res_cd ?? '')) throw resultError(fields, 'batch key issue', this.gatewayName);
    if (!fields.batch_key) throw resultError({ ...fields }, 'batch key issue (0000 without batch_key)', this.gatewayName);
    return {
      batchKey: fields.batch_key,
      cardCd: fields.card_cd ?? '',
      cardName: fields.card_name ?? '',
      cardBankCd: fields.card_bank_cd ?? '',
      cardBinType01: fields.card_bin_type_01 ?? '',
      cardBinType02: fields.card_bin_type_02 ?? '',
      raw: Object.freeze({ ...fields }),
    };
  }

  /** A recurring charge on a batch key (§3.5a): money moves; a time-out is KcpOutcomeUnknownError. */
  async chargeBatchKey(request: ChargeBatchKeyRequest, run: ApproveRun = {}): Promise<Approval> {
    const amount = money('amount', request.amount);
    const body: Record<string, string> = {
      site_cd: this.siteCd,
      kcp_cert_info: this.#credentials.certInfo,
      pay_method: 'CARD',
      cust_ip: '',
      amount,
      card_mny: amount,
      currency: '410',
      quota: text('quota', request.quota ?? '00', { max: 2 }),
      ordr_idxx: text('orderId', request.orderId, { max: 40 }),
      good_name: text('goodName', request.goodName, { max: 100 }),
      buyr_name: text('buyerName', request.buyerName, { max: 40, required: false }),
      buyr_mail: text('buyerEmail', request.buyerEmail, { max: 100, required: false }),
      buyr_tel2: text('buyerPhone', request.buyerPhone, { max: 20, required: false }),
      card_tx_type: '11511000',
      bt_batch_key: text('batchKey', request.batchKey, { max: 64 }),
      bt_group_id: text('groupId', request.groupId, { max: 40 }),
    };
    const fields = await this.post(REST_PATHS.hub, body, 'batch charge', { ordrIdxx: request.orderId }, run.answerFile);
    if (!isSuccessCode(fields.res_cd ?? '')) throw resultError(fields, 'batch charge', this.gatewayName);
    return approvedAnswer(fields, 'batch charge', request.orderId);
  }

  /** Delete a batch key (§3.5b). */
  async deleteBatchKey(request: DeleteBatchKeyRequest): Promise<BatchKeyDeleted> {
    const body: Record<string, string> = {
      site_cd: this.siteCd,
      kcp_cert_info: this.#credentials.certInfo,
      pay_method: 'BATCH',
      batch_key: text('batchKey', request.batchKey, { max: 64 }),
      group_id: text('groupId', request.groupId, { max: 40 }),
      tx_type: '10005010',
    };
    const fields = await this.post(REST_PATHS.hub, body, 'batch key delete');
    if (!isSuccessCode(fields.res_cd ?? '')) throw resultError(fields, 'batch key delete', this.gatewayName);
    return { resCd: fields.res_cd ?? '', resMsg: fields.res_msg ?? '', raw: Object.freeze({ ...fields }) };
  }
}

/** True when an error says KCP may have acted (the caller must not retry blindly). */
export function isOutcomeUnknown(err: unknown): boolean {
  return err instanceof KcpError && !err.outcomeKnown;
}
