/// <reference types="node" preserve="true" />
// kcp-payplus: the public surface, what a merchant's server integrates with. The README's "Public API" section
// lists every value exported here; test/package/exports.test.ts pins the list and its size (at most 60 values).
// Tools live on sub-paths with their own entry files: `kcp-payplus/testing` (simulator, stand-in, runners, replay and
// recording, in-memory stores), `kcp-payplus/doctor`, `kcp-payplus/trace`, `kcp-payplus/codes`, `kcp-payplus/gateway`
// (KCP's REST API), `kcp-payplus/store` (the stores and their DDL for DBAs) (and `kcp-payplus/sim`, the simulator
// alone, kept for existing imports). Anything not reachable from these entries is
// internal and may change without notice.
//
// The declarations use Node's types (Buffer, node:http): @types/node is a dependency, and this reference keeps it in
// the emitted index.d.ts so a project without its own @types/node still type-checks.

// The SDK, its configuration and the vendor-style transaction (C_PP_CLI).
export { PayPlus, TX_MODIFY, TX_CASH_RECEIPT_ISSUE, TX_CASH_RECEIPT_MODIFY, TX_CASH_RECEIPT_QUERY } from './payplus/payplus.js';
export type { RunnerChoice } from './runner/select.js';
export type {
  PayPlusOptions,
  ApproveRequest,
  CancelRequest,
  PartialCancelRequest,
  CaptureRequest,
  EscrowRequest,
  CashReceiptIssueRequest,
  CashReceiptModifyRequest,
  CashReceiptQueryRequest,
  PaymentHealth,
} from './payplus/payplus.js';
export type { PaymentEvent, PaymentEventListener, PaymentEventType, RefusalReason, CountersSnapshot } from './events/index.js';
export { SiteConf, type SiteConfFromFileOptions, type SiteConfPresetOptions } from './config/site-conf-class.js';
export type { KcpEnvironment, PaymentWindow, SiteConfData, SiteConfFile } from './config/site-conf.js';
export { Transaction, type TxResult, type DoTxOptions } from './payplus/transaction.js';
export { toApproval } from './payplus/results.js';
export type {
  Approval,
  CardApproval,
  BankTransferApproval,
  VirtualAccountApproval,
  MobileApproval,
  PointApproval,
  GiftCardApproval,
  OtherApproval,
  PaymentMethod,
  ModifyResult,
  PartialCancelResult,
  CashReceiptResult,
} from './payplus/results.js';
export type {
  AutoCancelReason,
  IsCommittedHook,
  PaymentForm,
  PaymentOutcome,
  ProcessPaymentOptions,
} from './payplus/process-payment.js';
export { KcpPaymentPendingError, type BuyerMessage } from './payplus/process-payment.js';
export type { AttemptRef, AttemptStatus, PaymentStatus, RecoverOptions, RecoveryReport } from './payplus/recovery.js';
export type { CommitInfo, FenceDialect, FenceHook, FenceOutcome } from './payplus/fence.js';
export type { AnswerSpaceError } from './runner/stdout-file.js';
export type { ArgvEncoding, Invocation, RunOutcome, Runner } from './runner/types.js';

// Errors: one family, caught with instanceof.
export {
  KcpError,
  KcpConfigError,
  KcpInputError,
  KcpModuleError,
  KcpConnectionError,
  KcpGatewayError,
  KcpOutcomeUnknownError,
  KcpAmountMismatchError,
  KcpDuplicateOrderError,
  KcpNotificationError,
  KcpAlreadyCancelledError,
  KcpTamperingError,
  KcpStoreError,
  type KcpStoreErrorOptions,
  type TamperedField,
  type KcpErrorCode,
  type KcpErrorOptions,
} from './errors.js';
export {
  KcpTradeError,
  KcpTradeHttpError,
  KcpTradeMalformedError,
  KcpTradeRefusedError,
  KcpTradeSoapFaultError,
  KcpTradeTimeoutError,
  type TradeErrorKind,
} from './trade/errors.js';

