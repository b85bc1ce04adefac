/**
 * Settings for KCP's REST API (PG-API) transport: which host, and where the merchant's PG-API certificate, private key
 * and the key's password are (docs/kcp-rest-api.md §2). The password itself is never in the configuration: it comes from
 * an environment variable or a file (outside the web root). Every rule for these settings is here.
 */
import path from 'node:path';
import { configError } from './config-error.js';
import { isLoopbackHost } from './environment.js';
import type { KcpEnvironment } from './site-conf.js';
import type { PrivatePath } from './web-roots.js';

/** KCP's PG-API hosts (docs/kcp-rest-api.md §1, High). */
export const REST_HOSTS: Readonly<Record<KcpEnvironment, string>> = Object.freeze({
  TEST: 'stg-spl.kcp.co.kr',
  REAL: 'spl.kcp.co.kr',
});

/** The environment a KCP REST host belongs to, or undefined for any other host (the simulator, a proxy). */
export function restHostEnvironment(host: string): KcpEnvironment | undefined {
  const h = host.toLowerCase();
  if (h === REST_HOSTS.TEST) return 'TEST';
  if (h === REST_HOSTS.REAL) return 'REAL';
  return undefined;
}

/** The payplus.rest_* keys as the file has them. */
export interface RestFileSettings {
  rest_url?: string | undefined;
  rest_cert_file?: string | undefined;
  rest_key_file?: string | undefined;
  rest_key_password_env?: string | undefined;
  rest_key_password_file?: string | undefined;
  rest_ca_file?: string | undefined;
  rest_durable_answers?: boolean | undefined;
}

export interface RestSettings {
  readonly restUrl: string | undefined;
  readonly restCertFile: string | undefined;
  readonly restKeyFile: string | undefined;
  readonly restKeyPasswordEnv: string | undefined;
  readonly restKeyPasswordFile: string | undefined;
  readonly restCaFile: string | undefined;
  /** payplus.rest_durable_answers as written (undefined: the default, on); read it through restDurableAnswers. */
  readonly restDurableAnswers: boolean | undefined;
}

/**
 * payplus.rest_durable_answers (default true): the REST calls that move money (approval, batch charge) run in a child
 * process that writes KCP's answer to the attempt's answer file (lib/gateway/rest/durable.ts), as pp_cli's module
 * does. A worker killed while the request is at KCP, or after the answer came and before the store recorded it, then
 * leaves proof that recovery on the same host reads (docs/kcp-rest-api.md §10.2). The cost is a node process per
 * approval (bench/rest.ts measures it). Off, the exchange runs inside the worker: no process is started, and such an
 * approval stays unknown, its order blocked, until a person looks it up in KCP's admin.
 */
export function restDurableAnswers(conf: { readonly restDurableAnswers?: boolean | undefined }): boolean {
  return conf.restDurableAnswers ?? true;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

function absolute(field: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!path.isAbsolute(value)) throw configError(field, `"${value}" is not an absolute path`, 'write the full path of the file, outside the web root');
  return path.normalize(value);
}

/** Validate the REST settings of a site whose environment is `env`; returns them and the files that must stay private. */
export function checkRestSettings(f: RestFileSettings, env: KcpEnvironment): { settings: RestSettings; privatePaths: PrivatePath[] } {
  let restUrl: string | undefined;
  let loopback = false;
  if (f.rest_url !== undefined && f.rest_url !== '') {
    let url: URL;
    try {
      url = new URL(f.rest_url);
    } catch {
      throw configError('payplus.rest_url', `"${f.rest_url}" is not a URL`, `write https://${REST_HOSTS[env]} (or leave it out: the host follows the site code)`);
    }
    if (url.protocol !== 'https:') throw configError('payplus.rest_url', `"${f.rest_url}" is not https`, `KCP's PG-API is https only: https://${REST_HOSTS[env]}`);
    const hostEnv = restHostEnvironment(url.hostname);
    if (hostEnv !== undefined && hostEnv !== env) {
      throw configError('payplus.rest_url', `${url.hostname} is KCP's ${hostEnv} host but the site code is a ${env} site`, `use https://${REST_HOSTS[env]} (TEST hosts go with T-codes, REAL hosts with live codes)`);
    }
    loopback = isLoopbackHost(url.hostname);
    restUrl = url.origin;
  }
  const restCertFile = absolute('payplus.rest_cert_file', f.rest_cert_file);
  const restKeyFile = absolute('payplus.rest_key_file', f.rest_key_file);
  if ((restCertFile === undefined) !== (restKeyFile === undefined)) {
    const missing = restCertFile === undefined ? 'payplus.rest_cert_file' : 'payplus.rest_key_file';
    throw configError(missing, 'is missing while its pair is set', 'set both the PG-API certificate (splCert.pem) and the private key (splPrikeyPKCS8.pem) KCP issued together');
  }
  const restKeyPasswordEnv = f.rest_key_password_env === '' ? undefined : f.rest_key_password_env;
  const restKeyPasswordFile = absolute('payplus.rest_key_password_file', f.rest_key_password_file);
  if (restKeyPasswordEnv !== undefined && !ENV_NAME.test(restKeyPasswordEnv)) {
    throw configError('payplus.rest_key_password_env', `"${restKeyPasswordEnv.slice(0, 20)}" is not an environment variable name`, 'write the NAME of the variable that holds the password (e.g. KCP_PGAPI_KEY_PASSWORD), never the password itself');
  }
  if (restKeyPasswordEnv !== undefined && restKeyPasswordFile !== undefined) {
    throw configError('payplus.rest_key_password_env', 'and payplus.rest_key_password_file are both set', 'name one source for the private key\'s password');
  }
  if (restKeyFile !== undefined && restKeyPasswordEnv === undefined && restKeyPasswordFile === undefined) {
    throw configError('payplus.rest_key_password_env', 'is missing: the PG-API private key is password-encrypted', 'set payplus.rest_key_password_env to the name of an environment variable holding the password, or payplus.rest_key_password_file to a file outside the web root (never put the password in this file)');
  }
  const restCaFile = absolute('payplus.rest_ca_file', f.rest_ca_file);
  if (restCaFile !== undefined && !loopback) {
    throw configError('payplus.rest_ca_file', 'is set for a host that is not the local simulator', 'leave it out: KCP\'s hosts use public certificates; rest_ca_file is for the simulator on 127.0.0.1 only');
  }
  const privatePaths: PrivatePath[] = [
    ...(restCertFile ? [{ field: 'payplus.rest_cert_file', label: 'the PG-API certificate', path: restCertFile }] : []),
    ...(restKeyFile ? [{ field: 'payplus.rest_key_file', label: 'the PG-API private key', path: restKeyFile }] : []),
    ...(restKeyPasswordFile ? [{ field: 'payplus.rest_key_password_file', label: 'the private key\'s password file', path: restKeyPasswordFile }] : []),
  ];
  const restDurableAnswers = f.rest_durable_answers;
  return { settings: { restUrl, restCertFile, restKeyFile, restKeyPasswordEnv, restKeyPasswordFile, restCaFile, restDurableAnswers }, privatePaths };
}
