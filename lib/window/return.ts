/**
 * The page a payment window returns to — pp_ax_hub for the PC windows, Ret_URL for the smartphone window — with the
 * window's own exits handled first: a buyer who closed the window (3001) or a window error comes back as a typed
 * result and nothing is sent to pp_cli; a completed window goes on to processPayment. The pp_ax_hub adapter's own
 * implementation (returnHandler) does the work, so the body is read and decoded once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeFormBody, type FormCharset } from '../http/form.js';
import { readBody, type BodyLimits } from '../http/request.js';
import { expressBody, returnHandler, type PpAxHubHandlerOptions, type PpAxHubOrder, type PpAxHubResult } from '../payplus/http.js';
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

/** The window's own exits: a WindowExit for a post that did not complete, undefined for one that goes to pp_cli. */
function windowExit<O>(form: PaymentForm): ((order: O | undefined) => WindowExit<O>) | undefined {
  const result = readWindowResult(form);
  if (result.status === 'completed') return undefined;
  return (order) => ({ ...result, form, order });
}

/**
 * Express-compatible (and plain node:http) handler for pp_ax_hub or the smartphone Ret_URL. Mount it without a body
 * parser in front: it reads the bytes (EUC-KR or UTF-8) itself, within maxBodyBytes and bodyTimeoutMs (413 or 408,
 * connection closed).
 */
export function expressWindowReturn<O extends PpAxHubOrder, C, R extends ServerResponse = ServerResponse>(
  options: WindowReturnOptions<O, C, R>,
): (req: IncomingMessage & { body?: unknown }, res: R, next?: (err?: unknown) => void) => void {
  const handler = returnHandler<O, C, R, WindowExit<O>>(options, expressBody, windowExit);
  return (req, res, next) => {
    handler(req, res).catch((err: unknown) => (next ? next(err) : plain(res, 500, 'Internal Server Error')));
  };
}

/** A window's post, decoded: its fields, the charset they came in, and whether the window completed. */
export interface WindowReturn {
  readonly form: PaymentForm;
  /** undefined when the input was an already-parsed record. */
  readonly charset: FormCharset | undefined;
  /** `completed`: approve with `payplus.processPayment(form, …)`; otherwise the buyer's or the window's exit. */
  readonly window: WindowResult;
}

export interface ReadWindowReturnOptions extends BodyLimits {
  /** The request's Content-Type (its charset decides EUC-KR or UTF-8); taken from the request when one is given. */
  contentType?: string;
}

function isRequest(input: unknown): input is IncomingMessage {
  return typeof input === 'object' && input !== null && typeof (input as IncomingMessage).on === 'function' && typeof (input as IncomingMessage).headers === 'object';
}

/**
 * The framework-neutral first step of pp_ax_hub / Ret_URL: read a window's post from a node:http request (Koa's
 * `ctx.req`, read within maxBodyBytes and bodyTimeoutMs), or from bytes a framework already read (Fastify's buffer
 * body), decode it in the page's charset, and say how the window ended. A request over its limits rejects with an
 * error whose `status` is 413 or 408: answer that status and close the connection. Bad input rejects with a KcpError.
 */
export async function readWindowReturn(
  input: IncomingMessage | Buffer | Uint8Array | string | Readonly<Record<string, unknown>>,
  options: ReadWindowReturnOptions = {},
): Promise<WindowReturn> {
  let body: Buffer | Uint8Array | string | Readonly<Record<string, unknown>>;
  let contentType = options.contentType;
  if (isRequest(input)) {
    contentType ??= input.headers['content-type'];
    body = await readBody(input, options);
  } else body = input;
  const { fields, charset } = decodeFormBody(body, contentType);
  return { form: fields, charset, window: readWindowResult(fields) };
}
