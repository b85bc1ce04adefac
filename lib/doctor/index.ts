/** Environment checks: KCP's troubleshooting FAQ (9502/S102, 3014, 8001, S202, …) as code. */
export { runDoctor, doctorPassed, CHECKS } from './run.js';
export { formatDoctorTable, formatDoctorJson, doctorSummary, displayWidth, wrapCells } from './format.js';
export type { FixLanguage, TableOptions } from './format.js';
export type { Bilingual, Check, CheckResult, CheckStatus, DoctorContext, DoctorOptions, Identity } from './types.js';
export { parseElf, fitToHost, crlfDamage, machineName, EM_386, EM_ARM, EM_X86_64, EM_AARCH64 } from './elf.js';
export type { ElfInfo, ElfParse, HostFit } from './elf.js';
export { currentIdentity, canRead, canWrite, canExecute, permissionClass } from './permissions.js';
export { defaultConnect, defaultLookup } from './checks/network.js';
