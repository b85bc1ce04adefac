/**
 * Time limits a payment server needs before any handler runs. A handler sees a request only once its headers are in,
 * so headers sent one byte at a time can only be cut off by the server: Node's own defaults give them 60 s, and the
 * whole request 300 s, checked every 30 s. applyHttpLimits tightens these on the merchant's server (node:http,
 * node:https, and so Express, Koa, or Fastify's `fastify.server`); the SDK's handlers limit the body themselves
 * (maxBodyBytes, bodyTimeoutMs).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
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
 * starts listening (on a server already listening the limits apply, checked every 30 s). It also counts each
 * connection's requests in progress, so that closeHttpServer can end the server without waiting on a silent socket.
 * Returns the server.
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
  watchConnections(server);
  return server;
}

/** How long closeHttpServer lets requests already being handled finish before it cuts their connections. */
export const DEFAULT_CLOSE_GRACE_MS = 10_000;

export interface HttpCloseOptions {
  /** Requests being handled when the close began may finish within this (default 10 s); then their connections are cut. */
  graceMs?: number;
}

/** A server's open connections and how many requests each is handling, for closeHttpServer. */
interface Watched {
  sockets: Map<Socket, number>;
  closing: boolean;
}

const watched = new WeakMap<Server, Watched>();

/**
 * Counts each connection's requests in progress from now on. An https server's connections are counted once their TLS
 * handshake is done (the socket its requests arrive on); one still shaking hands is left to Node's handshake timeout.
 */
function watchConnections(server: Server): void {
  if (watched.has(server)) return;
  const state: Watched = { sockets: new Map(), closing: false };
  watched.set(server, state);
  server.on(server instanceof TlsServer ? 'secureConnection' : 'connection', (socket: Socket) => {
    state.sockets.set(socket, 0);
    socket.once('close', () => state.sockets.delete(socket));
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    const busy = state.sockets.get(socket);
    if (busy === undefined) return; // a connection from before the watch began: closeAllConnections ends it
    state.sockets.set(socket, busy + 1);
    res.once('close', () => {
      const left = state.sockets.get(socket);
      if (left === undefined) return; // the connection is gone already
      state.sockets.set(socket, left - 1);
      if (state.closing && left === 1) socket.destroySoon(); // the answer is written; no next request on it
    });
  });
}

/**
 * Stops `server` taking connections and resolves once every connection has ended, without cutting off an answer being
 * written. Node's `server.close()` alone can wait until the client quits: it ends only the connections it sees as idle,
 * a browser's preconnected socket (open, nothing sent yet) is not idle to it, and the header time limit that would have
 * ended that socket stops being checked once `close()` is called.
 *
 * On a server prepared with applyHttpLimits, connections with no request in progress end at once, each other connection
 * ends as soon as its answer has been written, and after `graceMs` whatever is left is cut. On any other server, Node's
 * idle connections end at once and the rest are cut after `graceMs`. A handler still running when its connection is cut
 * (a payment waiting for KCP) is not stopped: close your PayPlus after this resolves. Rejects like `server.close()` when
 * the server was not listening.
 */
export function closeHttpServer(server: Server, options: HttpCloseOptions = {}): Promise<void> {
  const state = watched.get(server);
  return new Promise<void>((resolve, reject) => {
    const graceMs = positive(options.graceMs, DEFAULT_CLOSE_GRACE_MS, 'graceMs'); // a throw here rejects, closing nothing
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close((error) => {
      clearTimeout(cut);
      if (error) reject(error);
      else resolve();
    });
    if (!state) return; // close() has ended Node's idle connections
    state.closing = true;
    for (const [socket, busy] of state.sockets) if (busy === 0) socket.destroy();
  });
}
