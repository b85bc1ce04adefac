// @ts-check
/**
 * One POST to KCP's REST API with Node's own https client — the only HTTPS code the REST transport has. It runs in two
 * places: inside the worker (lib/gateway/rest/http.ts) and, for the calls that move money, in a small child process of
 * its own (this file run as a script: lib/gateway/rest/durable.ts) that outlives a worker killed mid-exchange and
 * writes KCP's answer to the attempt's answer file, as pp_cli does (docs/kcp-rest-api.md §10.2). Plain JavaScript, so
 * the child starts with `node` alone (no TypeScript loader).
 *
 * A connection per call (no pooled socket whose reuse could blur "was it sent?"), a time limit to connect and one for
 * the whole exchange, a bound on the answer's size. The line between the two failure classes: no HTTP byte leaves
 * before the TCP connection is up and the TLS handshake has succeeded.
 * - before (DNS, refused, connect time-out) or a failed TLS handshake (the certificate not trusted, a protocol error):
 *   nothing reached KCP → `sent: false`.
 * - anything else once TCP is connected (time-out — the handshake included —, reset, cut or oversized answer, an HTTP
 *   status other than 200): KCP may have acted → `sent: true`. Counting from TCP connect rather than from the end of
 *   the handshake errs on the side of "sent". (Listening for the TLS socket's 'secureConnect' instead cost 4–8 ms per
 *   call in bench/rest.ts.)
 *
 * As a script: stdin carries one JSON WireRequest (never argv, which `ps` shows) and stdout is the answer file. Two
 * lines are written there, each JSON with ANSWER_TAG first: `{"kind":"sending"}` just before the request starts (so an
 * empty file proves nothing was sent, even if this process is killed), then the WireOutcome. Nothing is written to
 * stderr: the worker that reads it may be gone.
 */
import https from 'node:https';
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The key every line this child writes starts with, and its format's version. */
export const ANSWER_TAG = 'kcp_rest_answer';

/**
 * @typedef {object} WireRequest
 * @property {string} url  https URL of the path
 * @property {string} body  the exact request body, base64 (the bytes sent)
 * @property {string} [ca]  extra trusted CA (PEM): the simulator's
 * @property {number} connectTimeoutMs  until TCP is connected
 * @property {number} timeoutMs  the whole exchange, from the start
 * @property {number} maxResponseBytes  largest answer read; a longer one is cut and counts as no answer
 */

/**
 * @typedef {{ kind: 'answer', body: string } | { kind: 'failed', sent: boolean, reason: string, code?: string }} WireOutcome
 * `answer`: HTTP 200 and the whole body (UTF-8 text). `failed`: no complete answer; `sent` says whether the request may
 * have reached KCP.
 */

/** OpenSSL / Node codes of a TLS handshake that failed: the server was never sent a byte of the request. */
const HANDSHAKE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_TLS_HANDSHAKE_TIMEOUT',
]);

/** @param {string | undefined} code */
function isHandshakeFailure(code) {
  return code !== undefined && (HANDSHAKE_CODES.has(code) || code.startsWith('ERR_SSL_'));
}

/**
 * POSTs the request; resolves (never rejects) with what happened.
 * @param {WireRequest} request
 * @returns {Promise<WireOutcome>}
 */
