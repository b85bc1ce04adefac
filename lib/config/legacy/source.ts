/**
 * Legacy cfg files come from Korean merchant servers: UTF-8 or, very often, EUC-KR/CP949 (KCP's
 * samples are EUC-KR). Bytes that are valid UTF-8 are read as UTF-8; anything else as CP949, a
 * superset of EUC-KR. Only comments usually hold Korean, but the values must come out right too.
 */
import iconv from 'iconv-lite';

/** Decodes config bytes: UTF-8 (BOM stripped) when valid, else CP949. */
export function decodeConfigBytes(bytes: Uint8Array): { text: string; encoding: 'utf-8' | 'cp949' } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return { text, encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(Buffer.from(bytes), 'cp949'), encoding: 'cp949' };
  }
}

/** Maps a character offset to its 1-based line number. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}
