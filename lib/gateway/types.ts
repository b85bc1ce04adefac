/**
 * The gateway seam (docs/design.md §8): what the payment, cancel and recovery flows ask of KCP, whichever transport carries
 * it. Two implementations sit behind it: the pp_cli module (lib/payplus/ppcli-gateway.ts: Transaction, answer file,
 * module log) and KCP's REST API (lib/gateway/rest). processPayment, recovery and PayPlus's approve/cancel/partialCancel
 * are written once over it (lib/payplus/attempts.ts holds the flows' context).
 *
 * Rules every implementation keeps (COMMON rules, DESIGN §8):
 * - A complete, parsed answer with res_cd 0000 resolves; any other complete answer rejects with the error the one
 *   classifier gives (`resultError`, lib/errors.ts).
 * - Once the request may have reached KCP, anything but a complete answer rejects with KcpOutcomeUnknownError
 *   (outcomeKnown false), never a decline. A failure before anything was sent is KcpConnectionError / KcpConfigError.
 * - What was paid (method, amount, order, tno) is read from KCP's answer only.
 * - The gateway never imports the flow; the flow imports this file.
 */
import type { Approval, ModifyResult, PartialCancelResult } from '../payplus/results.js';
import type { ResultFields } from '../protocol/result.js';
import type { Attempt } from '../store/types.js';
import type { BatchKey, BatchKeyDeleted, ChargeBatchKeyRequest, DeleteBatchKeyRequest, IssueBatchKeyRequest } from './rest/client.js';

export type { Approval, ModifyResult, PartialCancelResult };

/** Which transport carries a request. */
export type GatewayTransport = 'pp_cli' | 'rest';

/** Approval after the payment window: the window's opaque result and the merchant's own order. */
export interface ApproveRequest {
  /** The merchant's order id (ordr_idxx); KCP's answer must carry it back as order_no. */
  readonly orderId: string;
  /**
   * The amount the merchant's own order says is due (ordr_mony), from the merchant's database: never a value the
   * browser posted. KCP answers 8059 when the window was opened for another amount.
   */
  readonly amount: number;
  /** From the window's form post, passed through unchanged. */
  readonly encData: string;
  readonly encInfo: string;
  /** The window's tran_cd (00100000 for a payment). */
  readonly tranCd: string;
  /** KCP's four-letter pay_type (PACA, PABK, PAVC, PAMC …), when the merchant knows it; optional on both transports. */
  readonly payType?: string;
  /** pp_cli only (PayPlus.approve's names): the window's trace_no and use_pay_method, the buyer's IP. REST ignores them. */
  readonly traceNo?: string;
  readonly usePayMethod?: string;
  readonly custIp?: string;
}

/** pp_cli only (mod_ip, trace_no, ordr_idxx of PayPlus.cancel); REST ignores them. */
interface ModifyCommon {
  readonly custIp?: string;
  readonly traceNo?: string;
  readonly orderId?: string;
}

/** Cancel, partial cancel, tax split. */
export type ModifyRequest =
  | (ModifyCommon & {
      readonly kind: 'cancel';
      readonly tno: string;
      /**
       * How to undo the whole payment: STSC (default), or for an escrow payment STE2 (cancel before shipping) / STE5
       * (escrow virtual account). pp_cli sends all three; the REST transport refuses STE2/STE5 before sending (KCP's
       * REST escrow changes are not documented: docs/kcp-rest-api.md §3).
       */
      readonly modType?: 'STSC' | 'STE2' | 'STE5';
      /** mod_desc: the reason KCP's admin shows. */
      readonly reason?: string;
    })
  | (ModifyCommon & {
      readonly kind: 'partial_cancel';
      readonly tno: string;
      /** mod_mny: what to cancel now. */
      readonly amount: number;
      /** rem_mny: what was still cancellable BEFORE this cancel (the previous answer's remainingAmount). */
      readonly cancellableBalance: number;
      readonly reason?: string;
      /** Mixed-tax split (tax_flag TG03; PayPlus.partialCancel's names): the three parts must add up to `amount`. */
      readonly tax?: { readonly taxAmount: number; readonly vatAmount: number; readonly freeAmount: number };
    });

