/**
 * common_return as a plain node:http handler, and an Express-compatible wrapper that does not import
 * express (it is an optional peer): the wrapper only relies on Express requests being IncomingMessages.
 *
 * The handler reads the raw body itself, because the charset decision (EUC-KR vs UTF-8) needs bytes.
 * The sender's address is the socket's. X-Forwarded-For is believed only when the socket peer is listed
 * in trustProxy, and then only its right-most entry that is not itself a trusted proxy: everything left
 * of that is written by the client and can be forged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KcpError } from '../errors.js';
import type { KcpEnvironment } from '../config/site-conf.js';
import type { PayplusLogger } from '../log/types.js';
import { silentLogger } from '../log/types.js';
import { notificationAnswer } from './answer.js';
import { decodeNotificationBody } from './body.js';
import { NotificationInbox, type InboxOutcome, type NotificationHandler } from './inbox.js';
import { checkNotificationSource } from './ips.js';
import {
  answerAndClose,
  bodyLimits,
  clientIp,
  neverRejects,
  parsedOrRead,
  readBody,
  refuseRequest,
  RequestRefused,
  type BodyLimits,
} from '../http/request.js';
import type { NotificationStore } from './store.js';
import { typeNotification } from './parse.js';

export interface CommonReturnHandlerOptions extends BodyLimits {
  env: KcpEnvironment;
  /** Replaces KCP_NOTIFY_IPS[env]. */
  allowIps?: readonly string[];
  /** Accept loopback senders (the local simulator). */
  allowLocal?: boolean;
  /** Addresses of the merchant's own reverse proxies / load balancers. */
  trustProxy?: readonly string[];
  /** The merchant's processing; resolve only once the notification is safely recorded. */
  handler: NotificationHandler;
  /** De-duplication store (default: in memory). Ignored when `inbox` is given. */
  store?: NotificationStore;
  inbox?: NotificationInbox;
  // maxBodyBytes (default 64 KiB; real notifications are well under 2 KiB) and bodyTimeoutMs (default 10 s): over
  // either, the answer is 413 or 408 and the connection is closed, before anything is decoded.
  logger?: PayplusLogger;
}

export type NodeRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function send(res: ServerResponse, status: number, body: string, contentType = 'text/html; charset=euc-kr'): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

const HTTP_STATUS: Readonly<Record<InboxOutcome['status'], number>> = {
  processed: 200,
  duplicate: 200,
  in_progress: 503,
  failed: 500,
};

type BodySource = (req: IncomingMessage, limits: BodyLimits) => Promise<Buffer | string | Readonly<Record<string, unknown>>>;

function makeHandler(options: CommonReturnHandlerOptions, bodySource: BodySource): NodeRequestHandler {
  const inbox = options.inbox ?? new NotificationInbox({ store: options.store, logger: options.logger });
  const logger = options.logger ?? silentLogger;
  // Checked here, so a bad limit fails when the route is mounted, not on the first request.
  const limits = bodyLimits({ maxBodyBytes: options.maxBodyBytes, bodyTimeoutMs: options.bodyTimeoutMs });
  return async (req, res) => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      answerAndClose(req, res, 405, 'Method Not Allowed');
      return;
    }
    const ip = clientIp(req, options.trustProxy);
    let remoteIp: string;
    try {
      remoteIp = checkNotificationSource(ip, options);
    } catch (error) {
      logger.log({ level: 0, event: 'notify.rejected', fields: { ip, reason: (error as Error).message } });
      // Not read: a foreign sender's body costs nothing.
      answerAndClose(req, res, 403, 'Forbidden');
      return;
    }
    let notification;
    try {
      const body = await bodySource(req, limits);
      const decoded = decodeNotificationBody(body, req.headers['content-type']);
      notification = typeNotification(Object.freeze({ ...decoded.fields }), remoteIp, decoded.charset);
    } catch (error) {
      if (error instanceof RequestRefused) {
        refuseRequest(req, res, error);
        return;
      }
      // A malformed notification (KcpError) or a broken request stream: answer non-0000 so KCP re-sends.
      const reason = error instanceof KcpError ? error.message : `request body could not be read: ${String((error as Error)?.message ?? error)}`;
      logger.log({ level: 0, event: 'notify.malformed', fields: { ip, reason } });
      send(res, 400, notificationAnswer(false));
      return;
    }
    logger.log({ level: 1, event: 'notify.received', ordrIdxx: notification.orderNo, fields: { txCd: notification.txCd, tno: notification.tno, noti_id: notification.id, ip: remoteIp } });
    const result = await inbox.handle(notification, options.handler);
    send(res, HTTP_STATUS[result.status], result.answer);
  };
}

/** A node:http request handler for the common_return URL. */
export function commonReturnHandler(options: CommonReturnHandlerOptions): NodeRequestHandler {
  // Never rejects: an unexpected failure answers non-0000 (KCP re-sends) instead of ending the process.
  return neverRejects(makeHandler(options, readBody), options.logger ?? silentLogger, 'notify.failed', (res) =>
    send(res, 500, notificationAnswer(false)),
  );
}

/** What the Express wrapper needs from a request: an IncomingMessage, maybe with a parsed body. */
export interface ExpressLikeRequest extends IncomingMessage {
  body?: unknown;
}

export type ExpressLikeHandler = (req: ExpressLikeRequest, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * For `app.post('/common_return', expressCommonReturn({...}))`. Mount it before any body parser (or use
 * express.raw()): a Buffer body is used as is; an already-parsed object is accepted, but a UTF-8 form
 * parser has then already garbled EUC-KR text.
 */
export function expressCommonReturn(options: CommonReturnHandlerOptions): ExpressLikeHandler {
  const handler = makeHandler(options, (req, limits) => parsedOrRead(req as ExpressLikeRequest, limits));
  return (req, res, next) => {
    handler(req, res).catch((error: unknown) => {
      if (next) next(error);
      else send(res, 500, notificationAnswer(false));
    });
  };
}
