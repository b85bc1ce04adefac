/**
 * Transaction mirrors KCP's C_PP_CLI class (pp_ax_hub_lib.php / com.kcp.C_PP_CLI): collect data sets, run pp_cli once,
 * read the answer. Merchants porting a vendor page can map every mf_* call one to one.
 *
 * Like the vendor class, an answered request returns its result whatever res_cd says; only input errors (before
 * anything runs) and module failures (pp_cli missing, killed, silent) throw.
 */
import { checkPpCliLogLevel } from '../config/rules.js';
import type { SiteConfData } from '../config/site-conf.js';
import { KcpInputError } from '../errors.js';
import type { PayplusLogger } from '../log/types.js';
import { isAscii, type TextEncoding } from '../protocol/encoding.js';
import { assertPlanItems, ItemSet, namedSet, payxData } from '../protocol/data-set.js';
import { buildOptionString, type OptionValues } from '../protocol/option-string.js';
import { interpretOutcome, type ResultFields } from '../protocol/result.js';
import { FS, GS, US } from '../protocol/separators.js';
import { assertItemName, assertRequestFits } from '../protocol/limits.js';
import { assertKcpToken, assertNoComma, assertOrderId } from '../protocol/validate.js';
import type { Runner } from '../runner/types.js';
import { MINIMAL_ENV } from '../runner/native.js';
import { modulePath } from './module-path.js';

/** What a Transaction needs from its PayPlus. */
export interface TxContext {
  conf: SiteConfData;
  runner: Runner;
  logger: PayplusLogger;
  /** Environment given to pp_cli; default a minimal PATH/LANG. */
  moduleEnv?: Readonly<Record<string, string>>;
}

export interface DoTxOptions {
  /** tx_cd: the payment window's tran_cd for approvals, '00200000' for modifications, '0701000' … for cash receipts. */
  txCd: string;
  ordrIdxx?: string;
  custIp?: string;
  /** trace_no: the window's value for approvals, the approval tno for an automatic cancel, '' to let pp_cli make one. */
  traceNo?: string;
  /** Send pp_cli's stdout into this new file as well (Invocation.stdoutFile), so its answer outlives this process. */
  stdoutFile?: string;
  /** Kill pp_cli after this many ms instead of the configuration's timeout. */
  timeoutMs?: number;
}

/** One answered request. */
export class TxResult {
  constructor(
    readonly fields: ResultFields,
    /** The encoding the answer was decoded from (opt=1 → UTF-8). */
    readonly encoding: TextEncoding,
  ) {}

  get resCd(): string {
    return this.fields.res_cd ?? '';
  }
  get resMsg(): string {
    return this.fields.res_msg ?? '';
  }
  get resEnMsg(): string {
    return this.fields.res_en_msg ?? '';
  }
  /** mf_get_res_data: the field's value, '' when absent. */
  get(name: string): string {
    return this.fields[name] ?? '';
  }
}

export class Transaction {
  private readonly payxCommon = new ItemSet(US, 'payx_data common');
  private readonly payxCard = new ItemSet(US, 'payx_data card');
  private readonly payxExtra: Array<[string, ItemSet]> = [];
  private readonly ordr = new ItemSet(US, 'ordr_data');
  private readonly rcvr = new ItemSet(US, 'rcvr_data');
  private readonly escw = new ItemSet(GS, 'escw_data');
  private readonly modx = new ItemSet(US, 'modx_data');
  private encData = '';
  private encInfo = '';
  private result: TxResult | undefined;

  constructor(private readonly ctx: TxContext) {
    // The level-5 opt-in holds for a SiteConfData built by hand too, not only for one loaded by SiteConf.
    checkPpCliLogLevel(ctx.conf.ppCliLogLevel, ctx.conf.allowPpCliRequestDump);
  }

  /** Mirrors mf_clear: forget every data set, the encrypted data and the last result. */
  clear(): this {
    for (const set of [this.payxCommon, this.payxCard, this.ordr, this.rcvr, this.escw, this.modx]) set.clear();
    this.payxExtra.length = 0;
    this.encData = '';
    this.encInfo = '';
    this.result = undefined;
    return this;
  }

  /** Mirrors mf_set_ordr_data: `name=value<US>` into ordr_data (skipped when value is ''). */
  setOrdrData(name: string, value: string): this {
    this.ordr.set(name, value);
    return this;
  }

  /** A nested set inside ordr_data (cash receipts: rcpt_data, corp_data), built with usItem(). */
  setOrdrNestedData(name: string, items: string): this {
    this.ordr.setNested(name, items);
    return this;
  }

