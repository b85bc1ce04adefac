/**
 * Bank and securities-company codes from KCP's AX HUB manual (참고사항 2. 은행 코드 표).
 *
 * Three wrinkles the manual points out, each handled here so merchants do not have to:
 * - Results pad codes: a bank comes back as `BK04`, a securities company as `B209`
 *   (`normalizeBankCode` strips the prefix).
 * - Merged banks keep their old codes in some places, virtual accounts in particular
 *   (`26`/`21` → `88` 신한, `53` → `27` 한국시티, `06` → `04` 국민, `25` → `81` 하나, `83` → `20` 우리).
 * - Virtual accounts can only be issued at the banks of `VBANK_BANKS`, which uses the legacy 신한 code 26.
 */
import { KcpInputError } from '../errors.js';

export type FinancialInstitutionKind = 'bank' | 'securities';

export interface Bank {
  readonly code: string;
  readonly name: string;
  readonly kind: FinancialInstitutionKind;
}

export interface LegacyBankCode {
  readonly code: string;
  /** The name in the manual, e.g. '구,신한은행'. */
  readonly name: string;
  /** The code of the bank that absorbed it. */
  readonly currentCode: string;
}

const bank = (code: string, name: string): Bank => Object.freeze({ code, name, kind: 'bank' });
const securities = (code: string, name: string): Bank => Object.freeze({ code, name, kind: 'securities' });

/** Banks (two-digit codes), in the manual's reading order. */
export const BANKS: readonly Bank[] = Object.freeze([
  bank('39', '경남은행'),
  bank('45', '새마을금고'),
  bank('35', '제주은행'),
  bank('34', '광주은행'),
  bank('07', '수협'),
  bank('81', '하나은행'),
  bank('04', '국민은행'),
  bank('88', '신한은행'),
  bank('27', '한국시티은행'),
  bank('03', '기업은행'),
  bank('48', '신협'),
  bank('54', 'HSBC'),
  bank('11', '농협'),
  bank('05', '외환은행'),
  bank('23', 'SC제일은행'),
  bank('31', '대구은행'),
  bank('20', '우리은행'),
  bank('02', '산업은행'),
  bank('32', '부산은행'),
  bank('71', '우체국'),
  bank('37', '전북은행'),
  bank('64', '산림조합'),
]);

/** Codes of banks merged into others (인수 합병된 구 은행 코드 표). */
export const LEGACY_BANK_CODES: readonly LegacyBankCode[] = Object.freeze([
  Object.freeze({ code: '26', name: '구,신한은행', currentCode: '88' }),
  Object.freeze({ code: '21', name: '구,조흥은행', currentCode: '88' }),
  Object.freeze({ code: '53', name: '구,씨티은행', currentCode: '27' }),
  Object.freeze({ code: '06', name: '구,주택은행', currentCode: '04' }),
  Object.freeze({ code: '25', name: '구,서울은행', currentCode: '81' }),
  Object.freeze({ code: '83', name: '구,평화은행', currentCode: '20' }),
]);

/** Securities companies (three-digit codes, 증권사 은행코드). */
export const SECURITIES_COMPANIES: readonly Bank[] = Object.freeze([
  securities('209', '동양종합금융증권'),
  securities('218', '현대증권'),
  securities('230', '미래에셋증권'),
  securities('243', '한국투자증권'),
  securities('247', '우리투자증권'),
  securities('262', '하이투자증권'),
  securities('263', 'HMC투자증권'),
  securities('266', 'SK증권'),
  securities('267', '대신증권'),
  securities('270', '하나대투증권'),
  securities('278', '신한금융투자'),
  securities('279', '동부증권'),
  securities('280', '유진투자증권'),
  securities('287', '메리츠증권'),
  securities('291', '신영증권'),
  securities('240', '삼성증권'),
  securities('269', '한화증권'),
]);

/**
 * Codes accepted when issuing a virtual account (가상계좌 채번 시 사용가능한 은행코드) and in the
 * order form's `wish_vbank_list`. Note 26: virtual accounts still use 신한은행's legacy code.
 */
export const VBANK_BANKS: readonly Bank[] = Object.freeze([
  bank('03', '기업은행'),
  bank('04', '국민은행'),
  bank('05', '외환은행'),
  bank('07', '수협'),
  bank('11', '농협'),
  bank('20', '우리은행'),
  bank('23', 'SC제일은행'),
  bank('26', '신한은행'),
  bank('32', '부산은행'),
  bank('34', '광주은행'),
  bank('71', '우체국'),
  bank('81', '하나은행'),
]);

const bankByCode = new Map([...BANKS, ...SECURITIES_COMPANIES].map((b) => [b.code, b]));
const legacyByCode = new Map(LEGACY_BANK_CODES.map((l) => [l.code, l]));
const vbankCodes = new Set(VBANK_BANKS.map((b) => b.code));

export interface BankLookup {
  /** The code as looked up, without any BK/B prefix. */
  readonly code: string;
  /** The code in use today (differs from `code` for merged banks). */
  readonly currentCode: string;
  /** The current institution's name. */
  readonly name: string;
  readonly kind: FinancialInstitutionKind;
  /** Set when `code` is a merged bank's old code: the manual's name for it. */
  readonly legacyName?: string;
}

/**
 * Strips the padding KCP puts on codes in results: `BK04` → `04` (banks), `B209` → `209` (securities).
 * Plain two- and three-digit codes pass through. Anything else is refused, naming the value.
 */
export function normalizeBankCode(raw: string): string {
  const value = raw.trim().toUpperCase();
  const match = /^(?:BK(\d{2})|B(\d{3})|(\d{2,3}))$/.exec(value);
  if (!match) {
    throw new KcpInputError(
      `bank_code "${raw}" is not a KCP bank code: expected two digits (04), BK + two digits (BK04), ` +
        'three digits (209) or B + three digits (B209).',
      { field: 'bank_code' },
    );
  }
  return match[1] ?? match[2] ?? match[3]!;
}

/**
 * Looks a bank or securities code up, accepting result padding (BK04/B209) and merged legacy codes.
 * Returns undefined for codes the manual does not list.
 */
export function lookupBank(raw: string): BankLookup | undefined {
  let code: string;
  try {
    code = normalizeBankCode(raw);
  } catch {
    return undefined;
  }
  const legacy = legacyByCode.get(code);
  const current = bankByCode.get(legacy ? legacy.currentCode : code);
  if (!current) return undefined;
  return Object.freeze({
    code,
    currentCode: current.code,
    name: current.name,
    kind: current.kind,
    ...(legacy ? { legacyName: legacy.name } : {}),
  });
}

/** The code in use today for a (possibly padded, possibly legacy) code; unknown codes come back normalised. */
export function currentBankCode(raw: string): string {
  const code = normalizeBankCode(raw);
  return legacyByCode.get(code)?.currentCode ?? code;
}

/** True when KCP issues virtual accounts at this bank code (legacy 26 included, as the manual lists it). */
export function isVbankBankCode(raw: string): boolean {
  try {
    return vbankCodes.has(normalizeBankCode(raw));
  } catch {
    return false;
  }
}
