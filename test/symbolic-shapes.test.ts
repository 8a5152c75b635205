/**
 * Symbolic shapes: helpers nothing calls yet and models whose input size is a parameter get
 * shapes, parameters and MACs over their parameters' names. The algebra is checked on
 * literal forms; the engine's symbolic answers against its concrete ones at random values
 * (the concrete path is plain arithmetic, an independent computation); the editor's hints
 * and diagnostics as literal text written back into the source.
 */
import * as assert from 'node:assert/strict';
import ts from 'typescript';
import { analyzeModel, formatShape, type LayerReport } from 'convlens/engine';
import * as dsl from 'convlens';
import {
  add,
  ceilOf,
  equal,
  Expr,
  floorDivide,
  floorOf,
  lowerBound,
  multiply,
  printDim,
  scale,
  subtract,
  valueAt,
  type Dim,
  type Num,
} from 'convlens/ir';
import { DEFAULT_SETTINGS, getHover } from 'convlens/service';
import { MemoryProject } from './memory-project';
import { applyFix, describeDiagnostics, diagnosticsOf, hintsOf, renderedHints, renderHints, withMarkers } from './service-harness';

const H = Expr.symbol('H');
const C = Expr.symbol('C');
const k = Expr.symbol('k');
const s = Expr.symbol('stride');
const filters = Expr.symbol('filters');

/** A symbol where the DSL's types want a number (static evaluation passes them so). */
const asNumber = (dim: Dim): number => dim as unknown as number;

describe('symbolic dimensions: the algebra', () => {
  it('simplifies the sliding-window formulas the way a person writes them', () => {
    // conv 3×3, padding 1, stride 1: ⌊(H + 2 − 3)/1⌋ + 1
    assert.equal(printDim(add(floorDivide(subtract(add(H, 2), 3), 1), 1)), 'H');
    // stride 2: ⌊(H − 1)/2⌋ + 1 = ⌈H/2⌉
    assert.equal(printDim(add(floorDivide(subtract(H, 1), 2), 1)), '⌈H/2⌉');
    // 2×2 pooling: ⌊(H − 2)/2⌋ + 1 = ⌊H/2⌋
    assert.equal(printDim(add(floorDivide(subtract(H, 2), 2), 1)), '⌊H/2⌋');
    // a symbolic stride: ⌊(H − 1)/stride⌋ + 1 = ⌈H/stride⌉
    assert.equal(printDim(add(floorDivide(subtract(H, 1), s), 1)), '⌈H/stride⌉');
    // 3×3 pooling, stride 2, no padding: ⌊(H − 3)/2⌋ + 1 = ⌊(H − 1)/2⌋ = ⌈H/2⌉ − 1
    assert.equal(printDim(add(floorDivide(subtract(H, 3), 2), 1)), '⌈H/2⌉ − 1');
    // two 2×2 poolings, and two stride-2 convolutions: one division each
    assert.equal(printDim(floorDivide(floorDivide(H, 2), 2)), '⌊H/4⌋');
    assert.equal(printDim(add(floorDivide(subtract(add(floorDivide(subtract(H, 1), 2), 1), 1), 2), 1)), '⌈H/4⌉');
    // a common factor of the coefficients divides out: ⌊2H/4⌋ = ⌊H/2⌋
    assert.equal(printDim(floorDivide(scale(H, 2), 4)), '⌊H/2⌋');
  });

  it('prints parameter counts factored, sums in a readable order, powers and fractions', () => {
    // (3·3·C + 1)·filters
    assert.equal(printDim(multiply(add(scale(C, 9), 1), filters)), '(9·C + 1)·filters');
    assert.equal(printDim(subtract(29, k)), '29 − k');
    assert.equal(printDim(multiply(H, H)), 'H²');
    assert.equal(printDim(scale(Expr.symbol('outC'), 1 / 4)), 'outC/4');
    assert.equal(printDim(floorOf(scale(Expr.symbol('outC'), 1 / 4))!), '⌊outC/4⌋');
    assert.equal(printDim(ceilOf(scale(H, 3 / 2))!), '⌈3·H/2⌉');
    // ⌈(28 − k)/2⌉ + 1 reads as 15 − ⌊k/2⌋ (⌈−n⌉ = −⌊n⌋).
    assert.equal(printDim(add(floorDivide(add(subtract(28, k), 1), 2), 1)), '15 − ⌊k/2⌋');
  });

  it('keeps one canonical form: equal expressions are equal, whatever their order', () => {
    const W = Expr.symbol('W');
    assert.ok(equal(add(H, W), add(W, H)));
    assert.ok(equal(multiply(add(H, 1), W), add(multiply(W, H), W)));
    assert.ok(!equal(add(H, 1), H));
    assert.equal(subtract(add(H, W), add(W, H)), 0);
  });

  it('bounds over positive integer symbols decide what holds for every value', () => {
    assert.equal(lowerBound(add(floorDivide(subtract(H, 1), 2), 1)), 1);
    assert.equal(lowerBound(subtract(H, 3)), -2);
    assert.equal(lowerBound(subtract(3, H)), -Infinity);
  });
});

