/**
 * The pp_cli module as a PaymentGateway (lib/gateway/types.ts): today's transport. An approval or a modification is one
 * Transaction (transaction.ts: data sets, the runner, the result line); recovery's "what happened to this attempt?" is
 * answered from the attempt's own stdout file or its matched line in pp_cli's log (module-answer.ts). pp_cli cannot ask
 * KCP about a tno: inquire() answers unknown.
 */
import type { SiteConfData } from '../config/site-conf.js';
import { requestPayType } from '../codes/pay-methods.js';
import { isSuccessCode } from '../codes/results.js';
import { KcpConfigError, KcpInputError } from '../errors.js';
import type {
  ApproveRequest,
  ApproveRun,
  AttemptAnswer,
  ResolveWhere,
  InquiryOutcome,
  ModifyRequest,
  PaymentGateway,
  TradeRegistration,
} from '../gateway/types.js';
import type { PayplusLogger } from '../log/types.js';
import { answerError } from '../protocol/result.js';
import { assertAmount, assertKcpToken, assertOrderId, assertTno } from '../protocol/validate.js';
import type { Runner } from '../runner/types.js';
import type { Attempt } from '../store/types.js';
import { moduleAnswer } from './module-answer.js';
import {
  USE_PAY_METHOD,
  detectMethod,
  approvedAnswer,
  toModifyResult,
  toPartialCancelResult,
  type Approval,
  type ModifyResult,
  type PartialCancelResult,
} from './results.js';
import { Transaction, type TxResult } from './transaction.js';

/** tx_cd for cancels, captures and escrow changes. */
export const TX_MODIFY = '00200000';

/** What a modification (tx 00200000) carries besides its type's own fields. */
export interface ModxRequest {
  tno: string;
  custIp: string;
  reason: string;
  ordrIdxx?: string;
  traceNo?: string;
}

export interface PpCliGatewayOptions {
  conf: SiteConfData;
  /** The runner, chosen once on first use (PayPlus.runner()). */
  runner: () => Promise<Runner>;
  logger: PayplusLogger;
  moduleEnv?: Readonly<Record<string, string>> | undefined;
}

export class PpCliGateway implements PaymentGateway {
  readonly transport = 'pp_cli' as const;
  readonly #options: PpCliGatewayOptions;

  constructor(options: PpCliGatewayOptions) {
    this.#options = options;
  }

