/**
 * A person's step for an attempt left unknown without a tno (docs/kcp-rest-api.md §10): the tno they found in KCP's
 * admin (PayPlus#settleWithTno, `kcp-payplus recover --attempt --tno`). Against the simulator's PG-API, on SQLite:
 * - the money is at KCP, the attempt is unknown without a tno and recover() cannot settle it;
 * - another order's tno is refused (KcpInputError on tno), nothing changed, KCP's transaction untouched;
 * - the right tno is checked by KCP's inquiry, written by compare-and-set and settled as usual: cancelled (not
 *   committed), or kept by onUncommitted; through the CLI: exit 0 when settled, 1 refused, 2 usage;
 * - on pp_cli (no inquiry) it is refused without the person's statement of order and amount, or with a wrong one.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KcpInputError } from '../../lib/errors.js';
import { RestGateway, type BatchKey } from '../../lib/gateway/index.js';
import { PayPlus, SiteConf, silentLogger, type PaymentEvent } from '../../lib/index.js';
import { currentOwner } from '../../lib/store/owner.js';
import { openStore } from '../../lib/store/open.js';
import type { PaymentStore } from '../../lib/store/types.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { runCli } from '../helpers/cli.js';
import { testConfData } from '../helpers/conf.js';
import { restSiteConf, startRestPair, type RestPair } from '../helpers/rest-conf.js';
import { seeded } from '../helpers/seed.js';

const GROUP = 'BA0011000348';

describe("a person settles an unknown attempt with the tno from KCP's admin", function () {
  this.timeout(300_000);
  let pair: RestPair;
  let home: string;
  let conf: SiteConf;
  let store: PaymentStore;
  let storeFile: string;
  let key: BatchKey;
  const random = seeded('settle-tno');

  const gateway = () => new RestGateway({ siteCd: 'T0000', credentials: pair.credentials, baseUrl: pair.rest.url, ca: pair.rest.caPem });
  const payplus = (options: ConstructorParameters<typeof PayPlus>[1] = {}) => new PayPlus(conf, { logger: silentLogger, store, gateway: gateway(), ...options });
  const ledger = (order: string) => [...pair.sim.gateway.transactions.values()].filter((t) => t.ordrIdxx === order);

  /** KCP charged the order (money moved), and the worker died before recording anything: unknown, no tno. */
  async function lostCharge(amount = 9900, recorded = amount): Promise<{ id: string; order: string; tno: string }> {
    const order = `SETTLE${random.int(1e9)}`;
    const approval = await gateway().chargeBatchKey({ batchKey: key.batchKey, groupId: GROUP, orderId: order, amount, goodName: '월 구독' });
    const me = currentOwner();
    const dead = { host: me.host, pid: 2 ** 22 + 17, start: me.start.replace(/[^:]+$/, '1') };
    const id = `dead-${order}`;
    assert.ok((await store.begin({ id, ordrIdxx: order, amount: String(recorded), owner: dead, leaseUntil: 0, commitMode: 'store', durableOutput: false })).ok);
    assert.ok(await store.update(id, ['started'], { state: 'unknown', note: 'no tno (test)' }));
    return { id, order, tno: approval.tno };
  }

  before(async () => {
    pair = await startRestPair();
    home = mkdtempSync(path.join(os.tmpdir(), 'kcp-settle-'));
    conf = restSiteConf(home, pair.sim, pair.rest);
    mkdirSync(conf.logDir, { recursive: true });
    storeFile = path.join(home, 'payplus.sqlite');
    store = await openStore(`sqlite:${storeFile}`);
    const win = pair.rest.batchWindow({ siteCd: 'T0000', groupId: GROUP });
    key = await payplus().billing.issueKey({ encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd });
  });
  after(async () => {
    await store?.close();
    await pair?.close();
  });

  it('recover() alone leaves it unknown; the right tno (checked by KCP) cancels the uncommitted charge', async () => {
    const lost = await lostCharge();
    const report = await payplus().recover();
    assert.match(report.unknown.find((r) => r.id === lost.id)?.why ?? '', /no tno/);
    const events: PaymentEvent[] = [];
    const result = await payplus({ onEvent: (e) => void events.push(e) }).settleWithTno(lost.id, lost.tno);
    assert.deepEqual(result, { kind: 'cancelled' });
    const recovered = events.filter((e) => e.type === 'recovered');
    assert.deepEqual(recovered.map((e) => [e.ordrIdxx, e.fields.result, e.fields.tno, e.fields.tnoFrom]), [[lost.order, 'cancelled', lost.tno, 'person']]);
    const after = await store.get(lost.id);
    assert.deepEqual([after?.state, after?.tno, after?.method], ['cancelled', lost.tno, 'card']);
    assert.match(after?.note ?? '', new RegExp(`^tno given by a person \\(host \\S+ at [^)]+\\); KCP's inquiry confirmed order ${lost.order} and amount 9900; answer read from the KCP inquiry$`));
    assert.equal(ledger(lost.order)[0]?.state, 'cancelled');
    assert.ok(pair.rest.requests.some((r) => r.path === '/std/inquery' && r.fields.tno === lost.tno));
  });

  it("another order's tno is refused with nothing changed; the right one is kept when onUncommitted says so", async () => {
    const lost = await lostCharge(9800);
    const other = await lostCharge(9800);
    const before = await store.get(lost.id);
    await assert.rejects(
      payplus().settleWithTno(lost.id, other.tno),
      (e: unknown) => e instanceof KcpInputError && e.field === 'tno' && e.message.includes(`is order ${other.order}`) && e.message.includes(lost.order),
    );
    assert.deepEqual(await store.get(lost.id), before);
    assert.equal(ledger(other.order)[0]?.state, 'approved');
    // This order's tno, but KCP charged another amount than the store's: refused as well.
    const odd = await lostCharge(9801, 9800);
    await assert.rejects(payplus().settleWithTno(odd.id, odd.tno), (e: unknown) => e instanceof KcpInputError && e.field === 'tno' && e.message.includes(`of 9801, not this attempt's order ${odd.order} of 9800`));
    assert.equal((await store.get(odd.id))?.tno, undefined);
    await assert.rejects(payplus().settleWithTno(lost.id, '123'), (e: unknown) => e instanceof KcpInputError && e.field === 'tno');
    const result = await payplus().settleWithTno(lost.id, lost.tno, { onUncommitted: () => 'keep' });
    assert.deepEqual(result, { kind: 'kept' });
    assert.deepEqual([(await store.get(lost.id))?.state, ledger(lost.order)[0]?.state], ['kept', 'approved']);
    await assert.rejects(payplus().settleWithTno(lost.id, lost.tno), (e: unknown) => e instanceof KcpInputError && e.field === 'attemptId' && /is kept/.test(e.message));
  });

  it('through the CLI: 2 on usage, 1 on a refused tno (nothing changed), 0 once settled', async () => {
    const cfg = path.join(home, 'site_conf_inc.json');
    writeFileSync(cfg, JSON.stringify(conf.toFile()));
    const lost = await lostCharge(9700);
    const other = await lostCharge(9700);
    const base = ['recover', '--config', cfg, '--store', `sqlite:${storeFile}`];
    const listed = await runCli(base);
    assert.equal(listed.code, 1, listed.err);
    assert.match(listed.out, new RegExp(`^UNKNOWN +ordr_idxx=${lost.order} tno=- id=${lost.id} .*check KCP's admin; found its tno there\\? kcp-payplus recover --attempt ${lost.id} --tno <tno>`, 'm'));
    const usage = await runCli([...base, '--attempt', lost.id]);
    assert.equal(usage.code, 2, usage.err);
    assert.match(usage.err, /--attempt <id> and --tno <tno> go together/);
    const wrong = await runCli([...base, '--attempt', lost.id, '--tno', other.tno]);
    assert.equal(wrong.code, 1, wrong.out + wrong.err);
    assert.match(wrong.err, new RegExp(`tno: KCP's inquiry says tno ${other.tno} is order ${other.order}`));
    assert.equal((await store.get(lost.id))?.state, 'unknown');
    const right = await runCli([...base, '--attempt', lost.id, '--tno', lost.tno]);
    assert.equal(right.code, 0, right.out + right.err);
    assert.match(right.out, new RegExp(`^cancelled id=${lost.id} tno=${lost.tno}$`, 'm'));
    assert.equal(ledger(lost.order)[0]?.state, 'cancelled');
  });

  it('on pp_cli (no inquiry) it is refused without the order and amount the person saw, or with the wrong ones', async () => {
    const ppcli = new PayPlus(SiteConf.testPreset({ homeDir: mkdtempSync(path.join(os.tmpdir(), 'kcp-settle-pp-')) }), { logger: silentLogger, store });
    const lost = await lostCharge(9600);
    const before = await store.get(lost.id);
    await assert.rejects(ppcli.settleWithTno(lost.id, lost.tno), (e: unknown) => e instanceof KcpInputError && e.field === 'confirmOrder' && /cannot ask KCP/.test(e.message));
    await assert.rejects(
      ppcli.settleWithTno(lost.id, lost.tno, { confirmOrder: { orderId: lost.order, amount: 9601 } }),
      (e: unknown) => e instanceof KcpInputError && e.field === 'confirmOrder' && /another order/.test(e.message),
    );
    assert.deepEqual(await store.get(lost.id), before);
  });

  it("on pp_cli, with the person's order and amount: recorded in the note, then the uncommitted charge is cancelled by its tno", async () => {
    const runner = new CannedRunner(['res_cd=0000\x1fres_msg=ok\n']);
    const ppcli = new PayPlus(testConfData({ logDir: mkdtempSync(path.join(os.tmpdir(), 'kcp-settle-pp-')) }), { logger: silentLogger, runner, store });
    const lost = await lostCharge(9500);
    const result = await ppcli.settleWithTno(lost.id, lost.tno, { confirmOrder: { orderId: lost.order, amount: '9500' } });
    assert.deepEqual(result, { kind: 'cancelled' });
    const after = await store.get(lost.id);
    assert.deepEqual([after?.state, after?.tno, after?.approvedAmount], ['cancelled', lost.tno, '9500']);
    assert.match(after?.note ?? '', new RegExp(`^tno given by a person \\(host \\S+ at \\d{4}-\\d\\d-\\d\\dT[^)]+\\), who stated order ${lost.order} and amount 9500 from KCP's admin \\(pp_cli cannot ask KCP\\)$`));
    assert.equal(runner.calls.length, 1, 'one cancel, nothing else sent');
    assert.match(runner.optionBytes(0).toString('latin1'), new RegExp(`tno=${lost.tno}`));
  });
});
