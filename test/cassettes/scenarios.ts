/**
 * The sessions the committed cassettes hold. `record.ts` plays them through the stand-in against the simulator
 * (RecordingRunner); test/sim/cassette.test.ts plays them again through a ReplayRunner with no simulator running.
 * Each scenario builds pp_cli invocations with the protocol layer, so replay exercises the same argv bytes.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildOptionString, decodeText, lastLine, parseResultLine, type OptionValues } from '../../lib/protocol/index.js';
import type { Runner } from '../../lib/runner/types.js';

export const CASSETTE_DIR = new URL('.', import.meta.url).pathname;
export const TEST_KEY = '3grptw1.zW0GSo4PQdaGvsF__';
export const ESCROW_KEY = '4Ho4YsuOZlLXUZUdOxM1Q7X__';
const US = '\x1f';

/** What the payment window returns; in replay any placeholder does (enc_* are redacted before matching). */
export interface WindowFields {
  enc_data: string;
  enc_info: string;
  trace_no: string;
}

export interface ScenarioContext {
  runner: Runner;
  /** pp_cli path (the stand-in when recording; any path when replaying). */
  file: string;
  gateway: { host: string; port: string };
  pay(order: { site_cd: string; ordr_idxx: string; good_mny: number; method?: 'card' | 'vbank'; card?: string; escw_used?: 'Y'; buyr_name?: string }): WindowFields;
}

export interface Scenario {
  name: string;
  description: string;
  /** res_cd of each call, in order. */
  expect: string[];
  run(ctx: ScenarioContext): Promise<Array<Record<string, string>>>;
}

const HOME = join(tmpdir(), 'kcp-cassette-home');

function options(ctx: ScenarioContext, v: Partial<OptionValues>): OptionValues {
  return {
    home: HOME, siteCd: 'T0000', siteKey: TEST_KEY, txCd: '', paUrl: ctx.gateway.host, paPort: ctx.gateway.port,
    ordrIdxx: '', payxData: '', ordrData: '', rcvrData: '', escwData: '', modxData: '', encData: '', encInfo: '',
    traceNo: '', custIp: '127.0.0.1', logPath: join(HOME, 'log'), logLevel: 3, opt: 1, ...v,
  };
}

/** One pp_cli call: -h <options> (UTF-8 with opt=1, because the recording runner passes argv as UTF-8). */
export async function call(ctx: ScenarioContext, v: Partial<OptionValues>): Promise<Record<string, string>> {
  const o = options(ctx, v);
  const outcome = await ctx.runner.run({
    file: ctx.file,
    args: [Buffer.from('-h'), buildOptionString(o, '2.14')],
    env: { PATH: '/usr/bin:/bin', KCP_STANDIN_NOW: '20261126142916' },
    timeoutMs: 10_000,
  });
  return parseResultLine(lastLine(decodeText(outcome.stdout, o.opt === 1 ? 'utf-8' : 'euc-kr')));
}

