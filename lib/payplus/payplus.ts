/**
 * PayPlus: the facade. It builds the flows' context — config, payment store, gateway, logger — and delegates: approve,
 * cancel and partialCancel to the gateway (pp_cli: ppcli-gateway.ts; REST: lib/gateway/rest, chosen by
 * payplus.transport or PayPlusOptions.gateway), processPayment to process-payment.ts, recover/status to recovery.ts.
 * Capture, escrow changes and cash receipts run on pp_cli (KCP's REST API for them is not documented). Input is
 * validated before anything runs; KCP's refusals become typed errors. Nothing here retries: once the gateway was
 * called, a second attempt could charge or cancel twice.
 */
import type { SiteConfData } from '../config/site-conf.js';
import { KcpConfigError, KcpInputError } from '../errors.js';
import { RestGateway } from '../gateway/rest/client.js';
import { hasBatchBilling, type PaymentGateway } from '../gateway/types.js';
import { maskingLogger } from '../log/masking-logger.js';
import { logDirsOf } from '../log/paths.js';
import { createSiteLogger } from '../log/site-logger.js';
import type { PayplusLogger } from '../log/types.js';
import { PaymentEvents } from '../events/tap.js';
import { renderPrometheus, type CountersSnapshot } from '../events/counters.js';
import type { PaymentEventListener } from '../events/types.js';
import { usItem } from '../protocol/data-set.js';
import { assertAmount, assertOrderId } from '../protocol/validate.js';
import { assertChildNice } from '../runner/native.js';
import type { RunnerChoice } from '../runner/select.js';
import type { Runner } from '../runner/types.js';
import { assertAllowedMethods } from './answer-checks.js';
import {
  toCashReceiptResult,
  toModifyResult,
  type Approval,
  type CashReceiptResult,
  type PaymentMethod,
  type ModifyResult,
  type PartialCancelResult,
} from './results.js';
import { PaymentStoreNotifications } from '../notify/store.js';
import { SqliteStore } from '../store/sqlite.js';
import type { PaymentStore } from '../store/types.js';
import { answersDir } from './module-answer.js';
import { billingOrderId, chargePeriod, type Billing } from './billing.js';
import { DEFAULT_COMMIT_TIMEOUT_MS, type IsCommittedHook, type PaymentContext } from './attempts.js';
import { fenceStatements, sqlFence, type FenceHook } from './fence.js';
import { PpCliGateway } from './ppcli-gateway.js';
import {
  processPayment,
  type PaymentForm,
  type PaymentOutcome,
  type ProcessPaymentOptions,
} from './process-payment.js';
import {
  paymentStatus,
  recover,
  settleWithTno,
  type PaymentStatus,
  type RecoverOptions,
  type RecoveryReport,
  type SettleResult,
  type SettleWithTnoOptions,
  type StatusOptions,
} from './recovery.js';
import type { Transaction } from './transaction.js';

export { TX_MODIFY } from './ppcli-gateway.js';
export const TX_CASH_RECEIPT_ISSUE = '07010000';
export const TX_CASH_RECEIPT_MODIFY = '07020000';
export const TX_CASH_RECEIPT_QUERY = '07030000';