  /** Mirrors mf_set_rcvr_data. */
  setRcvrData(name: string, value: string): this {
    this.rcvr.set(name, value);
    return this;
  }

  /** Mirrors mf_set_modx_data (sent as `modx_data=mod_data=…`). */
  setModxData(name: string, value: string): this {
    this.modx.set(name, value);
    return this;
  }

  /** Mirrors mf_set_escw_data: items end with GS, not US. */
  setEscwData(name: string, value: string): this {
    this.escw.set(name, value);
    return this;
  }

  /** Mirrors mf_set_payx_common_data: the `common=` subset of payx_data. */
  setPayxCommonData(name: string, value: string): this {
    this.payxCommon.set(name, value);
    return this;
  }

  /** Mirrors mf_set_payx_card_data: the `card=` subset of payx_data. */
  setPayxCardData(name: string, value: string): this {
    this.payxCard.set(name, value);
    return this;
  }

  /** Mirrors the old library's mf_add_payx_data(type, items) for other subsets (real_batch, cert, auth …). */
  addPayxData(type: string, name: string, value: string): this {
    assertItemName('payx_data', type);
    let set = this.payxExtra.find(([t]) => t === type)?.[1];
    if (!set) {
      set = new ItemSet(US, `payx_data ${type}`);
      this.payxExtra.push([type, set]);
    }
    set.set(name, value);
    return this;
  }

  /** Mirrors mf_set_encx_data: the payment window's enc_data and enc_info, passed unchanged. */
  setEncxData(encData: string, encInfo: string): this {
    assertKcpToken('enc_data', encData);
    assertKcpToken('enc_info', encInfo);
    this.encData = encData;
    this.encInfo = encInfo;
    return this;
  }

