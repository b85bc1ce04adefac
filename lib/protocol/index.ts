export { US, RS, GS, FS } from './separators.js';
export { encodeEucKr, encodeText, decodeText, eucKrByteLength, isAscii, type TextEncoding } from './encoding.js';
export {
  assertSafeValue,
  assertKcpToken,
  assertTno,
  assertAmount,
  assertOrderId,
  FORBIDDEN_TEXT_CHARS,
  MERCHANT_TEXT_FIELDS,
} from './validate.js';
export { ItemSet, usItem, namedSet, payxData, assertItem } from './data-set.js';
export { assertItemName, assertRequestFits, MAX_ARGUMENT_BYTES, MAX_DATA_SET_BYTES } from './limits.js';
export {
  buildOptionString,
  optionKeys,
  type OptionValues,
  type PpCliVersion,
} from './option-string.js';
export {
  lastLine,
  parseResultLine,
  hasUsageBanner,
  interpretOutcome,
  MODULE_CALL_ERROR_MSG,
  type ResultFields,
} from './result.js';
