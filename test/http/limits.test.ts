/**
 * What a hostile request may cost the SDK's handlers. Each case speaks raw HTTP over a socket and waits for the
 * connection's 'close' (no sleeps): a 10 MB body is answered 413 and the connection closed after reading at most the
 * limit plus one socket read; a body sent a byte at a time is answered 408 at bodyTimeoutMs; headers that never end
 * are answered 408 by a server under applyHttpLimits. Limits are small here so the cases are quick.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyHttpLimits } from '../../lib/http/server.js';
import { ppAxHubHandler, expressPpAxHub } from '../../lib/payplus/http.js';
import { expressWindowReturn } from '../../lib/window/return.js';
import { commonReturnHandler, expressCommonReturn } from '../../lib/notify/http.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { MemoryStore } from '../../lib/store/memory.js';
import { testConfData } from '../helpers/conf.js';
import { CannedRunner } from '../helpers/canned-runner.js';

const TEN_MB = Buffer.alloc(10 * 1024 * 1024, 0x61);
/** What one read from a socket may bring beyond the limit, and the request head. */
const ONE_READ = 64 * 1024;
const HEAD_ROOM = 1024;

type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Exchange {
  /** What the client received, as latin1 text. */
  reply: string;
  /** Bytes the server read from this connection (Node's socket.bytesRead once it closed). */
  serverRead: number;
}

