// bench/store.ts's start-up probe, run as a process of its own from the compiled package (dist/, `npm run build`):
// new PayPlus on a store file and the recover() a worker runs at start. Prints {"load":ms,"start":ms}.
// argv: <store file> <SiteConfData as JSON>
import { performance } from 'node:perf_hooks';

const [file, confJson] = process.argv.slice(2);
const t0 = performance.now();
const { PayPlus } = await import('../dist/lib/payplus/payplus.js');
const { SqliteStore } = await import('../dist/lib/store/sqlite.js');
const { silentLogger } = await import('../dist/lib/log/types.js');
const t1 = performance.now();
const noRuns = { name: 'none', argvEncoding: 'euc-kr', run: async () => { throw new Error('the start-up probe runs no module'); } };
const payplus = new PayPlus(JSON.parse(confJson), { logger: silentLogger, store: new SqliteStore(file), runner: noRuns });
await payplus.recover();
const t2 = performance.now();
await payplus.close();
process.stdout.write(JSON.stringify({ load: t1 - t0, start: t2 - t1 }));
