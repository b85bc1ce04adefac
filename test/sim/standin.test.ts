/**
 * The stand-in pp_cli against the byte-level facts of docs/pp-cli-protocol.md (§1.5, §2, §7).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { startSimulator, type Simulator } from '../../lib/sim/index.js';
import { runStandin } from './support/run.js';
import { standinPath } from './support/standin.js';

const US = '\x1f';
const NOW = { KCP_STANDIN_NOW: '20261126142916' };
const KEY = '3grptw1.zW0GSo4PQdaGvsF__';
const euckr = (s: string) => iconv.encode(s, 'cp949');

const BANNER = (name: string) =>
  '\n' + '='.repeat(70) + '\n' +
  ` ${name} - KCP PG CLIENT MODULE   ver 2.14\n` +
  '-'.repeat(70) + '\n' +
  ' Copyright (c) 2000 - 2010  KCP Inc.  All Rights Reserved.\n' +
  '='.repeat(70) + '\n\n';

/** Two loopback ports nobody listens on. */
async function closedPorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    ports.push((srv.address() as net.AddressInfo).port);
    await new Promise<void>((r) => srv.close(() => r()));
  }
  return ports;
}

function logText(dir: string, encoding: 'cp949' | 'utf8' = 'cp949'): string {
  const file = join(dir, '202611', '26_pp_cli.log');
  return iconv.decode(readFileSync(file), encoding);
}

