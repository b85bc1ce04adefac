/**
 * The SDK's own counters and their Prometheus text rendering (exposition format 0.0.4). No client library: the SDK
 * counts in memory per PayPlus and renders the text a scraper reads; see README "Payment events and metrics".
 */
import type { PaymentEvent, PaymentEventType } from './types.js';

/** Every event type, in the order they are rendered (all are rendered, at 0 until seen, so dashboards see the series). */
export const EVENT_TYPES: readonly PaymentEventType[] = Object.freeze([
  'approved',
  'declined',
  'refused',
  'window_closed',
  'window_failed',
  'duplicate',
  'auto_cancelled',
  'cancel_failed',
  'unknown',
  'overdue',
  'recovered',
  'notification_received',
  'notification_handled',
  'notification_duplicate',
  'notification_refused',
  'notification_failed',
]);

/** Events whose reason is also a label (refusals and automatic cancels: "is someone tampering?"). */
const REASON_LABELLED: ReadonlySet<PaymentEventType> = new Set(['refused', 'auto_cancelled']);

export interface CountersSnapshot {
  events: Record<PaymentEventType, number>;
  /** `${type}:${reason}` → count, for refused and auto_cancelled events. */
  reasons: Record<string, number>;
  listenerErrors: number;
}

export class EventCounters {
  readonly #events = new Map<PaymentEventType, number>(EVENT_TYPES.map((t) => [t, 0]));
  readonly #reasons = new Map<string, number>();
  listenerErrors = 0;

  count(event: PaymentEvent): void {
    this.#events.set(event.type, (this.#events.get(event.type) ?? 0) + 1);
    if (REASON_LABELLED.has(event.type)) {
      const reason = 'reason' in event && typeof event.reason === 'string' && event.reason !== '' ? event.reason : 'unspecified';
      const key = `${event.type}:${reason}`;
      this.#reasons.set(key, (this.#reasons.get(key) ?? 0) + 1);
    }
  }

  snapshot(): CountersSnapshot {
    return {
      events: Object.fromEntries(this.#events) as Record<PaymentEventType, number>,
      reasons: Object.fromEntries([...this.#reasons].sort(([a], [b]) => a.localeCompare(b))),
      listenerErrors: this.listenerErrors,
    };
  }
}

/** Label values escaped as the text format wants (backslash, double quote, newline). */
const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Gauges from status(): open attempts by kind (overdue, unknown, undecided, cancelling, in_progress). */
export type OpenAttemptGauges = Readonly<Record<string, number>>;

/** The counters (and, when given, the open-attempt gauges) in Prometheus text format. */
export function renderPrometheus(snapshot: CountersSnapshot, open?: OpenAttemptGauges): string {
  const lines = [
    '# HELP kcp_payplus_events_total Payment and notification events by type (README "Payment events and metrics").',
    '# TYPE kcp_payplus_events_total counter',
    ...EVENT_TYPES.map((t) => `kcp_payplus_events_total{event="${t}"} ${snapshot.events[t] ?? 0}`),
    '# HELP kcp_payplus_event_reasons_total Refusals before the module and automatic cancels by reason.',
    '# TYPE kcp_payplus_event_reasons_total counter',
    ...Object.entries(snapshot.reasons).map(([key, n]) => {
      const at = key.indexOf(':');
      return `kcp_payplus_event_reasons_total{event="${label(key.slice(0, at))}",reason="${label(key.slice(at + 1))}"} ${n}`;
    }),
    '# HELP kcp_payplus_listener_errors_total Event listeners that threw (contained; the payment went on).',
    '# TYPE kcp_payplus_listener_errors_total counter',
    `kcp_payplus_listener_errors_total ${snapshot.listenerErrors}`,
  ];
  if (open) {
    lines.push(
      '# HELP kcp_payplus_open_attempts Open payment attempts by kind (status()); all but in_progress need a person.',
      '# TYPE kcp_payplus_open_attempts gauge',
      ...['overdue', 'unknown', 'undecided', 'cancelling', 'in_progress'].map((k) => `kcp_payplus_open_attempts{kind="${k}"} ${open[k] ?? 0}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
