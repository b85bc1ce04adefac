/**
 * S202 (PG 서버 접속 오류): the gateway host must resolve and each configured port must accept a TCP
 * connection — pp_cli's gateway (g_conf_gw_url, g_conf_gw_port), or with payplus.transport 'rest' the PG-API host on
 * https (payplus.rest_url, else KCP's host of the site's environment). Both steps have a short timeout and are skipped
 * with `offline`.
 */
import { promises as dns } from 'node:dns';
import net from 'node:net';

import { gatewayEnvironment } from '../../config/environment.js';
import { REST_HOSTS } from '../../config/rest.js';
import { transportOf } from '../../config/site-conf.js';
import { bi, fail, pass, skip } from '../results.js';
import type { Bilingual, CheckResult, DoctorContext } from '../types.js';

const CODE = 'S202';

/** Resolves to the first address. */
export async function defaultLookup(host: string): Promise<string> {
  return (await dns.lookup(host)).address;
}

/** Opens and closes one TCP connection; rejects on error or after timeoutMs. */
export function defaultConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function firewallFix(host: string, port: number, test: boolean): Bilingual {
  const ips = test ? '203.238.36.58' : '203.238.36.136, .139, .173, .178';
  return {
    ko: `방화벽에서 ${host}(${ips})의 ${port} 포트(8080, 8090) 나가는 연결을 허용하십시오. "telnet ${host} ${port}" 실행 시 res_cd=7504가 보이면 정상입니다.`,
    en: `allow outgoing TCP to ${host} (${ips}) on port ${port} (KCP uses 8080 and 8090) in the firewall; "telnet ${host} ${port}" should print res_cd=7504.`,
  };
}

/** Where this site's requests go: pp_cli's gateway host and ports, or the PG-API host on https (REST). */
function target(ctx: DoctorContext): { host: string; ports: number[]; fix: (port: number) => Bilingual; code: string | undefined } {
  const { conf } = ctx;
  if (transportOf(conf) === 'rest') {
    const url = new URL(conf.restUrl ?? `https://${REST_HOSTS[conf.env]}`);
    return {
      host: url.hostname,
      ports: [Number(url.port) || 443],
      fix: (port) => ({
        ko: `방화벽에서 ${url.hostname}의 ${port} 포트(https) 나가는 연결을 허용하십시오.`,
        en: `allow outgoing TCP to ${url.hostname} on port ${port} (https) in the firewall.`,
      }),
      // S202 is pp_cli's code; a PG-API call that cannot connect is the SDK's KcpConnectionError, with no KCP code.
      code: undefined,
    };
  }
  const test = gatewayEnvironment(conf.gwUrl, conf.extraKcpHosts)?.env !== 'REAL';
  return { host: conf.gwUrl, ports: conf.gwPort.split(':').map(Number), fix: (port) => firewallFix(conf.gwUrl, port, test), code: CODE };
}

export async function checkNetwork(ctx: DoctorContext): Promise<CheckResult[]> {
  const { host, ports, fix, code } = target(ctx);
  const timeoutMs = ctx.options.networkTimeoutMs ?? 3000;
  const dnsTitle = bi(`${host} DNS 조회`, `DNS of ${host}`);
  const connectTitle = (port: number) => bi(`TCP 접속 ${host}:${port}`, `TCP connect ${host}:${port}`);
  const offline = bi('오프라인: 점검하지 않음.', 'offline: not checked.');
  if (ctx.options.offline) {
    return [
      skip('network.dns', dnsTitle, offline),
      ...ports.map((p) => skip(`network.connect:${p}`, connectTitle(p), offline)),
    ];
  }
  const lookup = ctx.options.dnsLookup ?? defaultLookup;
  const connect = ctx.options.connect ?? defaultConnect;
  const results: CheckResult[] = [];
  let address: string;
  try {
    address = await withTimeout(lookup(host), timeoutMs, 'DNS');
    results.push(pass('network.dns', dnsTitle, bi(`${host} → ${address}`, `${host} resolves to ${address}`)));
  } catch (error) {
    results.push(
      fail('network.dns', dnsTitle, bi(`${host}를 조회할 수 없습니다: ${(error as Error).message}.`, `${host} does not resolve: ${(error as Error).message}.`), {
        ko: `서버의 DNS 설정(/etc/resolv.conf)을 확인하십시오. ${host}가 조회되어야 합니다.`,
        en: `fix the server's DNS (/etc/resolv.conf) so that ${host} resolves.`,
      }, code),
    );
    return [...results, ...ports.map((p) => skip(`network.connect:${p}`, connectTitle(p), bi('건너뜀: 호스트를 조회할 수 없습니다.', 'skipped: the host does not resolve.')))];
  }
  for (const port of ports) {
    try {
      await withTimeout(connect(host, port, timeoutMs), timeoutMs + 100, 'connect');
      results.push(pass(`network.connect:${port}`, connectTitle(port), bi(`${host}:${port} 접속 성공`, `connected to ${host}:${port}`)));
    } catch (error) {
      results.push(
        fail(`network.connect:${port}`, connectTitle(port), bi(`${host}:${port}에 접속할 수 없습니다: ${(error as Error).message}.`, `cannot connect to ${host}:${port}: ${(error as Error).message}.`), fix(port), code),
      );
    }
  }
  return results;
}
