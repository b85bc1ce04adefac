/**
 * Environment checks: KCP's troubleshooting FAQ (9502/S102, 3014, 8001, S202, …) as code. This is the
 * `kcp-payplus/doctor` entry: run the checks, judge and print them. The ELF reader, permission probes and table
 * helpers behind them are internal (import their modules directly inside this package).
 */
export { runDoctor, doctorPassed, CHECKS } from './run.js';
export { formatDoctorTable, formatDoctorJson, doctorSummary } from './format.js';
export type { FixLanguage, TableOptions } from './format.js';
export type { Bilingual, Check, CheckResult, CheckStatus, DoctorContext, DoctorOptions, Identity } from './types.js';
