/**
 * trace_no as KCP generates it (docs/pp-cli-protocol.md §7.2): site_cd (5) + month, day, hour, minute, second (one char
 * each) + the client IP in base 100 with a flag character (6). The simulator's payment window posts one, like
 * KCP's window does; the stand-in pp_cli computes the same thing in C when trace_no is empty.
 */

const TIME_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const IP_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTabcdefghijklmnopqrst';

/** inet_addr() read as a little-endian uint32; anything unparsable is INADDR_NONE like libc's. */
function ipValue(ip: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return 0xffffffff;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return 0xffffffff;
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

/** The 16-character trace number for `siteCd` at local time `at` from client `ip`. */
export function makeTraceNo(siteCd: string, ip: string, at: Date): string {
  const site = siteCd.slice(0, 5).padStart(5, ' ');
  const time = [at.getMonth() + 1, at.getDate(), at.getHours(), at.getMinutes(), at.getSeconds()]
    .map((v) => TIME_ALPHABET[v])
    .join('');
  let v = ipValue(ip);
  const digits: number[] = [];
  for (let i = 0; i < 5; i++) {
    digits.unshift(v % 100);
    v = Math.floor(v / 100);
  }
  let flags = 0;
  digits.forEach((d, i) => {
    if (d >= 50) {
      digits[i] = d - 50;
      flags |= 1 << (4 - i);
    }
  });
  return site + time + IP_ALPHABET[flags] + digits.map((d) => IP_ALPHABET[d]).join('');
}
