/**
 * REST answers that survive the worker (payplus.rest_durable_answers, docs/kcp-rest-api.md §10.2): the exchange child
 * (lib/gateway/rest/exchange.js run by durable.ts) sends exactly the request's bytes, writes KCP's answer to the answer
 * file, says "nothing was sent" on a refused connection and leaves a time-out after sending unknown; and a worker
 * killed with SIGKILL while its approval is at KCP leaves a child that finishes, whose answer recovery reads as proof.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KcpConnectionError, KcpOutcomeUnknownError } from '../../lib/errors.js';
import { RestGateway } from '../../lib/gateway/index.js';
import { EXCHANGE_SCRIPT, postJsonDurably } from '../../lib/gateway/rest/durable.js';
import { readAnswerLine } from '../../lib/gateway/rest/exchange.js';
import { DEFAULT_REST_HTTP } from '../../lib/gateway/rest/http.js';
import { silentLogger } from '../../lib/log/types.js';
import { answersDir } from '../../lib/payplus/module-answer.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { heldOpen } from '../../lib/runner/answer-file.js';
import { campaignSiteConf } from '../fixtures/campaign/conf.js';
import { closedPort, startRestPair, type RestPair } from '../helpers/rest-conf.js';
import { answerFilesHeld, shopOnEngine, startChild } from '../helpers/shop-processes.js';
import { waitFor } from '../helpers/wait.js';

/** The command lines of this process's running exchange children. */
function exchangeChildren(): string[][] {
  const out: string[][] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      // stat: "pid (comm) state ppid …"; comm may hold spaces, so count from the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.includes(EXCHANGE_SCRIPT)) out.push(argv);
    } catch {
      // gone
    }
  }
  return out;
}

describe('REST exchange child: the answer file', function () {
  this.timeout(60_000);
  let pair: RestPair;
  let server: https.Server;
  let url: URL;
  let mode: 'answer' | 'hold' = 'answer';
  const seen: Array<{ method: string; path: string; headers: IncomingHttpHeaders; body: Buffer; argv: string[][] }> = [];
  const held: Array<() => void> = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-durable-'));
  let n = 0;
  const file = () => path.join(dir, 'answers', `${++n}.out`);
  const http = () => ({ ...DEFAULT_REST_HTTP, ca: pair.rest.caPem });

  before(async () => {
    pair = await startRestPair();
    server = https.createServer({ key: pair.rest.pki.serverKeyPem, cert: pair.rest.pki.serverCertPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks), argv: exchangeChildren() });
        const answer = () => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end('{"res_cd":"0000","res_msg":"정상처리","tno":"20261203000001"}');
        };
        if (mode === 'hold') held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/gw/enc/v1/payment`);
  });
  after(async () => {
    for (const a of held.splice(0)) a();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await pair?.close();
  });

  it('sends exactly the body bytes, with the request only on stdin, and writes KCP\'s answer to the file', async () => {
    const body = '{"site_cd":"T0000","good_name":"한글 상품","ordr_mony":"1004"}';
    const answerFile = file();
    const fields = await postJsonDurably(url, body, http(), 'approval', answerFile);
    assert.deepEqual(fields, { res_cd: '0000', res_msg: '정상처리', tno: '20261203000001' });
    const req = seen.at(-1)!;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/gw/enc/v1/payment');
    assert.deepEqual(req.body, Buffer.from(body, 'utf8'));
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['content-length'], String(Buffer.byteLength(body)));
    // While the request was at the server, the child ran as `node exchange.js`: nothing of the request in its argv.
    assert.deepEqual(req.argv, [[process.execPath, EXCHANGE_SCRIPT]]);
    const text = readFileSync(answerFile, 'utf8');
    assert.deepEqual(text.split('\n').map((l) => (l ? (JSON.parse(l) as { kind: string }).kind : '')), ['sending', 'answer', '']);
    assert.deepEqual(readAnswerLine(text), { kind: 'answer', body: '{"res_cd":"0000","res_msg":"정상처리","tno":"20261203000001"}' });
    assert.equal(statSync(answerFile).mode & 0o777, 0o600);
  });

  it('a refused connection: KcpConnectionError, and the file says nothing was sent', async () => {
    const closed = await closedPort();
    const answerFile = file();
    await assert.rejects(postJsonDurably(new URL(`https://127.0.0.1:${closed}/gw/enc/v1/payment`), '{}', http(), 'approval', answerFile), (e: unknown) =>
      e instanceof KcpConnectionError && e.outcomeKnown && /ECONNREFUSED/.test(e.message));
    const outcome = readAnswerLine(readFileSync(answerFile, 'utf8'));
    assert.ok(typeof outcome === 'object' && outcome.kind === 'failed');
    assert.equal(outcome.sent, false);
    assert.equal(outcome.code, 'ECONNREFUSED');
  });

  it('a time-out after sending: KcpOutcomeUnknownError, and the file says it may have been sent', async () => {
    mode = 'hold';
    const answerFile = file();
    const before = seen.length;
    try {
      await assert.rejects(postJsonDurably(url, '{"a":"1"}', { ...http(), timeoutMs: 400 }, 'approval', answerFile), (e: unknown) =>
        e instanceof KcpOutcomeUnknownError && !e.outcomeKnown && /may have been sent/.test(e.message));
    } finally {
      mode = 'answer';
    }
    assert.equal(seen.length, before + 1, 'the request reached the server');
    const outcome = readAnswerLine(readFileSync(answerFile, 'utf8'));
    assert.ok(typeof outcome === 'object' && outcome.kind === 'failed');
    assert.equal(outcome.sent, true);
    assert.match(outcome.reason, /no complete answer within 400 ms/);
  });

  it('payplus.rest_durable_answers false: the gateway says so, and an approval runs in process, leaving no file', async () => {
    const id = `OFF${process.pid}`;
    const win = pair.sim.pay({ site_cd: 'T0000', ordr_idxx: id, good_mny: 1000 });
    const off = new RestGateway({ siteCd: 'T0000', credentials: pair.credentials, baseUrl: pair.rest.url, ca: pair.rest.caPem, durableAnswers: false });
    assert.equal(await off.durableAnswers(), false);
    const answerFile = file();
    const approval = await off.approve({ orderId: id, amount: 1000, encData: win.enc_data, encInfo: win.enc_info, tranCd: win.tran_cd }, { answerFile });
    assert.equal(approval.resCd, '0000');
    assert.equal(existsSync(answerFile), false);
    const on = new RestGateway({ siteCd: 'T0000', credentials: pair.credentials, baseUrl: pair.rest.url, ca: pair.rest.caPem });
    assert.equal(await on.durableAnswers(), true, 'on by default');
  });

  it('an answer file that exists already is refused before anything starts (one file per attempt)', async () => {
    const answerFile = file();
    await postJsonDurably(url, '{}', http(), 'approval', answerFile);
    const before = seen.length;
    await assert.rejects(postJsonDurably(url, '{}', http(), 'approval', answerFile), /EEXIST/);
    assert.equal(seen.length, before);
  });
});

