/**
 * One error family for the whole SDK.
 *
 * Every error carries a stable `code` (a string a merchant can switch on), KCP's own
 * `resCd`/`resMsg`/`resEnMsg` when the module or gateway answered, the raw result fields,
 * and `outcomeKnown`: false when pp_cli started and was killed or timed out, because the
 * gateway may then have approved or cancelled without us hearing about it.
 * Subclasses are grouped by what the caller should do next.
 */

/** Stable error codes. Never renumber or rename: merchants switch on these. */
export type KcpErrorCode =
  | 'config_invalid'
  | 'input_invalid'
  | 'module_unavailable'
  | 'connection_failed'
  | 'gateway_refused'
  | 'outcome_unknown'
  | 'amount_mismatch'
  | 'duplicate_order'
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

  override get name(): string {
    return this.constructor.name;
  }
}

/** site_conf_inc is wrong: fix the configuration, nothing was sent. */
export class KcpConfigError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('config_invalid', message, options);
  }
}

/** A request value is wrong: fix the input, nothing was sent. */
export class KcpInputError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('input_invalid', message, options);
  }
}

/** pp_cli could not be run or answered nothing (9502 / S102): fix the install. */
export class KcpModuleError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('module_unavailable', message, options);
  }
}

/** pp_cli ran but could not reach the gateway (S202 / S203 / S204). */
export class KcpConnectionError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('connection_failed', message, options);
  }
}

/** The gateway answered with a refusal (any res_cd other than success). */
export class KcpGatewayError extends KcpError {
  constructor(message: string, options: KcpErrorOptions = {}) {
    super('gateway_refused', message, options);
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
}
