#!/usr/bin/env node
/**
 * Builds the native parts (binding.gyp: the spawn addon and the stand-in pp_cli) on `npm install` /
 * `npm ci`. It must never fail the install: the SDK works without the addon (the execa runner takes
 * over), so every problem ends in one clear line and exit code 0.
 *
 * Offline by design: node-gyp comes from npm itself (npm passes its path in npm_config_node_gyp
 * during lifecycle scripts; otherwise we look inside npm's own folder), and the headers come from the
 * installed Node (npm_config_nodedir, or <node prefix>/include/node), so nothing is downloaded.
 *
 * Environment:
 *   KCP_PAYPLUS_SKIP_NATIVE=1     do not build (the execa runner will be used)
 *   KCP_PAYPLUS_BUILD_VERBOSE=1   show node-gyp's output instead of saving it to build/native-build.log
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addonPath = join(root, 'build', 'Release', 'kcp_payplus_spawn.node');
const standinPath = join(root, 'build', 'Release', 'pp_cli_standin');
const logPath = join(root, 'build', 'native-build.log');
const FIX = 'install g++, make and python3, then run `npm rebuild kcp-payplus`';
const BUILD_TIMEOUT_MS = 10 * 60 * 1000;

/** The one line printed when the addon is not available. */
function fallback(reason) {
  console.log(`kcp-payplus: native addon not built (${reason}); the execa runner will be used. To build it: ${FIX}.`);
}

/** Absolute path of an executable found on PATH, or undefined. */
function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

/** The tools node-gyp needs; returns the first missing one. */
function missingTool() {
  if (!onPath('make')) return 'make';
  if (!(process.env.CXX ? onPath(process.env.CXX) ?? existsSync(process.env.CXX) : onPath('g++') ?? onPath('c++')))
    return 'a C++ compiler (g++)';
  if (!(process.env.CC ? onPath(process.env.CC) ?? existsSync(process.env.CC) : onPath('cc') ?? onPath('gcc')))
    return 'a C compiler (cc)';
  if (!(process.env.PYTHON ?? onPath('python3') ?? onPath('python'))) return 'python3';
  return undefined;
}

/** node-gyp's entry script, from npm (preferred: no network, matches npm) or node_modules. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  const npmCli = onPath('npm');
  if (npmCli) candidates.push(join(dirname(realpathSync(npmCli)), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    candidates.push(createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    /* not installed locally */
  }
  return candidates.find((c) => c && existsSync(c));
}

/** `--nodedir=<prefix>` when npm did not set one and the installed Node ships its headers. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'common.gypi')) ? [`--nodedir=${prefix}`] : [];
}

function runNodeGyp(nodeGyp) {
  const verbose = process.env.KCP_PAYPLUS_BUILD_VERBOSE === '1';
  const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--jobs=max', ...nodedirArgs()], {
    cwd: root,
    // -k: a broken stand-in must not stop the addon from building (and vice versa).
    env: { ...process.env, MAKEFLAGS: `${process.env.MAKEFLAGS ?? ''} -k`.trim() },
    stdio: verbose ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    timeout: BUILD_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!verbose) {
    mkdirSync(dirname(logPath), { recursive: true });
    writeFileSync(logPath, Buffer.concat([result.stdout ?? Buffer.alloc(0), result.stderr ?? Buffer.alloc(0)]));
  }
  return result;
}

/**
 * When node-addon-api is hoisted beside this package (an installed package, not the repository), gyp writes the
 * makefiles of its out-of-tree targets into `<package>/node-addon-api/` (it maps `../node-addon-api` under build/).
 * They are needed only during the build (`npm rebuild` writes them again), so remove the folder afterwards, and only
 * when it holds nothing but gyp's makefiles.
 */
function removeGypMakefileFolder() {
  const stray = join(root, 'node-addon-api');
  try {
    const names = readdirSync(stray);
    if (names.every((n) => n.endsWith('.mk') || n.endsWith('.Makefile'))) rmSync(stray, { recursive: true, force: true });
  } catch {
    /* not there */
  }
}

/** Loads the built addon once, so an ABI or link problem shows up now and not at first payment. */
function loadError() {
  try {
    const addon = createRequire(import.meta.url)(addonPath);
    return typeof addon.spawn === 'function' ? undefined : 'the built addon has no spawn()';
  } catch (err) {
    return `the built addon does not load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
}

function main() {
  if (process.env.KCP_PAYPLUS_SKIP_NATIVE === '1') return fallback('KCP_PAYPLUS_SKIP_NATIVE=1');
  if (process.platform === 'win32') return fallback('the addon uses vfork and execve, which Windows lacks');
  const missing = missingTool();
  if (missing) return fallback(`${missing} not found`);
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) return fallback('node-gyp not found (it ships with npm)');
  const where0 = process.env.KCP_PAYPLUS_BUILD_VERBOSE === '1' ? 'output below' : `log: ${logPath}`;
  console.log(
    'kcp-payplus: building the spawn addon and the stand-in pp_cli (native/, C and C++ with node-gyp); ' +
      `this takes a minute or two on a small machine (${where0}).`,
  );
  const result = runNodeGyp(nodeGyp);
  removeGypMakefileFolder();
  const where = process.env.KCP_PAYPLUS_BUILD_VERBOSE === '1' ? 'output above' : `log: ${logPath}`;
  if (!existsSync(standinPath)) console.log(`kcp-payplus: stand-in pp_cli not built (${where}).`);
  if (result.error) return fallback(`node-gyp could not run: ${result.error.message}; ${where}`);
  if (!existsSync(addonPath)) return fallback(`compilation failed, exit ${result.status}; ${where}`);
  const error = loadError();
  if (error) return fallback(error);
  console.log(`kcp-payplus: native addon built (${addonPath}); the native runner will be used.`);
}

try {
  main();
} catch (err) {
  fallback(`unexpected build error: ${err instanceof Error ? err.message : String(err)}`);
}
process.exitCode = 0;
