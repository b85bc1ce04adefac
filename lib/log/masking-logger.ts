/**
 * Wraps a merchant's own PayplusLogger so that it, too, only ever sees masked events: the SDK promises that no card
 * number, site key, enc_data or buyer contact data leaves it at any level, whoever receives the events. Fields are
 * masked by name and shape (mask.ts); the order id and trace number the same way as the file logger writes them
 * (identifiers: their digit runs stay, an e-mail address inside does not). Masking is idempotent, so a logger that
 * masks again (like createFileLogger) changes nothing.
 */
import { maskFields, maskText } from './mask.js';
import { silentLogger, type LogEvent, type PayplusLogger } from './types.js';

export function maskingLogger(inner: PayplusLogger): PayplusLogger {
  if (inner === silentLogger) return silentLogger; // nothing is written: nothing to mask
  return {
    log(event) {
      const masked: LogEvent = { ...event };
      if (event.fields !== undefined) masked.fields = maskFields(event.fields);
      if (event.ordrIdxx !== undefined) masked.ordrIdxx = maskText(event.ordrIdxx, { keepIdentifiers: true });
      if (event.traceNo !== undefined) masked.traceNo = maskText(event.traceNo, { keepIdentifiers: true });
      inner.log(masked);
    },
  };
}
