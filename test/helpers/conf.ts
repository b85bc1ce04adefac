/** Test configuration helpers: a SiteConfData literal, independent of the config loaders under test elsewhere. */
import type { SiteConfData } from '../../lib/config/site-conf.js';

export function testConfData(overrides: Partial<SiteConfData> = {}): SiteConfData {
  return {
    homeDir: '/srv/shop/kcp',
    keyDir: '',
    logDir: '/home100/kcp',
    gwUrl: 'testpaygw.kcp.co.kr',
    gwPort: '8090',
    jsUrl: 'https://pay.kcp.co.kr/plugin/payplus_test.js',
    siteCd: 'T0000',
    siteKey: '3grptw1.zW0GSo4PQdaGvsF__',
    siteName: 'TEST SHOP',
    moduleType: '01',
    logLevel: 3,
    ppCliLogLevel: 3,
    ppCliVersion: '2.14',
    binary: 'pp_cli',
    webRoots: [],
    allowNonstandardPort: false,
    notifyUrl: undefined,
    timeoutMs: 10_000,
    logRetentionDays: undefined,
    prunePpCliLogs: false,
    env: 'TEST',
    window: 'plugin',
    ...overrides,
  };
}
