/**
 * Both runners alike (issue 18 item 7): text is CP949 where the module carries it (opt=0: 똠, 햏, 뷁 as their CP949
 * bytes), refused by field where it cannot (opt=1, and ㉾ U+327E everywhere), and the two folders (home, log_path)
 * are the file system's bytes, UTF-8, under either opt, so pp_cli writes KCP's log into the folder the SDK uses.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';

import { silentLogger } from '../../lib/log/types.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { decodeText, encodeCp949, encodeText } from '../../lib/protocol/encoding.js';
import { parseOptionString } from '../../lib/wire.js';
import { ExecaRunner } from '../../lib/runner/execa.js';
import type { ArgvEncoding, Runner } from '../../lib/runner/types.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { testConfData } from '../helpers/conf.js';
import { nativeRunner, requireAddon } from '../helpers/native.js';
import { standinPath } from '../sim/support/standin.js';

const US = '\x1f';
const OK = `res_cd=0000${US}res_msg=ok\n`;

function setup(argvEncoding: ArgvEncoding, conf = testConfData()) {
  const runner = new CannedRunner([OK], argvEncoding);
  return { runner, payplus: new PayPlus(conf, { logger: silentLogger, runner }) };
}

describe('opt=0 carries CP949: Hangul outside EUC-KR as its CP949 bytes', () => {
  it('sends buyr_name 똠햏뷁 as 8C63 C164 94EE (glibc iconv -t CP949 gives the same bytes)', async () => {
    const { runner, payplus } = setup('euc-kr');
    const tx = await payplus.transaction();
    tx.setOrdrData('buyr_name', '똠햏뷁').setOrdrData('good_name', '책');
    await tx.doTx({ txCd: '00100000' });
    const options = parseOptionString(runner.optionBytes());
    assert.equal(options.get('opt')!.toString(), '0');
    assert.deepEqual(
      options.get('ordr_data'),
      Buffer.concat([Buffer.from('ordr_data=buyr_name='), Buffer.from('8c63c16494ee', 'hex'), Buffer.from(`${US}good_name=`), Buffer.from('c3a5', 'hex'), Buffer.from(US)]),
    );
  });

  it('encodes all 8,822 extended syllables to two bytes with a lead byte 0x81–0xC6, and reads every one back', () => {
    const extended: string[] = [];
    for (let cp = 0xac00; cp <= 0xd7a3; cp++) {
      const ch = String.fromCharCode(cp);
      const bytes = encodeCp949(ch, 'buyr_name');
      assert.equal(bytes.length, 2, ch);
      if (bytes[0]! < 0xa1 || bytes[1]! < 0xa1) extended.push(ch);
      assert.equal(decodeText(bytes, 'euc-kr'), ch);
    }
    assert.equal(extended.length, 8822);
    const all = encodeCp949(extended.join(''), 'buyr_name');
    assert.deepEqual(all, iconv.encode(extended.join(''), 'cp949'));
    for (let i = 0; i < all.length; i += 2) assert.ok(all[i]! >= 0x81 && all[i]! <= 0xc6);
  });

  it('still refuses what CP949 lacks (emoji), naming the item', async () => {
    const { payplus } = setup('euc-kr');
    const tx = await payplus.transaction();
    assert.throws(() => tx.setOrdrData('buyr_name', '똠😀'), {
      field: 'buyr_name',
      message: "buyr_name: the character '😀' (U+1F600) is not in EUC-KR (KS X 1001) nor in CP949's extended Hangul, so pp_cli cannot carry it; replace it (emoji and symbols outside KS X 1001 are not allowed)",
    });
  });
});

describe('opt=1 (UTF-8 arguments): the module makes ? of Hangul outside EUC-KR, so it is refused by field', () => {
  it('refuses buyr_name 햏 before anything runs', async () => {
    const { runner, payplus } = setup('utf-8');
    const tx = await payplus.transaction();
    tx.setOrdrData('good_name', '책').setOrdrData('buyr_name', '김햏');
    await assert.rejects(tx.doTx({ txCd: '00100000' }), {
      field: 'buyr_name',
      message:
        "buyr_name: the character '햏' (U+D58F) is CP949 Hangul outside EUC-KR (KS X 1001); with opt=1 (UTF-8 arguments) pp_cli turns it into '?'. Use the native runner, whose opt=0 carries its CP949 bytes exactly (build it with 'npm rebuild kcp-payplus'), or replace the character",
    });
    assert.equal(runner.calls.length, 0);
    // KS X 1001 text goes through as UTF-8.
    const ok = setup('utf-8');
    const tx2 = await ok.payplus.transaction();
    tx2.setOrdrData('buyr_name', '김철수');
    await tx2.doTx({ txCd: '00100000' });
    assert.deepEqual(parseOptionString(ok.runner.optionBytes()).get('ordr_data'), Buffer.from(`ordr_data=buyr_name=김철수${US}`, 'utf8'));
  });
});

describe('㉾ (U+327E): glibc EUC-KR has it (0xA2E8), CP949 does not; refused under either opt', () => {
  const message =
    "buyr_addr: the character '㉾' (U+327E) is in glibc's EUC-KR but not in CP949, in which KCP's answers are read, so it would not come back as written; write '우' or '우편' instead";
  it('is refused by the opt=0 encoder, the opt=1 check and the setter', async () => {
    assert.throws(() => encodeCp949('㉾ 12345', 'buyr_addr'), { field: 'buyr_addr', message });
    assert.throws(() => encodeText('㉾ 12345', 'buyr_addr', 'utf-8'), { field: 'buyr_addr', message });
    const { payplus } = setup('euc-kr');
    const tx = await payplus.transaction();
    assert.throws(() => tx.setOrdrData('buyr_addr', '㉾ 12345'), { field: 'buyr_addr', message });
    assert.equal(decodeText(Buffer.from('a2e8', 'hex'), 'euc-kr'), '\ufffd\ufffd', 'what an A2E8 answer would read as');
  });
});

describe('folders are the file system bytes (UTF-8) under either opt', () => {
  const conf = testConfData({ homeDir: '/srv/상점/kcp', logDir: '/srv/상점/log' });
  for (const encoding of ['euc-kr', 'utf-8'] as const) {
    it(`passes a Hangul home and log_path as UTF-8 with the ${encoding} runner`, async () => {
      const { runner, payplus } = setup(encoding, conf);
      const tx = await payplus.transaction();
      tx.setOrdrData('good_name', '책');
      await tx.doTx({ txCd: '00100000' });
      const options = parseOptionString(runner.optionBytes());
      assert.deepEqual(options.get('home'), Buffer.from('/srv/상점/kcp', 'utf8'));
      assert.deepEqual(options.get('log_path'), Buffer.from('/srv/상점/log', 'utf8'));
      assert.deepEqual(options.get('ordr_data'), Buffer.concat([Buffer.from('ordr_data=good_name='), encoding === 'euc-kr' ? Buffer.from('c3a5', 'hex') : Buffer.from('책'), Buffer.from(US)]));
    });
  }
});

describe('the stand-in writes KCP\'s log into the Hangul folder the SDK uses, 0600 (both runners)', function () {
  this.timeout(60_000);
  const runners: Array<[string, () => Runner]> = [
    ['native', () => nativeRunner()],
    ['execa', () => new ExecaRunner()],
  ];
  let closedPort: number;
  before(async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    closedPort = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
  });

  for (const [name, make] of runners) {
    it(`${name}: <g_conf_log_dir>/YYYYMM/DD_pp_cli.log under the UTF-8 name, mode 0600, no mojibake folder`, async function () {
      if (name === 'native') requireAddon(this);
      const root = mkdtempSync(path.join(os.tmpdir(), 'kcp-hangul-'));
      try {
        const home = path.join(root, '상점', 'kcp');
        mkdirSync(path.join(home, 'bin'), { recursive: true });
        copyFileSync(standinPath(), path.join(home, 'bin', 'pp_cli'));
        const logDir = path.join(root, '상점', '로그');
        const conf = testConfData({ homeDir: home, logDir, gwUrl: '127.0.0.1', gwPort: String(closedPort), allowNonstandardPort: true });
        const payplus = new PayPlus(conf, { logger: silentLogger, runner: make() });
        await payplus.cancel({ tno: '20261126000001', reason: '고객 요청', custIp: '127.0.0.1' }).catch(() => undefined);
        assert.deepEqual(readdirSync(root), ['상점']);
        assert.deepEqual(readdirSync(path.join(root, '상점')).sort(), ['kcp', '로그']);
        const months = readdirSync(logDir).filter((m) => /^\d{6}$/.test(m));
        const logs = months.flatMap((m) => readdirSync(path.join(logDir, m)).filter((f) => f.endsWith('_pp_cli.log')).map((f) => path.join(logDir, m, f)));
        assert.equal(logs.length, 1, `pp_cli's log under ${logDir}: ${JSON.stringify(months)}`);
        assert.equal(statSync(logs[0]!).mode & 0o7777, 0o600);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
});
