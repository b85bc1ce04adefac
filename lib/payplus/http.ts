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
import { BodyTooLarge, clientIp, neverRejects, readBody } from '../http/request.js';
import type { PayPlus } from './payplus.js';
import type { PaymentForm, PaymentOutcome } from './process-payment.js';
import type { Approval } from './results.js';

/** What the handler needs of an order: the amount your database holds for it. */
export interface PpAxHubOrder {
  amount: number | string;
}

export type PpAxHubResult<O, C> =
  /** No order with the posted ordr_idxx. Nothing was sent to KCP. */
  | { status: 'unknown_order'; form: PaymentForm }
  /** Refused before anything was sent: tampered amount, missing tran_cd (9562), order being or already approved. */
  | { status: 'refused'; order: O; form: PaymentForm; error: KcpError }
  /** processPayment ran: approved, declined, cancelled, cancel_failed or unknown. */
  | ({ order: O; form: PaymentForm } & PaymentOutcome<C>);

/** `R` is the response type your framework hands the handler (Express's Response extends ServerResponse). */
export interface PpAxHubHandlerOptions<O extends PpAxHubOrder, C, R extends ServerResponse = ServerResponse> {
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
  /** Larger bodies are refused with 413 (default 64 KiB; enc_data is a few KiB). */
  maxBodyBytes?: number;
}

type FormSource = (req: IncomingMessage, limit: number) => Promise<Buffer | Readonly<Record<string, unknown>>>;

function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

function makeHandler<O extends PpAxHubOrder, C, R extends ServerResponse>(
  options: PpAxHubHandlerOptions<O, C, R>,
  source: FormSource,
): (req: IncomingMessage, res: R) => Promise<void> {
  const limit = options.maxBodyBytes ?? 64 * 1024;
  return async (req, res) => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      plain(res, 405, 'Method Not Allowed');
      req.resume();
      return;
    }
    let form: PaymentForm;
    try {
      form = decodeFormBody(await source(req, limit), req.headers['content-type']).fields;
    } catch (err) {
      if (err instanceof BodyTooLarge) return plain(res, 413, 'Payload Too Large');
      if (err instanceof KcpError) return plain(res, 400, err.message);
      throw err;
    }
    const order = await options.findOrder(form.ordr_idxx ?? '');
    if (!order) return options.respond(res, { status: 'unknown_order', form });
    let outcome: PaymentOutcome<C>;
    try {
      outcome = await options.payplus.processPayment(form, {
        custIp: clientIp(req, options.trustProxy),
        expectedAmount: order.amount,
        commit: (approval, _tx, info) => options.commit(approval, order, info),
      });
    } catch (err) {
      if (!(err instanceof KcpError)) throw err;
      return options.respond(res, { status: 'refused', order, form, error: err });
    }
    return options.respond(res, { ...outcome, order, form });
  };
}

/** A node:http request handler for the pp_ax_hub URL. */
export function ppAxHubHandler<O extends PpAxHubOrder, C>(
  options: PpAxHubHandlerOptions<O, C>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // Its promise never rejects: a client that aborts mid-body, or a throwing findOrder/respond, is logged and
  // answered 500 instead of ending the process as an unhandled rejection.
  return neverRejects(makeHandler(options, readBody), options.payplus.logger, 'pp_ax_hub.failed', (res) =>
    plain(res, 500, 'Internal Server Error'),
  );
}

/**
 * The same for Express (4 or 5). Mount it without a body parser in front, so the handler sees the bytes and can tell
 * EUC-KR from UTF-8; if a parser already consumed the body, its fields are used as they are.
 */
export function expressPpAxHub<O extends PpAxHubOrder, C, R extends ServerResponse = ServerResponse>(
  options: PpAxHubHandlerOptions<O, C, R>,
): (req: IncomingMessage & { body?: unknown }, res: R, next?: (err?: unknown) => void) => void {
  const handler = makeHandler(options, async (req: IncomingMessage & { body?: unknown }, limit) => {
    const parsed = req.body;
    if (parsed && typeof parsed === 'object' && !Buffer.isBuffer(parsed) && Object.keys(parsed).length > 0) {
      return parsed as Readonly<Record<string, unknown>>;
    }
    return readBody(req, limit);
  });
  return (req, res, next) => {
    handler(req, res).catch((err: unknown) => (next ? next(err) : plain(res, 500, 'Internal Server Error')));
  };
}