const set = (name: string, items: Record<string, string>) =>
  `${name}=${Object.entries(items).filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}${US}`).join('')}`;

async function approve(ctx: ScenarioContext, order: Parameters<ScenarioContext['pay']>[0], siteKey = TEST_KEY, ordrMony = String(order.good_mny)) {
  const w = ctx.pay(order);
  return call(ctx, {
    siteCd: order.site_cd, siteKey, txCd: '00100000', ordrIdxx: order.ordr_idxx,
    ordrData: set('ordr_data', { ordr_mony: ordrMony, pay_type: order.method === 'vbank' ? 'PAVC' : 'PACA', ordr_no: order.ordr_idxx }),
    encData: w.enc_data, encInfo: w.enc_info, traceNo: w.trace_no,
  });
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'card-approve-partial-cancel-cancel',
    description: 'card approval 5000, partial cancel 1000 (STPC), full cancel (STSC), second cancel refused',
    expect: ['0000', '0000', '0000', '8133'],
    async run(ctx) {
      const a = await approve(ctx, { site_cd: 'T0000', ordr_idxx: 'CAS-CARD-1', good_mny: 5000, card: 'CCKM', buyr_name: '홍길동' });
      const mod = (items: Record<string, string>) => call(ctx, { txCd: '00200000', modxData: set('mod_data', { tno: a.tno ?? '', mod_ip: '127.0.0.1', ...items }) });
      const part = await mod({ mod_type: 'STPC', mod_mny: '1000', rem_mny: '5000', mod_desc: '부분 취소' });
      const full = await mod({ mod_type: 'STSC', mod_desc: '고객 요청' });
      const again = await mod({ mod_type: 'STSC', mod_desc: '고객 요청' });
      return [a, part, full, again];
    },
  },
  {
    name: 'amount-mismatch-8059',
    description: 'approval whose ordr_mony differs from the window amount: 8059',
    expect: ['8059'],
    async run(ctx) {
      return [await approve(ctx, { site_cd: 'T0000', ordr_idxx: 'CAS-8059', good_mny: 1004 }, TEST_KEY, '1000')];
    },
  },
  {
    name: 'vbank-issue',
    description: 'virtual account issued (PAVC) for 15000',
    expect: ['0000'],
    async run(ctx) {
      return [await approve(ctx, { site_cd: 'T0000', ordr_idxx: 'CAS-VBANK-1', good_mny: 15000, method: 'vbank', buyr_name: '홍길동' })];
    },
  },
  {
    name: 'escrow-ship-then-cancel-refused',
    description: 'escrow card approval on T0007, STE1 shipping start, STE2 (cancel before shipping) refused afterwards',
    expect: ['0000', '0000', '8138'],
    async run(ctx) {
      const a = await approve(ctx, { site_cd: 'T0007', ordr_idxx: 'CAS-ESCROW-1', good_mny: 30000, escw_used: 'Y' }, ESCROW_KEY);
      const mod = (items: Record<string, string>) =>
        call(ctx, { siteCd: 'T0007', siteKey: ESCROW_KEY, txCd: '00200000', modxData: set('mod_data', { tno: a.tno ?? '', mod_ip: '127.0.0.1', ...items }) });
      return [a, await mod({ mod_type: 'STE1', deli_numb: '123456789012', deli_corp: 'CJ대한통운' }), await mod({ mod_type: 'STE2' })];
    },
  },
  {
    name: 'cash-receipt-issue-query-cancel',
    description: 'cash receipt issue (07010000), query (07030000 STSQ), cancel (07020000 STSC)',
    expect: ['0000', '0000', '0000'],
    async run(ctx) {
      const rcpt = `rcpt_data=${['user_type=PGNW', 'trad_time=20261126142916', 'tr_code=0', 'id_info=01012345678', 'amt_tot=11000', 'amt_sup=10000', 'amt_svc=0', 'amt_tax=1000', 'pay_type=PAXX'].map((i) => `${i}${US}`).join('')}`;
      const issued = await call(ctx, {
        txCd: '07010000', ordrIdxx: 'CAS-CASH-1',
        ordrData: `ordr_data=ordr_idxx=CAS-CASH-1${US}good_name=도서${US}buyr_name=홍길동${US}${rcpt}${US}corp_data=corp_type=0${US}${US}`,
      });
      const mod = (type: string, tx: string) => call(ctx, {
        txCd: tx, modxData: set('mod_data', { mod_type: type, mod_value: issued.cash_no ?? '', mod_gubn: 'MG01', trad_time: '20261126142916' }),
      });
      return [issued, await mod('STSQ', '07030000'), await mod('STSC', '07020000')];
    },
  },
  {
    name: 'gateway-unreachable-s202',
    description: 'cancel while the gateway port is closed: S202, exit 116',
    expect: ['S202'],
    async run(ctx) {
      return [await call({ ...ctx, gateway: { host: '127.0.0.1', port: '1' } }, {
        txCd: '00200000', modxData: set('mod_data', { tno: '20261126000001', mod_type: 'STSC', mod_ip: '127.0.0.1' }),
      })];
    },
  },
];