export function exchange(request) {
  return new Promise((resolve) => {
    const started = Date.now();
    const url = new URL(request.url);
    const body = Buffer.from(request.body, 'base64');
    let connected = false;
    let settled = false;
    /** @type {NodeJS.Timeout[]} */
    const timers = [];
    /** @param {WireOutcome} outcome */
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      if (outcome.kind === 'failed') req.destroy();
      resolve(outcome);
    };
    /** @param {string} reason @param {string} [code] */
    const failed = (reason, code) =>
      finish({ kind: 'failed', sent: connected && !isHandshakeFailure(code), reason, ...(code === undefined ? {} : { code }) });

    const req = https.request(
      {
        protocol: 'https:',
        hostname: url.hostname,
        port: url.port || 443,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        agent: false,
        ca: request.ca,
        headers: {
          'Content-Type': 'application/json',
          'Accept-Charset': 'UTF-8',
          'Content-Length': String(body.length),
          'User-Agent': 'kcp-payplus',
        },
      },
      (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        let size = 0;
        res.on('data', (/** @type {Buffer} */ chunk) => {
          size += chunk.length;
          if (size > request.maxResponseBytes) return failed(`the answer exceeded ${request.maxResponseBytes} bytes and was cut`);
          chunks.push(chunk);
        });
        res.on('aborted', () => failed('the answer was cut off'));
        res.on('error', (err) => failed(`the answer failed (${err.message})`, /** @type {NodeJS.ErrnoException} */ (err).code));
        res.on('end', () => {
          if (settled) return;
          if (!res.complete) return failed('the answer was cut off');
          if (res.statusCode !== 200) return failed(`KCP answered HTTP ${res.statusCode ?? '?'}`);
          finish({ kind: 'answer', body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('socket', (socket) => {
      // A fresh socket (agent: false): 'connect' is the TCP connection, before the TLS handshake.
      socket.once('connect', () => {
        connected = true;
      });
    });
    req.on('error', (err) => {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      failed(`the connection failed (${code ?? err.message})`, code);
    });
    req.on('close', () => failed('the connection closed without a complete answer'));
    timers.push(
      setTimeout(() => {
        if (!connected) failed(`no connection within ${request.connectTimeoutMs} ms`);
      }, request.connectTimeoutMs),
      setTimeout(() => failed(`no complete answer within ${request.timeoutMs} ms (${Date.now() - started} ms)`), request.timeoutMs),
    );
    req.end(body);
  });
}

/**
 * A line of the answer file.
 * @param {WireOutcome | { kind: 'sending' }} outcome
 */
export function answerLine(outcome) {
  return `${JSON.stringify({ [ANSWER_TAG]: 1, ...outcome })}\n`;
}

/**
 * Reads what the child wrote: its outcome, 'sending' (the request started and no outcome was written: still running,
 * or killed mid-exchange), or undefined when there is no whole line of it (nothing written, or something else).
 * @param {string} text
 * @returns {WireOutcome | 'sending' | undefined}
 */
export function readAnswerLine(text) {
  const lines = text.split('\n');
  lines.pop(); // what follows the last newline: empty, or a line cut short
  let last;
  for (const line of lines) {
    let parsed;
    try {
      parsed = JSON.parse(line);
    } catch {
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || parsed[ANSWER_TAG] !== 1) return undefined;
    last = parsed;
  }
  if (last === undefined) return undefined;
  if (last.kind === 'sending') return 'sending';
  if (last.kind === 'answer' && typeof last.body === 'string') return { kind: 'answer', body: last.body };
  if (last.kind === 'failed' && typeof last.sent === 'boolean' && typeof last.reason === 'string') {
    return { kind: 'failed', sent: last.sent, reason: last.reason, ...(typeof last.code === 'string' ? { code: last.code } : {}) };
  }
  return undefined;
}

/** @param {string} line */
function writeLine(line) {
  const bytes = Buffer.from(line, 'utf8');
  for (let at = 0; at < bytes.length; ) at += writeSync(1, bytes, at, bytes.length - at);
}

/** The child: one request from stdin, one line to stdout (the answer file), exit 0. */
async function main() {
  process.stderr.on('error', () => undefined);
  /** @type {Buffer[]} */
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(/** @type {Buffer} */ (chunk));
  /** @type {WireRequest} */
  let request;
  try {
    request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    new URL(request.url);
  } catch (err) {
    // A request that could not even be read: nothing left this process.
    writeLine(answerLine({ kind: 'failed', sent: false, reason: `the request could not be read (${err instanceof Error ? err.message : String(err)})` }));
    process.exit(0);
  }
  writeLine(answerLine({ kind: 'sending' }));
  writeLine(answerLine(await exchange(request)));
  process.exit(0);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) void main();
