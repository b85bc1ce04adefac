/**
 * closeHttpServer: a shutdown that ends. Each case opens raw sockets and waits for events ('connection', 'request',
 * 'close'); nothing sleeps. Node's own server.close() waits, until the client quits, for a socket that connected and
 * sent nothing (a browser's preconnect): that is how the sample shop's close hung the browser suite until its timeout.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { applyHttpLimits, closeHttpServer } from '../../lib/http/server.js';
import { KcpConfigError } from '../../lib/errors.js';
import { createSimPki, type SimPki } from '../../lib/sim/rest/pki.js';

const clients: net.Socket[] = [];
const servers: net.Server[] = [];
afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) {
    if (server instanceof http.Server) server.closeAllConnections();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function listen<S extends net.Server>(server: S): Promise<{ server: S; port: number }> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** A client socket that records what it receives; `closed` resolves with all of it once the server has ended it. */
function connect(port: number): { socket: net.Socket; closed: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  clients.push(socket);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {}); // a cut or refused connection reports an error; 'close' follows
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks).toString('latin1')))) };
}

const GET = 'GET / HTTP/1.1\r\nHost: shop\r\nConnection: keep-alive\r\n\r\n';

describe('closeHttpServer', () => {
  it('ends a connection that has sent nothing (a preconnect) and one kept alive after its answer, at once', async () => {
    const { server, port } = await listen(applyHttpLimits(http.createServer((_req, res) => res.end('ok'))));
    const answered = connect(port);
    answered.socket.write(GET);
    await once(answered.socket, 'data'); // answered, kept alive
    const connected = once(server, 'connection');
    const silent = connect(port);
    await connected;
    // Both are still open here: Node's close() ends the idle one only, and the silent one would hold it forever.
    await closeHttpServer(server, { graceMs: 60_000 });
    assert.equal(await silent.closed, '');
    assert.match(await answered.closed, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
    assert.equal(server.listening, false);
  });

  it('lets an answer being written when the close begins finish, then ends its connection', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { server, port } = await listen(
      applyHttpLimits(
        http.createServer((_req, res) => {
          res.write('first half,');
          void released.then(() => res.end(' second half'));
        }),
      ),
    );
    const client = connect(port);
    const request = once(server, 'request');
    client.socket.write(GET);
    await request;
    const order: string[] = [];
    const closing = closeHttpServer(server, { graceMs: 60_000 }).then(() => order.push('closed'));
    const silent = connect(port); // refused or ended: the server no longer listens
    await silent.closed;
    order.push('released');
    release();
    const reply = await client.closed;
    await closing;
    assert.deepEqual(order, ['released', 'closed']);
    assert.match(reply, /^HTTP\/1\.1 200 OK\r\n[\s\S]*first half,[\s\S]* second half[\s\S]*$/);
    assert.match(reply, /\r\n0\r\n\r\n$/, 'the chunked answer is complete');
  });

  it('cuts a connection whose handler never answers once graceMs has passed', async () => {
    const { server, port } = await listen(applyHttpLimits(http.createServer(() => {})));
    const client = connect(port);
    const request = once(server, 'request');
    client.socket.write(GET);
    await request;
    await closeHttpServer(server, { graceMs: 50 });
    assert.equal(await client.closed, '');
  });

  it('on a server not prepared by applyHttpLimits, ends a silent connection after graceMs', async () => {
    const { server, port } = await listen(http.createServer((_req, res) => res.end('ok')));
    const connected = once(server, 'connection');
    const silent = connect(port);
    await connected;
    await closeHttpServer(server, { graceMs: 50 });
    assert.equal(await silent.closed, '');
  });

  describe('on an https server', () => {
    let pki: SimPki;
    before(async () => {
      pki = await createSimPki();
    });
    after(() => pki?.remove());

    it('ends a connection whose handshake is done and that sent nothing at once, and one writing an answer once it is written', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const server = applyHttpLimits(
        https.createServer({ key: pki.serverKeyPem, cert: pki.serverCertPem }, (_req, res) => {
          res.write('first half,');
          void released.then(() => res.end(' second half'));
        }),
      );
      const { port } = await listen(server);
      const open = async () => {
        const socket = tls.connect({ port, host: '127.0.0.1', ca: pki.caPem, servername: 'localhost' });
        clients.push(socket);
        socket.on('error', () => {});
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks).toString('latin1'))));
        await once(socket, 'secureConnect');
        return { socket, closed };
      };
      const busy = await open();
      const request = once(server, 'request');
      busy.socket.write(GET);
      await request;
      const secured = once(server, 'secureConnection');
      const silent = await open();
      await secured;
      const closing = closeHttpServer(server, { graceMs: 60_000 });
      assert.equal(await silent.closed, '');
      release();
      assert.match(await busy.closed, /first half,[\s\S]* second half[\s\S]*\r\n0\r\n\r\n$/);
      await closing;
    });
  });

  it('refuses a graceMs that is not a positive whole number, naming it, and leaves the server listening', async () => {
    const { server } = await listen(applyHttpLimits(http.createServer()));
    for (const graceMs of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(closeHttpServer(server, { graceMs }), (error: unknown) => {
        assert.ok(error instanceof KcpConfigError);
        assert.equal(error.field, 'graceMs');
        assert.match(error.message, /^graceMs must be a positive whole number of milliseconds; got /);
        return true;
      });
    }
    assert.equal(server.listening, true);
  });

  it('rejects like server.close() when the server is not listening', async () => {
    const server = applyHttpLimits(http.createServer());
    await assert.rejects(closeHttpServer(server), { code: 'ERR_SERVER_NOT_RUNNING' });
  });
});
