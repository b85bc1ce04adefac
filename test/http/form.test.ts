/**
 * The form decoder against a reference written the obvious way (split the bytes on '&', each pair at its first '=',
 * percent-decode and decode each name and value on its own, the last repeat wins), on bodies made of the bytes that
 * matter: separators, escapes of separators, broken escapes, '+', EUC-KR and UTF-8 bytes raw and escaped, lone lead
 * bytes, __proto__. Small bodies, then bodies of exactly 64 KiB. Seeded: SEED=<n> repeats a run (the seed is printed).
 */
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { decodeForm, decodeFormBody, type FormCharset } from '../../lib/http/form.js';
import { decodeText } from '../../lib/protocol/encoding.js';
import { SEED as RUN_SEED } from '../helpers/seed.js';

const SEED = RUN_SEED | 0; // fast-check takes a 32-bit signed seed
console.log(`    test/http/form.test.ts: SEED=${SEED}`);

function referencePercentDecode(bytes: Buffer): Buffer {
  const hex = (b: number | undefined) => b !== undefined && /^[0-9A-Fa-f]$/.test(String.fromCharCode(b));
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x2b) out.push(0x20);
    else if (bytes[i] === 0x25 && hex(bytes[i + 1]) && hex(bytes[i + 2])) {
      out.push(parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16));
      i += 2;
    } else out.push(bytes[i]!);
  }
  return Buffer.from(out);
}

function referencePairs(body: Buffer): Array<[Buffer, Buffer]> {
  const pairs: Array<[Buffer, Buffer]> = [];
  let start = 0;
  for (let i = 0; i <= body.length; i++) {
    if (i < body.length && body[i] !== 0x26) continue;
    const segment = body.subarray(start, i);
    start = i + 1;
    if (segment.length === 0) continue;
    const eq = segment.indexOf(0x3d);
    const [name, value] = eq < 0 ? [segment, Buffer.alloc(0)] : [segment.subarray(0, eq), segment.subarray(eq + 1)];
    pairs.push([referencePercentDecode(name), referencePercentDecode(value)]);
  }
  return pairs;
}

function reference(body: Buffer, charset?: FormCharset): { fields: Record<string, string>; charset: FormCharset } {
  const pairs = referencePairs(body);
  const chosen = charset ?? (pairs.every(([k, v]) => isUtf8(k) && isUtf8(v)) ? 'utf-8' : 'euc-kr');
  const fields = new Map<string, string>();
  for (const [k, v] of pairs) fields.set(decodeText(k, chosen), decodeText(v, chosen));
  return { fields: Object.fromEntries(fields), charset: chosen };
}

const TOKENS = [
  'a', 'b', 'ordr_idxx', 'enc_data', '__proto__', 'constructor', '0', '12', '&', '&&', '=', '==', '+', '%', '%2', '%zz', '%26', '%3D', '%3d',
  '%25', '%2B', '%20', '%00', '%C0', '%B0%A1', '%C8%AB', '%EA%B0%80', '%ED%95', '%F0%9F%98%80', '%81%41', '%FF', '%80',
];
const RAW = [[0xb0, 0xa1], [0xb0], [0xea, 0xb0, 0x80], [0x80], [0xff], [0xc8]];
const token = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...TOKENS).map((t) => Buffer.from(t, 'latin1')) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW).map((bytes) => Buffer.from(bytes)) },
);
const charset = fc.constantFrom<FormCharset | undefined>(undefined, 'euc-kr', 'utf-8');
const contentType = (c: FormCharset | undefined) => (c ? `application/x-www-form-urlencoded; charset=${c}` : 'application/x-www-form-urlencoded');

/** Exactly 64 KiB of such tokens. */
const body64k = fc.array(token, { minLength: 16_000, maxLength: 16_000 }).map((parts) => {
  let body = Buffer.concat(parts);
  while (body.length < 65_536) body = Buffer.concat([body, body]);
  return body.subarray(0, 65_536);
});

function same(body: Buffer, c: FormCharset | undefined): void {
  const expected = reference(body, c);
  const got = decodeFormBody(body, contentType(c));
  assert.equal(got.charset, expected.charset);
  assert.deepEqual(Object.entries(got.fields), Object.entries(expected.fields));
  assert.equal(Object.getPrototypeOf(got.fields), Object.prototype);
}

describe('form decoding (one pass, linear)', () => {
  it('decodes any small body like the reference: fields, their order, the charset', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), charset, (parts, c) => same(Buffer.concat(parts), c)),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('decodes any 64 KiB body like the reference', function () {
    this.timeout(120_000);
    fc.assert(
      fc.property(body64k, charset, (body, c) => same(body, c)),
      { seed: SEED, numRuns: 12, endOnFailure: true }, // no shrinking of 64 KiB bodies: the seed repeats it
    );
  });

  it('64 KiB of `&a` pairs is one field a with the value ""; 64 KiB of distinct pairs keeps every one', () => {
    const pairs = Buffer.from('&a'.repeat(32_768));
    assert.equal(pairs.length, 65_536);
    assert.deepEqual(decodeFormBody(pairs), { fields: { a: '' }, charset: 'utf-8' });

    const parts: string[] = [];
    for (let i = 0, size = 0; size < 65_536 - 20; i++) {
      parts.push(`k${i}=${i % 3 === 0 ? '%B0%A1' : String(i)}`);
      size += parts.at(-1)!.length + 1;
    }
    const fields = decodeForm(Buffer.from(parts.join('&')), 'euc-kr');
    assert.equal(Object.keys(fields).length, parts.length);
    assert.equal(fields.k0, '가');
    assert.equal(fields.k1, '1');
    assert.equal(fields[`k${parts.length - 1}`], (parts.length - 1) % 3 === 0 ? '가' : String(parts.length - 1));
  });

  it('keeps escaped separators inside names and values, and a lone EUC-KR lead byte before `&` as U+FFFD', () => {
    assert.deepEqual(decodeForm(Buffer.from('a%26b=c%3Dd%26e&x=%26%26'), 'utf-8'), { 'a&b': 'c=d&e', x: '&&' });
    assert.deepEqual(decodeForm(Buffer.from('a=%B0&b=%B0%A1'), 'euc-kr'), { a: '\ufffd', b: '가' });
    const proto = decodeForm(Buffer.from('__proto__=x&a=1'), 'utf-8');
    assert.deepEqual(Object.keys(proto), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  });
});
