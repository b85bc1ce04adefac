/**
 * The tap: a PayplusLogger that passes every log line on unchanged and turns the lines PAYMENT_EVENT_TABLE names into
 * typed PaymentEvents — counted, then handed to the listeners. The flows log; they do not know about events. A
 * listener that throws (or returns a rejected promise) is contained: the payment goes on, and the failure is logged
 * as `events.listener_failed` and counted.
 */
import { maskFields, maskText } from '../log/mask.js';
import type { LogEvent, PayplusLogger } from '../log/types.js';
import { EventCounters } from './counters.js';
import { PAYMENT_EVENT_TABLE, type PaymentEvent, type PaymentEventListener } from './types.js';

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** The typed event a log line amounts to, or undefined when the line is not a payment event. Fields come masked. */
export function toPaymentEvent(line: LogEvent, time?: Date): PaymentEvent | undefined {
  const spec = PAYMENT_EVENT_TABLE[line.event];
  if (!spec) return undefined;
  time ??= new Date();
  const fields = maskFields(line.fields ?? {});
  const type = typeof spec.type === 'function' ? spec.type(fields) : spec.type;
  const base = {
    logEvent: line.event,
    level: line.level,
    time,
    fields,
    ...(line.ordrIdxx !== undefined ? { ordrIdxx: maskText(line.ordrIdxx, { keepIdentifiers: true }) } : {}),
    ...(line.traceNo !== undefined ? { traceNo: maskText(line.traceNo, { keepIdentifiers: true }) } : {}),
  };
  const f = (k: string) => str(fields[k]);
  switch (type) {
    case 'approved':
      return { ...base, type, attemptId: f('id'), tno: f('tno') };
    case 'declined':
      return { ...base, type, attemptId: f('id'), ...(fields.res_cd ? { resCd: f('res_cd') } : {}) };
    case 'refused':
      return { ...base, type, reason: f('reason') };
    case 'window_closed':
    case 'window_failed':
      return { ...base, type, resCd: f('res_cd') };
    case 'duplicate':
      return { ...base, type, blockingAttemptId: f('blocking'), state: f('state') };
    case 'auto_cancelled':
    case 'cancel_failed':
      return { ...base, type, attemptId: f('id'), tno: f('tno'), ...(fields.reason ? { reason: f('reason') } : {}) };
    case 'unknown':
    case 'overdue':
      return { ...base, type, attemptId: f('id') };
    case 'recovered':
      return { ...base, type, attemptId: f('id'), result: f('result') };
    case 'notification_refused':
      return { ...base, type, reason: f('reason') };
    default:
      return { ...base, type, notiId: f('noti_id'), txCd: f('txCd'), tno: f('tno') };
  }
}

/** The events of one PayPlus: its listeners and its counters. */
export class PaymentEvents {
  readonly counters = new EventCounters();
  readonly #listeners = new Set<PaymentEventListener>();
  #inner: PayplusLogger | undefined;

  on(listener: PaymentEventListener): void {
    this.#listeners.add(listener);
  }

  off(listener: PaymentEventListener): void {
    this.#listeners.delete(listener);
  }

  /** Wraps `inner`: every line goes to it; payment events are also counted and told to the listeners. */
  tap(inner: PayplusLogger): PayplusLogger {
    this.#inner = inner;
    return {
      log: (line) => {
        inner.log(line);
        const event = toPaymentEvent(line);
        if (event) this.emit(event);
      },
    };
  }

  emit(event: PaymentEvent): void {
    this.counters.count(event);
    for (const listener of [...this.#listeners]) {
      try {
        const result: unknown = listener(event);
        if (result instanceof Promise) result.catch((err: unknown) => this.#listenerFailed(event, err));
      } catch (err) {
        this.#listenerFailed(event, err);
      }
    }
  }

  #listenerFailed(event: PaymentEvent, err: unknown): void {
    this.counters.listenerErrors += 1;
    try {
      this.#inner?.log({
        level: 0,
        event: 'events.listener_failed',
        ...(event.ordrIdxx !== undefined ? { ordrIdxx: event.ordrIdxx } : {}),
        fields: { type: event.type, message: String((err as Error)?.message ?? err) },
      });
    } catch {
      // a logger that throws must not break the payment either
    }
  }
}
