/**
 * The sessions the committed cassettes hold, written as a merchant writes them: PayPlus calls (approve, partial
 * cancel, cancel, escrow, cash receipts), never hand-built argv. `record.ts` runs them through the stand-in against
 * the simulator (a RecordingRunner under PayPlus); test/sim/cassette.test.ts runs the same calls again through a
 * ReplayRunner with no simulator and no pp_cli, so replay exercises PayPlus's own argv bytes and result parsing.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { SiteConf } from '../../lib/config/site-conf-class.js';
import { KcpError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log/types.js';
import { PayPlus } from '../../lib/payplus/payplus.js';
import type { Runner } from '../../lib/runner/types.js';
import { MemoryStore } from '../../lib/store/memory.js';

export const CASSETTE_DIR = new URL('.', import.meta.url).pathname;
export const TEST_KEY = '3grptw1.zW0GSo4PQdaGvsF__';
export const ESCROW_KEY = '4Ho4YsuOZlLXUZUdOxM1Q7X__';
/** The KCP home the sessions name (home and log_path never take part in matching; replay needs no binary there). */
export const CASSETTE_HOME = join(tmpdir(), 'kcp-cassette-home');
/** The buyer's address the sessions send (cust_ip and mod_ip never take part in matching either). */
export const CUST_IP = '127.0.0.1';

/** What the payment window posts to pp_ax_hub; in replay any placeholder does (enc_* are redacted before matching). */
export interface WindowFields {
  enc_data: string;
  enc_info: string;
  tran_cd: string;
  use_pay_method: string;
}

export interface WindowOrder {
  site_cd: string;
  ordr_idxx: string;
  good_mny: number;
  method?: 'card' | 'vbank';
  card?: string;
  escw_used?: 'Y';
  buyr_name?: string;
}

export interface ScenarioContext {
  /** The runner every PayPlus of the scenario uses: recording (record.ts) or replaying (the tests). */
  runner: Runner;
  /** The gateway the sessions talk to (the simulator when recording; any address when replaying). */
  gateway: { host: string; port: string };
  /** pp_cli's environment when recording (the stand-in's fixed clock); replay ignores it. */
  moduleEnv?: Readonly<Record<string, string>>;
  pay(order: WindowOrder): WindowFields;
}

/** One PayPlus call's result code: the answer's res_cd, or the code of the KcpError it threw. */
export interface Step {
  resCd: string;
  fields: Record<string, string>;
}

export interface Scenario {
  name: string;
  description: string;
  /** res_cd of each call, in order. */
  expect: string[];
  run(ctx: ScenarioContext): Promise<Step[]>;
}

/** A PayPlus for a TEST site over the scenario's runner. */
export function scenarioPayPlus(ctx: ScenarioContext, site: { siteCd: string; siteKey: string } = { siteCd: 'T0000', siteKey: TEST_KEY }, gateway = ctx.gateway): PayPlus {
  const conf = SiteConf.testPreset({
    homeDir: CASSETTE_HOME,
    logDir: join(CASSETTE_HOME, 'log'),
    siteCd: site.siteCd,
    siteKey: site.siteKey,
    gwUrl: gateway.host,
    gwPort: gateway.port,
    // The window script is not part of a module session: the simulator's when recording on 127.0.0.1, KCP's TEST one otherwise.
    ...(gateway.host === '127.0.0.1' ? { jsUrl: `http://${gateway.host}:${gateway.port}/plugin/payplus_test.js` } : {}),
  });
  return new PayPlus(conf, { runner: ctx.runner, logger: silentLogger, store: new MemoryStore(), ...(ctx.moduleEnv ? { moduleEnv: ctx.moduleEnv } : {}) });
}

/** Runs one PayPlus call; a KcpError with KCP's code is a step too (a refusal is part of the session). */
export async function step(call: Promise<{ resCd: string; raw: Readonly<Record<string, string>> }>): Promise<Step> {
  try {
    const result = await call;
    return { resCd: result.resCd, fields: { ...result.raw } };
  } catch (err) {
    if (err instanceof KcpError && err.resCd) return { resCd: err.resCd, fields: { ...(err.raw ?? {}) } };
    throw err;
  }
}

async function approve(payplus: PayPlus, ctx: ScenarioContext, order: WindowOrder, amount = order.good_mny): Promise<Step> {
  const w = ctx.pay(order);
  return step(
    payplus.approve({
      tranCd: w.tran_cd, encData: w.enc_data, encInfo: w.enc_info, ordrIdxx: order.ordr_idxx, amount, custIp: CUST_IP,
      usePayMethod: w.use_pay_method,
    }),
  );
}

