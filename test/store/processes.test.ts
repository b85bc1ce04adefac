/**
 * Several processes on one env.store, on every engine: the same order paid from two processes at once gives one approval
 * (also when a dead worker's leftovers hold the order), and the same noti_id delivered to two processes at once is
 * processed once and answered 0000 by both.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENGINES } from '../helpers/databases.js';
import { childConf, shopOnEngine, startChild } from '../helpers/shop-processes.js';

/** The pid of a process that has ended (for a dead owner's leftovers). */
function deadPid(): number {
  const r = spawnSync('/bin/sh', ['-c', 'echo $$']);
  return Number(r.stdout.toString().trim());
}

for (const engine of ENGINES) {
  describe(`several processes on one ${engine} store`, function () {
    this.timeout(60_000);
    const env = shopOnEngine(engine);

    async function race(order: string): Promise<string[]> {
      const flag = path.join(env.home.dir, `go-${order}`);
      const job = (n: number) => ({
        mode: 'pay' as const,
        conf: childConf(env.home, env.sim),
        store: env.db.location,
        orders: [{ id: order, amount: 1000 + n * 0 }],
        startFlag: flag,
      });
      const children = [startChild(job(1)), startChild(job(2))];
      await new Promise((r) => setTimeout(r, 1500)); // both loaded and waiting at the flag
      writeFileSync(flag, '');
      const results = await Promise.all(children.map((c) => c.exited));
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      return children.map((c) => c.lines.find((l) => l.startsWith('done '))!.split(' ')[2]!).sort();
    }

    it('the same order paid from two processes at once: one approval', async () => {
      const statuses = await race(`TWO-${engine}`);
      assert.deepEqual(statuses, ['approved', 'duplicate_order']);
      const approvals = [...env.sim.gateway.transactions.values()].filter((t) => t.ordrIdxx === `TWO-${engine}`);
      assert.equal(approvals.length, 1);
      assert.deepEqual(await env.db.query(`SELECT tno FROM shop_orders WHERE ordr_idxx = 'TWO-${engine}'`), [{ tno: approvals[0]!.tno }]);
    });

    it("with a dead worker's leftovers on the order: they are settled, then one approval", async () => {
      const order = `LEFT-${engine}`;
      const begun = await env.store.begin({
        id: `left-${engine}`, ordrIdxx: order, amount: '1000',
        owner: await (async () => { const me = (await import('../../lib/store/owner.js')).currentOwner(); return { host: me.host, pid: deadPid(), start: me.start.replace(/[^:]+$/, '1') }; })(),
        leaseUntil: Date.now() + 600_000, commitMode: 'store', durableOutput: true,
        outputPath: path.join(env.home.logDir, 'payplus-answers', `left-${engine}.out`),
      });
      assert.equal(begun.ok, true);
      const statuses = await race(order);
      assert.deepEqual(statuses, ['approved', 'duplicate_order']);
      assert.equal((await env.store.get(`left-${engine}`))?.state, 'declined', 'the leftover never ran pp_cli');
      assert.equal([...env.sim.gateway.transactions.values()].filter((t) => t.ordrIdxx === order).length, 1);
    });

    it('the same noti_id to two processes at once: processed once, answered 0000 by both', async () => {
      const flag = path.join(env.home.dir, `noti-${engine}`);
      const job = { mode: 'notify' as const, store: env.db.location, notiId: `NOTI-${engine}-1`, startFlag: flag };
      const children = [startChild(job), startChild(job)];
      await new Promise((r) => setTimeout(r, 1500));
      writeFileSync(flag, '');
      const results = await Promise.all(children.map((c) => c.exited));
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      const lines = children.flatMap((c) => c.lines);
      assert.equal(lines.filter((l) => l === 'handler').length, 1, lines.join('\n'));
      assert.deepEqual(lines.filter((l) => l.startsWith('answer ')).sort(), ['answer 0000 duplicate', 'answer 0000 processed']);
    });
  });
}