/** A deterministic stream of integers in [low, high] (a linear congruential generator). */
function randomIntegers(seed: number): (low: number, high: number) => number {
  let state = seed;
  return (low, high) => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return low + (state % (high - low + 1));
  };
}

/** Every report's output, parameters, MACs and receptive field as numbers, symbols replaced by `values`. */
function numbersOf(reports: readonly LayerReport[], values: ReadonlyMap<string, number>): string[] {
  const at = (value: Num): string => (value === null ? '?' : String(valueAt(value, values)));
  return reports.map((report) => {
    const field = report.receptiveField;
    const rf = field === null ? '–' : [...field.size, ...field.jump, ...field.start].map(at).join(',');
    return `${report.path}: [${(report.output ?? []).map(at).join(',')}] params ${at(report.params.trainable)}+${at(report.params.nonTrainable)} macs ${at(report.macs)} rf ${rf}`;
  });
}

describe('symbolic dimensions: the engine agrees with its concrete self', () => {
  // Each network takes the symbols' values and builds itself with them; built with symbols,
  // its analysis, evaluated at those values, must equal the analysis built with numbers.
  type Builder = (dims: { H: number; W: number; C: number; F: number; S: number }) => dsl.ModelNode;
  const networks: Record<string, Builder> = {
    'every spatial layer on a C@H×W input': ({ H: height, W: width, C: channels }) =>
      dsl.model(
        'spatial',
        dsl.input(channels, height, width),
        dsl.conv2d(8, 3, { padding: 1 }),
        dsl.maxPool2d(2),
        dsl.conv2d(16, 5, { stride: 2, padding: 2 }),
        dsl.avgPool2d(3, { stride: 2, ceilMode: true }),
        dsl.conv2d(4, 3, { padding: 'same', stride: 2 }),
        dsl.zeroPad2d(1),
        dsl.conv2d(6, 3, { dilation: 2, padding: 2 }),
        dsl.upsample2d(2),
        dsl.conv2dTranspose(3, 4, { stride: 2, padding: 1 }),
        dsl.batchNorm(),
        dsl.residual(dsl.sequential(dsl.conv2d(3, 3, { padding: 1 }), dsl.relu())),
        dsl.concat(dsl.conv2d(2, 1), dsl.maxPool2d(3, { stride: 1, padding: 1 })),
        dsl.globalAvgPool2d(),
        dsl.dense(10),
      ),
    'symbolic filters and stride (a ResNet block)': ({ H: height, W: width, C: channels, F: width_, S: stride }) =>
      dsl.model(
        'block',
        dsl.input(channels, height, width),
        dsl.residual(
          dsl.sequential(dsl.conv2d(width_, 3, { stride, padding: 1, bias: false }), dsl.batchNorm(), dsl.relu(), dsl.conv2d(width_, 3, { padding: 1 })),
          dsl.conv2d(width_, 1, { stride }),
        ),
        dsl.conv2d(width_, 3, { stride, padding: 'same' }),
        dsl.flatten(),
        dsl.dense(width_),
      ),
  };
  const symbols = { H: asNumber(H), W: asNumber(Expr.symbol('W')), C: asNumber(C), F: asNumber(filters), S: asNumber(s) };

  for (const [name, build] of Object.entries(networks)) {
    it(name, () => {
      const symbolic = analyzeModel(build(symbols));
      assert.deepEqual(symbolic.findings.filter((finding) => finding.severity !== 'info'), []);
      const next = randomIntegers(7);
      for (let trial = 0; trial < 40; trial += 1) {
        const dims = { H: next(16, 97), W: next(16, 97), C: next(1, 9), F: next(1, 33), S: next(1, 3) };
        const values = new Map([['H', dims.H], ['W', dims.W], ['C', dims.C], ['filters', dims.F], ['stride', dims.S]]);
        const concrete = analyzeModel(build(dims));
        assert.deepEqual(concrete.findings.filter((finding) => finding.severity === 'error'), [], JSON.stringify(dims));
        assert.deepEqual(numbersOf(symbolic.layers, values), numbersOf(concrete.layers, new Map()), JSON.stringify(dims));
      }
    });
  }
});

