/**
 * The framework-neutral pieces, from the package root, composed into a plain node:http server the way a Fastify, Koa
 * or Nest user composes them: a window's post read from the request or from bytes, a notification parsed, its answer.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { notificationAnswer, parseNotification, readWindowReturn, type DepositNotification } from '../../lib/index.js';

/** Percent-encode every byte of an EUC-KR string, as a browser on an EUC-KR page does. */
function eucKrForm(fields: Record<string, string>): Buffer {
  const enc = (text: string) => [...iconv.encode(text, 'cp949')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return Buffer.from(Object.entries(fields).map(([k, v]) => `${k}=${enc(v)}`).join('&'));
}

const FORM = 'application/x-www-form-urlencoded';

describe('framework-neutral pieces (package root)', () => {
  it('readWindowReturn reads bytes in the charset the Content-Type names, and says how the window ended', async () => {
    const closed = await readWindowReturn(eucKrForm({ ordr_idxx: 'N-1', res_cd: '3001', res_msg: '사용자 취소', buyr_name: '홍길동' }), {
      contentType: `${FORM}; charset=euc-kr`,
    });
    assert.deepEqual(closed, {
      form: { ordr_idxx: 'N-1', res_cd: '3001', res_msg: '사용자 취소', buyr_name: '홍길동' },
      charset: 'euc-kr',
      window: { status: 'user_cancelled', resCd: '3001', resMsg: '사용자 취소' },
    });
    const done = await readWindowReturn('ordr_idxx=N-2&res_cd=0000&enc_data=E%2B');
    assert.deepEqual(done, { form: { ordr_idxx: 'N-2', res_cd: '0000', enc_data: 'E+' }, charset: 'utf-8', window: { status: 'completed' } });
    await assert.rejects(readWindowReturn('a=1', { contentType: `${FORM}; charset=shift_jis` }), {
      name: 'KcpInputError',
      message: 'Form body charset "shift_jis" is not supported; KCP sends EUC-KR or UTF-8.',
    });
  });

  describe('on a plain node:http server', () => {
    let server: http.Server;
    let base: string;
    before(async () => {
      server = http.createServer((req, res) => {
        const answer = (status: number, body: string, headers: http.OutgoingHttpHeaders = {}) => res.writeHead(status, headers).end(body);
        if (req.url === '/pp_ax_hub') {
          readWindowReturn(req, { maxBodyBytes: 200 }).then(
            (read) => answer(200, JSON.stringify(read), { 'content-type': 'application/json' }),
            (err: Error & { status?: number }) => answer(err.status ?? 400, err.message, { connection: 'close' }),
          );
          return;
        }
        let body = Buffer.alloc(0);
        req.on('data', (chunk: Buffer) => (body = Buffer.concat([body, chunk])));
        req.on('end', () => {
          try {
            const notice = parseNotification(body, { remoteIp: req.socket.remoteAddress ?? '', env: 'TEST', allowLocal: true, contentType: req.headers['content-type'] });
            answer(200, `${notice.txCd}:${notice.kind}:${(notice as DepositNotification).amount}\n${notificationAnswer(true)}`);
          } catch (err) {
            answer(403, (err as Error).message);
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('readWindowReturn(req) reads the request within its limits; over them it rejects with status 413', async () => {
      const body = eucKrForm({ ordr_idxx: 'N-3', res_cd: '0000', buyr_name: '김철수' });
      const ok = await fetch(`${base}/pp_ax_hub`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': FORM } });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { form: { ordr_idxx: 'N-3', res_cd: '0000', buyr_name: '김철수' }, charset: 'euc-kr', window: { status: 'completed' } });
      const big = await fetch(`${base}/pp_ax_hub`, { method: 'POST', body: 'a='.padEnd(201, 'x'), headers: { 'content-type': FORM } });
      assert.equal(big.status, 413);
      assert.equal(await big.text(), 'body exceeds 200 bytes');
    });

    it('parseNotification types a notification from bytes; notificationAnswer builds the page KCP reads', async () => {
      const fixture = readFileSync(fileURLToPath(new URL('../fixtures/notify/tx00-euckr.form', import.meta.url)));
      const res = await fetch(`${base}/common_return`, { method: 'POST', body: new Uint8Array(fixture), headers: { 'content-type': `${FORM}; charset=euc-kr` } });
      assert.equal(res.status, 200);
      const [summary, page] = (await res.text()).split('\n');
      assert.equal(summary, 'TX00:deposit:1004');
      assert.equal(page, '<html><body><form><input type="hidden" name="result" value="0000"></form></body></html>');
      assert.equal(notificationAnswer(false), '<html><body><form><input type="hidden" name="result" value="9999"></form></body></html>');
    });
  });
});
