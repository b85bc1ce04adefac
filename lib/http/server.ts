/**
 * Time limits a payment server needs before any handler runs. A handler sees a request only once its headers are in,
 * so headers sent one byte at a time can only be cut off by the server: Node's own defaults give them 60 s, and the
 * whole request 300 s, checked every 30 s. applyHttpLimits tightens these on the merchant's server (node:http,
 * node:https, and so Express, Koa, or Fastify's `fastify.server`); the SDK's handlers limit the body themselves
 * (maxBodyBytes, bodyTimeoutMs).
 */
import type { Server } from 'node:http';
import { KcpConfigError } from '../errors.js';
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_HEADERS_TIMEOUT_MS } from './request.js';

export interface HttpServerLimits {
  /** Headers not complete this long after they started are answered 408 and the connection closed (default 10 s). */
  headersTimeoutMs?: number;
  /**
   * The whole request (headers and body) must have arrived within this (default headersTimeoutMs + 10 s, the handlers'
   * default bodyTimeoutMs). A backstop for routes that are not the SDK's: the SDK's handlers cut a slow body at their
   * own bodyTimeoutMs. The time a handler then takes (pp_cli, your database) does not count.
   */
  requestTimeoutMs?: number;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new KcpConfigError(`${name} must be a positive whole number of milliseconds; got ${String(value)}.`, { field: name });
  return value;
}

/**
 * Sets `headersTimeout` and `requestTimeout` on `server`, and how often Node checks them (a quarter of the headers limit,
 * at most every second, instead of every 30 s). Call it before `listen`: Node reads the checking interval when the server
 * starts listening (on a server already listening the limits apply, checked every 30 s). Returns the server.
 */
export function applyHttpLimits<S extends Server>(server: S, limits: HttpServerLimits = {}): S {
  const headersTimeout = positive(limits.headersTimeoutMs, DEFAULT_HEADERS_TIMEOUT_MS, 'headersTimeoutMs');
  const requestTimeout = positive(limits.requestTimeoutMs, headersTimeout + DEFAULT_BODY_TIMEOUT_MS, 'requestTimeoutMs');
  if (requestTimeout < headersTimeout) {
    throw new KcpConfigError(`requestTimeoutMs (${requestTimeout}) must be at least headersTimeoutMs (${headersTimeout}): the request includes its headers.`, {
      field: 'requestTimeoutMs',
    });
  }
  server.headersTimeout = headersTimeout;
  server.requestTimeout = requestTimeout;
  (server as S & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(10, Math.min(1000, Math.floor(headersTimeout / 4)));
  return server;
}
