/** The doctor's vocabulary: one CheckResult per check, each with KCP's code and a fix in Korean and English. */
import type { SiteConfData } from '../config/site-conf.js';
import type { Bilingual } from '../log/pp-cli-level.js';

export type { Bilingual };

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable machine name, e.g. 'module.present', 'network.connect:8090'. */
  id: string;
  /** Short human title (English). */
  title: string;
  status: CheckStatus;
  /** What was found (English; paths and values shown, secrets never). */
  detail: string;
  /** What to do; empty strings when there is nothing to do. */
  fix: Bilingual;
  /** The res_cd KCP answers (or the library synthesises) when this is left broken. */
  kcpCode?: string;
  /** Title and finding in Korean (`doctor --lang ko`); absent in results built by hand, which then show English. */
  ko?: { title: string; detail: string };
}

export interface DoctorOptions {
  /** Skip DNS and TCP checks (no network). */
  offline?: boolean;
  /** The cfg file the conf came from: its folder must lie outside the web roots too. */
  configPath?: string;
  /** What the uploaded module should be (from KCP's download), to catch ASCII-mode uploads. */
  expectedModule?: { size?: number; sha256?: string };
  /** Injectable name resolution (tests). Resolves to an address or rejects. */
  dnsLookup?: (host: string) => Promise<string>;
  /** Injectable TCP connect (tests). Resolves when connected, rejects otherwise. */
  connect?: (host: string, port: number, timeoutMs: number) => Promise<void>;
  /** Milliseconds for each network step and for the smoke run. Default 3000 (network), 5000 (smoke). */
  networkTimeoutMs?: number;
  smokeTimeoutMs?: number;
  /** Skip running the module (`pp_cli -x`). */
  noSmoke?: boolean;
  /** Host architecture to judge the module against (tests); default process.arch. */
  arch?: string;
  /** The identity whose permissions are judged (tests); default the current process. */
  identity?: Identity;
}

/** A user as the permission checks see it. */
export interface Identity {
  uid: number;
  gids: readonly number[];
}

/** Facts one check finds and later checks use (the module path, its bytes, its version). */
export interface DoctorContext {
  readonly conf: SiteConfData;
  readonly options: DoctorOptions;
  readonly arch: string;
  readonly identity: Identity;
  module?: ModuleFacts;
  /** Set by the smoke run. */
  moduleVersion?: '2.00' | '2.14';
}

export interface ModuleFacts {
  path: string;
  /** Undefined when the file is missing. */
  bytes?: Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  /** False when an earlier check showed it cannot run: later checks skip the smoke run. */
  runnable: boolean;
}

export type Check = (ctx: DoctorContext) => Promise<CheckResult | CheckResult[]> | CheckResult | CheckResult[];

export const NO_FIX: Bilingual = { ko: '', en: '' };
