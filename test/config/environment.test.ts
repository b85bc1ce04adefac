import assert from 'node:assert/strict';
import { gatewayEnvironment, isLoopbackHost, jsUrlEnvironment, siteCdEnvironment } from '../../lib/config/index.js';

describe('TEST/REAL classification', () => {
  it('reads T-prefixed site codes as TEST', () => {
    assert.equal(siteCdEnvironment('T0000'), 'TEST');
    assert.equal(siteCdEnvironment('T0007'), 'TEST');
    assert.equal(siteCdEnvironment('A52Q7'), 'REAL');
    assert.equal(siteCdEnvironment('SR123'), 'REAL');
  });

  it('reads gateway hosts', () => {
    assert.deepEqual(gatewayEnvironment('testpaygw.kcp.co.kr'), { env: 'TEST', local: false });
    assert.deepEqual(gatewayEnvironment('TESTPAYGW.KCP.CO.KR'), { env: 'TEST', local: false });
    assert.deepEqual(gatewayEnvironment('203.238.36.58'), { env: 'TEST', local: false });
    assert.deepEqual(gatewayEnvironment('paygw.kcp.co.kr'), { env: 'REAL', local: false });
    for (const ip of ['203.238.36.136', '203.238.36.139', '203.238.36.173', '203.238.36.178']) {
      assert.deepEqual(gatewayEnvironment(ip), { env: 'REAL', local: false });
    }
    for (const host of ['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]']) {
      assert.deepEqual(gatewayEnvironment(host), { env: 'TEST', local: true }, host);
    }
    assert.equal(gatewayEnvironment('mypaygw.kcp.co.kr'), undefined);
    assert.equal(gatewayEnvironment('10.0.0.5'), undefined);
  });

  it('reads payment-window JS URLs and the window they open', () => {
    const plugin = (env: string, local: boolean, charset?: string) => ({ env, local, window: 'plugin', ...(charset ? { charset } : {}) });
    assert.deepEqual(jsUrlEnvironment('https://pay.kcp.co.kr/plugin/payplus_test.js'), plugin('TEST', false, 'euc-kr'));
    assert.deepEqual(jsUrlEnvironment('http://pay.kcp.co.kr/plugin/payplus_test_un.js'), plugin('TEST', false, 'utf-8'));
    assert.deepEqual(jsUrlEnvironment('https://pay.kcp.co.kr/plugin/payplus.js'), plugin('REAL', false, 'euc-kr'));
    assert.deepEqual(jsUrlEnvironment('https://pay.kcp.co.kr/plugin/payplus_un.js'), plugin('REAL', false, 'utf-8'));
    assert.deepEqual(jsUrlEnvironment('http://127.0.0.1:40123/plugin/payplus.js'), plugin('TEST', true));
    assert.deepEqual(jsUrlEnvironment('http://[::1]:40123/w.js'), plugin('TEST', true));
    assert.equal(jsUrlEnvironment('https://pay.kcp.co.kr.evil.example/plugin/payplus.js'), undefined);
    assert.equal(jsUrlEnvironment('file:///plugin/payplus.js'), undefined);
    assert.equal(jsUrlEnvironment('payplus.js'), undefined);
  });

  it('reads the standard-web script: one file name, the host says TEST or REAL', () => {
    const web = (env: string, local: boolean) => ({ env, local, window: 'standard-web' });
    assert.deepEqual(jsUrlEnvironment('https://testpay.kcp.co.kr/plugin/payplus_web.jsp'), web('TEST', false));
    assert.deepEqual(jsUrlEnvironment('https://pay.kcp.co.kr/plugin/payplus_web.jsp'), web('REAL', false));
    assert.deepEqual(jsUrlEnvironment('https://TESTPAY.KCP.CO.KR/plugin/payplus_web.jsp'), web('TEST', false));
    assert.deepEqual(jsUrlEnvironment('http://127.0.0.1:40123/plugin/payplus_web.jsp'), web('TEST', true));
    // Only KCP's two hosts serve it: anything else on kcp.co.kr or elsewhere cannot be placed.
    assert.equal(jsUrlEnvironment('https://testpay.kcp.co.kr.evil.example/plugin/payplus_web.jsp'), undefined);
    assert.equal(jsUrlEnvironment('https://smpay.kcp.co.kr/plugin/payplus_web.jsp'), undefined);
    assert.equal(jsUrlEnvironment('https://testpay.kcp.co.kr/plugin/payplus_web.js'), undefined);
  });

  it('knows loopback hosts', () => {
    assert.equal(isLoopbackHost('127.0.0.1'), true);
    assert.equal(isLoopbackHost('LOCALHOST'), true);
    assert.equal(isLoopbackHost('128.0.0.1'), false);
    assert.equal(isLoopbackHost('localhost.example.com'), false);
  });
});
