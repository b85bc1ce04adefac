/**
 * What makes the sample shop safe to put on the internet, with node's crypto only:
 * - buyers: an unguessable browser id in an HttpOnly, SameSite=Lax cookie; an order keeps only its SHA-256
 *   (`buyer_key`), so a buyer sees and pays only their own orders and a leaked database yields no cookie.
 *   Lax, not Strict: KCP's smartphone window returns to Ret_URL from KCP's site, and the redirect that follows must
 *   still carry the cookie to show the buyer their result.
 * - staff: a password from the environment (SHOP_ADMIN_PASSWORD). While none is configured every staff page answers
 *   403. A login opens a server-side session (random id in an HttpOnly, SameSite=Strict cookie; the map holds its
 *   hash), idle and absolute expiry, a new id at every login; failed logins are limited per address.
 * - CSRF: every state-changing form carries a token, HMAC(secret, browser id or staff session); a POST whose
 *   Sec-Fetch-Site / Origin says it came from another site, or whose token does not match, is refused with 403
 *   before anything else happens (shop.ts, one middleware for every form). pp_ax_hub, Ret_URL and common_return
 *   are exempt: KCP's window and KCP's servers post them, and what they carry is checked with KCP (enc_data, the
 *   approval, the notification cross-check).
 * - the shop's public address comes from configuration (SHOP_PUBLIC_URL), never from the request's Host header.
 * Sessions and the HMAC secret live in this process: one process per shop here; with several, keep sessions in a
 * shared store and give every process the same secret.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

export interface SecurityOptions {
  /** The shop's address as buyers reach it, e.g. https://shop.example.com (origin only). */
  publicUrl: string;
  /** The staff password; undefined: staff pages are refused (403). */
  adminPassword?: string;
  /** Idle and absolute lifetime of a staff session (default 30 min, 8 h). */
  sessionIdleMs?: number;
  sessionMaxMs?: number;
  /** Failed logins allowed per address and window (default 10 per 15 min). */
  maxLoginFailures?: number;
  loginWindowMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

/** The shortest staff password accepted: a guessable one would make the login the weak point. */
export const MIN_ADMIN_PASSWORD_LENGTH = 12;

/** SHOP_ADMIN_PASSWORD checked: undefined when empty, an Error naming the variable when too short. */
export function checkAdminPassword(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if ([...value].length < MIN_ADMIN_PASSWORD_LENGTH) {
    throw new Error(
      `SHOP_ADMIN_PASSWORD: ${[...value].length} characters is too short for the staff login; use at least ${MIN_ADMIN_PASSWORD_LENGTH} (e.g. openssl rand -base64 18)`,
    );
  }
  return value;
}

/** SHOP_PUBLIC_URL checked: the origin of an http(s) URL with no path, or an Error naming the variable. */
export function publicOrigin(value: string, name = 'SHOP_PUBLIC_URL'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name}: "${value}" is not a URL; give the shop's address as buyers reach it, e.g. https://shop.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${name}: "${value}" must start with https:// (http:// only for a local test)`);
  if (url.pathname !== '/' || url.search || url.hash || url.username) throw new Error(`${name}: "${value}" must be an origin only (scheme, host, port), without path, query or user`);
  return url.origin;
}

const ID = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Constant-time comparison of two strings of any length. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** The value of cookie `name` (the first one sent), or undefined. Linear in the header. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq >= 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The order column that says whose it is: SHA-256 of the buyer's browser id. */
export function buyerKey(browserId: string): string {
  return sha256(browserId).toString('hex');
}

/** A one-time message for the staff list (kept in the session, so no link can plant text on a staff page). */
export interface Flash {
  ok: boolean;
  text: string;
}

interface StaffSession {
  created: number;
  lastSeen: number;
  flash?: Flash;
}

export type CsrfScope = 'buyer' | 'staff';

export type LoginOutcome = 'ok' | 'disabled' | 'wrong' | 'locked';

/** What a request carries, found once per request by `identify` and kept in res.locals.shop. */
export interface Visitor {
  browserId: string;
  /** Hash of the staff session id when logged in. */
  staff: string | undefined;
  csrf: { buyer: string; staff: string | undefined };
}

