/**
 * Golden tests for what KCP's module cannot carry (docs/pp-cli-protocol.md §10.1, §10.2): a data set is carried whole up to
 * 30,718 EUC-KR bytes and refused from 30,719 (ASCII and Hangul, opt=0 and opt=1, every set); the `-h` argument up to
 * 131,071 bytes (128 KiB with its NUL) and refused from 131,072; item names outside [a-z0-9_]+ in every setter.
 * A refusal names the field, and nothing runs.
 */
import assert from 'node:assert/strict';
import { silentLogger } from '../../lib/log/types.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import type { Transaction } from '../../lib/payplus/transaction.js';
import { parseOptionString } from '../../lib/wire.js';
import { MAX_ARGUMENT_BYTES, MAX_DATA_SET_BYTES } from '../../lib/protocol/limits.js';
import { usItem } from '../../lib/protocol/data-set.js';
import type { ArgvEncoding } from '../../lib/runner/types.js';
import { CannedRunner } from '../helpers/canned-runner.js';
import { testConfData } from '../helpers/conf.js';

const US = '\x1f';
const OK = `res_cd=0000${US}res_msg=ok\n`;
const TNO = '20130326962625';
/** `mod_data=tno=…<US>mod_type=STSC<US>mod_ip=1.2.3.4<US>mod_desc=` + value + `<US>`: 67 bytes besides the value. */
const CANCEL_OVERHEAD = 67;

function setup(argvEncoding: ArgvEncoding = 'euc-kr') {
  const runner = new CannedRunner([OK], argvEncoding);
  const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner });
  return { runner, payplus };
}

function cancel(payplus: PayPlus, reason: string) {
  return payplus.cancel({ tno: TNO, reason, custIp: '1.2.3.4' });
}