/**
 * What recovery may ask: "what happened to transaction `tno`?". KCP's REST inquiry answers it on any host; the pp_cli
 * module cannot (it answers `unknown` and recovery falls back to its answer file and log).
 */
export interface InquireRequest {
  readonly tno: string;
  /** KCP's four-letter pay_type of the transaction (PACA, PABK, PAMC, PAVC): part of the signed string. */
  readonly payType: string;
}

/** The state KCP reports for a transaction. */
export type TransactionState = 'approved' | 'partially_cancelled' | 'cancelled' | 'other';

/** A complete inquiry answer: proof of what KCP holds for this tno. */
export interface InquiryProof {
  readonly kind: 'proof';
  readonly tno: string;
  readonly orderNo: string;
  readonly payMethod: string;
  readonly amount: number | undefined;
  /** What is still cancellable (rem_mny / bk_rem_mny / hp_rem_mny), when answered. */
  readonly remainingAmount: number | undefined;
  readonly state: TransactionState;
  /** The status code as answered (stat_ca_cd / stat_bk_cd / stat_hp_cd / shop_status: STSR, STPC, STSC …). */
  readonly statusCode: string;
  readonly raw: Readonly<Record<string, string>>;
}

/** No proof: KCP could not be asked, or did not answer completely, or refused the inquiry (resCd then set). */
export interface InquiryUnknown {
  readonly kind: 'unknown';
  readonly reason: string;
  readonly resCd?: string;
  readonly error?: Error;
}

export type InquiryOutcome = InquiryProof | InquiryUnknown;

/** Smartphone trade registration: what the smartphone window's form needs. */
export interface RegisterTradeRequest {
  readonly orderId: string;
  readonly amount: number;
  readonly goodName: string;
  /** Mobile method name: CARD, BANK, VCNT, MOBX, TPNT, GIFT; AUTH for a batch-key window. */
  readonly payMethod: string;
  /** Where the window posts its result (Ret_URL). */
  readonly returnUrl: string;
  readonly escrow?: boolean;
  readonly userAgent?: string;
}

export interface TradeRegistration {
  /** Posted by the form as approval_key. */
  readonly approvalKey: string;
  /** Where the form posts (PayUrl). */
  readonly payUrl: string;
  readonly traceNo: string;
  readonly raw: Readonly<Record<string, string>>;
}

/**
 * How the flow runs one approval (or batch charge): the transport writes KCP's answer to `answerFile`, which exists iff
 * the exchange started, and recovery reads it — pp_cli's module, and REST's exchange child in durable mode
 * (lib/gateway/rest/durable.ts). REST without it ignores both.
 */
export interface ApproveRun {
  readonly answerFile?: string | undefined;
  /** The hard limit for the exchange (pp_cli: when the module is killed). */
  readonly timeoutMs?: number | undefined;
}

/**
 * What recovery learns about an attempt whose approval had no answer in the flow ("what happened to this attempt?"):
 * a complete answer is proof (pp_cli: its own answer file or its matched log line; REST: its exchange child's answer
 * file, or KCP's inquiry by tno); the
 * rest is what the transport can tell without proof.
 */
export type AttemptAnswer =
  /** A complete answer, with where it was read. */
  | { kind: 'answer'; fields: ResultFields; source: 'stdout file' | 'pp_cli log' | 'answer file' | 'KCP inquiry' }
  /** The exchange still runs (pp_cli: a process still has the answer file, or its pid from the log is alive). */
  | { kind: 'running' }
  /** Provably nothing was sent. */
  | { kind: 'not_started' }
  /** Sent, and no answer anywhere: only KCP's admin can tell now. */
  | { kind: 'none'; why: string };

