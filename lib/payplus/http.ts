/**
 * pp_ax_hub as a plain node:http handler and an Express-compatible wrapper (express is an optional peer: nothing here
 * imports it). The handler reads the payment window's POST itself — EUC-KR or UTF-8, as the order page's charset
 * decided — takes the buyer's address from the socket (X-Forwarded-For only through trusted proxies), looks the order
 * up in the merchant's database for the amount to trust, and runs processPayment. The merchant decides what the
 * browser sees in `respond`.
 */
import type { CommitInfo } from './fence.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KcpError } from '../errors.js';
import { decodeFormBody } from '../http/form.js';
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
  type MaybeParsedRequest,
} from '../http/request.js';
import type { PayPlus } from './payplus.js';
import type { PaymentForm, PaymentOutcome } from './process-payment.js';
import type { Approval, PaymentMethod } from './results.js';

/**
 * What the handler needs of an order: the amount your database holds for it and, optionally, the methods it may be
 * paid with (an approval of another method is cancelled as tampering; see ProcessPaymentOptions.allowedMethods).
 */
export interface PpAxHubOrder {
  amount: number | string;
  allowedMethods?: readonly PaymentMethod[];
}

export type PpAxHubResult<O, C> =
  /** No order with the posted ordr_idxx. Nothing was sent to KCP. */
  | { status: 'unknown_order'; form: PaymentForm }
  /** Refused before anything was sent: tampered amount, missing tran_cd (9562), order being or already approved. */
  | { status: 'refused'; order: O; form: PaymentForm; error: KcpError }
  /** processPayment ran: approved, declined, cancelled, cancel_failed or unknown. */
  | ({ order: O; form: PaymentForm } & PaymentOutcome<C>);

/** `R` is the response type your framework hands the handler (Express's Response extends ServerResponse). */
export interface PpAxHubHandlerOptions<O extends PpAxHubOrder, C, R extends ServerResponse = ServerResponse> extends BodyLimits {
  payplus: PayPlus;
  /** Your order for the posted ordr_idxx (undefined when there is none). Its amount is the one sent as ordr_mony. */
  findOrder: (ordrIdxx: string) => Promise<O | undefined> | O | undefined;
  /**
   * Record the approval. Throw to have it cancelled automatically. Make the write conditional on the commit fence
   * keyed by `info.attemptId` (PayPlusOptions.fence; README "Payment state").
   */
  commit: (approval: Approval, order: O, info: CommitInfo) => Promise<C> | C;
  /** Answer the browser (redirect, page) for what happened. */
  respond: (res: R, result: PpAxHubResult<O, C>) => Promise<void> | void;
  /** Addresses of your reverse proxies, whose X-Forwarded-For is believed. */
  trustProxy?: readonly string[];
  // maxBodyBytes (default 64 KiB; enc_data is a few KiB) and bodyTimeoutMs (default 10 s): over either, the answer
  // is 413 or 408 and the connection is closed, before anything is decoded or sent to KCP.
}

type FormSource = (req: IncomingMessage, limits: BodyLimits) => Promise<Buffer | string | Readonly<Record<string, unknown>>>;

/**
 * What a return handler does before pp_cli with a decoded post: nothing (pp_ax_hub), or the window's own exits
 * (lib/window/return.ts), which answer `respond` with the result `exit` builds from the order.
 */
export type ExitStep<O, E> = (form: PaymentForm) => ((order: O | undefined) => E) | undefined;

/** Options of the one return handler, whose `respond` also hears the exits `E`. */
export type ReturnHandlerOptions<O extends PpAxHubOrder, C, R extends ServerResponse, E> = Omit<PpAxHubHandlerOptions<O, C, R>, 'respond'> & {
  respond: (res: R, result: PpAxHubResult<O, C> | E) => Promise<void> | void;
};

function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

/**
 * The one implementation behind pp_ax_hub and the window-return adapter: the body is read once (within its limits),
 * decoded once, then the exit step, the order, processPayment and `respond`.
 */
export function returnHandler<O extends PpAxHubOrder, C, R extends ServerResponse, E>(
  options: ReturnHandlerOptions<O, C, R, E>,
  source: FormSource,
  exitStep: ExitStep<O, E>,
): (req: IncomingMessage, res: R) => Promise<void> {
  // Checked here, so a bad limit fails when the route is mounted, not on the first request.
  const limits = bodyLimits({ maxBodyBytes: options.maxBodyBytes, bodyTimeoutMs: options.bodyTimeoutMs });
  return async (req, res) => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return answerAndClose(req, res, 405, 'Method Not Allowed');
    }
    let form: PaymentForm;
    try {
      form = decodeFormBody(await source(req, limits), req.headers['content-type']).fields;
    } catch (err) {
      if (err instanceof RequestRefused) return refuseRequest(req, res, err);
      if (err instanceof KcpError) return plain(res, 400, err.message);
      throw err;
    }
    const exit = exitStep(form);
    const order = await options.findOrder(form.ordr_idxx ?? '');
    if (exit) options.payplus.logger.log({ level: 1, event: 'payment.window_exit', ordrIdxx: form.ordr_idxx, fields: { res_cd: form.res_cd ?? '', res_msg: form.res_msg ?? '' } });
    if (exit) return options.respond(res, exit(order));
    if (!order) options.payplus.logger.log({ level: 0, event: 'payment.refused', ordrIdxx: form.ordr_idxx, fields: { reason: 'unknown_order' } });
    if (!order) return options.respond(res, { status: 'unknown_order', form });
    let outcome: PaymentOutcome<C>;
    try {
      outcome = await options.payplus.processPayment(form, {
        custIp: clientIp(req, options.trustProxy),
        expectedAmount: order.amount,
        ...(order.allowedMethods ? { allowedMethods: order.allowedMethods } : {}),
        commit: (approval, _tx, info) => options.commit(approval, order, info),
      });
    } catch (err) {
      if (!(err instanceof KcpError)) throw err;
      return options.respond(res, { status: 'refused', order, form, error: err });
    }
    return options.respond(res, { ...outcome, order, form });
  };
}

/** The body as the Express wrappers see it: what a parser already read, else the stream. */
export const expressBody: FormSource = (req, limits) => parsedOrRead(req as MaybeParsedRequest, limits);

const NO_EXIT = (): undefined => undefined;

/** A node:http request handler for the pp_ax_hub URL. */
export function ppAxHubHandler<O extends PpAxHubOrder, C>(
  options: PpAxHubHandlerOptions<O, C>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // Its promise never rejects: a client that aborts mid-body, or a throwing findOrder/respond, is logged and
  // answered 500 instead of ending the process as an unhandled rejection.
  return neverRejects(returnHandler<O, C, ServerResponse, never>(options, readBody, NO_EXIT), options.payplus.logger, 'pp_ax_hub.failed', (res) =>
    plain(res, 500, 'Internal Server Error'),
  );
}

/**
 * The same for Express (4 or 5). Mount it without a body parser in front, so the handler sees the bytes and can tell
 * EUC-KR from UTF-8 (express.raw() is fine too); if a parser already consumed the body, its fields are used as they are.
 */
export function expressPpAxHub<O extends PpAxHubOrder, C, R extends ServerResponse = ServerResponse>(
  options: PpAxHubHandlerOptions<O, C, R>,
): (req: IncomingMessage & { body?: unknown }, res: R, next?: (err?: unknown) => void) => void {
  const handler = returnHandler<O, C, R, never>(options, expressBody, NO_EXIT);
  return (req, res, next) => {
    handler(req, res).catch((err: unknown) => (next ? next(err) : plain(res, 500, 'Internal Server Error')));
  };
}