const ESCROW_SITE = { siteCd: 'T0007', siteKey: ESCROW_KEY };
const TRAD_TIME = '20261126142916';

export const SCENARIOS: Scenario[] = [
  {
    name: 'card-approve-partial-cancel-cancel',
    description: 'card approval 5000, partial cancel 1000 (STPC), full cancel (STSC), second cancel refused',
    expect: ['0000', '0000', '0000', '8133'],
    async run(ctx) {
      const payplus = scenarioPayPlus(ctx);
      const a = await approve(payplus, ctx, { site_cd: 'T0000', ordr_idxx: 'CAS-CARD-1', good_mny: 5000, card: 'CCKM', buyr_name: '홍길동' });
      const tno = a.fields.tno ?? '';
      const part = await step(payplus.partialCancel({ tno, amount: 1000, cancellableBalance: 5000, reason: '부분 취소', custIp: CUST_IP }));
      const full = await step(payplus.cancel({ tno, reason: '고객 요청', custIp: CUST_IP }));
      const again = await step(payplus.cancel({ tno, reason: '고객 요청', custIp: CUST_IP }));
      return [a, part, full, again];
    },
  },
  {
    name: 'amount-mismatch-8059',
    description: 'approval whose ordr_mony (1000) differs from the window amount (1004): 8059',
    expect: ['8059'],
    async run(ctx) {
      return [await approve(scenarioPayPlus(ctx), ctx, { site_cd: 'T0000', ordr_idxx: 'CAS-8059', good_mny: 1004 }, 1000)];
    },
  },
  {
    name: 'vbank-issue',
    description: 'virtual account issued (PAVC) for 15000',
    expect: ['0000'],
    async run(ctx) {
      return [await approve(scenarioPayPlus(ctx), ctx, { site_cd: 'T0000', ordr_idxx: 'CAS-VBANK-1', good_mny: 15000, method: 'vbank', buyr_name: '홍길동' })];
    },
  },
  {
    name: 'escrow-ship-then-cancel-refused',
    description: 'escrow card approval on T0007, STE1 shipping start, STE2 (cancel before shipping) refused afterwards',
    expect: ['0000', '0000', '8138'],
    async run(ctx) {
      const payplus = scenarioPayPlus(ctx, ESCROW_SITE);
      const a = await approve(payplus, ctx, { site_cd: 'T0007', ordr_idxx: 'CAS-ESCROW-1', good_mny: 30000, escw_used: 'Y' });
      const tno = a.fields.tno ?? '';
      const shipped = await step(payplus.escrow({ modType: 'STE1', tno, custIp: CUST_IP, deliNumb: '123456789012', deliCorp: 'CJ대한통운' }));
      const refused = await step(payplus.escrow({ modType: 'STE2', tno, custIp: CUST_IP }));
      return [a, shipped, refused];
    },
  },
  {
    name: 'cash-receipt-issue-query-cancel',
    description: 'cash receipt issue (07010000), query (07030000 STSQ), cancel (07020000 STSC)',
    expect: ['0000', '0000', '0000'],
    async run(ctx) {
      const payplus = scenarioPayPlus(ctx);
      const issued = await step(
        payplus.issueCashReceipt({
          ordrIdxx: 'CAS-CASH-1', goodName: '도서', buyrName: '홍길동', tradTime: TRAD_TIME, trCode: '0', idInfo: '01012345678',
          amtTot: 11000, amtSup: 10000, amtSvc: 0, amtTax: 1000, payType: 'PAXX', corp: { corp_type: '0' },
        }),
      );
      const cashNo = issued.fields.cash_no ?? '';
      const queried = await step(payplus.queryCashReceipt({ modValue: cashNo, modGubn: 'MG01', tradTime: TRAD_TIME }));
      const cancelled = await step(payplus.modifyCashReceipt({ modType: 'STSC', modValue: cashNo, modGubn: 'MG01', tradTime: TRAD_TIME }));
      return [issued, queried, cancelled];
    },
  },
  {
    name: 'gateway-unreachable-s202',
    description: 'cancel while the gateway port is closed: S202, exit 116',
    expect: ['S202'],
    async run(ctx) {
      const payplus = scenarioPayPlus(ctx, undefined, { host: '127.0.0.1', port: '1' });
      return [await step(payplus.cancel({ tno: '20261126000001', reason: '고객 요청', custIp: CUST_IP }))];
    },
  },
];