/**
 * Where an attempt being resolved ran. `local`: in this PID namespace and boot (its processes and files can be looked
 * at here). `hostGone`: an operator's word that its host is gone for good (recover's assumeDead), so no process of it
 * runs any more, wherever its files are.
 */
export interface ResolveWhere {
  local: boolean;
  hostGone?: boolean;
}

/** The seam: one implementation per transport. */
export interface PaymentGateway {
  readonly transport: GatewayTransport;
  approve(request: ApproveRequest, run?: ApproveRun): Promise<Approval>;
  modify(request: ModifyRequest & { kind: 'cancel' }): Promise<ModifyResult>;
  modify(request: ModifyRequest & { kind: 'partial_cancel' }): Promise<PartialCancelResult>;
  modify(request: ModifyRequest): Promise<ModifyResult | PartialCancelResult>;
  /** Never rejects: a failure to learn anything is `{ kind: 'unknown' }`. */
  inquire(request: InquireRequest): Promise<InquiryOutcome>;
  registerTrade(request: RegisterTradeRequest): Promise<TradeRegistration>;
  /**
   * Recovery's question about an approval attempt left `started`/`unknown`. `local`: the attempt's process ran in this
   * PID namespace and boot (pp_cli can then look at processes and files; REST does not need to). Never rejects.
   */
  resolve(attempt: Attempt, where: ResolveWhere): Promise<AttemptAnswer>;
  /**
   * True when approve() leaves a per-attempt answer file that exists iff the exchange started (pp_cli's runners; REST
   * in durable mode, payplus.rest_durable_answers).
   */
  durableAnswers(): Promise<boolean>;
}

/**
 * The transport's recurring billing (정기결제; KCP's REST API only: docs/kcp-rest-api.md §3.4, §3.5): a batch key from a
 * batch-mode window, a charge on it from the server, its deletion. PayPlus.billing runs the charge through the payment
 * store (lib/payplus/billing.ts); the gateway only carries it.
 */
export interface BatchBillingGateway extends PaymentGateway {
  issueBatchKey(request: IssueBatchKeyRequest): Promise<BatchKey>;
  /** Money moves: anything but a complete answer is KcpOutcomeUnknownError. `run` as for approve(). */
  chargeBatchKey(request: ChargeBatchKeyRequest, run?: ApproveRun): Promise<Approval>;
  deleteBatchKey(request: DeleteBatchKeyRequest): Promise<BatchKeyDeleted>;
}

/** True for a gateway that carries recurring billing. */
export function hasBatchBilling(gateway: PaymentGateway): gateway is BatchBillingGateway {
  const g = gateway as Partial<BatchBillingGateway>;
  return typeof g.issueBatchKey === 'function' && typeof g.chargeBatchKey === 'function' && typeof g.deleteBatchKey === 'function';
}

/**
 * One recurring charge (PayPlus.billing.charge). The merchant names the billing period; `subscriptionId` and `period`
 * together make the order id KCP and the payment store see (billingOrderId: `<subscriptionId>.<period>`), so one period
 * is charged at most once, ever, whichever process asks.
 */
export interface BillingChargeRequest {
  /** The batch key issued for this subscription's card (BatchKey.batchKey). */
  readonly batchKey: string;
  /** bt_group_id: the batch group made in KCP's merchant admin. */
  readonly groupId: string;
  /** The merchant's subscription: 0-9 A-Z a-z _ - (no '.', which separates it from the period). */
  readonly subscriptionId: string;
  /** The billing period's name, e.g. '2026-12': 0-9 A-Z a-z _ - (no '.'). */
  readonly period: string;
  /** The amount from YOUR database for this period. */
  readonly amount: number | string;
  readonly goodName: string;
  readonly buyerName?: string;
  readonly buyerEmail?: string;
  readonly buyerPhone?: string;
  /** Instalment months, '00' (default) for lump sum. */
  readonly quota?: string;
}
