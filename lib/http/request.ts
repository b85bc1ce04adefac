/** Request helpers shared by the pp_ax_hub and common_return handlers: the client address and the raw body. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PayplusLogger } from '../log/types.js';
import { isIP } from 'node:net';

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

/** Thrown by readBody when the body is over its limit (answer 413). */
export class BodyTooLarge extends Error {}

/**
 * Reads the whole body, refusing more than `limit` bytes. An oversized body is drained rather than cut
 * off (cutting it off destroys the socket and the 413 never arrives); only allowed senders get this far.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size <= limit) chunks.push(buf);
  }
  if (size > limit) throw new BodyTooLarge(`body exceeds ${limit} bytes`);
  return Buffer.concat(chunks);
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
