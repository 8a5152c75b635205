/**
 * Static evaluation (language/evaluate) on in-memory programs. The oracle is the DSL
 * itself: each expected IR is built by calling the factories directly, so "static ==
 * run time" is checked against an independent computation; shapes are literals read off
 * the engine. Sources are written the way people write models (config tables, loops,
 * helpers, imports), then the way half-typed or hostile files look (unknowns, runaway
 * loops, syntax errors), which must finish within the budget with explicit unknowns.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import ts from 'typescript';
import * as dsl from 'convlens';
import { analyze, formatShape } from 'convlens/engine';
import type { Analysis, ModelAnalysis } from 'convlens/engine';
import { evaluateFile, type EvaluationLimits, type FileEvaluation, Unknown } from 'convlens/evaluate';
import type { GanNode, LayerNode, ModelNode, RootNode } from 'convlens/ir';

const repoRoot = resolve(__dirname, '..', '..');
/** `convlens` inside this repository: the DSL's TypeScript source. */
const DSL_SOURCE = join(repoRoot, 'language', 'dsl', 'index.ts');
/** `convlens` in a user's project: the published declarations (built by `tsc -b`). */
const DSL_DECLARATIONS = join(repoRoot, 'packages', 'convlens', 'dist', 'language', 'dsl', 'index.d.ts');
const PROJECT = '/project';
const MAIN = `${PROJECT}/model.ts`;

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  noEmit: true,
  resolveJsonModule: true,
  skipLibCheck: true,
  lib: ['lib.es2022.d.ts'],
  types: [],
};

/** Files from disk (the default library, the DSL), parsed once and shared by every program. */
const diskFiles = new Map<string, ts.SourceFile | undefined>();

/**
 * A program over `files` (virtual paths under /project) and `rootNames`, where the module
 * `convlens` resolves to `convlensFile`; everything else resolves as TypeScript would.
 */
function createProgram(files: ReadonlyMap<string, string>, rootNames: readonly string[], convlensFile = DSL_SOURCE): ts.Program {
  const host = ts.createCompilerHost(COMPILER_OPTIONS, true);
  const disk = {
    fileExists: host.fileExists.bind(host),
    readFile: host.readFile.bind(host),
    directoryExists: host.directoryExists?.bind(host),
    getSourceFile: host.getSourceFile.bind(host),
  };
  const isVirtual = (path: string): boolean => path === PROJECT || path.startsWith(`${PROJECT}/`);
  host.fileExists = (path) => files.has(path) || (!isVirtual(path) && disk.fileExists(path));
  host.readFile = (path) => files.get(path) ?? (isVirtual(path) ? undefined : disk.readFile(path));
  host.directoryExists = (directory) =>
    isVirtual(directory) ? [...files.keys()].some((path) => path.startsWith(`${directory}/`)) : (disk.directoryExists?.(directory) ?? true);
  host.getSourceFile = (path, languageVersion) => {
    const text = files.get(path);
    if (text !== undefined) return ts.createSourceFile(path, text, languageVersion, true);
    if (!diskFiles.has(path)) diskFiles.set(path, disk.getSourceFile(path, languageVersion));
    return diskFiles.get(path);
  };
  host.resolveModuleNameLiterals = (literals, containingFile, _redirect, options) =>
    literals.map((literal) =>
      literal.text === 'convlens'
        ? {
            resolvedModule: {
              resolvedFileName: convlensFile,
              extension: convlensFile.endsWith('.d.ts') ? ts.Extension.Dts : ts.Extension.Ts,
              isExternalLibraryImport: convlensFile.endsWith('.d.ts'),
            },
          }
        : ts.resolveModuleName(literal.text, containingFile, options, host),
    );
  return ts.createProgram({ rootNames, options: COMPILER_OPTIONS, host });
}

interface Evaluated {
  readonly evaluation: FileEvaluation;
  readonly sourceFile: ts.SourceFile;
  readonly elapsedMs: number;
}

interface EvaluateOptions {
  /** Other files of the project, by absolute path (`/project/config.ts`, `/project/node_modules/lib/index.d.ts`). */
  readonly files?: Readonly<Record<string, string>>;
  readonly limits?: EvaluationLimits;
  readonly convlens?: string;
}

/** Evaluates `source` as /project/model.ts. */
function evaluateSource(source: string, options: EvaluateOptions = {}): Evaluated {
  const files = new Map<string, string>([[MAIN, source], ...Object.entries(options.files ?? {})]);
  const rootNames = [...files.keys()].filter((path) => !path.includes('/node_modules/'));
  const program = createProgram(files, rootNames, options.convlens);
  const sourceFile = program.getSourceFile(MAIN);
  assert.ok(sourceFile !== undefined, 'the program has the main file');
  // The checker is made (and the default library bound) before the clock starts: the budget bounds evaluation.
  program.getTypeChecker();
  const started = performance.now();
  const evaluation = evaluateFile(ts, program, sourceFile, options.limits);
  return { evaluation, sourceFile, elapsedMs: performance.now() - started };
}

function rootNamed(evaluated: Evaluated, exportName: string | null): RootNode {
  const found = evaluated.evaluation.roots.find((root) => root.exportName === exportName);
  if (found === undefined) {
    const unresolved = evaluated.evaluation.unresolved.map(({ exportName: unresolvedName, unknown }) => `${unresolvedName}: ${unknown.reason}`);
    return assert.fail(`no root exported as ${String(exportName)}; unresolved: ${unresolved.join('; ') || 'none'}`);
  }
  return found.root;
}

function modelNamed(evaluated: Evaluated, exportName: string | null): ModelNode {
  const root = rootNamed(evaluated, exportName);
  if (root.kind !== 'model') return assert.fail(`${String(exportName)} is a ${root.kind}`);
  return root;
}

function analyzeModel(root: RootNode): ModelAnalysis {
  const analysis: Analysis = analyze(root);
  if (analysis.kind !== 'model') return assert.fail(`expected a model, got ${analysis.kind}`);
  return analysis;
}

/** The output shape of every layer of a model's own list (not containers' children), formatted. */
function outputShapes(root: RootNode): string[] {
  const analysis = analyzeModel(root);
  return analysis.layers.filter((report) => report.depth === 0 && report.path !== 'input').map((report) => formatShape(report.output));
}

/** The `occurrence`-th call in the file whose source text is `text`. */
function callNamed(sourceFile: ts.SourceFile, text: string, occurrence = 0): ts.CallExpression {
  const found: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.getText(sourceFile) === text) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  const call = found[occurrence];
  return call ?? assert.fail(`no call '${text}' (#${occurrence}) in the fixture`);
}

/** Why a layer or model has unknown parts, as the hover shows them. */
function reasonsOf(evaluated: Evaluated, node: object): string[] {
  return (evaluated.evaluation.record.unknownReasons.get(node) ?? []).map((unknown) => unknown.reason);
}

const IMPORTS = `import {
  avgPool2d, batchNorm, concat, conv2d, dense, dropout, flatten, gan, globalAvgPool2d, input, maxPool2d, model,
  relu, reshape, residual, sequential, sigmoid, tanh, conv2dTranspose, type LayerNode,
} from 'convlens';
`;

/**
 * The value of `r` in `source`, read through the public API: the probe model's name is
 * `JSON.stringify(r)` (the evaluator computes it), so '?' means unknown.
 */
function valueOf(source: string, options: EvaluateOptions = {}): unknown {
  const evaluated = evaluateSource(`${IMPORTS}${source}\nexport const probe = model(JSON.stringify(r), input(1));\n`, options);
  const name = rootNamed(evaluated, 'probe').name;
  return name === '?' ? new Unknown('unknown', undefined) : (JSON.parse(name) as unknown);
}

/** A small budget for the adversarial cases, so each must end in well under a second. */
const SMALL_LIMITS: EvaluationLimits = { stepBudget: 10_000, maxCallDepth: 50 };
const WELL_UNDER_A_SECOND_MS = 500;

