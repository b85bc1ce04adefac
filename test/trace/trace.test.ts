import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import iconv from 'iconv-lite';

import {
  decodeLogLine,
  findTransaction,
  formatStory,
  groupRuns,
  listLogFiles,
  parsePpCliLine,
  stepOf,
  storyJson,
  traceTransaction,
  type TraceEntry,
} from '../../lib/trace/index.js';
import { materializeLogs, removeMaterialized } from '../fixtures/logs/materialize.js';

const steps = (entries: TraceEntry[]) => entries.map((e) => `${e.source}:${e.pid ?? '-'}:${e.step}`);

describe('trace', () => {
  let v200: string;
  let v214: string;
  before(() => {
    v200 = materializeLogs('v200');
    v214 = materializeLogs('v214');
  });
  after(removeMaterialized);

  describe('fixtures', () => {
    it('our own log is written by the real file logger: masked card number, local times with offset, mode 0600', () => {
      const file = path.join(v214, '202405', '01_kcp-payplus.log');
      const text = fs.readFileSync(file, 'utf8');
      assert.equal(text.includes('4579720000009876'), false);
      const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { time: string; event: string; fields: Record<string, string> });
      assert.equal(lines.length, 6);
      assert.equal(lines[2]!.fields.card_no, '457972******9876');
      assert.match(lines[0]!.time, /^2024-05-01T10:15:42\.090[+-]\d\d:\d\d$/);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    });

    it('are EUC-KR like pp_cli writes them, with a UTF-8 TX_ENDED line for opt=1 in v2.14', () => {
      const old = fs.readFileSync(path.join(v200, '201303', '26_pp_cli.log'));
      assert.ok(old.includes(iconv.encode('PG_서버_접속__정상', 'cp949')));
      assert.ok(old.includes(Buffer.from([0xc1, 0xa4, 0xbb, 0xf3, 0xc3, 0xb3, 0xb8, 0xae]))); // 정상처리 in EUC-KR
      assert.equal(old.includes(Buffer.from('정상처리', 'utf8')), false);
      assert.ok(old.includes(Buffer.from('res_cd=0000\x1fres_msg=')));
      const recent = fs.readFileSync(path.join(v214, '202405', '01_pp_cli.log'));
      assert.ok(recent.includes(Buffer.from('card_name=KB국민카드', 'utf8')));
      assert.ok(recent.includes(iconv.encode('res_msg=PG 서버 접속 오류', 'cp949')));
    });
  });

  describe('line parsing', () => {
    it('parses a v2.00 line: no milliseconds, Korean message, trace padded to 16', () => {
      const e = parsePpCliLine('0326-110752 -  4121 - T00003QB7e5cKd0P - MSG : PG_서버_접속__정상', 2013, 'f', 2);
      assert.ok(e);
      assert.deepEqual(
        { ...e, time: e.time.getTime() },
        {
          source: 'pp_cli',
          time: new Date(2013, 2, 26, 11, 7, 52).getTime(),
          hasMillis: false,
          file: 'f',
          lineNo: 2,
          pid: 4121,
          traceNo: 'T00003QB7e5cKd0P',
          kind: 'MSG',
          version: '2.00',
          step: 'PG_SERVER_CONN__SUCC',
          text: 'PG_서버_접속__정상',
          fields: {},
        },
      );
      const cancel = parsePpCliLine('0326-110903 -  4140 - 20130326731542   - MSG : TX_START - site_cd=[T0000]+tx_cd=[00200000]+ordr_idxx=[ORD130326-0001]+log_level=[3]', 2013);
      assert.equal(cancel?.traceNo, '20130326731542');
      assert.deepEqual(cancel?.fields, { site_cd: 'T0000', tx_cd: '00200000', ordr_idxx: 'ORD130326-0001', log_level: '3' });
      assert.equal(cancel?.ordrIdxx, 'ORD130326-0001');
    });

    it('parses a v2.14 line with milliseconds, an ERR line, and a TX_ENDED result', () => {
      const start = parsePpCliLine('0501-101542.104 - 23817 - T000051AFg60GRNn - MSG : TX_START - site_cd=[T0000]+tx_cd=[00100000]+ordr_idxx=[ORD-1]+log_level=[3]+opt=[1]', 2024);
      assert.equal(start?.version, '2.14');
      assert.equal(start?.time.getTime(), new Date(2024, 4, 1, 10, 15, 42, 104).getTime());
      assert.equal(start?.fields.opt, '1');
      const err = parsePpCliLine('0501-112012.336 - 24002 - T000051BK960GRNn - ERR : PG_SERVER_CONN__FAIL - CONN_INFO=[testpaygw.kcp.co.kr:8090]+ERR_MSG=[Connection timed out]', 2024);
      assert.equal(err?.kind, 'ERR');
      assert.equal(err?.step, 'PG_SERVER_CONN__FAIL');
      assert.deepEqual(err?.fields, { CONN_INFO: 'testpaygw.kcp.co.kr:8090', ERR_MSG: 'Connection timed out' });
      const end = parsePpCliLine('0501-101544.515 - 23825 - 20240501102233   - MSG : TX_ENDED - res=[res_cd=0000\x1fres_msg=정상처리\x1ftno=20240501102233\x1fx=a=b]', 2024);
      assert.deepEqual(end?.fields, { res_cd: '0000', res_msg: '정상처리', tno: '20240501102233', x: 'a=b' });
      assert.equal(end?.tno, '20240501102233');
      assert.equal(parsePpCliLine('garbage line', 2024), undefined);
    });

    it('gives v2.00 Korean and v2.14 English messages the same step names', () => {
      assert.equal(stepOf('PG_서버_요청_전문_전송__정상'), 'PG_SERVER_REQ_MSG_SEND__SUCC');
      assert.equal(stepOf('PG_서버_응답_전문_수신__정상'), 'PG_SERVER_RES_MSG_RECV__SUCC');
      assert.equal(stepOf('PG_SERVER_RES_MSG_RECV__SUCC'), 'PG_SERVER_RES_MSG_RECV__SUCC');
      assert.equal(stepOf('TX_ENDED - res=[res_cd=0000]'), 'TX_ENDED');
      assert.equal(stepOf('요청 DATA 오류 - 암호화 정보와 암호화 DATA 설정 오류'), '요청 DATA 오류');
    });

    it('decodes each line as UTF-8 when it is valid UTF-8, else as EUC-KR/CP949', () => {
      assert.equal(decodeLogLine(iconv.encode('res_msg=정상처리', 'cp949')), 'res_msg=정상처리');
      assert.equal(decodeLogLine(Buffer.from('res_msg=정상처리', 'utf8')), 'res_msg=정상처리');
      assert.equal(decodeLogLine(Buffer.from('plain')), 'plain');
    });
  });

  describe('v2.00 logs', () => {
    it('finds a transaction by trace_no and follows its tno to the auto-cancel (trace_no = tno)', () => {
      const r = traceTransaction('T00003QB7e5cKd0P', { dirs: [v200] });
      assert.deepEqual(r.ids, ['T00003QB7e5cKd0P', 'ORD130326-0001', '20130326731542']);
      assert.deepEqual(r.runs.map((run) => [run.pid, run.traceNo, run.txCd, run.resCd, run.tno]), [
        [4121, 'T00003QB7e5cKd0P', '00100000', '0000', '20130326731542'],
        [4140, '20130326731542', '00200000', '0000', '20130326731542'],
      ]);
      assert.deepEqual(steps(r.entries), [
        'pp_cli:4121:TX_START',
        'pp_cli:4121:PG_SERVER_CONN__SUCC',
        'pp_cli:4121:PG_SERVER_REQ_MSG_SEND__SUCC',
        'pp_cli:4121:PG_SERVER_RES_MSG_RECV__SUCC',
        'pp_cli:4121:TX_ENDED',
        'pp_cli:4140:TX_START',
        'pp_cli:4140:PG_SERVER_CONN__SUCC',
        'pp_cli:4140:PG_SERVER_REQ_MSG_SEND__SUCC',
        'pp_cli:4140:PG_SERVER_RES_MSG_RECV__SUCC',
        'pp_cli:4140:TX_ENDED',
      ]);
    });

    it('finds every attempt of an ordr_idxx (a decline, then an approval), grouped by pid + trace', () => {
      const r = traceTransaction('ORD130326-0003', { dirs: [v200] });
      assert.deepEqual(r.runs.map((run) => [run.pid, run.traceNo, run.resCd, run.resMsg]), [
        [5230, 'T00003QEF25cKd0P', '8105', '포맷에러(지불|신용카드|금액)'],
        [5302, 'T00003QEGk5cKd0P', '0000', '정상처리'],
      ]);
    });

    it('finds a transaction by the tno in its TX_ENDED line, leaving out interleaved lines of others', () => {
      const r = traceTransaction('20130326731601', { dirs: [v200] });
      assert.deepEqual(r.runs.map((run) => run.pid), [4133]);
      assert.equal(r.entries.length, 5);
      assert.ok(r.entries.every((e) => e.pid === 4133));
    });

    it('prints the story with card numbers masked', () => {
      const story = formatStory(traceTransaction('ORD130326-0001', { dirs: [v200] }));
      const file = path.join(v200, '201303', '26_pp_cli.log');
      const lines = story.split('\n');
      assert.deepEqual(lines.slice(0, 4), [
        'Transaction ORD130326-0001 (also: T00003QB7e5cKd0P, 20130326731542)',
        `2 pp_cli runs, 0 SDK events; files: ${file}`,
        '',
        '2013-03-26 11:07:52      pp_cli 2.00 pid 4121    T00003QB7e5cKd0P  TX_START approval (tx_cd 00100000) site_cd=T0000 ordr_idxx=ORD130326-0001 log_level=3',
      ]);
      assert.equal(lines[4], '2013-03-26 11:07:52      pp_cli 2.00 pid 4121    T00003QB7e5cKd0P  connected to the gateway (PG_SERVER_CONN__SUCC)');
      assert.match(lines[7], /^2013-03-26 11:08:01 {6}pp_cli 2\.00 pid 4121 {4}T00003QB7e5cKd0P  TX_ENDED res_cd=0000 정상처리 pay_method=PACA .* card_no=451844\*\*\*\*\*\*5678 tno=20130326731542 amount=15000 /);
      assert.equal(story.includes('4518440012345678'), false);
      assert.deepEqual(lines.slice(-3), [
        'run 1: pid 4121, trace T00003QB7e5cKd0P, approval (tx_cd 00100000), ordr_idxx ORD130326-0001, res_cd 0000 정상처리, tno 20130326731542',
        'run 2: pid 4140, trace 20130326731542, modify (cancel/capture) (tx_cd 00200000), ordr_idxx ORD130326-0001, res_cd 0000 정상처리, tno 20130326731542',
        '',
      ]);
    });

    it('skips files dated before --since', () => {
      assert.equal(traceTransaction('ORD130326-0001', { dirs: [v200], since: new Date(2013, 2, 27) }).entries.length, 0);
      assert.equal(traceTransaction('ORD130326-0001', { dirs: [v200], since: new Date(2013, 2, 26) }).entries.length, 10);
    });
  });

  describe('v2.14 logs with the SDK JSON-lines log', () => {
    it('interleaves pp_cli lines and SDK events in time order, through the auto-cancel', () => {
      const r = traceTransaction('T000051AFg60GRNn', { dirs: [v214] });
      assert.deepEqual(steps(r.entries), [
        'sdk:-:tx.start',
        'sdk:-:runner.selected',
        'pp_cli:23817:TX_START',
        'pp_cli:23817:PG_SERVER_CONN__SUCC',
        'pp_cli:23817:PG_SERVER_REQ_MSG_SEND__SUCC',
        'pp_cli:23817:PG_SERVER_RES_MSG_RECV__SUCC',
        'pp_cli:23817:TX_ENDED',
        'sdk:-:tx.end',
        'sdk:-:payment.amount_mismatch',
        'pp_cli:23825:TX_START',
        'pp_cli:23825:PG_SERVER_CONN__SUCC',
        'pp_cli:23825:PG_SERVER_REQ_MSG_SEND__SUCC',
        'pp_cli:23825:PG_SERVER_RES_MSG_RECV__SUCC',
        'pp_cli:23825:TX_ENDED',
        'sdk:-:payment.auto_cancelled',
      ]);
      const ended = r.entries.find((e) => e.pid === 23817 && e.step === 'TX_ENDED');
      assert.equal(ended?.fields.card_name, 'KB국민카드', 'the opt=1 UTF-8 line decodes as UTF-8');
    });

    it('finds the same story by tno and by ordr_idxx', () => {
      const byTrace = traceTransaction('T000051AFg60GRNn', { dirs: [v214] }).entries.length;
      assert.equal(traceTransaction('20240501102233', { dirs: [v214] }).entries.length, byTrace);
      assert.equal(traceTransaction('ORD-20240501-0007', { dirs: [v214] }).entries.length, byTrace);
    });

    it('prints a connection failure (S202) with its ERR line, masked', () => {
      const story = formatStory(traceTransaction('ORD-20240501-0008', { dirs: [v214] }));
      const lines = story.split('\n');
      assert.deepEqual(lines.slice(3, 7), [
        '2024-05-01 11:20:09.330  pp_cli 2.14 pid 24002   T000051BK960GRNn  TX_START approval (tx_cd 00100000) site_cd=T0000 ordr_idxx=ORD-20240501-0008 log_level=3 opt=0',
        '2024-05-01 11:20:12.336  pp_cli 2.14 pid 24002   T000051BK960GRNn  ERROR could not connect to the gateway (PG_SERVER_CONN__FAIL) CONN_INFO=[testpaygw.kcp.co.kr:8090]+ERR_MSG=[Connection timed out]',
        '2024-05-01 11:20:12.337  pp_cli 2.14 pid 24002   T000051BK960GRNn  TX_ENDED res_cd=S202 PG 서버 접속 오류',
        '2024-05-01 11:20:12.340  sdk    L0               T000051BK960GRNn  tx.end res_cd=S202',
      ]);
    });

    it('masks card numbers and phone numbers from pp_cli lines in the story and in JSON', () => {
      const r = traceTransaction('T000051AFg60GRNn', { dirs: [v214] });
      for (const out of [formatStory(r), storyJson(r)]) {
        assert.equal(out.includes('4579720012349876'), false);
        assert.equal(out.includes('01098765432'), false);
        assert.ok(out.includes('card_no=457972******9876'));
        assert.ok(out.includes('mobile_no=010****5432'));
      }
      const json = JSON.parse(storyJson(r));
      assert.deepEqual(
        json.runs.map((run: { source: string; pid?: number; trace_no: string; res_cd?: string }) => [run.source, run.pid ?? null, run.trace_no, run.res_cd ?? null]),
        [
          ['sdk', null, 'T000051AFg60GRNn', null],
          ['sdk', null, '20240501102233', null],
          ['pp_cli', 23817, 'T000051AFg60GRNn', '0000'],
          ['pp_cli', 23825, '20240501102233', '0000'],
        ],
      );
      assert.equal(json.entries.length, 15);
      assert.deepEqual(json.entries[2], {
        time: '2024-05-01 10:15:42.104',
        source: 'pp_cli',
        version: '2.14',
        pid: 23817,
        trace_no: 'T000051AFg60GRNn',
        kind: 'MSG',
        step: 'TX_START',
        text: 'TX_START approval (tx_cd 00100000) site_cd=T0000 ordr_idxx=ORD-20240501-0007 log_level=3 opt=1',
        file: path.join(v214, '202405', '01_pp_cli.log'),
        line: 1,
      });
    });

    it('reads both versions at once when given both folders', () => {
      const files = listLogFiles([v200, v214]).map((f) => path.relative(path.dirname(path.dirname(path.dirname(f.path))), f.path));
      assert.deepEqual(files.map((f) => f.split(path.sep).slice(1).join('/')), [
        '201303/26_pp_cli.log',
        '202405/01_kcp-payplus.log',
        '202405/01_pp_cli.log',
      ]);
    });

    it('says so when nothing matches', () => {
      const r = traceTransaction('ORD-NOPE', { dirs: [v200, v214] });
      assert.equal(r.entries.length, 0);
      assert.equal(formatStory(r), 'No log lines found for ORD-NOPE.\n');
    });
  });

  it('starts a new run when the same pid and trace begin another TX_START', () => {
    const lines = [
      '0501-100000.000 - 100 - T000051A0060GRNn - MSG : TX_START - site_cd=[T0000]+tx_cd=[00100000]+ordr_idxx=[A]+log_level=[3]+opt=[0]',
      '0501-100001.000 - 100 - T000051A0060GRNn - MSG : TX_ENDED - res=[res_cd=S202\x1fres_msg=x]',
      '0501-100002.000 - 100 - T000051A0060GRNn - MSG : TX_START - site_cd=[T0000]+tx_cd=[00100000]+ordr_idxx=[A]+log_level=[3]+opt=[0]',
    ].map((l, i) => parsePpCliLine(l, 2024, 'f', i + 1) as TraceEntry);
    const runs = groupRuns(lines);
    assert.deepEqual(runs.map((r) => [r.entries.length, r.resCd]), [
      [2, 'S202'],
      [1, undefined],
    ]);
    assert.equal(findTransaction('A', lines).runs.length, 2);
  });

  describe('a trace_no shared by a cancel and the next approval (one-second trace)', () => {
    const lines = [
      '0501-120000.100 - 300 - T000051C0060GRNn - MSG : TX_START - site_cd=[T0000]+tx_cd=[00200000]+log_level=[3]+opt=[0]',
      '0501-120000.400 - 300 - T000051C0060GRNn - MSG : TX_ENDED - res=[res_cd=0000\x1fres_msg=ok\x1ftno=20240501000001\x1fmod_type=STSC]',
      '0501-120000.500 - 301 - T000051C0060GRNn - MSG : TX_START - site_cd=[T0000]+tx_cd=[00100000]+ordr_idxx=[2024050112345678]+log_level=[3]+opt=[0]',
      '0501-120000.900 - 301 - T000051C0060GRNn - MSG : TX_ENDED - res=[res_cd=0000\x1fres_msg=ok\x1ftno=20240501000002\x1forder_no=2024050112345678]',
      '0501-120001.000 - 302 - T000051C0160GRNn - MSG : TX_START - site_cd=[T0000]+tx_cd=[00200000]+log_level=[3]+opt=[0]',
      '0501-120001.200 - 302 - T000051C0160GRNn - MSG : TX_ENDED - res=[res_cd=0000\x1fres_msg=ok\x1ftno=20240501000002\x1fmod_type=STSC]',
    ].map((l, i) => parsePpCliLine(l, 2024, 'f', i + 1) as TraceEntry);
    const pids = (q: string) => findTransaction(q, lines).runs.map((r) => r.pid);

    it("the approval's order id finds the approval and its own cancel, not the other cancel", () => {
      assert.deepEqual(pids('2024050112345678'), [301, 302]);
      assert.deepEqual(pids('20240501000002'), [301, 302]);
    });

    it("the cancelled payment's tno finds only its cancel", () => {
      assert.deepEqual(pids('20240501000001'), [300]);
    });

    it('a shared trace_no as the query finds both runs that carry it, and what each tno leads to', () => {
      assert.deepEqual(pids('T000051C0060GRNn'), [300, 301, 302]);
    });

    it('prints a 16-digit order id the same way everywhere: as it is', () => {
      const story = formatStory(findTransaction('2024050112345678', lines));
      assert.equal(story.match(/2024050112345678/g)?.length, 4, story);
      assert.ok(story.includes('run 1: pid 301, trace T000051C0060GRNn, approval (tx_cd 00100000), ordr_idxx 2024050112345678, res_cd 0000 ok, tno 20240501000002\n'), story);
      assert.equal(story.includes('202405******5678'), false);
    });
  });
});
