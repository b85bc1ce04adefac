/**
 * One POST to KCP's REST API, as the gateway sees it: the exchange itself (Node's https, time limits, the bound on the
 * answer, and the line between "nothing was sent" and "KCP may have acted") is exchange.js, run here in the worker or,
 * for the calls that move money, in a child process that outlives it (durable.ts). This file turns its outcome into
 * the answer's fields or the SDK's error:
 * - nothing sent (DNS, refused, connect time-out, a failed TLS handshake) → KcpConnectionError;
 * - anything else without a complete answer (time-out after connecting, reset, cut, oversized or unparseable answer,
 *   an HTTP status other than 200) → KcpOutcomeUnknownError, never a decline.
 */
import { KcpConnectionError, KcpOutcomeUnknownError } from '../../errors.js';
import { exchange, type WireOutcome, type WireRequest } from './exchange.js';
import { parseAnswer } from './json.js';

export interface RestHttpOptions {
  /** Until the TCP connection is up (default 5000 ms). */
  readonly connectTimeoutMs: number;
  /** The whole exchange, from the start (default 30000 ms). */
  readonly timeoutMs: number;
  /** Largest answer read (default 256 KiB); a longer one is cut and counts as no answer. */
  readonly maxResponseBytes: number;
  /** Extra trusted CA certificates (PEM): the simulator's CA. KCP's hosts use public CAs. */
  readonly ca?: string | Buffer | undefined;
}

export const DEFAULT_REST_HTTP: RestHttpOptions = Object.freeze({
  connectTimeoutMs: 5000,
  timeoutMs: 30_000,
  maxResponseBytes: 256 * 1024,
});

/** The exchange's request: the URL, the exact body bytes, the CA and the limits (what the child reads from stdin). */
export function wireRequest(url: URL, body: string, options: RestHttpOptions): WireRequest {
  return {
    url: url.href,
    body: Buffer.from(body, 'utf8').toString('base64'),
    ...(options.ca === undefined ? {} : { ca: options.ca.toString() }),
    connectTimeoutMs: options.connectTimeoutMs,
    timeoutMs: options.timeoutMs,
    maxResponseBytes: options.maxResponseBytes,
  };
}

/** The answer's fields (values kept as strings), or the error the exchange's outcome amounts to. */
export function answerFields(outcome: WireOutcome, host: string, what: string): Record<string, string> {
  if (outcome.kind === 'answer') {
    const fields = parseAnswer(outcome.body);
    if (fields) return fields;
    throw unknownOutcome(host, what, 'the answer is not a JSON object');
  }
  const cause = outcome.code === undefined ? undefined : Object.assign(new Error(outcome.reason), { code: outcome.code });
  if (outcome.sent) throw unknownOutcome(host, what, outcome.reason, cause);
  throw new KcpConnectionError(
    `${what}: ${outcome.reason} before anything was sent to ${host}; nothing reached KCP. Check DNS, the firewall ` +
      `(443 outbound to ${host.replace(/:\d+$/, '')}) and the CA, or run 'kcp-payplus doctor'`,
    { cause },
  );
}

/** The request may have reached KCP and no complete answer is known. */
export function unknownOutcome(host: string, what: string, reason: string, cause?: unknown): KcpOutcomeUnknownError {
  return new KcpOutcomeUnknownError(
    `${what}: ${reason} after the connection to ${host} was made (the request may have been sent); KCP may have acted on it. Do not retry: ` +
      'ask KCP first (inquiry by tno, or recover())',
    { cause },
  );
}

/** POST `body` (JSON text) to `url` from this process; resolves with the answer's fields (values kept as strings). */
export async function postJson(url: URL, body: string, options: RestHttpOptions, what: string): Promise<Record<string, string>> {
  return answerFields(await exchange(wireRequest(url, body, options)), url.host, what);
}
