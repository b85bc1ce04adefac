/** HTTP helpers shared by the pp_ax_hub and common_return handlers. */
export { BodyTooLarge, clientIp, normalizeIp, readBody } from './request.js';
export { charsetFromContentType as formCharsetFromContentType, decodeFormBody, type DecodedBody, type FormCharset, type FormContext } from './form.js';
