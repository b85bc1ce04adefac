/**
 * `npm run bench:http`: what a hostile post costs the SDK's handlers, against baselines measured in the same run.
 *
 * Targets it reports (printed, never asserted):
 *   - decoding 64 KiB of form pairs (`&a` × 32,768 and other shapes) <= 5 ms (median), and within a small factor of
 *     Node's URLSearchParams on the same bytes and of the SDK decoding a 64 KiB body of one pair;
 *   - 8 concurrent 64 KiB `&a` posts to pp_ax_hub delay an unrelated request by little more than it takes alone;
 *   - a 10 MB body refused: 413, the bytes the server read (<= 64 KiB limit + one 64 KiB read), and the time from the
 *     first byte sent to the connection closed, against a small valid post on the same server.
 * Environment: BENCH_REPEAT (default 25; the median is printed).
 */
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeFormBody } from '../lib/http/form.js';
import { ppAxHubHandler } from '../lib/payplus/http.js';
import { commonReturnHandler } from '../lib/notify/http.js';
import { PayPlus } from '../lib/payplus/payplus.js';
import { MemoryStore } from '../lib/store/memory.js';
import type { Invocation, RunOutcome, Runner } from '../lib/runner/types.js';
import type { SiteConfData } from '../lib/config/site-conf.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 25);
const KIB64 = 64 * 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
const ms = (x: number) => x.toFixed(2);
const ok = (cond: boolean) => (cond ? 'ok' : 'MISSED');

/** The first call (cold: nothing compiled yet), and the median and minimum of REPEAT more. */
function time(fn: () => unknown): { first: number; median: number; min: number } {
  let t0 = performance.now();
  fn();
  const first = performance.now() - t0;
  const samples: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return { first, median: median(samples), min: Math.min(...samples) };
}

function exactly64k(unit: string): Buffer {
  return Buffer.from(unit.repeat(Math.ceil(KIB64 / unit.length)).slice(0, KIB64), 'latin1');
}

function distinctPairs(): Buffer {
  const parts: string[] = [];
  for (let i = 0, size = 0; size < KIB64; i++) size += (parts[parts.push(`k${i}=v${i}`) - 1]!.length + 1);
  return Buffer.from(parts.join('&').slice(0, KIB64));
}

const SHAPES: Array<[string, Buffer, string | undefined]> = [
  ['`&a` x 32,768 (the attack)', exactly64k('&a'), undefined],
  ['`&a` x 32,768, charset=euc-kr', exactly64k('&a'), 'application/x-www-form-urlencoded; charset=euc-kr'],
  ['`a=1&` x 16,384', exactly64k('a=1&'), undefined],
  ['`k<i>=v<i>` distinct names', distinctPairs(), undefined],
  ['`&%C0` (escapes, CP949)', exactly64k('&%C0'), undefined],
  ['`%26=%26&` (escaped separators)', exactly64k('%26=%26&'), undefined],
];
const ONE_PAIR = Buffer.from(`a=${'b'.repeat(KIB64 - 2)}`);

const cannedRunner: Runner = {
  name: 'canned',
  argvEncoding: 'euc-kr',
  async run(_invocation: Invocation): Promise<RunOutcome> {
    throw new Error('the bench never reaches pp_cli');
  },
};

function conf(): SiteConfData {
  return {
    homeDir: '/srv/shop/kcp', keyDir: '', logDir: mkdtempSync(path.join(os.tmpdir(), 'kcp-bench-http-')), gwUrl: 'testpaygw.kcp.co.kr',
    gwPort: '8090', jsUrl: 'https://pay.kcp.co.kr/plugin/payplus_test.js', siteCd: 'T0000', siteKey: '3grptw1.zW0GSo4PQdaGvsF__',
    siteName: 'BENCH', moduleType: '01', logLevel: 3, ppCliLogLevel: 3, ppCliVersion: '2.14', binary: 'pp_cli', webRoots: [],
    allowNonstandardPort: false, notifyUrl: undefined, timeoutMs: 10_000, logRetentionDays: undefined, prunePpCliLogs: false,
    env: 'TEST', window: 'plugin',
  };
}