export class ShopSecurity {
  readonly origin: string;
  readonly secure: boolean;
  private readonly secret = randomBytes(32);
  private readonly password: string | undefined;
  private readonly sessions = new Map<string, StaffSession>();
  private readonly failures = new Map<string, { count: number; since: number }>();
  private readonly idleMs: number;
  private readonly maxMs: number;
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: SecurityOptions) {
    this.origin = publicOrigin(options.publicUrl, 'publicUrl');
    this.secure = this.origin.startsWith('https:');
    this.password = checkAdminPassword(options.adminPassword);
    this.idleMs = options.sessionIdleMs ?? 30 * 60_000;
    this.maxMs = options.sessionMaxMs ?? 8 * 3600_000;
    this.maxFailures = options.maxLoginFailures ?? 10;
    this.windowMs = options.loginWindowMs ?? 15 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Over https the cookies get the __Host- prefix (Secure, Path=/, no Domain: a sibling subdomain cannot set them). */
  cookieName(base: 'shop_buyer' | 'shop_staff'): string {
    return this.secure ? `__Host-${base}` : base;
  }

  private setCookie(res: Response, base: 'shop_buyer' | 'shop_staff', value: string, sameSite: 'Lax' | 'Strict', maxAgeS?: number): void {
    const parts = [`${this.cookieName(base)}=${value}`, 'Path=/', 'HttpOnly', `SameSite=${sameSite}`];
    if (maxAgeS !== undefined) parts.push(`Max-Age=${maxAgeS}`);
    if (this.secure) parts.push('Secure');
    res.append('Set-Cookie', parts.join('; '));
  }

  private token(scope: CsrfScope, id: string): string {
    return createHmac('sha256', this.secret).update(`${scope}|${id}`).digest('base64url');
  }

  get staffEnabled(): boolean {
    return this.password !== undefined;
  }

  /** Who is asking: the browser id (a new one gets its cookie), the staff session if any, and the form tokens. */
  identify(req: Request, res: Response): Visitor {
    let browserId = readCookie(req, this.cookieName('shop_buyer'));
    if (!browserId || !ID.test(browserId)) {
      browserId = randomBytes(32).toString('base64url');
      // Only a GET gets a new id: a cross-site POST arrives without the Lax cookie, and answering it with a new id
      // would let any site replace the buyer's (and so hide their orders from them). Here the id is for this request.
      if (req.method === 'GET' || req.method === 'HEAD') this.setCookie(res, 'shop_buyer', browserId, 'Lax', 365 * 24 * 3600);
    }
    const staff = this.staffSession(req);
    return { browserId, staff, csrf: { buyer: this.token('buyer', browserId), staff: staff ? this.token('staff', staff) : undefined } };
  }

  private staffSession(req: Request): string | undefined {
    if (!this.password) return undefined;
    const id = readCookie(req, this.cookieName('shop_staff'));
    if (!id || !ID.test(id)) return undefined;
    const key = sha256(id).toString('hex');
    const session = this.sessions.get(key);
    if (!session) return undefined;
    const now = this.now();
    if (now - session.lastSeen > this.idleMs || now - session.created > this.maxMs) {
      this.sessions.delete(key);
      return undefined;
    }
    session.lastSeen = now;
    return key;
  }

  setFlash(visitor: Visitor, flash: Flash): void {
    const session = visitor.staff ? this.sessions.get(visitor.staff) : undefined;
    if (session) session.flash = flash;
  }

  takeFlash(visitor: Visitor): Flash | undefined {
    const session = visitor.staff ? this.sessions.get(visitor.staff) : undefined;
    const flash = session?.flash;
    if (session) delete session.flash;
    return flash;
  }

  /** A request another site made the browser send, by the browser's own headers (Sec-Fetch-Site, Origin). */
  crossSite(req: Request): boolean {
    const fetchSite = req.get('sec-fetch-site');
    if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return true;
    const origin = req.get('origin');
    return origin !== undefined && origin !== this.origin;
  }

  /**
   * A same-origin post whose origin is not SHOP_PUBLIC_URL: the shop was opened at another address (localhost instead
   * of 127.0.0.1, a proxy's internal name). Refused like a cross-site post, but worth saying which address to use.
   */
  openedElsewhere(req: Request): boolean {
    const origin = req.get('origin');
    return req.get('sec-fetch-site') === 'same-origin' && origin !== undefined && origin !== this.origin;
  }

  /** The form's token (field `_csrf`) against this browser's or this staff session's, in constant time. */
  tokenOk(req: Request, visitor: Visitor, scope: CsrfScope): boolean {
    const expected = scope === 'staff' ? visitor.csrf.staff : visitor.csrf.buyer;
    const given = (req.body as Record<string, unknown> | undefined)?._csrf;
    return expected !== undefined && typeof given === 'string' && sameSecret(given, expected);
  }

  /** Checks the password (constant time, failures limited per address); on success a fresh session cookie. */
  login(req: Request, res: Response, address: string, given: unknown): LoginOutcome {
    if (!this.password) return 'disabled';
    const now = this.now();
    const failed = this.failures.get(address);
    if (failed && now - failed.since > this.windowMs) this.failures.delete(address);
    else if (failed && failed.count >= this.maxFailures) return 'locked';
    if (typeof given !== 'string' || !sameSecret(given, this.password)) {
      const entry = this.failures.get(address) ?? { count: 0, since: now };
      entry.count += 1;
      this.failures.set(address, entry);
      bound(this.failures, 10_000);
      return 'wrong';
    }
    this.failures.delete(address);
    this.logout(req, res); // a new id at every login: a planted cookie never becomes a session
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(sha256(id).toString('hex'), { created: now, lastSeen: now });
    bound(this.sessions, 1_000);
    this.setCookie(res, 'shop_staff', id, 'Strict');
    return 'ok';
  }

  logout(req: Request, res: Response): void {
    const id = readCookie(req, this.cookieName('shop_staff'));
    if (id && ID.test(id)) this.sessions.delete(sha256(id).toString('hex'));
    if (id !== undefined) this.setCookie(res, 'shop_staff', '', 'Strict', 0);
  }

  /** Whether this browser placed the order (orders made before buyer_key existed belong to nobody). */
  owns(visitor: Visitor, order: { buyer_key: string | null }): boolean {
    return order.buyer_key !== null && sameSecret(buyerKey(visitor.browserId), order.buyer_key);
  }
}

/** Drops the oldest entries (Map keeps insertion order) so no client can grow the map without limit. */
function bound<K, V>(map: Map<K, V>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) break;
    map.delete(key);
  }
}
