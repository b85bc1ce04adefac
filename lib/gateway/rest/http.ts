/**
 * One POST to KCP's REST API with Node's own https client: a connection per call (no pooled socket whose reuse could
 * blur "was it sent?"), a time limit to connect and one for the whole exchange, a bound on the answer's size.
 *
 * The line between the two failure classes: no HTTP byte leaves before the TCP connection is up and the TLS
 * handshake has succeeded.
 * - before (DNS, refused, connect time-out) or a failed TLS handshake (the certificate not trusted, a protocol error):
 *   nothing reached KCP → KcpConnectionError.
 * - anything else once TCP is connected (time-out — the handshake included —, reset, cut or oversized or unparseable
 *   answer, an HTTP status other than 200): KCP may have acted → KcpOutcomeUnknownError, never a decline. Counting
 *   from TCP connect rather than from the end of the handshake errs on the side of "unknown".
 *   (Listening for the TLS socket's 'secureConnect' instead cost 4–8 ms per call in bench/rest.ts.)
 */
import https from 'node:https';
import { KcpConnectionError, KcpOutcomeUnknownError } from '../../errors.js';
import { parseAnswer } from './json.js';

export interface RestHttpOptions {
  /** Until the TLS handshake is done (default 5000 ms). */
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

/** POST `body` (JSON text) to `url`; resolves with the answer's fields (values kept as strings). */
export function postJson(url: URL, body: string, options: RestHttpOptions, what: string): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let connected = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (err: Error | undefined, fields?: Record<string, string>) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(fields!);
    };
    const failed = (reason: string, cause?: unknown) =>
      connected && !isHandshakeFailure(cause)
        ? new KcpOutcomeUnknownError(
            `${what}: ${reason} after the connection to ${url.host} was made (the request may have been sent); KCP may have acted on it. Do not retry: ` +
              'ask KCP first (inquiry by tno, or recover())',
            { cause },
          )
        : new KcpConnectionError(
            `${what}: ${reason} before anything was sent to ${url.host}; nothing reached KCP. Check DNS, the firewall ` +
              `(443 outbound to ${url.hostname}) and the CA, or run 'kcp-payplus doctor'`,
            { cause },
          );

    const body8 = Buffer.from(body, 'utf8');
    const req = https.request(
      {
        protocol: 'https:',
        hostname: url.hostname,
        port: url.port || 443,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        agent: false,
        ca: options.ca,
        headers: {
          'Content-Type': 'application/json',
          'Accept-Charset': 'UTF-8',
          'Content-Length': String(body8.length),
          'User-Agent': 'kcp-payplus',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxResponseBytes) {
            finish(failed(`the answer exceeded ${options.maxResponseBytes} bytes and was cut`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('aborted', () => finish(failed('the answer was cut off')));
        res.on('error', (err) => finish(failed(`the answer failed (${err.message})`, err)));
        res.on('end', () => {
          if (settled) return;
          if (!res.complete) return finish(failed('the answer was cut off'));
          if (res.statusCode !== 200) return finish(failed(`KCP answered HTTP ${res.statusCode ?? '?'}`));
          const fields = parseAnswer(Buffer.concat(chunks).toString('utf8'));
          if (!fields) return finish(failed('the answer is not a JSON object'));
          finish(undefined, fields);
        });
      },
    );
    req.on('socket', (socket) => {
      // A fresh socket (agent: false): 'connect' is the TCP connection, before the TLS handshake.
      socket.once('connect', () => {
        connected = true;
      });
    });
    req.on('error', (err) => finish(failed(`the connection failed (${(err as NodeJS.ErrnoException).code ?? err.message})`, err)));
    req.on('close', () => {
      if (!settled) finish(failed('the connection closed without a complete answer'));
    });
    timers.push(
      setTimeout(() => {
        if (!connected) finish(failed(`no connection within ${options.connectTimeoutMs} ms`));
      }, options.connectTimeoutMs),
      setTimeout(() => finish(failed(`no complete answer within ${options.timeoutMs} ms (${Date.now() - started} ms)`)), options.timeoutMs),
    );
    req.end(body8);
  });
}

/** OpenSSL / Node codes of a TLS handshake that failed: the server was never sent a byte of the request. */
const HANDSHAKE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_TLS_HANDSHAKE_TIMEOUT',
]);

function isHandshakeFailure(cause: unknown): boolean {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && (HANDSHAKE_CODES.has(code) || code.startsWith('ERR_SSL_'));
}