describe('data-set limit: 30,718 EUC-KR bytes per set (§10.1)', () => {
  it('is the documented reproducer: mod_desc of 30,651 × A is carried exactly, 30,652 × A is refused', async () => {
    assert.equal(MAX_DATA_SET_BYTES, 30_718);
    const ok = setup();
    await cancel(ok.payplus, 'A'.repeat(30_651));
    const mod = parseOptionString(ok.runner.optionBytes()).get('modx_data')!;
    assert.equal(mod.length, 30_718);
    assert.equal(
      mod.toString('latin1'),
      `mod_data=tno=${TNO}${US}mod_type=STSC${US}mod_ip=1.2.3.4${US}mod_desc=${'A'.repeat(30_651)}${US}`,
    );

    const over = setup();
    await assert.rejects(cancel(over.payplus, 'A'.repeat(30_652)), {
      code: 'input_invalid',
      field: 'mod_desc',
      message:
        "mod_desc (in modx_data): the data set would be 30,719 bytes in EUC-KR, and KCP's module carries at most " +
        '30,718 bytes per data set, silently cutting the rest. Shorten mod_desc (30,652 bytes) by at least 1 byte',
    });
    assert.equal(over.runner.calls.length, 0);
  });

  for (const [label, argvEncoding, opt] of [
    ['opt=0 (EUC-KR argv)', 'euc-kr', '0'],
    ['opt=1 (UTF-8 argv, counted after the module converts it)', 'utf-8', '1'],
  ] as const) {
    it(`counts Hangul as two bytes, ${label}`, async () => {
      // 67 + 1 + 2 × 15,325 = 30,718
      const fits = `A${'가'.repeat(15_325)}`;
      assert.equal(CANCEL_OVERHEAD + 1 + 2 * 15_325, 30_718);
      const ok = setup(argvEncoding);
      await cancel(ok.payplus, fits);
      const opts = parseOptionString(ok.runner.optionBytes());
      assert.equal(opts.get('opt')!.toString(), opt);
      const desc = opts.get('modx_data')!;
      const expected = Buffer.concat([
        Buffer.from(`mod_data=tno=${TNO}${US}mod_type=STSC${US}mod_ip=1.2.3.4${US}mod_desc=A`, 'latin1'),
        Buffer.from(opt === '0' ? 'b0a1'.repeat(15_325) : 'eab080'.repeat(15_325), 'hex'),
        Buffer.from(US, 'latin1'),
      ]);
      assert.ok(desc.equals(expected), 'modx_data carried byte for byte');

      const over = setup(argvEncoding);
      await assert.rejects(cancel(over.payplus, '가'.repeat(15_326)), {
        field: 'mod_desc',
        message: /^mod_desc \(in modx_data\): the data set would be 30,719 bytes in EUC-KR/,
      });
      assert.equal(over.runner.calls.length, 0);
    });
  }

  /** Each set, filled through its own setter with one item `x=<pad>` so the set string is exactly `total` bytes. */
  const SETS: ReadonlyArray<{ set: string; prefix: number; fill: (tx: Transaction, pad: string) => void }> = [
    { set: 'ordr_data', prefix: 'ordr_data=x='.length + 1, fill: (tx, pad) => tx.setOrdrData('x', pad) },
    { set: 'rcvr_data', prefix: 'rcvr_data=x='.length + 1, fill: (tx, pad) => tx.setRcvrData('x', pad) },
    { set: 'escw_data', prefix: 'escw_data=x='.length + 1, fill: (tx, pad) => tx.setEscwData('x', pad) },
    { set: 'modx_data', prefix: 'mod_data=x='.length + 1, fill: (tx, pad) => tx.setModxData('x', pad) },
    { set: 'payx_data', prefix: 'payx_data=common=x='.length + 2, fill: (tx, pad) => tx.setPayxCommonData('x', pad) },
    { set: 'payx_data', prefix: 'payx_data=real_batch=x='.length + 2, fill: (tx, pad) => tx.addPayxData('real_batch', 'x', pad) },
  ];
  for (const { set, prefix, fill } of SETS) {
    for (const hangul of [false, true]) {
      it(`${set} via its setter: ${hangul ? 'Hangul' : 'ASCII'} at exactly 30,718 carried, 30,719 refused`, async () => {
        for (const total of [30_718, 30_719]) {
          const room = total - prefix;
          const pad = hangul ? `${'A'.repeat(room % 2)}${'한'.repeat(Math.floor(room / 2))}` : 'B'.repeat(room);
          const { runner, payplus } = setup();
          const tx = await payplus.transaction();
          fill(tx, pad);
          const run = tx.doTx({ txCd: '00200000', custIp: '1.2.3.4' });
          if (total === 30_718) {
            await run;
            assert.equal(parseOptionString(runner.optionBytes()).get(set)!.length, 30_718);
          } else {
            await assert.rejects(run, {
              field: 'x',
              message: new RegExp(`^x \\(in ${set}\\): the data set would be 30,719 bytes in EUC-KR`),
            });
            assert.equal(runner.calls.length, 0);
          }
        }
      });
    }
  }

  it('is per set: two sets of 30,000 bytes each are both carried', async () => {
    const { runner, payplus } = setup();
    const tx = await payplus.transaction();
    tx.setOrdrData('x', 'o'.repeat(29_980)).setModxData('y', 'm'.repeat(29_980));
    await tx.doTx({ txCd: '00200000' });
    const opts = parseOptionString(runner.optionBytes());
    assert.equal(opts.get('ordr_data')!.length, 29_993);
    assert.equal(opts.get('modx_data')!.length, 29_992);
  });

  it('refuses a value that alone cannot fit before encoding or masking it (140,000 characters)', async () => {
    const { runner, payplus } = setup();
    await assert.rejects(cancel(payplus, 'A'.repeat(140_000)), {
      field: 'mod_desc',
      message:
        "mod_desc (in modx_data): 140,000 characters do not fit KCP's module, which carries at most 30,718 bytes " +
        '(EUC-KR) per data set and silently cuts the rest. Shorten mod_desc',
    });
    assert.equal(runner.calls.length, 0);
  });
});

describe('argument limit: 128 KiB (E2BIG, §10.1)', () => {
  /** Five sets of ~30,000 bytes and a last pad tuned so the whole -h argument is `total` bytes. */
  async function argumentOf(total: number) {
    const probe = setup();
    const fill = async (payplus: PayPlus, last: number) => {
      const tx = await payplus.transaction();
      tx.setPayxCommonData('a', 'p'.repeat(30_000))
        .setOrdrData('b', 'o'.repeat(30_000))
        .setRcvrData('c', 'r'.repeat(30_000))
        .setEscwData('d', 'e'.repeat(30_000))
        .setModxData('f', 'm'.repeat(last));
      return tx.doTx({ txCd: '00200000', custIp: '1.2.3.4' });
    };
    await fill(probe.payplus, 1_000);
    const base = probe.runner.optionBytes().length;
    const run = setup();
    return { runner: run.runner, result: fill(run.payplus, 1_000 + total - base) };
  }

  it('carries an argument of exactly 131,071 bytes', async () => {
    assert.equal(MAX_ARGUMENT_BYTES, 131_071);
    const { runner, result } = await argumentOf(131_071);
    await result;
    assert.equal(runner.optionBytes().length, 131_071);
  });

  it('refuses 131,072 bytes, naming the largest data set, before anything runs', async () => {
    const { runner, result } = await argumentOf(131_072);
    await assert.rejects(result, {
      code: 'input_invalid',
      field: 'payx_data',
      message:
        'payx_data: the pp_cli argument would be 131,072 bytes, and Linux passes at most 131,071 bytes in one ' +
        'argument (128 KiB with its NUL; E2BIG, the module never starts). Shorten payx_data (30,021 bytes) or the ' +
        'rest of the request by at least 1 byte',
    });
    assert.equal(runner.calls.length, 0);
  });

  it('names enc_data when the payment window data is what does not fit', async () => {
    const { runner, payplus } = setup();
    await assert.rejects(
      payplus.approve({ tranCd: '00100000', encData: 'E'.repeat(140_000), encInfo: 'I', ordrIdxx: 'A1', amount: 1, custIp: '1.2.3.4' }),
      { field: 'enc_data', message: /^enc_data: the pp_cli argument would be 140,310 bytes.*Shorten enc_data \(140,000 bytes\) or the rest of the request by at least 9,239 bytes$/ },
    );
    assert.equal(runner.calls.length, 0);
  });
});

