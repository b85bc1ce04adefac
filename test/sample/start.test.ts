/** `npm start` when its port is taken: a sentence naming the port and the variable to change, exit 1, no stack. */
import assert from 'node:assert/strict';
import { children } from '../helpers/children.js';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

function runStart(env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = children().spawn(process.execPath, ['--import', 'tsx', 'sample/start.ts'], { cwd: ROOT, env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('close', (code) => {
      resolve({ code, out, err });
    });
  });
}

describe('npm start with a port in use', () => {
  let blocker: net.Server;
  let port: number;
  before(async () => {
    blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    port = (blocker.address() as net.AddressInfo).port;
  });
  after(() => blocker.close());

  it('names the port and how to choose another (PORT)', async () => {
    const res = await runStart({ PORT: String(port), SIM_PORT: '0' });
    assert.equal(res.code, 1);
    assert.equal(res.out, '');
    assert.equal(
      res.err,
      `npm start: port ${port} on 127.0.0.1 is already in use (another npm start, or another server).\n` +
        `Stop that program, or choose another port: PORT=${port + 1} npm start (SIM_PORT chooses the simulator's port; it takes any free port by default)\n`,
    );
  });

  it('names SIM_PORT when the simulator port is the one taken', async () => {
    const res = await runStart({ PORT: '0', SIM_PORT: String(port) });
    assert.equal(res.code, 1);
    assert.equal(res.err, `npm start: port ${port} on 127.0.0.1 is already in use (another npm start, or another server).\nStop that program, or choose another port: SIM_PORT=${port + 1} npm start\n`);
  });
});

describe('npm start and the staff password', () => {
  it('refuses a SHOP_ADMIN_PASSWORD shorter than 12 characters, naming the variable', async () => {
    const res = await runStart({ PORT: '0', SIM_PORT: '0', SHOP_ADMIN_PASSWORD: 'hunter2' });
    assert.equal(res.code, 1);
    assert.equal(res.out, '');
    assert.equal(res.err, 'npm start: SHOP_ADMIN_PASSWORD: 7 characters is too short for the staff login; use at least 12 (e.g. openssl rand -base64 18)\n');
  });

  it('refuses a SHOP_PUBLIC_URL with a path, naming the variable', async () => {
    const res = await runStart({ PORT: '0', SIM_PORT: '0', SHOP_PUBLIC_URL: 'https://shop.example.com/kcp' });
    assert.equal(res.code, 1);
    assert.equal(res.err, 'npm start: SHOP_PUBLIC_URL: "https://shop.example.com/kcp" must be an origin only (scheme, host, port), without path, query or user\n');
  });

  it('without SHOP_ADMIN_PASSWORD makes up one for the run, prints it once, and the staff login takes it', async () => {
    const env: Record<string, string | undefined> = { ...process.env, PORT: '0', SIM_PORT: '0' };
    delete env.SHOP_ADMIN_PASSWORD;
    delete env.SHOP_PUBLIC_URL;
    const child = children().spawn(process.execPath, ['--import', 'tsx', 'sample/start.ts'], { cwd: ROOT, env });
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += String(d);
          if (out.includes('Press Ctrl+C')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`npm start exited (${code}): ${out}`)));
      });
      const m = /^staff: +(http:\/\/127\.0\.0\.1:\d+)\/staff\/orders {2}password for this run: ([A-Za-z0-9_-]{24}) {2}\(set SHOP_ADMIN_PASSWORD to choose your own\)$/m.exec(out);
      assert.ok(m, out);
      assert.equal(out.split(m[2]!).length, 2, 'printed once');
      const [, shop, password] = m;
      const unauthorised = await fetch(`${shop}/staff/orders`);
      assert.equal(unauthorised.status, 401);
      const login = await fetch(`${shop}/staff/login`);
      const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const token = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
      const answer = await fetch(`${shop}/staff/login`, { method: 'POST', redirect: 'manual', headers: { cookie }, body: new URLSearchParams({ _csrf: token, password: password! }) });
      assert.equal(answer.status, 303);
      assert.equal(answer.headers.get('location'), '/staff/orders');
      assert.match(answer.headers.getSetCookie()[0]!, /^shop_staff=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    } finally {
      const exited = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGINT');
      await exited;
    }
  });
});
