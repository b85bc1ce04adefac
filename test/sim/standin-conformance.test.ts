/**
 * Conformance table: the stand-in on every case of docs/pp-cli-protocol.md §10.3 (KCP's pp_cli 2.14, run offline),
 * checking stdout bytes, exit code and log lines (and stderr where the module writes there). Plus the stand-in's
 * own safety rule: no connection to anything but loopback or KCP_STANDIN_ALLOW_HOST.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { runStandin, type Ran } from './support/run.js';
import { standinPath } from './support/standin.js';

const US = '\x1f';
const NOW = { KCP_STANDIN_NOW: '20261126142916' };
const KEY = '3grptw1.zW0GSo4PQdaGvsF__';
const TRACE = 'T0000BQETG60GRNn';
const euckr = (s: string) => iconv.encode(s, 'cp949');
const S202 = Buffer.concat([Buffer.from(`res_cd=S202${US}res_msg=`), euckr('PG 서버 접속 오류'), Buffer.from('\n')]);
const S202_UTF8 = Buffer.from(`res_cd=S202${US}res_msg=PG 서버 접속 오류\n`, 'utf8');
/** Texts glibc's gai_strerror gives; the module reports strerror(errno) instead. */
const GAI_TEXTS = /Name or service not known|Temporary failure in name resolution|No address associated|Servname not supported/;

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

interface Expect {
  code: number | null;
  stdout: Buffer | string;
  /** Log lines after `<stamp> - <pid> - <trace> - ` (MSG/ERR included); undefined: no log file at all. */
  log?: string[];
  /** Where the log lines are: the log file (default) or stderr. */
  logTo?: 'file' | 'stderr';
  stderr?: string | RegExp;
  /** The log's trace number column (default the one made from T0000, the pinned clock and 127.0.0.1). */
  trace?: string;
  /** pp_cli writes its log in EUC-KR, the TX_ENDED line in UTF-8 with opt=1 (§7.1). */
  logEncoding?: 'cp949' | 'utf8';
}

interface Case {
  name: string;
  args: (ctx: { tmp: string; port: number }) => string[];
  env?: Record<string, string>;
  expect: (ctx: { tmp: string; port: number }) => Expect;
}

const opts = (tmp: string, port: number, extra = '') =>
  `home=${tmp},site_cd=T0000,site_key=${KEY},tx_cd=00200000,pa_url=127.0.0.1,pa_port=${port},ordr_idxx=A1,` +
  `modx_data=mod_data=tno=20261126000001${US}mod_type=STSC${US},trace_no=,cust_ip=127.0.0.1,log_level=3,opt=0${extra}`;

const s202Log = (host: string, port: number | string, err = 'Connection refused', start = 'site_cd=[T0000]+tx_cd=[00200000]+ordr_idxx=[A1]+log_level=[3]+opt=[0]') => [
  `MSG : TX_START - ${start}`,
  `ERR : PG_SERVER_CONN__FAIL - CONN_INFO=[${host}:${port}]+ERR_MSG=[${err}]`,
  `MSG : TX_ENDED - res=[res_cd=S202${US}res_msg=PG 서버 접속 오류]`,
];

