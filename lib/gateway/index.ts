/** The gateway seam (types.ts) and its REST implementation. */
export type * from './types.js';
export * from './rest/index.js';
export { KcpPeriodChargedError } from '../errors.js';
export type { Billing, BillingChargeOptions } from '../payplus/billing.js';
