/**
 * One error family for the whole SDK.
 *
 * Every error carries a stable `code` (a string a merchant can switch on), KCP's own
 * `resCd`/`resMsg`/`resEnMsg` when the module or gateway answered, the raw result fields,
 * and `outcomeKnown`: false when pp_cli started and was killed or timed out, because the
 * gateway may then have approved or cancelled without us hearing about it.
 * Subclasses are grouped by what the caller should do next.
 */
import { classifyResultCode, lookupResultCode } from './codes/results.js';

/** Stable error codes. Never renumber or rename: merchants switch on these. */
export type KcpErrorCode =
  | 'config_invalid'
  | 'input_invalid'
  | 'module_unavailable'
  /** The payment store (database) failed; nothing was sent to KCP. KcpStoreError, in lib/store/errors.ts. */
  | 'store_unavailable'
  | 'connection_failed'
  | 'gateway_refused'
  | 'outcome_unknown'
  | 'amount_mismatch'
  | 'duplicate_order'
  | 'already_cancelled'
  | 'tampering_detected'
  | 'notification_rejected';

export interface KcpErrorOptions {
  resCd?: string;
  resMsg?: string;
  resEnMsg?: string;
  raw?: Readonly<Record<string, string>>;
  outcomeKnown?: boolean;
  /** The input or config field at fault, when there is one. */
  field?: string;
  /** Process facts for module errors: exit code, signal, stderr (decoded, already free of secrets). */
  exitCode?: number | null;
  signal?: string | null;
  stderr?: string;
  cause?: unknown;
}

export class KcpError extends Error {
  readonly code: KcpErrorCode;
  /**
   * A KCP result code, from one of two sources (docs/pp-cli-protocol.md §2.3, §2.4):
   * - **the gateway's or pp_cli's answer**: whenever `raw.res_cd` is set, `resCd` is exactly that value (0000-style
   *   gateway codes, Sxxx module codes such as S102 or S202–S204). Only such an answer tells what KCP did.
   * - **assigned locally**, with nothing answered (`raw` then has no res_cd): the code KCP's own sample pages assign in
   *   the same situation, so a merchant's existing handling keeps working. 9502 (연동 모듈 호출 오류: pp_cli did not
   *   run or printed no answer; KCP's PHP library substitutes it for empty output), 9562 (연동 오류: the payment window
   *   posted no tran_cd), 9601 (결제 정보 오류: no enc_data/enc_info, which
   *   pp_cli itself answers without contacting KCP).
   * - undefined: nothing was answered and no sample assigns a code (most input errors, and every configuration error:
   *   a KcpConfigError names the code KCP would answer in its message instead, e.g. "Left as is, KCP answers
   *   res_cd=3014 (미등록 가맹점)", so it is never mistaken for an answer).
   * Tell them apart with `raw.res_cd !== undefined`; `outcomeKnown` says separately whether KCP may have acted.
   */
  readonly resCd: string | undefined;
  readonly resMsg: string | undefined;
  readonly resEnMsg: string | undefined;
  readonly raw: Readonly<Record<string, string>>;
  readonly outcomeKnown: boolean;
  readonly field: string | undefined;
  readonly exitCode: number | null | undefined;
  readonly signal: string | null | undefined;
  readonly stderr: string | undefined;

  constructor(code: KcpErrorCode, message: string, options: KcpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.resCd = options.resCd;
    this.resMsg = options.resMsg;
    this.resEnMsg = options.resEnMsg;
    this.raw = Object.freeze({ ...(options.raw ?? {}) });
    this.outcomeKnown = options.outcomeKnown ?? true;
    this.field = options.field;
    this.exitCode = options.exitCode;
    this.signal = options.signal;
    this.stderr = options.stderr;
  }

  /** Set per class as a literal, so minified builds keep it. */
  override get name(): string {
    return 'KcpError';
  }
}

/** site_conf_inc is wrong: fix the configuration, nothing was sent. */
export class KcpConfigError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('config_invalid', message, options);
  }
  override get name(): string {
    return 'KcpConfigError';
  }
}

/** A request value is wrong: fix the input, nothing was sent. */
export class KcpInputError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('input_invalid', message, options);
  }
  override get name(): string {
    return 'KcpInputError';
  }
}

/** pp_cli could not be run or answered nothing (9502 / S102): fix the install. */
export class KcpModuleError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('module_unavailable', message, options);
  }
  override get name(): string {
    return 'KcpModuleError';
  }
}

/** pp_cli ran but could not reach the gateway (S201 / S202): nothing reached KCP. (S203/S204 are outcome-unknown.) */
export class KcpConnectionError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('connection_failed', message, options);
  }
  override get name(): string {
    return 'KcpConnectionError';
  }
}

/** The gateway answered with a refusal (any res_cd other than success). */
export class KcpGatewayError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('gateway_refused', message, options);
  }
  override get name(): string {
    return 'KcpGatewayError';
  }
}