describe('stand-in pp_cli', function () {
  let bin: string;
  let tmp: string;

  before(function () {
    this.timeout(30_000);
    bin = standinPath();
  });
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'kcp-standin-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  describe('command line', () => {
    it('prints getopt\'s message and the usage banner on stderr, S102 on stdout, exit 105, for another option', async () => {
      const r = await runStandin(bin, ['-x'], {}, '/srv/shop/kcp/bin/pp_cli_x64');
      assert.equal(r.code, 105);
      assert.deepEqual(r.stdout, Buffer.concat([Buffer.from(`res_cd=S102${US}res_msg=`), euckr('연동 모듈 호출 오류'), Buffer.from('\n')]));
      assert.equal(r.stderr.toString('latin1'), `/srv/shop/kcp/bin/pp_cli_x64: invalid option -- 'x'\n${BANNER('pp_cli_x64')}`);
    });

    it('treats -h without an argument as a usage error too', async () => {
      const r = await runStandin(bin, ['-h'], {}, 'pp_cli');
      assert.equal(r.code, 105);
      assert.equal(r.stderr.toString('latin1'), `pp_cli: option requires an argument -- 'h'\n${BANNER('pp_cli')}`);
    });

    it('prints nothing at all without -h', async () => {
      const r = await runStandin(bin, []);
      assert.equal(r.stdout.length, 0);
      assert.equal(r.stderr.length, 0);
      const r2 = await runStandin(bin, ['site_cd=T0000']);
      assert.equal(r2.stdout.length + r2.stderr.length, 0);
    });

    it('prints an empty line for -h ""', async () => {
      const r = await runStandin(bin, ['-h', '']);
      assert.equal(r.code, 0);
      assert.equal(r.stdout.toString('latin1'), '\n');
    });
  });

  describe('without network', () => {
    it('answers 9601 (exit 123) when enc_data comes without enc_info, and logs why', async () => {
      const r = await runStandin(bin, ['-h',
        `home=${tmp},site_cd=T0000,site_key=${KEY},tx_cd=00100000,pa_url=127.0.0.1,pa_port=1,ordr_idxx=A1,enc_data=SECRETENCDATA,enc_info=,trace_no=,cust_ip=127.0.0.1,log_level=3,opt=0`], NOW);
      assert.equal(r.code, 123);
      assert.deepEqual(r.stdout, Buffer.concat([Buffer.from(`res_cd=9601${US}res_msg=`), euckr('결제 정보 오류'), Buffer.from('\n')]));
      const pid = String(r.pid).padStart(5, ' ');
      assert.equal(logText(join(tmp, 'log')), [
        `1126-142916.000 - ${pid} - T0000BQETG60GRNn - MSG : TX_START - site_cd=[T0000]+tx_cd=[00100000]+ordr_idxx=[A1]+log_level=[3]+opt=[0]`,
        `1126-142916.000 - ${pid} - T0000BQETG60GRNn - ERR : 요청 DATA 오류 - 암호화 정보와 암호화 DATA 설정 오류`,
        `1126-142916.000 - ${pid} - T0000BQETG60GRNn - MSG : TX_ENDED - res=[res_cd=9601${US}res_msg=결제 정보 오류]`,
        '',
      ].join('\n'));
    });

    it('answers S202 (exit 116) with one ERR line per unreachable port, under log_path', async () => {
      const [p1, p2] = await closedPorts(2);
      const r = await runStandin(bin, ['-h',
        `home=${tmp}/home,site_cd=T0000,site_key=${KEY},tx_cd=00200000,pa_url=127.0.0.1,pa_port=${p1}:${p2},ordr_idxx=,modx_data=mod_data=tno=20261126000001${US}mod_type=STSC${US},trace_no=,cust_ip=127.0.0.1,log_path=${tmp}/logs,log_level=3,opt=0`], NOW);
      assert.equal(r.code, 116);
      assert.deepEqual(r.stdout, Buffer.concat([Buffer.from(`res_cd=S202${US}res_msg=`), euckr('PG 서버 접속 오류'), Buffer.from('\n')]));
      const pid = String(r.pid).padStart(5, ' ');
      const head = `1126-142916.000 - ${pid} - T0000BQETG60GRNn - `;
      assert.equal(logText(join(tmp, 'logs')), [
        `${head}MSG : TX_START - site_cd=[T0000]+tx_cd=[00200000]+ordr_idxx=[]+log_level=[3]+opt=[0]`,
        `${head}ERR : PG_SERVER_CONN__FAIL - CONN_INFO=[127.0.0.1:${p1}]+ERR_MSG=[Connection refused]`,
        `${head}ERR : PG_SERVER_CONN__FAIL - CONN_INFO=[127.0.0.1:${p2}]+ERR_MSG=[Connection refused]`,
        `${head}MSG : TX_ENDED - res=[res_cd=S202${US}res_msg=PG 서버 접속 오류]`,
        '',
      ].join('\n'));
      assert.equal(existsSync(join(tmp, 'home', 'log')), false, 'log_path wins over home/log');
    });

    it('keeps a given trace_no and writes nothing below log_level 0 lines at level 0', async () => {
      const [p] = await closedPorts(1);
      await runStandin(bin, ['-h',
        `home=${tmp},site_cd=T0000,tx_cd=00100000,pa_url=127.0.0.1,pa_port=${p},trace_no=T0000ABCDE12345x,cust_ip=1.2.3.4,log_level=0,opt=0`], NOW);
      const lines = logText(join(tmp, 'log')).trimEnd().split('\n');
      assert.equal(lines.length, 3);
      assert.ok(lines.every((l) => l.includes(' - T0000ABCDE12345x - ')));
    });
  });

  describe('against the simulator', () => {
    let sim: Simulator;
    before(async () => {
      sim = await startSimulator({ port: 0, now: () => new Date(2026, 10, 26, 14, 29, 16) });
    });
    after(() => sim.close());
    beforeEach(() => {
      sim.state.requests.length = 0;
    });

    const base = () => `site_cd=T0000,site_key=${KEY},pa_url=127.0.0.1,pa_port=${sim.port}`;

    it('posts the request to /<tx_cd> and prints the gateway line with \\n, logging the SUCC lines at level 3', async () => {
      const w = sim.pay({ site_cd: 'T0000', ordr_idxx: 'STAND1', good_mny: 1004 });
      const r = await runStandin(bin, ['-h',
        `home=${tmp},${base()},tx_cd=00100000,ordr_idxx=STAND1,payx_data=,ordr_data=ordr_data=ordr_mony=1004${US},rcvr_data=,escw_data=,modx_data=,enc_data=${w.enc_data},enc_info=${w.enc_info},trace_no=,cust_ip=127.0.0.1,log_level=3,opt=0`], NOW);
      assert.equal(r.code, 0);
      const line = iconv.decode(r.stdout, 'cp949');
      assert.match(line, new RegExp(`^res_cd=0000${US}res_msg=정상처리${US}res_en_msg=processing completed${US}pay_method=PACA${US}order_no=STAND1${US}`));
      assert.ok(line.endsWith('join_cd=0000\n'));
      const req = sim.state.requests[0]!;
      assert.equal(req.txCd, '00100000');
      assert.equal(req.userAgent, 'pp_cli_214_exec');
      assert.equal(req.fields.trace_no, 'T0000BQETG60GRNn');
      assert.equal(req.fields.ordr_data, `ordr_data=ordr_mony=1004${US}`);
      const log = logText(join(tmp, 'log'));
      const msgs = log.trimEnd().split('\n').map((l) => l.slice(l.indexOf(' - MSG : ') + 9));
      assert.deepEqual(msgs.slice(0, 4), [
        'TX_START - site_cd=[T0000]+tx_cd=[00100000]+ordr_idxx=[STAND1]+log_level=[3]+opt=[0]',
        'PG_SERVER_CONN__SUCC', 'PG_SERVER_REQ_MSG_SEND__SUCC', 'PG_SERVER_RES_MSG_RECV__SUCC',
      ]);
      assert.equal(msgs[4], `TX_ENDED - res=[${line.slice(0, -1)}]`);
      assert.ok(!log.includes(KEY) && !log.includes(w.enc_data) && !log.includes(w.enc_info), 'no secrets in the log');
    });

    it('logs the request body at level 5 in the module\'s shape, with enc_data reduced to its length', async () => {
      await runStandin(bin, ['-h',
        `home=${tmp},${base()},tx_cd=00200000,ordr_data=ordr_data=a=1${US},modx_data=mod_data=tno=1${US}mod_type=STSC${US},enc_data=,cust_ip=127.0.0.1,log_level=5,opt=0`], NOW);
      const log = logText(join(tmp, 'log'));
      assert.ok(log.includes(' - MSG : REQ_MSG_BODY_DATA_CREATE__SUCC - REQ_MSG=[plan_data=ordr_data%3Da%3D1%1F%1C&enc_data=[masked:29]]\n'), log);
      assert.ok(!log.includes(KEY));
    });

    it('splits -h like getsubopt: a comma truncates, the rest is another option, the last duplicate wins, unknown keys are ignored', async () => {
      await runStandin(bin, ['-h',
        `${base()},tx_cd=00200000,ordr_idxx=ORDER,WITH_COMMA,modx_data=mod_data=tno=1${US},mode=0,cust_ip=127.0.0.1,cust_ip=10.0.0.9,trace_no=Tfirst,trace_no=T0000LASTTRACE01,log_level=0,opt=0`]);
      const f = sim.state.requests[0]!.fields;
      assert.equal(f.ordr_idxx, 'ORDER');
      assert.equal(f.cust_ip, '10.0.0.9');
      assert.equal(f.trace_no, 'T0000LASTTRACE01');
      assert.equal('mode' in f, false);
      assert.equal('WITH_COMMA' in f, false);
    });

    it('lets a value after a comma override a known key (the injection the wrapper must prevent)', async () => {
      await runStandin(bin, ['-h', `${base()},tx_cd=00200000,ordr_idxx=X,site_cd=T9999,log_level=0,opt=0`]);
      assert.equal(sim.state.requests[0]!.fields.site_cd, 'T9999');
    });

    it('opt=1: converts UTF-8 data sets to EUC-KR before sending and the answer back to UTF-8', async () => {
      const w = sim.pay({ site_cd: 'T0000', ordr_idxx: 'UTF8', good_mny: 2000 });
      const approve = await runStandin(bin, ['-h',
        `${base()},tx_cd=00100000,ordr_idxx=UTF8,ordr_data=ordr_data=ordr_mony=2000${US},enc_data=${w.enc_data},enc_info=${w.enc_info},cust_ip=127.0.0.1,log_level=0,opt=1`]);
      const tno = /tno=(\d{14})/.exec(approve.stdout.toString('utf8'))![1]!;
      const r = await runStandin(bin, ['-h',
        `home=${tmp},${base()},tx_cd=00200000,modx_data=mod_data=tno=${tno}${US}mod_type=STSC${US}mod_desc=결과 처리 오류 - 자동 취소${US},cust_ip=127.0.0.1,log_level=3,opt=1`], NOW);
      assert.equal(sim.state.requests[1]!.fields.modx_data, `mod_data=tno=${tno}${US}mod_type=STSC${US}mod_desc=결과 처리 오류 - 자동 취소${US}`);
      const expected = `res_cd=0000${US}res_msg=정상처리${US}res_en_msg=processing completed${US}tno=${tno}${US}amount=2000${US}canc_time=20261126142916\n`;
      assert.deepEqual(r.stdout, Buffer.from(expected, 'utf8'));
      assert.ok(readFileSync(join(tmp, 'log', '202611', '26_pp_cli.log')).includes(Buffer.from(`TX_ENDED - res=[${expected.slice(0, -1)}]`, 'utf8')),
        'TX_ENDED is logged in UTF-8 with opt=1');
    });

    it('opt=1: like the module, sends text outside EUC-KR with ? in its place', async () => {
      const r = await runStandin(bin, ['-h',
        `${base()},tx_cd=00200000,modx_data=mod_data=tno=1${US}mod_type=STSC${US}mod_desc=똠A${US},cust_ip=127.0.0.1,log_level=0,opt=1`]);
      assert.equal(r.code, 0);
      assert.equal(sim.state.requests.length, 1);
      assert.match(JSON.stringify(sim.state.requests[0]!.fields), /mod_desc=\?A\\u001f/);
    });

    it('answers in EUC-KR with opt=0', async () => {
      const r = await runStandin(bin, ['-h', `${base()},tx_cd=00200000,modx_data=mod_data=tno=99${US}mod_type=STSC${US},log_level=0,opt=0`]);
      assert.deepEqual(r.stdout, Buffer.concat([
        Buffer.from(`res_cd=8120${US}res_msg=`), euckr('원거래 없음'), Buffer.from(`${US}res_en_msg=original transaction not found\n`),
      ]));
    });

    it('creates the log folders and names the file DD_pp_cli.log under YYYYMM', async () => {
      await runStandin(bin, ['-h', `home=${tmp}/deep/er,${base()},tx_cd=00200000,log_level=0,opt=0`], NOW);
      assert.deepEqual(readdirSync(join(tmp, 'deep/er/log/202611')), ['26_pp_cli.log']);
    });
  });
});
