/** KCP's code tables (the manual's reference tables and FAQ, docs/kcp-manual.md §7 and §6) as typed, frozen data with lookups. */
export {
  CARD_ACQUIRERS,
  CARD_AUTH_TYPES,
  CARD_ISSUERS,
  isCardCodeFormat,
  lookupCardAcquirer,
  lookupCardIssuer,
} from './cards.js';
export type { CardAcquirer, CardAuthInfo, CardAuthType, CardIssuer } from './cards.js';
export {
  BANKS,
  LEGACY_BANK_CODES,
  SECURITIES_COMPANIES,
  VBANK_BANKS,
  currentBankCode,
  isVbankBankCode,
  lookupBank,
  normalizeBankCode,
} from './banks.js';
export type { Bank, BankLookup, FinancialInstitutionKind, LegacyBankCode } from './banks.js';
export {
  TRANSACTION_STATUS_CODES,
  TRANSACTION_STATUS_TABLE,
  lookupTransactionStatus,
} from './status.js';
export type { TransactionStatus, TransactionStatusEntry } from './status.js';
export { RESULT_CODES, classifyResultCode, isAlreadyCancelledCode, isDuplicateOrderCode, isSuccessCode, lookupResultCode } from './results.js';
export type { ResultCategory, ResultCodeInfo, ResultCodeSource } from './results.js';
export {
  DEPOSIT_CANCEL_OP_CD,
  DEPOSIT_OP_CODES,
  NOTIFICATION_TX_CODES,
  lookupDepositOpCode,
  lookupNotificationTxCode,
} from './notification.js';
export type { DepositOpCode, NotificationTxCode } from './notification.js';
export {
  ANSWER_ONLY_PAY_METHODS,
  OTHER_PAY_TYPE,
  PAY_METHODS,
  PAY_METHOD_NAMES,
  WALLET_PAY_TYPES,
  lookupPayMethod,
  methodOfPayType,
  payMethodOfBitmap,
  payMethodsInBitmap,
  requestPayType,
} from './pay-methods.js';
export type { PayMethodInfo, PayMethodName, UsePayMethodName } from './pay-methods.js';
