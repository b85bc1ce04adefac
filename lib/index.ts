/**
 * kcp-payplus: the public surface. Everything a merchant imports comes from here; nothing else lives here.
 * The declarations use Node's types (Buffer, node:http): @types/node is a dependency, and this reference keeps it in
 * the emitted index.d.ts so a project without its own @types/node still type-checks.
 */
/// <reference types="node" preserve="true" />
export * from './errors.js';
export * from './config/index.js';
export * from './protocol/index.js';
export type { ArgvEncoding, Invocation, RunOutcome, Runner } from './runner/types.js';
export {
  ExecaRunner,
  NativeRunner,
  selectRunner,
  RUNNER_ENV,
  loadAddon,
  RecordingRunner,
  ReplayRunner,
  cassetteRunner,
  cassetteRunnerFromEnv,
  loadCassette,
  CASSETTE_ENV,
  CASSETTE_MODE_ENV,
  CASSETTE_BIND_ENV,
} from './runner/index.js';
export type { RunnerSelection, SelectRunnerOptions, Cassette, CassetteMode, ReplayOptions } from './runner/index.js';
export { PayPlus, TX_MODIFY, TX_CASH_RECEIPT_ISSUE, TX_CASH_RECEIPT_MODIFY, TX_CASH_RECEIPT_QUERY } from './payplus/payplus.js';
export type {
  PayPlusOptions,
  RunnerChoice,
  ApproveRequest,
  CancelRequest,
  PartialCancelRequest,
  CaptureRequest,
  EscrowRequest,
  CashReceiptIssueRequest,
  CashReceiptModifyRequest,
  CashReceiptQueryRequest,
} from './payplus/payplus.js';
export { Transaction, TxResult, type DoTxOptions } from './payplus/transaction.js';
export * from './payplus/results.js';
export * from './store/index.js';
export {
  AUTO_CANCEL_DESC,
  autoCancelModType,
  type AutoCancelReason,
  type IsCommittedHook,
  type PaymentForm,
  type PaymentOutcome,
  type ProcessPaymentOptions,
} from './payplus/process-payment.js';
export type { AttemptRef, RecoverOptions, RecoveryReport } from './payplus/recovery.js';
export { modulePath } from './payplus/module-path.js';
export * from './log/index.js';
export * from './notify/index.js';
export * from './order/index.js';
export * from './receipt/index.js';
export * from './codes/index.js';
export * from './doctor/index.js';
export * from './trace/index.js';
export { ppAxHubHandler, expressPpAxHub, type PpAxHubHandlerOptions, type PpAxHubOrder, type PpAxHubResult } from './payplus/http.js';
export * from './http/index.js';
export * from './window/index.js';
export * from './trade/index.js';