interface Started {
  server: http.Server;
  port: number;
  /** Sends `head` (and `body`, if any) on a fresh connection; resolves when both ends have closed. */
  exchange: (head: string, body?: Buffer) => Promise<Exchange>;
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function start(listener: Listener, configure: (server: http.Server) => void = () => {}): Promise<Started> {
  const server = http.createServer(listener);
  configure(server);
  servers.push(server);
  const serverSockets: net.Socket[] = [];
  server.on('connection', (socket) => serverSockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const exchange = async (head: string, body?: Buffer): Promise<Exchange> => {
    const before = serverSockets.length;
    const client = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    client.on('data', (d: Buffer) => chunks.push(d));
    client.on('error', () => {}); // EPIPE / ECONNRESET while the body is still being written: expected
    const clientClosed = new Promise<void>((resolve) => client.on('close', () => resolve()));
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    client.write(head);
    if (body) client.write(body);
    await clientClosed;
    const socket = serverSockets[before]!;
    if (!socket.destroyed) await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    return { reply: Buffer.concat(chunks).toString('latin1'), serverRead: socket.bytesRead };
  };
  return { server, port, exchange };
}

function postHead(pathname: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ Host: '127.0.0.1', 'Content-Type': 'application/x-www-form-urlencoded', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `POST ${pathname} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** A chunked 10 MB body: one chunk header, then the bytes (the connection closes long before its end). */
function chunkedTenMb(pathname: string): [string, Buffer] {
  return [postHead(pathname, { 'Transfer-Encoding': 'chunked' }) + `${TEN_MB.length.toString(16)}\r\n`, TEN_MB];
}

function status(reply: string): string {
  return reply.split('\r\n')[0]!;
}

function header(reply: string, name: string): string | undefined {
  const head = reply.slice(0, reply.indexOf('\r\n\r\n')).split('\r\n');
  return head.find((line) => line.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
}

function payplusFor(runner: CannedRunner): PayPlus {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'kcp-limits-'));
  return new PayPlus(testConfData({ logDir }), { runner, store: new MemoryStore() });
}

type Order = { amount: number };

/** The five handlers, each with the given limits; `ran` says whether anything got past the body. */
function handlers(limits: { maxBodyBytes?: number; bodyTimeoutMs?: number }) {
  const runner = new CannedRunner([]);
  const payplus = payplusFor(runner);
  const seen: string[] = [];
  const hub = {
    payplus,
    ...limits,
    findOrder: (id: string): Order | undefined => (seen.push(`findOrder:${id}`), { amount: 1000 }),
    commit: () => 'ok',
    respond: (res: http.ServerResponse, result: { status: string }) => void res.end(result.status),
  };
  const notify = {
    env: 'TEST' as const,
    allowLocal: true,
    ...limits,
    handler: () => void seen.push('notification'),
  };
  const list: Array<[string, Listener]> = [
    ['ppAxHubHandler', (req, res) => void ppAxHubHandler<Order, string>(hub)(req, res)],
    ['expressPpAxHub', expressPpAxHub<Order, string>(hub)],
    ['expressWindowReturn', expressWindowReturn<Order, string>(hub)],
    ['commonReturnHandler', (req, res) => void commonReturnHandler(notify)(req, res)],
    ['expressCommonReturn', expressCommonReturn(notify)],
  ];
  return { list, runner, seen };
}

describe('handler limits: body size, body time, header time', function () {
  this.timeout(30_000);

  for (const name of ['ppAxHubHandler', 'expressPpAxHub', 'expressWindowReturn', 'commonReturnHandler', 'expressCommonReturn']) {
    it(`${name}: a 10 MB body is answered 413 and the connection closed, reading at most the limit plus one read`, async () => {
      const { list, runner, seen } = handlers({});
      const { exchange } = await start(list.find(([n]) => n === name)![1]);

      // Declared: refused on the Content-Length, before the body is read.
      const declared = await exchange(postHead('/x', { 'Content-Length': TEN_MB.length }), TEN_MB);
      assert.equal(status(declared.reply), 'HTTP/1.1 413 Payload Too Large');
      assert.equal(header(declared.reply, 'connection'), 'close');
      assert.ok(declared.serverRead <= ONE_READ + HEAD_ROOM, `read ${declared.serverRead} bytes of a refused 10 MB body`);

      // Chunked, no length: cut when it passes 64 KiB.
      const [head, body] = chunkedTenMb('/x');
      const streamed = await exchange(head, body);
      assert.equal(status(streamed.reply), 'HTTP/1.1 413 Payload Too Large');
      assert.equal(header(streamed.reply, 'connection'), 'close');
      assert.ok(streamed.serverRead <= 64 * 1024 + ONE_READ + HEAD_ROOM, `read ${streamed.serverRead} bytes of a 10 MB body over a 64 KiB limit`);

      assert.deepEqual(seen, []);
      assert.equal(runner.calls.length, 0);
    });

    it(`${name}: a body sent a byte at a time is answered 408 at bodyTimeoutMs and the connection closed`, async () => {
      const { list, runner, seen } = handlers({ bodyTimeoutMs: 150 });
      const { exchange } = await start(list.find(([n]) => n === name)![1]);
      const slow = await exchange(postHead('/x', { 'Content-Length': 100 }), Buffer.from('o'));
      assert.equal(status(slow.reply), 'HTTP/1.1 408 Request Timeout');
      assert.equal(header(slow.reply, 'connection'), 'close');
      assert.deepEqual(seen, []);
      assert.equal(runner.calls.length, 0);
    });
  }

  it('a small maxBodyBytes is honoured to the byte: at the limit the post goes through, one byte over is 413', async () => {
    const { list, seen } = handlers({ maxBodyBytes: 20 });
    const { exchange } = await start(list[0]![1]);
    const exact = 'ordr_idxx=A&tran_cd=1'.slice(0, 20);
    const ok = await exchange(postHead('/x', { 'Content-Length': 20, Connection: 'close' }), Buffer.from(exact));
    assert.equal(status(ok.reply), 'HTTP/1.1 200 OK');
    assert.deepEqual(seen, ['findOrder:A']);
    const [head] = chunkedTenMb('/x');
    const over = await exchange(head.replace(/\r\n[0-9a-f]+\r\n$/, '\r\n15\r\n'), Buffer.from(`${exact}x\r\n0\r\n\r\n`));
    assert.equal(status(over.reply), 'HTTP/1.1 413 Payload Too Large');
    assert.deepEqual(seen, ['findOrder:A']);
  });

  it('common_return: a sender that is not KCP gets 403 and the connection closes without its body being read', async () => {
    const { exchange } = await start(commonReturnHandler({ env: 'TEST', handler: () => {} }));
    const [head, body] = chunkedTenMb('/common_return');
    const refused = await exchange(head, body);
    assert.equal(status(refused.reply), 'HTTP/1.1 403 Forbidden');
    assert.equal(header(refused.reply, 'connection'), 'close');
    assert.ok(refused.serverRead <= ONE_READ + HEAD_ROOM, `read ${refused.serverRead} bytes`);
  });

  it('applyHttpLimits: headers that never end are answered 408 and the connection closed', async () => {
    const { list, seen } = handlers({});
    const { exchange, server } = await start(list[0]![1], (s) => applyHttpLimits(s, { headersTimeoutMs: 150 }));
    assert.equal(server.headersTimeout, 150);
    const slow = await exchange('POST /pp_ax_hub HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a');
    assert.equal(status(slow.reply), 'HTTP/1.1 408 Request Timeout');
    assert.equal(header(slow.reply, 'connection'), 'close');
    assert.deepEqual(seen, []);
  });

  it('a handler with a limit that is not a positive whole number refuses to be built, naming the option', () => {
    const payplus = payplusFor(new CannedRunner([]));
    const hub = { payplus, findOrder: () => undefined, commit: () => {}, respond: () => {} };
    assert.throws(() => ppAxHubHandler({ ...hub, maxBodyBytes: 0 }), {
      name: 'KcpConfigError',
      message: 'maxBodyBytes must be a positive whole number; got 0.',
    });
    assert.throws(() => expressWindowReturn({ ...hub, bodyTimeoutMs: 1.5 }), {
      name: 'KcpConfigError',
      message: 'bodyTimeoutMs must be a positive whole number; got 1.5.',
    });
    assert.throws(() => commonReturnHandler({ env: 'TEST', handler: () => {}, maxBodyBytes: -1 }), {
      name: 'KcpConfigError',
      message: 'maxBodyBytes must be a positive whole number; got -1.',
    });
  });

  it('applyHttpLimits: defaults 10 s for headers, 20 s for the request, checked every second; nonsense is refused', () => {
    const server = applyHttpLimits(http.createServer());
    assert.equal(server.headersTimeout, 10_000);
    assert.equal(server.requestTimeout, 20_000);
    assert.equal((server as http.Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval, 1000);
    assert.throws(() => applyHttpLimits(http.createServer(), { headersTimeoutMs: 0 }), {
      name: 'KcpConfigError',
      message: 'headersTimeoutMs must be a positive whole number of milliseconds; got 0.',
    });
    assert.throws(() => applyHttpLimits(http.createServer(), { headersTimeoutMs: 5000, requestTimeoutMs: 1000 }), {
      name: 'KcpConfigError',
      message: 'requestTimeoutMs (1000) must be at least headersTimeoutMs (5000): the request includes its headers.',
    });
  });
});
