/**
 * The merchant's KCP PG-API credentials (docs/kcp-rest-api.md §2): the service certificate, sent as `kcp_cert_info` in KCP's
 * one-line form, and the password-encrypted PKCS#8 private key that signs `kcp_sign_data` (SHA256withRSA, standard
 * Base64). The key is decrypted once, when the credentials are loaded; its password is read from an environment
 * variable or a file, never from the configuration itself, and never kept after decryption.
 */
import { X509Certificate, createPrivateKey, sign as rsaSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KcpConfigError } from '../../errors.js';

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';
const BASE64_BODY = /^[A-Za-z0-9+/]+={0,2}$/;

/** Where the private key's password comes from. `value` is for code that already holds it (tests, a secret manager). */
export type KeyPasswordSource = { readonly env: string } | { readonly file: string } | { readonly value: string };

export interface RestCredentialFiles {
  /** The PG-API certificate (PEM), e.g. splCert.pem. */
  readonly certFile: string;
  /** The encrypted PKCS#8 private key (PEM), e.g. splPrikeyPKCS8.pem. */
  readonly keyFile: string;
  readonly password: KeyPasswordSource;
}

/**
 * KCP's one-line certificate (docs/kcp-rest-api.md §2.1): the markers kept and glued to the Base64 body, no CR/LF or other
 * whitespace anywhere — and the space inside "BEGIN CERTIFICATE" intact (removing every whitespace, as some merchant
 * code does, breaks the markers). Accepts a PEM with any line breaks, or an already serialised one.
 */
export function serializeCertificate(pem: string): string {
  const text = pem.trim();
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < 0 || end < begin || text.indexOf(BEGIN, begin + 1) >= 0) {
    throw new KcpConfigError(
      'the PG-API certificate is not one PEM certificate (expected exactly one "-----BEGIN CERTIFICATE-----" … ' +
        '"-----END CERTIFICATE-----" block). Fix: use the splCert.pem file KCP\'s merchant admin issued',
      { field: 'rest_cert_file' },
    );
  }
  const body = text.slice(begin + BEGIN.length, end).replace(/\s+/g, '');
  if (!BASE64_BODY.test(body)) {
    throw new KcpConfigError(
      'the PG-API certificate body is not Base64. Fix: use the PEM file as KCP issued it (not DER, not a key)',
      { field: 'rest_cert_file' },
    );
  }
  return `${BEGIN}${body}${END}`;
}

/** The one-line form back to a PEM with 64-character lines (what X509Certificate and openssl read). */
export function certificatePem(oneLine: string): string {
  if (!oneLine.startsWith(BEGIN) || !oneLine.endsWith(END)) throw new Error('not a one-line certificate with intact markers');
  const body = oneLine.slice(BEGIN.length, oneLine.length - END.length);
  return `${BEGIN}\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n${END}\n`;
}

/** The password, read from where the configuration says. */
export function readKeyPassword(source: KeyPasswordSource): string {
  if ('value' in source) return source.value;
  if ('env' in source) {
    const value = process.env[source.env];
    if (value === undefined || value === '') {
      throw new KcpConfigError(
        `rest_key_password_env: the environment variable ${source.env} is not set. Fix: export ${source.env} with the ` +
          'private key\'s password (KCP\'s test key uses "changeit") before starting the server',
        { field: 'rest_key_password_env' },
      );
    }
    return value;
  }
  let text: string;
  try {
    text = readFileSync(source.file, 'utf8');
  } catch (err) {
    throw new KcpConfigError(
      `rest_key_password_file: cannot read ${source.file} (${(err as NodeJS.ErrnoException).code ?? String(err)}). Fix: ` +
        'create it outside the web root, readable by the server\'s user only (chmod 600)',
      { field: 'rest_key_password_file', cause: err },
    );
  }
  return text.replace(/\r?\n$/, '');
}

function readPem(file: string, field: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new KcpConfigError(
      `${field}: cannot read ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}). Fix: point ${field} ` +
        'at the file KCP\'s merchant admin issued (partner.kcp.co.kr > 고객센터 > 인증센터 > KCP PG-API)',
      { field, cause: err },
    );
  }
}

/** Loaded, checked credentials: the one-line certificate and a signer. The decrypted key never leaves this object. */
export class RestCredentials {
  /** `kcp_cert_info`, exactly as sent. */
  readonly certInfo: string;
  readonly certificate: X509Certificate;
  readonly #key: KeyObject;

  private constructor(certInfo: string, certificate: X509Certificate, key: KeyObject) {
    this.certInfo = certInfo;
    this.certificate = certificate;
    this.#key = key;
  }

  /** From PEM texts (the key encrypted or not; KCP issues it encrypted). */
  static fromPem(certPem: string, keyPem: string, password: string | undefined): RestCredentials {
    const certInfo = serializeCertificate(certPem);
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(certificatePem(certInfo));
    } catch (err) {
      throw new KcpConfigError('rest_cert_file: the certificate cannot be parsed as X.509. Fix: use the PEM file KCP issued', {
        field: 'rest_cert_file',
        cause: err,
      });
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(password === undefined ? { key: keyPem, format: 'pem' } : { key: keyPem, format: 'pem', passphrase: password });
    } catch (err) {
      throw new KcpConfigError(
        'rest_key_file: the private key cannot be decrypted with the configured password (wrong password, or not a PEM ' +
          'private key). Fix: check the password source (rest_key_password_env / rest_key_password_file) and the key file',
        { field: 'rest_key_file', cause: err },
      );
    }
    if (key.asymmetricKeyType !== 'rsa') {
      throw new KcpConfigError(`rest_key_file: the key is ${key.asymmetricKeyType ?? 'not asymmetric'}, KCP's PG-API keys are RSA. Fix: use splPrikeyPKCS8.pem`, {
        field: 'rest_key_file',
      });
    }
    if (!certificate.checkPrivateKey(key)) {
      throw new KcpConfigError(
        'rest_key_file: the private key does not belong to the certificate in rest_cert_file (KCP would refuse every ' +
          'signature). Fix: use the certificate and key issued together',
        { field: 'rest_key_file' },
      );
    }
    return new RestCredentials(certInfo, certificate, key);
  }

  /** Read the two files and the password, decrypt the key once. */
  static fromFiles(files: RestCredentialFiles): RestCredentials {
    const certPem = readPem(files.certFile, 'rest_cert_file', 'the PG-API certificate');
    const keyPem = readPem(files.keyFile, 'rest_key_file', 'the PG-API private key');
    const encrypted = keyPem.includes('ENCRYPTED');
    return RestCredentials.fromPem(certPem, keyPem, encrypted ? readKeyPassword(files.password) : undefined);
  }

  /** kcp_sign_data: SHA256withRSA (PKCS#1 v1.5) over the exact UTF-8 bytes of `plain`, standard Base64. */
  sign(plain: string): string {
    return rsaSign('sha256', Buffer.from(plain, 'utf8'), this.#key).toString('base64');
  }

  /** The certificate's last valid day. */
  get notAfter(): Date {
    return new Date(this.certificate.validTo);
  }

  toJSON(): Record<string, string> {
    return { subject: this.certificate.subject, validTo: this.certificate.validTo, serialNumber: this.certificate.serialNumber };
  }
}
