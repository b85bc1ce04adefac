import assert from 'node:assert/strict';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { interpretOutcome, lastLine, parseResultLine } from '../../lib/protocol/result.js';
import type { RunOutcome } from '../../lib/runner/types.js';
import { splitItemPairs, splitItems } from '../../lib/wire.js';

const US = '\x1f';

function outcome(o: Partial<RunOutcome>): RunOutcome {
  return { exitCode: 0, signal: null, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: false, durationMs: 1, ...o };
}

const BANNER =
  'pp_cli: invalid option -- \'x\'\n\n' + '='.repeat(70) + '\n pp_cli - KCP PG CLIENT MODULE   ver 2.14\n' + '-'.repeat(70) +
  '\n Copyright (c) 2000 - 2010  KCP Inc.  All Rights Reserved.\n' + '='.repeat(70) + '\n\n';

describe('result parsing (docs/pp-cli-protocol.md §2)', () => {
  it('parses the recorded card approval (EUC-KR), splitting each field at its first =', () => {
    const line =
      `res_cd=0000${US}res_msg=정상처리${US}pay_method=PACA${US}card_name=삼성카드${US}tno=20130326962625${US}amount=5000${US}` +
      `pg_txid=0326110751MP01AB7TL1WT0000000050000031756924${US}odd=a=b+c%20d&e\n`;
    const fields = interpretOutcome(outcome({ stdout: iconv.encode(line, 'cp949') }), 'euc-kr', '/x/pp_cli');
    assert.equal(fields.res_cd, '0000');
    assert.equal(fields.res_msg, '정상처리');
    assert.equal(fields.card_name, '삼성카드');
    assert.equal(fields.odd, 'a=b+c%20d&e');
    assert.deepEqual(Object.keys(fields), ['res_cd', 'res_msg', 'pay_method', 'card_name', 'tno', 'amount', 'pg_txid', 'odd']);
  });

  it('takes the last line with trailing whitespace removed', () => {
    assert.equal(lastLine('noise\nres_cd=0000\n\n'), 'res_cd=0000');
    assert.deepEqual(parseResultLine(`res_cd=S202${US}res_msg=PG 서버 접속 오류`), { res_cd: 'S202', res_msg: 'PG 서버 접속 오류' });
  });

  it('turns empty output into an unknown outcome (9502) with exit code, signal and stderr attached', () => {
    assert.throws(
      () => interpretOutcome(outcome({ exitCode: 3, stderr: Buffer.from('boom') }), 'euc-kr', '/h/bin/pp_cli'),
      (err: any) => {
        assert.equal(err.code, 'outcome_unknown');
        assert.equal(err.outcomeKnown, false);
        assert.equal(err.resCd, '9502');
        assert.equal(err.resMsg, '연동 모듈 호출 오류');
        assert.equal(err.exitCode, 3);
        assert.equal(err.signal, null);
        assert.equal(err.stderr, 'boom');
        assert.equal(
          err.message,
          "pp_cli printed no answer (exit code 3). If it never ran a transaction, check that /h/bin/pp_cli is KCP's " +
            "module, executable (chmod 755) and built for this machine: run 'kcp-payplus doctor'; the gateway may have " +
            "processed the request. Do not retry: resolve it first (recover(), the module's log, or KCP's admin)",
        );
        return true;
      },
    );
  });

  it('recognises the usage banner on stderr as S102', () => {
    const stdout = iconv.encode(`res_cd=S102${US}res_msg=연동 모듈 호출 오류\n`, 'cp949');
    assert.throws(() => interpretOutcome(outcome({ exitCode: 105, stdout, stderr: Buffer.from(BANNER) }), 'euc-kr', 'f'), {
      code: 'module_unavailable',
      resCd: 'S102',
    });
  });

  it('reports a timeout as outcome unknown, never as a plain failure', () => {
    assert.throws(() => interpretOutcome(outcome({ timedOut: true, signal: 'SIGKILL', exitCode: null }), 'euc-kr', 'f'), {
      code: 'outcome_unknown',
      outcomeKnown: false,
    });
  });

  it('maps spawn errors to the module error with the fix', () => {
    assert.throws(
      () => interpretOutcome(outcome({ exitCode: null, spawnError: { code: 'EACCES', message: 'denied' } }), 'euc-kr', '/h/bin/pp_cli'),
      { message: '9502 연동 모듈 호출 오류: cannot run pp_cli (EACCES): /h/bin/pp_cli is not executable: chmod 755 /h/bin/pp_cli (and check the folder permissions and noexec mounts)' },
    );
  });
});

describe('wire: splitItems / splitItemPairs (lib/wire.ts)', () => {
  /** The reading they implement, written the obvious way: split on the separator, each token at its first '='. */
  const reference = (text: string, separator: string): Array<[string, string]> =>
    text
      .split(separator)
      .filter((token) => token !== '')
      .map((token): [string, string] => {
        const eq = token.indexOf('=');
        return eq < 0 ? [token, ''] : [token.slice(0, eq), token.slice(eq + 1)];
      });

  it('reads every text as splitting on the separator and at each item\'s first = would (fast-check)', () => {
    const piece = fc.constantFrom('a', 'b', '=', '==', US, '\x1d', '\x1e', '가', 'ab', 'x=1', '');
    const text = fc.array(piece, { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, fc.constantFrom(US, '\x1d', 'ab', '='), (t, separator) => {
        const want = reference(t, separator);
        assert.deepEqual(splitItemPairs(t, separator), want);
        const last: Record<string, string> = {};
        for (const [key, value] of want) last[key] = value;
        assert.deepEqual(splitItems(t, separator), last);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads 200,000 items without = in one pass, and refuses an empty separator', () => {
    const many = `a${US}`.repeat(200_000);
    const pairs = splitItemPairs(many, US);
    assert.equal(pairs.length, 200_000);
    assert.deepEqual(pairs[199_999], ['a', '']);
    assert.throws(() => splitItems('a=1', ''), { name: 'RangeError', message: 'splitItems: the separator must not be empty' });
  });
});
