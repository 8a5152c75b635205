/**
 * The packages as a user's project gets them: each workspace package packed with `npm
 * pack`, installed offline from those tarballs into a fresh project outside the repository
 * (TypeScript too, packed from this repository's node_modules; the runtime's own
 * dependencies at this repository's locked versions, from npm's cache, which `npm ci`
 * filled), and used there the way README's "Use ConvLens in your project" says:
 *
 * - `convlens` installs in ≤ 3 MiB besides TypeScript, with no install script, and its
 *   `summary` and `check` work;
 * - a plain tsserver — the project's own, no `--globalPlugins` — loads the plugin named in
 *   tsconfig.json and gives hints, hovers and diagnostics;
 * - `convlens train` without the runtime names the install command and exits 2; with the
 *   packed runtime installed it trains LeNet-5 on MNIST to ≥ 97% in one epoch.
 *
 * Slow (packing, installing, a real epoch): `npm run test:packages`, run by .ci/run.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { locationOf, TsServer } from '../tsserver-client';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const MIB = 1024 * 1024;

/** Runs a command to completion; throws with its output when it fails and `check` is on. */
function run(command: string, args: readonly string[], cwd: string, check = true): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (result.error !== undefined) throw result.error;
  if (check && result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

function npm(args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  return run('npm', [...args, '--no-audit', '--no-fund'], cwd);
}

/** `npx convlens …` in `project` (`--no`: never fetch it). */
function convlens(project: string, args: readonly string[]): SpawnSyncReturns<string> {
  return run('npx', ['--no', 'convlens', ...args], project, false);
}

/** Bytes of the files below `folder` (their sizes, not disk blocks), links not followed. */
function folderBytes(folder: string): number {
  let total = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) total += folderBytes(file);
    else if (entry.isFile()) total += lstatSync(file).size;
  }
  return total;
}

/** Every installed package (node_modules/**\/package.json of a package folder) with an install script. */
function packagesWithInstallScripts(nodeModules: string): string[] {
  const found: string[] = [];
  const visit = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const packageFolder = path.join(folder, entry.name);
      if (entry.name.startsWith('@')) {
        visit(packageFolder);
        continue;
      }
      const manifestPath = path.join(packageFolder, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; scripts?: Record<string, string> };
      const scripts = Object.keys(manifest.scripts ?? {}).filter((name) => ['preinstall', 'install', 'postinstall'].includes(name));
      if (scripts.length > 0 || existsSync(path.join(packageFolder, 'binding.gyp'))) found.push(`${manifest.name}: ${scripts.join(', ') || 'binding.gyp'}`);
      if (existsSync(path.join(packageFolder, 'node_modules'))) visit(path.join(packageFolder, 'node_modules'));
    }
  };
  visit(nodeModules);
  return found;
}

interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly link?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly [field: string]: unknown;
}

interface Lockfile {
  readonly packages: Record<string, LockEntry>;
  readonly [field: string]: unknown;
}

/**
 * The entries of this repository's package-lock.json that `names`, installed at the top of
 * a project, need: each package and everything it depends on, found where Node would find
 * it in the repository's tree and placed at the same path. npm's cache holds their
 * tarballs (by integrity) since `npm ci`, but not the registry metadata that resolving a
 * version range needs, so an offline install of the packed runtime needs its versions
 * locked — to the repository's, which its tests ran on.
 */
function lockEntriesFor(names: readonly string[], repository: Lockfile, skip: ReadonlySet<string>): Record<string, LockEntry> {
  const entries: Record<string, LockEntry> = {};
  const parentOf = (location: string): string => {
    const index = location.lastIndexOf('/node_modules/');
    return index < 0 ? '' : location.slice(0, index);
  };
  const visit = (name: string, from: string): void => {
    if (skip.has(name)) return;
    for (let base = from; ; base = parentOf(base)) {
      const location = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
      const entry = repository.packages[location];
      if (entry !== undefined && entry.link !== true) {
        if (entries[location] !== undefined) return;
        const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry;
        entries[location] = kept;
        const peers = Object.keys(entry.peerDependencies ?? {}).filter((peer) => entry.peerDependenciesMeta?.[peer]?.optional !== true);
        for (const dependency of [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}), ...peers]) visit(dependency, location);
        return;
      }
      if (base === '') return;
    }
  };
  for (const name of names) visit(name, '');
  return entries;
}

const LENET = readFileSync(path.join(repoRoot, 'examples', 'lenet5.ts'), 'utf8');

