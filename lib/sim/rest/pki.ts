/**
 * The REST simulator's own key material, made at start (no KCP key or certificate is in this repository): a CA, the
 * https server's certificate (127.0.0.1 / localhost) and a merchant PG-API certificate with its password-encrypted
 * PKCS#8 key, as KCP's merchant admin would issue them (splCert.pem / splPrikeyPKCS8.pem). Keys come from node:crypto;
 * certificates are signed by `openssl` (run with execFile, never a shell). Files are written 0600 in a private
 * temporary folder that `remove()` deletes.
 */
import { execFile } from 'node:child_process';
import { generateKeyPair, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const genKey = promisify(generateKeyPair);

/** KCP's convention for test private keys (docs/kcp-rest-api.md §2.2); the simulator's merchant key uses it too. */
export const SIM_KEY_PASSWORD = 'changeit';

export interface SimPki {
  readonly dir: string;
  readonly caFile: string;
  readonly caPem: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  /** The merchant's PG-API certificate (PEM, multi-line, as issued) and its encrypted key. */
  readonly merchantCertFile: string;
  readonly merchantKeyFile: string;
  readonly merchantCertPem: string;
  readonly merchantKeyPem: string;
  readonly merchantKeyPassword: string;
  /** Issue another merchant certificate from this CA (doctor tests: expired, near expiry, mismatched). */
  issueMerchant(options: IssueOptions): Promise<{ certFile: string; keyFile: string; certPem: string; keyPem: string }>;
  remove(): void;
}

export interface IssueOptions {
  readonly name: string;
  /** Validity in days from now (default 365); negative start is not available, see `expired`. */
  readonly days?: number;
  /** A certificate whose validity already ended (notBefore and notAfter in the past). */
  readonly expired?: boolean;
  readonly password?: string;
}

async function openssl(args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  await run('openssl', args, { env: { ...process.env, ...env }, timeout: 20_000 });
}

function write(file: string, text: string): string {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

async function rsaKey(password?: string): Promise<string> {
  const { privateKey } = await genKey('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: password
      ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password }
      : { type: 'pkcs8', format: 'pem' },
  });
  return privateKey as unknown as string;
}

/** Make the CA, the server certificate and one merchant certificate in a fresh 0700 folder. */
export async function createSimPki(): Promise<SimPki> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-sim-rest-'));
  chmodSync(dir, 0o700);
  const f = (name: string) => path.join(dir, name);
  try {
    const [caKey, serverKey] = await Promise.all([rsaKey(), rsaKey()]);
    write(f('ca.key'), caKey);
    write(f('server.key'), serverKey);
    await openssl(['req', '-x509', '-new', '-key', f('ca.key'), '-sha256', '-days', '30', '-subj', '/O=kcp-payplus simulator/CN=kcp-payplus simulator CA', '-out', f('ca.pem')]);
    write(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
    await openssl(['req', '-new', '-key', f('server.key'), '-subj', '/CN=127.0.0.1', '-out', f('server.csr')]);
    await openssl(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '30', '-sha256', '-extfile', f('server.ext'), '-out', f('server.pem')]);
    const issueMerchant = async (options: IssueOptions) => {
      const password = options.password ?? SIM_KEY_PASSWORD;
      const keyPem = await rsaKey(password);
      const keyFile = write(f(`${options.name}.key.pem`), keyPem);
      const csr = f(`${options.name}.csr`);
      await openssl(['req', '-new', '-key', keyFile, '-passin', 'env:KCP_SIM_KEY_PASSWORD', '-subj', `/C=KR/O=kcp-payplus simulator/OU=PGAPI/CN=${options.name}`, '-out', csr], { KCP_SIM_KEY_PASSWORD: password });
      const certFile = f(`${options.name}.cert.pem`);
      if (options.expired) {
        // openssl 3.0's x509 has no -not_after; `ca` with explicit dates makes a certificate that is already expired.
        write(f('index.txt'), '');
        write(f('ca.cnf'), `[ca]\ndefault_ca=sim\n[sim]\ndatabase=${f('index.txt')}\nnew_certs_dir=${dir}\nserial=${f('serial')}\npolicy=any\ndefault_md=sha256\nunique_subject=no\n[any]\ncommonName=supplied\n`);
        write(f('serial'), `${randomBytes(8).toString('hex')}\n`);
        await openssl(['ca', '-batch', '-config', f('ca.cnf'), '-cert', f('ca.pem'), '-keyfile', f('ca.key'), '-in', csr, '-out', certFile, '-startdate', '20200101000000Z', '-enddate', '20210101000000Z', '-notext']);
      } else {
        await openssl(['x509', '-req', '-in', csr, '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', String(options.days ?? 365), '-sha256', '-out', certFile]);
      }
      chmodSync(certFile, 0o600);
      return { certFile, keyFile, certPem: readFileSync(certFile, 'utf8'), keyPem };
    };
    const merchant = await issueMerchant({ name: 'splCert-merchant' });
    return {
      dir,
      caFile: f('ca.pem'),
      caPem: readFileSync(f('ca.pem'), 'utf8'),
      serverCertPem: readFileSync(f('server.pem'), 'utf8'),
      serverKeyPem: serverKey,
      merchantCertFile: merchant.certFile,
      merchantKeyFile: merchant.keyFile,
      merchantCertPem: merchant.certPem,
      merchantKeyPem: merchant.keyPem,
      merchantKeyPassword: SIM_KEY_PASSWORD,
      issueMerchant,
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