const CASES: Case[] = [
  {
    name: 'gateway port closed: S202 (EUC-KR), exit 116, TX_START, one CONN_FAIL per port, TX_ENDED',
    args: ({ tmp, port }) => ['-h', opts(tmp, port)],
    expect: ({ port }) => ({ code: 116, stdout: S202, log: s202Log('127.0.0.1', port) }),
  },
  {
    name: 'gateway unreachable with opt=1: the answer in UTF-8 (and the TX_ENDED line)',
    args: ({ tmp, port }) => ['-h', opts(tmp, port).replace('opt=0', 'opt=1')],
    expect: ({ port }) => ({
      code: 116,
      stdout: S202_UTF8,
      logEncoding: 'utf8',
      log: s202Log('127.0.0.1', port, 'Connection refused', 'site_cd=[T0000]+tx_cd=[00200000]+ordr_idxx=[A1]+log_level=[3]+opt=[1]'),
    }),
  },
  {
    name: 'pa_port empty: just \\n, exit 0, only TX_ENDED res=[] in the log',
    args: ({ tmp, port }) => ['-h', opts(tmp, port).replace(`pa_port=${port}`, 'pa_port=')],
    expect: () => ({ code: 0, stdout: '\n', log: ['MSG : TX_ENDED - res=[]'] }),
  },
  {
    name: 'site_cd empty: no offline validation, S202, exit 116',
    args: ({ tmp, port }) => ['-h', opts(tmp, port).replace('site_cd=T0000', 'site_cd=')],
    expect: ({ port }) => ({
      code: 116,
      stdout: S202,
      trace: '     BQETG60GRNn',
      log: s202Log('127.0.0.1', port, 'Connection refused', 'site_cd=[]+tx_cd=[00200000]+ordr_idxx=[A1]+log_level=[3]+opt=[0]'),
    }),
  },
  {
    name: 'tx_cd empty: S202, exit 116',
    args: ({ tmp, port }) => ['-h', opts(tmp, port).replace('tx_cd=00200000', 'tx_cd=')],
    expect: ({ port }) => ({
      code: 116,
      stdout: S202,
      log: s202Log('127.0.0.1', port, 'Connection refused', 'site_cd=[T0000]+tx_cd=[]+ordr_idxx=[A1]+log_level=[3]+opt=[0]'),
    }),
  },
  {
    name: 'site_key empty: S202, exit 116',
    args: ({ tmp, port }) => ['-h', opts(tmp, port).replace(`site_key=${KEY}`, 'site_key=')],
    expect: ({ port }) => ({ code: 116, stdout: S202, log: s202Log('127.0.0.1', port) }),
  },
  {
    name: 'site_key malformed: S202, exit 116',
    args: ({ tmp, port }) => ['-h', opts(tmp, port).replace(`site_key=${KEY}`, 'site_key=short')],
    expect: ({ port }) => ({ code: 116, stdout: S202, log: s202Log('127.0.0.1', port) }),
  },
  {
    name: 'no arguments: nothing printed, exit 160',
    args: () => [],
    expect: () => ({ code: 160, stdout: '', stderr: '' }),
  },
  {
    name: '-x: usage banner on stderr, S102, exit 105',
    args: () => ['-x'],
    expect: () => ({
      code: 105,
      stdout: Buffer.concat([Buffer.from(`res_cd=S102${US}res_msg=`), euckr('연동 모듈 호출 오류'), Buffer.from('\n')]),
      stderr: /^pp_cli: invalid option -- 'x'\n\n={70}\n pp_cli - KCP PG CLIENT MODULE   ver 2\.14\n/,
    }),
  },
  {
    name: '-h with no value: usage banner, S102, exit 105',
    args: () => ['-h'],
    expect: () => ({
      code: 105,
      stdout: Buffer.concat([Buffer.from(`res_cd=S102${US}res_msg=`), euckr('연동 모듈 호출 오류'), Buffer.from('\n')]),
      stderr: /^pp_cli: option requires an argument -- 'h'\n/,
    }),
  },
  {
    name: '-h "": \\n, exit 0',
    args: () => ['-h', ''],
    expect: () => ({ code: 0, stdout: '\n', stderr: '' }),
  },
  {
    name: '-h garbage: \\n, exit 0',
    args: () => ['-h', 'garbage'],
    expect: () => ({ code: 0, stdout: '\n', stderr: '' }),
  },
  {
    name: '-h given twice: the first options stay in effect',
    args: ({ tmp, port }) => ['-h', opts(tmp, port), '-h', opts(tmp, port).replace('site_cd=T0000', 'site_cd=T9999').replace('pa_port=', 'pa_port=1')],
    expect: ({ port }) => ({ code: 116, stdout: S202, log: s202Log('127.0.0.1', port) }),
  },
  {
    name: 'enc_data without enc_info: 9601, exit 123',
    args: ({ tmp, port }) => ['-h', opts(tmp, port, ',enc_data=ENC,enc_info=')],
    expect: () => ({
      code: 123,
      stdout: Buffer.concat([Buffer.from(`res_cd=9601${US}res_msg=`), euckr('결제 정보 오류'), Buffer.from('\n')]),
      log: [
        'MSG : TX_START - site_cd=[T0000]+tx_cd=[00200000]+ordr_idxx=[A1]+log_level=[3]+opt=[0]',
        'ERR : 요청 DATA 오류 - 암호화 정보와 암호화 DATA 설정 오류',
        `MSG : TX_ENDED - res=[res_cd=9601${US}res_msg=결제 정보 오류]`,
      ],
    }),
  },
  {
    name: 'log_path not writable: runs as usual (S202), its log lines go to stderr',
    args: ({ tmp, port }) => ['-h', opts(tmp, port, `,log_path=${tmp}/a-file/logs`)],
    expect: ({ port }) => ({ code: 116, stdout: S202, log: s202Log('127.0.0.1', port), logTo: 'stderr' }),
  },
  {
    name: 'key file missing: not an error (2.14 opens no key file), S202 as usual',
    args: ({ tmp, port }) => ['-h', opts(`${tmp}/no-key-here`, port)],
    expect: ({ port }) => ({ code: 116, stdout: S202, log: undefined, logTo: 'file' }),
  },
  {
    name: 'opt=1 with text outside EUC-KR: substitutes ? and sends (level 5 shows the body)',
    args: ({ tmp, port }) => [
      '-h',
      opts(tmp, port, `,ordr_data=ordr_data=good_name=똠é${US}`).replace('log_level=3', 'log_level=5').replace('opt=0', 'opt=1'),
    ],
    expect: ({ port }) => ({
      code: 116,
      stdout: S202_UTF8,
      log: [
        'MSG : TX_START - site_cd=[T0000]+tx_cd=[00200000]+ordr_idxx=[A1]+log_level=[5]+opt=[1]',
        'MSG : REQ_MSG_BODY_DATA_CREATE__SUCC - REQ_MSG=[plan_data=ordr_data%3Dgood_name%3D%3F%3F%1F%1C&enc_data=[masked:42]]',
        `ERR : PG_SERVER_CONN__FAIL - CONN_INFO=[127.0.0.1:${port}]+ERR_MSG=[Connection refused]`,
        `MSG : TX_ENDED - res=[res_cd=S202${US}res_msg=PG 서버 접속 오류]`,
      ],
      logEncoding: 'utf8',
    }),
  },
  {
    name: 'log_level=5: adds the REQ_MSG=[plan_data=…&enc_data=…] line (enc_data reduced to its length)',
    args: ({ tmp, port }) => ['-h', opts(tmp, port, ',enc_data=WINDOWENC,enc_info=INFO').replace('log_level=3', 'log_level=5')],
    expect: ({ port }) => ({
      code: 116,
      stdout: S202,
      log: [
        'MSG : TX_START - site_cd=[T0000]+tx_cd=[00200000]+ordr_idxx=[A1]+log_level=[5]+opt=[0]',
        'MSG : REQ_MSG_BODY_DATA_CREATE__SUCC - REQ_MSG=[plan_data=&enc_data=[masked:9]]',
        `ERR : PG_SERVER_CONN__FAIL - CONN_INFO=[127.0.0.1:${port}]+ERR_MSG=[Connection refused]`,
        `MSG : TX_ENDED - res=[res_cd=S202${US}res_msg=PG 서버 접속 오류]`,
      ],
    }),
  },
];

