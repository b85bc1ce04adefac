/**
 * The sample shop's security pieces without a browser: cookies and their flags, staff sessions (expiry, a new id at
 * each login, logout), the login limit, form tokens, order ownership, and the configuration checks.
 */
import assert from 'node:assert/strict';
import type { Request, Response } from 'express';
import { ShopSecurity, buyerKey, checkAdminPassword, publicOrigin, readCookie, type Visitor } from '../../sample/security.js';

const PASSWORD = 'correct horse battery';

interface FakeRes {
  cookies: string[];
  res: Response;
}

function fakeReq(options: { cookie?: string; method?: string; headers?: Record<string, string>; body?: Record<string, unknown> } = {}): Request {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.cookie) headers.cookie = options.cookie;
  return { method: options.method ?? 'GET', headers, body: options.body, get: (name: string) => headers[name.toLowerCase()] } as unknown as Request;
}

function fakeRes(): FakeRes {
  const cookies: string[] = [];
  return { cookies, res: { append: (name: string, value: string) => name === 'Set-Cookie' && cookies.push(value) } as unknown as Response };
}

/** The name=value pairs a response set, as a Cookie header. */
const jar = (...sets: string[][]) => sets.flat().map((c) => c.split(';')[0]).join('; ');

describe('sample shop security', () => {
  let clock: number;
  let security: ShopSecurity;
  beforeEach(() => {
    clock = 1_000_000;
    security = new ShopSecurity({ publicUrl: 'http://127.0.0.1:3000', adminPassword: PASSWORD, now: () => clock });
  });

  function login(cookie = '', address = '10.0.0.1') {
    const r = fakeRes();
    return { outcome: security.login(fakeReq({ cookie, method: 'POST' }), r.res, address, PASSWORD), cookies: r.cookies };
  }

  const attempt = (address: string, password: unknown) => security.login(fakeReq({ method: 'POST' }), fakeRes().res, address, password);

  it('gives a new browser an HttpOnly, SameSite=Lax id on a GET, and none on a POST', () => {
    const get = fakeRes();
    const visitor = security.identify(fakeReq(), get.res);
    assert.equal(get.cookies.length, 1);
    assert.match(get.cookies[0]!, /^shop_buyer=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=31536000$/);
    assert.equal(get.cookies[0]!.slice('shop_buyer='.length, 'shop_buyer='.length + 43), visitor.browserId);
    const post = fakeRes();
    security.identify(fakeReq({ method: 'POST' }), post.res);
    assert.deepEqual(post.cookies, [], 'a cross-site POST cannot replace the buyer id');
    const again = fakeRes();
    assert.equal(security.identify(fakeReq({ cookie: jar(get.cookies) }), again.res).browserId, visitor.browserId);
    assert.deepEqual(again.cookies, []);
  });

  it('over https names the cookies __Host- and marks them Secure', () => {
    const https = new ShopSecurity({ publicUrl: 'https://shop.example.com', adminPassword: PASSWORD });
    const r = fakeRes();
    https.identify(fakeReq(), r.res);
    assert.match(r.cookies[0]!, /^__Host-shop_buyer=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=31536000; Secure$/);
    const s = fakeRes();
    assert.equal(https.login(fakeReq({ method: 'POST' }), s.res, '10.0.0.1', PASSWORD), 'ok');
    assert.match(s.cookies[0]!, /^__Host-shop_staff=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
  });

  it('opens a staff session with the password, a new id at every login, none after logout', () => {
    const first = login();
    assert.equal(first.outcome, 'ok');
    assert.match(first.cookies[0]!, /^shop_staff=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    const visitor = security.identify(fakeReq({ cookie: jar(first.cookies) }), fakeRes().res);
    assert.match(visitor.staff!, /^[0-9a-f]{64}$/, 'the session is known by its hash');
    const second = login(jar(first.cookies));
    assert.notEqual(jar(second.cookies.filter((c) => !c.includes('Max-Age=0'))), jar(first.cookies));
    assert.equal(security.identify(fakeReq({ cookie: jar(first.cookies) }), fakeRes().res).staff, undefined, 'the old id is gone');
    const fresh = jar(second.cookies.filter((c) => !c.includes('Max-Age=0')));
    assert.ok(security.identify(fakeReq({ cookie: fresh }), fakeRes().res).staff);
    const out = fakeRes();
    security.logout(fakeReq({ cookie: fresh }), out.res);
    assert.deepEqual(out.cookies, ['shop_staff=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0']);
    assert.equal(security.identify(fakeReq({ cookie: fresh }), fakeRes().res).staff, undefined);
  });

  it('ends a session after 30 idle minutes, and after 8 hours however busy', () => {
    const cookie = jar(login().cookies);
    clock += 29 * 60_000;
    assert.ok(security.identify(fakeReq({ cookie }), fakeRes().res).staff);
    clock += 31 * 60_000;
    assert.equal(security.identify(fakeReq({ cookie }), fakeRes().res).staff, undefined, 'idle');
    const busy = jar(login().cookies);
    for (let i = 0; i < 16; i++) {
      clock += 29 * 60_000;
      assert.ok(security.identify(fakeReq({ cookie: busy }), fakeRes().res).staff, `minute ${(i + 1) * 29}`);
    }
    clock += 29 * 60_000; // 8 h 41 min
    assert.equal(security.identify(fakeReq({ cookie: busy }), fakeRes().res).staff, undefined, 'absolute');
  });

  it('refuses a wrong password, locks an address after 10 failures for 15 minutes, other addresses unaffected', () => {
    for (const wrong of ['', 'correct horse battery ', 'CORRECT HORSE BATTERY', undefined, [PASSWORD]]) assert.equal(attempt('10.0.0.9', wrong), 'wrong');
    for (let i = 0; i < 5; i++) assert.equal(attempt('10.0.0.9', 'guess'), 'wrong');
    assert.equal(login('', '10.0.0.9').outcome, 'locked', 'even the right password while locked');
    assert.equal(login('', '10.0.0.8').outcome, 'ok');
    clock += 15 * 60_000 + 1;
    assert.equal(login('', '10.0.0.9').outcome, 'ok');
  });

  it('answers disabled (and no staff session) while no password is configured', () => {
    const none = new ShopSecurity({ publicUrl: 'http://127.0.0.1:3000' });
    assert.equal(none.staffEnabled, false);
    assert.equal(none.login(fakeReq({ method: 'POST' }), fakeRes().res, '10.0.0.1', ''), 'disabled');
  });

  it('accepts a form token only for the browser or the staff session it was made for', () => {
    const a = security.identify(fakeReq(), fakeRes().res);
    const b = security.identify(fakeReq(), fakeRes().res);
    const staffCookie = jar(login().cookies);
    const staff: Visitor = security.identify(fakeReq({ cookie: staffCookie }), fakeRes().res);
    const post = (visitor: Visitor, token: unknown, scope: 'buyer' | 'staff') => security.tokenOk(fakeReq({ method: 'POST', body: { _csrf: token } }), visitor, scope);
    assert.equal(post(a, a.csrf.buyer, 'buyer'), true);
    assert.equal(post(b, a.csrf.buyer, 'buyer'), false, "another browser's token");
    assert.equal(post(a, undefined, 'buyer'), false);
    assert.equal(post(a, [a.csrf.buyer], 'buyer'), false);
    assert.equal(post(staff, staff.csrf.staff, 'staff'), true);
    assert.equal(post(staff, staff.csrf.buyer, 'staff'), false, 'a buyer token does not do staff actions');
    assert.equal(post(a, a.csrf.buyer, 'staff'), false, 'no session, no staff token');
  });

  it('tells a cross-site request by Sec-Fetch-Site or Origin', () => {
    const cross = (headers: Record<string, string>) => security.crossSite(fakeReq({ method: 'POST', headers }));
    assert.equal(cross({}), false);
    assert.equal(cross({ 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.1:3000' }), false);
    assert.equal(cross({ 'sec-fetch-site': 'cross-site' }), true);
    assert.equal(cross({ 'sec-fetch-site': 'same-site' }), true, 'a sibling subdomain or port is another origin');
    assert.equal(cross({ origin: 'http://localhost:3000' }), true);
    assert.equal(cross({ origin: 'null' }), true);
    const elsewhere = (headers: Record<string, string>) => security.openedElsewhere(fakeReq({ method: 'POST', headers }));
    assert.equal(elsewhere({ 'sec-fetch-site': 'same-origin', origin: 'http://localhost:3000' }), true, 'opened at localhost');
    assert.equal(elsewhere({ 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.1:3000' }), false);
    assert.equal(elsewhere({ 'sec-fetch-site': 'cross-site', origin: 'http://localhost:3000' }), false);
  });

  it('knows whose order it is by the hash of the browser id', () => {
    const a = security.identify(fakeReq(), fakeRes().res);
    const b = security.identify(fakeReq(), fakeRes().res);
    assert.equal(security.owns(a, { buyer_key: buyerKey(a.browserId) }), true);
    assert.equal(security.owns(b, { buyer_key: buyerKey(a.browserId) }), false);
    assert.equal(security.owns(a, { buyer_key: null }), false, 'orders from before buyer_key belong to nobody');
  });

  it('reads the first cookie of a name, ignoring look-alikes', () => {
    const req = fakeReq({ cookie: 'xshop_buyer=1; shop_buyer = 2 ;shop_buyer=3' });
    assert.equal(readCookie(req, 'shop_buyer'), '2');
    assert.equal(readCookie(fakeReq(), 'shop_buyer'), undefined);
  });

  it('checks SHOP_ADMIN_PASSWORD and SHOP_PUBLIC_URL, naming the variable', () => {
    assert.equal(checkAdminPassword(undefined), undefined);
    assert.equal(checkAdminPassword(''), undefined);
    assert.equal(checkAdminPassword('비밀번호는열두글자입니다요'), '비밀번호는열두글자입니다요');
    assert.throws(() => checkAdminPassword('열한글자비밀번호입니다'), { message: /^SHOP_ADMIN_PASSWORD: 11 characters is too short/ });
    assert.equal(publicOrigin('https://shop.example.com/'), 'https://shop.example.com');
    assert.throws(() => publicOrigin('shop.example.com'), { message: 'SHOP_PUBLIC_URL: "shop.example.com" is not a URL; give the shop\'s address as buyers reach it, e.g. https://shop.example.com' });
    assert.throws(() => publicOrigin('ftp://shop.example.com'), { message: /^SHOP_PUBLIC_URL: "ftp:\/\/shop.example.com" must start with https:\/\// });
    assert.throws(() => publicOrigin('https://shop.example.com/?a=1'), { message: /must be an origin only/ });
  });
});