export interface PayPlusOptions {
  /** A Runner, or which one to pick: 'auto' (native when the addon loads, else execa), 'native', 'execa'. */
  runner?: Runner | RunnerChoice;
  /**
   * How much lower pp_cli runs on the CPU than this process (niceness increment, 0-19, default 5), so that when the
   * cores are full the event loop goes first. The native runner applies it before pp_cli starts; the execa runner
   * does not. With your own `runner` object, pass it to that runner instead (`new NativeRunner(addon, { childNice })`).
   */
  childNice?: number;
  /**
   * Where events go. Default: masked JSON lines in `<log_dir>/YYYYMM/DD_kcp-payplus.log` at g_conf_log_level, beside
   * pp_cli's own logs (KCP insists payment logs are kept). Pass your own to send them elsewhere, or silentLogger;
   * yours receives the fields masked too.
   */
  logger?: PayplusLogger;
  /** Environment for pp_cli (default PATH=/usr/bin:/bin, LANG=C). */
  moduleEnv?: Readonly<Record<string, string>>;
  /**
   * Where payment state lives: attempts, per-order exclusivity, the notification inbox. Default: a SQLite file
   * `<log_dir>/payplus.sqlite`, safe for several processes on this host. Shops with several servers pass a
   * PostgresStore or MysqlStore on their own database.
   */
  store?: PaymentStore;
  /**
   * Asked by recovery about an approval whose commit ran outside the store (no commitInStore) and was not marked:
   * true when your database has the order (keep it), false when it does not (it is cancelled). Without it such
   * approvals are listed as undecided and never cancelled.
   */
  isCommitted?: IsCommittedHook;
  /** How long a worker's claim on an attempt lasts without renewal (ms, default 120,000); renewed every third of it. */
  leaseMs?: number;
  /**
   * The methods this shop's orders may be paid with, for processPayment calls that do not name their own
   * (ProcessPaymentOptions.allowedMethods). An approval KCP answers for another method is cancelled as tampering.
   * Default: any method (approval.method, read from KCP's answer, says what was paid).
   */
  allowedMethods?: readonly PaymentMethod[];
  /**
   * The commit fence on your database, for commits outside the store (fence.ts; sqlFence() builds one): asked before
   * anything cancels an approval whose commit may run elsewhere, it answers "committed" or makes a late commit fail.
   * With it, recovery settles such approvals on any host; without it, only isCommitted about a worker provably dead.
   */
  fence?: FenceHook;
  /** How long your commit may run before the payment is overdue (ms, default 60,000). See status(). */
  commitTimeoutMs?: number;
  /**
   * Told every payment and notification event (PaymentEvent; README "Payment events and metrics"), masked. Same as
   * payplus.on('event', fn). A listener that throws is contained and logged: it never breaks a payment.
   */
  onEvent?: PaymentEventListener;
  /**
   * The gateway approvals, cancels and recovery's questions go through. Default: by payplus.transport — pp_cli (the
   * module, through `runner`), or 'rest' (RestGateway.fromConfig(conf): KCP's PG-API with the rest_* files).
   */
  gateway?: PaymentGateway;
}

/** What health() reports: `ok` is false while any attempt needs a person. */
export interface PaymentHealth {
  ok: boolean;
  /** Open attempts that are overdue, unknown, undecided or cancelling, oldest first, each with why. */
  needsAttention: PaymentStatus['attempts'];
  /** Attempts running right now (pp_cli or your commit). */
  inProgress: number;
  /** This process's event counters since start. */
  counters: CountersSnapshot;
}

export interface ApproveRequest {
  /** tran_cd posted by the payment window. */
  tranCd: string;
  encData: string;
  encInfo: string;
  /** trace_no posted by the payment window ('' lets pp_cli make one). */
  traceNo?: string;
  ordrIdxx: string;
  /** The amount from YOUR database (ordr_mony). KCP refuses with 8059 when the window's amount differs. */
  amount: number | string;
  custIp: string;
  /**
   * use_pay_method posted by the window: it only picks the `pay_type` verification item KCP checks enc_data against
   * (lib/codes/pay-methods.ts). What was paid — method, amount, order number, tno — is read from KCP's answer alone.
   */
  usePayMethod?: string;
}

export interface CancelRequest {
  tno: string;
  /** mod_desc: why (EUC-KR text; KCP's forbidden characters refused). */
  reason: string;
  /** mod_ip: the IP of the person or server asking. */
  custIp: string;
  ordrIdxx?: string;
  /** trace_no; an automatic cancel passes the approval tno, as KCP's pages do. */
  traceNo?: string;
}

export interface PartialCancelRequest extends CancelRequest {
  /** mod_mny: the amount to cancel now. */
  amount: number | string;
  /** rem_mny: the cancellable balance BEFORE this cancel (the approval amount minus earlier partial cancels). */
  cancellableBalance: number | string;
  /** Complex-tax orders (tax_flag TG03): the split of `amount`; the three must add up to it. */
  tax?: { taxAmount: number | string; vatAmount: number | string; freeAmount: number | string };
}

export interface CaptureRequest {
  tno: string;
  custIp: string;
  reason?: string;
  ordrIdxx?: string;
}