  /** A C_PP_CLI-style transaction for anything the gateway's methods do not cover. */
  async transaction(): Promise<Transaction> {
    const { conf, logger, moduleEnv } = this.#options;
    return new Transaction({ conf, runner: await this.#options.runner(), logger, moduleEnv });
  }

  async approve(req: ApproveRequest, run: ApproveRun = {}): Promise<Approval> {
    const amount = assertAmount('ordr_mony', req.amount);
    assertOrderId('ordr_idxx', req.orderId);
    if (req.encData === '' || req.encInfo === '') {
      throw new KcpInputError(
        `enc_data/enc_info: missing; pass the values the payment window posted (9601 결제 정보 오류 otherwise)`,
        { field: req.encData === '' ? 'enc_data' : 'enc_info', resCd: '9601' },
      );
    }
    assertKcpToken('enc_data', req.encData);
    assertKcpToken('enc_info', req.encInfo);
    const method = req.usePayMethod ? USE_PAY_METHOD[req.usePayMethod] : undefined;
    if (req.usePayMethod !== undefined && req.usePayMethod !== '' && method === undefined) {
      throw new KcpInputError(
        `use_pay_method: '${req.usePayMethod}' is not one of KCP's 12-digit method codes (e.g. 100000000000 for card)`,
        { field: 'use_pay_method' },
      );
    }
    const tx = await this.transaction();
    tx.setOrdrData('ordr_mony', amount);
    const payType = req.payType ?? (method && method !== 'unknown' ? requestPayType(method) : undefined);
    if (payType) tx.setOrdrData('pay_type', payType);
    tx.setOrdrData('ordr_no', req.orderId);
    tx.setEncxData(req.encData, req.encInfo);
    const res = await tx.doTx({
      txCd: req.tranCd,
      ordrIdxx: req.orderId,
      custIp: req.custIp ?? '',
      traceNo: req.traceNo ?? '',
      stdoutFile: run.answerFile,
      timeoutMs: run.timeoutMs,
    });
    // V000 counts as success only for a virtual account, and KCP's answer says whether it is one (not the form).
    this.raiseUnless(res, 'approval', { vbankApproval: detectMethod(res.fields) === 'vbank' });
    return approvedAnswer(res.fields, 'approval', req.orderId);
  }

  modify(request: ModifyRequest & { kind: 'cancel' }): Promise<ModifyResult>;
  modify(request: ModifyRequest & { kind: 'partial_cancel' }): Promise<PartialCancelResult>;
  modify(request: ModifyRequest): Promise<ModifyResult | PartialCancelResult>;
  async modify(request: ModifyRequest): Promise<ModifyResult | PartialCancelResult> {
    const common: ModxRequest = {
      tno: request.tno,
      custIp: request.custIp ?? '',
      reason: request.reason ?? '',
      ...(request.orderId ? { ordrIdxx: request.orderId } : {}),
      ...(request.traceNo ? { traceNo: request.traceNo } : {}),
    };
    if (request.kind === 'cancel') {
      const res = await this.modx(request.modType ?? 'STSC', common, []);
      return toModifyResult(res.fields);
    }
    const modMny = assertAmount('mod_mny', request.amount);
    const remMny = assertAmount('rem_mny', request.cancellableBalance);
    if (BigInt(modMny) > BigInt(remMny)) {
      throw new KcpInputError(
        `mod_mny: ${modMny} is more than the cancellable balance rem_mny ${remMny}; cancel at most the balance ` +
          `(use cancel() for the whole remaining amount)`,
        { field: 'mod_mny' },
      );
    }
    const extra: Array<[string, string]> = [
      ['mod_mny', modMny],
      ['rem_mny', remMny],
    ];
    if (request.tax) {
      const tax = assertAmount('mod_tax_mny', request.tax.taxAmount, { allowZero: true });
      const vat = assertAmount('mod_vat_mny', request.tax.vatAmount, { allowZero: true });
      const free = assertAmount('mod_free_mny', request.tax.freeAmount, { allowZero: true });
      if (BigInt(tax) + BigInt(vat) + BigInt(free) !== BigInt(modMny)) {
        throw new KcpInputError(
          `mod_tax_mny + mod_vat_mny + mod_free_mny (${tax} + ${vat} + ${free}) must equal mod_mny ${modMny} for a ` +
            `complex-tax (TG03) partial cancel`,
          { field: 'mod_tax_mny' },
        );
      }
      extra.push(['tax_flag', 'TG03'], ['mod_tax_mny', tax], ['mod_vat_mny', vat], ['mod_free_mny', free]);
    }
    const res = await this.modx('STPC', common, extra);
    return toPartialCancelResult(res.fields);
  }

  /** A modification (tx 00200000): tno, mod_type, mod_ip, mod_desc, then the type's own fields. */
  async modx(modType: string, req: ModxRequest, extra: ReadonlyArray<readonly [string, string]>): Promise<TxResult> {
    assertTno('tno', req.tno);
    if (req.ordrIdxx) assertOrderId('ordr_idxx', req.ordrIdxx);
    const tx = await this.transaction();
    tx.setModxData('tno', req.tno)
      .setModxData('mod_type', modType)
      .setModxData('mod_ip', req.custIp)
      .setModxData('mod_desc', req.reason);
    for (const [name, value] of extra) tx.setModxData(name, value);
    const res = await tx.doTx({
      txCd: TX_MODIFY,
      ordrIdxx: req.ordrIdxx ?? '',
      custIp: req.custIp,
      traceNo: req.traceNo ?? '',
    });
    this.raiseUnless(res, `${modType} request`);
    return res;
  }

  /** pp_cli cannot ask KCP about a tno. */
  async inquire(): Promise<InquiryOutcome> {
    return { kind: 'unknown', reason: "the pp_cli transport cannot ask KCP about a tno (KCP's REST inquiry can: payplus.transport 'rest')" };
  }

  async registerTrade(): Promise<TradeRegistration> {
    throw new KcpConfigError(
      "registerTrade: the pp_cli transport registers smartphone trades through KCP's SOAP service (lib/trade); " +
        "the REST registration needs payplus.transport 'rest'",
      { field: 'payplus.transport' },
    );
  }

  /** The attempt's own stdout file, else its matched line in pp_cli's log (module-answer.ts). */
  resolve(attempt: Attempt, where: ResolveWhere): Promise<AttemptAnswer> {
    return moduleAnswer(this.#options.conf, attempt, where);
  }

  async durableAnswers(): Promise<boolean> {
    return (await this.#options.runner()).durableOutput === true;
  }

  /** Throw the error a non-success answer amounts to (the error factory's answerError). */
  raiseUnless(res: TxResult, what: string, context: { vbankApproval?: boolean } = {}): void {
    if (isSuccessCode(res.resCd, context)) return;
    throw answerError(res.fields, what, `${this.#options.conf.gwUrl}:${this.#options.conf.gwPort}`);
  }
}
