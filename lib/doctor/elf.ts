/**
 * Just enough ELF to tell whether pp_cli can run here: class (32/64), byte order, machine, and the
 * PT_INTERP loader path. A 32-bit pp_cli on a 64-bit server without /lib/ld-linux.so.2 fails with a
 * bare ENOENT ("bad ELF interpreter"), which PHP turns into 9502; reading the header names the cause.
 */

export const EM_386 = 3;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
const PT_INTERP = 3;

const MACHINE_NAMES: Record<number, string> = {
  [EM_386]: 'i386',
  [EM_ARM]: 'arm',
  [EM_X86_64]: 'x86-64',
  [EM_AARCH64]: 'aarch64',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390',
  243: 'riscv',
};

export function machineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `machine ${machine}`;
}

export interface ElfInfo {
  bits: 32 | 64;
  littleEndian: boolean;
  /** e_machine. */
  machine: number;
  /** e_type: 2 executable, 3 shared object (PIE). */
  type: number;
  /** The PT_INTERP path, undefined for a static executable. */
  interpreter?: string;
}

export type ElfParse = { ok: true; elf: ElfInfo } | { ok: false; reason: string };

export function isElf(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** Reads the header and program headers; every offset is bounds-checked, so a damaged file says why. */
export function parseElf(bytes: Buffer): ElfParse {
  if (!isElf(bytes)) return { ok: false, reason: 'no ELF magic (7f 45 4c 46)' };
  if (bytes.length < 52) return { ok: false, reason: `file ends inside the ELF header (${bytes.length} bytes)` };
  const cls = bytes[4];
  const data = bytes[5];
  if (cls !== 1 && cls !== 2) return { ok: false, reason: `invalid ELF class byte ${cls}` };
  if (data !== 1 && data !== 2) return { ok: false, reason: `invalid ELF data-encoding byte ${data}` };
  const bits = cls === 1 ? 32 : 64;
  const le = data === 1;
  const u16 = (o: number) => (le ? bytes.readUInt16LE(o) : bytes.readUInt16BE(o));
  const u32 = (o: number) => (le ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const u64 = (o: number) => Number(le ? bytes.readBigUInt64LE(o) : bytes.readBigUInt64BE(o));
  if (bits === 64 && bytes.length < 64) return { ok: false, reason: `file ends inside the ELF64 header (${bytes.length} bytes)` };

  const type = u16(16);
  const machine = u16(18);
  const phoff = bits === 32 ? u32(28) : u64(32);
  const phentsize = u16(bits === 32 ? 42 : 54);
  const phnum = u16(bits === 32 ? 44 : 56);
  const minEntry = bits === 32 ? 32 : 56;
  const elf: ElfInfo = { bits, littleEndian: le, machine, type };
  if (phnum === 0) return { ok: true, elf };
  if (phentsize < minEntry) return { ok: false, reason: `program header entry size ${phentsize} is too small` };
  if (phoff + phnum * phentsize > bytes.length) {
    return { ok: false, reason: `program headers (${phnum} at offset ${phoff}) run past the end of the file (${bytes.length} bytes)` };
  }
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (u32(at) !== PT_INTERP) continue;
    const offset = bits === 32 ? u32(at + 4) : u64(at + 8);
    const size = bits === 32 ? u32(at + 16) : u64(at + 32);
    if (size === 0 || offset + size > bytes.length) {
      return { ok: false, reason: `the interpreter path (PT_INTERP, ${size} bytes at ${offset}) lies outside the file` };
    }
    const raw = bytes.subarray(offset, offset + size);
    const nul = raw.indexOf(0);
    if (nul < 0) return { ok: false, reason: 'the interpreter path (PT_INTERP) is not NUL-terminated' };
    elf.interpreter = raw.subarray(0, nul).toString('latin1');
  }
  return { ok: true, elf };
}

/** Which (bits, machine) pairs a Node `process.arch` host runs natively or through a compat loader. */
const HOST_FITS: Record<string, { native: [number, number]; compat?: [number, number] }> = {
  x64: { native: [64, EM_X86_64], compat: [32, EM_386] },
  ia32: { native: [32, EM_386] },
  arm64: { native: [64, EM_AARCH64], compat: [32, EM_ARM] },
  arm: { native: [32, EM_ARM] },
};

export type HostFit = 'native' | 'compat' | 'foreign' | 'unknown-host';

/** 'compat' is a 32-bit module on a 64-bit host: it runs only if the 32-bit loader and libraries exist. */
export function fitToHost(elf: Pick<ElfInfo, 'bits' | 'machine'>, arch: string): HostFit {
  const fit = HOST_FITS[arch];
  if (!fit) return 'unknown-host';
  if (fit.native[0] === elf.bits && fit.native[1] === elf.machine) return 'native';
  if (fit.compat && fit.compat[0] === elf.bits && fit.compat[1] === elf.machine) return 'compat';
  return 'foreign';
}

/** What the host would need to run natively, for messages: 'x86-64 (64-bit)'. */
export function hostMachineLabel(arch: string): string {
  const fit = HOST_FITS[arch];
  return fit ? `${machineName(fit.native[1])} (${fit.native[0]}-bit)` : arch;
}

/**
 * An ELF damaged by an ASCII-mode FTP upload has every LF (0x0A) preceded by a CR (0x0D): the transfer
 * rewrote each \n as \r\n. A sound binary has many lone LFs (string tables end lines with "\n").
 * Returns the number of CRLF pairs when every LF is part of one, else 0.
 */
export function crlfDamage(bytes: Buffer): number {
  let lf = 0;
  let crlf = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) {
    lf += 1;
    if (i > 0 && bytes[i - 1] === 0x0d) crlf += 1;
  }
  return lf > 0 && crlf === lf ? crlf : 0;
}
