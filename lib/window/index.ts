/** Today's PC window (standard web) and what any window hands back, before pp_cli. */
export { standardWebOrderPage, STANDARD_WEB_FILLED_FIELDS, type StandardWebPage, type StandardWebPageOptions } from './standard-web.js';
export { readWindowResult, USER_CANCEL_RES_CD, USER_CANCEL_RES_MSG, type WindowResult } from './result.js';
export {
  expressWindowReturn,
  readWindowReturn,
  type ReadWindowReturnOptions,
  type WindowExit,
  type WindowReturn,
  type WindowReturnOptions,
  type WindowReturnResult,
} from './return.js';
