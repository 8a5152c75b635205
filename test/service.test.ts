/**
 * The editor features of language/service on an in-memory `ts.LanguageService`: a host
 * over a Map of files in which `convlens` resolves to the real DSL, with the real
 * `typescript` module injected as tsserver would. Hints are rendered back into the source
 * as `/* label *\/` and compared with literal text; positions are marked in the fixtures
 * (`/*|name*\/`), never counted by hand.
 */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import {
  DEFAULT_SETTINGS,
  getCodeFixes,
  listModelLenses,
  provideShapeHints,
  reachesDsl,
  toSettings,
} from 'convlens/service';
import { MemoryProject } from './memory-project';
import { applyFix, assertClean, describeDiagnostics, diagnosticsOf, hintsOf, hoverAt, renderedHints, renderHints, withMarkers } from './service-harness';

const repoRoot = path.resolve(__dirname, '..', '..');
const dslFile = path.join(repoRoot, 'language', 'dsl', 'index.ts');

const LENET = `import { conv2d, dense, flatten, input, maxPool2d, model, relu } from 'convlens';

export const /*|name*/lenet = model(
  'lenet',
  input(1, 28, 28),
  /*|c1*/conv2d(6, 5, { padding: 2 }),
  relu(),
  maxPool2d(2),
  conv2d(16, 5),
  relu(),
  maxPool2d(2),
  flatten(),
  dense(120),
  relu(),
  dense(84),
  relu(),
  dense(10),
);
`;

const LOOP = `import { conv2d, dense, globalAvgPool2d, input, maxPool2d, model, relu, sequential } from 'convlens';
import type { LayerNode } from 'convlens';

function stage(filters: number): LayerNode {
  return sequential(/*|conv*/conv2d(filters, 3, { padding: 1 }), relu(), maxPool2d(2));
}

const layers: LayerNode[] = [];
for (const filters of [16, 32, 64]) layers.push(/*|stage*/stage(filters));

export const net = model('net', input(3, 32, 32), ...layers, globalAvgPool2d(), dense(10));
`;

const BLOCK = `import { batchNorm, conv2d, dense, globalAvgPool2d, input, model, relu, sequential } from 'convlens';
import type { LayerNode } from 'convlens';

function block(filters: number, stride = 1): LayerNode {
  return sequential(conv2d(filters, 3, { stride, padding: 1, bias: false }), batchNorm(), relu());
}

export const small = model('small', input(3, 64, 64), /*|block*/block(32, 2), block(64, 2), block(64), globalAvgPool2d(), dense(10));
`;

const GAN = `import { conv2d, conv2dTranspose, dense, flatten, gan, leakyRelu, relu, reshape, sequential, sigmoid, tanh } from 'convlens';

export const /*|name*/tiny = gan('tiny', {
  latent: 64,
  image: [1, 28, 28],
  generator: sequential(
    dense(128 * 7 * 7),
    relu(),
    reshape(128, 7, 7),
    conv2dTranspose(64, 4, { stride: 2, padding: 1 }),
    relu(),
    conv2dTranspose(1, 4, { stride: 2, padding: 1 }),
    tanh(),
  ),
  discriminator: sequential(
    conv2d(64, 4, { stride: 2, padding: 1 }),
    leakyRelu(0.2),
    conv2d(128, 4, { stride: 2, padding: 1 }),
    leakyRelu(0.2),
    flatten(),
    dense(1),
    sigmoid(),
  ),
});
`;