export type EscrowRequest = (
  | { modType: 'STE1'; tno: string; custIp: string; deliNumb: string; deliCorp: string; reason?: string }
  | {
      modType: 'STE2' | 'STE4';
      tno: string;
      custIp: string;
      reason?: string;
      /** For bank transfer / virtual account payments: where KCP refunds the buyer. */
      refund?: { account: string; name: string; bankCode: string };
    }
  | { modType: 'STE5'; tno: string; custIp: string; reason?: string }
) & {
  /** trace_no; an automatic cancel passes the approval tno. */
  traceNo?: string;
  ordrIdxx?: string;
};

export interface CashReceiptIssueRequest {
  ordrIdxx: string;
  goodName: string;
  buyrName?: string;
  buyrTel1?: string;
  buyrMail?: string;
  comment?: string;
  /** YYYYMMDDhhmmss of the sale. */
  tradTime: string;
  /** '0' income deduction (소득공제), '1' expense proof (지출증빙). */
  trCode: '0' | '1';
  /** Phone, card or business number identifying the buyer. */
  idInfo: string;
  amtTot: number | string;
  amtSup: number | string;
  amtSvc: number | string;
  amtTax: number | string;
  /** PABK, PAVC or PAXX (other). */
  payType?: 'PABK' | 'PAVC' | 'PAXX';
  payTradeNo?: string;
  payTxId?: string;
  /** corp_data; corp_type '0' when the merchant itself issues. */
  corp?: Partial<Record<'corp_type' | 'corp_tax_type' | 'corp_tax_no' | 'corp_sell_tax_no' | 'corp_nm' | 'corp_owner_nm' | 'corp_addr' | 'corp_telno', string>>;
  custIp?: string;
}

export interface CashReceiptModifyRequest {
  modType: 'STSC' | 'STPC';
  /** The identifier named by modGubn (MG01 cash receipt no, MG02 approval no, MG03 identity, MG04 KCP tno). */
  modValue: string;
  modGubn: 'MG01' | 'MG02' | 'MG03' | 'MG04';
  tradTime: string;
  /** STPC only. */
  amount?: number | string;
  cancellableBalance?: number | string;
  custIp?: string;
}

export interface CashReceiptQueryRequest {
  modValue: string;
  modGubn: 'MG01' | 'MG02' | 'MG03' | 'MG04';
  tradTime: string;
  custIp?: string;
}

/** The optional references of a cancel (ordr_idxx, trace_no), as the gateway names them. */
function modifyRefs(req: { ordrIdxx?: string; traceNo?: string }): { orderId?: string; traceNo?: string } {
  return { ...(req.ordrIdxx ? { orderId: req.ordrIdxx } : {}), ...(req.traceNo ? { traceNo: req.traceNo } : {}) };
}

function assertDateTime(field: string, value: string): void {
  if (!/^[0-9]{14}$/.test(value)) {
    throw new KcpInputError(`${field}: '${value}' is not a date-time; use YYYYMMDDhhmmss (14 digits)`, { field });
  }
}

export class PayPlus {
  /**
   * The commit fence's SQL for your database (fence.ts): `create` once, `commit` first in your commit's transaction.
   * (Statics, so the package root's value list stays as it is.)
   */
  static readonly fenceStatements = fenceStatements;
  /** A fence hook on your database for PayPlusOptions.fence: sqlFence('postgres', (sql, p) => pool.query(sql, p).then((r) => r.rows)). */
  static readonly sqlFence = sqlFence;

  readonly conf: SiteConfData;
  /** Where this PayPlus logs (masked); the HTTP adapters log through it too. */
  readonly logger: PayplusLogger;
  /** The transport in use (PayPlusOptions.gateway, else payplus.transport). */
  readonly gateway: PaymentGateway;
  /** pp_cli, for what only it carries (capture, escrow, cash receipts, transaction()). */
  private readonly ppcli: PpCliGateway;
  private readonly runnerOption: Runner | RunnerChoice;
  private readonly childNice: number | undefined;
  private runnerPromise: Promise<Runner> | undefined;
  /** The payment store (see PayPlusOptions.store). */
  readonly store: PaymentStore;
  private readonly ownsStore: boolean;
  private readonly isCommitted: IsCommittedHook | undefined;
  private readonly leaseMs: number;
  private readonly allowedMethods: readonly PaymentMethod[] | undefined;
  private readonly fencing: { fence: FenceHook | undefined; commitTimeoutMs: number };
  private readonly events = new PaymentEvents();

