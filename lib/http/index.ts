/** HTTP helpers shared by the pp_ax_hub and common_return handlers. */
export {
  answerAndClose,
  BodyTimeout,
  BodyTooLarge,
  bodyLimits,
  clientIp,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  normalizeIp,
  readBody,
  refuseRequest,
  RequestRefused,
  type BodyLimits,
} from './request.js';
export { charsetFromContentType as formCharsetFromContentType, decodeFormBody, type DecodedBody, type FormCharset, type FormContext } from './form.js';
export { applyHttpLimits, type HttpServerLimits } from './server.js';
