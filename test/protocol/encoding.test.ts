import assert from 'node:assert/strict';
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
