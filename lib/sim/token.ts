/**
 * enc_data / enc_info as the simulator's payment window issues them.
 *
 * KCP's real values are encrypted blobs only its gateway can read. Ours are signed tokens with the same alphabet
 * ([A-Za-z0-9._-]): base64url(JSON payload) + '.' + HMAC, so the gateway can resolve the payer's choice (method,
 * amount, order id, site, window environment) and detect tampering, while the merchant treats them as opaque.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type PayMethod = 'card' | 'bank' | 'vbank' | 'point' | 'mobile' | 'giftcard';

/** What the payer chose in the window; everything the gateway needs to approve. */
export interface WindowChoice {
  /** Unique per window session; an approval consumes it. */
  id: string;
  method: PayMethod;
  amount: string;
  ordrIdxx: string;
  siteCd: string;
  /** The environment of the payment-window script that issued it (payplus_test.js → TEST). */
  env: 'TEST' | 'REAL';
  /** Card company code or a test card name (see README): 'CCSS', 'DECLINE', 'TIMEOUT', ... */
  card?: string;
  quota?: string;
  /** Bank transfer and virtual account: the bank chosen in the window (two-digit KCP code, e.g. '04'). */
  bank?: string;
  escrow?: boolean;
  buyerName?: string;
  goodName?: string;
}

export class TokenIssuer {
  private readonly secret: Buffer;

  constructor(secret?: string) {
    this.secret = secret ? Buffer.from(secret) : randomBytes(32);
  }

  private mac(text: string, purpose: string): string {
    return createHmac('sha256', this.secret).update(purpose).update('\0').update(text).digest('base64url');
  }

  /** enc_data and enc_info for a window choice. */
  issue(choice: WindowChoice): { encData: string; encInfo: string } {
    const payload = Buffer.from(JSON.stringify(choice)).toString('base64url');
    return {
      encData: `${payload}.${this.mac(payload, 'data')}`,
      encInfo: `${this.mac(choice.id, 'info').slice(0, 32)}.${choice.id}`,
    };
  }

  /** The choice behind a valid pair, or undefined when either value was not issued by this simulator. */
  resolve(encData: string, encInfo: string): WindowChoice | undefined {
    const [payload, sig, extra] = encData.split('.');
    if (!payload || !sig || extra !== undefined || !equal(sig, this.mac(payload, 'data'))) return undefined;
    let choice: WindowChoice;
    try {
      choice = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as WindowChoice;
    } catch {
      return undefined;
    }
    if (!equal(encInfo, `${this.mac(choice.id, 'info').slice(0, 32)}.${choice.id}`)) return undefined;
    return choice;
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
