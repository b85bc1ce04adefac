import assert from 'node:assert/strict';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { decodeText, encodeEucKr, encodeText, eucKrByteLength } from '../../lib/protocol/encoding.js';

describe('strict EUC-KR', () => {
  it('encodes KS X 1001 text to the same bytes as an independent EUC-KR codec', () => {
    // Python: '결과 처리 오류'.encode('euc_kr')
    assert.equal(encodeEucKr('결과 처리 오류', 'mod_desc').toString('hex'), 'b0e1b0fa20c3b3b8ae20bfc0b7f9');
    assert.equal(encodeEucKr('㈜ABC', 'good_name').toString('hex'), 'a2df414243');
  });

  it('refuses CP949-only Hangul, naming the field and the character', () => {
    assert.throws(() => encodeEucKr('똠얌꿍', 'good_name'), {
      code: 'input_invalid',
      field: 'good_name',
      message:
        "good_name: the character '똠' (U+B620) is not in EUC-KR (KS X 1001), so pp_cli cannot carry it; replace it " +
        '(CP949-only Hangul such as 뷁 and emoji are not allowed)',
    });
  });

  it('refuses emoji and Latin accents instead of turning them into ?', () => {
    assert.throws(() => encodeEucKr('ok 😀', 'mod_desc'), { message: /'😀' \(U\+1F600\)/ });
    assert.throws(() => encodeEucKr('café', 'buyr_name'), { message: /'é' \(U\+00E9\)/ });
  });

  it('applies the same rule with opt=1 (pp_cli converts UTF-8 to strict EUC-KR itself)', () => {
    assert.equal(encodeText('한글', 'x', 'utf-8').toString('hex'), 'ed959ceab880');
    assert.throws(() => encodeText('뷁', 'x', 'utf-8'), { field: 'x' });
  });

  it('counts EUC-KR bytes (KCP limits are in bytes)', () => {
    assert.equal(eucKrByteLength('테스트상품 A', 'good_name'), 12);
  });

  it('decodes CP949 output, including UHC syllables KCP may send', () => {
    assert.equal(decodeText(Buffer.from('c1a4bbf3c3b3b8ae', 'hex'), 'euc-kr'), '정상처리');
    assert.equal(decodeText(Buffer.from('94ee', 'hex'), 'euc-kr'), '뷁');
    assert.equal(decodeText(Buffer.from('ec a0 95'.replace(/ /g, ''), 'hex'), 'utf-8'), '정');
  });
});

describe("decodeText('euc-kr') reads exactly as iconv-lite's CP949", () => {
  // decodeText reads ASCII and KS X 1001 Hangul itself and hands anything else to iconv-lite: the two must never differ.
  const iconvCp949 = (bytes: Buffer) => iconv.decode(bytes, 'cp949');

  it('for every byte pair, alone, between ASCII, and cut after its lead byte', () => {
    const differ: string[] = [];
    for (let lead = 0x80; lead <= 0xff; lead++) {
      for (let trail = 0; trail <= 0xff; trail++) {
        for (const bytes of [Buffer.from([lead, trail]), Buffer.from([0x41, lead, trail, 0x42]), Buffer.from([0x41, lead])]) {
          if (decodeText(bytes, 'euc-kr') !== iconvCp949(bytes)) differ.push(bytes.toString('hex'));
        }
      }
    }
    assert.deepEqual(differ, []);
  });

  it('for any bytes, mostly answer-like (ASCII, Hangul, the separators), 1,000 runs', () => {
    const hangul = fc.tuple(fc.integer({ min: 0xb0, max: 0xc8 }), fc.integer({ min: 0xa1, max: 0xfe })).map(([l, t]) => [l, t]);
    const chunk = fc.oneof(
      fc.integer({ min: 0x00, max: 0x7f }).map((b) => [b]),
      hangul,
      fc.constantFrom([0x1f], [0x0a], [0x3d]),
      fc.integer({ min: 0x80, max: 0xff }).map((b) => [b]),
    );
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 80 }), (chunks) => {
        const bytes = Buffer.from(chunks.flat());
        assert.equal(decodeText(bytes, 'euc-kr'), iconvCp949(bytes), bytes.toString('hex'));
      }),
      { numRuns: 1_000 },
    );
  });
});