/** The example: a block and an FCN nobody calls yet, and layers kept in variables. */
const TOP_DOWN = `import { batchNorm, conv2d, dense, globalAvgPool2d, input, maxPool2d, model, relu, sequential } from 'convlens';

export function block(filters: number, stride: number) {
  return sequential(conv2d(filters, 3, { stride, padding: 1 }), batchNorm(), relu());
}
export function fcn(h: number, w: number) {
  return model('fcn', input(3, h, w), conv2d(16, 3, { padding: 1 }), relu(), maxPool2d(2), conv2d(8, 1));
}
const a = conv2d(32, 3, { padding: 1 });
const b = sequential(conv2d(64, 3, { stride: 2 }), relu());
export const net = model('net', input(3, 32, 32), a, b, globalAvgPool2d(), dense(10));
`;

describe('symbolic shapes in the editor', () => {
  it('a block and a size-agnostic model nobody calls yet, and layers named by variables', () => {
    assert.equal(
      renderedHints(TOP_DOWN),
      `import { batchNorm, conv2d, dense, globalAvgPool2d, input, maxPool2d, model, relu, sequential } from 'convlens';

export function block(filters: number, stride: number) {
  return sequential(conv2d(filters, 3, { stride, padding: 1 }) /* → filters@⌈H/stride⌉×⌈W/stride⌉ */, batchNorm() /* → filters@⌈H/stride⌉×⌈W/stride⌉ */, relu() /* → filters@⌈H/stride⌉×⌈W/stride⌉ */) /* → filters@⌈H/stride⌉×⌈W/stride⌉ */;
}
export function fcn(h: number, w: number) {
  return model('fcn', input(3, h, w), conv2d(16, 3, { padding: 1 }) /* → 16@h×w */, relu() /* → 16@h×w */, maxPool2d(2) /* → 16@⌊h/2⌋×⌊w/2⌋ */, conv2d(8, 1) /* → 8@⌊h/2⌋×⌊w/2⌋ */) /* → 8@⌊h/2⌋×⌊w/2⌋ */;
}
const a = conv2d(32, 3, { padding: 1 }) /* → 32@32×32 */;
const b = sequential(conv2d(64, 3, { stride: 2 }) /* → 64@15×15 */, relu() /* → 64@15×15 */) /* → 64@15×15 */;
export const net = model('net', input(3, 32, 32), a /* → 32@32×32 */, b /* → 64@15×15 */, globalAvgPool2d() /* → 64 */, dense(10) /* → 10 */) /* → 10 */;
`,
    );
  });

  it("ResNet's bottleneck(inC, outC, stride), uncalled: the branches agree for every value, no finding", () => {
    const source = `import { batchNorm, conv2d, relu, residual, sequential } from 'convlens';

export function bottleneck(inC: number, outC: number, stride: number) {
  const mid = outC / 4;
  return sequential(
    residual(
      sequential(conv2d(mid, 1, { bias: false }), batchNorm(), relu(), conv2d(mid, 3, { stride, padding: 1, bias: false }), batchNorm(), relu(), conv2d(outC, 1, { bias: false }), batchNorm()),
      sequential(conv2d(outC, 1, { stride, bias: false }), batchNorm()),
    ),
    relu(),
  );
}
`;
    assert.equal(
      renderedHints(source),
      `import { batchNorm, conv2d, relu, residual, sequential } from 'convlens';

export function bottleneck(inC: number, outC: number, stride: number) {
  const mid = outC / 4;
  return sequential(
    residual(
      sequential(conv2d(mid, 1, { bias: false }) /* → outC/4@H×W */, batchNorm() /* → outC/4@H×W */, relu() /* → outC/4@H×W */, conv2d(mid, 3, { stride, padding: 1, bias: false }) /* → outC/4@⌈H/stride⌉×⌈W/stride⌉ */, batchNorm() /* → outC/4@⌈H/stride⌉×⌈W/stride⌉ */, relu() /* → outC/4@⌈H/stride⌉×⌈W/stride⌉ */, conv2d(outC, 1, { bias: false }) /* → outC@⌈H/stride⌉×⌈W/stride⌉ */, batchNorm() /* → outC@⌈H/stride⌉×⌈W/stride⌉ */) /* → outC@⌈H/stride⌉×⌈W/stride⌉ */,
      sequential(conv2d(outC, 1, { stride, bias: false }) /* → outC@⌈H/stride⌉×⌈W/stride⌉ */, batchNorm() /* → outC@⌈H/stride⌉×⌈W/stride⌉ */) /* → outC@⌈H/stride⌉×⌈W/stride⌉ */,
    ) /* → outC@⌈H/stride⌉×⌈W/stride⌉ */,
    relu() /* → outC@⌈H/stride⌉×⌈W/stride⌉ */,
  ) /* → outC@⌈H/stride⌉×⌈W/stride⌉ */;
}
`,
    );
    const project = new MemoryProject({ 'model.ts': source });
    assert.deepEqual(describeDiagnostics(project, 'model.ts'), []);
  });

  it('a fully convolutional model on input(3, h, w): VGG-style stages halve it, the hover counts over h and w', () => {
    const { text, at } = withMarkers(`import { conv2d, input, maxPool2d, model, relu } from 'convlens';

export function segmenter(h: number, w: number, classes = 21) {
  return model('segmenter', input(3, h, w), conv2d(32, 3, { padding: 1 }), relu(), maxPool2d(2), /*|conv*/conv2d(64, 3, { padding: 1 }), relu(), maxPool2d(2), conv2d(classes, 1));
}
`);
    const project = new MemoryProject({ 'model.ts': text });
    assert.deepEqual(project.typeErrors('model.ts'), []);
    assert.equal(
      renderHints(text, hintsOf(project, 'model.ts')),
      `import { conv2d, input, maxPool2d, model, relu } from 'convlens';

export function segmenter(h: number, w: number, classes = 21) {
  return model('segmenter', input(3, h, w), conv2d(32, 3, { padding: 1 }) /* → 32@h×w */, relu() /* → 32@h×w */, maxPool2d(2) /* → 32@⌊h/2⌋×⌊w/2⌋ */, conv2d(64, 3, { padding: 1 }) /* → 64@⌊h/2⌋×⌊w/2⌋ */, relu() /* → 64@⌊h/2⌋×⌊w/2⌋ */, maxPool2d(2) /* → 64@⌊h/4⌋×⌊w/4⌋ */, conv2d(classes, 1) /* → classes@⌊h/4⌋×⌊w/4⌋ */) /* → classes@⌊h/4⌋×⌊w/4⌋ */;
}
`,
    );
    const { program, sourceFile } = project.target('model.ts');
    const hover = getHover(ts, program, sourceFile, at('conv') + 1, DEFAULT_SETTINGS);
    assert.ok(hover !== undefined);
    const lines = hover.markdown.split('\n');
    assert.ok(lines.includes('`32@⌊h/2⌋×⌊w/2⌋` → `64@⌊h/2⌋×⌊w/2⌋`'), hover.markdown);
    assert.ok(lines.includes('- Parameters: (3·3·32 + 1)·64 = 18,496'), hover.markdown);
    assert.ok(lines.includes('- MACs: 18432·⌊h/2⌋·⌊w/2⌋ (FLOPs = 2×MACs = 36864·⌊h/2⌋·⌊w/2⌋)'), hover.markdown);
  });

  it('a parameter count over symbols: the formula and its simplified value', () => {
    const { text, at } = withMarkers(`import { conv2d, sequential } from 'convlens';

export function block(filters: number) {
  return sequential(/*|conv*/conv2d(filters, 3, { padding: 1 }));
}
`);
    const project = new MemoryProject({ 'model.ts': text });
    const { program, sourceFile } = project.target('model.ts');
    const hover = getHover(ts, program, sourceFile, at('conv') + 1, DEFAULT_SETTINGS);
    assert.ok(hover?.markdown.split('\n').includes('- Parameters: (3·3·C + 1)·filters = (9·C + 1)·filters'), hover?.markdown);
  });

  it('findings under symbols: one that holds for every value is an error, one that depends is an info with its condition', () => {
    const source = `import { conv2d, dense, input, maxPool2d, model, residual, sequential } from 'convlens';

export function head(n: number) {
  return sequential(conv2d(n, 5), dense(10));
}
export function probe(k: number) {
  return model('probe', input(1, 28, 28), conv2d(4, k), maxPool2d(2));
}
export function skip(filters: number) {
  return residual(conv2d(filters, 3, { padding: 1 }));
}
`;
    const project = new MemoryProject({ 'model.ts': source });
    assert.deepEqual(project.typeErrors('model.ts'), []);
    assert.deepEqual(describeDiagnostics(project, 'model.ts'), [
      'conv2d: 91020 conv2d(n, 5) fits C@H×W only when H ≥ 5 and W ≥ 5; otherwise it has no output. Pad the input, or use it only where that holds.',
      'dense: 91004 dense(10) expects a vector but receives the image n@(H − 4)×(W − 4). Insert flatten() (or globalAvgPool2d()) before it.',
      'conv2d: 91020 conv2d(4, k) fits 1@28×28 only when k ≤ 28; otherwise it has no output. Pad the input, or use it only where that holds.',
      'maxPool2d: 91020 maxPool2d(2) fits 4@(29 − k)×(29 − k) only when k ≤ 27; otherwise it has no output. Pad the input, or use it only where that holds.',
      "residual: 91021 The residual's branches (filters@H×W and C@H×W) agree only when filters = C. Call it only with such values, or give the shortcut a projection.",
    ]);
    // Infos (TypeScript's Message category) where it depends on the values, an error where it never works.
    assert.deepEqual(
      diagnosticsOf(project, 'model.ts').map((diagnostic) => ts.DiagnosticCategory[diagnostic.category]),
      ['Message', 'Error', 'Message', 'Message', 'Message'],
    );
    // The error's quick fix works inside the helper too; what is left are the infos.
    const { text } = applyFix(project, 'model.ts', 'dense', 91004);
    assert.ok(text.includes('return sequential(conv2d(n, 5), flatten(), dense(10));'), text);
    assert.deepEqual(
      diagnosticsOf(project, 'model.ts').map((diagnostic) => diagnostic.code),
      [91020, 91020, 91020, 91021],
    );
  });

  it('a helper called with numbers keeps its concrete shapes (the union of its calls)', () => {
    const source = `import { conv2d, input, model, relu, sequential } from 'convlens';

function stage(filters: number) {
  return sequential(conv2d(filters, 3, { padding: 1 }), relu());
}
export const net = model('net', input(3, 8, 8), stage(4), stage(8));
`;
    assert.equal(
      renderedHints(source),
      `import { conv2d, input, model, relu, sequential } from 'convlens';

function stage(filters: number) {
  return sequential(conv2d(filters, 3, { padding: 1 }) /* → 4@8×8 | 8@8×8 */, relu() /* → 4@8×8 | 8@8×8 */) /* → 4@8×8 | 8@8×8 */;
}
export const net = model('net', input(3, 8, 8), stage(4) /* → 4@8×8 */, stage(8) /* → 8@8×8 */) /* → 8@8×8 */;
`,
    );
  });

  it('a layer helper whose first layer is dense gets a vector input N', () => {
    const source = `import { dense, relu } from 'convlens';

export const classifier = (classes: number) => [dense(128), relu(), dense(classes)];
`;
    assert.equal(
      renderedHints(source),
      `import { dense, relu } from 'convlens';

export const classifier = (classes: number) => [dense(128) /* → 128 */, relu() /* → 128 */, dense(classes) /* → classes */];
`,
    );
    const project = new MemoryProject({ 'model.ts': source });
    assert.deepEqual(describeDiagnostics(project, 'model.ts'), []);
  });

  it('a symbol squared in a loop: an unknown once its expression is too long, not 2^40 work', () => {
    const source = `import { dense, sequential } from 'convlens';

export function grow(n: number) {
  let units = n;
  for (let step = 0; step < 40; step += 1) units = units * units;
  return sequential(dense(units));
}
`;
    const started = Date.now();
    const hints = hintsOf(new MemoryProject({ 'model.ts': source }), 'model.ts').map((hint) => hint.text);
    assert.deepEqual(hints, ['→ ?', '→ ?']);
    assert.ok(Date.now() - started < 10_000, 'answers at once');
  });

  it('shapes in the other formats: [C,H,W] and [H,W,C]', () => {
    const source = `import { conv2d } from 'convlens';

export const down = (c: number) => conv2d(c, 3, { stride: 2, padding: 1 });
`;
    assert.equal(
      renderedHints(source, { ...DEFAULT_SETTINGS, shapeFormat: 'CHW' }),
      `import { conv2d } from 'convlens';

export const down = (c: number) => conv2d(c, 3, { stride: 2, padding: 1 }) /* → [c,⌈H/2⌉,⌈W/2⌉] */;
`,
    );
    assert.equal(formatShape([add(H, 1), 2, 3], 'HWC'), '[2,3,H + 1]');
  });
});
