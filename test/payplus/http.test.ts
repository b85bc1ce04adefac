/**
 * The pp_ax_hub node:http adapter: body in the page's charset (EUC-KR here), buyer IP through trusted proxies only,
 * the order's own amount, and what `respond` is told.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import iconv from 'iconv-lite';
import { MemoryStore } from '../../lib/store/memory.js';
import { ppAxHubHandler, type PpAxHubResult } from '../../lib/payplus/http.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { parseOptionString } from '../../lib/wire.js';
import type { LogEvent } from '../../lib/log/types.js';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { testConfData } from '../helpers/conf.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { waitFor } from '../helpers/wait.js';

const US = '\x1f';
const TNO = '20261126000077';
type Order = { id: string; amount: number; buyer: string };

/** Percent-encode every byte of an EUC-KR string, as a browser on an EUC-KR page does. */
function eucKrForm(fields: Record<string, string>): Buffer {
  const enc = (text: string) => [...iconv.encode(text, 'cp949')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return Buffer.from(Object.entries(fields).map(([k, v]) => `${k}=${enc(v)}`).join('&'));
}

describe('ppAxHubHandler (node:http)', () => {
  let server: http.Server;
  let url: string;
  const runner = new CannedRunner([
    `res_cd=0000${US}res_msg=ok${US}pay_method=PACA${US}tno=${TNO}${US}amount=5000${US}card_cd=CCSS\n`,
  ]);
  const results: Array<PpAxHubResult<Order, string>> = [];
  const committed: string[] = [];
  const orders = new Map<string, Order>([['HUB-1', { id: 'HUB-1', amount: 5000, buyer: '' }]]);
  const logged: string[] = [];

  before(async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'kcp-hub-'));
    const logger = { log: (e: LogEvent) => void logged.push(`${e.level}:${e.event}:${String(e.fields?.message ?? '')}`) };
    const payplus = new PayPlus(testConfData({ logDir }), { runner, logger, store: new MemoryStore() });
    const handler = ppAxHubHandler<Order, string>({
      payplus,
      trustProxy: ['127.0.0.1'],
      findOrder: (id) => {
        if (id === 'BOOM') throw new TypeError('orders table is missing');
        return orders.get(id);
      },
      commit: (approval, order) => {
        committed.push(`${order.id}:${approval.tno}`);
        return 'ok';
      },
      respond: (res, result) => {
        results.push(result);
        res.writeHead(200, { 'content-type': 'text/plain' }).end(result.status);
      },
    });
    server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pp_ax_hub`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const post = (body: Buffer, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } }).then((r) => r.text());

  it('refuses a tampered amount before the gateway and tells respond why', async () => {
    const text = await post(eucKrForm({ ordr_idxx: 'HUB-1', tran_cd: '00100000', enc_data: 'E', enc_info: 'I', good_mny: '50', buyr_name: '홍길동' }));
    assert.equal(text, 'refused');
    const result = results.at(-1)!;
    assert.equal(result.status === 'refused' && result.error.code, 'amount_mismatch');
    assert.equal(result.status === 'refused' && result.form.buyr_name, '홍길동');
    assert.equal(runner.calls.length, 0);
  });

  it('approves with the order amount and the buyer IP from the trusted proxy', async () => {
    const text = await post(
      eucKrForm({ ordr_idxx: 'HUB-1', tran_cd: '00100000', enc_data: 'E', enc_info: 'I', good_mny: '5000', use_pay_method: '100000000000' }),
      { 'x-forwarded-for': '198.51.100.9, 203.0.113.5' },
    );
    assert.equal(text, 'approved');
    assert.deepEqual(committed, [`HUB-1:${TNO}`]);
    const opts = parseOptionString(runner.optionBytes(0));
    assert.equal(opts.get('cust_ip')!.toString(), '203.0.113.5');
    assert.equal(opts.get('ordr_data')!.toString('latin1'), `ordr_data=ordr_mony=5000${US}pay_type=PACA${US}ordr_no=HUB-1${US}`);
  });

  it('says unknown_order for an order it cannot find, and 405 for GET', async () => {
    assert.equal(await post(eucKrForm({ ordr_idxx: 'NOPE', tran_cd: '00100000' })), 'unknown_order');
    const res = await fetch(url);
    assert.equal(res.status, 405);
    assert.equal(runner.calls.length, 1);
  });

  it('a throwing findOrder answers 500 and is logged at level 0; the process goes on', async () => {
    const res = await fetch(url, { method: 'POST', body: 'ordr_idxx=BOOM&tran_cd=00100000', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.status, 500);
    assert.equal(await res.text(), 'Internal Server Error');
    assert.ok(logged.includes('0:pp_ax_hub.failed:request failed: orders table is missing'), logged.join('\n'));
  });

  it('a client that aborts mid-body never becomes an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const port = Number(new URL(url).port);
      await new Promise<void>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          // the kernel delivers what was written, then the end: the server reads a cut body
          socket.write('POST /pp_ax_hub HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nordr_idxx=HUB', () => socket.destroy());
        });
        socket.on('close', () => resolve());
      });
      await waitFor(() => logged.some((l) => l.startsWith('0:pp_ax_hub.failed:request failed:')), 'the failed request to be logged');
      await new Promise((r) => setImmediate(r)); // a rejection would be reported by now
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
