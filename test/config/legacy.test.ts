import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KcpConfigError } from '../../lib/errors.js';
import { decodeConfigBytes, SiteConf } from '../../lib/config/index.js';
import { evaluate, type Dialect, type Interpretation, type Token } from '../../lib/config/legacy/assignments.js';
import { aspDialect, interpretAsp, lexAsp } from '../../lib/config/legacy/asp.js';
import { interpretJsp, jspDialect, lexJsp } from '../../lib/config/legacy/jsp.js';
import { interpretPhp, lexPhp, phpDialect } from '../../lib/config/legacy/php.js';
import { readWebConfig, webConfigDialect } from '../../lib/config/legacy/web-config.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, '..', 'fixtures', 'config');
const fixture = (name: string): string => path.join(fixtures, name);
const broken = (name: string): string => path.join(fixtures, 'broken', name);
const WEB = { web_roots: ['/home/shopmall/public_html'] };

const EXPECTED = {
  g_conf_home_dir: '/home/shopmall/kcp',
  g_conf_key_dir: '/home/shopmall/kcp/key',
  g_conf_log_dir: '/home/shopmall/kcp/log',
  g_conf_gw_url: 'testpaygw.kcp.co.kr',
  g_conf_gw_port: '8090',
  g_conf_js_url: 'https://pay.kcp.co.kr/plugin/payplus_test.js',
  g_conf_site_cd: 'T0000',
  g_conf_site_key: '3grptw1.zW0GSo4PQdaGvsF__',
  g_conf_site_name: 'SHOPMALL TEST',
  g_conf_module_type: '01',
  g_conf_log_level: '3',
  payplus: { web_roots: ['/home/shopmall/public_html'], binary: 'auto', pp_cli_log_level: 3, pp_cli_version: '2.14', allow_nonstandard_port: false, timeout_ms: 60000 },
};

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  return 'parsed';
}