  constructor(conf: SiteConfData, options: PayPlusOptions = {}) {
    // Checked before anything is opened: a refused option must not leave a store behind.
    if (options.allowedMethods !== undefined) assertAllowedMethods('allowedMethods', options.allowedMethods, 'config');
    if (options.childNice !== undefined) {
      assertChildNice(options.childNice);
      if (typeof options.runner === 'object') {
        throw new KcpConfigError('childNice: applies to the runner PayPlus picks. Fix: pass it to your runner (new NativeRunner(addon, { childNice })) instead.', {
          field: 'childNice',
        });
      }
    }
    this.conf = conf;
    this.logger = this.events.tap(options.logger ? maskingLogger(options.logger) : createSiteLogger(conf));
    if (options.onEvent) this.events.on(options.onEvent);
    this.runnerOption = options.runner ?? 'auto';
    this.childNice = options.childNice;
    this.ppcli = new PpCliGateway({ conf, runner: () => this.runner(), logger: this.logger, moduleEnv: options.moduleEnv });
    // The REST credentials are loaded (and the key decrypted) here, before the store opens: a refusal leaves nothing.
    this.gateway = options.gateway ?? (conf.transport === 'rest' ? RestGateway.fromConfig(conf, { logger: this.logger }) : this.ppcli);
    this.ownsStore = options.store === undefined;
    this.store = options.store ?? SqliteStore.forLogDir(logDirsOf(conf)[0]!);
    this.isCommitted = options.isCommitted;
    this.leaseMs = options.leaseMs ?? 120_000;
    this.allowedMethods = options.allowedMethods === undefined ? undefined : Object.freeze([...options.allowedMethods]);
    this.fencing = { fence: options.fence, commitTimeoutMs: options.commitTimeoutMs ?? DEFAULT_COMMIT_TIMEOUT_MS };
  }

  /** The runner in use (chosen once, on first use). */
  async runner(): Promise<Runner> {
    if (typeof this.runnerOption === 'object') return this.runnerOption;
    const choice = this.runnerOption;
    // Loaded on first use: a PayPlus given its own runner never touches the addon loader.
    this.runnerPromise ??= import('../runner/select.js').then(
      ({ selectRunner }) => selectRunner({ runner: choice, logger: this.logger, childNice: this.childNice }).runner,
    );
    return this.runnerPromise;
  }

  /** A C_PP_CLI-style transaction for anything the high-level methods do not cover. */
  transaction(): Promise<Transaction> {
    return this.ppcli.transaction();
  }

  /**
   * Approve what the payment window authorised (pp_ax_hub 03-1). `amount` must come from your database: it is sent as
   * ordr_mony and KCP refuses (8059) when the window's amount differs. Compare the returned `amount` too — or use
   * processPayment(), which does all of it and cancels automatically. Everything in the returned approval is KCP's:
   * compare `orderNo` with the order you are paying and `method` with the methods it allows before recording it.
   */
  async approve(req: ApproveRequest, run: { stdoutFile?: string; timeoutMs?: number } = {}): Promise<Approval> {
    const amount = assertAmount('ordr_mony', req.amount);
    assertOrderId('ordr_idxx', req.ordrIdxx);
    return this.gateway.approve(
      {
        tranCd: req.tranCd,
        encData: req.encData,
        encInfo: req.encInfo,
        orderId: req.ordrIdxx,
        amount: Number(amount),
        custIp: req.custIp,
        ...(req.traceNo === undefined ? {} : { traceNo: req.traceNo }),
        ...(req.usePayMethod === undefined ? {} : { usePayMethod: req.usePayMethod }),
      },
      { answerFile: run.stdoutFile, timeoutMs: run.timeoutMs },
    );
  }

  /**
   * The whole pp_ax_hub flow: refuse a missing tran_cd (9562) and a tampered form amount before anything runs, approve
   * with ordr_mony = expectedAmount, check the approved amount, call `commit`, and cancel automatically when the amount
   * differs or `commit` throws. Each step is an attempt state in the payment store; see recover().
   */
  async processPayment<C>(form: PaymentForm, options: ProcessPaymentOptions<C>): Promise<PaymentOutcome<C>> {
    const allowedMethods = options.allowedMethods ?? this.allowedMethods;
    if (allowedMethods !== undefined) assertAllowedMethods('allowedMethods', allowedMethods);
    return processPayment(this.paymentContext(), form, { ...options, allowedMethods });
  }

