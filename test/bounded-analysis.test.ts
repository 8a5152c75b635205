/**
 * Every analysis is bounded: hostile model files go through static evaluation, the engine,
 * the editor service and the tsserver plugin in-process, and each answers with findings or
 * explicit unknowns, never an exception or a hang. Expected values are literals worked out
 * by hand or independent oracles (the adaptive-pooling bins by their definition, in BigInt);
 * the clock is only a hang guard (a generous 10 s), never what a test asserts.
 */
import assert from 'node:assert/strict';
import ts from 'typescript';
import * as dsl from 'convlens';
import { analyze, analyzeModel, type ModelAnalysis } from 'convlens/engine';
import { DEFAULT_LIMITS, evaluateFile, type EvaluationLimits } from 'convlens/evaluate';
import {
  analyzeFile,
  collectDiagnostics,
  DEFAULT_SETTINGS,
  findExportedModel,
  getHover,
  provideShapeHints,
  summarizeExportedModels,
  toFindingCode,
} from 'convlens/service';
import { MemoryProject } from './memory-project';

/** Only a guard against a hang (the work below takes milliseconds): tests assert on content. */
const HANG_GUARD_MS = 10_000;


const IMPORTS = `import {
  adaptiveAvgPool2d, avgPool2d, conv2d, conv2dTranspose, dense, dropout, flatten, input, lrn, maxPool2d, model, relu,
  reshape, residual, sequential, upsample2d, zeroPad2d, type LayerNode,
} from 'convlens';
`;

/** A one-file project's program and file, its checker made (TypeScript's own work) before any clock starts. */
function project(source: string): { program: ts.Program; sourceFile: ts.SourceFile } {
  const { program, sourceFile } = new MemoryProject({ 'model.ts': source }, '.virtual-bounded-analysis-test').target('model.ts');
  program.getTypeChecker();
  return { program, sourceFile };
}

function withinHangGuard<T>(work: () => T): T {
  const started = Date.now();
  const result = work();
  const elapsed = Date.now() - started;
  assert.ok(elapsed < HANG_GUARD_MS, `took ${elapsed} ms`);
  return result;
}

/** `[export, finding code, callee]` for each ConvLens diagnostic, in source order. */
function diagnosticsOf(program: ts.Program, sourceFile: ts.SourceFile): [string, string, string][] {
  return collectDiagnostics(ts, program, sourceFile).map((diagnostic) => {
    const start = diagnostic.start ?? 0;
    const line = sourceFile.text.slice(sourceFile.text.lastIndexOf('\n', start) + 1, sourceFile.text.indexOf('\n', start));
    const exportName = /^export const (\w+)/.exec(line)?.[1] ?? '?';
    return [exportName, toFindingCode(diagnostic.code) ?? String(diagnostic.code), sourceFile.text.slice(start, start + (diagnostic.length ?? 0))];
  });
}

/** The file with each hint written where the editor shows it, as ` /* label *\/` (as test/service.test.ts renders them). */
function renderHints(program: ts.Program, sourceFile: ts.SourceFile): string {
  const hints = provideShapeHints(ts, program, sourceFile, { start: 0, length: sourceFile.text.length }, DEFAULT_SETTINGS);
  let rendered = sourceFile.text;
  for (const hint of [...hints].sort((a, b) => b.position - a.position)) {
    rendered = `${rendered.slice(0, hint.position)} /* ${typeof hint.text === 'string' ? hint.text : ''} */${rendered.slice(hint.position)}`;
  }
  return rendered;
}

function hoverAt(program: ts.Program, sourceFile: ts.SourceFile, text: string, occurrence = 0): string {
  let position = -1;
  for (let index = 0; index <= occurrence; index += 1) position = sourceFile.text.indexOf(text, position + 1);
  assert.ok(position >= 0, `no '${text}' in the fixture`);
  const hover = getHover(ts, program, sourceFile, position + 1, DEFAULT_SETTINGS);
  assert.ok(hover !== undefined, `a hover on '${text}'`);
  return hover.markdown;
}

function singleModel(analysis: ReturnType<typeof analyze>): ModelAnalysis {
  assert.equal(analysis.kind, 'model');
  return analysis as ModelAnalysis;
}