  /**
   * Mirrors the COM module's lf_PP_CLI_LIB__set_plan_data (ASP / ASP.NET pages): takes data sets joined by FS, such as
   * `ordr_data=ordr_mony=1004<US><FS>mod_data=tno=…<US>`, and files each under its set, so code ported from an ASP
   * page keeps its plan string.
   */
  setPlanData(plan: string): this {
    // Every set is checked before any is added: a refused plan leaves the transaction as it was.
    const accepted: Array<[ItemSet, string]> = [];
    for (const part of plan.split(FS)) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const items = eq < 0 ? '' : part.slice(eq + 1);
      const target = this.setByName(name);
      if (!target) {
        throw new KcpInputError(
          `plan_data: unknown data set '${name}'; expected ordr_data, rcvr_data, escw_data or mod_data`,
          { field: 'plan_data' },
        );
      }
      assertNoComma('plan_data', items);
      assertPlanItems(name, items);
      accepted.push([target, items]);
    }
    for (const [target, items] of accepted) target.appendRaw(items);
    return this;
  }

  /** The data sets joined by FS, as the COM module's plan_data would carry them. */
  getPlanData(): string {
    return this.sets()
      .filter((s) => s !== '')
      .map((s) => s + FS)
      .join('');
  }

  /** Mirrors mf_do_tx: build the argv, run pp_cli, parse its answer. */
  async doTx(options: DoTxOptions): Promise<TxResult> {
    const { conf, runner, logger } = this.ctx;
    const txCd = options.txCd;
    if (!/^[0-9]{8}$/.test(txCd)) {
      throw new KcpInputError(
        `tran_cd: '${txCd}' is not a KCP transaction code (8 digits); 9562 연동 오류 — the payment window did not post ` +
          `tran_cd, or the page did not pass it on`,
        { field: 'tran_cd', resCd: '9562' },
      );
    }
    const ordrIdxx = options.ordrIdxx ?? '';
    if (ordrIdxx !== '') assertOrderId('ordr_idxx', ordrIdxx);
    const custIp = options.custIp ?? '';
    if (custIp !== '' && !/^[0-9a-fA-F.:]{2,45}$/.test(custIp)) {
      throw new KcpInputError(`cust_ip: '${custIp}' is not an IP address; pass the buyer's IP (REMOTE_ADDR)`, {
        field: 'cust_ip',
      });
    }
    const traceNo = options.traceNo ?? '';
    if (!/^[A-Za-z0-9]{0,20}$/.test(traceNo)) {
      throw new KcpInputError(`trace_no: '${traceNo}' is not a trace number (up to 20 letters and digits)`, {
        field: 'trace_no',
      });
    }

    const [payx, ordr, rcvr, escw, modx] = this.sets();
    const opt = this.chooseOpt([ordrIdxx, payx, ordr, rcvr, escw, modx]);
    const values: OptionValues = {
      home: conf.homeDir,
      siteCd: conf.siteCd,
      siteKey: conf.siteKey,
      txCd,
      paUrl: conf.gwUrl,
      paPort: conf.gwPort,
      ordrIdxx,
      payxData: payx,
      ordrData: ordr,
      rcvrData: rcvr,
      escwData: escw,
      modxData: modx,
      encData: this.encData,
      encInfo: this.encInfo,
      traceNo,
      custIp,
      logPath: conf.logDir,
      logLevel: conf.ppCliLogLevel,
      opt,
    };
    const file = modulePath(conf);
    const args = [Buffer.from('-h'), buildOptionString(values, conf.ppCliVersion)];
    assertRequestFits(values, args[1]!);
    const encoding: TextEncoding = opt === 1 ? 'utf-8' : 'euc-kr';

    const base = { traceNo, ordrIdxx };
    logger.log({ level: 0, event: 'tx.start', ...base, fields: { tx_cd: txCd, runner: runner.name } });
    logger.log({ level: 1, event: 'tx.request', ...base, fields: { tx_cd: txCd, file, opt, cust_ip: custIp } });
    logger.log({
      level: 2,
      event: 'tx.request.fields',
      ...base,
      fields: { payx_data: payx, ordr_data: ordr, rcvr_data: rcvr, escw_data: escw, modx_data: modx },
    });

    const outcome = await runner.run({
      file,
      args,
      env: this.ctx.moduleEnv ?? MINIMAL_ENV,
      timeoutMs: options.timeoutMs ?? conf.timeoutMs,
      stdoutFile: options.stdoutFile,
    });
    let fields: ResultFields;
    try {
      fields = interpretOutcome(outcome, encoding, file);
    } catch (err) {
      logger.log({
        level: 0,
        event: 'tx.error',
        ...base,
        fields: { message: (err as Error).message, exit_code: outcome.exitCode, signal: outcome.signal },
      });
      throw err;
    }
    this.result = new TxResult(fields, encoding);
    logger.log({
      level: 0,
      event: 'tx.end',
      ...base,
      fields: { tx_cd: txCd, res_cd: this.result.resCd, res_msg: this.result.resMsg, tno: fields.tno ?? '' },
    });
    logger.log({ level: 3, event: 'tx.result', ...base, fields: { ...fields } });
    return this.result;
  }

  /** Mirrors mf_get_res_data: a field of the last answer, '' when absent or before doTx. */
  getResData(name: string): string {
    return this.result?.get(name) ?? '';
  }

  get resCd(): string {
    return this.result?.resCd ?? '';
  }

  get resMsg(): string {
    return this.result?.resMsg ?? '';
  }

  /** payx, ordr, rcvr, escw and modx set strings, each with its own name prefix or ''. */
  private sets(): [string, string, string, string, string] {
    const subsets: Array<readonly [string, ItemSet]> = [
      ['common', this.payxCommon],
      ['card', this.payxCard],
      ...this.payxExtra,
    ];
    return [
      payxData(subsets),
      namedSet('ordr_data', this.ordr),
      namedSet('rcvr_data', this.rcvr),
      namedSet('escw_data', this.escw),
      namedSet('mod_data', this.modx),
    ];
  }

  private setByName(name: string): ItemSet | undefined {
    switch (name) {
      case 'ordr_data': return this.ordr;
      case 'rcvr_data': return this.rcvr;
      case 'escw_data': return this.escw;
      case 'mod_data':
      case 'modx_data': return this.modx;
      default: return undefined;
    }
  }

  /**
   * opt=0 (EUC-KR) whenever the runner carries raw bytes or every value is ASCII; opt=1 (UTF-8) when the runner can only
   * pass UTF-8 (child_process) and a value is not ASCII — which only pp_cli 2.14 understands.
   */
  private chooseOpt(values: string[]): 0 | 1 {
    if (this.ctx.runner.argvEncoding === 'euc-kr' || values.every(isAscii)) return 0;
    if (this.ctx.conf.ppCliVersion === '2.14') return 1;
    throw new KcpInputError(
      `a value is not ASCII, and the '${this.ctx.runner.name}' runner can only pass UTF-8 arguments, which pp_cli 2.00 ` +
        `cannot read. Use the native runner (it carries EUC-KR bytes; build it with 'npm rebuild kcp-payplus') or ` +
        `pp_cli 2.14 with payplus.pp_cli_version '2.14'`,
      { field: 'opt' },
    );
  }
}