describe('item names (§10.2): [a-z0-9_]+ in every setter', () => {
  const BAD: ReadonlyArray<[string, string]> = [
    ['', 'is empty'],
    ['Ordr_mony', 'contains "O" (U+004F) at position 1'],
    [`x${US}mod_type`, 'contains the control character U+001F at position 2'],
    ['x\x1cmod_data=tno', 'contains the control character U+001C at position 2'],
    ['x\x1dy', 'contains the control character U+001D at position 2'],
    ['x\x1ey', 'contains the control character U+001E at position 2'],
    ['a=b', 'contains "=" (U+003D) at position 2'],
    ['a,b', 'contains "," (U+002C) at position 2'],
    ['a b', 'contains " " (U+0020) at position 2'],
  ];
  const SETTERS: ReadonlyArray<[string, string, (tx: Transaction, name: string) => unknown]> = [
    ['setOrdrData', 'ordr_data', (tx, n) => tx.setOrdrData(n, 'v')],
    ['setRcvrData', 'rcvr_data', (tx, n) => tx.setRcvrData(n, 'v')],
    ['setEscwData', 'escw_data', (tx, n) => tx.setEscwData(n, 'v')],
    ['setModxData', 'modx_data', (tx, n) => tx.setModxData(n, 'v')],
    ['setPayxCommonData', 'payx_data common', (tx, n) => tx.setPayxCommonData(n, 'v')],
    ['setPayxCardData', 'payx_data card', (tx, n) => tx.setPayxCardData(n, 'v')],
    ['addPayxData (item)', 'payx_data real_batch', (tx, n) => tx.addPayxData('real_batch', n, 'v')],
    ['addPayxData (subset)', 'payx_data', (tx, n) => tx.addPayxData(n, 'x', 'v')],
    ['setOrdrNestedData (set)', 'ordr_data', (tx, n) => tx.setOrdrNestedData(n, `a=1${US}`)],
    ['setOrdrNestedData (item)', 'rcpt_data', (tx, n) => tx.setOrdrNestedData('rcpt_data', `${n}=1${US}`)],
    ['usItem', 'nested item', (_tx, n) => usItem(n, 'v')],
  ];
  for (const [setter, set, call] of SETTERS) {
    it(`${setter} refuses empty names, separators, '=', ',' and capitals, naming ${set}`, async () => {
      const { payplus } = setup();
      const tx = await payplus.transaction();
      for (const [name, problem] of BAD) {
        if (setter === 'setOrdrNestedData (item)') {
          // a separator in a nested name re-frames the string: refused as a malformed item; `a=b=1` is item a, value b=1
          if (name === 'a=b') continue;
          assert.throws(() => call(tx, name), { code: 'input_invalid', field: /^(rcpt_data|x|a)$/ });
          continue;
        }
        assert.throws(() => call(tx, name), {
          code: 'input_invalid',
          field: set,
          message: `${set}: the item name ${JSON.stringify(name)} ${problem}; KCP's item names are lowercase letters, digits and '_' ([a-z0-9_]+), and a separator, '=' or ',' in a name would add items or whole data sets in the module. Use the name from KCP's manual (e.g. ordr_mony, mod_desc)`,
        });
      }
    });
  }

  it('refuses a nested item string that would open a set, or is not framed by usItem', async () => {
    const { payplus } = setup();
    const tx = await payplus.transaction();
    assert.throws(() => tx.setOrdrNestedData('rcpt_data', `a=1\x1cmod_data=tno=1${US}`), {
      field: 'a',
      message: /^a: contains the control character U\+001C at position 2/,
    });
    assert.throws(() => tx.setOrdrNestedData('rcpt_data', 'a=1'), { field: 'rcpt_data', message: /must each end with US/ });
    assert.throws(() => tx.setOrdrNestedData('rcpt_data', `a${US}`), { field: 'rcpt_data', message: /has no '='/ });
    assert.throws(() => tx.setOrdrNestedData('rcpt_data', `=1${US}`), { field: 'rcpt_data', message: /the item name "" is empty/ });
  });

  it('refuses plan_data items with RS or bad names', async () => {
    const { payplus } = setup();
    const tx = await payplus.transaction();
    assert.throws(() => tx.setPlanData(`ordr_data=a=1\x1e${US}`), { field: 'plan_data', message: /the control character U\+001E at position 4/ });
    assert.throws(() => tx.setPlanData(`ordr_data=A=1${US}`), { field: 'ordr_data', message: /the item name "A" contains "A" \(U\+0041\) at position 1;/ });
  });

  it('refuses an unterminated last plan_data item, which the next setter would glue onto (ordr_mony would vanish)', async () => {
    const { payplus } = setup();
    const tx = await payplus.transaction();
    assert.throws(() => tx.setPlanData('ordr_data=good_name=book'), {
      field: 'plan_data',
      message:
        'plan_data: the ordr_data item "good_name=book" is not ended by US (0x1F) or GS (0x1D), so the next item would be ' +
        'glued onto it. End every item with its terminator, as mf_set_data_us builds them',
    });
    assert.throws(() => tx.setPlanData(`ordr_data=a=1${US}\x1cescw_data=b=2\x1dgood_name=book`), { field: 'plan_data', message: /the escw_data item "good_name=book" is not ended/ });
    // Nothing half-done: the refused call added nothing, and a terminated plan keeps ordr_mony as its own item.
    assert.equal(tx.getPlanData(), '');
    tx.setPlanData(`ordr_data=good_name=book${US}`).setOrdrData('ordr_mony', '1004');
    assert.equal(tx.getPlanData(), `ordr_data=good_name=book${US}ordr_mony=1004${US}\x1c`);
  });
});

