/**
 * The help text of every `kcp-payplus` command, in one place: `kcp-payplus <command> --help`, `kcp-payplus help
 * <command>` and each command's usage errors all print from here, so what a command accepts and what its help says
 * cannot drift apart. The dispatcher (index.ts) answers --help itself, so every command has it, and every command's
 * help has the same layout: usage, what it does, options, examples.
 */
import { wrapCells } from '../doctor/format.js';
import { DEFAULT_CONFIG_PATH } from './context.js';

export interface CommandHelp {
  /** One line per form of the command, without the leading "usage: ". */
  readonly usage: readonly string[];
  /** What it does, a few sentences. */
  readonly about: string;
  /** Option and its meaning (with the default when there is one). */
  readonly options: readonly (readonly [string, string])[];
  readonly examples: readonly string[];
}

const CONFIG_OPTION = [
  '--config <file>',
  `site configuration (default $KCP_CONFIG, else ${DEFAULT_CONFIG_PATH}; .json, or a legacy site_conf_inc.php/.jsp/.asp/Web.config)`,
] as const;

export const HELP: Readonly<Record<string, CommandHelp>> = {
  cancel: {
    usage: [
      'kcp-payplus cancel --tno <tno> [--reason <text>] [--config <file>] [--ip <addr>]',
      'kcp-payplus cancel --tno <tno> --amount <won> --balance <won> [--reason <text>] [--config <file>]',
    ],
    about:
      "Cancels a payment in full (mod_type STSC), or part of it (STPC) with --amount and --balance (KCP's rem_mny: " +
      "what is still cancellable before this cancel), through the config's transport: pp_cli, or with payplus.transport " +
      "'rest' KCP's PG-API (/gw/mod/v1/cancel, signed with the PG-API key). Prints KCP's answer as key=value lines; " +
      'exit 1 on a refusal. The first line (stderr) names the config, transport and store.',
    options: [
      ['--tno <tno>', "KCP's 14-digit transaction number (required)"],
      ['--reason <text>', 'mod_desc, the reason shown in KCP\'s admin (default empty)'],
      ['--amount <won>', 'partial cancel: the amount to cancel (needs --balance)'],
      ['--balance <won>', 'partial cancel: the cancellable balance before this cancel (rem_mny)'],
      CONFIG_OPTION,
      ['--ip <addr>', 'cust_ip sent to KCP (default 127.0.0.1)'],
    ],
    examples: [
      'kcp-payplus cancel --tno 20261126000001 --reason "고객 요청"',
      'kcp-payplus cancel --tno 20261126000001 --amount 1000 --balance 5000',
    ],
  },
  capture: {
    usage: ['kcp-payplus capture --tno <tno> [--config <file>] [--ip <addr>]'],
    about:
      'Captures (매입요청, mod_type STMR) a card approval made with manual capture. It always runs pp_cli, also on a ' +
      "payplus.transport 'rest' site (KCP's REST capture is not documented). Exit 1 on a refusal.",
    options: [['--tno <tno>', "KCP's 14-digit transaction number (required)"], CONFIG_OPTION, ['--ip <addr>', 'cust_ip sent to KCP (default 127.0.0.1)']],
    examples: ['kcp-payplus capture --tno 20261126000001 --config /opt/kcp-payplus/cfg/site_conf_inc.json'],
  },
  recover: {
    usage: [
      'kcp-payplus recover [--config <file>] [--store <location>] [--dry-run] [--ip <addr>] [--min-age <seconds>]',
      '                    [--host <name> --assume-dead]',
      'kcp-payplus recover --attempt <id> --tno <tno> [--order <ordr_idxx> --amount <won>] [--config <file>] [--store <location>]',
    ],
    about:
      "Settles what crashes left in the payment store: unknown outcomes are read from pp_cli's own answer (transport " +
      "pp_cli) or asked of KCP by tno (transport rest: the PG-API inquiry, on any host; an approval that got no tno " +
      "stays UNKNOWN for KCP's admin), uncommitted approvals are cancelled, failed cancels are retried. Attempts a live " +
      'worker holds are left alone. It reads an existing store only: a missing log folder or store is named and exits ' +
      '1, never created. The first line names the config, transport and store it used. Exit 1 while anything is ' +
      'FAILED, OVERDUE, UNKNOWN, UNDECIDED or CANCELLING (listed with age and host).',
    options: [
      CONFIG_OPTION,
      ['--store <location>', 'sqlite:/path/payplus.sqlite | postgres://… | mysql://… (default <log_dir>/payplus.sqlite)'],
      ['--dry-run', 'list what would be settled; change nothing'],
      ['--ip <addr>', "mod_ip for the cancels, this server's address (default 127.0.0.1)"],
      ['--min-age <seconds>', 'leave attempts younger than this alone (default 0)'],
      [
        '--host <name> --assume-dead',
        "the workers of host <name> are gone for good (machine or container destroyed): take their attempts over " +
          "whatever their lease says (each by compare-and-set). What their pp_cli answered is read where this host can " +
          'see it; the rest stays UNKNOWN',
      ],
      [
        '--attempt <id> --tno <tno>',
        "a person's answer for an UNKNOWN attempt without a tno: the tno KCP's admin shows for its order. REST: " +
          "accepted only when KCP's inquiry names this order and amount; then settled as usual (cancelled unless " +
          'committed). Exit 0 settled, 1 still open or refused (nothing changed)',
      ],
      ['--order <ordr_idxx> --amount <won>', "pp_cli only (it cannot ask KCP): the order id and amount you saw next to the tno, recorded in the attempt's note"],
    ],
    examples: [
      'kcp-payplus recover --dry-run',
      'kcp-payplus recover --host shop-7f9c --assume-dead',
      'kcp-payplus recover --attempt 5f0c… --tno 20261203123456',
      'kcp-payplus recover --config /srv/kcp/cfg/site_conf_inc.php --store mysql://shop@127.0.0.1/shop --ip 10.0.0.5',
    ],
  },
  archive: {
    usage: ['kcp-payplus archive [--older-than-days <n>] [--config <file>] [--store <location>]'],
    about:
      'Moves settled payment attempts (committed, declined, cancelled, kept) last changed more than n days ago from the ' +
      'live table to kcp_payplus_attempts_archive. Their order ids stay taken, so an archived order still cannot be paid ' +
      'twice; open attempts are never moved. Run it from cron on a busy shop.',
    options: [
      ['--older-than-days <n>', 'archive what was settled before this many days ago (default 90)'],
      CONFIG_OPTION,
      ['--store <location>', 'sqlite:/path/payplus.sqlite | postgres://… | mysql://… (default <log_dir>/payplus.sqlite)'],
    ],
    examples: ['kcp-payplus archive --older-than-days 365', 'kcp-payplus archive --store mysql://shop@127.0.0.1/shop'],
  },
  sim: {
    usage: [
      'kcp-payplus sim [--port <n>] [--notify-url <url>] [--env TEST|REAL] [--slow-ms <ms>] [--retry-ms <ms,ms,...>] [--rest-port <n>]',
      'kcp-payplus sim deposit --tno <tno> [--amount <won>] [--remitter <name>] [--cancel] [--url <sim url>]',
      'kcp-payplus sim notify --tno <tno> [--tx-cd TX02|TX03] [--url <sim url>]',
    ],
    about:
      "Runs the local KCP gateway simulator on 127.0.0.1 (gateway, payment-window scripts, common_return sender), or " +
      'drives a running one. The simulator needs the stand-in pp_cli as your module: `kcp-payplus install-standin` ' +
      'puts it into a KCP home.',
    options: [
      ['--port <n>', 'port to listen on (default 8090)'],
      ['--notify-url <url>', 'where to post common_return notifications'],
      ['--env TEST|REAL', 'which site codes the gateway accepts (default TEST)'],
      ['--slow-ms <ms>', 'delay of the "slow answer" test amount (…993)'],
      ['--retry-ms <list>', 'delays between notification re-sends'],
      ['--rest-port <n>', "also serve KCP's REST API (PG-API) over https on this port, with its own CA and merchant certificate (printed)"],
      ['--url <sim url>', 'deposit/notify: the running simulator (default http://127.0.0.1:8090)'],
    ],
    examples: [
      'kcp-payplus sim --port 8090 --notify-url http://127.0.0.1:3000/common_return',
      'kcp-payplus sim deposit --tno 20261126962625 --amount 1004',
    ],
  },
  record: {
    usage: ['kcp-payplus record --cassette <file.json> [--mode record|replay|passthrough] [--bind <names>] -- <command> [args...]'],
    about:
      'Runs <command> (no shell) with its pp_cli calls recorded to, or replayed from, a cassette; secrets are ' +
      'replaced by placeholders before saving. Options after -- belong to <command>.',
    options: [
      ['--cassette <file.json>', 'the cassette file (required)'],
      ['--mode <mode>', 'record (default), replay or passthrough'],
      ['--bind <names>', 'replay: comma-separated names your code generates anew each run, e.g. ordr_idxx,ordr_no'],
    ],
    examples: [
      'kcp-payplus record --cassette test/cassettes/my-flow.json -- node my-flow.js',
      'kcp-payplus record --cassette test/cassettes/my-flow.json --mode replay -- node my-flow.js',
    ],
  },
  doctor: {
    usage: [
      'kcp-payplus doctor [--config <file>] [--offline] [--json] [--lang ko|en|both]',
      '                   [--expect-size <bytes>] [--expect-sha256 <hex>] [--no-smoke]',
    ],
    about:
      "Runs KCP's troubleshooting FAQ against this server: configuration (every problem at once), the module (present, " +
      'mode 755, fits this machine, not damaged by an ASCII upload, answers pp_cli -x) on transport pp_cli, or the ' +
      "PG-API certificate, key and host on transport rest (the other transport's checks show as SKIP, not used), logs, " +
      "web roots, network (pp_cli's gateway, or the PG-API host on 443), the notification URL. The first line names " +
      'the config and its transport. Exit 1 when a check fails.',
    options: [
      CONFIG_OPTION,
      ['--offline', 'skip the DNS and TCP checks'],
      ['--json', 'print the results as JSON'],
      ['--lang ko|en|both', 'language of titles, results and fixes (default both)'],
      ['--expect-size <bytes>', 'the size of KCP\'s pp_cli, to catch an ASCII-mode upload'],
      ['--expect-sha256 <hex>', 'the sha256 of KCP\'s pp_cli'],
      ['--no-smoke', 'do not run pp_cli -x'],
    ],
    examples: ['kcp-payplus doctor --offline', 'kcp-payplus doctor --config /opt/kcp-payplus/cfg/site_conf_inc.json --lang ko'],
  },
  trace: {
    usage: ['kcp-payplus trace <trace_no|ordr_idxx|tno> [--since YYYY-MM-DD] [--config <file>] [--store <location>] [--log-dir <dir>]... [--json]'],
    about:
      "Prints one transaction's story from pp_cli's logs and the SDK's, in time order, card numbers masked, then its " +
      "attempts in the payment store. On transport rest there is no pp_cli log: the SDK's log has each PG-API exchange " +
      '(tx.start, tx.end, masked) and the store the attempt. A trace_no is followed only together with the order id ' +
      'and tno it belongs to. Exit 1 when no line and no attempt was found.',
    options: [
      ['--since YYYY-MM-DD', 'only read log files from this day on'],
      CONFIG_OPTION,
      ['--store <location>', 'read this store\'s attempts (default <log_dir>/payplus.sqlite when it exists)'],
      ['--log-dir <dir>', 'read this log folder instead of the config\'s (repeatable)'],
      ['--json', 'print the story as JSON'],
    ],
    examples: ['kcp-payplus trace ORD-20261126-0001', 'kcp-payplus trace 20261126000001 --log-dir /opt/kcp-payplus/log --since 2026-11-01'],
  },
  'install-standin': {
    usage: ['kcp-payplus install-standin --home <KCP home> [--config <file>] [--force]'],
    about:
      "Copies this package's stand-in pp_cli (built by npm install at <package>/build/Release/pp_cli_standin) to " +
      '<home>/bin/pp_cli, mode 755, for development against `kcp-payplus sim`. It talks only to the local simulator, ' +
      'never to KCP. It refuses a REAL configuration, and will not overwrite a module that is not a stand-in unless --force.',
    options: [
      ['--home <dir>', 'the KCP home (g_conf_home_dir, the folder above bin/); default: the config\'s g_conf_home_dir'],
      ['--config <file>', 'the site configuration it is for: a REAL one is refused (no default: give --home, --config or both)'],
      ['--force', 'replace an existing pp_cli that is not the stand-in'],
    ],
    examples: ['kcp-payplus install-standin --home ./kcp', 'kcp-payplus install-standin --config cfg/site_conf_inc.json'],
  },
  schema: {
    usage: ['kcp-payplus schema --print <sqlite|postgres|mysql> [--schema <name>] [--table-prefix <prefix>]'],
    about:
      "Prints the payment store's tables as SQL (idempotent, with the schema version row) for a DBA to apply as a user " +
      "with CREATE; the SDK's own database user then needs only SELECT, INSERT, UPDATE and DELETE on them (and USAGE on " +
      'the schema). Use the same --schema and --table-prefix as the store (PostgresStore/MysqlStore options, or ' +
      '?schema=…&tablePrefix=… in the store location). Prints nothing else and connects to nothing.',
    options: [
      ['--print <engine>', 'the engine: sqlite, postgres or mysql (required)'],
      ['--schema <name>', 'PostgreSQL: the schema that holds the tables (default: the search_path\'s, usually public)'],
      ['--table-prefix <prefix>', 'prefix of the table names, PostgreSQL and MariaDB/MySQL (default kcp_payplus_)'],
    ],
    examples: [
      'kcp-payplus schema --print postgres --schema payments | psql -U postgres shop',
      'kcp-payplus schema --print mysql --table-prefix shop1_ | mysql -u root shop',
    ],
  },
};

/** The usage lines, as printed after a usage error. */
export function usageOf(name: string): string {
  const help = HELP[name];
  if (!help) return '';
  return `${help.usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}${u}`).join('\n')}\n`;
}

/** The full help of one command. */
export function formatHelp(name: string): string {
  const help = HELP[name];
  if (!help) return '';
  const width = Math.max(...help.options.map(([o]) => o.length));
  return (
    `${usageOf(name)}\n${wrapCells(help.about, 100).join('\n')}\n\noptions:\n` +
    `${help.options.map(([o, t]) => wrapCells(t, Math.max(40, 100 - width - 4)).map((line, i) => `  ${(i === 0 ? o : '').padEnd(width)}  ${line}`).join('\n')).join('\n')}\n\n` +
    `examples:\n${help.examples.map((e) => `  ${e}`).join('\n')}\n`
  );
}
