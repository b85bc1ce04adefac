/**
 * `kcp-payplus sim`: run the local gateway simulator, or drive a running one.
 *
 *   kcp-payplus sim [--port 8090] [--notify-url http://127.0.0.1:3000/common_return] [--env TEST|REAL]
 *                   [--slow-ms 5000] [--retry-ms 60000,300000] [--rest-port 8443]
 *   kcp-payplus sim deposit --tno 20261126962625 [--amount 1004] [--remitter 홍길동] [--cancel] [--url http://127.0.0.1:8090]
 *   kcp-payplus sim notify  --tno 20261126962625 --tx-cd TX02|TX03 [--url ...]
 *
 * Point the site configuration at it with g_conf_gw_url=127.0.0.1, g_conf_gw_port=<port> and
 * g_conf_js_url=http://127.0.0.1:<port>/plugin/payplus_test_un.js (the plug-in window the README's quick start uses; the
 * standard-web payplus_web.jsp is served too), and use the stand-in pp_cli.
 */
import { parseArgs } from 'node:util';
import { startRestSimulator, startSimulator, type RestSimulator } from '../../sim/index.js';
import { standInBuildPath } from '../../sim/standin.js';
import type { CliCommand } from './index.js';

const DEFAULT_URL = 'http://127.0.0.1:8090';

/**
 * What `kcp-payplus sim` prints: the values in the order the README's quick start writes its site_conf_inc.json
 * (gateway, port, the plug-in window's script, notify_url), ready to copy; the standard-web and smartphone windows after.
 */
export function simBanner(sim: { url: string; host: string; port: number; notifyUrl?: string }, env: 'TEST' | 'REAL'): string {
  const plugin = env === 'TEST' ? 'payplus_test' : 'payplus';
  return (
    `KCP PayPlus simulator (${env}) listening on ${sim.url}\n` +
    `  site_conf_inc.json, as the README's quick start writes it (plug-in window, UTF-8 pages; EUC-KR pages: ${plugin}.js):\n` +
    `    "g_conf_gw_url": "${sim.host}",\n` +
    `    "g_conf_gw_port": "${sim.port}",\n` +
    `    "g_conf_js_url": "${sim.url}/plugin/${plugin}_un.js",\n` +
    `    "payplus": { "allow_nonstandard_port": true, "notify_url": "${sim.notifyUrl ?? '<your common_return URL>'}" }\n` +
    (sim.notifyUrl ? '' : `  notify:   none: pass --notify-url <your common_return URL> to send deposit notifications\n`) +
    `  other windows: standard web g_conf_js_url=${sim.url}/plugin/payplus_web.jsp; smartphone trade registration at ${sim.url}/services/KCPPaymentService\n` +
    `  admin:    POST ${sim.url}/_admin/deposit {"tno": "..."}; GET ${sim.url}/_admin/state\n` +
    `  module:   the stand-in pp_cli (${standInBuildPath()}) talks to this simulator;\n` +
    `            install it into your KCP home with: npx kcp-payplus install-standin --home <g_conf_home_dir>\n`
  );
}

async function serve(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8090' },
      host: { type: 'string', default: '127.0.0.1' },
      'notify-url': { type: 'string' },
      env: { type: 'string', default: 'TEST' },
      'slow-ms': { type: 'string' },
      'retry-ms': { type: 'string' },
      /** Also serve KCP's REST API (PG-API) over https on this port (its own CA and merchant certificate). */
      'rest-port': { type: 'string' },
    },
  });
  if (values.env !== 'TEST' && values.env !== 'REAL') {
    process.stderr.write(`kcp-payplus sim: --env must be TEST or REAL, not '${values.env}'\n`);
    return 2;
  }
  const sim = await startSimulator({
    port: Number(values.port),
    host: values.host,
    env: values.env,
    notifyUrl: values['notify-url'],
    slowMs: values['slow-ms'] ? Number(values['slow-ms']) : undefined,
    retryDelaysMs: values['retry-ms'] ? values['retry-ms'].split(',').map(Number) : undefined,
  });
  let rest: RestSimulator | undefined;
  if (values['rest-port'] !== undefined) {
    rest = await startRestSimulator(sim, { port: Number(values['rest-port']), slowMs: values['slow-ms'] ? Number(values['slow-ms']) : undefined });
  }
  process.stdout.write(simBanner(sim, values.env));
  if (rest) {
    process.stdout.write(
      `  REST (PG-API): payplus.rest_url=${rest.url}  payplus.rest_ca_file=${rest.caFile}\n` +
        `            payplus.rest_cert_file=${rest.merchant.certFile}  payplus.rest_key_file=${rest.merchant.keyFile}\n` +
        `            key password: "${rest.merchant.password}" (the simulator's test key; put it in the variable payplus.rest_key_password_env names)\n`,
    );
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await rest?.close();
  await sim.close();
  return 0;
}

async function admin(action: string, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: DEFAULT_URL },
      tno: { type: 'string' },
      amount: { type: 'string' },
      remitter: { type: 'string' },
      cancel: { type: 'boolean', default: false },
      'tx-cd': { type: 'string', default: 'TX02' },
    },
  });
  if (!values.tno) {
    process.stderr.write(`kcp-payplus sim ${action}: --tno is required (the transaction number the simulator issued)\n`);
    return 2;
  }
  const endpoint = action === 'notify' ? 'notify' : values.cancel ? 'cancel-deposit' : 'deposit';
  const body = {
    tno: values.tno, wait: true, amount: values.amount, remitter: values.remitter, tx_cd: values['tx-cd'],
  };
  let res: Response;
  try {
    res = await fetch(`${values.url}/_admin/${endpoint}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
  } catch (err) {
    process.stderr.write(`kcp-payplus sim ${action}: no simulator at ${values.url} (${String(err)}); start one with 'kcp-payplus sim'\n`);
    return 1;
  }
  const answer = (await res.json()) as { error?: string; delivered?: boolean; attempts?: unknown[]; notiId?: string };
  if (!res.ok) {
    process.stderr.write(`kcp-payplus sim ${action}: ${answer.error ?? res.statusText}\n`);
    return 1;
  }
  process.stdout.write(`noti_id=${answer.notiId ?? ''} delivered=${String(answer.delivered)} attempts=${answer.attempts?.length ?? 0}\n`);
  return answer.delivered ? 0 : 1;
}

export const simCommand: CliCommand = {
  name: 'sim',
  summary: 'run the local KCP gateway simulator; `sim deposit|notify` drives a running one',
  async run(argv) {
    const [first, ...rest] = argv;
    if (first === 'deposit' || first === 'notify') return admin(first, rest);
    return serve(argv);
  },
};
