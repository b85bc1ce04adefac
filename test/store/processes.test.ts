/**
 * Several processes on one store, on every engine: the same order paid from two processes at once gives one approval
 * (also when a dead worker's leftovers hold the order), and the same noti_id delivered to two processes at once is
 * processed once and answered 0000 by both.
 *
 * Nothing here waits for time to pass: each child says `ready` once loaded, both are let go with one `go`, and the
 * winner is held inside its critical section (holding the order after pp_cli answered, the notification handler) until the other
 * process has been seen refused by the store — so each test proves the two overlapped instead of assuming it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ENGINES } from '../helpers/databases.js';
import { shopOnEngine, startChild, type RunningChild } from '../helpers/shop-processes.js';

/** The pid of a process that has ended (for a dead owner's leftovers). */
function deadPid(): number {
  const r = spawnSync('/bin/sh', ['-c', 'echo $$']);
  return Number(r.stdout.toString().trim());
}

/** Waits until every child said `ready`, then lets them all go at once. */
async function startTogether(kids: RunningChild[]): Promise<void> {
  await Promise.all(kids.map((c) => c.line((l) => l === 'ready')));
  for (const c of kids) c.send('go');
}

for (const engine of ENGINES) {
  describe(`several processes on one ${engine} store`, function () {
    this.timeout(60_000);
    const env = shopOnEngine(engine);

    async function race(order: string): Promise<string[]> {
      const job = { mode: 'pay' as const, conf: env.conf, store: env.db.location, orders: [{ id: order, amount: 1000 }], gate: true, holdRun: true };
      const kids = [startChild(job), startChild(job)];
      await startTogether(kids);
      // One of them takes the order, has pp_cli's approval and stays there; the other must be refused meanwhile.
      const inside = await Promise.any(kids.map((c, i) => c.line((l) => l === `held ${order}`).then(() => i)));
      const other = kids[1 - inside]!;
      const refused = await other.line((l) => l.startsWith(`done ${order} `));
      assert.equal(refused, `done ${order} duplicate_order`, 'the second process was refused while the first held the order');
      assert.equal(kids[inside]!.lines.some((l) => l.startsWith('done ')), false, 'the first is still inside (overlap observed)');
      kids[inside]!.send('release');
      const results = await Promise.all(kids.map((c) => c.exited));
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      return kids.map((c) => c.lines.find((l) => l.startsWith('done '))!.split(' ')[2]!).sort();
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
      const job = { mode: 'notify' as const, store: env.db.location, notiId: `NOTI-${engine}-1`, gate: true, holdHandler: true };
      const kids = [startChild(job), startChild(job)];
      await startTogether(kids);
      const inside = await Promise.any(kids.map((c, i) => c.line((l) => l === 'handler').then(() => i)));
      // The other process tried to claim the id while the handler ran, and was refused.
      await kids[1 - inside]!.line((l) => l === 'claim refused');
      assert.equal(kids[inside]!.lines.some((l) => l.startsWith('answer ')), false, 'the handler is still running (overlap observed)');
      kids[inside]!.send('release');
      const results = await Promise.all(kids.map((c) => c.exited));
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      const lines = kids.flatMap((c) => c.lines);
      assert.equal(lines.filter((l) => l === 'handler').length, 1, lines.join('\n'));
      assert.deepEqual(lines.filter((l) => l.startsWith('answer ')).sort(), ['answer 0000 duplicate', 'answer 0000 processed']);
    });
  });
}
