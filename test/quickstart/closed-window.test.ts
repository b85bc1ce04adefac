/**
 * What the README's quick start says about a closed window is what its adapter does: the plug-in posts KCP's
 * res_cd=3001 with no tran_cd, and expressPpAxHub / ppAxHubHandler answer `refused` (9562) before anything is sent,
 * with the posted res_cd kept in `form` — the quick start's redirect then reads `?status=refused`.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PayPlus, SiteConf, ppAxHubHandler, silentLogger } from '../../lib/index.js';
import { MemoryStore } from '../../lib/store/memory.js';

describe("README quick start: a closed window, as expressPpAxHub answers it", () => {
  it('is refused with 9562, the form keeps res_cd 3001, and the README says so', async () => {
    const conf = SiteConf.testPreset({ homeDir: '/nonexistent/kcp', gwUrl: '127.0.0.1', gwPort: '8090', jsUrl: 'http://127.0.0.1:8090/plugin/payplus_test_un.js' });
    const payplus = new PayPlus(conf, { logger: silentLogger, store: new MemoryStore() });
    const seen: Array<{ status: string; resCd?: string; formResCd?: string }> = [];
    const handler = ppAxHubHandler({
      payplus,
      findOrder: () => ({ amount: 1004 }),
      commit: () => undefined,
      respond: (res, result) => {
        seen.push({ status: result.status, resCd: 'error' in result ? result.error.resCd : undefined, formResCd: result.form.res_cd });
        res.writeHead(303, { Location: `/orders/${encodeURIComponent(result.form.ordr_idxx ?? '')}?status=${result.status}` });
        res.end();
      },
    });
    const server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/pp_ax_hub`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: `ordr_idxx=ORD-1&good_mny=1004&res_cd=3001&res_msg=${encodeURIComponent('사용자 취소')}&enc_data=&enc_info=&tran_cd=&trace_no=`,
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/orders/ORD-1?status=refused');
      assert.deepEqual(seen, [{ status: 'refused', resCd: '9562', formResCd: '3001' }]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await payplus.close();
    }
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    assert.ok(readme.includes('**A closed window is `refused` here**'));
    assert.ok(readme.includes('(`result.error.resCd` 9562, `result.form.res_cd` 3001)'));
  });
});