// Payment state: the store (attempts, order ids, notifications).
export { SqliteStore } from './store/sqlite.js';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres.js';
export { MysqlStore, type MysqlStoreOptions } from './store/mysql.js';
export { openStore } from './store/open.js';
// PaymentStore and the shapes it speaks (a merchant may implement their own); type-only, values stay inside.
export type * from './store/types.js';

// HTTP adapters: pp_ax_hub, the windows' return, common_return.
export { ppAxHubHandler, expressPpAxHub, type PpAxHubHandlerOptions, type PpAxHubOrder, type PpAxHubResult } from './payplus/http.js';
export {
  expressWindowReturn,
  readWindowReturn,
  type ReadWindowReturnOptions,
  type WindowExit,
  type WindowReturn,
  type WindowReturnOptions,
  type WindowReturnResult,
} from './window/return.js';
export type { WindowResult } from './window/result.js';
// The same pieces without a framework (Fastify, Koa, Nest): read a window's post, parse a notification, answer it;
// and the server-wide time limits the handlers cannot set themselves.
export { parseNotification, type ParseNotificationOptions } from './notify/parse.js';
export { notificationAnswer } from './notify/answer.js';
export { applyHttpLimits, closeHttpServer, type HttpServerLimits, type HttpCloseOptions } from './http/server.js';
export type { BodyLimits } from './http/request.js';
export {
  commonReturnHandler,
  expressCommonReturn,
  type CommonReturnHandlerOptions,
  type ExpressLikeHandler,
  type ExpressLikeRequest,
  type NodeRequestHandler,
} from './notify/http.js';

// Notifications (common_return).
export { NotificationInbox } from './notify/inbox.js';
export type { InboxOutcome, InboxStatus, NotificationHandler, NotificationInboxOptions } from './notify/inbox.js';
export type { NotificationStore } from './notify/store.js';
export { crossCheck, type NotificationMismatch, type OrderRecord } from './notify/cross-check.js';
export type {
  DepositNotification,
  EventNotification,
  KcpNotification,
  MobilePaymentNotification,
  NotificationBase,
  PurchaseDecisionNotification,
  RefundNotification,
  ShippingNotification,
  UnknownNotification,
} from './notify/parse.js';

// Order pages: the plug-in form, the standard-web page, the smartphone trade and form.
export { orderForm, type OrderForm, type OrderFormOptions, type OrderInput } from './order/form.js';
export { escapeHtml } from './order/html.js';
export { standardWebOrderPage, type StandardWebPage, type StandardWebPageOptions } from './window/standard-web.js';
export { registerTrade, type TradeGateway, type TradeOptions, type TradeRegistration, type TradeRequest } from './trade/register.js';
export { smartphoneOrderForm, type SmartphoneOrderForm, type SmartphoneOrderInput } from './trade/smartphone-form.js';
export type { SmartphoneMethodName, SmartphonePayMethod } from './trade/pay-method.js';

// Receipts.
export { cashReceiptLink, cashReceiptUrl, receiptLink, receiptUrl } from './receipt/receipt.js';
export type { CashReceiptUrlInput, ReceiptKind, ReceiptLink, ReceiptUrlInput } from './receipt/receipt.js';

// Logging.
export { silentLogger, type LogEvent, type LogLevel, type PayplusLogger } from './log/types.js';
export { createSiteLogger, type SiteLoggerOptions } from './log/site-logger.js';
export { createFileLogger, type FileLogger, type FileLoggerOptions, type LogRecord } from './log/file-logger.js';
export { createConsoleLogger, type ConsoleLoggerOptions } from './log/console-logger.js';
export { maskingLogger } from './log/masking-logger.js';
export { maskFields } from './log/mask.js';

// The gateway seam's types (values live in kcp-payplus/gateway: RestGateway, RestCredentials).
export type {
  PaymentGateway,
  GatewayTransport,
  ApproveRequest as GatewayApproveRequest,
  ModifyRequest as GatewayModifyRequest,
  InquireRequest,
  InquiryOutcome,
  InquiryProof,
  InquiryUnknown,
  RegisterTradeRequest,
  TransactionState,
} from './gateway/types.js';
