/**
 * KCP's PG-API hosts and paths (kcp-rest-api.md §1, §3). One place: correct them here.
 * TODO(lead): lib/config/environment.ts holds the pp_cli hosts; these may move there when the branches merge.
 */
import type { KcpEnvironment } from '../../config/site-conf.js';

export const REST_HOSTS: Readonly<Record<KcpEnvironment, string>> = Object.freeze({
  TEST: 'stg-spl.kcp.co.kr',
  REAL: 'spl.kcp.co.kr',
});

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

/** The environment a KCP REST host belongs to, or undefined for any other host (the simulator, a proxy). */
export function restHostEnvironment(host: string): KcpEnvironment | undefined {
  const h = host.toLowerCase();
  if (h === REST_HOSTS.TEST) return 'TEST';
  if (h === REST_HOSTS.REAL) return 'REAL';
  return undefined;
}
