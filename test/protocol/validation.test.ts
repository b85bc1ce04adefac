import { silentLogger } from '../../lib/log/types.js';
import assert from 'node:assert/strict';
import { PayPlus } from '../../lib/payplus/payplus.js';
import { buildOptionString, type OptionValues } from '../../lib/protocol/option-string.js';
import { parseOptionString } from '../../lib/wire.js';
import { ItemSet, usItem } from '../../lib/protocol/data-set.js';
import { testConfData } from '../helpers/conf.js';
import { CannedRunner } from '../helpers/canned-runner.js';

const US = '\x1f';

function values(overrides: Partial<OptionValues> = {}): OptionValues {
  return {
    home: '/h', siteCd: 'T0000', siteKey: '3grptw1.zW0GSo4PQdaGvsF__', txCd: '00100000', paUrl: 'gw', paPort: '8090',
    ordrIdxx: 'A', payxData: '', ordrData: '', rcvrData: '', escwData: '', modxData: '', encData: '', encInfo: '',
    traceNo: '', custIp: '', logPath: '', logLevel: 3, opt: 0, ...overrides,
  };
}

describe('option-string value rules', () => {
  it('refuses ordr_idxx="A,site_cd=EVIL", which getsubopt would read as a second site_cd', () => {
    assert.throws(() => buildOptionString(values({ ordrIdxx: 'A,site_cd=EVIL' }), '2.14'), {
      code: 'input_invalid',
      field: 'ordr_idxx',
      message:
        'ordr_idxx: contains "," (U+002C) at position 2; pp_cli splits its option list on commas, so the value would be ' +
        'truncated and the rest read as another option. Remove the comma',
    });
    // …and shows why: the binary's parsing would let the injected key win.
    const parsed = parseOptionString(Buffer.from('site_cd=T0000,ordr_idxx=A,site_cd=EVIL'));
    assert.equal(parsed.get('site_cd')!.toString(), 'EVIL');
    assert.equal(parsed.get('ordr_idxx')!.toString(), 'A');
  });

  it('PayPlus.approve refuses the same injection before anything runs', async () => {
    const runner = new CannedRunner([]);
    const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner });
    await assert.rejects(
      payplus.approve({ tranCd: '00100000', encData: 'e', encInfo: 'i', ordrIdxx: 'A,site_cd=EVIL', amount: 1, custIp: '1.2.3.4' }),
      { code: 'input_invalid', field: 'ordr_idxx', message: "ordr_idxx: 'A,site_cd=EVIL' is not a valid order id; use 1–40 characters of 0-9 A-Z a-z _ . -" },
    );
    assert.equal(runner.calls.length, 0);
  });

  it('refuses a comma in a data-set item', () => {
    // Positions count characters from 1, as the order form always did (protocol/validate.ts findForbiddenChar).
    assert.throws(() => new ItemSet().set('mod_desc', 'a,b'), { field: 'mod_desc', message: /contains "," \(U\+002C\) at position 2;/ });
    assert.throws(() => new ItemSet().set('mod_desc', '가🍵,'), { field: 'mod_desc', message: /contains "," \(U\+002C\) at position 3;/ });
  });

  it('refuses control characters in values (only the builders place separators)', () => {
    assert.throws(() => new ItemSet().set('ordr_mony', `10${US}04`), {
      field: 'ordr_mony',
      message: "ordr_mony: contains the control character U+001F at position 3; control characters are reserved for KCP's data-set separators. Remove it",
    });
    assert.throws(() => usItem('id_info', 'a\tb'), { message: /the control character U\+0009 at position 2/ });
  });

  it("refuses KCP's forbidden characters in merchant text fields, but not in other fields", () => {
    for (const ch of ['&', ';', '\\', '|', "'", '"']) {
      assert.throws(() => new ItemSet().set('mod_desc', `x${ch}y`), {
        field: 'mod_desc',
        message: `mod_desc: contains "${ch}" (U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}) at position 2; KCP's module refuses , & ; \\ | ' " and control characters such as newlines in text fields. Remove or replace it`,
      });
    }
    assert.throws(() => new ItemSet().set('good_name', 'a\nb'), { message: /a newline \(U\+000A\) at position 2/ });
    assert.doesNotThrow(() => new ItemSet().set('pay_type', 'PA;CA'));
  });

  it('checks enc_data, enc_info and tno alphabets', async () => {
    const runner = new CannedRunner([]);
    const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner });
    await assert.rejects(
      payplus.approve({ tranCd: '00100000', encData: 'abc/def', encInfo: 'i', ordrIdxx: 'A', amount: 1, custIp: '1.2.3.4' }),
      { field: 'enc_data', message: `enc_data: contains "/" (U+002F); values produced by KCP's payment window use only A-Z a-z 0-9 . _ - (pass the posted value unchanged)` },
    );
    await assert.rejects(payplus.cancel({ tno: '2013032696262', reason: 'x', custIp: '1.2.3.4' }), {
      field: 'tno',
      message: "tno: '2013032696262' is not a KCP transaction number (14 digits, as returned in tno)",
    });
  });

  it('requires ordr_mony as a positive whole number', async () => {
    const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner: new CannedRunner([]) });
    for (const amount of ['', '0', '10.5', '1,000', '-1', 1.5, '01']) {
      await assert.rejects(
        payplus.approve({ tranCd: '00100000', encData: 'e', encInfo: 'i', ordrIdxx: 'A', amount, custIp: '1.2.3.4' }),
        { field: 'ordr_mony', message: `ordr_mony: '${String(amount)}' is not a valid amount; use a positive whole number of won (digits only, no separators or decimals)` },
      );
    }
  });

  it('refuses a partial cancel larger than the cancellable balance', async () => {
    const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner: new CannedRunner([]) });
    await assert.rejects(
      payplus.partialCancel({ tno: '20130326962625', reason: 'x', custIp: '1.2.3.4', amount: 6000, cancellableBalance: 5000 }),
      { field: 'mod_mny', message: 'mod_mny: 6000 is more than the cancellable balance rem_mny 5000; cancel at most the balance (use cancel() for the whole remaining amount)' },
    );
  });

  it('refuses a complex-tax split that does not add up', async () => {
    const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner: new CannedRunner([]) });
    await assert.rejects(
      payplus.partialCancel({ tno: '20130326962625', reason: 'x', custIp: '1.2.3.4', amount: 1100, cancellableBalance: 5000, tax: { taxAmount: 1000, vatAmount: 99, freeAmount: 0 } }),
      { field: 'mod_tax_mny', message: 'mod_tax_mny + mod_vat_mny + mod_free_mny (1000 + 99 + 0) must equal mod_mny 1100 for a complex-tax (TG03) partial cancel' },
    );
  });

  it('refuses a missing tran_cd with 9562', async () => {
    const payplus = new PayPlus(testConfData(), { logger: silentLogger, runner: new CannedRunner([]) });
    await assert.rejects(
      payplus.approve({ tranCd: '', encData: 'e', encInfo: 'i', ordrIdxx: 'A', amount: 1, custIp: '1.2.3.4' }),
      { field: 'tran_cd', resCd: '9562' },
    );
  });
});

describe('parseOptionString (getsubopt semantics)', () => {
  it('splits at the first =, keeps later = in values, lets a repeated key win, and keeps keys without =', () => {
    const m = parseOptionString(Buffer.from('a=1,b=x=y,a=2,flag,,c='));
    assert.deepEqual([...m.entries()].map(([k, v]) => [k, v.toString()]), [['a', '2'], ['b', 'x=y'], ['flag', ''], ['c', '']]);
  });
});