  /**
   * Recurring billing (정기결제) on KCP's REST API: issue a batch key from a batch-mode window, charge a billing period
   * (at most once, ever, through the payment store: lib/payplus/billing.ts), delete the key. Only with
   * payplus.transport 'rest' (or a REST gateway given as PayPlusOptions.gateway); otherwise a KcpConfigError.
   */
  get billing(): Billing {
    const gateway = this.gateway;
    if (gateway.transport !== 'rest' || !hasBatchBilling(gateway)) {
      throw new KcpConfigError(
        `payplus.transport: recurring billing (batch keys, 정기결제) runs only on KCP's REST API, and this PayPlus uses ` +
          `${gateway.transport}. Fix: set payplus.transport to 'rest' with payplus.rest_cert_file, rest_key_file and ` +
          'rest_key_password_env (or _file)',
        { field: 'payplus.transport' },
      );
    }
    return {
      issueKey: (request) => gateway.issueBatchKey(request),
      charge: (request, options) => chargePeriod(this.paymentContext(), gateway, request, options),
      deleteKey: (request) => gateway.deleteBatchKey(request),
      orderId: billingOrderId,
    };
  }

  private paymentContext(): PaymentContext {
    return {
      conf: this.conf,
      gateway: this.gateway,
      store: this.store,
      logger: this.logger,
      answersDir: answersDir(this.conf),
      leaseMs: this.leaseMs,
      isCommitted: this.isCommitted,
      ...this.fencing,
    };
  }

  /**
   * The notification inbox's store on this PayPlus's payment store: pass it to NotificationInbox (or
   * commonReturnHandler's `store`) so every worker and server processes each noti_id once.
   */
  notificationStore(): PaymentStoreNotifications {
    return new PaymentStoreNotifications(this.store);
  }

  /** Releases what this PayPlus holds: the default store's worker (a store you passed in is yours to close). */
  async close(): Promise<void> {
    if (this.ownsStore) await this.store.close();
  }

  /**
   * Settle what crashes and failures left in the store, never touching what a live worker holds: unknown outcomes
   * are resolved from the module's own answer, uncommitted approvals are cancelled (commitInStore, or isCommitted said
   * no), cancels are retried until KCP answers. Safe to run from every worker at start-up and from a periodic job.
   */
  recover(options: RecoverOptions = {}): Promise<RecoveryReport> {
    return recover(this.paymentContext(), options);
  }

  /**
   * A person's answer for an attempt recover() leaves UNKNOWN without a tno: the tno they found for its order in KCP's
   * admin. On REST it is accepted only when KCP's inquiry says it is an approval of this attempt's order and amount; on
   * pp_cli only with `confirmOrder` (the order id and amount they saw). The attempt then gets the tno by a
   * compare-and-set and is settled as recover() settles it: cancelled unless committed (or kept by onUncommitted).
   * Never frees an order. A tno that does not fit is a KcpInputError naming the field, and nothing is changed.
   */
  settleWithTno(attemptId: string, tno: string, options: SettleWithTnoOptions = {}): Promise<SettleResult> {
    return settleWithTno(this.paymentContext(), attemptId, tno, options);
  }

  /**
   * What needs a person or is still running, read-only: every open attempt that is overdue (its commit outlived
   * commitTimeoutMs), unknown, undecided (waits for recovery or a fence) or cancelling, with its age and host.
   * `attention` is true while any of them exists — wire it to your health check.
   */
  status(options: StatusOptions = {}): Promise<PaymentStatus> {
    return paymentStatus(this.paymentContext(), options);
  }

  /** Listen to payment events (typed PaymentEvent, masked); a listener that throws is contained and logged. */
  on(name: 'event', listener: PaymentEventListener): this {
    if (name !== 'event') throw new TypeError(`PayPlus#on: unknown event name ${JSON.stringify(name)}; the only one is 'event'`);
    this.events.on(listener);
    return this;
  }

  off(name: 'event', listener: PaymentEventListener): this {
    if (name === 'event') this.events.off(listener);
    return this;
  }

