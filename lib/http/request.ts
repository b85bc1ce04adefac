/** Request helpers shared by the pp_ax_hub and common_return handlers: the client address and the raw body. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PayplusLogger } from '../log/types.js';
import { isIP } from 'node:net';
import { KcpConfigError } from '../errors.js';

/**
 * Canonical text form of an address: trims, drops an IPv6 zone, lower-cases IPv6, and turns an
 * IPv4-mapped IPv6 address (`::ffff:203.238.36.58`, `::ffff:cbee:243a`) into plain IPv4, which is what a
 * dual-stack Node server reports for IPv4 clients.
 */
export function normalizeIp(ip: string): string {
  let value = ip.trim();
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  const zone = value.indexOf('%');
  if (zone >= 0) value = value.slice(0, zone);
  if (isIP(value) !== 6) return value;
  let canonical: string;
  try {
    canonical = new URL(`http://[${value}]/`).hostname.slice(1, -1);
  } catch {
    return value.toLowerCase();
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!mapped) return canonical;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
}


/** The client address for `req`, resolving X-Forwarded-For only through trusted proxies. */
export function clientIp(req: IncomingMessage, trustProxy: readonly string[] = []): string {
  const socketIp = normalizeIp(req.socket.remoteAddress ?? '');
  const trusted = new Set(trustProxy.map(normalizeIp));
  if (!trusted.has(socketIp)) return socketIp;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : header ?? '')
    .split(',')
    .map((hop) => normalizeIp(hop))
    .filter((hop) => hop !== '');
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    if (!trusted.has(hops[i]!)) return hops[i]!;
  }
  return hops[0] ?? socketIp;
}

/** The SDK handlers' defaults: real posts are a few KiB and arrive in well under a second. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;

/** How much of a request the SDK's handlers read, and for how long. */
export interface BodyLimits {
  /** Larger bodies are refused with 413 and the connection closed, after reading at most this much (default 64 KiB). */
  maxBodyBytes?: number;
  /** A body not complete this long after the handler started is refused with 408 and the connection closed (default 10 s). */
  bodyTimeoutMs?: number;
}

/** A request the handler refuses before deciding anything: answer `status` and close the connection (refuseRequest). */
export class RequestRefused extends Error {
  constructor(
    readonly status: 408 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'RequestRefused';
  }
}

/** Thrown by readBody when the body is over its limit (answer 413). */
export class BodyTooLarge extends RequestRefused {
  constructor(limit: number) {
    super(413, `body exceeds ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/** Thrown by readBody when the body did not arrive in time (answer 408). */
export class BodyTimeout extends RequestRefused {
  constructor(ms: number) {
    super(408, `body not complete after ${ms} ms`);
    this.name = 'BodyTimeout';
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new KcpConfigError(`${name} must be a positive whole number; got ${String(value)}.`, { field: name });
  return value;
}

/** The limits with their defaults filled in (a bare number is maxBodyBytes, as before). */
export function bodyLimits(limits: number | BodyLimits = {}): Required<BodyLimits> {
  const given = typeof limits === 'number' ? { maxBodyBytes: limits } : limits;
  return {
    maxBodyBytes: positive(given.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes'),
    bodyTimeoutMs: positive(given.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS, 'bodyTimeoutMs'),
  };
}

/**
 * Reads the whole body, and stops reading the moment it is over its limits: a declared Content-Length over
 * `maxBodyBytes` is refused before a byte is read, a streamed body as soon as it passes the limit (so at most the limit
 * plus one socket read is ever read), and a body still incomplete after `bodyTimeoutMs` (one byte every few seconds)
 * when the time is up. A refusal is a RequestRefused: answer it with refuseRequest, which closes the connection. A
 * client that aborts mid-body rejects with a plain Error.
 */
export function readBody(req: IncomingMessage, limits: number | BodyLimits = {}): Promise<Buffer> {
  const { maxBodyBytes, bodyTimeoutMs } = bodyLimits(limits);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyBytes) return Promise.reject(new BodyTooLarge(maxBodyBytes));
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error: Error | undefined, body?: Buffer) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (error) {
        // Stop reading: what is not read is not paid for. The socket is closed with the answer (refuseRequest).
        req.pause();
        reject(error);
      } else resolve(body!);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > maxBodyBytes) return done(new BodyTooLarge(maxBodyBytes));
      chunks.push(buf);
    };
    const onEnd = () => done(undefined, Buffer.concat(chunks, size));
    const onError = (error: Error) => done(error);
    const onClose = () => done(new Error('the client closed the connection before the body was complete'));
    const timer = setTimeout(() => done(new BodyTimeout(bodyTimeoutMs)), bodyTimeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * Answers and closes the connection: `Connection: close`, and the socket is destroyed once the answer is written, so
 * nothing more of the request is read (a refused sender's body is not drained). For 413, 408, and the 403/405 a handler
 * gives before reading a body.
 */
export function answerAndClose(req: IncomingMessage, res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  req.pause();
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  res.shouldKeepAlive = false;
  res.setHeader('Connection', 'close');
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body, () => req.socket.destroy());
}

/** Answers a refused request (413 Payload Too Large, 408 Request Timeout) and closes the connection. */
export function refuseRequest(req: IncomingMessage, res: ServerResponse, refused: RequestRefused): void {
  answerAndClose(req, res, refused.status, refused.status === 413 ? 'Payload Too Large' : 'Request Timeout');
}

/** What an Express-style request may carry: a body a parser (or express.raw()) already read. */
export interface MaybeParsedRequest extends IncomingMessage {
  body?: unknown;
}

/**
 * The body of a request that went through a framework: bytes or text from express.raw()/express.text() as they are, a
 * parsed record (its fields, though a UTF-8 form parser has garbled EUC-KR by then), else the stream through readBody.
 */
export function parsedOrRead(req: MaybeParsedRequest, limits: BodyLimits): Promise<Buffer | string | Readonly<Record<string, unknown>>> {
  const body = req.body;
  if (Buffer.isBuffer(body) || typeof body === 'string') return Promise.resolve(body);
  if (body !== null && typeof body === 'object' && Object.keys(body).length > 0) return Promise.resolve(body as Readonly<Record<string, unknown>>);
  return readBody(req, limits);
}

/**
 * Wraps a node:http handler so that its promise never rejects: mounted as `http.createServer(handler)`, a rejection
 * (a client that aborts mid-body, a throwing callback) would be unhandled and end the process. The error is logged at
 * level 0 and answered with `fallback` (500), or the socket is closed when the answer had already started.
 */
export function neverRejects(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  logger: PayplusLogger,
  event: string,
  fallback: (res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      await handler(req, res);
    } catch (err) {
      logger.log({ level: 0, event, fields: { message: `request failed: ${String((err as Error)?.message ?? err)}` } });
      try {
        if (res.headersSent) res.destroy();
        else fallback(res);
      } catch {
        // the socket is gone already
      }
    }
  };
}
