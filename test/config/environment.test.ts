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

  it('reads payment-window JS URLs', () => {
    assert.deepEqual(jsUrlEnvironment('https://pay.kcp.co.kr/plugin/payplus_test.js'), { env: 'TEST', local: false });
    assert.deepEqual(jsUrlEnvironment('http://pay.kcp.co.kr/plugin/payplus_test_un.js'), { env: 'TEST', local: false });
    assert.deepEqual(jsUrlEnvironment('https://pay.kcp.co.kr/plugin/payplus.js'), { env: 'REAL', local: false });
    assert.deepEqual(jsUrlEnvironment('https://pay.kcp.co.kr/plugin/payplus_un.js'), { env: 'REAL', local: false });
    assert.deepEqual(jsUrlEnvironment('http://127.0.0.1:40123/plugin/payplus.js'), { env: 'TEST', local: true });
    assert.deepEqual(jsUrlEnvironment('http://[::1]:40123/w.js'), { env: 'TEST', local: true });
    assert.equal(jsUrlEnvironment('https://pay.kcp.co.kr.evil.example/plugin/payplus.js'), undefined);
    assert.equal(jsUrlEnvironment('https://pay.kcp.co.kr/plugin/payplus_web.jsp'), undefined);
    assert.equal(jsUrlEnvironment('file:///plugin/payplus.js'), undefined);
    assert.equal(jsUrlEnvironment('payplus.js'), undefined);
  });

  it('knows loopback hosts', () => {
    assert.equal(isLoopbackHost('127.0.0.1'), true);
    assert.equal(isLoopbackHost('LOCALHOST'), true);
    assert.equal(isLoopbackHost('128.0.0.1'), false);
    assert.equal(isLoopbackHost('localhost.example.com'), false);
  });
});
