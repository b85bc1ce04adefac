/** KCP's PG-API hosts (one place: lib/config/rest.ts) and paths (docs/kcp-rest-api.md §3). */
export { REST_HOSTS, restHostEnvironment } from '../../config/rest.js';

export const REST_PATHS = Object.freeze({
  /** Approval after the window, and batch-key issue (same path). */
  payment: '/gw/enc/v1/payment',
  /** Server-only payments: batch (recurring) charge, batch-key delete. */
  hub: '/gw/hub/v1/payment',
  /** Cancel, partial cancel (mod). */
  cancel: '/gw/mod/v1/cancel',
  /** Transaction inquiry by tno ("inquery" is KCP's spelling). */
  inquiry: '/std/inquery',
  /** Smartphone trade registration. */
  tradeRegister: '/std/tradeReg/register',
});

export type RestPath = (typeof REST_PATHS)[keyof typeof REST_PATHS];
