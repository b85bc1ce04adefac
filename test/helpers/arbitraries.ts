/** fast-check arbitraries for values and names a caller might pass to pp_cli's builders (property tests). */
import fc from 'fast-check';

/** Characters that matter to the module, beside ordinary text. */
const SPECIAL = ['\x1c', '\x1d', '\x1e', '\x1f', ',', '=', '\n', '\r', '\t', '\x7f', '\0', '&', ';', "'", '"', '\\', '|', ' '];
const KSX1001 = ['가', '한', '글', '책', '값', '원', '￦', '①', '漢'];
const OUTSIDE = ['뷁', '똠', 'é', 'Ü', '😀', '₩', '\u00a0'];

const unit = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...'abcxyzABZ019_-.@: '.split('')) },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 2, arbitrary: fc.constantFrom(...KSX1001) },
  { weight: 1, arbitrary: fc.constantFrom(...OUTSIDE) },
  { weight: 1, arbitrary: fc.integer({ min: 0xac00, max: 0xd7a3 }).map((c) => String.fromCharCode(c)) },
);
export const text = fc.string({ unit, maxLength: 12 });
/** Values: short text, KCP-looking values, and long runs around the 30,718-byte limit. */
export const value = fc.oneof(
  { weight: 6, arbitrary: text },
  { weight: 2, arbitrary: fc.constantFrom('', '1004', 'STSC', '1.2.3.4', '20130326962625') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 30_600, max: 30_760 }), fc.constantFrom('A', '가'))
      .map(([n, ch]) => ch.repeat(ch === 'A' ? n : Math.floor(n / 2))),
  },
);
/** Names: KCP names, other valid names, and anything. */
export const name = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('ordr_mony', 'mod_desc', 'good_name', 'buyr_tel1', 'x', 'rcpt_data') },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9_]{1,10}$/) },
  { weight: 4, arbitrary: text },
);
/** Names and values the builders accept (mostly): for checks that need requests to reach the module. */
export const kcpName = fc.stringMatching(/^[a-z0-9_]{1,10}$/);
export const carriedValue = fc.string({ unit: fc.constantFrom(...'abcXYZ019 _-.@:=&;|/가한글책값원￦①漢'.split('')), maxLength: 24 });
