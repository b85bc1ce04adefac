/**
 * Builds the README's quick-start project in a temp folder, the way a newcomer gets it: the package as `npm pack` ships
 * it (plus the native build `npm install` makes) in node_modules/kcp-payplus, only its declared dependencies beside
 * it, express and @types/express for the app, and app.ts / the cfg taken from the README's code blocks.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** The fenced blocks of a markdown text: info string and body. */
export function codeBlocks(markdown: string): { info: string; body: string }[] {
  return [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1]!.trim(), body: m[2]! }));
}

/** The README's `// file: <name>` TypeScript blocks, joined per file in order. */
export function readmeFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const block of codeBlocks(markdown)) {
    if (block.info !== 'ts') continue;
    const name = /^\/\/ file: (\S+)\n/.exec(block.body)?.[1];
    if (!name) continue;
    files.set(name, `${files.get(name) ?? ''}${block.body}\n`);
  }
  return files;
}

/** The README's quick-start configuration (the JSON block with g_conf_home_dir). */
export function readmeConfig(markdown: string): Record<string, unknown> {
  const block = codeBlocks(markdown).find((b) => b.info === 'json' && b.body.includes('"g_conf_home_dir"'));
  if (!block) throw new Error('README has no quick-start configuration block');
  return JSON.parse(block.body) as Record<string, unknown>;
}

function link(project: string, name: string): void {
  const target = path.join(project, 'node_modules', name);
  mkdirSync(path.dirname(target), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules', name), target, 'dir');
}

export interface QuickstartProject {
  dir: string;
  /** node_modules/kcp-payplus */
  pkg: string;
}

/**
 * Lays out the project; app.ts comes from the README. `files` replaces the README's files (a project without express,
 * where nothing but the package itself can bring Node's types).
 */
export function makeProject(options: { express?: boolean; files?: Record<string, string> } = {}): QuickstartProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcp-quickstart-'));
  const pkg = path.join(dir, 'node_modules', 'kcp-payplus');
  const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 50_000 })) as {
    files: { path: string }[];
  }[];
  // What npm install adds: the native build of the `install` script.
  const built = ['build/Release/pp_cli_standin', 'build/Release/kcp_payplus_spawn.node'];
  for (const file of [...packed[0]!.files.map((f) => f.path), ...built]) {
    mkdirSync(path.dirname(path.join(pkg, file)), { recursive: true });
    copyFileSync(path.join(ROOT, file), path.join(pkg, file));
  }
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of Object.keys(manifest.dependencies)) link(dir, dep);
  if (options.express !== false) for (const dep of ['express', '@types/express']) link(dir, dep);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'my-shop', private: true, type: 'module' }, null, 2));
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, outDir: 'dist', skipLibCheck: true, types: [] },
      include: ['*.ts'],
    }),
  );
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const files = options.files ? new Map(Object.entries(options.files)) : readmeFiles(readme);
  for (const [name, text] of files) writeFileSync(path.join(dir, name), text);
  return { dir, pkg };
}

export interface Compiled {
  /** tsc's exit status and its whole output (stdout and stderr). */
  status: number | null;
  output: string;
  /** Runs one compiled file (dist/<name>.js) with node in the project. */
  run(js: string): { status: number | null; stdout: string; stderr: string };
}

/** A project of only `files` (no express) against the packed package: compiled with tsc, used, then removed. */
export function withCompiledProject<T>(files: Record<string, string>, use: (compiled: Compiled) => T): T {
  const project = makeProject({ express: false, files });
  try {
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project.dir], { encoding: 'utf8', timeout: 90_000 });
    return use({
      status: tsc.status,
      output: `${tsc.stdout}${tsc.stderr}`,
      run: (js) => {
        const r = spawnSync(process.execPath, [js], { cwd: project.dir, encoding: 'utf8', timeout: 20_000 });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
      },
    });
  } finally {
    rmSync(project.dir, { recursive: true, force: true });
  }
}
