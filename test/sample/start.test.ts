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