describe('static evaluation', () => {
  describe('idiomatic styles', () => {
    it('torchvision-style config table expanded with flatMap', () => {
      const evaluated = evaluateSource(`${IMPORTS}
const cfgs = { A: [64, 'M', 128, 'M'], B: [64, 64, 'M'] } as const;
type Cfg = keyof typeof cfgs;
function features(cfg: Cfg): LayerNode[] {
  return cfgs[cfg].flatMap((v) => (v === 'M' ? [maxPool2d(2)] : [conv2d(v, 3, { padding: 1 }), relu()]));
}
export const vggA = model('vggA', input(3, 32, 32), ...features('A'), flatten(), dense(10));
export const vggB = model('vggB', input(3, 32, 32), ...features('B'));
`);
      const conv = (filters: number): LayerNode[] => [dsl.conv2d(filters, 3, { padding: 1 }), dsl.relu()];
      assert.deepEqual(
        rootNamed(evaluated, 'vggA'),
        dsl.model('vggA', dsl.input(3, 32, 32), ...conv(64), dsl.maxPool2d(2), ...conv(128), dsl.maxPool2d(2), dsl.flatten(), dsl.dense(10)),
      );
      assert.deepEqual(rootNamed(evaluated, 'vggB'), dsl.model('vggB', dsl.input(3, 32, 32), ...conv(64), ...conv(64), dsl.maxPool2d(2)));
      assert.deepEqual(outputShapes(rootNamed(evaluated, 'vggA')), ['64@32×32', '64@32×32', '64@16×16', '128@16×16', '128@16×16', '128@8×8', '8192', '10']);
      assert.deepEqual(evaluated.evaluation.record.problems, []);
    });

    it('imperative loops with push, at top level and inside a function', () => {
      const evaluated = evaluateSource(`${IMPORTS}
const layers: LayerNode[] = [];
for (let i = 0; i < 3; i++) {
  layers.push(conv2d(8 * 2 ** i, 3, { padding: 1 }), relu());
  if (i < 2) layers.push(maxPool2d(2));
}
export const top = model('top', input(3, 32, 32), ...layers);

function build(depth: number) {
  const out: LayerNode[] = [];
  let channels = 16;
  for (let i = 0; i < depth; i++) {
    out.push(conv2d(channels, 3));
    channels *= 2;
  }
  return model(\`net\${depth}\`, input(1, 16, 16), ...out);
}
export const inner = build(2);
`);
      assert.deepEqual(
        rootNamed(evaluated, 'top'),
        dsl.model(
          'top', dsl.input(3, 32, 32),
          dsl.conv2d(8, 3, { padding: 1 }), dsl.relu(), dsl.maxPool2d(2),
          dsl.conv2d(16, 3, { padding: 1 }), dsl.relu(), dsl.maxPool2d(2),
          dsl.conv2d(32, 3, { padding: 1 }), dsl.relu(),
        ),
      );
      assert.deepEqual(rootNamed(evaluated, 'inner'), dsl.model('net2', dsl.input(1, 16, 16), dsl.conv2d(16, 3), dsl.conv2d(32, 3)));
      assert.deepEqual(outputShapes(rootNamed(evaluated, 'inner')), ['16@14×14', '32@12×12']);
    });

    it('configs imported from another file, directly and re-exported through an index file', () => {
      const evaluated = evaluateSource(
        `${IMPORTS}
import { cfg, block } from './index';
import defaults from './defaults';
import * as settings from './config';
export const net = model(settings.name, input(defaults.channels, 28, 28), ...cfg.widths.map((width) => block(width)), flatten(), dense(cfg.classes));
`,
        {
          files: {
            [`${PROJECT}/config.ts`]: `export const cfg = { widths: [8, 16], classes: 10 } as const;\nexport const name = 'imported';\n`,
            [`${PROJECT}/blocks.ts`]: `import { conv2d, maxPool2d, relu, sequential } from 'convlens';\nexport const block = (c: number) => sequential(conv2d(c, 3, { padding: 1 }), relu(), maxPool2d(2));\n`,
            [`${PROJECT}/index.ts`]: `export { cfg } from './config';\nexport * from './blocks';\n`,
            [`${PROJECT}/defaults.ts`]: `const defaults = { channels: 1 };\nexport default defaults;\n`,
          },
        },
      );
      const block = (filters: number): LayerNode => dsl.sequential(dsl.conv2d(filters, 3, { padding: 1 }), dsl.relu(), dsl.maxPool2d(2));
      assert.deepEqual(rootNamed(evaluated, 'net'), dsl.model('imported', dsl.input(1, 28, 28), block(8), block(16), dsl.flatten(), dsl.dense(10)));
      assert.deepEqual(outputShapes(rootNamed(evaluated, 'net')), ['8@14×14', '16@7×7', '784', '10']);
    });

    it('residual blocks with a projection shortcut chosen by a ternary', () => {
      const evaluated = evaluateSource(`${IMPORTS}
function basicBlock(inChannels: number, outChannels: number, stride = 1): LayerNode[] {
  const main = sequential(
    conv2d(outChannels, 3, { stride, padding: 1, bias: false }), batchNorm(), relu(),
    conv2d(outChannels, 3, { padding: 1, bias: false }), batchNorm(),
  );
  const shortcut = stride !== 1 || inChannels !== outChannels ? sequential(conv2d(outChannels, 1, { stride, bias: false }), batchNorm()) : undefined;
  return [residual(main, shortcut), relu()];
}
const stages = [[64, 64, 1], [64, 128, 2]] as const;
export const resnetish = model('resnetish', input(3, 32, 32), conv2d(64, 3, { padding: 1 }),
  ...stages.flatMap(([inChannels, outChannels, stride]) => basicBlock(inChannels, outChannels, stride)), globalAvgPool2d(), dense(10));
`);
      const block = (inChannels: number, outChannels: number, stride: number): LayerNode[] => {
        const main = dsl.sequential(
          dsl.conv2d(outChannels, 3, { stride, padding: 1, bias: false }), dsl.batchNorm(), dsl.relu(),
          dsl.conv2d(outChannels, 3, { padding: 1, bias: false }), dsl.batchNorm(),
        );
        const shortcut = stride !== 1 || inChannels !== outChannels ? dsl.sequential(dsl.conv2d(outChannels, 1, { stride, bias: false }), dsl.batchNorm()) : undefined;
        return [dsl.residual(main, shortcut), dsl.relu()];
      };
      const root = rootNamed(evaluated, 'resnetish');
      assert.deepEqual(root, dsl.model('resnetish', dsl.input(3, 32, 32), dsl.conv2d(64, 3, { padding: 1 }), ...block(64, 64, 1), ...block(64, 128, 2), dsl.globalAvgPool2d(), dsl.dense(10)));
      assert.deepEqual(outputShapes(root), ['64@32×32', '64@32×32', '64@32×32', '128@16×16', '128@16×16', '128', '10']);
      assert.deepEqual(analyze(root).findings, []);
    });

    it('Array.from({ length }, f) and [...Array(n).keys()]', () => {
      const evaluated = evaluateSource(`${IMPORTS}
const widths = Array.from({ length: 3 }, (_, i) => 16 << i);
export const a = model('a', input(3, 16, 16), ...[...Array(3).keys()].map((i) => conv2d(widths[i]!, 3, { padding: 'same' })));
`);
      assert.deepEqual(
        rootNamed(evaluated, 'a'),
        dsl.model('a', dsl.input(3, 16, 16), dsl.conv2d(16, 3, { padding: 'same' }), dsl.conv2d(32, 3, { padding: 'same' }), dsl.conv2d(64, 3, { padding: 'same' })),
      );
    });

    it('helpers with default parameters, closures and nested defaults in destructured options', () => {
      const evaluated = evaluateSource(`${IMPORTS}
function convBlock(out: number, { kernel = 3, stride = 1 }: { kernel?: number; stride?: number } = {}) {
  const padding = Math.floor(kernel / 2);
  return sequential(conv2d(out, kernel, { stride, padding, bias: false }), batchNorm(), relu());
}
const stage = (width: number) => (blocks: number) =>
  Array.from({ length: blocks }, (_, i) => convBlock(width, { stride: i === 0 ? 2 : 1 }));
const wide = stage(32);
export const net = model('net', input(3, 32, 32), convBlock(16, { kernel: 7 }), ...wide(2));
`);
      const block = (out: number, kernel: number, stride: number): LayerNode =>
        dsl.sequential(dsl.conv2d(out, kernel, { stride, padding: Math.floor(kernel / 2), bias: false }), dsl.batchNorm(), dsl.relu());
      assert.deepEqual(rootNamed(evaluated, 'net'), dsl.model('net', dsl.input(3, 32, 32), block(16, 7, 1), block(32, 3, 2), block(32, 3, 1)));
      assert.deepEqual(outputShapes(rootNamed(evaluated, 'net')), ['16@32×32', '32@16×16', '32@16×16']);
    });

    it('destructuring of arrays, objects and parameters, with nested defaults', () => {
      const evaluated = evaluateSource(`${IMPORTS}
const [first, second = 24, ...others] = [8, undefined, 32, 64];
const { head: { units = 10, rate = 0.5 } = {}, ...rest } = { head: { units: 100 }, extra: 3 } as { head?: { units?: number; rate?: number }; extra: number };
function classifier({ classes, hidden: [h1, h2] = [256, 128] }: { classes: number; hidden?: [number, number] }) {
  return [dense(h1), relu(), dropout(rate), dense(h2), relu(), dense(classes)];
}
export const net = model('net', input(3, 8, 8), conv2d(first, 1), conv2d(second, 1), ...others.map((c) => conv2d(c, 1)),
  globalAvgPool2d(), conv2d(rest.extra, 1), ...classifier({ classes: units }));
`);
      assert.deepEqual(
        rootNamed(evaluated, 'net'),
        dsl.model(
          'net', dsl.input(3, 8, 8), dsl.conv2d(8, 1), dsl.conv2d(24, 1), dsl.conv2d(32, 1), dsl.conv2d(64, 1), dsl.globalAvgPool2d(), dsl.conv2d(3, 1),
          dsl.dense(256), dsl.relu(), dsl.dropout(0.5), dsl.dense(128), dsl.relu(), dsl.dense(100),
        ),
      );
    });

    it('template strings for names, Math.*, object tables indexed by keys, ?:, &&, || and ??', () => {
      const evaluated = evaluateSource(`${IMPORTS}
const widths: Record<string, number> = { tiny: 8, small: 16 };
const size = 'small';
const depth = Math.max(1, Math.round(Math.log2(widths[size]!) - 2));
const extra: number | undefined = undefined;
export const net = model(\`net_\${size}_\${depth}\`, input(1, 28, 28),
  ...Array.from({ length: depth }, (_, i) => conv2d(widths[size]! * (i + 1), 3, { name: \`conv\${i + 1}\` })),
  depth > 1 ? relu() : tanh(),
  (depth > 5 && sigmoid()) || relu(),
  conv2d(extra ?? 4, 1),
);
`);
      assert.deepEqual(
        rootNamed(evaluated, 'net'),
        dsl.model('net_small_2', dsl.input(1, 28, 28), dsl.conv2d(16, 3, { name: 'conv1' }), dsl.conv2d(32, 3, { name: 'conv2' }), dsl.relu(), dsl.relu(), dsl.conv2d(4, 1)),
      );
    });

    it('for…of over entries(), while loops with counters and switch', () => {
      const evaluated = evaluateSource(`${IMPORTS}
const layers: LayerNode[] = [];
for (const [i, width] of [16, 32].entries()) layers.push(conv2d(width, 3, { name: \`stage\${i}\` }));
for (const [name, units] of Object.entries({ fc1: 64, fc2: 10 })) layers.push(dense(units, { name }));
let pools = 0;
while (pools < 2) pools += 1;
function activation(kind: string) {
  switch (kind) {
    case 'relu':
      return relu();
    case 'tanh':
    case 'hyperbolic':
      return tanh();
    default:
      return sigmoid();
  }
}
export const net = model('net', input(3, 16, 16), ...layers.slice(0, 2), maxPool2d(pools), flatten(), ...layers.slice(2),
  activation('hyperbolic'), activation('other'));
`);
      assert.deepEqual(
        rootNamed(evaluated, 'net'),
        dsl.model(
          'net', dsl.input(3, 16, 16), dsl.conv2d(16, 3, { name: 'stage0' }), dsl.conv2d(32, 3, { name: 'stage1' }), dsl.maxPool2d(2), dsl.flatten(),
          dsl.dense(64, { name: 'fc1' }), dsl.dense(10, { name: 'fc2' }), dsl.tanh(), dsl.sigmoid(),
        ),
      );
    });

    it('namespace import, destructured DSL functions and aliased imports', () => {
      const evaluated = evaluateSource(`
import * as cl from 'convlens';
import { conv2d as c, relu as activation } from 'convlens';
const { dense, flatten } = cl;
export const net = cl.model('net', cl.input(1, 8, 8), c(4, 3), activation(), flatten(), dense(10));
`);
      assert.deepEqual(rootNamed(evaluated, 'net'), dsl.model('net', dsl.input(1, 8, 8), dsl.conv2d(4, 3), dsl.relu(), dsl.flatten(), dsl.dense(10)));
    });

    it('recognises DSL calls by symbol: a user function named conv2d is not the DSL', () => {
      const evaluated = evaluateSource(`
import { conv2d as dslConv, dense, input, model, relu } from 'convlens';
function conv2d(units: number) {
  return dense(units);
}
const layers = { relu: () => dslConv(2, 1) };
export const net = model('net', input(8), conv2d(4), layers.relu(), relu());
`);
      assert.deepEqual(rootNamed(evaluated, 'net'), dsl.model('net', dsl.input(8), dsl.dense(4), dsl.conv2d(2, 1), dsl.relu()));
      const { dslCalls, helperCalls } = evaluated.evaluation.record;
      const userCall = callNamed(evaluated.sourceFile, 'conv2d(4)');
      assert.equal(dslCalls.has(userCall), false, 'the user function is not a DSL call');
      assert.deepEqual(helperCalls.get(userCall), [dsl.dense(4)]);
    });

    it('export default model(…) and export { a as b }, then non-exported top-level models', () => {
      const evaluated = evaluateSource(`${IMPORTS}
const a = model('a', input(4), dense(2));
const hidden = model('hidden', input(4), dense(3));
export { a as b };
export default model('main', input(4), dense(1));
`);
      assert.deepEqual(
        evaluated.evaluation.roots.map(({ exportName, root }) => [exportName, root.name]),
        [['b', 'a'], ['default', 'main'], [null, 'hidden']],
      );
      assert.deepEqual(rootNamed(evaluated, 'default'), dsl.model('main', dsl.input(4), dsl.dense(1)));
    });

    it('a GAN built from helpers', () => {
      const evaluated = evaluateSource(`${IMPORTS}
const up = (c: number) => [conv2dTranspose(c, 4, { stride: 2, padding: 1, bias: false }), batchNorm(), relu()];
export const g = gan('g', {
  latent: 16,
  image: [1, 8, 8],
  generator: [dense(16 * 2 * 2), relu(), reshape(16, 2, 2), ...up(8), ...up(4), conv2d(1, 3, { padding: 1 }), tanh()],
  discriminator: [conv2d(8, 4, { stride: 2, padding: 1 }), relu(), flatten(), dense(1), sigmoid()],
});
`);
      const up = (c: number): LayerNode[] => [dsl.conv2dTranspose(c, 4, { stride: 2, padding: 1, bias: false }), dsl.batchNorm(), dsl.relu()];
      const expected: GanNode = dsl.gan('g', {
        latent: 16,
        image: [1, 8, 8],
        generator: [dsl.dense(64), dsl.relu(), dsl.reshape(16, 2, 2), ...up(8), ...up(4), dsl.conv2d(1, 3, { padding: 1 }), dsl.tanh()],
        discriminator: [dsl.conv2d(8, 4, { stride: 2, padding: 1 }), dsl.relu(), dsl.flatten(), dsl.dense(1), dsl.sigmoid()],
      });
      const root = rootNamed(evaluated, 'g');
      assert.deepEqual(root, expected);
      const analysis = analyze(root);
      assert.equal(formatShape(analysis.output), '1@8×8');
      assert.deepEqual(analysis.findings, []);
    });

    it('relu6 and identity (MobileNet, DenseNet), with names known and unknown', () => {
      const evaluated = evaluateSource(`
import { concat, conv2d, identity, input, model, relu6, residual, sequential } from 'convlens';
const names = ['clip', 'pass'];
const denseLayer = (growth: number) => concat(identity(), sequential(relu6(), conv2d(growth, 3, { padding: 1 })));
export const net = model('net', input(4, 8, 8), [4, 6].map(denseLayer), relu6({ name: names[0] }),
  residual(conv2d(14, 3, { padding: 1 }), identity({ name: \`\${names[1]}-1\` })), identity({ name: Math.random() > 0.5 ? 'a' : 'b' }));
`);
      const expected = dsl.model(
        'net',
        dsl.input(4, 8, 8),
        dsl.concat(dsl.identity(), dsl.sequential(dsl.relu6(), dsl.conv2d(4, 3, { padding: 1 }))),
        dsl.concat(dsl.identity(), dsl.sequential(dsl.relu6(), dsl.conv2d(6, 3, { padding: 1 }))),
        dsl.relu6({ name: 'clip' }),
        dsl.residual(dsl.conv2d(14, 3, { padding: 1 }), dsl.identity({ name: 'pass-1' })),
        dsl.identity(),
      );
      const root = rootNamed(evaluated, 'net');
      assert.deepEqual(root, expected);
      assert.deepEqual(outputShapes(root), ['8@8×8', '14@8×8', '14@8×8', '14@8×8', '14@8×8']);
      assert.deepEqual(evaluated.evaluation.unresolved, []);
      const last = (root as ModelNode).layers[4]!;
      assert.equal(reasonsOf(evaluated, last).length, 1, 'the unknown name is explained');
    });

    it('works where convlens is an installed package resolved through its declaration files', () => {
      const evaluated = evaluateSource(`${IMPORTS}\nexport const net = model('net', input(1, 28, 28), conv2d(6, 5), relu(), flatten(), dense(10));\n`, {
        convlens: DSL_DECLARATIONS,
      });
      assert.deepEqual(rootNamed(evaluated, 'net'), dsl.model('net', dsl.input(1, 28, 28), dsl.conv2d(6, 5), dsl.relu(), dsl.flatten(), dsl.dense(10)));
      assert.deepEqual(outputShapes(rootNamed(evaluated, 'net')), ['6@24×24', '6@24×24', '3456', '10']);
    });
  });

  describe('scopes and control flow', () => {
    const cases: readonly (readonly [string, string, unknown])[] = [
      ['let shadowing in blocks', 'let x = 1; { let x = 2; x++; } if (x === 1) { const x = 5; void x; } const r = x;', 1],
      [
        'one name, many scopes: each use means its innermost declaration',
        'const k = 1; const f = (k: number) => k * 10; function g(n = k) { const k = 7; return [n, k]; } let inner = 0; for (const k of [3]) inner += k; const r = [k, f(2), ...g(), inner, k];',
        [1, 20, 1, 7, 3, 1],
      ],
      ['closures capture for…of variables per iteration', 'const fs: (() => number)[] = []; for (const i of [1, 2, 3]) fs.push(() => i * 10); const r = fs.map((f) => f());', [10, 20, 30]],
      ['for (let i…) gives each iteration its own i', 'const fs: (() => number)[] = []; for (let i = 0; i < 3; i++) fs.push(() => i); const r = fs.map((f) => f());', [0, 1, 2]],
      ['the body of for (let i…) may change i', 'const out: number[] = []; for (let i = 0; i < 10; i++) { if (i % 2) continue; out.push(i); i++; } const r = out;', [0, 2, 4, 6, 8]],
      ['early return inside a loop', 'function find(xs: number[]) { for (const x of xs) { if (x > 2) return x; } return -1; } const r = [find([1, 2, 3, 4]), find([])];', [3, -1]],
      [
        'labelled break and continue',
        'const out: number[][] = []; outer: for (let i = 0; i < 3; i++) { for (let j = 0; j < 3; j++) { if (j === 2) continue outer; if (i === 2) break outer; out.push([i, j]); } } const r = out;',
        [[0, 0], [0, 1], [1, 0], [1, 1]],
      ],
      ['for…of visits items pushed during the loop', 'const queue = [3]; const seen: number[] = []; for (const n of queue) { seen.push(n); if (n > 0) queue.push(n - 1); } const r = seen;', [3, 2, 1, 0]],
      ['break out of a labelled block', 'let v = 0; block: { v = 1; if (v === 1) break block; v = 2; } const r = v;', 1],
      [
        'optional chaining skips the rest of the chain',
        'const o: any = { a: { b: [1, 2] } }; const r = [o.a?.b[1], o.x?.b[1] ?? "none", o.x?.b.c.d() ?? "none", o.a?.b?.length, o.f?.() ?? "none", o?.["a"]?.b];',
        [2, 'none', 'none', 2, 'none', [1, 2]],
      ],
      [
        'compound assignment, arithmetic and bitwise',
        "let a = 10; a += 5; a -= 1; a *= 2; a /= 4; a **= 2; a %= 10; let s = 'x'; s += 'y'; let b = 1; b <<= 3; b |= 1; b ^= 2; b &= 15; b >>= 1; const r = [a, s, b];",
        [9, 'xy', 5],
      ],
      ['logical assignment', 'let a: number | undefined; a ??= 5; a ??= 6; let b = 0; b ||= 7; let c = 1; c &&= 8; let d = 0; d &&= 9; const r = [a, b, c, d];', [5, 7, 8, 0]],
      [
        '++ on object properties and elements evaluates the target once',
        "const c: Record<string, number> = { conv: 0 }; c.conv++; ++c.conv; c['conv'] += 3; const xs = [1, 2]; xs[0]!++; let i = 0; const ys = [0, 0, 0]; ys[i++]! += 5; const r = [c.conv, xs, ys, i];",
        [5, [2, 2], [5, 0, 0], 1],
      ],
      ['arr.length = 0 empties an array', 'const xs = [1, 2, 3]; xs.length = 0; xs.push(4); const ys = [1, 2, 3]; ys.length = 1; const r = [xs, ys];', [[4], [1]]],
      ['spreading strings', "const r = [...'abc', ...[...'de'].map((c) => c.toUpperCase())];", ['a', 'b', 'c', 'D', 'E']],
      [
        'switch with fall-through and default',
        "function f(n: number) { let out = 0; switch (n) { case 1: out += 1; case 2: out += 2; break; case 3: out += 30; } return out; } const r = [f(1), f(2), f(3), f(9)];",
        [3, 2, 30, 0],
      ],
      ['while and do…while with counters', 'let i = 0; const out: number[] = []; while (i < 4) { out.push(i * i); i += 1; } let j = 0; do { j++; } while (j < 3); const r = [out, j];', [[0, 1, 4, 9], 3]],
      ['closures keep their own state', 'function counter() { let n = 0; return () => ++n; } const next = counter(); next(); next(); const r = next();', 3],
      ['function declarations are hoisted', 'const r = later(2); function later(x: number) { return x * 3; }', 6],
      ['a default parameter sees the earlier parameters and the enclosing function', 'function outer(a: number) { function inner(b = a * 2) { return a + b; } return inner(); } const r = outer(3);', 9],
      ['for…in over an object', 'const ks: string[] = []; for (const k in { a: 1, b: 2 }) ks.push(k); const r = ks;', ['a', 'b']],
      ['object spreads and computed keys', "const base = { stride: 1, padding: 0 }; const r = { ...base, padding: 1, ['k' + 1]: 2 };", { stride: 1, padding: 1, k1: 2 }],
      [
        'array methods',
        "const r = [[1, 2, 3].reduce((a, b) => a + b, 0), [1, 2, 3].filter((x) => x !== 2), [3, 1, 2].slice().sort((a, b) => a - b), [[1], [2, [3]]].flat(), [1, 2].concat([3], 4), [1, 2, 3].indexOf(2), [1, 2, 3].join('-')];",
        [6, [1, 3], [1, 2, 3], [1, 2, [3]], [1, 2, 3, 4], 1, '1-2-3'],
      ],
      ['enums, numbered and with initialisers', "enum W { Small = 16, Medium, Large = Small * 4 } enum Act { Relu = 'relu' } const r = [W.Small, W.Medium, W.Large, Act.Relu];", [16, 17, 64, 'relu']],
      ['numeric literals in every notation', 'const r = [0x10, 1e3, 0b101, 0o7, 1_000, .5];', [16, 1000, 5, 7, 1000, 0.5]],
      ['destructuring a string', "const [a, b] = 'xy'; const r = [a, b];", ['x', 'y']],
      ['delete removes an option', "const o: { stride?: number; padding: number } = { stride: 2, padding: 1 }; delete o.stride; const r = o;", { padding: 1 }],
      ['try…finally without a throw', 'let v = 1; try { v = 2; } finally { v += 1; } const r = v;', 3],
      ['string and number built-ins', "const r = ['ab'.toUpperCase(), 'a-b'.split('-'), 'x'.padStart(3, '0'), (3.14159).toFixed(2), String(5), Number('7'), parseInt('12px')];", ['AB', ['a', 'b'], '00x', '3.14', '5', 7, 12]],
    ];
    for (const [title, source, expected] of cases) {
      it(title, () => {
        assert.deepEqual(valueOf(source), expected);
      });
    }
  });

  describe('unknowable values', () => {
    it('a value from a JSON file used as filters: null in the IR, with the reason, and ? downstream', () => {
      const evaluated = evaluateSource(
        `${IMPORTS}
import settings from './settings.json';
const make = (width: number) => model('json', input(1, 28, 28), conv2d(width, 3), relu(), maxPool2d(2), flatten(), dense(10));
export const m = make(settings.width);
`,
        { files: { [`${PROJECT}/settings.json`]: '{ "width": 32 }' } },
      );
      const root = modelNamed(evaluated, 'm');
      const [conv] = root.layers;
      assert.ok(conv !== undefined && conv.kind === 'conv2d');
      assert.equal(conv.filters, null);
      assert.deepEqual(reasonsOf(evaluated, conv), ["'settings' comes from a JSON file, which is read only when the code runs"]);
      // The channel count is unknown from the convolution on; the spatial size is not.
      assert.deepEqual(outputShapes(root), ['?@26×26', '?@26×26', '?@13×13', '?', '10']);
      assert.equal(analyzeModel(root).params.trainable, null);
    });

    it('a parameter without a default that was not given', () => {
      const evaluated = evaluateSource(`${IMPORTS}
function make(filters: number) {
  return model('m', input(1, 8, 8), conv2d(filters, 3));
}
// The argument is missing, as it is while someone types.
export const m = make();
`);
      const [conv] = modelNamed(evaluated, 'm').layers;
      assert.ok(conv !== undefined && conv.kind === 'conv2d');
      assert.equal(conv.filters, null);
      assert.deepEqual(reasonsOf(evaluated, conv), ["parameter 'filters' was not given"]);
    });

    it('a function that is never called makes no model; it is evaluated with a symbol for each number parameter', () => {
      const evaluated = evaluateSource(`${IMPORTS}
export function make(filters: number, name = 'never') {
  return model(name, input(1, 8, 8), conv2d(filters * 2, 3));
}
`);
      assert.deepEqual(evaluated.evaluation.roots, []);
      assert.deepEqual(evaluated.evaluation.unresolved, []);
      assert.deepEqual(evaluated.evaluation.record.problems, []);
      const [helper, ...others] = evaluated.evaluation.symbolicRoots;
      assert.equal(others.length, 0);
      assert.equal(helper?.nameNode?.getText(), 'make');
      const root = helper!.root as dsl.ModelNode;
      // The string parameter takes its default; the number is the symbol `filters`.
      assert.equal(root.name, 'never');
      const conv = root.layers[0] as dsl.Conv2dNode;
      assert.equal(String(conv.filters), '2·filters');
      // Every IR object of the evaluation is marked symbolic, owned by `make`.
      const owners = [...evaluated.evaluation.record.dslCalls.values()].flat().map((node) => evaluated.evaluation.record.symbolicNodes.get(node));
      assert.equal(owners.length, 3);
      assert.ok(owners.every((owner) => owner === helper!.declaration));
    });

    it('Math.random()', () => {
      const evaluated = evaluateSource(`${IMPORTS}
export const m = model('random', input(4), dense(Math.random() > 0.5 ? 8 : 16), dense(2));
`);
      const root = modelNamed(evaluated, 'm');
      assert.deepEqual(root, dsl.model('random', dsl.input(4), dsl.dense(null as unknown as number), dsl.dense(2)));
      assert.deepEqual(reasonsOf(evaluated, root.layers[0]!), ['Math.random() has no value until the code runs']);
      assert.deepEqual(outputShapes(root), ['?', '2']);
    });

    it('values from a package that only has declaration files', () => {
      const evaluated = evaluateSource(
        `${IMPORTS}
import { widths, depth } from 'model-settings';
export const m = model('dts', input(3, 16, 16), ...widths.map((w) => conv2d(w, 3)), conv2d(depth, 1), flatten(), dense(10));
`,
        { files: { [`${PROJECT}/node_modules/model-settings/index.d.ts`]: 'export declare const widths: number[];\nexport declare const depth: number;\n' } },
      );
      const root = modelNamed(evaluated, 'm');
      const [spread, conv] = root.layers;
      const reason = "'widths' is declared in index.d.ts, a declaration file; only TypeScript sources are evaluated";
      assert.deepEqual(spread, { kind: 'unknown', reason });
      assert.deepEqual(conv, dsl.conv2d(null as unknown as number, 1));
      assert.deepEqual(reasonsOf(evaluated, conv!), ["'depth' is declared in index.d.ts, a declaration file; only TypeScript sources are evaluated"]);
      assert.deepEqual(reasonsOf(evaluated, root), [reason]);
      // A convolution makes an image of unknown channels and size out of an input it cannot see.
      assert.deepEqual(outputShapes(root), ['?', '?@?×?', '?', '10']);
    });

    it('an import that does not resolve is named as written', () => {
      const evaluated = evaluateSource(`${IMPORTS}
// The package is not installed.
import { width } from 'not-installed';
export const m = model('m', input(4), dense(width));
`);
      assert.deepEqual(reasonsOf(evaluated, modelNamed(evaluated, 'm').layers[0]!), ["cannot resolve 'width' (is the module installed?)"]);
    });
  });

  describe('adversarial input', () => {
    /** Evaluates with SMALL_LIMITS and checks the evaluation ended quickly. */
    function evaluateQuickly(source: string): Evaluated {
      const evaluated = evaluateSource(source, { limits: SMALL_LIMITS });
      assert.ok(evaluated.elapsedMs < WELL_UNDER_A_SECOND_MS, `took ${evaluated.elapsedMs.toFixed(0)} ms`);
      return evaluated;
    }

    it('infinite recursion ends at the call depth limit', () => {
      const evaluated = evaluateQuickly(`${IMPORTS}
function deeper(n: number): number { return deeper(n + 1); }
export const m = model('m', input(1, 8, 8), conv2d(deeper(0), 3), relu());
`);
      const root = modelNamed(evaluated, 'm');
      assert.deepEqual(root, dsl.model('m', dsl.input(1, 8, 8), dsl.conv2d(null as unknown as number, 3), dsl.relu()));
      assert.deepEqual(reasonsOf(evaluated, root.layers[0]!), ['calls nest deeper than 50 levels (unbounded recursion?)']);
    });

    it('mutual recursion that branches ends within the step budget', () => {
      const evaluated = evaluateQuickly(`${IMPORTS}
const ping = (n: number): number => pong(n + 1) + pong(n + 2);
const pong = (n: number): number => ping(n) * 2;
export const m = model('m', input(4), dense(ping(0)));
`);
      assert.deepEqual(evaluated.evaluation.record.problems.map((problem) => problem.reason), [
        'evaluation stopped after 10,000 steps (a loop that never ends, or a very large computation)',
      ]);
      assert.deepEqual(evaluated.evaluation.unresolved.map(({ exportName }) => exportName), ['m']);
    });

    it('while (true) {} stops at the step budget; what follows is unknown for that reason', () => {
      const evaluated = evaluateQuickly(`${IMPORTS}
export const before = model('before', input(4), dense(2));
while (true) {}
export const after = model('after', input(4), dense(2));
`);
      const budget = 'evaluation stopped after 10,000 steps (a loop that never ends, or a very large computation)';
      assert.deepEqual(rootNamed(evaluated, 'before'), dsl.model('before', dsl.input(4), dsl.dense(2)));
      assert.deepEqual(evaluated.evaluation.record.problems.map((problem) => problem.reason), [budget]);
      assert.deepEqual(evaluated.evaluation.unresolved.map(({ exportName, unknown }) => [exportName, unknown.reason]), [['after', budget]]);
    });

    it('while (true) {} inside a helper with the default limits still ends', () => {
      const evaluated = evaluateSource(`${IMPORTS}
function spin() { let i = 0; while (true) { i++; } }
export const m = model('m', input(4), dense(spin() ?? 2));
`);
      assert.ok(evaluated.elapsedMs < 5_000, `took ${evaluated.elapsedMs.toFixed(0)} ms`);
      assert.equal(evaluated.evaluation.record.problems.length, 1);
      assert.deepEqual(evaluated.evaluation.unresolved.map(({ exportName }) => exportName), ['m']);
    });

    it('a 100k-element array', () => {
      const evaluated = evaluateSource(`${IMPORTS}
const xs = Array.from({ length: 100_000 }, (_, i) => i);
const ys: number[] = [];
ys.push(...xs);
const copy = [...ys];
export const m = model('m', input(4), dense(copy.length / 1000), dense(xs[99_999]! % 7));
`);
      assert.ok(evaluated.elapsedMs < 5_000, `took ${evaluated.elapsedMs.toFixed(0)} ms`);
      assert.deepEqual(rootNamed(evaluated, 'm'), dsl.model('m', dsl.input(4), dsl.dense(100), dsl.dense(99_999 % 7)));
      assert.deepEqual(evaluated.evaluation.record.problems, []);
    });

    it('a 100k-element array with a small budget stops at the budget', () => {
      const evaluated = evaluateQuickly(`${IMPORTS}
const xs = Array.from({ length: 100_000 }, (_, i) => i);
export const m = model('m', input(4), dense(xs.length));
`);
      assert.deepEqual(evaluated.evaluation.unresolved.map(({ exportName }) => exportName), ['m']);
    });

    it('an array too long to make is unknown', () => {
      const evaluated = evaluateQuickly(`${IMPORTS}
const xs = Array.from({ length: 5_000_000_000 });
export const m = model('m', input(4), dense(xs.length));
`);
      assert.deepEqual(reasonsOf(evaluated, modelNamed(evaluated, 'm').layers[0]!), ['an array of 5000000000 elements is too large to evaluate']);
    });

    it('deep expression nesting the parser accepts evaluates', () => {
      const depth = 500;
      const evaluated = evaluateSource(`${IMPORTS}
const d = ${'('.repeat(depth)}4${')'.repeat(depth)};
const nested = ${'['.repeat(depth)}8${']'.repeat(depth)};
export const m = model('m', input(4), dense(d), dense(nested.flat(Infinity)[0] as number));
`);
      assert.deepEqual(rootNamed(evaluated, 'm'), dsl.model('m', dsl.input(4), dsl.dense(4), dsl.dense(8)));
    });

    it('an expression nested too deeply to evaluate is a problem, and the next statements still run', () => {
      const terms = 50_000;
      const evaluated = evaluateSource(`${IMPORTS}
const total = ${Array.from({ length: terms }, () => '1').join(' + ')};
export const m = model('m', input(4), dense(total));
export const n = model('n', input(4), dense(3));
`);
      assert.ok(evaluated.elapsedMs < 5_000, `took ${evaluated.elapsedMs.toFixed(0)} ms`);
      const tooDeep = 'the code nests more than 1,000 levels deep (expressions, statements and calls inside one another), too deeply to evaluate';
      assert.deepEqual(evaluated.evaluation.record.problems.map((problem) => problem.reason), [tooDeep]);
      assert.deepEqual(reasonsOf(evaluated, modelNamed(evaluated, 'm').layers[0]!), [tooDeep]);
      assert.deepEqual(rootNamed(evaluated, 'n'), dsl.model('n', dsl.input(4), dsl.dense(3)));
    });

    it('a syntax error mid-typing: conv2d(6, followed by more lines', () => {
      const evaluated = evaluateQuickly(`${IMPORTS}
export const typing = model('typing', input(1, 28, 28),
  conv2d(6,
  relu(),
  maxPool2d(2),
  flatten(),
  dense(10),
);
export const after = model('after', input(4), dense(2));
`);
      const typing = modelNamed(evaluated, 'typing');
      // The half-typed call swallows the layers after it: they are not numbers or options.
      assert.equal(typing.layers.length, 1);
      assert.deepEqual(typing.layers[0], { kind: 'conv2d', filters: 6, kernelSize: [null, null], stride: [null, null], padding: [null, null], dilation: [null, null], groups: null, bias: null, name: null });
      assert.deepEqual(outputShapes(typing), ['6@?×?']);
      assert.deepEqual(rootNamed(evaluated, 'after'), dsl.model('after', dsl.input(4), dsl.dense(2)));
    });

    it('a syntax error that cuts a statement short', () => {
      const evaluated = evaluateQuickly(`${IMPORTS}
export const broken = model('broken', input(1, 8, 8), conv2d(6,
const width = 5;
export const after = model('after', input(4), dense(width));
`);
      assert.doesNotThrow(() => evaluated.evaluation.roots.map(({ root }) => analyze(root)));
      assert.deepEqual(rootNamed(evaluated, 'after'), dsl.model('after', dsl.input(4), dsl.dense(5)));
    });

    it('references before initialisation are unknown', () => {
      const evaluated = evaluateQuickly(`${IMPORTS}
export const early = model('early', input(4), dense(width));
const width = 4;
function local() { const a = b; const b = 2; return a; }
export const late = model('late', input(4), dense(local()));
`);
      assert.deepEqual(reasonsOf(evaluated, modelNamed(evaluated, 'early').layers[0]!), [
        "'width' has no value yet at this point (or depends on a value that could not be evaluated)",
      ]);
      assert.equal((modelNamed(evaluated, 'late').layers[0] as { units: unknown }).units, null);
    });

    it('calling undefined', () => {
      const evaluated = evaluateQuickly(`${IMPORTS}
const build: any = undefined;
export const m = model('m', input(4), dense(build()), dense(2));
`);
      const root = modelNamed(evaluated, 'm');
      assert.deepEqual(reasonsOf(evaluated, root.layers[0]!), ['undefined is not a function that can be evaluated']);
      assert.deepEqual(outputShapes(root), ['?', '2']);
    });

    it('spreading an unknown into sequential gives one unknown layer among the known ones', () => {
      const evaluated = evaluateQuickly(`${IMPORTS}
declare const extra: LayerNode[];
export const m = model('m', input(1, 8, 8), sequential(conv2d(4, 3), ...extra, relu()), flatten(), dense(10));
`);
      const reason = "'extra' is declared with `declare`, so its value is only known when the code runs";
      const root = modelNamed(evaluated, 'm');
      assert.deepEqual(root, dsl.model('m', dsl.input(1, 8, 8), dsl.sequential(dsl.conv2d(4, 3), { kind: 'unknown', reason }, dsl.relu()), dsl.flatten(), dsl.dense(10)));
      assert.deepEqual(outputShapes(root), ['?', '?', '10']);
    });

    it('hostile values never throw: toString that is not a function, huge strings, bad toFixed', () => {
      const evaluated = evaluateQuickly(`${IMPORTS}
const o = { toString: 1 };
const a = o + '';
const b = \`\${o}\`;
const c = 'x'.repeat(400_000_000);
const d = (1).toFixed(1000);
export const m = model('m', input(4), dense(a.length), dense(b.length), dense(c.length), dense(d.length));
`);
      const reasons = modelNamed(evaluated, 'm').layers.map((layer) => reasonsOf(evaluated, layer)[0]);
      assert.deepEqual(reasons, [
        "'+' cannot be applied to an object and string: Cannot convert object to primitive value",
        'cannot convert an object to a string: Cannot convert object to primitive value',
        'repeat: a string of 400000000 characters is too large to evaluate',
        'toFixed(…) fails with these arguments: toFixed() digits argument must be between 0 and 100',
      ]);
      assert.deepEqual(evaluated.evaluation.record.problems, []);
    });

    it('a huge sparse array is refused, not copied', () => {
      const evaluated = evaluateQuickly(`${IMPORTS}
const xs: number[] = [];
xs.length = 1e9;
const ys: number[] = [];
ys[1e9] = 1;
export const m = model('m', input(4), dense([...xs].length + [...ys].length));
`);
      assert.deepEqual(evaluated.evaluation.record.problems.map((problem) => problem.reason), [
        "cannot set an array's length to 1000000000",
        "cannot assign to element '1000000000' of an array",
      ]);
      assert.equal((modelNamed(evaluated, 'm').layers[0] as { units: unknown }).units, null);
    });
  });

  describe('records', () => {
    const source = `${IMPORTS}
const block = (c: number) => sequential(conv2d(c, 3, { padding: 1 }), relu());
const blocks: LayerNode[] = [];
for (const width of [8, 16, 32]) blocks.push(block(width));
export const lenet = model('lenet', input(1, 28, 28), conv2d(6, 5), ...blocks);
`;

    it('dslCalls maps a call inside a helper called in a loop to every IR object it made', () => {
      const evaluated = evaluateSource(source);
      const inner = callNamed(evaluated.sourceFile, 'conv2d(c, 3, { padding: 1 })');
      assert.deepEqual(evaluated.evaluation.record.dslCalls.get(inner), [8, 16, 32].map((c) => dsl.conv2d(c, 3, { padding: 1 })));
    });

    it('helperCalls records what each call of a helper returned', () => {
      const evaluated = evaluateSource(source);
      const call = callNamed(evaluated.sourceFile, 'block(width)');
      const expected = [8, 16, 32].map((c) => dsl.sequential(dsl.conv2d(c, 3, { padding: 1 }), dsl.relu()));
      assert.deepEqual(evaluated.evaluation.record.helperCalls.get(call), expected);
      // The very objects in the model.
      const root = modelNamed(evaluated, 'lenet');
      assert.deepEqual(
        evaluated.evaluation.record.helperCalls.get(call)?.map((result) => root.layers.indexOf(result as LayerNode)),
        [1, 2, 3],
      );
    });

    it('createdBy points at the call that made each IR object', () => {
      const evaluated = evaluateSource(source);
      const root = modelNamed(evaluated, 'lenet');
      const { createdBy } = evaluated.evaluation.record;
      const text = (node: object): string | undefined => createdBy.get(node)?.getText(evaluated.sourceFile);
      assert.equal(text(root.layers[0]!), 'conv2d(6, 5)');
      assert.equal(text(root.input), 'input(1, 28, 28)');
      assert.equal(text(root), "model('lenet', input(1, 28, 28), conv2d(6, 5), ...blocks)");
      const second = root.layers[2];
      assert.ok(second !== undefined && second.kind === 'sequential');
      assert.equal(text(second), 'sequential(conv2d(c, 3, { padding: 1 }), relu())');
      assert.equal(text(second.layers[1]!), 'relu()');
    });

    it('layerReferences: where each layer argument written as a reference went, once per evaluation', () => {
      const evaluated = evaluateSource(`${IMPORTS}
import { aux } from 'convlens';
const a = conv2d(8, 3);
const pair = [relu(), conv2d(4, 1)];
const config = { stem: conv2d(2, 1) };
const n = 5;
const wrap = (x: LayerNode) => sequential(x, a);
export const m = model('m', input(1, 28, 28), a, ...pair, config.stem, pair[0], wrap(a), wrap(relu()), pair, residual(a, config.stem), aux('x', a), n as unknown as LayerNode);
`);
      const root = modelNamed(evaluated, 'm');
      const { layerReferences } = evaluated.evaluation.record;
      // Each use as `text@offset: parent kind.child index in childrenOf(parent)`, in source order.
      const uses = [...layerReferences]
        .sort(([a], [b]) => a.getStart() - b.getStart())
        .flatMap(([expression, references]) =>
          references.map(({ parent, child }) => `${expression.getText(evaluated.sourceFile)}: ${(parent as { kind: string }).kind}${parent === root ? ' m' : ''}.${child}`),
        );
      // The model's children are its input, then its layers: `a` is child 1, `...pair` ends at
      // 3, `pair` unspread is spliced too and ends at 9. `a` passed to the helper `wrap` is an
      // argument of a user function (its call has a hint of its own); inside `wrap`, `x` and
      // `a` are recorded once per call. A number is not a layer: no record.
      assert.deepEqual(uses, [
        'x: sequential.0',
        'x: sequential.0',
        'a: sequential.1',
        'a: sequential.1',
        'a: model m.1',
        '...pair: model m.3',
        'config.stem: model m.4',
        'pair[0]: model m.5',
        'pair: model m.9',
        'a: residual.0',
        'config.stem: residual.1',
        'a: aux.0',
      ]);
      assert.equal(root.layers.length, 12);
    });

    it('an unknown layer points at the argument it stands for', () => {
      const evaluated = evaluateSource(`${IMPORTS}
declare const extra: LayerNode[];
export const m = model('m', input(1, 8, 8), ...extra);
`);
      const [unknown] = modelNamed(evaluated, 'm').layers;
      assert.ok(unknown !== undefined && unknown.kind === 'unknown');
      assert.equal(evaluated.evaluation.record.createdBy.get(unknown)?.getText(evaluated.sourceFile), 'extra');
    });
  });

  describe('regressions', () => {
    it("'<' and '+=' are evaluated (SyntaxKind[kind] names them FirstBinaryOperator and FirstCompoundAssignment)", () => {
      assert.deepEqual(valueOf('let n = 1; n += 2; const r = [1 < 2, 3 <= 2, n];'), [true, false, 3]);
    });

    it('a loop over an unknown count leaves the array it pushes to unknown, not partial', () => {
      const evaluated = evaluateSource(
        `${IMPORTS}
import { depth } from 'model-settings';
const layers: LayerNode[] = [conv2d(8, 3)];
for (let i = 0; i < depth; i++) layers.push(conv2d(8, 3));
export const m = model('m', input(1, 32, 32), ...layers, flatten(), dense(10));
`,
        { files: { [`${PROJECT}/node_modules/model-settings/index.d.ts`]: 'export declare const depth: number;\n' } },
      );
      const depthReason = "'depth' is declared in index.d.ts, a declaration file; only TypeScript sources are evaluated";
      const root = modelNamed(evaluated, 'm');
      assert.deepEqual(root, dsl.model('m', dsl.input(1, 32, 32), { kind: 'unknown', reason: `'layers' may have been changed by code that could not be evaluated: ${depthReason}` }, dsl.flatten(), dsl.dense(10)));
      assert.deepEqual(outputShapes(root), ['?', '?', '10']);
      assert.deepEqual(evaluated.evaluation.record.problems.map((problem) => problem.reason), [depthReason]);
    });

    it('a helper that stops part-way leaves the module array it pushes to unknown', () => {
      const evaluated = evaluateSource(`${IMPORTS}
const layers: LayerNode[] = [];
function addStage(count: number) { for (let i = 0; i < count; i++) layers.push(conv2d(8, 3)); }
addStage(2);
addStage(Math.random() > 0.5 ? 1 : 2);
export const m = model('m', input(1, 32, 32), ...layers);
`);
      assert.deepEqual(modelNamed(evaluated, 'm').layers.map((layer) => layer.kind), ['unknown']);
    });

    it('an unknown spread keeps the model its name and input', () => {
      const evaluated = evaluateSource(`${IMPORTS}
declare const blocks: LayerNode[];
export const m = model('m', input(1, 8, 8), ...blocks, flatten(), dense(10));
`);
      const root = modelNamed(evaluated, 'm');
      assert.equal(root.name, 'm');
      assert.deepEqual(root.input, dsl.input(1, 8, 8));
      assert.deepEqual(outputShapes(root), ['?', '?', '10']);
    });

    it('an unknown spread into input(…) makes the model unresolved, not a guessed rank', () => {
      const evaluated = evaluateSource(`${IMPORTS}
declare const dims: number[];
export const m = model('m', input(...(dims as [number])), dense(10));
`);
      assert.deepEqual(evaluated.evaluation.roots, []);
      assert.deepEqual(evaluated.evaluation.unresolved.map(({ exportName, unknown }) => [exportName, unknown.reason]), [
        ['m', "the model's input is unknown: the arguments of input(…) are unknown: 'dims' is declared with `declare`, so its value is only known when the code runs"],
      ]);
    });

    it('a model whose input is unknown is unresolved, not IR with a null input', () => {
      const evaluated = evaluateSource(`${IMPORTS}
declare const source: ReturnType<typeof input>;
export const m = model('m', source, conv2d(2, 3));
`);
      assert.deepEqual(evaluated.evaluation.roots, []);
      assert.deepEqual(evaluated.evaluation.unresolved.map(({ exportName, unknown }) => [exportName, unknown.reason]), [
        ['m', "the model's input is unknown: 'source' is declared with `declare`, so its value is only known when the code runs"],
      ]);
    });

    it('a destructured const imported from another file is its value, not "a parameter"', () => {
      const evaluated = evaluateSource(`${IMPORTS}
import { widths, head as classes } from './config';
export const m = model('m', input(1, 8, 8), ...widths.map((w) => conv2d(w, 3)), flatten(), dense(classes));
`, { files: { [`${PROJECT}/config.ts`]: 'export const { widths, head } = { widths: [4, 8], head: 10 };\n' } });
      assert.deepEqual(rootNamed(evaluated, 'm'), dsl.model('m', dsl.input(1, 8, 8), dsl.conv2d(4, 3), dsl.conv2d(8, 3), dsl.flatten(), dsl.dense(10)));
    });

    it('an anonymous default-exported helper from another file is callable', () => {
      const evaluated = evaluateSource(`${IMPORTS}
import block from './block';
export const m = model('m', input(1, 8, 8), ...block(4));
`, { files: { [`${PROJECT}/block.ts`]: "import { conv2d, relu } from 'convlens';\nexport default function (c: number) {\n  return [conv2d(c, 3), relu()];\n}\n" } });
      assert.deepEqual(rootNamed(evaluated, 'm'), dsl.model('m', dsl.input(1, 8, 8), dsl.conv2d(4, 3), dsl.relu()));
    });

    it('delete is followed, so a deleted option falls back to its default', () => {
      const evaluated = evaluateSource(`${IMPORTS}
const options: { stride?: number; padding: number } = { stride: 2, padding: 1 };
delete options.stride;
export const m = model('m', input(1, 8, 8), conv2d(4, 3, options));
`);
      assert.deepEqual(rootNamed(evaluated, 'm'), dsl.model('m', dsl.input(1, 8, 8), dsl.conv2d(4, 3, { padding: 1 })));
    });

    it('a throw inside try is unknown, not a guess at what catch sees', () => {
      assert.ok(valueOf("let v = 1; try { if (v === 1) throw new Error('x'); v = 2; } catch { v = 3; } const r = v;") instanceof Unknown);
    });

    it('declare const is unknown, not undefined', () => {
      const evaluated = evaluateSource(`${IMPORTS}
declare const width: number;
export const m = model('m', input(4), dense(width));
`);
      const [dense] = modelNamed(evaluated, 'm').layers;
      assert.deepEqual(dense, dsl.dense(null as unknown as number));
    });

    it('a layer typed where a number belongs becomes null, not a layer inside kernelSize', () => {
      const evaluated = evaluateSource(`${IMPORTS}
// Half-typed.
export const m = model('m', input(1, 8, 8), conv2d(4, relu()), dense(2, 3));
`);
      const [conv, dense] = modelNamed(evaluated, 'm').layers;
      assert.deepEqual(conv, dsl.conv2d(4, null as unknown as number));
      assert.deepEqual(reasonsOf(evaluated, conv!), ['expected a number here, got a relu layer']);
      assert.deepEqual(dense, { kind: 'dense', units: 2, bias: null, name: null });
      assert.deepEqual(reasonsOf(evaluated, dense!), ['expected an options object here, got the number 3']);
    });
  });

  describe('caching', () => {
    it('one evaluation per program and file with the default limits; a fresh one with other limits', () => {
      const files = new Map([[MAIN, `${IMPORTS}export const m = model('m', input(4), dense(2));\n`]]);
      const program = createProgram(files, [MAIN]);
      const sourceFile = program.getSourceFile(MAIN);
      assert.ok(sourceFile !== undefined);
      const first = evaluateFile(ts, program, sourceFile);
      assert.equal(evaluateFile(ts, program, sourceFile), first);
      const limited = evaluateFile(ts, program, sourceFile, SMALL_LIMITS);
      assert.notEqual(limited, first);
      assert.deepEqual(limited.roots.map(({ root }) => root), first.roots.map(({ root }) => root));
    });
  });

  describe('construct fixtures: static IR equals the IR of running them', () => {
    it('test/fixtures/export/constructs.ts (every construct the runtime and the export check)', () => {
      const path = join(repoRoot, 'test', 'fixtures', 'export', 'constructs.ts');
      const program = createProgram(new Map(), [path]);
      const sourceFile = program.getSourceFile(path);
      assert.ok(sourceFile !== undefined);
      const evaluation = evaluateFile(ts, program, sourceFile);
      const executed = require(join(repoRoot, 'dist', 'test', 'fixtures', 'export', 'constructs.js')) as Record<string, RootNode>;
      assert.deepEqual(evaluation.unresolved, []);
      assert.deepEqual(evaluation.record.problems, []);
      assert.deepEqual(Object.fromEntries(evaluation.roots.map(({ exportName, root }) => [exportName, root])), { ...executed });
    });
  });

  describe('examples: static IR equals the IR of running them', () => {
    const examplesDir = join(repoRoot, 'examples');
    const names = readdirSync(examplesDir).filter((name) => name.endsWith('.ts')).sort();

    it('covers the seven examples', () => {
      assert.deepEqual(names, ['alexnet.ts', 'dcgan.ts', 'googlenet.ts', 'lenet5.ts', 'resnet.ts', 'two-convolutions.ts', 'vgg.ts']);
    });

    for (const name of names) {
      it(name, () => {
        const path = join(examplesDir, name);
        const program = createProgram(new Map(), [path]);
        const sourceFile = program.getSourceFile(path);
        assert.ok(sourceFile !== undefined);
        const evaluation = evaluateFile(ts, program, sourceFile);
        // The compiled example, run: the DSL's own IR.
        const executed = require(join(repoRoot, 'dist', 'examples', name.replace(/\.ts$/, '.js'))) as Record<string, unknown>;
        const executedRoots = Object.entries(executed).filter(([, value]) => typeof value === 'object' && value !== null && ['model', 'gan'].includes((value as { kind?: string }).kind ?? ''));
        assert.deepEqual(evaluation.unresolved, []);
        assert.deepEqual(evaluation.record.problems, []);
        assert.deepEqual(
          evaluation.roots.filter(({ exportName }) => exportName !== null).map(({ exportName }) => exportName).sort(),
          executedRoots.map(([exportName]) => exportName).sort(),
        );
        for (const [exportName, value] of executedRoots) {
          assert.deepEqual(evaluation.roots.find((root) => root.exportName === exportName)?.root, value, exportName);
        }
      });
    }
  });
});