const BROKEN = `import { conv2d, dense, input, model, relu } from 'convlens';

export const flat = model('flat', input(1, 28, 28), conv2d(8, 3), relu(), dense(10));
`;

describe('packages in a user project (packed, installed offline)', function () {
  this.timeout(600_000);
  let work: string;
  let project: string;
  let tarballs: Record<string, string>;

  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'convlens-packages-'));
    const packed = path.join(work, 'tarballs');
    mkdirSync(packed);
    const report = JSON.parse(npm(['pack', '--json', '--pack-destination', packed, '-w', 'convlens', '-w', 'convlens-tsserver-plugin', '-w', 'convlens-runtime'], repoRoot).stdout) as {
      name: string;
      filename: string;
      files: { path: string }[];
    }[];
    tarballs = Object.fromEntries(report.map((entry) => [entry.name, path.join(packed, entry.filename)]));
    for (const entry of report) {
      const strays = entry.files.map((file) => file.path).filter((file) => /\.tsbuildinfo$|\.map$|(^|\/)test(s)?\/|fixtures|\.ts$(?<!\.d\.ts$)/.test(file));
      assert.deepEqual(strays, [], `${entry.name} packs only what it needs`);
      assert.ok(entry.files.some((file) => file.path === 'README.md'), `${entry.name} has a README`);
    }
    // TypeScript as a user's project has it (a peer dependency), packed from this repository's copy.
    const typescript = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', packed, path.join(repoRoot, 'node_modules', 'typescript')], repoRoot).stdout) as { filename: string }[];
    tarballs['typescript'] = path.join(packed, typescript[0]!.filename);

    project = path.join(work, 'project');
    mkdirSync(project);
    writeFileSync(
      path.join(project, 'package.json'),
      `${JSON.stringify({ name: 'user-project', private: true, devDependencies: { convlens: `file:${tarballs['convlens']}`, 'convlens-tsserver-plugin': `file:${tarballs['convlens-tsserver-plugin']}`, typescript: `file:${tarballs['typescript']}` } }, null, 2)}\n`,
    );
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      `${JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: true, plugins: [{ name: 'convlens-tsserver-plugin' }] } }, null, 2)}\n`,
    );
    writeFileSync(path.join(project, 'lenet5.ts'), LENET);
    writeFileSync(path.join(project, 'broken.ts'), BROKEN);
    npm(['install', '--offline'], project);
  });

  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('convlens installs in ≤ 3 MiB besides TypeScript, with no install script', () => {
    const nodeModules = path.join(project, 'node_modules');
    const installed = readdirSync(nodeModules).filter((name) => !name.startsWith('.')).sort();
    // @dagrejs holds dagre and graphlib, the architecture diagram's layout (about 2 MB).
    assert.deepEqual(installed, ['@dagrejs', 'convlens', 'convlens-tsserver-plugin', 'typescript']);
    const bytes = folderBytes(nodeModules) - folderBytes(path.join(nodeModules, 'typescript'));
    assert.ok(bytes <= 3 * MIB, `${(bytes / MIB).toFixed(2)} MiB`);
    assert.deepEqual(packagesWithInstallScripts(nodeModules), []);
  });

  it('npx convlens summary model.ts: the static summary, no code run', () => {
    const result = convlens(project, ['summary', 'lenet5.ts', '--model', 'lenet5']);
    assert.equal(result.status, 0, result.stderr);
    // LeNet-5 (LeCun et al. 1998, modern variant): 61,706 parameters, receptive field 32 with jump 4.
    assert.match(result.stdout, /^Model "lenet5" \(export lenet5\): 1@32×32 → 10$/m);
    assert.match(result.stdout, /^C1 +conv2d +6@28×28 +156 +117,600 /m);
    assert.match(result.stdout, /^Trainable params: +61,706$/m);
    assert.match(result.stdout, /^Receptive field: +32×32, jump 4×4/m);
  });

  it('npx convlens summary --diagram: the architecture diagram, laid out by the installed dagre', () => {
    const result = convlens(project, ['summary', 'lenet5.ts', '--model', 'lenet5', '--diagram', 'lenet5.svg']);
    assert.equal(result.status, 0, result.stderr);
    const svg = readFileSync(path.join(project, 'lenet5.svg'), 'utf8');
    // 12 layers, the input and the output.
    assert.equal((svg.match(/<g class="cl-node /g) ?? []).length, 14);
  });

  it('npx convlens check: the editor\'s diagnostics, exit 1 on an error', () => {
    const result = convlens(project, ['check']);
    assert.equal(result.status, 1, result.stderr);
    assert.equal(
      result.stdout,
      'broken.ts:3:75 - error CL1004: dense(10) expects a vector but receives the image 8@26×26. Insert flatten() (or globalAvgPool2d()) before it.\n\nFound 1 error in 1 file.\n',
    );
    assert.equal(convlens(project, ['check', 'lenet5.ts']).stdout, 'No problems in 1 file.\n');
  });

  it("a plain tsserver (the project's own, no --globalPlugins) loads the plugin from tsconfig.json", async () => {
    const logFile = path.join(work, 'tsserver.log');
    const server = new TsServer({ plugin: false, tsserver: path.join(project, 'node_modules', 'typescript', 'lib', 'tsserver.js'), cwd: project, logFile });
    try {
      await server.body('configure', { preferences: {} });
      const lenet = path.join(project, 'lenet5.ts');
      const broken = path.join(project, 'broken.ts');
      await server.open(lenet);
      await server.open(broken);

      const hints = await server.body<{ text: string; position: { line: number; offset: number } }[]>('provideInlayHints', { file: lenet, start: 0, length: LENET.length });
      const c1 = LENET.indexOf("conv2d(6, 5, { name: 'C1' })") + "conv2d(6, 5, { name: 'C1' })".length;
      assert.ok(
        hints.some((hint) => hint.text.trim() === '→ 6@28×28' && hint.position.line === locationOf(LENET, c1).line && hint.position.offset === locationOf(LENET, c1).offset),
        JSON.stringify(hints.slice(0, 3)),
      );

      const info = await server.body<{ documentation: string }>('quickinfo', { file: lenet, ...locationOf(LENET, LENET.indexOf("conv2d(6, 5, { name: 'C1' })") + 2) });
      assert.match(info.documentation, /\(5·5·1 \+ 1\)·6 = 156/);

      const diagnostics = await server.body<{ code: number; text: string; source?: string }[]>('semanticDiagnosticsSync', { file: broken });
      assert.deepEqual(
        diagnostics.map((diagnostic) => [diagnostic.source, diagnostic.code, diagnostic.text]),
        [['convlens', 91004, 'dense(10) expects a vector but receives the image 8@26×26. Insert flatten() (or globalAvgPool2d()) before it.']],
      );
      assert.match(readFileSync(logFile, 'utf8'), /\[convlens\] loaded for project .*tsconfig\.json/);
    } finally {
      await server.shutdown();
    }
  });

  it('npx convlens train without the runtime: the install command, exit 2', () => {
    const result = convlens(project, ['train', 'lenet5.ts', '--model', 'lenet5Mnist', '--epochs', '1']);
    assert.equal(result.status, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'convlens: convlens train needs the training runtime, which is not installed: run npm install --save-dev convlens-runtime@0.1.0\n');
  });

  it('with the packed runtime installed, LeNet-5 reaches ≥ 97% on MNIST in one epoch', () => {
    const runtimeManifest = JSON.parse(readFileSync(path.join(repoRoot, 'packages', 'runtime', 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
    const manifestPath = path.join(project, 'package.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { devDependencies: Record<string, string> };
    const runtimeSpec = `file:${tarballs['convlens-runtime']}`;
    manifest.devDependencies['convlens-runtime'] = runtimeSpec;
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    const lockPath = path.join(project, 'package-lock.json');
    const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as Lockfile & { packages: Record<string, LockEntry & { devDependencies?: Record<string, string> }> };
    lock.packages['']!.devDependencies!['convlens-runtime'] = runtimeSpec;
    lock.packages['node_modules/convlens-runtime'] = { version: runtimeManifest.version, resolved: runtimeSpec, dev: true, dependencies: runtimeManifest.dependencies };
    const repositoryLock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as Lockfile;
    const inProject = new Set(Object.keys(lock.packages).map((location) => location.replace(/^node_modules\//, '')));
    Object.assign(lock.packages, lockEntriesFor(Object.keys(runtimeManifest.dependencies), repositoryLock, inProject));
    writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
    npm(['ci', '--offline'], project);
    const result = convlens(project, ['train', 'lenet5.ts', '--model', 'lenet5Mnist', '--epochs', '1']);
    assert.equal(result.status, 0, result.stderr);
    const accuracy = /^test accuracy (\d+\.\d+)%/m.exec(result.stdout);
    assert.ok(accuracy !== null, result.stdout);
    assert.ok(Number(accuracy[1]) >= 97, result.stdout);
  });
});
