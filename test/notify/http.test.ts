import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { clientIp } from '../../lib/http/request.js';
import {
  commonReturnHandler,
  expressCommonReturn,
  type CommonReturnHandlerOptions,
  type KcpNotification,
} from '../../lib/notify/index.js';

const OK = '<html><body><form><input type="hidden" name="result" value="0000"></form></body></html>';
const RETRY = '<html><body><form><input type="hidden" name="result" value="9999"></form></body></html>';
const EUC_KR_BODY = readFileSync(fileURLToPath(new URL('../fixtures/notify/tx00-euckr.form', import.meta.url)));

interface Reply {
  status: number;
  body: string;
  contentType: string | undefined;
}

async function listen(listener: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function post(port: number, body: Buffer | string, headers: Record<string, string> = {}, method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/common_return', method, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8'), contentType: res.headers['content-type'] }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('commonReturnHandler()', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await close(server);
    server = undefined;
  });

  async function start(options: Partial<CommonReturnHandlerOptions> & Pick<CommonReturnHandlerOptions, 'handler'>): Promise<number> {
    const started = await listen(commonReturnHandler({ env: 'TEST', allowLocal: true, ...options }));
    server = started.server;
    return started.port;
  }

  it('parses an EUC-KR notification, runs the handler and answers 0000', async () => {
    const seen: KcpNotification[] = [];
    const port = await start({ handler: (n) => void seen.push(n) });
    const reply = await post(port, EUC_KR_BODY, { 'Content-Type': 'application/x-www-form-urlencoded; charset=euc-kr' });
    assert.deepEqual(reply, { status: 200, body: OK, contentType: 'text/html; charset=euc-kr' });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.kind, 'deposit');
    assert.equal(seen[0]!.raw.ipgm_name, '홍길동');
    assert.equal(seen[0]!.remoteIp, '127.0.0.1');
  });

  it('refuses a sender that is not allowed with 403 and never calls the handler', async () => {
    let calls = 0;
    const port = await start({ allowLocal: false, handler: () => void (calls += 1) });
    const reply = await post(port, EUC_KR_BODY);
    assert.equal(reply.status, 403);
    assert.equal(reply.body, 'Forbidden');
    assert.equal(calls, 0);
  });

  it('processes the same noti_id posted 10 times concurrently once', async () => {
    let calls = 0;
    const port = await start({
      handler: async () => {
        calls += 1;
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    const replies = await Promise.all(Array.from({ length: 10 }, () => post(port, EUC_KR_BODY)));
    assert.equal(calls, 1);
    assert.ok(replies.every((r) => r.status === 200 && r.body === OK));
  });

  it('answers 9999 with 500 when the handler fails', async () => {
    const port = await start({
      handler: () => {
        throw new Error('db down');
      },
    });
    assert.deepEqual(await post(port, EUC_KR_BODY), { status: 500, body: RETRY, contentType: 'text/html; charset=euc-kr' });
  });

  it('answers 9999 with 400 for a body that is not a notification, and refuses other methods', async () => {
    let calls = 0;
    const port = await start({ handler: () => void (calls += 1) });
    assert.deepEqual(await post(port, 'hello=world'), { status: 400, body: RETRY, contentType: 'text/html; charset=euc-kr' });
    const get = await post(port, '', {}, 'GET');
    assert.equal(get.status, 405);
    assert.equal(calls, 0);
  });

  it('refuses an oversized body with 413', async () => {
    const port = await start({ maxBodyBytes: 100, handler: () => undefined });
    const reply = await post(port, EUC_KR_BODY);
    assert.equal(reply.status, 413);
  });

  it('believes X-Forwarded-For only through a trusted proxy', async () => {
    let calls = 0;
    const port = await start({ allowLocal: false, trustProxy: ['127.0.0.1'], handler: () => void (calls += 1) });
    assert.equal((await post(port, EUC_KR_BODY, { 'X-Forwarded-For': '203.238.36.58' })).status, 200);
    assert.equal((await post(port, EUC_KR_BODY, { 'X-Forwarded-For': '203.238.36.58, 198.51.100.7' })).status, 403);
    assert.equal(calls, 1);
  });
});

describe('clientIp()', () => {
  const req = (remoteAddress: string, xff?: string | string[]): IncomingMessage =>
    ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

  it('uses the socket address unless the peer is a trusted proxy', () => {
    assert.equal(clientIp(req('::ffff:198.51.100.7', '203.238.36.58')), '198.51.100.7');
    assert.equal(clientIp(req('10.0.0.2', '203.238.36.58'), ['10.0.0.1']), '10.0.0.2');
  });

  it('takes the right-most untrusted hop', () => {
    const proxies = ['10.0.0.1', '10.0.0.2'];
    assert.equal(clientIp(req('10.0.0.1', '1.1.1.1, 203.238.36.173, 10.0.0.2'), proxies), '203.238.36.173');
    assert.equal(clientIp(req('::ffff:10.0.0.1', ['203.238.36.58', '10.0.0.2']), proxies), '203.238.36.58');
    assert.equal(clientIp(req('10.0.0.1', '10.0.0.2'), proxies), '10.0.0.2');
    assert.equal(clientIp(req('10.0.0.1'), proxies), '10.0.0.1');
  });
});

describe('expressCommonReturn()', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await close(server);
    server = undefined;
  });

  it('works as Express middleware reading the raw body', async () => {
    const seen: KcpNotification[] = [];
    const app = express();
    app.post('/common_return', expressCommonReturn({ env: 'TEST', allowLocal: true, handler: (n) => void seen.push(n) }));
    const started = await listen(app);
    server = started.server;
    assert.deepEqual(await post(started.port, EUC_KR_BODY), { status: 200, body: OK, contentType: 'text/html; charset=euc-kr' });
    assert.equal(seen[0]!.raw.remitter, '홍길동');
  });

  it('accepts a body already read by express.raw()', async () => {
    const seen: KcpNotification[] = [];
    const app = express();
    app.post(
      '/common_return',
      express.raw({ type: '*/*' }),
      expressCommonReturn({ env: 'TEST', allowLocal: true, handler: (n) => void seen.push(n) }),
    );
    const started = await listen(app);
    server = started.server;
    assert.equal((await post(started.port, EUC_KR_BODY)).body, OK);
    assert.equal(seen[0]!.raw.ipgm_name, '홍길동');
    assert.equal(seen[0]!.charset, 'euc-kr');
  });
});
