/**
 * Payment events: one typed event for every step of a payment and of a notification, read off the SDK's own log lines
 * (the tap, tap.ts). The table below is the one place that says which log line is which event, at which level, and
 * what it means; the README's "Payment events and metrics" table mirrors it. Names are stable: dashboards and
 * merchants' code key on them.
 */
import type { LogLevel } from '../log/types.js';

export type PaymentEventType =
  | 'approved'
  | 'declined'
  | 'refused'
  | 'window_closed'
  | 'window_failed'
  | 'duplicate'
  | 'auto_cancelled'
  | 'cancel_failed'
  | 'unknown'
  | 'overdue'
  | 'recovered'
  | 'notification_received'
  | 'notification_handled'
  | 'notification_duplicate'
  | 'notification_refused'
  | 'notification_failed';

export interface EventSpec {
  /** The event's type (PaymentEvent['type']). */
  type: PaymentEventType | ((fields: Readonly<Record<string, unknown>>) => PaymentEventType);
  /** The level the SDK log line is written at (g_conf_log_level shows it from this level on). */
  level: LogLevel;
  meaning: string;
}

/** SDK log event name → payment event. Log lines not listed here are diagnostics, not payment events. */
export const PAYMENT_EVENT_TABLE: Readonly<Record<string, EventSpec>> = Object.freeze({
  'payment.committed': { type: 'approved', level: 1, meaning: 'KCP approved and your commit recorded it' },
  'payment.declined': { type: 'declined', level: 1, meaning: 'KCP (or the module before sending) refused; nothing to undo' },
  'payment.refused': {
    type: 'refused',
    level: 0,
    meaning:
      'refused before the module ran: reason amount_mismatch (tampered form amount), missing_tran_cd (9562), unknown_order (no such order in your database), invalid_input (a value KCP would refuse) or answer_space (no disk for the answer file)',
  },
  'payment.window_exit': {
    type: (f) => (f.res_cd === '3001' ? 'window_closed' : 'window_failed'),
    level: 1,
    meaning: 'the payment window came back without paying: 3001 the buyer closed it (window_closed), else window_failed',
  },
  'payment.duplicate': { type: 'duplicate', level: 1, meaning: 'the order is already paid or being paid; nothing was sent' },
  'payment.auto_cancelled': {
    type: 'auto_cancelled',
    level: 0,
    meaning: 'an approval was cancelled automatically (reason amount_mismatch, tampering, commit_failed, recovered, timeout)',
  },
  'payment.auto_cancel_failed': { type: 'cancel_failed', level: 0, meaning: 'approved, not recorded and not cancelled yet: recovery retries' },
  'payment.auto_cancel_deferred': { type: 'cancel_failed', level: 0, meaning: 'the cancel is left to recovery (store down or another owner)' },
  'payment.unknown': { type: 'unknown', level: 0, meaning: 'pp_cli started and no complete answer was read: KCP may have approved' },
  'payment.late': { type: 'unknown', level: 0, meaning: 'pp_cli missed the page timeout; its answer settles the attempt later' },
  'payment.commit_overdue': { type: 'overdue', level: 0, meaning: 'your commit outlived commitTimeoutMs; see health()' },
  'payment.recovered': { type: 'recovered', level: 1, meaning: 'recovery settled an attempt (result: committed, kept, cancelled, declined); what it could not settle stays in health()' },
  'notify.received': { type: 'notification_received', level: 1, meaning: 'a notification (e.g. a vbank deposit, TX00) arrived from an allowed sender' },
  'notify.processed': { type: 'notification_handled', level: 1, meaning: 'your handler processed it; KCP was answered 0000' },
  'notify.duplicate': { type: 'notification_duplicate', level: 1, meaning: 'its noti_id was processed before; answered 0000 again' },
  'notify.rejected': { type: 'notification_refused', level: 0, meaning: 'the sender is not an allowed KCP address (403)' },
  'notify.malformed': { type: 'notification_refused', level: 0, meaning: 'the body was not a valid notification (400, KCP re-sends)' },
  'notify.failed': { type: 'notification_failed', level: 0, meaning: 'your handler or the store failed; KCP re-sends' },
  'notify.in_progress': { type: 'notification_failed', level: 1, meaning: 'another process still holds this noti_id; KCP re-sends' },
});

interface EventBase<T extends PaymentEventType> {
  type: T;
  /** The SDK log line's event name (PAYMENT_EVENT_TABLE key). */
  logEvent: string;
  level: LogLevel;
  time: Date;
  ordrIdxx?: string;
  traceNo?: string;
  /** The log line's fields, masked (no card number, site key, enc_data or buyer contact data). */
  fields: Readonly<Record<string, unknown>>;
}

export type RefusalReason = 'amount_mismatch' | 'missing_tran_cd' | 'unknown_order' | 'invalid_input' | 'answer_space' | (string & {});

/** What the SDK tells your `onEvent` listener. Switch on `type`. */
export type PaymentEvent =
  | (EventBase<'approved'> & { attemptId: string; tno: string })
  | (EventBase<'declined'> & { attemptId: string; resCd?: string })
  | (EventBase<'refused'> & { reason: RefusalReason })
  | (EventBase<'window_closed' | 'window_failed'> & { resCd: string })
  | (EventBase<'duplicate'> & { blockingAttemptId: string; state: string })
  | (EventBase<'auto_cancelled' | 'cancel_failed'> & { attemptId: string; tno: string; reason?: string })
  | (EventBase<'unknown' | 'overdue'> & { attemptId: string })
  | (EventBase<'recovered'> & { attemptId: string; result: string })
  | (EventBase<'notification_received' | 'notification_handled' | 'notification_duplicate' | 'notification_failed'> & {
      notiId: string;
      txCd: string;
      tno: string;
    })
  | (EventBase<'notification_refused'> & { reason: string });

export type PaymentEventListener = (event: PaymentEvent) => void;
