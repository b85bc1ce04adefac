/** The order page: form builder, validation and the helpers it is made of. */
export { INSTALMENT_MINIMUM_WON, WINDOW_FILLED_FIELDS, orderForm } from './form.js';
export type { OrderForm, OrderFormOptions, OrderInput } from './form.js';
export { payMethodBitmap } from './pay-method.js';
export { complexTaxAmounts } from './tax.js';
export type { ComplexTaxAmounts } from './tax.js';
export { checkGoodExpr } from './good-expr.js';
export { escapeHtml, hiddenInputs } from './html.js';
