/**
 * `npm start`: the sample shop against the local simulator, on 127.0.0.1.
 * PORT (default 3000) and SIM_PORT (default: any free port) choose the ports.
 * SHOP_ADMIN_PASSWORD (at least 12 characters) is the staff login; when it is not set, npm start makes up one for this
 * run and prints it once, so the staff pages can be tried at once (the shop itself refuses staff pages without one).
 * SHOP_PUBLIC_URL is the address buyers use (default http://127.0.0.1:PORT): Ret_URL and the allowed form origin.
 * KCP_TRANSPORT=rest switches the shop from pp_cli (the default) to KCP's REST API (the simulator's PG-API side).
 */
import { randomBytes } from 'node:crypto';
import { StandInRefused } from '../lib/sim/standin.js';
import { startSample, type Sample } from './runtime.js';
import { checkAdminPassword, publicOrigin } from './security.js';

const port = Number(process.env.PORT ?? 3000);
const simPort = Number(process.env.SIM_PORT ?? 0);
const transportSetting = process.env.KCP_TRANSPORT ?? 'pp_cli';
if (transportSetting !== 'pp_cli' && transportSetting !== 'rest') {
  process.stderr.write(`npm start: KCP_TRANSPORT=${transportSetting} is not a transport. Fix: KCP_TRANSPORT=rest, or leave it out for pp_cli\n`);
  process.exit(1);
}
const transport: 'pp_cli' | 'rest' = transportSetting;

let adminPassword: string | undefined;
let publicUrl: string | undefined;
try {
  adminPassword = checkAdminPassword(process.env.SHOP_ADMIN_PASSWORD);
  publicUrl = process.env.SHOP_PUBLIC_URL ? publicOrigin(process.env.SHOP_PUBLIC_URL) : undefined;
} catch (err) {
  process.stderr.write(`npm start: ${(err as Error).message}\n`);
  process.exit(1);
}
const madeUp = adminPassword === undefined;
adminPassword ??= randomBytes(18).toString('base64url');

/** What to tell a newcomer when a port is taken, instead of a raw EADDRINUSE stack. */
function portInUseMessage(err: unknown): string | undefined {
  const e = err as { code?: string; port?: number };
  if (e.code !== 'EADDRINUSE') return undefined;
  const which = e.port === simPort && simPort !== port ? 'SIM_PORT' : 'PORT';
  const taken = e.port ?? (which === 'PORT' ? port : simPort);
  return (
    `npm start: port ${taken} on 127.0.0.1 is already in use (another npm start, or another server).\n` +
    `Stop that program, or choose another port: ${which}=${taken + 1} npm start` +
    `${which === 'PORT' ? ' (SIM_PORT chooses the simulator\'s port; it takes any free port by default)' : ''}\n`
  );
}

let sample: Sample;
try {
  sample = await startSample({ port, simPort, console: true, adminPassword, publicUrl, transport });
} catch (err) {
  const message = err instanceof StandInRefused ? `npm start: ${err.message}\n` : portInUseMessage(err);
  if (!message) throw err;
  process.stderr.write(message);
  process.exit(1);
}
process.stdout.write(
  `KCP sample shop:  ${sample.publicUrl}/  (phones: ${sample.publicUrl}/m/)\n` +
    `staff:            ${sample.publicUrl}/staff/orders  ` +
    (madeUp ? `password for this run: ${adminPassword}  (set SHOP_ADMIN_PASSWORD to choose your own)\n` : '(password: SHOP_ADMIN_PASSWORD)\n') +
    `simulator:        ${sample.sim.url}/ (TEST gateway, payment window, notifications)\n` +
    (sample.rest ? `transport:        REST (PG-API) at ${sample.rest.url}, CA ${sample.rest.caFile}\n` : `transport:        pp_cli (KCP_TRANSPORT=rest switches to KCP's REST API)\n`) +
    (sample.rest ? `billing:          ${sample.publicUrl}/billing  (recurring billing: a card through the batch-key window)\n` : '') +
    `config:           ${sample.cfgFile}  (check it: npx kcp-payplus doctor --config ${sample.cfgFile} --offline)\n` +
    `payments:         one line per payment request below (masked); the full log is in ${sample.conf.logDir}\n` +
    `Press Ctrl+C to stop.\n`,
);
const stop = () => {
  sample.close().then(() => process.exit(0), () => process.exit(1));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