describe('language service (in memory)', () => {
  describe('shape hints', () => {
    it('a LeNet-style model: every layer call shows its output, the model its result', () => {
      assert.equal(
        renderedHints(withMarkers(LENET).text),
        `import { conv2d, dense, flatten, input, maxPool2d, model, relu } from 'convlens';

export const lenet = model(
  'lenet',
  input(1, 28, 28),
  conv2d(6, 5, { padding: 2 }) /* → 6@28×28 */,
  relu() /* → 6@28×28 */,
  maxPool2d(2) /* → 6@14×14 */,
  conv2d(16, 5) /* → 16@10×10 */,
  relu() /* → 16@10×10 */,
  maxPool2d(2) /* → 16@5×5 */,
  flatten() /* → 400 */,
  dense(120) /* → 120 */,
  relu() /* → 120 */,
  dense(84) /* → 84 */,
  relu() /* → 84 */,
  dense(10) /* → 10 */,
) /* → 10 */;
`,
      );
    });

    it('a helper called in a loop: each call site shows every distinct shape', () => {
      // 32×32 → stage(16) 16@16×16 → stage(32) 32@8×8 → stage(64) 64@4×4; padding 1 keeps
      // the size through each 3×3 convolution, each pool halves it. `...layers` spreads the
      // array the loop filled: the last stage's output.
      assert.equal(
        renderedHints(withMarkers(LOOP).text),
        `import { conv2d, dense, globalAvgPool2d, input, maxPool2d, model, relu, sequential } from 'convlens';
import type { LayerNode } from 'convlens';

function stage(filters: number): LayerNode {
  return sequential(conv2d(filters, 3, { padding: 1 }) /* → 16@32×32 | 32@16×16 | 64@8×8 */, relu() /* → 16@32×32 | 32@16×16 | 64@8×8 */, maxPool2d(2) /* → 16@16×16 | 32@8×8 | 64@4×4 */) /* → 16@16×16 | 32@8×8 | 64@4×4 */;
}

const layers: LayerNode[] = [];
for (const filters of [16, 32, 64]) layers.push(stage(filters) /* → 16@16×16 | 32@8×8 | 64@4×4 */);

export const net = model('net', input(3, 32, 32), ...layers /* → 64@4×4 */, globalAvgPool2d() /* → 64 */, dense(10) /* → 10 */) /* → 10 */;
`,
      );
    });

    it('a helper call shows the output of the block it returns', () => {
      // Each stride-2 block halves 64 → 32 → 16; the stride-1 block keeps 16×16.
      assert.equal(
        renderedHints(withMarkers(BLOCK).text),
        `import { batchNorm, conv2d, dense, globalAvgPool2d, input, model, relu, sequential } from 'convlens';
import type { LayerNode } from 'convlens';

function block(filters: number, stride = 1): LayerNode {
  return sequential(conv2d(filters, 3, { stride, padding: 1, bias: false }) /* → 32@32×32 | 64@16×16 */, batchNorm() /* → 32@32×32 | 64@16×16 */, relu() /* → 32@32×32 | 64@16×16 */) /* → 32@32×32 | 64@16×16 */;
}

export const small = model('small', input(3, 64, 64), block(32, 2) /* → 32@32×32 */, block(64, 2) /* → 64@16×16 */, block(64) /* → 64@16×16 */, globalAvgPool2d() /* → 64 */, dense(10) /* → 10 */) /* → 10 */;
`,
      );
    });

    it('a helper that returns a list of layers to splice shows the output of its last one', () => {
      const source = `import { conv2d, dense, flatten, input, maxPool2d, model, relu } from 'convlens';

const block = (filters: number) => [conv2d(filters, 3, { padding: 1 }), relu(), maxPool2d(2)];

export const net = model('net', input(3, 32, 32), ...block(16), ...block(32), flatten(), dense(10));
`;
      assert.equal(
        renderedHints(source),
        `import { conv2d, dense, flatten, input, maxPool2d, model, relu } from 'convlens';

const block = (filters: number) => [conv2d(filters, 3, { padding: 1 }) /* → 16@32×32 | 32@16×16 */, relu() /* → 16@32×32 | 32@16×16 */, maxPool2d(2) /* → 16@16×16 | 32@8×8 */];

export const net = model('net', input(3, 32, 32), ...block(16) /* → 16@16×16 */, ...block(32) /* → 32@8×8 */, flatten() /* → 2048 */, dense(10) /* → 10 */) /* → 10 */;
`,
      );
    });

    it('a layer or block named by a variable shows its output where the model uses it, not where it is declared', () => {
      // conv2d(64, 3, stride 2) without padding: (32 − 3)/2 + 1 = 15 (floored).
      const source = `import { conv2d, dense, globalAvgPool2d, input, model, relu, sequential } from 'convlens';

const a = conv2d(32, 3, { padding: 1 });
const b = sequential(conv2d(64, 3, { stride: 2 }), relu());
export const net = model('net', input(3, 32, 32), a, b, globalAvgPool2d(), dense(10));
`;
      assert.equal(
        renderedHints(source),
        `import { conv2d, dense, globalAvgPool2d, input, model, relu, sequential } from 'convlens';

const a = conv2d(32, 3, { padding: 1 }) /* → 32@32×32 */;
const b = sequential(conv2d(64, 3, { stride: 2 }) /* → 64@15×15 */, relu() /* → 64@15×15 */) /* → 64@15×15 */;
export const net = model('net', input(3, 32, 32), a /* → 32@32×32 */, b /* → 64@15×15 */, globalAvgPool2d() /* → 64 */, dense(10) /* → 10 */) /* → 10 */;
`,
      );
    });

    it('references in a requested range, and with params in hints', () => {
      const text = `import { conv2d, dense, globalAvgPool2d, input, model, relu, sequential } from 'convlens';

const a = conv2d(32, 3, { padding: 1 });
const b = sequential(conv2d(64, 3, { stride: 2 }), relu());
export const net = model('net', input(3, 32, 32), a, b, globalAvgPool2d(), dense(10));
`;
      const project = new MemoryProject({ 'model.ts': text });
      const { program, sourceFile } = project.target('model.ts');
      const start = text.indexOf('a, b,');
      const hints = provideShapeHints(ts, program, sourceFile, { start, length: text.indexOf('globalAvgPool2d()', start) - start }, DEFAULT_SETTINGS);
      assert.deepEqual(
        hints.map((hint) => [text.slice(hint.position - 1, hint.position), hint.text]),
        [
          ['a', '→ 32@32×32'],
          ['b', '→ 64@15×15'],
        ],
      );
      // 3·3·3·32 + 32 = 896; 3·3·32·64 + 64 = 18,496.
      const withParams = hintsOf(project, 'model.ts', { ...DEFAULT_SETTINGS, showParamsInHints: true }).filter((hint) => hint.position > start && hint.position <= start + 4);
      assert.deepEqual(
        withParams.map((hint) => hint.text),
        ['→ 32@32×32 · 896 params', '→ 64@15×15 · 18,496 params'],
      );
    });

    it('GoogLeNet with its Inception modules in variables: the shape between two modules', () => {
      // torchvision's GoogLeNet (examples/googlenet.ts): 224 → 112 (7×7, stride 2) → 56 and
      // 28 (3×3 pools, stride 2, ceil mode); 3a: 64 + 128 + 32 + 32 = 256 channels, 3b:
      // 128 + 192 + 96 + 64 = 480, the pool halves 28 to 14; 4a: 192 + 208 + 48 + 64 = 512.
      const source = `import { batchNorm, concat, conv2d, dense, globalAvgPool2d, input, maxPool2d, model, relu, sequential } from 'convlens';
import type { ConcatNode, Conv2dOptions, SequentialNode } from 'convlens';

function basicConv2d(filters: number, kernelSize: number, options: Conv2dOptions = {}): SequentialNode {
  return sequential(conv2d(filters, kernelSize, { ...options, bias: false }), batchNorm({ epsilon: 0.001 }), relu());
}

function inception(ch1x1: number, ch3x3Reduce: number, ch3x3: number, ch5x5Reduce: number, ch5x5: number, poolProjection: number): ConcatNode {
  return concat(
    basicConv2d(ch1x1, 1),
    sequential(basicConv2d(ch3x3Reduce, 1), basicConv2d(ch3x3, 3, { padding: 1 })),
    sequential(basicConv2d(ch5x5Reduce, 1), basicConv2d(ch5x5, 3, { padding: 1 })),
    sequential(maxPool2d(3, { stride: 1, padding: 1, ceilMode: true }), basicConv2d(poolProjection, 1)),
  );
}

const pool = () => maxPool2d(3, { stride: 2, ceilMode: true });
const stem = [basicConv2d(64, 7, { stride: 2, padding: 3 }), pool(), basicConv2d(64, 1), basicConv2d(192, 3, { padding: 1 }), pool()];
const i3a = inception(64, 96, 128, 16, 32, 32);
const i3b = inception(128, 128, 192, 32, 96, 64);
const i4a = inception(192, 96, 208, 16, 48, 64);

export const g = model('g', input(3, 224, 224), ...stem, i3a, i3b, pool(), i4a, globalAvgPool2d(), dense(1000));
`;
      const rendered = renderedHints(source);
      const lines = rendered.split('\n');
      const from = lines.findIndex((line) => line.startsWith('const i3a'));
      assert.equal(
        lines.slice(from, from + 5).join('\n'),
        `const i3a = inception(64, 96, 128, 16, 32, 32) /* → 256@28×28 */;
const i3b = inception(128, 128, 192, 32, 96, 64) /* → 480@28×28 */;
const i4a = inception(192, 96, 208, 16, 48, 64) /* → 512@14×14 */;

export const g = model('g', input(3, 224, 224), ...stem /* → 192@28×28 */, i3a /* → 256@28×28 */, i3b /* → 480@28×28 */, pool() /* → 480@14×14 */, i4a /* → 512@14×14 */, globalAvgPool2d() /* → 512 */, dense(1000) /* → 1000 */) /* → 1000 */;`,
      );
    });

    it('one layer object used in two places of a model: each use shows its own output, its declaration both', () => {
      const source = `import { conv2d, dense, flatten, input, maxPool2d, model } from 'convlens';

const a = conv2d(8, 3, { padding: 1 });
export const net = model('net', input(8, 32, 32), a, maxPool2d(2), a, flatten(), dense(10));
`;
      assert.equal(
        renderedHints(source),
        `import { conv2d, dense, flatten, input, maxPool2d, model } from 'convlens';

const a = conv2d(8, 3, { padding: 1 }) /* → 8@32×32 | 8@16×16 */;
export const net = model('net', input(8, 32, 32), a /* → 8@32×32 */, maxPool2d(2) /* → 8@16×16 */, a /* → 8@16×16 */, flatten() /* → 2048 */, dense(10) /* → 10 */) /* → 10 */;
`,
      );
    });

    it('a variable used inside a helper called twice shows every distinct shape, as a call does', () => {
      const source = `import { conv2d, dense, flatten, input, maxPool2d, model, relu, sequential } from 'convlens';

const act = relu();
const stage = (filters: number) => sequential(conv2d(filters, 3, { padding: 1 }), act, maxPool2d(2));

export const net = model('net', input(3, 32, 32), stage(16), stage(32), flatten(), dense(10));
`;
      assert.equal(
        renderedHints(source),
        `import { conv2d, dense, flatten, input, maxPool2d, model, relu, sequential } from 'convlens';

const act = relu() /* → 16@32×32 | 32@16×16 */;
const stage = (filters: number) => sequential(conv2d(filters, 3, { padding: 1 }) /* → 16@32×32 | 32@16×16 */, act /* → 16@32×32 | 32@16×16 */, maxPool2d(2) /* → 16@16×16 | 32@8×8 */) /* → 16@16×16 | 32@8×8 */;

export const net = model('net', input(3, 32, 32), stage(16) /* → 16@16×16 */, stage(32) /* → 32@8×8 */, flatten() /* → 2048 */, dense(10) /* → 10 */) /* → 10 */;
`,
      );
    });

    it('properties, elements, spreads and arrays of layers in sequential, concat, residual and aux', () => {
      // 32×32 → stem 16@32×32 → two stride-2 convolutions 32@16×16, 64@8×8 → residual with
      // a 1×1 shortcut, 64@8×8 → concat of 32@4×4 and 16@4×4: 48@4×4 → aux head 48·4·4 = 768 → 10.
      const source = `import { aux, concat, conv2d, dense, flatten, globalAvgPool2d, input, model, relu, residual, sequential } from 'convlens';

const blocks = { stem: conv2d(16, 3, { padding: 1 }), act: relu() };
const stages = [conv2d(32, 3, { stride: 2, padding: 1 }), conv2d(64, 3, { stride: 2, padding: 1 })];
const shortcut = conv2d(64, 1);
const head = sequential(flatten(), dense(10));
const tail = [globalAvgPool2d(), dense(10)];
export const net = model(
  'net',
  input(3, 32, 32),
  sequential(blocks.stem, blocks.act),
  ...stages,
  residual(sequential(conv2d(64, 3, { padding: 1 }), blocks.act), shortcut),
  concat(stages[0], conv2d(16, 1, { stride: 2 })),
  aux('side', head),
  tail,
);
`;
      assert.equal(
        renderedHints(source),
        `import { aux, concat, conv2d, dense, flatten, globalAvgPool2d, input, model, relu, residual, sequential } from 'convlens';

const blocks = { stem: conv2d(16, 3, { padding: 1 }) /* → 16@32×32 */, act: relu() /* → 16@32×32 | 64@8×8 */ };
const stages = [conv2d(32, 3, { stride: 2, padding: 1 }) /* → 32@16×16 | 32@4×4 */, conv2d(64, 3, { stride: 2, padding: 1 }) /* → 64@8×8 */];
const shortcut = conv2d(64, 1) /* → 64@8×8 */;
const head = sequential(flatten() /* → 768 */, dense(10) /* → 10 */) /* → 10 */;
const tail = [globalAvgPool2d() /* → 48 */, dense(10) /* → 10 */];
export const net = model(
  'net',
  input(3, 32, 32),
  sequential(blocks.stem /* → 16@32×32 */, blocks.act /* → 16@32×32 */) /* → 16@32×32 */,
  ...stages /* → 64@8×8 */,
  residual(sequential(conv2d(64, 3, { padding: 1 }) /* → 64@8×8 */, blocks.act /* → 64@8×8 */) /* → 64@8×8 */, shortcut /* → 64@8×8 */) /* → 64@8×8 */,
  concat(stages[0] /* → 32@4×4 */, conv2d(16, 1, { stride: 2 }) /* → 16@4×4 */) /* → 48@4×4 */,
  aux('side', head /* → 10 */) /* → 48@4×4 */,
  tail /* → 10 */,
) /* → 10 */;
`,
      );
    });

    it("a variable in a GAN's generator: its output in the network", () => {
      const source = `import { conv2d, conv2dTranspose, dense, flatten, gan, relu, reshape, sequential, sigmoid, tanh } from 'convlens';

const up = conv2dTranspose(1, 4, { stride: 2, padding: 1 });
export const tiny = gan('tiny', {
  latent: 16,
  image: [1, 28, 28],
  generator: sequential(dense(8 * 14 * 14), relu(), reshape(8, 14, 14), up, tanh()),
  discriminator: sequential(conv2d(4, 4, { stride: 2, padding: 1 }), flatten(), dense(1), sigmoid()),
});
`;
      const rendered = renderedHints(source);
      assert.ok(rendered.includes('reshape(8, 14, 14) /* → 8@14×14 */, up /* → 1@28×28 */, tanh()'), rendered);
    });

    it('a GAN: the generator from the latent vector to the image, the discriminator to one score', () => {
      // Transposed 4×4, stride 2, padding 1: (7 − 1)·2 − 2 + 4 = 14, then 28. Convolution
      // 4×4, stride 2, padding 1: (28 + 2 − 4)/2 + 1 = 14, then 7. 128·7·7 = 6,272.
      assert.equal(
        renderedHints(withMarkers(GAN).text),
        `import { conv2d, conv2dTranspose, dense, flatten, gan, leakyRelu, relu, reshape, sequential, sigmoid, tanh } from 'convlens';

export const tiny = gan('tiny', {
  latent: 64,
  image: [1, 28, 28],
  generator: sequential(
    dense(128 * 7 * 7) /* → 6272 */,
    relu() /* → 6272 */,
    reshape(128, 7, 7) /* → 128@7×7 */,
    conv2dTranspose(64, 4, { stride: 2, padding: 1 }) /* → 64@14×14 */,
    relu() /* → 64@14×14 */,
    conv2dTranspose(1, 4, { stride: 2, padding: 1 }) /* → 1@28×28 */,
    tanh() /* → 1@28×28 */,
  ) /* → 1@28×28 */,
  discriminator: sequential(
    conv2d(64, 4, { stride: 2, padding: 1 }) /* → 64@14×14 */,
    leakyRelu(0.2) /* → 64@14×14 */,
    conv2d(128, 4, { stride: 2, padding: 1 }) /* → 128@7×7 */,
    leakyRelu(0.2) /* → 128@7×7 */,
    flatten() /* → 6272 */,
    dense(1) /* → 1 */,
    sigmoid() /* → 1 */,
  ) /* → 1 */,
}) /* → 1@28×28 */;
`,
      );
    });

    it('a requested range gets only the hints inside it', () => {
      const { text } = withMarkers(LENET);
      const project = new MemoryProject({ 'model.ts': text });
      const { program, sourceFile } = project.target('model.ts');
      const start = text.indexOf('conv2d(16, 5)');
      const end = text.indexOf('flatten()');
      const hints = provideShapeHints(ts, program, sourceFile, { start, length: end - start }, DEFAULT_SETTINGS);
      assert.deepEqual(
        hints.map((hint) => hint.text),
        ['→ 16@10×10', '→ 16@10×10', '→ 16@5×5'],
      );
    });

    it('a file without models gets no hints, hovers or diagnostics; a helper nothing calls gets symbolic shapes', () => {
      const plain = `export function area(width: number, height: number): number {\n  return width * height;\n}\n\nexport const unit = area(1, 1);\n`;
      // Imports the DSL (a helper library) but defines no model.
      const helpers = `import { conv2d, relu, sequential } from 'convlens';\n\nexport function convRelu(filters: number) {\n  return sequential(conv2d(filters, 3, { padding: 1 }), relu());\n}\n`;
      const project = new MemoryProject({ 'plain.ts': plain, 'helpers.ts': helpers });
      assert.deepEqual(hintsOf(project, 'plain.ts'), [], 'hints of plain.ts');
      assert.equal(
        renderHints(helpers, hintsOf(project, 'helpers.ts')),
        `import { conv2d, relu, sequential } from 'convlens';\n\nexport function convRelu(filters: number) {\n  return sequential(conv2d(filters, 3, { padding: 1 }) /* → filters@H×W */, relu() /* → filters@H×W */) /* → filters@H×W */;\n}\n`,
      );
      for (const name of ['plain.ts', 'helpers.ts']) {
        assert.deepEqual(project.typeErrors(name), []);
        assert.deepEqual(describeDiagnostics(project, name), [], `diagnostics of ${name}`);
        assert.equal(hoverAt(project, name, project.text(name).indexOf('area(1') + 1), undefined);
        const { program, sourceFile } = project.target(name);
        assert.deepEqual(listModelLenses(ts, program, sourceFile), []);
      }
    });

    it('a helper imported from another file: its call shows the block, the helper file its symbolic shapes', () => {
      const project = new MemoryProject({
        'blocks.ts': `import { conv2d, relu, sequential } from 'convlens';\n\nexport function convRelu(filters: number) {\n  return sequential(conv2d(filters, 3, { padding: 1 }), relu());\n}\n`,
        'main.ts': `import { dense, flatten, input, model } from 'convlens';\nimport { convRelu } from './blocks';\n\nexport const net = model('net', input(3, 8, 8), convRelu(4), flatten(), dense(2));\n`,
      });
      assert.deepEqual(project.typeErrors('main.ts'), []);
      // 4·8·8 = 256.
      assert.equal(
        renderHints(project.text('main.ts'), hintsOf(project, 'main.ts')),
        `import { dense, flatten, input, model } from 'convlens';\nimport { convRelu } from './blocks';\n\nexport const net = model('net', input(3, 8, 8), convRelu(4) /* → 4@8×8 */, flatten() /* → 256 */, dense(2) /* → 2 */) /* → 2 */;\n`,
      );
      // Analysed on its own, blocks.ts does not call convRelu: shapes over its parameter.
      assert.deepEqual(
        hintsOf(project, 'blocks.ts').map((hint) => hint.text),
        ['→ filters@H×W', '→ filters@H×W', '→ filters@H×W'],
      );
    });

    it('which files can define models: those that import the DSL, directly or through other files', () => {
      const project = new MemoryProject({
        'plain.ts': 'export const one = 1;\n',
        'uses-plain.ts': "import { one } from './plain';\nexport const two = one + 1;\n",
        'blocks.ts': "import { relu } from 'convlens';\nexport const act = relu;\n",
        'uses-blocks.ts': "export { act } from './blocks';\n",
        'cycle-a.ts': "import { b } from './cycle-b';\nexport const a = 1;\nexport const c = b;\n",
        'cycle-b.ts': "import { a } from './cycle-a';\nexport const b = a;\n",
      });
      const program = project.service.getProgram()!;
      const reaches = (name: string): boolean => reachesDsl(ts, program, program.getSourceFile(project.path(name))!);
      assert.deepEqual(
        ['plain.ts', 'uses-plain.ts', 'blocks.ts', 'uses-blocks.ts', 'cycle-a.ts', 'cycle-b.ts'].map((name) => [name, reaches(name)]),
        [
          ['plain.ts', false],
          ['uses-plain.ts', false],
          ['blocks.ts', true],
          ['uses-blocks.ts', true],
          ['cycle-a.ts', false],
          ['cycle-b.ts', false],
        ],
      );
      assert.equal(reachesDsl(ts, program, program.getSourceFile(dslFile)!), false, 'the DSL itself');
    });

    it('hints follow edits: a new version of the file gets new shapes', () => {
      const { text } = withMarkers(LENET);
      const project = new MemoryProject({ 'model.ts': text });
      assert.equal(hintsOf(project, 'model.ts')[0]?.text, '→ 6@28×28');
      project.edit('model.ts', text.replace('conv2d(6, 5, { padding: 2 })', 'conv2d(8, 5)'));
      assert.deepEqual(
        hintsOf(project, 'model.ts').slice(0, 3).map((hint) => hint.text),
        ['→ 8@24×24', '→ 8@24×24', '→ 8@12×12'],
      );
    });
  });

  describe('hover', () => {
    it('on a layer: shapes, parameters with the formula filled in, MACs, receptive field, activations', () => {
      const { text, at } = withMarkers(LENET);
      const project = new MemoryProject({ 'model.ts': text });
      const hover = hoverAt(project, 'model.ts', at('c1') + 2);
      assert.ok(hover !== undefined);
      assert.equal(text.slice(hover.textSpan.start, hover.textSpan.start + hover.textSpan.length), 'conv2d');
      // 28·28·6 outputs, each 5·5·1 multiply-adds; padding 2 centres the first window on pixel 0.
      assert.equal(
        hover.markdown,
        [
          '**conv2d_1** · conv2d',
          '',
          '`1@28×28` → `6@28×28`',
          '',
          '- Parameters: (5·5·1 + 1)·6 = 156',
          '- MACs: 117,600 (FLOPs = 2×MACs = 235,200)',
          '- Receptive field: 5×5, jump 1, first centre (0, 0)',
          '- Activations: 4,704 values, 18.38 KiB per sample (float32)',
        ].join('\n'),
      );
    });

    it('on a model name: the summary table and totals', () => {
      const { text, at } = withMarkers(LENET);
      const project = new MemoryProject({ 'model.ts': text });
      const hover = hoverAt(project, 'model.ts', at('name') + 1);
      assert.ok(hover !== undefined);
      assert.equal(text.slice(hover.textSpan.start, hover.textSpan.start + hover.textSpan.length), 'lenet');
      const lines = hover.markdown.split('\n');
      // Parameters: 156 + (5·5·6 + 1)·16 = 2,416 + 400·120 + 120 = 48,120 + 120·84 + 84 = 10,164
      // + 84·10 + 10 = 850 → 61,706. MACs: 117,600 + 10·10·16·150 = 240,000 + 48,000 + 10,080
      // + 840 = 416,520. Receptive field: 5, pool → 6 (jump 2), conv 5 → 6 + 4·2 = 14, pool → 16 (jump 4).
      assert.deepEqual(lines.slice(0, 18), [
        '**lenet** · model · `1@28×28` → `10`',
        '',
        '| layer | output | params | MACs | RF / jump |',
        '|---|---|---:|---:|---|',
        '| input | 1@28×28 | 0 | 0 | 1 / 1 |',
        '| conv2d_1 | 6@28×28 | 156 | 117,600 | 5 / 1 |',
        '| relu_1 | 6@28×28 | 0 | 0 | 5 / 1 |',
        '| maxPool2d_1 | 6@14×14 | 0 | 0 | 6 / 2 |',
        '| conv2d_2 | 16@10×10 | 2,416 | 240,000 | 14 / 2 |',
        '| relu_2 | 16@10×10 | 0 | 0 | 14 / 2 |',
        '| maxPool2d_2 | 16@5×5 | 0 | 0 | 16 / 4 |',
        '| flatten_1 | 400 | 0 | 0 | – |',
        '| dense_1 | 120 | 48,120 | 48,000 | – |',
        '| relu_3 | 120 | 0 | 0 | – |',
        '| dense_2 | 84 | 10,164 | 10,080 | – |',
        '| relu_4 | 84 | 0 | 0 | – |',
        '| dense_3 | 10 | 850 | 840 | – |',
        '',
      ]);
      assert.deepEqual(lines.slice(18, 22), [
        '- Trainable params: **61,706**',
        '- Non-trainable params: 0 · total 61,706',
        '- MACs: 416.52 k per sample (FLOPs 833.04 k)',
        // First centres: 0 → pool 0.5 → conv (5 − 1)/2·2 = +4 → 4.5 → pool +0.5·2 → 5.5.
        '- Receptive field: 16×16, jump 4, first centre (5.5, 5.5)',
      ]);
      // 61,706 float32 parameters = 246,824 bytes.
      assert.match(lines[22] ?? '', /^- Memory: params 241\.04 KiB, /);
      assert.equal(lines.length, 23);
    });

    it('on a GAN name: both networks with their totals', () => {
      const { text, at } = withMarkers(GAN);
      const project = new MemoryProject({ 'model.ts': text });
      const hover = hoverAt(project, 'model.ts', at('name'));
      assert.ok(hover !== undefined);
      const lines = hover.markdown.split('\n');
      // G: 64·6,272 + 6,272 = 407,680; (4·4·128·64 + 64) = 131,136; 4·4·64·1 + 1 = 1,025 → 539,841.
      // D: 4·4·1·64 + 64 = 1,088; 4·4·64·128 + 128 = 131,200; 6,272 + 1 = 6,273 → 138,561.
      assert.equal(lines[0], '**tiny** · GAN · latent `64` → image `1@28×28`');
      assert.equal(lines[1], '- Params: 678,402 trainable (generator 539,841, discriminator 138,561), 0 non-trainable');
      assert.ok(lines.includes('**Generator**') && lines.includes('**Discriminator**'));
      // A transposed convolution multiplies each of its 7·7 input pixels by a 4×4×128×64 kernel:
      // 49·131,072 = 6,422,528 MACs. The generator starts from a vector: no receptive field.
      assert.ok(lines.includes('| conv2dTranspose_1 | 64@14×14 | 131,136 | 6,422,528 | – |'), hover.markdown);
    });

    it("on a GAN's generator call: that network's table", () => {
      const { text, at } = withMarkers(GAN.replace('generator: sequential(', 'generator: /*|generator*/sequential('));
      const project = new MemoryProject({ 'model.ts': text });
      const hover = hoverAt(project, 'model.ts', at('generator'));
      assert.ok(hover !== undefined);
      assert.equal(text.slice(hover.textSpan.start, hover.textSpan.start + hover.textSpan.length), 'sequential');
      assert.match(hover.markdown, /^\*\*tiny generator\*\* · model · `64` → `1@28×28`\n/);
      assert.match(hover.markdown, /\n- Trainable params: \*\*539,841\*\*\n/);
    });

    it('on a call evaluated in several contexts: each context under one heading', () => {
      const { text, at } = withMarkers(LOOP);
      const project = new MemoryProject({ 'model.ts': text });
      const hover = hoverAt(project, 'model.ts', at('conv'));
      assert.ok(hover !== undefined);
      const sections = hover.markdown.split('\n\n---\n\n');
      assert.equal(sections.length, 3);
      // Regression: the heading used to be followed by an empty section.
      assert.match(sections[0]!, /^This call is evaluated in 3 contexts:\n\n\*\*conv2d_1\*\* · conv2d\n/);
      assert.match(sections[0]!, /- Parameters: \(3·3·3 \+ 1\)·16 = 448\n/);
      assert.match(sections[1]!, /^\*\*conv2d_2\*\* · conv2d\n\n`16@16×16` → `32@16×16`\n\n- Parameters: \(3·3·16 \+ 1\)·32 = 4,640\n/);
      assert.match(sections[2]!, /^\*\*conv2d_3\*\* · conv2d\n\n`32@8×8` → `64@8×8`\n\n- Parameters: \(3·3·32 \+ 1\)·64 = 18,496\n/);
    });

    it('on a helper call: the block it returns', () => {
      const { text, at } = withMarkers(BLOCK);
      const project = new MemoryProject({ 'model.ts': text });
      const hover = hoverAt(project, 'model.ts', at('block') + 1);
      assert.ok(hover !== undefined);
      assert.equal(text.slice(hover.textSpan.start, hover.textSpan.start + hover.textSpan.length), 'block');
      // conv 3·3·3·32 = 864 (no bias) + batch norm γ, β 64 and running statistics 64.
      assert.match(hover.markdown, /^\*\*sequential_1\*\* · sequential\n\n`3@64×64` → `32@32×32`\n\n- Parameters: 992 \(sum of its layers\)\n/);
    });

    it('on code that is not a layer: nothing (TypeScript answers alone)', () => {
      const { text } = withMarkers(LENET);
      const project = new MemoryProject({ 'model.ts': text });
      assert.equal(hoverAt(project, 'model.ts', text.indexOf("'lenet'") + 2), undefined);
      assert.equal(hoverAt(project, 'model.ts', text.indexOf('import') + 1), undefined);
    });
  });

  describe('diagnostics', () => {
    it('a residual whose branches disagree: at `residual`, with both shapes', () => {
      const project = new MemoryProject({
        'model.ts': `import { conv2d, input, model, relu, residual, sequential } from 'convlens';

export const res = model(
  'res',
  input(16, 32, 32),
  residual(sequential(conv2d(32, 3, { padding: 1 }), relu(), conv2d(32, 3, { padding: 1 }))),
  relu(),
);
`,
      });
      assert.deepEqual(project.typeErrors('model.ts'), []);
      const [diagnostic, ...others] = diagnosticsOf(project, 'model.ts');
      assert.deepEqual(others, []);
      assert.ok(diagnostic !== undefined);
      assert.equal(diagnostic.source, 'convlens');
      assert.equal(diagnostic.code, 91002);
      assert.equal(diagnostic.category, ts.DiagnosticCategory.Error);
      assert.equal(diagnostic.file?.fileName, project.path('model.ts'));
      assert.deepEqual(describeDiagnostics(project, 'model.ts'), [
        'residual: 91002 Residual branches disagree: main gives 32@32×32, shortcut gives 16@32×32. Give the shortcut a 1×1 conv2d with 32 filters: residual(main, conv2d(32, 1)).',
      ]);
    });

    it('a dense layer on an image: at `dense`, with the image it receives', () => {
      const project = new MemoryProject({
        'model.ts': `import { conv2d, dense, input, model, relu } from 'convlens';

export const flat = model('flat', input(1, 28, 28), conv2d(8, 3), relu(), dense(10));
`,
      });
      // 28 − 3 + 1 = 26.
      assert.deepEqual(describeDiagnostics(project, 'model.ts'), [
        'dense: 91004 dense(10) expects a vector but receives the image 8@26×26. Insert flatten() (or globalAvgPool2d()) before it.',
      ]);
    });

    it('a kernel larger than its input: at that `conv2d`, nothing downstream', () => {
      const project = new MemoryProject({
        'model.ts': `import { conv2d, input, maxPool2d, model, relu } from 'convlens';

export const big = model('big', input(1, 5, 5), conv2d(8, 7), relu(), maxPool2d(2));
`,
      });
      assert.deepEqual(describeDiagnostics(project, 'model.ts'), [
        "conv2d: 91001 conv2d(8, 7) gets an empty output: its 7×7 window does not fit the padded input 5×5 (input 1@5×5). Use a smaller kernel or stride, more padding, or padding: 'same'.",
      ]);
    });

    it('an error in one context of a helper: once, at the call inside the helper', () => {
      const { text, at } = withMarkers(`import { conv2d, input, maxPool2d, model, relu, sequential } from 'convlens';
import type { LayerNode } from 'convlens';

function stage(filters: number): LayerNode {
  return sequential(/*|conv*/conv2d(filters, 3), relu(), maxPool2d(2));
}

const layers: LayerNode[] = [];
for (const filters of [16, 32, 64]) layers.push(stage(filters));

export const net = model('net', input(3, 14, 14), ...layers);
`);
      const project = new MemoryProject({ 'model.ts': text });
      // 14 → conv 12 → pool 6 → conv 4 → pool 2: the third 3×3 convolution does not fit.
      const diagnostics = diagnosticsOf(project, 'model.ts');
      assert.deepEqual(
        diagnostics.map((diagnostic) => [diagnostic.start, diagnostic.code]),
        [[at('conv'), 91001]],
      );
      assert.match(String(diagnostics[0]?.messageText), /does not fit the padded input 2×2 \(input 32@2×2\)/);
    });

    it('every example: no diagnostics, no type errors, hints and a lens per exported model', () => {
      const examples = readdirSync(path.join(repoRoot, 'examples')).filter((name) => name.endsWith('.ts'));
      assert.ok(examples.length >= 6, examples.join(', '));
      const files = Object.fromEntries(examples.map((name) => [name, readFileSync(path.join(repoRoot, 'examples', name), 'utf8')]));
      const project = new MemoryProject(files);
      for (const name of examples) {
        assert.deepEqual(project.typeErrors(name), [], name);
        assert.deepEqual(describeDiagnostics(project, name), [], name);
        assert.ok(hintsOf(project, name).length > 0, `hints in ${name}`);
        const { program, sourceFile } = project.target(name);
        const exported = program.getTypeChecker().getExportsOfModule(program.getTypeChecker().getSymbolAtLocation(sourceFile)!);
        const models = exported.filter((symbol) => /^const /.test(symbol.valueDeclaration?.parent.getText() ?? '')).map((symbol) => symbol.name);
        assert.deepEqual(
          listModelLenses(ts, program, sourceFile).map((lens) => lens.exportName),
          models,
          `lenses of ${name}`,
        );
      }
    });
  });

  describe('code fixes', () => {
    it('insert flatten(): adds `flatten` to the existing import and the layer before dense', () => {
      const project = new MemoryProject({
        'model.ts': `import { conv2d, dense, input, model, relu } from 'convlens';

export const flat = model('flat', input(1, 28, 28), conv2d(8, 3), relu(), dense(10));
`,
      });
      const { fix, text } = applyFix(project, 'model.ts', 'dense', 91004);
      assert.equal(fix.fixName, 'convlens.insertFlatten');
      assert.equal(fix.description, 'Insert flatten() before this layer');
      assert.equal(
        text,
        `import { conv2d, dense, input, model, relu, flatten } from 'convlens';

export const flat = model('flat', input(1, 28, 28), conv2d(8, 3), relu(), flatten(), dense(10));
`,
      );
      assertClean(project, 'model.ts');
      assert.deepEqual(
        hintsOf(project, 'model.ts').map((hint) => hint.text),
        ['→ 8@26×26', '→ 8@26×26', '→ 5408', '→ 10', '→ 10'],
      );
    });

    it('insert flatten(): uses the name an existing import gives it', () => {
      const project = new MemoryProject({
        'model.ts': `import { conv2d, dense, flatten as toVector, input, model, relu } from 'convlens';

export const flat = model('flat', input(1, 28, 28), conv2d(8, 3), relu(), dense(10));
export const fine = model('fine', input(4), toVector(), dense(2));
`,
      });
      const { text } = applyFix(project, 'model.ts', 'dense', 91004);
      assert.equal(
        text,
        `import { conv2d, dense, flatten as toVector, input, model, relu } from 'convlens';

export const flat = model('flat', input(1, 28, 28), conv2d(8, 3), relu(), toVector(), dense(10));
export const fine = model('fine', input(4), toVector(), dense(2));
`,
      );
      assertClean(project, 'model.ts');
    });

    it('insert flatten(): `cl.flatten()` where the model is written through a namespace import', () => {
      const project = new MemoryProject({
        'model.ts': `import * as cl from 'convlens';

export const flat = cl.model('flat', cl.input(1, 28, 28), cl.conv2d(8, 3), cl.relu(), cl.dense(10));
`,
      });
      const { text } = applyFix(project, 'model.ts', 'dense', 91004);
      assert.equal(
        text,
        `import * as cl from 'convlens';

export const flat = cl.model('flat', cl.input(1, 28, 28), cl.conv2d(8, 3), cl.relu(), cl.flatten(), cl.dense(10));
`,
      );
      assertClean(project, 'model.ts');
    });

    it('projection shortcut: a 1×1 convolution with the main branch\'s filters', () => {
      const project = new MemoryProject({
        'model.ts': `import { conv2d, input, model, relu, residual, sequential } from 'convlens';

export const res = model(
  'res',
  input(16, 32, 32),
  residual(sequential(conv2d(32, 3, { padding: 1 }), relu(), conv2d(32, 3, { padding: 1 }))),
  relu(),
);
`,
      });
      const { fix, text } = applyFix(project, 'model.ts', 'residual', 91002);
      assert.equal(fix.fixName, 'convlens.addProjection');
      assert.equal(fix.description, 'Use a projection shortcut: conv2d(32, 1)');
      assert.equal(
        text,
        `import { conv2d, input, model, relu, residual, sequential } from 'convlens';

export const res = model(
  'res',
  input(16, 32, 32),
  residual(sequential(conv2d(32, 3, { padding: 1 }), relu(), conv2d(32, 3, { padding: 1 })), conv2d(32, 1)),
  relu(),
);
`,
      );
      assertClean(project, 'model.ts');
    });

    it('projection shortcut: replaces a shortcut that does not match, with the main branch\'s stride', () => {
      const project = new MemoryProject({
        'model.ts': `import { conv2d, input, model, relu, residual, sequential } from 'convlens';

export const res = model(
  'res',
  input(16, 32, 32),
  residual(sequential(conv2d(32, 3, { stride: 2, padding: 1 }), relu(), conv2d(32, 3, { padding: 1 })), conv2d(32, 1)),
);
`,
      });
      // Main: (32 + 2 − 3)/2 + 1 = 16 → 32@16×16; the shortcut keeps 32×32.
      assert.match(describeDiagnostics(project, 'model.ts')[0] ?? '', /^residual: 91002 Residual branches disagree: main gives 32@16×16, shortcut gives 32@32×32\./);
      const { text } = applyFix(project, 'model.ts', 'residual', 91002);
      assert.equal(
        text,
        `import { conv2d, input, model, relu, residual, sequential } from 'convlens';

export const res = model(
  'res',
  input(16, 32, 32),
  residual(sequential(conv2d(32, 3, { stride: 2, padding: 1 }), relu(), conv2d(32, 3, { padding: 1 })), conv2d(32, 1, { stride: 2 })),
);
`,
      );
      assertClean(project, 'model.ts');
    });

    it("padding 'same': added as options, into existing options, or replacing the padding", () => {
      const project = new MemoryProject({
        'model.ts': `import { conv2d, input, model } from 'convlens';

export const a = model('a', input(1, 5, 5), conv2d(8, 7));
export const b = model('b', input(1, 5, 5), conv2d(8, 7, { name: 'wide' }));
export const c = model('c', input(1, 5, 5), conv2d(8, 7, { padding: 0 }));
`,
      });
      for (let remaining = 3; remaining > 0; remaining -= 1) {
        const fixes = describeDiagnostics(project, 'model.ts');
        assert.equal(fixes.length, remaining, fixes.join('\n'));
        const { fix } = applyFix(project, 'model.ts', 'conv2d', 91001);
        assert.equal(fix.fixName, 'convlens.paddingSame');
        assert.equal(fix.description, "Switch padding to 'same'");
      }
      assert.equal(
        project.text('model.ts'),
        `import { conv2d, input, model } from 'convlens';

export const a = model('a', input(1, 5, 5), conv2d(8, 7, { padding: 'same' }));
export const b = model('b', input(1, 5, 5), conv2d(8, 7, { padding: 'same', name: 'wide' }));
export const c = model('c', input(1, 5, 5), conv2d(8, 7, { padding: 'same' }));
`,
      );
      assertClean(project, 'model.ts');
      // 'same' keeps 5×5.
      assert.deepEqual(
        hintsOf(project, 'model.ts').map((hint) => hint.text),
        ['→ 8@5×5', '→ 8@5×5', '→ 8@5×5', '→ 8@5×5', '→ 8@5×5', '→ 8@5×5'],
      );
    });

    it('only for the error codes asked for and the range asked about', () => {
      const text = `import { conv2d, dense, input, model, relu } from 'convlens';

export const flat = model('flat', input(1, 28, 28), conv2d(8, 3), relu(), dense(10));
`;
      const project = new MemoryProject({ 'model.ts': text });
      const { program, sourceFile } = project.target('model.ts');
      const at = text.indexOf('dense(10)');
      assert.deepEqual(getCodeFixes(ts, program, sourceFile, at, at + 5, [2304]), []);
      assert.deepEqual(getCodeFixes(ts, program, sourceFile, 0, 10, [91004]), []);
      assert.equal(getCodeFixes(ts, program, sourceFile, at, at + 5, [2304, 91004]).length, 1);
    });
  });

  describe('settings', () => {
    it('hints off: no hints, hovers and diagnostics stay', () => {
      const { text, at } = withMarkers(LENET);
      const project = new MemoryProject({ 'model.ts': text });
      const off = toSettings({ hints: false });
      assert.deepEqual(hintsOf(project, 'model.ts', off), []);
      assert.ok(hoverAt(project, 'model.ts', at('c1'), off) !== undefined);
    });

    it('shape format CHW and HWC, in hints and hovers', () => {
      const { text, at } = withMarkers(LENET);
      const project = new MemoryProject({ 'model.ts': text });
      const chw = toSettings({ shapeFormat: 'CHW' });
      const hwc = toSettings({ shapeFormat: 'HWC' });
      assert.deepEqual(
        hintsOf(project, 'model.ts', chw).slice(5, 8).map((hint) => hint.text),
        ['→ [16,5,5]', '→ [400]', '→ [120]'],
      );
      assert.deepEqual(
        hintsOf(project, 'model.ts', hwc).slice(5, 8).map((hint) => hint.text),
        ['→ [5,5,16]', '→ [400]', '→ [120]'],
      );
      assert.match(hoverAt(project, 'model.ts', at('c1'), chw)?.markdown ?? '', /\n`\[1,28,28\]` → `\[6,28,28\]`\n/);
      assert.match(hoverAt(project, 'model.ts', at('c1'), hwc)?.markdown ?? '', /\n`\[28,28,1\]` → `\[28,28,6\]`\n/);
    });

    it('params in hints: each layer with parameters shows its count', () => {
      assert.equal(
        renderedHints(withMarkers(LENET).text, toSettings({ showParamsInHints: true })),
        `import { conv2d, dense, flatten, input, maxPool2d, model, relu } from 'convlens';

export const lenet = model(
  'lenet',
  input(1, 28, 28),
  conv2d(6, 5, { padding: 2 }) /* → 6@28×28 · 156 params */,
  relu() /* → 6@28×28 */,
  maxPool2d(2) /* → 6@14×14 */,
  conv2d(16, 5) /* → 16@10×10 · 2,416 params */,
  relu() /* → 16@10×10 */,
  maxPool2d(2) /* → 16@5×5 */,
  flatten() /* → 400 */,
  dense(120) /* → 120 · 48,120 params */,
  relu() /* → 120 */,
  dense(84) /* → 84 · 10,164 params */,
  relu() /* → 84 */,
  dense(10) /* → 10 · 850 params */,
) /* → 10 */;
`,
      );
    });

    it('configuration from outside: known keys are read, anything malformed keeps the current value', () => {
      assert.deepEqual(toSettings(undefined), DEFAULT_SETTINGS);
      assert.deepEqual(toSettings('hints'), DEFAULT_SETTINGS);
      assert.deepEqual(toSettings({ hints: 'off', shapeFormat: 'NCHW', showParamsInHints: 1 }), DEFAULT_SETTINGS);
      assert.deepEqual(toSettings({ hints: false, shapeFormat: 'HWC', showParamsInHints: true }), { hints: false, shapeFormat: 'HWC', showParamsInHints: true });
      // A later message that sets one key keeps the others.
      assert.deepEqual(toSettings({ hints: true }, { hints: false, shapeFormat: 'CHW', showParamsInHints: true }), { hints: true, shapeFormat: 'CHW', showParamsInHints: true });
    });
  });

  describe('code lenses', () => {
    it('one above each exported model and GAN, at its name', () => {
      const source = `${withMarkers(LENET).text}\n${withMarkers(GAN).text.replace(/^import .*\n/, '')}`.replace(
        "import { conv2d, dense, flatten, input, maxPool2d, model, relu } from 'convlens';",
        "import { conv2d, conv2dTranspose, dense, flatten, gan, input, leakyRelu, maxPool2d, model, relu, reshape, sequential, sigmoid, tanh } from 'convlens';",
      );
      const project = new MemoryProject({ 'model.ts': source });
      assert.deepEqual(project.typeErrors('model.ts'), []);
      const { program, sourceFile } = project.target('model.ts');
      assert.deepEqual(
        listModelLenses(ts, program, sourceFile).map((lens) => ({ ...lens, span: source.slice(lens.span.start, lens.span.start + lens.span.length) })),
        [
          { exportName: 'lenet', kind: 'model', modelName: 'lenet', span: 'lenet' },
          { exportName: 'tiny', kind: 'gan', modelName: 'tiny', span: 'tiny' },
        ],
      );
    });
  });
});
