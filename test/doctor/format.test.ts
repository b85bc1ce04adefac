import assert from 'node:assert/strict';

import { formatDoctorJson, formatDoctorTable, type CheckResult } from '../../lib/doctor/index.js';
import { displayWidth, wrapCells } from '../../lib/doctor/format.js';

const RESULTS: CheckResult[] = [
  { id: 'module.present', title: 'pp_cli present', status: 'pass', detail: '/opt/kcp/bin/pp_cli (812345 bytes)', fix: { ko: '', en: '' } },
  {
    id: 'module.mode',
    title: 'pp_cli permissions',
    status: 'fail',
    detail: 'mode 0644 is below 0755.',
    fix: { ko: '실행 권한을 755로 설정하십시오: chmod 755 /opt/kcp/bin/pp_cli', en: "make it executable for the web server's user: chmod 755 /opt/kcp/bin/pp_cli" },
    kcpCode: '9502',
  },
  { id: 'network.dns', title: 'DNS of testpaygw.kcp.co.kr', status: 'skip', detail: 'offline: not checked.', fix: { ko: '', en: '' } },
];

describe('doctor/format', () => {
  it('measures Korean as two cells per character and wraps by cells', () => {
    assert.equal(displayWidth('chmod 755'), 9);
    assert.equal(displayWidth('실행 권한'), 9);
    assert.deepEqual(wrapCells('실행 권한을 755로 설정하십시오', 12), ['실행 권한을', '755로', '설정하십시오']);
    assert.deepEqual(wrapCells('/a/very/long/path/name', 8), ['/a/very/', 'long/pat', 'h/name']);
  });

  it('prints check, result and fix columns, the fix in both languages by default', () => {
    assert.equal(
      formatDoctorTable(RESULTS, { width: 100 }),
      [
        '점검 CHECK                  결과 RESULT                      조치 FIX',
        '--------------------------  -------------------------------  ---------------------------------------',
        'pp_cli present              PASS: /opt/kcp/bin/pp_cli',
        '                            (812345 bytes)',
        'pp_cli permissions          FAIL 9502: mode 0644 is below    실행 권한을 755로 설정하십시오: chmod',
        '                            0755.                            755 /opt/kcp/bin/pp_cli',
        "                                                             make it executable for the web server's",
        '                                                             user: chmod 755 /opt/kcp/bin/pp_cli',
        'DNS of testpaygw.kcp.co.kr  SKIP: offline: not checked.',
        '',
        '통과 1, 경고 0, 실패 1, 건너뜀 1',
        '1 passed, 0 warnings, 1 failed, 1 skipped',
        '',
      ].join('\n'),
    );
  });

  it("with 'both', prints a result's Korean title and finding, then the English ones", () => {
    const withKo: CheckResult = {
      ...RESULTS[1]!,
      ko: { title: 'pp_cli 권한', detail: '권한 0644는 0755보다 낮습니다.' },
    };
    assert.equal(
      formatDoctorTable([withKo], { width: 100 }),
      [
        '점검 CHECK          결과 RESULT                          조치 FIX',
        '------------------  -----------------------------------  -------------------------------------------',
        'pp_cli 권한         FAIL 9502: 권한 0644는 0755보다      실행 권한을 755로 설정하십시오: chmod 755',
        'pp_cli permissions  낮습니다.                            /opt/kcp/bin/pp_cli',
        "                    mode 0644 is below 0755.             make it executable for the web server's",
        '                                                         user: chmod 755 /opt/kcp/bin/pp_cli',
        '',
        '통과 0, 경고 0, 실패 1, 건너뜀 0',
        '0 passed, 0 warnings, 1 failed, 0 skipped',
        '',
      ].join('\n'),
    );
    assert.ok(formatDoctorTable([withKo], { width: 100, lang: 'en' }).includes('mode 0644 is below 0755.'));
    assert.equal(formatDoctorTable([withKo], { width: 100, lang: 'en' }).includes('낮습니다'), false);
  });

  it('prints only the chosen language', () => {
    const en = formatDoctorTable(RESULTS, { width: 100, lang: 'en' });
    assert.equal(en.includes('실행'), false);
    assert.ok(en.includes("make it executable for the web server's"));
    const ko = formatDoctorTable(RESULTS, { width: 100, lang: 'ko' });
    assert.equal(ko.includes('make it executable'), false);
  });

  it('prints JSON with ok, counts and the results unchanged', () => {
    const parsed = JSON.parse(formatDoctorJson(RESULTS));
    assert.deepEqual(parsed, { ok: false, summary: { pass: 1, warn: 0, fail: 1, skip: 1 }, results: RESULTS });
    assert.equal(JSON.parse(formatDoctorJson([RESULTS[0], RESULTS[2]])).ok, true);
  });
});
