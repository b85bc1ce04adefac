/**
 * Wraps a merchant's own PayplusLogger so that it, too, only ever sees masked fields: the SDK promises that no card
 * number, site key or enc_data leaves it at any level, whoever receives the events. Masking is idempotent, so a
 * logger that masks again (like createFileLogger) changes nothing.
 */
import { maskFields } from './mask.js';
import { silentLogger, type PayplusLogger } from './types.js';

export function maskingLogger(inner: PayplusLogger): PayplusLogger {
  if (inner === silentLogger) return silentLogger; // nothing is written: nothing to mask
  return {
    log(event) {
      inner.log(event.fields === undefined ? event : { ...event, fields: maskFields(event.fields) });
    },
  };
}
