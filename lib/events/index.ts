/** Payment events: the typed events, the tap on the SDK's log lines, the counters and their Prometheus text. */
export { PAYMENT_EVENT_TABLE } from './types.js';
export type { EventSpec, PaymentEvent, PaymentEventListener, PaymentEventType, RefusalReason } from './types.js';
export { PaymentEvents, toPaymentEvent } from './tap.js';
export { EVENT_TYPES, EventCounters, renderPrometheus } from './counters.js';
export type { CountersSnapshot, OpenAttemptGauges } from './counters.js';