async function listen(listener: http.RequestListener): Promise<{ server: http.Server; port: number; sockets: net.Socket[] }> {
  const server = http.createServer(listener);
  const sockets: net.Socket[] = [];
  server.on('connection', (s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port, sockets };
}

/** Raw HTTP over one connection: the reply's status line, the server's bytes read, ms from connect to both closed. */
async function exchange(port: number, sockets: net.Socket[], head: string, body: Buffer): Promise<{ status: string; read: number; ms: number }> {
  const before = sockets.length;
  const t0 = performance.now();
  const client = net.connect(port, '127.0.0.1');
  let reply = '';
  client.on('data', (d: Buffer) => (reply += d.toString('latin1')));
  client.on('error', () => {});
  const closed = new Promise<void>((resolve) => client.on('close', () => resolve()));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  client.write(head);
  client.write(body);
  await closed;
  const socket = sockets[before]!;
  if (!socket.destroyed) await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { status: reply.split('\r\n')[0]!, read: socket.bytesRead, ms: performance.now() - t0 };
}

function head(pathname: string, extra: string): string {
  return `POST ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n${extra}\r\n`;
}

async function main(): Promise<void> {
  console.log('# kcp-payplus HTTP handler benchmark');
  console.log(`\nnode ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)}, median of ${REPEAT} (first = cold call)\n`);

  console.log('## Decoding 64 KiB bodies (decodeFormBody)\n');
  const onePair = time(() => decodeFormBody(ONE_PAIR));
  console.log('| body (64 KiB) | first ms | median ms | min ms | URLSearchParams median ms | ÷ URLSearchParams | ÷ one 64 KiB pair | median ≤ 5 ms |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [name, body, contentType] of SHAPES) {
    const sdk = time(() => decodeFormBody(body, contentType));
    const usp = time(() => new URLSearchParams(body.toString('latin1')));
    console.log(
      `| ${name} | ${ms(sdk.first)} | ${ms(sdk.median)} | ${ms(sdk.min)} | ${ms(usp.median)} | ${(sdk.median / usp.median).toFixed(1)} | ${(sdk.median / onePair.median).toFixed(1)} | ${ok(sdk.median <= 5)} |`,
    );
  }
  console.log(`| one pair \`a=bbb…\` (baseline) | ${ms(onePair.first)} | ${ms(onePair.median)} | ${ms(onePair.min)} | | | 1.0 | ${ok(onePair.median <= 5)} |`);

  const payplus = new PayPlus(conf(), { runner: cannedRunner, store: new MemoryStore() });
  const hub = ppAxHubHandler<{ amount: number }, void>({
    payplus,
    findOrder: () => undefined, // the attack posts no known order: decoding is the whole cost
    commit: () => {},
    respond: (res, result) => void res.writeHead(200).end(result.status),
  });
  const notify = commonReturnHandler({ env: 'TEST', allowLocal: true, handler: () => {} });
  const { server, port, sockets } = await listen((req, res) => {
    if (req.url === '/ping') return void res.writeHead(200, { connection: 'close' }).end('pong');
    if (req.url === '/common_return') return void notify(req, res);
    void hub(req, res);
  });

  console.log('\n## 8 concurrent 64 KiB `&a` posts and an unrelated request\n');
  const ping = async () => {
    const t0 = performance.now();
    await (await fetch(`http://127.0.0.1:${port}/ping`)).text();
    return performance.now() - t0;
  };
  for (let i = 0; i < 5; i++) await ping();
  const alone: number[] = [];
  for (let i = 0; i < REPEAT; i++) alone.push(await ping());
  const during: number[] = [];
  const attack = exactly64k('&a');
  for (let i = 0; i < 10; i++) {
    const posts = Array.from({ length: 8 }, () =>
      fetch(`http://127.0.0.1:${port}/pp_ax_hub`, { method: 'POST', body: new Uint8Array(attack), headers: { 'content-type': 'application/x-www-form-urlencoded' } }).then((r) => r.text()),
    );
    during.push(await ping());
    await Promise.all(posts);
  }
  console.log('| unrelated GET | median ms |');
  console.log('|---|---|');
  console.log(`| alone | ${ms(median(alone))} |`);
  console.log(`| during 8 concurrent \`&a\` posts | ${ms(median(during))} (x${(median(during) / median(alone)).toFixed(1)}) |`);

  console.log('\n## A 10 MB body refused (limit 64 KiB)\n');
  const tenMb = Buffer.alloc(10 * 1024 * 1024, 0x61);
  const small = Buffer.from('ordr_idxx=BENCH-1&tran_cd=00100000&good_mny=1000');
  console.log('| route, body | answer | bytes the server read (max of 5) | ms to closed (median of 5) |');
  console.log('|---|---|---|---|');
  const five = async (headText: string, body: Buffer) => {
    const runs: Array<{ status: string; read: number; ms: number }> = [];
    for (let i = 0; i < 5; i++) runs.push(await exchange(port, sockets, headText, body));
    return { status: [...new Set(runs.map((r) => r.status))].join(', '), read: Math.max(...runs.map((r) => r.read)), ms: median(runs.map((r) => r.ms)) };
  };
  for (const route of ['/pp_ax_hub', '/common_return']) {
    const base = await five(head(route, `Content-Length: ${small.length}\r\n`), small);
    console.log(`| ${route}, ${small.length} B post (baseline) | ${base.status} | ${base.read} | ${ms(base.ms)} |`);
    const declared = await five(head(route, `Content-Length: ${tenMb.length}\r\n`), tenMb);
    console.log(`| ${route}, 10 MB with Content-Length | ${declared.status} | ${declared.read} | ${ms(declared.ms)} (x${(declared.ms / base.ms).toFixed(1)}) |`);
    const chunked = await five(head(route, 'Transfer-Encoding: chunked\r\n') + `${tenMb.length.toString(16)}\r\n`, tenMb);
    console.log(`| ${route}, 10 MB chunked | ${chunked.status} | ${chunked.read} | ${ms(chunked.ms)} (x${(chunked.ms / base.ms).toFixed(1)}) |`);
  }
  console.log(`\nload at the end ${os.loadavg()[0]!.toFixed(2)}`);
  server.closeAllConnections();
  server.close();
}

await main();
