/**
 * Source-IP allow-list for common_return. KCP's notifications carry no signature: the only way to tell a
 * real one from a forged "deposit received" POST is where it comes from.
 *
 * Defaults (override with allowIps when KCP announces new servers):
 * - TEST: 203.238.36.17 and 203.238.36.58 (manual), 210.122.73.58 (KCP's newer test notify server,
 *   docs/pp-cli-protocol.md §6), 210.122.176.144 (KCP developer FAQ, docs/kcp-rest-api.md §1).
 * - REAL: 203.238.36.173 and 203.238.36.178 (manual), 203.238.36.160 and .161, and the 판교 IDC servers
 *   103.215.144.173, 103.215.144.174, 103.215.145.30 (added by KCP in 2019; docs/pp-cli-protocol.md §6).
 */
import { KcpConfigError, KcpNotificationError } from '../errors.js';
import type { KcpEnvironment } from '../config/site-conf.js';
import { isIP } from 'node:net';
import { normalizeIp } from '../http/request.js';

export const KCP_NOTIFY_IPS: Readonly<Record<KcpEnvironment, readonly string[]>> = Object.freeze({
  TEST: Object.freeze(['203.238.36.17', '203.238.36.58', '210.122.73.58', '210.122.176.144']),
  REAL: Object.freeze([
    '203.238.36.160',
    '203.238.36.161',
    '203.238.36.173',
    '203.238.36.178',
    '103.215.144.173',
    '103.215.144.174',
    '103.215.145.30',
  ]),
});


export function isLoopback(ip: string): boolean {
  const value = normalizeIp(ip);
  return value === '::1' || (isIP(value) === 4 && value.startsWith('127.'));
}

export interface SourceCheckOptions {
  env: KcpEnvironment;
  /** Replaces the default list for `env` (spread KCP_NOTIFY_IPS[env] in to extend it). */
  allowIps?: readonly string[];
  /** Also accept loopback senders (the local simulator). Never enable in production. */
  allowLocal?: boolean;
}

/** Throws KcpError 'notification_rejected' unless `remoteIp` is an allowed sender. */
export function checkNotificationSource(remoteIp: string | undefined, options: SourceCheckOptions): string {
  if (options.env !== 'TEST' && options.env !== 'REAL') {
    throw new KcpConfigError(`env must be "TEST" or "REAL"; got ${JSON.stringify(options.env)}.`, { field: 'env' });
  }
  const ip = normalizeIp(remoteIp ?? '');
  const allowed = (options.allowIps ?? KCP_NOTIFY_IPS[options.env]).map(normalizeIp);
  if (ip !== '' && (allowed.includes(ip) || (options.allowLocal === true && isLoopback(ip)))) return ip;
  throw new KcpNotificationError(
    `Notification from ${ip === '' ? 'an unknown address' : ip} refused: it is not one of KCP's ${options.env} ` +
      `notification servers (${allowed.join(', ')}). If KCP announced new servers, pass allowIps; behind a proxy, ` +
      'set trustProxy to the proxy\'s address; for local tests with the simulator, allowLocal: true.',
    { field: 'remoteIp' },
  );
}
