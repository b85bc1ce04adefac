/**
 * N calls of cancel() through the facade on the stub, one after another (bench/syscalls.ts runs this under strace).
 * Usage: node --import tsx bench/facade-calls.ts DIR N
 */
import { facadeCall } from './common.js';

const [dir, n] = process.argv.slice(2);
const call = facadeCall(dir!);
if (!call) throw new Error('native addon not loaded');
for (let i = 0; i < Number(n); i++) await call();