/**
 * pp_cli was killed or timed out after it started: the gateway may have acted.
 * Never retry blindly; query or reconcile first.
 */
export class KcpOutcomeUnknownError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('outcome_unknown', message, { ...options, outcomeKnown: false });
  }
  override get name(): string {
    return 'KcpOutcomeUnknownError';
  }
}

/** The amount posted by the window, or approved by KCP, differs from the merchant's own amount. */
export class KcpAmountMismatchError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('amount_mismatch', message, options);
  }
  override get name(): string {
    return 'KcpAmountMismatchError';
  }
}

/** The order is being approved elsewhere right now, or was approved already: nothing was sent. */
export class KcpDuplicateOrderError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('duplicate_order', message, options);
  }
  override get name(): string {
    return 'KcpDuplicateOrderError';
  }
}

/**
 * A billing period (PayPlus.billing.charge) that is already charged, or whose charge is still being settled: nothing
 * was sent. `charge` is the existing charge as the payment store holds it; `pending` is true while its outcome is not
 * final (being charged, approved and being recorded, unknown, being cancelled) — do not charge it by other means then.
 */
export class KcpPeriodChargedError extends KcpDuplicateOrderError {
  readonly charge: Readonly<{ attemptId: string; orderId: string; state: string; tno?: string; amount: string }>;
  readonly pending: boolean;

  constructor(message: string, charge: KcpPeriodChargedError['charge'], pending: boolean) {
    super(message, { field: 'period' });
    this.charge = Object.freeze({ ...charge });
    this.pending = pending;
  }
  override get name(): string {
    return 'KcpPeriodChargedError';
  }
}

/**
 * KCP answered that the transaction is already cancelled (8133): a cancel's goal is reached. Automatic cancels and
 * recovery count it as cancelled; a merchant's own cancel can treat it the same way.
 */
export class KcpAlreadyCancelledError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('already_cancelled', message, options);
  }
  override get name(): string {
    return 'KcpAlreadyCancelledError';
  }
}

/** Which part of KCP's answer disagreed with the order being paid. */
export type TamperedField = 'order_no' | 'pay_method';

export interface KcpTamperingErrorOptions extends KcpErrorOptions {
  field: TamperedField;
  /** What the order being paid expects: its order id, or the methods it allows (comma-separated names). */
  expected: string;
  /** What KCP's answer says: its order_no, or the method its pay_method names. */
  answered: string;
}

/**
 * KCP approved something other than what the order being paid allows: the window result posted for this order was
 * issued for another order (KCP's order_no differs), or paid with a method the order does not allow. The browser
 * changed the form; processPayment cancels such an approval automatically. `field`, `expected` and `answered` say what
 * differed.
 */
export class KcpTamperingError extends KcpError {
  override readonly field: TamperedField;
  readonly expected: string;
  readonly answered: string;

  constructor(message: string, options: KcpTamperingErrorOptions) {
    super('tampering_detected', message, options);
    this.field = options.field;
    this.expected = options.expected;
    this.answered = options.answered;
  }
  override get name(): string {
    return 'KcpTamperingError';
  }
}

/** A common_return notification was refused (sender, body or fields): answer non-0000, nothing processed. */
export class KcpNotificationError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('notification_rejected', message, options);
  }
  override get name(): string {
    return 'KcpNotificationError';
  }
}

/**
 * The fallback of the error factory: anything thrown that is not a KcpError becomes one. Once pp_cli has started
 * (`moduleStarted`), a failure we cannot explain — a throwing logger, a bug, a broken pipe — means we did not read a
 * complete answer, so the gateway's state is unknown: KcpOutcomeUnknownError, never a refusal. Before that, nothing was
 * sent: KcpInputError when the value was refused, otherwise a module error.
 */
