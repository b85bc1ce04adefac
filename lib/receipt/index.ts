/** Receipt, slip and statement URLs (영수증 연동). */
export { RECEIPT_POPUP_SIZES, cashReceiptLink, cashReceiptUrl, receiptLink, receiptUrl } from './receipt.js';
export type { CashReceiptUrlInput, ReceiptKind, ReceiptLink, ReceiptUrlInput } from './receipt.js';
