/**
 * The page a payment window returns to — pp_ax_hub for the PC windows, Ret_URL for the smartphone window — with the
 * window's own exits handled first: a buyer who closed the window (3001) or a window error comes back as a typed
 * result and nothing is sent to pp_cli; a completed window goes to the pp_ax_hub adapter (processPayment) unchanged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KcpError } from '../errors.js';
import { decodeFormBody } from '../http/form.js';
import { BodyTooLarge, readBody } from '../http/request.js';
import { expressPpAxHub, type PpAxHubHandlerOptions, type PpAxHubOrder, type PpAxHubResult } from '../payplus/http.js';
import type { PaymentForm } from '../payplus/process-payment.js';
import { readWindowResult, type WindowResult } from './result.js';

/** The window did not complete: nothing was sent to pp_cli; `order` is undefined when ordr_idxx matches none. */
export type WindowExit<O> = Exclude<WindowResult, { status: 'completed' }> & { readonly form: PaymentForm; readonly order: O | undefined };

export type WindowReturnResult<O, C> = PpAxHubResult<O, C> | WindowExit<O>;

export interface WindowReturnOptions<O extends PpAxHubOrder, C, R extends ServerResponse = ServerResponse>
  extends Omit<PpAxHubHandlerOptions<O, C, R>, 'respond'> {
  respond: (res: R, result: WindowReturnResult<O, C>) => Promise<void> | void;
}

function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

/**
 * Express-compatible (and plain node:http) handler for pp_ax_hub or the smartphone Ret_URL. Mount it without a body
 * parser in front: it reads the bytes (EUC-KR or UTF-8) itself.
 */
export function expressWindowReturn<O extends PpAxHubOrder, C, R extends ServerResponse = ServerResponse>(
  options: WindowReturnOptions<O, C, R>,
): (req: IncomingMessage & { body?: unknown }, res: R, next?: (err?: unknown) => void) => void {
  const approve = expressPpAxHub<O, C, R>(options);
  const limit = options.maxBodyBytes ?? 64 * 1024;
  const run = async (req: IncomingMessage & { body?: unknown }, res: R, next?: (err?: unknown) => void) => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      req.resume();
      return plain(res, 405, 'Method Not Allowed');
    }
    let form: PaymentForm;
    try {
      form = decodeFormBody(await readBody(req, limit), req.headers['content-type']).fields;
    } catch (err) {
      if (err instanceof BodyTooLarge) return plain(res, 413, 'Payload Too Large');
      if (err instanceof KcpError) return plain(res, 400, err.message);
      throw err;
    }
    const result = readWindowResult(form);
    if (result.status !== 'completed') {
      const order = await options.findOrder(form.ordr_idxx ?? '');
      return options.respond(res, { ...result, form, order });
    }
    // The adapter takes an already-decoded body as it is: the same fields, now through processPayment.
    req.body = form;
    approve(req, res, next);
  };
  return (req, res, next) => {
    run(req, res, next).catch((err: unknown) => (next ? next(err) : plain(res, 500, 'Internal Server Error')));
  };
}