export function toKcpError(err: unknown, context: { moduleStarted: boolean }): KcpError {
  if (err instanceof KcpError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (context.moduleStarted) {
    return new KcpOutcomeUnknownError(
      `the call failed after pp_cli had started (${message}); KCP may have acted on it. Do not retry: resolve it first ` +
        `(recover(), or KCP's admin)`,
      { cause: err },
    );
  }
  return new KcpModuleError(`the call failed before anything was sent to KCP: ${message}`, { cause: err, outcomeKnown: true });
}

export interface KcpStoreErrorOptions extends KcpErrorOptions {
  /** True when the fault is passing (connection lost, restart, deadlock, disk space freed): the same call may succeed later. */
  retryable?: boolean;
  /** 'sqlite', 'postgres', 'mysql', 'file' (pp_cli's answer file), or a merchant store's kind. */
  engine?: string;
  /** The operation that failed: 'begin', 'update', 'commitWith', 'claimNotification', 'answer file', … */
  operation?: string;
}

/**
 * Local storage failed (the payment store's database, or the disk that takes pp_cli's answer): lib/store/errors.ts
 * says which database faults pass by themselves. Before pp_cli starts this means nothing was sent to KCP.
 */
export class KcpStoreError extends KcpError {
  readonly retryable: boolean;
  readonly engine: string;
  readonly operation: string;

  constructor(message: string, options: KcpStoreErrorOptions = {}) {
    super('store_unavailable', message, options);
    this.retryable = options.retryable ?? false;
    this.engine = options.engine ?? '';
    this.operation = options.operation ?? '';
  }

  override get name(): string {
    return 'KcpStoreError';
  }
}

const CLASS_BY_CODE: Record<KcpErrorCode, new (message: string, options?: KcpErrorOptions) => KcpError> = {
  config_invalid: KcpConfigError,
  input_invalid: KcpInputError,
  module_unavailable: KcpModuleError,
  connection_failed: KcpConnectionError,
  gateway_refused: KcpGatewayError,
  outcome_unknown: KcpOutcomeUnknownError,
  amount_mismatch: KcpAmountMismatchError,
  duplicate_order: KcpDuplicateOrderError,
  already_cancelled: KcpAlreadyCancelledError,
  // kcpError('tampering_detected', …) is for completeness only: the SDK builds KcpTamperingError with its fields.
  tampering_detected: KcpTamperingError as unknown as new (message: string, options?: KcpErrorOptions) => KcpError,
  notification_rejected: KcpNotificationError,
  store_unavailable: KcpStoreError,
};

/** The class of each error code: `err instanceof KCP_ERROR_CLASSES[err.code]` holds for every error the SDK throws. */
export const KCP_ERROR_CLASSES: Readonly<Record<KcpErrorCode, abstract new (...args: never[]) => KcpError>> = Object.freeze({
  ...CLASS_BY_CODE,
  tampering_detected: KcpTamperingError,
});

/** The error of a code, as its own subclass: every code has one, so `instanceof` and `code` always agree. */
export function kcpError(code: KcpErrorCode, message: string, options: KcpErrorOptions = {}): KcpError {
  return new CLASS_BY_CODE[code](message, options);
}

/**
 * The error factory's second half, and the one classifier of KCP result codes: a complete answer that is not a success
 * → the error its code's category in lib/codes/results.ts says (classifyResultCode). `resCd`, `resMsg`, `resEnMsg` and
 * `raw` are KCP's answer as given; the message adds the table's fix where it has one.
 * - outcome_unknown (S203/S204: the request may have reached KCP; CC72: a card company timed out after KCP sent the
 *   charge): KcpOutcomeUnknownError, outcomeKnown false — the order stays blocked until recovery or a person settles it.
 * - a success code the context does not accept (V000 outside a virtual-account approval): KCP said success in a way we
 *   cannot read, so the payment may stand: KcpOutcomeUnknownError too.
 * - connection_failed (S201/S202: nothing reached KCP): KcpConnectionError, with the network fix.
 * - every other category: its own class (KcpConfigError for 3014/8001, KcpDuplicateOrderError for 8128 …,
 *   KcpAlreadyCancelledError for 8133, KcpAmountMismatchError for 8059, KcpInputError, KcpModuleError), and a code the
 *   table does not know is a decline: KcpGatewayError.
 */
export function resultError(fields: Readonly<Record<string, string>>, what: string, gateway: string): KcpError {
  const resCd = fields.res_cd ?? '';
  const options = { resCd, resMsg: fields.res_msg, resEnMsg: fields.res_en_msg, raw: fields };
  const text = `${resCd} ${fields.res_msg ?? ''}${fields.res_en_msg ? ` (${fields.res_en_msg})` : ''}`;
  const info = lookupResultCode(resCd);
  const category = classifyResultCode(resCd);
  switch (category) {
    case 'success':
      return new KcpOutcomeUnknownError(
        `${what} answered ${text}, which is a success only for a virtual-account approval: KCP may have approved. Do ` +
          `not retry: check the transaction in KCP's admin`,
        options,
      );
    case 'outcome_unknown':
      return new KcpOutcomeUnknownError(
        resCd === 'S203' || resCd === 'S204'
          ? `${what} failed: ${text}: the request may have reached KCP; do not retry before checking the transaction`
          : `${what} failed: ${text}: the outcome is unknown (the charge may stand). ${info?.fixEn ?? ''} The order stays ` +
            `blocked until recovery or a person settles it`,
        options,
      );
    case 'connection_failed':
      return new KcpConnectionError(
        `${what} failed: ${text}: pp_cli could not reach ${gateway}; check DNS and the firewall (ports 8090/8080 ` +
          `outbound), or run 'kcp-payplus doctor'`,
        options,
      );
    case 'gateway_refused':
      return new KcpGatewayError(`${what} refused: ${text}`, options);
    default:
      return kcpError(category, `${what} refused: ${text}${info ? `. ${info.fixEn}` : ''}`, options);
  }
}