  /** What needs a person (status() without the attempts still running) and this process's event counters. */
  async health(options: StatusOptions = {}): Promise<PaymentHealth> {
    const status = await this.status(options);
    const needsAttention = status.attempts.filter((a) => a.kind !== 'in_progress');
    return { ok: needsAttention.length === 0, needsAttention, inProgress: status.attempts.length - needsAttention.length, counters: this.events.counters.snapshot() };
  }

  /**
   * The counters in Prometheus text format (serve it as `text/plain; version=0.0.4` on your /metrics). With
   * `{ openAttempts: true }` also the open attempts by kind from status() (one store query per scrape).
   */
  async metrics(options: { openAttempts?: boolean } = {}): Promise<string> {
    if (!options.openAttempts) return renderPrometheus(this.events.counters.snapshot());
    const open: Record<string, number> = {};
    for (const a of (await this.status()).attempts) open[a.kind] = (open[a.kind] ?? 0) + 1;
    return renderPrometheus(this.events.counters.snapshot(), open);
  }

  /** Full cancel (STSC). Irreversible. */
  async cancel(req: CancelRequest): Promise<ModifyResult> {
    return this.gateway.modify({ kind: 'cancel', tno: req.tno, reason: req.reason, custIp: req.custIp, ...modifyRefs(req) });
  }

  /**
   * Partial cancel (STPC): cancels `amount` of a payment whose cancellable balance before this request is
   * `cancellableBalance` (KCP's rem_mny). The answer's remainingAmount is the next request's cancellableBalance.
   * The gateway checks the amount against the balance and the tax split against the amount.
   */
  async partialCancel(req: PartialCancelRequest): Promise<PartialCancelResult> {
    const money = (field: string, value: number | string, allowZero = false) => Number(assertAmount(field, value, { allowZero }));
    const amount = money('mod_mny', req.amount);
    const cancellableBalance = money('rem_mny', req.cancellableBalance);
    const tax = req.tax && {
      taxAmount: money('mod_tax_mny', req.tax.taxAmount, true),
      vatAmount: money('mod_vat_mny', req.tax.vatAmount, true),
      freeAmount: money('mod_free_mny', req.tax.freeAmount, true),
    };
    return this.gateway.modify({
      kind: 'partial_cancel',
      tno: req.tno,
      amount,
      cancellableBalance,
      reason: req.reason,
      custIp: req.custIp,
      ...(tax ? { tax } : {}),
      ...modifyRefs(req),
    });
  }

  /** Capture (STMR) of a card approval taken with manual capture. */
  async capture(req: CaptureRequest): Promise<ModifyResult> {
    const res = await this.ppcli.modx('STMR', { ...req, reason: req.reason ?? '' }, []);
    return toModifyResult(res.fields);
  }

  /** Escrow state changes: STE1 shipping started, STE2 cancel before shipping, STE4 after shipping, STE5 vbank. */
  async escrow(req: EscrowRequest): Promise<ModifyResult> {
    const extra: Array<[string, string]> = [];
    if (req.modType === 'STE1') {
      for (const [field, value] of [['deli_numb', req.deliNumb], ['deli_corp', req.deliCorp]] as const) {
        if (value === '') {
          throw new KcpInputError(`${field}: required for STE1 (shipping start): the waybill number and courier`, {
            field,
          });
        }
      }
      extra.push(['deli_numb', req.deliNumb], ['deli_corp', req.deliCorp]);
    } else if ((req.modType === 'STE2' || req.modType === 'STE4') && req.refund) {
      extra.push(
        ['refund_account', req.refund.account],
        ['refund_nm', req.refund.name],
        ['bank_code', req.refund.bankCode],
      );
    }
    const res = await this.ppcli.modx(req.modType, { ...req, reason: req.reason ?? '' }, extra);
    return toModifyResult(res.fields);
  }