describe('stand-in conformance with pp_cli 2.14 (docs/pp-cli-protocol.md §10.3)', function () {
  let bin: string;
  let tmp: string;
  let port: number;
  before(async function () {
    this.timeout(30_000);
    bin = standinPath();
    port = await closedPort();
  });
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'kcp-conform-'));
    writeFileSync(join(tmp, 'a-file'), 'not a folder');
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  function logLines(r: Ran, where: 'file' | 'stderr', encoding: 'cp949' | 'utf8', trace = TRACE): string[] | undefined {
    let raw: Buffer;
    if (where === 'stderr') {
      raw = r.stderr;
    } else {
      const file = join(tmp, 'log', '202611', '26_pp_cli.log');
      if (!existsSync(file)) return undefined;
      raw = readFileSync(file);
    }
    const head = `1126-142916.000 - ${String(r.pid).padStart(5, ' ')} - ${trace} - `;
    return iconv
      .decode(raw, encoding)
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (l.startsWith(head) ? l.slice(head.length) : `UNEXPECTED PREFIX: ${l}`));
  }

  for (const c of CASES) {
    it(c.name, async () => {
      const ctx = { tmp, port };
      const r = await runStandin(bin, c.args(ctx), { ...NOW, ...c.env }, 'pp_cli');
      const e = c.expect(ctx);
      assert.equal(r.code, e.code);
      assert.deepEqual(r.stdout, Buffer.isBuffer(e.stdout) ? e.stdout : Buffer.from(e.stdout, 'latin1'));
      if (typeof e.stderr === 'string') assert.equal(r.stderr.toString('latin1'), e.stderr);
      else if (e.stderr) assert.match(r.stderr.toString('latin1'), e.stderr);
      if ('log' in e) {
        const lines = logLines(r, e.logTo ?? 'file', e.logEncoding ?? 'cp949', e.trace);
        if (e.log === undefined) {
          // the key-file case writes under another home: only its own log may exist there
          assert.equal(lines, undefined);
        } else {
          if (e.logTo !== 'stderr' && !c.name.startsWith('-')) assert.equal(r.stderr.length, 0, 'nothing on stderr');
          assert.deepEqual(lines, e.log);
        }
      }
    });
  }

  it('a host it cannot resolve: S202 with strerror text (not a resolver message) in ERR_MSG', async () => {
    const r = await runStandin(bin, ['-h', opts(tmp, port).replace('pa_url=127.0.0.1', 'pa_url=no-such-host.invalid')], {
      ...NOW,
      KCP_STANDIN_ALLOW_HOST: 'no-such-host.invalid',
    });
    assert.equal(r.code, 116);
    assert.deepEqual(r.stdout, S202);
    const lines = logLines(r, 'file', 'cp949')!;
    assert.equal(lines.length, 3);
    assert.match(lines[1]!, new RegExp(`^ERR : PG_SERVER_CONN__FAIL - CONN_INFO=\\[no-such-host\\.invalid:${port}\\]\\+ERR_MSG=\\[[A-Z][^\\]]+\\]$`));
    assert.doesNotMatch(lines[1]!, GAI_TEXTS);
  });

  describe('safety: loopback only', () => {
    it('refuses KCP\'s gateway without a DNS query or a packet, says so on stderr, answers S202', async () => {
      const r = await runStandin(bin, ['-h', opts(tmp, 8090).replace('pa_url=127.0.0.1', 'pa_url=paygw.kcp.co.kr')], NOW);
      assert.equal(r.code, 116);
      assert.deepEqual(r.stdout, S202);
      assert.equal(
        r.stderr.toString(),
        "pp_cli stand-in (kcp-payplus, not KCP's module): refusing to connect to paygw.kcp.co.kr: it connects only " +
          'to loopback or to KCP_STANDIN_ALLOW_HOST; nothing was sent\n',
      );
      assert.deepEqual(logLines(r, 'file', 'cp949'), s202Log('paygw.kcp.co.kr', 8090, 'Network is unreachable'));
    });

    it('connects to a non-loopback host only when KCP_STANDIN_ALLOW_HOST names it', async () => {
      const r = await runStandin(bin, ['-h', opts(tmp, port).replace('pa_url=127.0.0.1', 'pa_url=10.255.255.1')], NOW);
      assert.match(r.stderr.toString(), /refusing to connect to 10\.255\.255\.1/);
      for (const host of ['127.0.0.2', 'localhost', '::1']) {
        const ok = await runStandin(bin, ['-h', opts(tmp, port).replace('pa_url=127.0.0.1', `pa_url=${host}`)], NOW);
        assert.equal(ok.stderr.length, 0, host);
        assert.equal(ok.code, 116);
      }
    });

    it('carries the marker doctor recognises it by', () => {
      assert.ok(readFileSync(bin).includes('kcp-payplus stand-in pp_cli (not KCP software)'));
    });
  });
});