describe('a REST worker killed with SIGKILL while its approval is at KCP', function () {
  this.timeout(120_000);
  // Amounts ending in 993: the simulator approves at once and holds its answer 2 s.
  const env = shopOnEngine('sqlite', {}, { rest: { slowMs: 2000 } });

  it('leaves its exchange child running; the child writes KCP\'s answer and recovery proves the approval from it (cancelled, no inquiry)', async () => {
    const { sim, store, conf, db } = env;
    const order = `DUR${process.pid}-1`;
    const worker = startChild({ mode: 'pay', conf, store: db.location, orders: [{ id: order, amount: 1993 }] });
    await worker.line((l) => l === `step ${order} start`);
    // KCP has approved (the ledger has it) and holds its answer: the request is in flight.
    await waitFor(() => [...sim.gateway.transactions.values()].some((t) => t.ordrIdxx === order), 'the simulator to approve the order');
    assert.equal((await answerFilesHeld(conf)).length, 1, 'the exchange child holds the answer file');
    worker.proc.kill('SIGKILL');
    await worker.exited;
    const [attempt] = await store.listOpen(10);
    assert.equal(attempt?.state, 'started');
    assert.ok(attempt.outputPath?.startsWith(answersDir(conf)) && attempt.durableOutput);

    const payplus = new PayPlus(campaignSiteConf(conf), { logger: silentLogger, store });
    try {
      // While the child still has the file, recovery leaves the attempt alone.
      if (await heldOpen(attempt.outputPath!)) {
        const early = await payplus.recover({ custIp: '127.0.0.1' });
        assert.deepEqual(early.inProgress.map((r) => r.ordrIdxx), [order]);
      }
      await waitFor(async () => !(await heldOpen(attempt.outputPath!)), 'the exchange child to finish');
      const inquiries = env.rest!.requests.filter((r) => r.path === '/std/inquery').length;
      const report = await payplus.recover({ custIp: '127.0.0.1' });
      assert.deepEqual(report.cancelled.map((r) => r.ordrIdxx), [order], JSON.stringify(report));
      const settled = await store.get(attempt.id);
      assert.equal(settled?.state, 'cancelled');
      const tx = [...sim.gateway.transactions.values()].find((t) => t.ordrIdxx === order)!;
      assert.equal(settled?.tno, tx.tno, 'the tno came from the answer file');
      assert.equal(tx.state, 'cancelled');
      assert.equal(env.rest!.requests.filter((r) => r.path === '/std/inquery').length, inquiries, 'proved by the file, not by an inquiry');
      assert.equal(existsSync(attempt.outputPath!), false, 'the answer file is discarded once settled');
    } finally {
      await payplus.close();
    }
  });
});
