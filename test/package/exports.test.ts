/**
 * The public surface: the root exports exactly the values the README's "Public API" table lists (at most 60), and
 * every sub-path in package.json "exports" has its entry file and its row in the README. Adding a root export means
 * adding it to the README table and to PUBLIC_VALUES here, on purpose.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The root's values, as the README lists them. */
const PUBLIC_VALUES = [
  'PayPlus', 'SiteConf', 'Transaction', 'TX_MODIFY', 'TX_CASH_RECEIPT_ISSUE', 'TX_CASH_RECEIPT_MODIFY', 'TX_CASH_RECEIPT_QUERY', 'toApproval',
  'KcpError', 'KcpConfigError', 'KcpInputError', 'KcpModuleError', 'KcpConnectionError', 'KcpGatewayError', 'KcpOutcomeUnknownError',
  'KcpAmountMismatchError', 'KcpDuplicateOrderError', 'KcpNotificationError', 'KcpAlreadyCancelledError', 'KcpTamperingError',
  'KcpStoreError', 'KcpPaymentPendingError', 'KcpTradeError', 'KcpTradeHttpError', 'KcpTradeMalformedError',
  'KcpTradeRefusedError', 'KcpTradeSoapFaultError', 'KcpTradeTimeoutError',
  'SqliteStore', 'PostgresStore', 'MysqlStore', 'openStore',
  'ppAxHubHandler', 'expressPpAxHub', 'expressWindowReturn', 'commonReturnHandler', 'expressCommonReturn',
  'readWindowReturn', 'parseNotification', 'notificationAnswer', 'applyHttpLimits', 'closeHttpServer',
  'NotificationInbox', 'crossCheck',
  'orderForm', 'standardWebOrderPage', 'registerTrade', 'smartphoneOrderForm', 'escapeHtml',
  'receiptLink', 'receiptUrl', 'cashReceiptLink', 'cashReceiptUrl',
  'createSiteLogger', 'createFileLogger', 'createConsoleLogger', 'maskingLogger', 'silentLogger', 'maskFields',
];

/** The body of a `## title` section of the README, up to the next `## `. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  assert.notEqual(start, -1, `README has no "## ${title}" section`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end === -1 ? undefined : end);
}

/** The `code` names in the second column of the first table after `marker` in a section. */
function tableNames(text: string, marker: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  const from = text.indexOf(marker);
  assert.notEqual(from, -1, marker);
  const lines = text.slice(from).split('\n');
  let inTable = false;
  for (const line of lines) {
    if (line.startsWith('|')) {
      inTable = true;
      const cells = line.split('|').map((c) => c.trim());
      if (cells[1] === 'area' || cells[1] === 'import from' || /^-+$/.test(cells[1]!)) continue;
      rows.set(cells[1]!.replace(/^`(.*)`$/, '$1'), [...cells[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
    } else if (inTable) break;
  }
  return rows;
}

describe('the public surface (package root and sub-paths)', () => {
  it('the root exports exactly the listed values, no more than 60', async () => {
    const root = await import('../../lib/index.js');
    const names = Object.keys(root).sort();
    assert.deepEqual(names, [...PUBLIC_VALUES].sort());
    assert.ok(names.length <= 60, `the root exports ${names.length} values; the limit is 60 (move tools to a sub-path)`);
  });

  it('the README lists every root value once, and nothing else', () => {
    const rows = tableNames(section('Public API'), '| area | values |');
    const listed = [...rows.values()].flat();
    assert.deepEqual([...listed].sort(), [...PUBLIC_VALUES].sort());
    assert.equal(new Set(listed).size, listed.length, 'a value is listed twice');
    assert.match(section('Public API'), new RegExp(`\\(${PUBLIC_VALUES.length} values;`));
  });

  it('every sub-path has an entry file, a row in the README, and the names its row promises', async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | { types: string; default: string }> };
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== '.' && k !== './package.json').sort();
    assert.deepEqual(subpaths, ['./codes', './doctor', './gateway', './sim', './store', './testing', './trace']);
    const rows = tableNames(section('Public API'), '| import from | what |');
    assert.deepEqual([...rows.keys()].sort(), subpaths.map((s) => `kcp-payplus/${s.slice(2)}`).sort());
    for (const sub of subpaths) {
      const target = pkg.exports[sub] as { types: string; default: string };
      const name = sub.slice(2);
      assert.equal(target.default, `./dist/lib/${name}/index.js`);
      assert.equal(target.types, `./dist/lib/${name}/index.d.ts`);
      const source = path.join(ROOT, 'lib', name, 'index.ts');
      assert.ok(existsSync(source), `${sub} has no entry file lib/${name}/index.ts`);
      const mod = (await import(source)) as Record<string, unknown>;
      for (const promised of rows.get(`kcp-payplus/${name}`)!.filter((n) => /^[A-Za-z_]\w*$/.test(n))) {
        assert.ok(promised in mod, `the README promises ${promised} from kcp-payplus/${name}`);
      }
    }
  });

  it('the tools stay off the root (runners, replay, the simulator, the code tables), and the doctor entry has no internals', async () => {
    const root = (await import('../../lib/index.js')) as Record<string, unknown>;
    for (const tool of ['NativeRunner', 'ExecaRunner', 'ReplayRunner', 'RecordingRunner', 'startSimulator', 'installStandIn', 'MemoryStore', 'runDoctor', 'traceTransaction', 'lookupResultCode', 'parseElf', 'EM_386', 'parseOptionString']) {
      assert.equal(root[tool], undefined, `${tool} is exported from the root`);
    }
    const doctor = await import('../../lib/doctor/index.js');
    assert.deepEqual(Object.keys(doctor).sort(), ['CHECKS', 'doctorPassed', 'doctorSummary', 'formatDoctorJson', 'formatDoctorTable', 'runDoctor']);
    const testing = (await import('../../lib/testing/index.js')) as Record<string, unknown>;
    const sim = (await import('../../lib/sim/index.js')) as Record<string, unknown>;
    for (const [name, value] of Object.entries(sim)) assert.equal(testing[name], value, `kcp-payplus/testing re-exports ${name} of kcp-payplus/sim`);
  });
});