async function loadError(file: string, payplus?: typeof WEB): Promise<KcpConfigError> {
  try {
    await SiteConf.load(file, payplus);
  } catch (e) {
    assert.ok(e instanceof KcpConfigError, `expected KcpConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail(`${file} loaded`);
}

function values(text: string, lex: (t: string) => Token[][], interpret: (s: readonly Token[]) => Interpretation, d: Dialect): Record<string, string> {
  return evaluate('x', lex(text).map(interpret), d).values;
}
const php = (t: string) => values(t, lexPhp, interpretPhp, phpDialect);
const jsp = (t: string) => values(t, lexJsp, interpretJsp, jspDialect);
const asp = (t: string) => values(t, lexAsp, interpretAsp, aspDialect);
const webConfig = (t: string) => evaluate('x', readWebConfig(t), webConfigDialect).values;

describe('SiteConf.load: legacy site_conf_inc files', () => {
  for (const name of ['site_conf_inc.php', 'site_conf_inc.euckr.php', 'site_conf_inc.jsp', 'site_conf_inc.asp', 'Web.config', 'site_conf_inc.json']) {
    it(`imports ${name} to the same SiteConf`, async () => {
      const conf = await SiteConf.load(fixture(name), WEB);
      assert.deepEqual(conf.toFile(), EXPECTED);
      assert.equal(conf.cfgDir, fixtures);
    });
  }

  it('reads the EUC-KR file as CP949', () => {
    const bytes = readFileSync(fixture('site_conf_inc.euckr.php'));
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    const { text, encoding } = decodeConfigBytes(bytes);
    assert.equal(encoding, 'cp949');
    assert.ok(text.includes('결제 환경 설정 PAGE'));
    assert.equal(decodeConfigBytes(readFileSync(fixture('site_conf_inc.php'))).encoding, 'utf-8');
    assert.equal(decodeConfigBytes(Buffer.from('\ufeff$a', 'utf8')).text, '$a');
  });

  it('checks the cfg folder against the web roots it is given', async () => {
    const e = await loadError(fixture('site_conf_inc.php'), { web_roots: [path.dirname(fixtures)] });
    assert.equal(e.field, 'cfg');
    assert.equal(
      e.message,
      `${fixture('site_conf_inc.php')}: cfg: the folder of the cfg file "${fixtures}" lies inside the web root "${path.dirname(fixtures)}", so the web server could serve it. Fix: move the KCP folder (bin, key, log, cfg) outside every web root, e.g. /opt/kcp-payplus, and point the g_conf_* paths there; only sample pages may be served.`,
    );
  });

  describe('refusals', () => {
    const tail = (example: string) => `the importer reads values and never runs the file. Fix: write the value itself, e.g. ${example} (or move the setting to cfg/site_conf_inc.json).`;
    const cases: Array<[string, string | undefined, string]> = [
      ['dirname.php', 'g_conf_home_dir', `3: $g_conf_home_dir calls dirname(), a run-time value the importer cannot know; ${tail('$g_conf_home_dir = "/opt/kcp-payplus";')}`],
      ['server.php', 'g_conf_home_dir', `2: $g_conf_home_dir reads $_SERVER, which exists only while a web request runs; ${tail('$g_conf_home_dir = "/opt/kcp-payplus";')}`],
      ['undefined.php', 'g_conf_log_dir', `3: $g_conf_log_dir refers to $home_dir, which is not set earlier in this file; ${tail('$g_conf_log_dir = "/opt/kcp-payplus/log";')}`],
      ['poisoned.php', 'g_conf_home_dir', `3: $g_conf_home_dir refers to $kcp_root (line 2), which calls realpath(), a run-time value the importer cannot know; ${tail('$g_conf_home_dir = "/opt/kcp-payplus";')}`],
      ['interpolation.php', 'g_conf_log_dir', `3: $g_conf_log_dir puts a variable inside a double-quoted string (write "text" . $name instead); ${tail('$g_conf_log_dir = "/opt/kcp-payplus/log";')}`],
      ['if.php', undefined, '3: "if ( $g_conf_site_cd == …" is not an assignment; the importer reads only plain assignments and never runs the file. Fix: remove it or move the logic out of site_conf_inc, leaving one value per g_conf_* variable (or use cfg/site_conf_inc.json).'],
      ['missing-quote.php', 'g_conf_site_key', '3: $g_conf_site_key: a double-quoted string is not closed on its line (a missing quote?). Fix: add the closing quote; site_conf_inc values never span lines.'],
      ['short-key.php', 'g_conf_site_key', '6: g_conf_site_key: [masked:23] is not 25 characters long (a missing quote or trailing "__" is the classic cause). Fix: copy the 25-character site key from KCP\'s 연동 메일 exactly, including the trailing "__", between one pair of quotes. Left as is, KCP answers res_cd=3014 (미등록 가맹점).'],
      ['realpath.jsp', 'g_conf_home_dir', `3: g_conf_home_dir calls request.getRealPath(), a run-time value the importer cannot know; ${tail('String g_conf_home_dir = "/opt/kcp-payplus";')}`],
      ['undefined.jsp', 'g_conf_log_dir', `3: g_conf_log_dir refers to KCP_HOME, which is not set earlier in this file; ${tail('String g_conf_log_dir = "/opt/kcp-payplus/log";')}`],
      ['mappath.asp', 'g_conf_home_dir', `3: g_conf_home_dir calls Server.MapPath(), a run-time value the importer cannot know; ${tail('g_conf_home_dir = "/opt/kcp-payplus"')}`],
      ['plus.asp', 'g_conf_log_dir', `3: g_conf_log_dir is not a quoted string, a number, a variable set earlier in this file or a concatenation of those with '&'; ${tail('g_conf_log_dir = "/opt/kcp-payplus/log"')}`],
      ['configsource.config', undefined, '3: <appSettings> reads its settings from "kcp.config", which the importer does not follow. Fix: copy those <add key="g_conf_..." value="..." /> lines into this file.'],
      ['unclosed-comment.config', undefined, '3: a <!-- comment is never closed. Fix: end it with -->.'],
      ['lowercase.config', 'g_conf_site_cd', '7: g_conf_site_cd: "t0000" has lower-case letters. Fix: write it in upper case, as KCP issued it: "T0000". Left as is, KCP answers res_cd=3014 (미등록 가맹점).'],
    ];
    for (const [name, field, message] of cases) {
      it(`refuses ${name}`, async () => {
        const e = await loadError(broken(name));
        assert.equal(e.message, `${broken(name)}:${message}`);
        assert.equal(e.field, field);
        assert.ok(!e.message.includes('3grptw1.zW0GSo4PQdaGvsF'), 'no site key in messages');
      });
    }
  });

  it('refuses unknown formats, missing files and broken JSON', async () => {
    const txt = fixture('site_conf_inc.txt');
    assert.equal(
      (await loadError(txt)).message,
      `${txt}: is not a known cfg format. Fix: use a .json file like cfg/site_conf_inc.json, or a legacy site_conf_inc.php, site_conf_inc.jsp, site_conf_inc.asp or Web.config.`,
    );
    const missing = fixture('nope.json');
    assert.equal((await loadError(missing)).message, `${missing}: cannot be read (ENOENT). Fix: check the path and that this process may read it.`);
    const notJson = broken('trailing-comma.json');
    assert.equal(
      (await loadError(notJson)).message,
      `${notJson}: is not valid JSON (${jsonError(readFileSync(notJson, 'utf8'))}). Fix: compare it with cfg/site_conf_inc.json.`,
    );
  });

  it('names the JSON file in rule errors', async () => {
    const file = broken('real-js.json');
    const e = await loadError(file);
    assert.equal(e.field, 'g_conf_js_url');
    assert.equal(
      e.message,
      `${file}: g_conf_js_url: "https://pay.kcp.co.kr/plugin/payplus.js" is the REAL payment window but g_conf_site_cd "T0000" is a TEST site code. Fix: use payplus_test.js (payplus_test_un.js for UTF-8 pages) with a TEST site code, or your contracted site code with payplus.js. Left as is, KCP answers res_cd=3014 (미등록 가맹점).`,
    );
  });

  it('lets the second argument override a JSON file\'s payplus block', async () => {
    const conf = await SiteConf.load(fixture('site_conf_inc.json'), { web_roots: [], timeout_ms: 1000 });
    assert.deepEqual(conf.webRoots, []);
    assert.equal(conf.timeoutMs, 1000);
  });
});

describe('legacy readers', () => {
  it('PHP: quote styles, escapes, comments, concatenation, later assignments win', () => {
    const v = php(`<html><?php
      $g_conf_site_name = "A\\"B\\tC";  # hash comment
      $g_conf_key_dir = 'C:\\kcp\\key\\pub.key';
      $g_conf_log_dir = 'it\\'s';
      /* $g_conf_site_cd = "NO"; */
      $g_conf_site_cd = "T0000"; $g_conf_site_cd = 'T0007';
      $g_conf_gw_port = 8090;
      $g_conf_js_url = "\\$x" . 'y' . "z";
      // ends PHP mode ?> $g_conf_home_dir = "html text, not code";
      <? $g_conf_gw_url = "testpaygw.kcp.co.kr" ?>`);
    assert.deepEqual(v, {
      g_conf_site_name: 'A"B\tC',
      g_conf_key_dir: 'C:\\kcp\\key\\pub.key',
      g_conf_log_dir: "it's",
      g_conf_site_cd: 'T0007',
      g_conf_gw_port: '8090',
      g_conf_js_url: '$xyz',
      g_conf_gw_url: 'testpaygw.kcp.co.kr',
    });
  });

  it('PHP: aliases module_type and g_conf_log_path; the canonical name wins', () => {
    assert.deepEqual(php('<?php $g_conf_log_path = "/a"; $module_type = "01"; ?>'), { g_conf_log_dir: '/a', g_conf_module_type: '01' });
    assert.deepEqual(php('<?php $g_conf_log_dir = "/b"; $g_conf_log_path = "/a"; ?>'), { g_conf_log_dir: '/b' });
    assert.deepEqual(php('<?php $g_conf_user_type = "PGNW"; ?>'), {});
  });

  it('JSP: modifiers, declarations without a value, unicode escapes, + concatenation', () => {
    const v = jsp(`<%@ page import="java.util.*" %><%-- <% String g_conf_site_cd = "NO"; %> --%>
      <%! public static final String g_conf_home_dir = "/home/" + "shop"; %>
      <% String g_conf_key_dir;
         g_conf_key_dir = g_conf_home_dir + "/key";
         int g_conf_gw_port = 8090;
         String g_conf_site_name = "\\uD14C\\"X";   // comment
      %>`);
    assert.deepEqual(v, { g_conf_home_dir: '/home/shop', g_conf_key_dir: '/home/shop/key', g_conf_gw_port: '8090', g_conf_site_name: '테"X' });
    assert.throws(() => jsp('<% String a = "x"; %><%= a %>'), /x:1: "<%= a" is not an assignment/);
  });

  it('ASP: "" escapes, REM, colon, continuation, Const and case-insensitive names', () => {
    const v = asp(`<%@ Language=VBScript %>
<%
  Dim g_conf_site_name
  REM g_conf_site_cd = "NO"
  Const G_CONF_HOME_DIR = "C:\\kcp"
  g_conf_site_name = "A""B" : g_conf_gw_port = 8090 ' comment "x"
  g_conf_key_dir = g_conf_home_dir & _
      "\\key\\pub.key"
%>`);
    assert.deepEqual(v, { g_conf_home_dir: 'C:\\kcp', g_conf_site_name: 'A"B', g_conf_gw_port: '8090', g_conf_key_dir: 'C:\\kcp\\key\\pub.key' });
    assert.throws(() => asp('<%\n Response.Write "x"\n%>'), /x:2: "Response \. Write "…"" is not an assignment/);
  });

  it('Web.config: comments, both quotes, entities, remove and clear', () => {
    const v = webConfig(`<?xml version="1.0"?>
<configuration>
  <connectionStrings><add key="g_conf_site_cd" value="OUTSIDE" /></connectionStrings>
  <appSettings>
    <add key="g_conf_home_dir" value="/a" />
    <clear />
    <add key='g_conf_site_name' value='A &amp; B&#33;' />
    <add key="g_conf_gw_url" value="x" /><remove key="g_conf_gw_url" />
    <!-- <add key="g_conf_site_key" value="hidden" /> -->
    <add key="G_CONF_LOG_LEVEL" value="3"></add>
  </appSettings>
</configuration>`);
    assert.deepEqual(v, { g_conf_site_name: 'A & B!', g_conf_log_level: '3' });
    assert.throws(() => webConfig('<configuration><appSettings><section name="x" /></appSettings></configuration>'), /<section> inside <appSettings> is not <add>, <remove> or <clear>/);
  });
});