/**
 * The longest bin of PyTorch's adaptive pooling by its definition: bin i spans
 * [floor(i·in/out), ceil((i + 1)·in/out)), every bin visited, in exact integers.
 */
function longestBinByDefinition(inputSize: bigint, outputSize: bigint): bigint {
  let longest = 0n;
  for (let bin = 0n; bin < outputSize; bin += 1n) {
    const begin = (bin * inputSize) / outputSize;
    const end = ((bin + 1n) * inputSize + outputSize - 1n) / outputSize;
    if (end - begin > longest) longest = end - begin;
  }
  return longest;
}

/** The engine's longest bin: the receptive field of adaptiveAvgPool2d(out) on an in×in input is that bin. */
function longestBinOfEngine(inputSize: number, outputSize: number): number | null {
  const analysis = analyzeModel(dsl.model('pool', dsl.input(1, inputSize, inputSize), dsl.adaptiveAvgPool2d(outputSize)));
  const report = analysis.layers.find((layer) => layer.path === '0');
  assert.ok(report !== undefined);
  assert.deepEqual(analysis.findings, []);
  const size = report.receptiveField?.size[0] ?? null;
  assert.ok(size === null || typeof size === 'number');
  return size;
}

describe('bounded analysis', () => {
  describe('adaptive pooling: the longest bin in closed form', () => {
    it('equals the bins by definition for out < in, out > in, out = in and out dividing in', () => {
      const table: [number, number][] = [
        [4, 3], [5, 3], [6, 4], [7, 3], [12, 4], [12, 5], [32, 7], [97, 13], [224, 7], [1000, 999], [100, 100], [7, 7], [1, 1],
        [3, 5], [1, 7], [13, 97], [999, 1000], [7, 224], [64, 48], [48, 64], [2, 1], [1_000_003, 1], [360, 7], [1_000, 1_024],
      ];
      for (const [inputSize, outputSize] of table) {
        const expected = Number(longestBinByDefinition(BigInt(inputSize), BigInt(outputSize)));
        assert.equal(longestBinOfEngine(inputSize, outputSize), expected, `in ${inputSize}, out ${outputSize}`);
      }
      // The issue's examples, by hand: bins of 2, 2, 2 and of 2, 3, 2.
      assert.equal(longestBinOfEngine(4, 3), 2);
      assert.equal(longestBinOfEngine(5, 3), 3);
    });

    it('answers at once for 1e20 and 2^53 bins and pixels', () => {
      const twoTo53 = 2 ** 53;
      withinHangGuard(() => {
        // Few bins: the definition is cheap in BigInt (1e20 and 2^53 are exact doubles).
        for (const [inputSize, outputSize] of [[1e20, 3], [twoTo53, 3], [1e20, 1], [twoTo53, 7]] as const) {
          const expected = Number(longestBinByDefinition(BigInt(inputSize), BigInt(outputSize)));
          assert.equal(longestBinOfEngine(inputSize, outputSize), expected, `in ${inputSize}, out ${outputSize}`);
        }
        // Too many bins to visit, worked out by hand. Out a multiple of in (1e20 = 5·2e19 =
        // 32·3.125e18): every bin lies inside one pixel, length 1. 1e20 bins over 3 pixels: the
        // pixel edge at 1e20/3 is not a bin edge, so the bin around it touches 2 pixels.
        // 2^53 − 1 bins over 2^53 pixels: bin i spans [i, i + 1 + (i + 1)/(2^53 − 1)), i.e.
        // [i, i + 2) in whole pixels, length 2. As many bins as pixels: length 1.
        assert.equal(longestBinOfEngine(5, 1e20), 1);
        assert.equal(longestBinOfEngine(32, 1e20), 1);
        assert.equal(longestBinOfEngine(3, 1e20), 2);
        assert.equal(longestBinOfEngine(twoTo53, twoTo53 - 1), 2);
        assert.equal(longestBinOfEngine(1e20, 1e20), 1);
        assert.equal(longestBinOfEngine(twoTo53, twoTo53), 1);
      });
    });
  });

  describe('huge sizes in every layer argument, through the service', () => {
    const source = `${IMPORTS}const H = 1e20;
export const filters = model('filters', input(3, 32, 32), conv2d(H, 3));
export const kernel = model('kernel', input(3, 32, 32), conv2d(8, H));
export const stride = model('stride', input(3, 32, 32), conv2d(8, 3, { stride: H }));
export const padding = model('padding', input(3, 32, 32), conv2d(8, 3, { padding: H }));
export const dilation = model('dilation', input(3, 32, 32), conv2d(8, 3, { dilation: H }));
export const groups = model('groups', input(3, 32, 32), conv2d(8, 3, { groups: H }));
export const pools = model('pools', input(3, 32, 32), maxPool2d(H), avgPool2d(2, { stride: H }));
export const adaptive = model('adaptive', input(3, 32, 32), adaptiveAvgPool2d(H));
export const upsample = model('upsample', input(3, 32, 32), upsample2d(H));
export const transposed = model('transposed', input(3, 4, 4), conv2dTranspose(8, H, { stride: H }));
export const pad = model('pad', input(3, 32, 32), zeroPad2d(H));
export const reshaped = model('reshaped', input(3, 32, 32), reshape(H, -1));
export const units = model('units', input(10), dense(H));
export const rate = model('rate', input(10), dropout(H));
export const window = model('window', input(3, 32, 32), lrn({ size: H }));
export const exact = model('exact', input(2 ** 53), dense(2 ** 53));
export const endless = model('endless', input(3, 32, 32), conv2d(Infinity, 3));
`;

    it('findings where the sizes do not work, at the calls that have them', () => {
      const { program, sourceFile } = project(source);
      const found = withinHangGuard(() => diagnosticsOf(program, sourceFile));
      assert.deepEqual(found, [
        ['kernel', 'CL1001', 'conv2d'],
        ['stride', 'CL1017', 'conv2d'],
        ['dilation', 'CL1001', 'conv2d'],
        ['groups', 'CL1006', 'conv2d'],
        ['pools', 'CL1001', 'maxPool2d'],
        ['pools', 'CL1017', 'avgPool2d'],
        ['reshaped', 'CL1007', 'reshape'],
        ['rate', 'CL1011', 'dropout'],
        ['endless', 'CL1011', 'conv2d'],
      ]);
    });

    it('shapes where they do: 1e20 filters, a 1e20-bin pooling, upsampling by 1e20', () => {
      const { program, sourceFile } = project(source);
      const rendered = withinHangGuard(() => renderHints(program, sourceFile));
      // Worked out by hand: out = floor((in + 2·pad − dilation·(k − 1) − 1)/stride) + 1 in
      // doubles (32 + 2e20 − 3 is 2e20), a window larger than its input gives ?, upsampling
      // 32 by 1e20 gives 3.2e21, the transposed (4 − 1)·1e20 + 1e20 = 4e20, padding 32 by
      // 1e20 on both sides 2e20, an invalid filter count (Infinity) an unknown one.
      assert.equal(
        rendered.slice(rendered.indexOf('export const filters')),
        `export const filters = model('filters', input(3, 32, 32), conv2d(H, 3) /* → 100000000000000000000@30×30 */) /* → 100000000000000000000@30×30 */;
export const kernel = model('kernel', input(3, 32, 32), conv2d(8, H) /* → 8@?×? */) /* → 8@?×? */;
export const stride = model('stride', input(3, 32, 32), conv2d(8, 3, { stride: H }) /* → 8@1×1 */) /* → 8@1×1 */;
export const padding = model('padding', input(3, 32, 32), conv2d(8, 3, { padding: H }) /* → 8@200000000000000000000×200000000000000000000 */) /* → 8@200000000000000000000×200000000000000000000 */;
export const dilation = model('dilation', input(3, 32, 32), conv2d(8, 3, { dilation: H }) /* → 8@?×? */) /* → 8@?×? */;
export const groups = model('groups', input(3, 32, 32), conv2d(8, 3, { groups: H }) /* → 8@30×30 */) /* → 8@30×30 */;
export const pools = model('pools', input(3, 32, 32), maxPool2d(H) /* → 3@?×? */, avgPool2d(2, { stride: H }) /* → 3@?×? */) /* → 3@?×? */;
export const adaptive = model('adaptive', input(3, 32, 32), adaptiveAvgPool2d(H) /* → 3@100000000000000000000×100000000000000000000 */) /* → 3@100000000000000000000×100000000000000000000 */;
export const upsample = model('upsample', input(3, 32, 32), upsample2d(H) /* → 3@3.2e+21×3.2e+21 */) /* → 3@3.2e+21×3.2e+21 */;
export const transposed = model('transposed', input(3, 4, 4), conv2dTranspose(8, H, { stride: H }) /* → 8@400000000000000000000×400000000000000000000 */) /* → 8@400000000000000000000×400000000000000000000 */;
export const pad = model('pad', input(3, 32, 32), zeroPad2d(H) /* → 3@200000000000000000000×200000000000000000000 */) /* → 3@200000000000000000000×200000000000000000000 */;
export const reshaped = model('reshaped', input(3, 32, 32), reshape(H, -1) /* → [100000000000000000000,?] */) /* → [100000000000000000000,?] */;
export const units = model('units', input(10), dense(H) /* → 100000000000000000000 */) /* → 100000000000000000000 */;
export const rate = model('rate', input(10), dropout(H) /* → 10 */) /* → 10 */;
export const window = model('window', input(3, 32, 32), lrn({ size: H }) /* → 3@32×32 */) /* → 3@32×32 */;
export const exact = model('exact', input(2 ** 53), dense(2 ** 53) /* → 9007199254740992 */) /* → 9007199254740992 */;
export const endless = model('endless', input(3, 32, 32), conv2d(Infinity, 3) /* → ?@30×30 */) /* → ?@30×30 */;
`,
      );
    });

    it('the hover of a 1e20-bin pooling: each output sees one pixel, 3.2e-19 pixels apart', () => {
      const { program, sourceFile } = project(source);
      const markdown = withinHangGuard(() => hoverAt(program, sourceFile, 'adaptiveAvgPool2d(H)'));
      // in = 32, out = 1e20: gcd 32, so every bin lies inside one pixel; jump 32/1e20.
      assert.ok(markdown.includes('- Receptive field: 1×1, jump 3.2e-19, first centre (0, 0)'), markdown);
      const units = withinHangGuard(() => hoverAt(program, sourceFile, 'dense(H)'));
      // (10 + 1)·1e20 parameters.
      assert.ok(units.includes('- Parameters: (10 + 1)·100000000000000000000 = 1,100,000,000,000,000,000,000'), units);
    });
  });

  describe('deep nesting', () => {
    const LOOP = `${IMPORTS}let s: LayerNode = relu();
for (let i = 0; i < 5000; i++) s = sequential(s);
export const deep = model('deep', input(3, 8, 8), s);
`;

    it('a model nested 5,000 levels deep by a loop: CL1018 at the nesting call, no exception', () => {
      const { program, sourceFile } = project(LOOP);
      const found = withinHangGuard(() => diagnosticsOf(program, sourceFile));
      assert.deepEqual(found, [['?', 'CL1018', 'sequential']]);
      const [diagnostic] = collectDiagnostics(ts, program, sourceFile);
      assert.equal(
        diagnostic?.messageText,
        'sequential() sits 1,000 containers deep and nests more inside it: ConvLens analyses layers nested up to 1,000 levels ' +
          '(sequential, residual, concat and aux inside one another), so this model is not analysed. ' +
          'Nest fewer levels: splice a list of layers into one sequential(...) instead of wrapping each in its own.',
      );
      const markdown = hoverAt(program, sourceFile, 'deep');
      assert.ok(markdown.startsWith('**deep** · model · `3@8×8` → `?`'), markdown);
      assert.ok(markdown.includes('- 1 error: see the squiggles'), markdown);
      const [summary] = summarizeExportedModels(ts, program, sourceFile, DEFAULT_SETTINGS);
      assert.deepEqual(summary?.rows, []);
      // Line 6 of the file (the four-line import first) holds the loop's sequential(s).
      assert.deepEqual(summary?.findings.map((finding) => [finding.code, finding.line]), [['CL1018', 6]]);
    });

    it('the same nesting built by the DSL (as --execute runs it): the engine stops at 1,000 levels, exactly', () => {
      const nested = (levels: number): dsl.LayerNode => {
        let layer: dsl.LayerNode = dsl.relu();
        for (let level = 0; level < levels; level += 1) layer = dsl.sequential(layer);
        return layer;
      };
      const deep = withinHangGuard(() => singleModel(analyze(dsl.model('deep', dsl.input(3, 8, 8), nested(5_000)))));
      assert.deepEqual(deep.findings.map((finding) => [finding.code, finding.path]), [['CL1018', `0${'.0'.repeat(1_000)}`]]);
      assert.deepEqual(deep.layers.map((layer) => layer.path), ['input']);
      assert.equal(deep.output, null);
      assert.equal(deep.params.trainable, null);
      // The relu 1,000 levels down is still analysed; one level more is not.
      const atLimit = singleModel(analyze(dsl.model('limit', dsl.input(3, 8, 8), nested(1_000))));
      assert.deepEqual(atLimit.findings, []);
      assert.equal(atLimit.layers.length, 1 + 1_001);
      assert.equal(atLimit.layers.at(-1)?.depth, 1_000);
      assert.deepEqual(atLimit.output, [3, 8, 8]);
      const overLimit = singleModel(analyze(dsl.model('over', dsl.input(3, 8, 8), nested(1_001))));
      assert.deepEqual(overLimit.findings.map((finding) => finding.code), ['CL1018']);
    });

    it('an expression nested 5,000 levels deep: an unknown that says so', () => {
      const terms = Array.from({ length: 5_001 }, () => '1').join(' + ');
      const { program, sourceFile } = project(`${IMPORTS}const total = ${terms};
export const sum = model('sum', input(4), dense(total), dense(2));
`);
      const markdown = withinHangGuard(() => hoverAt(program, sourceFile, 'dense(total)'));
      assert.ok(
        markdown.includes('- Unknown: the code nests more than 1,000 levels deep (expressions, statements and calls inside one another), too deeply to evaluate'),
        markdown,
      );
      assert.equal(
        renderHints(program, sourceFile).split('\n').at(-2),
        "export const sum = model('sum', input(4), dense(total) /* → ? */, dense(2) /* → 2 */) /* → 2 */;",
      );
    });

    it('a helper that recurses 5,000 times: the call depth limit, as an unknown', () => {
      const { program, sourceFile } = project(`${IMPORTS}function wrap(levels: number): LayerNode {
  return levels === 0 ? relu() : sequential(wrap(levels - 1));
}
export const wrapped = model('wrapped', input(3, 8, 8), wrap(5000));
`);
      const exported = withinHangGuard(() => findExportedModel(ts, program, sourceFile, 'wrapped'));
      assert.equal(exported?.unknown, 'calls nest deeper than 200 levels (unbounded recursion?)');
      assert.deepEqual(diagnosticsOf(program, sourceFile), []);
    });

    it('a layer reused 2^60 times over (s = sequential(s, s)): CL1019 at the model, at once', () => {
      const { program, sourceFile } = project(`${IMPORTS}let s: LayerNode = relu();
for (let i = 0; i < 60; i++) s = sequential(s, s);
export const doubled = model('doubled', input(3, 8, 8), s);
`);
      const found = withinHangGuard(() => diagnosticsOf(program, sourceFile));
      assert.deepEqual(found, [['doubled', 'CL1019', 'model']]);
      assert.equal(findExportedModel(ts, program, sourceFile, 'doubled')?.unknown, null);
      assert.deepEqual(summarizeExportedModels(ts, program, sourceFile, DEFAULT_SETTINGS)[0]?.rows, []);
    });
  });

  describe('a layer left out', () => {
    it('a half-typed residual() evaluates to an unknown layer, not a hole in the IR', () => {
      const { program, sourceFile } = project(`${IMPORTS}// @ts-expect-error: typed half-way
export const half = model('half', input(3, 8, 8), residual(), relu());
`);
      assert.deepEqual(withinHangGuard(() => diagnosticsOf(program, sourceFile)), []);
      const markdown = hoverAt(program, sourceFile, 'residual()');
      assert.ok(markdown.includes('- Unknown: expected a layer here, got undefined'), markdown);
      assert.equal(
        renderHints(program, sourceFile).split('\n').at(-2),
        "export const half = model('half', input(3, 8, 8), residual() /* → ? */, relu() /* → ? */) /* → ? */;",
      );
    });

    it('IR that ran with a missing layer (residual(undefined), a hole in a list): CL1011, not an exception', () => {
      const missingBranch = singleModel(analyze(dsl.model('m', dsl.input(3, 8, 8), dsl.relu(), dsl.sequential(dsl.residual(undefined as never)))));
      assert.deepEqual(
        missingBranch.findings.map((finding) => [finding.code, finding.path, finding.message]),
        [['CL1011', '1.0', 'Invalid value for `main` of residual(). Expected a layer. Received main=undefined.']],
      );
      assert.equal(missingBranch.output, null);
      const hole = singleModel(analyze(dsl.model('m', dsl.input(4), dsl.dense(2), undefined as never)));
      assert.deepEqual(
        hole.findings.map((finding) => [finding.code, finding.path, finding.message]),
        [['CL1011', '1', "Invalid value for `layer 2` of model 'm'. Expected a layer. Received layer 2=undefined."]],
      );
    });
  });

  describe('strings shown to people are capped', () => {
    it('a name doubled past the evaluator\'s 1,000,000 characters: the layer gets its own name, the hover says why', () => {
      const { program, sourceFile } = project(`${IMPORTS}let s = 'a';
for (let i = 0; i < 25; i++) s = s + s;
let t = 'b';
for (let i = 0; i < 25; i++) t = \`\${t}\${t}\`;
const u = 'x'.repeat(600_000).concat('y'.repeat(600_000));
export const named = model('named', input(3, 8, 8), conv2d(8, 3, { name: s }), conv2d(8, 3, { name: t }), conv2d(8, 3, { name: u }));
`);
      const reasons = withinHangGuard(() => [0, 1, 2].map((occurrence) => hoverAt(program, sourceFile, 'conv2d(8, 3', occurrence)));
      const expected = [
        ['conv2d_1', "'+' makes a string of 1,048,576 characters, more than the 1,000,000 that are evaluated"],
        ['conv2d_2', 'this template string makes a string of 1,048,576 characters, more than the 1,000,000 that are evaluated'],
        ['conv2d_3', 'concat(…) makes a string of 1,200,000 characters, more than the 1,000,000 that are evaluated'],
      ];
      reasons.forEach((markdown, index) => {
        const [name, reason] = expected[index]!;
        assert.ok(markdown.startsWith(`**${name}** · conv2d`), markdown);
        assert.ok(markdown.includes(`- Unknown: ${reason}`), markdown);
        assert.ok(markdown.length < 2_000, `a hover of ${markdown.length} characters`);
      });
    });

    it('a long name under the cap stays whole in the IR and is shortened where it is shown', () => {
      const { program, sourceFile } = project(`${IMPORTS}const long = 'n'.repeat(100);
export const named = model('named', input(3, 8, 8), conv2d(8, 3, { name: long }), dense(4));
`);
      const markdown = withinHangGuard(() => hoverAt(program, sourceFile, 'conv2d(8, 3'));
      assert.ok(markdown.startsWith(`**${'n'.repeat(40)}…(100 characters)** · conv2d`), markdown);
      const root = findExportedModel(ts, program, sourceFile, 'named')?.root;
      assert.equal(root?.kind === 'model' ? (root.layers[0] as { name: string }).name : undefined, 'n'.repeat(100));
      assert.deepEqual(
        collectDiagnostics(ts, program, sourceFile).map((diagnostic) => diagnostic.messageText),
        ['dense(4) expects a vector but receives the image 8@6×6. Insert flatten() (or globalAvgPool2d()) before it.'],
      );
    });

    it('a name of 32 million characters in IR that ran (not evaluated statically) is shortened in every message', () => {
      const name = 'a'.repeat(2 ** 25);
      const analysis = withinHangGuard(() =>
        singleModel(analyze(dsl.model('huge', dsl.input(3, 8, 8), dsl.conv2d(8, 3, { name }), dsl.conv2d(8, 3, { name }), dsl.dense(4, { name: `${name}!` })))),
      );
      const shown = `${'a'.repeat(40)}…(33,554,432 characters)`;
      assert.deepEqual(
        analysis.findings.map((finding) => finding.message),
        [
          `Two layers are named '${shown}'. Layer names must be unique within a model; rename one.`,
          `dense '${'a'.repeat(40)}…(33,554,433 characters)' expects a vector but receives the image 8@4×4. Insert flatten() (or globalAvgPool2d()) before it.`,
        ],
      );
      // The report keeps the name itself: it is data (the runtime names its layers with it).
      assert.equal(analysis.layers[1]?.name.length, 2 ** 25);
    });

    it('an array nested in itself 60 times over: converting, serialising or flattening it is an unknown, not 2^60 steps', () => {
      const { program, sourceFile } = project(`${IMPORTS}let a: unknown[] = [1];
for (let i = 0; i < 60; i++) a = [a, a];
export const nested = model('nested', input(4),
  dense(String(a).length), dense(\`\${a}\`.length), dense((a + '').length), dense(a.join('-').length),
  dense(JSON.stringify(a).length), dense(a.flat(Infinity).length), dense(Math.max(a as unknown as number, 1)));
`);
      const markdowns = withinHangGuard(() => Array.from({ length: 7 }, (_, occurrence) => hoverAt(program, sourceFile, 'dense(', occurrence)));
      const reasons = markdowns.map((markdown) => /- Unknown: (.*)/.exec(markdown)?.[1]);
      const converting = /^converting an array to a string makes a string of 1,[\d,]+ characters, more than the 1,000,000 that are evaluated$/;
      for (const index of [0, 1, 2, 3, 6]) assert.match(reasons[index] ?? '', converting, `dense #${index + 1}`);
      assert.equal(reasons[4], 'JSON.stringify: the value has more than 1,000,000 parts to serialise');
      assert.equal(reasons[5], 'flat: an array of more than 1000000 elements is too large to evaluate');
    });
  });

  describe('the time budget', () => {
    const SPIN = `${IMPORTS}let n = 0;
for (let i = 0; i < 20_000; i++) n += 1;
export const late = model('late', input(3, 8, 8), conv2d(8, 3), flatten(), dense(n > 0 ? 10 : 1));
`;

    it('an evaluation over its time budget is abandoned as a whole, and cached as abandoned', () => {
      const { program, sourceFile } = project(SPIN);
      const limits: EvaluationLimits = { ...DEFAULT_LIMITS, stepBudget: 1e9, timeBudgetMs: 1 };
      const evaluation = withinHangGuard(() => evaluateFile(ts, program, sourceFile, limits));
      assert.match(evaluation.abandoned?.reason ?? '', /^evaluation stopped after [\d,]+ ms, over its time budget of 1 ms$/);
      assert.deepEqual(evaluation.roots, []);
      assert.deepEqual(evaluation.unresolved, []);
      assert.equal(evaluateFile(ts, program, sourceFile, limits), evaluation, 'the same program version is not evaluated again');
      // The service answers nothing of its own for it, and without a clock the file is fine.
      assert.equal(analyzeFile(ts, program, sourceFile, limits).abandoned, evaluation.abandoned);
      assert.deepEqual(provideShapeHints(ts, program, sourceFile, { start: 0, length: sourceFile.text.length }, DEFAULT_SETTINGS, limits), []);
      assert.equal(getHover(ts, program, sourceFile, sourceFile.text.indexOf('late') + 1, DEFAULT_SETTINGS, limits), undefined);
      assert.deepEqual(collectDiagnostics(ts, program, sourceFile, limits), []);
      assert.deepEqual(evaluateFile(ts, program, sourceFile).roots.map(({ exportName }) => exportName), ['late']);
    });

    describe('in the tsserver plugin', () => {
      type Init = (modules: { typescript: typeof ts }) => ts.server.PluginModule;
      // The package as tsserver resolves it: node_modules/convlens-tsserver-plugin → language/plugin.
      const init = require('convlens-tsserver-plugin') as Init;
      const realNow = Date.now;

      afterEach(() => {
        Date.now = realNow;
      });

      /** The plugin over a real language service, as tsserver creates it, with its log. */
      function plugin(memory: MemoryProject): { proxy: ts.LanguageService; logged: string[] } {
        const logged: string[] = [];
        const info = {
          languageService: memory.service,
          config: {},
          project: {
            projectService: { logger: { info: (message: string) => logged.push(message) } },
            getProjectName: () => 'bounded',
            getProjectVersion: () => String(memory.version),
          },
        } as unknown as ts.server.PluginCreateInfo;
        return { proxy: init({ typescript: ts }).create(info), logged };
      }

      /** A clock that jumps `step` ms at every reading: every measured span is over any budget. */
      function jumpingClock(step: number): void {
        let now = realNow();
        Date.now = () => (now += step);
      }

      const file = (memory: MemoryProject): string => memory.path('model.ts');
      const convlensCodes = (diagnostics: readonly ts.Diagnostic[]): number[] => diagnostics.filter((diagnostic) => diagnostic.source === 'convlens').map((diagnostic) => diagnostic.code);

      it("an analysis abandoned at its deadline: TypeScript's answer, one log line, not tried again for that version", () => {
        const memory = new MemoryProject({ 'model.ts': SPIN }, '.virtual-bounded-analysis-test');
        const { proxy, logged } = plugin(memory);
        const theirs = memory.service.getSemanticDiagnostics(file(memory));
        jumpingClock(1_000);
        const diagnostics = proxy.getSemanticDiagnostics(file(memory));
        Date.now = realNow;
        assert.deepEqual(diagnostics, theirs);
        const budget = logged.filter((line) => line.includes('over the budget'));
        assert.equal(budget.length, 1);
        assert.match(
          budget[0] ?? '',
          /^\[convlens\] getSemanticDiagnostics for .*model\.ts took [\d,]+ ms, over the budget of 2,000 ms; TypeScript's own answer stands \(evaluation stopped after [\d,]+ ms, over its time budget of 2,000 ms\)$/,
        );
        // With a real clock the file takes well under the budget: were it evaluated again, the
        // hover would carry ConvLens's summary. The abandoned analysis stands for this version.
        const position = SPIN.indexOf('late') + 1;
        assert.deepEqual(proxy.getQuickInfoAtPosition(file(memory), position, undefined), memory.service.getQuickInfoAtPosition(file(memory), position, undefined));
        assert.deepEqual(convlensCodes(proxy.getSemanticDiagnostics(file(memory))), []);
        assert.equal(logged.filter((line) => line.includes('over the budget')).length, 1, 'logged once');
        // The next edit is a new version: ConvLens answers again.
        memory.edit('model.ts', `${SPIN}// edited\n`);
        const documentation = proxy.getQuickInfoAtPosition(file(memory), position, undefined)?.documentation?.map((part) => part.text).join('') ?? '';
        assert.ok(documentation.includes('**late** · model'), documentation);
      });

      it('an answer that took over the budget after a finished evaluation: still given (the work is done), and the time logged', () => {
        const source = `${IMPORTS}export const small = model('small', input(3, 8, 8), conv2d(8, 3), dense(10));\n`;
        const memory = new MemoryProject({ 'model.ts': source }, '.virtual-bounded-analysis-test');
        const { proxy, logged } = plugin(memory);
        const position = source.indexOf('small') + 1;
        const theirs = memory.service.getQuickInfoAtPosition(file(memory), position, undefined);
        jumpingClock(3_000);
        const info = proxy.getQuickInfoAtPosition(file(memory), position, undefined);
        Date.now = realNow;
        // TypeScript's signature, then ConvLens's numbers after TypeScript's own documentation.
        assert.deepEqual(info?.displayParts, theirs?.displayParts);
        const text = (parts: readonly ts.SymbolDisplayPart[] | undefined): string => (parts ?? []).map((part) => part.text).join('');
        assert.ok(text(info?.documentation).startsWith(text(theirs?.documentation)) && text(info?.documentation).length > text(theirs?.documentation).length, text(info?.documentation));
        assert.equal(logged.filter((line) => line.includes('over the budget')).length, 1);
        assert.match(logged.find((line) => line.includes('over the budget')) ?? '', /^\[convlens\] getQuickInfoAtPosition for .*model\.ts took [\d,]+ ms, over the budget of 2,000 ms$/);
        // The analysis finished and is kept: the next request has ConvLens's part too.
        assert.deepEqual(convlensCodes(proxy.getSemanticDiagnostics(file(memory))), [91004]);
      });
    });
  });
});
