/**
 * Card companies as KCP's AX HUB manual lists them (참고사항 1. 카드 코드 표).
 *
 * `card_cd` in an approval is the issuer (발급사) code, `acqu_cd` the acquirer (매입사) code. Several
 * issuers settle through another company's acquiring network (우리카드 is issued as CCPH but acquired by
 * BC), so the two codes differ on purpose; store both. The authentication column says which window the
 * buyer sees: ISP (안전결제) for KB국민/BC/우리/저축, 안심클릭 (VISA3D) for the others, 해외3D for foreign
 * cards and plain SSL for foreign AMEX.
 */

/** How the buyer authenticates with the issuer. */
export type CardAuthType = 'ISP' | 'ANSIM_CLICK' | 'OVERSEAS_3D' | 'SSL';

export interface CardAuthInfo {
  readonly type: CardAuthType;
  /** As the manual writes it. */
  readonly nameKo: string;
  readonly nameEn: string;
}

export const CARD_AUTH_TYPES: Readonly<Record<CardAuthType, CardAuthInfo>> = Object.freeze({
  ISP: Object.freeze({ type: 'ISP', nameKo: 'ISP', nameEn: 'ISP (secure payment)' }),
  ANSIM_CLICK: Object.freeze({ type: 'ANSIM_CLICK', nameKo: '안심클릭', nameEn: 'Ansim Click (VISA 3-D Secure)' }),
  OVERSEAS_3D: Object.freeze({ type: 'OVERSEAS_3D', nameKo: '해외3D인증', nameEn: 'overseas 3-D Secure' }),
  SSL: Object.freeze({ type: 'SSL', nameKo: 'SSL', nameEn: 'SSL (no issuer authentication)' }),
} as const);

export interface CardIssuer {
  /** Issuer code (발급사 코드), e.g. CCKM. */
  readonly code: string;
  readonly name: string;
  /** Acquirer code (매입사 코드). */
  readonly acquirerCode: string;
  readonly acquirerName: string;
  readonly auth: CardAuthType;
}

type Row = readonly [code: string, name: string, acquirerCode: string, acquirerName: string, auth: CardAuthType];

/** The manual's rows, in its order. 신한카드 appears twice (CCSH and CCLG): both codes occur in results. */
const ROWS: readonly Row[] = [
  ['CCKM', 'KB국민카드', 'CCKM', 'KB국민카드', 'ISP'],
  ['CCNH', 'NH채움카드', 'CCKM', 'KB국민카드', 'ANSIM_CLICK'],
  ['CCSG', '신세계한미', 'CCKM', 'KB국민카드', 'ANSIM_CLICK'],
  ['CCCT', '씨티카드', 'CCBC', 'BC카드', 'ANSIM_CLICK'],
  ['CCHM', '한미카드', 'CCKM', 'KB국민카드', 'ANSIM_CLICK'],
  ['CVSF', '해외비자', 'CCKE', '외환카드', 'OVERSEAS_3D'],
  ['CCAM', '국내아멕스', 'CCAM', '롯데아멕스카드', 'ANSIM_CLICK'],
  ['CCLO', '롯데카드', 'CCAM', '롯데아멕스카드', 'ANSIM_CLICK'],
  ['CAMF', '해외아멕스', 'CCAM', '롯데아멕스카드', 'SSL'],
  ['CCBC', 'BC카드', 'CCBC', 'BC카드', 'ISP'],
  ['CCPH', '우리카드', 'CCBC', 'BC카드', 'ISP'],
  ['CCHN', '하나SK카드', 'CCHN', '하나SK카드', 'ANSIM_CLICK'],
  ['CCSS', '삼성카드', 'CCSS', '삼성카드', 'ANSIM_CLICK'],
  ['CCKJ', '광주카드', 'CCLG', '신한카드', 'ANSIM_CLICK'],
  ['CCSU', '수협카드', 'CCBC', 'BC카드', 'ANSIM_CLICK'],
  ['CCCU', '신협카드', 'CCDI', '현대카드', 'ANSIM_CLICK'],
  ['CCSH', '신한카드', 'CCLG', '신한카드', 'ANSIM_CLICK'],
  ['CCJB', '전북카드', 'CCBC', 'BC카드', 'ANSIM_CLICK'],
  ['CCCJ', '제주카드', 'CCLG', '신한카드', 'ANSIM_CLICK'],
  ['CCLG', '신한카드', 'CCLG', '신한카드', 'ANSIM_CLICK'],
  ['CMCF', '해외마스터', 'CCKE', '외환카드', 'OVERSEAS_3D'],
  ['CJCF', '해외JCB', 'CCKE', '외환카드', 'OVERSEAS_3D'],
  ['CCKE', '외환카드', 'CCKE', '외환카드', 'ANSIM_CLICK'],
  ['CCDI', '현대카드', 'CCDI', '현대카드', 'ANSIM_CLICK'],
  ['CCSB', '저축카드', 'CCBC', 'BC카드', 'ISP'],
  ['CCKD', '산은카드', 'CCKE', '외환카드', 'ANSIM_CLICK'],
  ['CCUF', '은련카드', 'CCBC', 'BC카드', 'ISP'],
];

export const CARD_ISSUERS: readonly CardIssuer[] = Object.freeze(
  ROWS.map(([code, name, acquirerCode, acquirerName, auth]) =>
    Object.freeze({ code, name, acquirerCode, acquirerName, auth }),
  ),
);

export interface CardAcquirer {
  readonly code: string;
  readonly name: string;
}

/** The acquirers that occur in the manual's table, in first-seen order. */
export const CARD_ACQUIRERS: readonly CardAcquirer[] = Object.freeze(
  [...new Map(ROWS.map((r) => [r[2], r[3]] as const)).entries()].map(([code, name]) => Object.freeze({ code, name })),
);

const issuerByCode = new Map(CARD_ISSUERS.map((c) => [c.code, c]));
const acquirerByCode = new Map(CARD_ACQUIRERS.map((c) => [c.code, c]));

/** The issuer row for a `card_cd`, or undefined when the manual does not list it (newer cards exist). */
export function lookupCardIssuer(code: string): CardIssuer | undefined {
  return issuerByCode.get(code.trim().toUpperCase());
}

/** The acquirer for an `acqu_cd`, or undefined when the manual does not list it. */
export function lookupCardAcquirer(code: string): CardAcquirer | undefined {
  return acquirerByCode.get(code.trim().toUpperCase());
}

/** True for the shape KCP uses for card company codes (four upper-case letters, e.g. CCKM, CVSF, CCXX). */
export function isCardCodeFormat(code: string): boolean {
  return /^[A-Z]{4}$/.test(code);
}