  /** Issue a cash receipt (07010000). */
  async issueCashReceipt(req: CashReceiptIssueRequest): Promise<CashReceiptResult> {
    assertOrderId('ordr_idxx', req.ordrIdxx);
    assertDateTime('trad_time', req.tradTime);
    if (req.idInfo === '') {
      throw new KcpInputError(`id_info: required: the buyer's phone, card or business number`, { field: 'id_info' });
    }
    const amtTot = assertAmount('amt_tot', req.amtTot);
    const amtSup = assertAmount('amt_sup', req.amtSup, { allowZero: true });
    const amtSvc = assertAmount('amt_svc', req.amtSvc, { allowZero: true });
    const amtTax = assertAmount('amt_tax', req.amtTax, { allowZero: true });
    if (BigInt(amtSup) + BigInt(amtSvc) + BigInt(amtTax) !== BigInt(amtTot)) {
      throw new KcpInputError(
        `amt_sup + amt_svc + amt_tax (${amtSup} + ${amtSvc} + ${amtTax}) must equal amt_tot ${amtTot}`,
        { field: 'amt_tot' },
      );
    }
    const rcpt = [
      usItem('user_type', 'PGNW'),
      usItem('trad_time', req.tradTime),
      usItem('tr_code', req.trCode),
      usItem('id_info', req.idInfo),
      usItem('amt_tot', amtTot),
      usItem('amt_sup', amtSup),
      usItem('amt_svc', amtSvc),
      usItem('amt_tax', amtTax),
      usItem('pay_type', req.payType ?? 'PAXX'),
      usItem('pay_trade_no', req.payTradeNo ?? ''),
      usItem('pay_tx_id', req.payTxId ?? ''),
    ].join('');
    const corp = req.corp ?? { corp_type: '0' };
    const corpOrder = ['corp_type', 'corp_tax_type', 'corp_tax_no', 'corp_sell_tax_no', 'corp_nm', 'corp_owner_nm', 'corp_addr', 'corp_telno'] as const;
    const corpItems = corpOrder.map((k) => usItem(k, corp[k] ?? '')).join('');

    const tx = await this.ppcli.transaction();
    tx.setOrdrData('ordr_idxx', req.ordrIdxx)
      .setOrdrData('good_name', req.goodName)
      .setOrdrData('buyr_name', req.buyrName ?? '')
      .setOrdrData('buyr_tel1', req.buyrTel1 ?? '')
      .setOrdrData('buyr_mail', req.buyrMail ?? '')
      .setOrdrData('comment', req.comment ?? '')
      .setOrdrNestedData('rcpt_data', rcpt)
      .setOrdrNestedData('corp_data', corpItems);
    const res = await tx.doTx({ txCd: TX_CASH_RECEIPT_ISSUE, ordrIdxx: req.ordrIdxx, custIp: req.custIp ?? '' });
    this.ppcli.raiseUnless(res, 'cash receipt issue');
    return toCashReceiptResult(res.fields);
  }

  /** Cancel (STSC) or partly cancel (STPC) a cash receipt (07020000). */
  async modifyCashReceipt(req: CashReceiptModifyRequest): Promise<CashReceiptResult> {
    assertDateTime('trad_time', req.tradTime);
    const tx = await this.ppcli.transaction();
    tx.setModxData('mod_type', req.modType)
      .setModxData('mod_value', req.modValue)
      .setModxData('mod_gubn', req.modGubn)
      .setModxData('trad_time', req.tradTime);
    if (req.modType === 'STPC') {
      const modMny = assertAmount('mod_mny', req.amount ?? '');
      const remMny = assertAmount('rem_mny', req.cancellableBalance ?? '');
      if (BigInt(modMny) > BigInt(remMny)) {
        throw new KcpInputError(`mod_mny: ${modMny} is more than the cancellable balance rem_mny ${remMny}`, {
          field: 'mod_mny',
        });
      }
      tx.setModxData('mod_mny', modMny).setModxData('rem_mny', remMny);
    }
    const res = await tx.doTx({ txCd: TX_CASH_RECEIPT_MODIFY, custIp: req.custIp ?? '' });
    this.ppcli.raiseUnless(res, 'cash receipt change');
    return toCashReceiptResult(res.fields);
  }

  /** Query a cash receipt (07030000, STSQ). */
  async queryCashReceipt(req: CashReceiptQueryRequest): Promise<CashReceiptResult> {
    assertDateTime('trad_time', req.tradTime);
    const tx = await this.ppcli.transaction();
    tx.setModxData('mod_type', 'STSQ')
      .setModxData('mod_value', req.modValue)
      .setModxData('mod_gubn', req.modGubn)
      .setModxData('trad_time', req.tradTime);
    const res = await tx.doTx({ txCd: TX_CASH_RECEIPT_QUERY, custIp: req.custIp ?? '' });
    this.ppcli.raiseUnless(res, 'cash receipt query');
    return toCashReceiptResult(res.fields);
  }
}