describe('EUC-KR refusals name the field and the character', () => {
  it("cancel({ reason: 'é' }) names mod_desc, not modx_data", async () => {
    const { runner, payplus } = setup();
    await assert.rejects(cancel(payplus, 'café'), {
      code: 'input_invalid',
      field: 'mod_desc',
      message:
        "mod_desc: the character 'é' (U+00E9) is not in EUC-KR (KS X 1001) nor in CP949's extended Hangul, so pp_cli " +
        'cannot carry it; replace it (emoji and symbols outside KS X 1001 are not allowed)',
    });
    assert.equal(runner.calls.length, 0);
  });

  it('names the item in every set, also with opt=1', async () => {
    const { payplus } = setup('utf-8');
    const tx = await payplus.transaction();
    assert.throws(() => tx.setOrdrData('good_name', '책😀'), { field: 'good_name', message: /^good_name: the character '😀' \(U\+1F600\)/ });
    assert.throws(() => usItem('corp_nm', 'Ünited'), { field: 'corp_nm', message: /^corp_nm: the character 'Ü'/ });
    // CP949 Hangul is taken by the setter (opt=0 carries it); with opt=1 the start refuses it, naming the item.
    tx.setEscwData('deli_corp', '뷁').setOrdrData('good_name', '책');
    await assert.rejects(tx.doTx({ txCd: '00100000' }), {
      field: 'deli_corp',
      message:
        "deli_corp: the character '뷁' (U+BDC1) is CP949 Hangul outside EUC-KR (KS X 1001); with opt=1 (UTF-8 arguments) " +
        "pp_cli turns it into '?'. Use the native runner, whose opt=0 carries its CP949 bytes exactly (build it with " +
        "'npm rebuild kcp-payplus'), or replace the character",
    });
  });

  it('refuses a line break in free text with the single-line fix (decision in lib/protocol/README.md)', async () => {
    const { runner, payplus } = setup();
    await assert.rejects(cancel(payplus, 'line one\nline two'), {
      field: 'mod_desc',
      message:
        "mod_desc: contains a newline (U+000A) at position 9; KCP's text fields are single-line and the module " +
        'logs some of them raw. Replace it with a space',
    });
    assert.equal(runner.calls.length, 0);
  });
});

describe('pp_cli log level 5 (request dumps) needs its opt-in on every path', () => {
  it('refuses pp_cli log level 5 without the opt-in even in a hand-built SiteConfData', async () => {
    const runner = new CannedRunner([OK]);
    const payplus = new PayPlus(testConfData({ ppCliLogLevel: 5 }), { logger: silentLogger, runner });
    await assert.rejects(cancel(payplus, 'x'), { code: 'config_invalid', field: 'payplus.pp_cli_log_level' });
    const allowed = new PayPlus(testConfData({ ppCliLogLevel: 5, allowPpCliRequestDump: true }), { logger: silentLogger, runner });
    await cancel(allowed, 'x');
    assert.equal(parseOptionString(runner.optionBytes()).get('log_level')!.toString(), '5');
  });
});
