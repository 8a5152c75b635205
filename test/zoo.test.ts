/**
 * The model zoo (examples/) against published numbers: torchvision's weight metadata for
 * parameters and GMACs, Araujo et al. (Distill 2019) for receptive fields, the PyTorch DCGAN
 * tutorial for the GAN. Every expectation is a literal from those sources or counted by
 * hand (the arithmetic is in the comments), never re-derived with the engine's formulas.
 */
import assert from 'node:assert/strict';
import type { GanNode, ModelNode } from 'convlens/ir';
import { analyze } from 'convlens/engine';
import type { GanAnalysis, ModelAnalysis } from 'convlens/engine';
import { alexnet, alexnet2012 } from '../examples/alexnet';
import { dcgan, dcganMnist } from '../examples/dcgan';
import { googlenet } from '../examples/googlenet';
import { lenet5, lenet5Mnist, lenet5Modern } from '../examples/lenet5';
import { resnet101, resnet152, resnet18, resnet34, resnet50 } from '../examples/resnet';
import { vgg11, vgg11Bn, vgg13, vgg13Bn, vgg16, vgg16Bn, vgg19, vgg19Bn } from '../examples/vgg';

// The big models take a moment to analyse; each is analysed once and shared by its tests.
const analyses = new Map<ModelNode | GanNode, ModelAnalysis | GanAnalysis>();

function analyzeOnce(root: ModelNode | GanNode): ModelAnalysis | GanAnalysis {
  const cached = analyses.get(root);
  if (cached !== undefined) return cached;
  const analysis = analyze(root);
  analyses.set(root, analysis);
  return analysis;
}

function analyzeModel(root: ModelNode): ModelAnalysis {
  const analysis = analyzeOnce(root);
  if (analysis.kind !== 'model') assert.fail(`expected a model analysis for ${root.name}, got ${analysis.kind}`);
  return analysis;
}

function analyzeGan(root: GanNode): GanAnalysis {
  const analysis = analyzeOnce(root);
  if (analysis.kind !== 'gan') assert.fail(`expected a GAN analysis for ${root.name}, got ${analysis.kind}`);
  return analysis;
}

function errorsOf(analysis: ModelAnalysis | GanAnalysis): string[] {
  return analysis.findings
    .filter((finding) => finding.severity === 'error')
    .map((finding) => `${finding.code} at ${finding.path}: ${finding.message}`);
}

/** MACs in G rounded to three decimals, the precision torchvision publishes. */
function toGmacs(macs: number | null): number | null {
  return macs === null ? null : Math.round(macs / 1e6) / 1e3;
}

interface ModelCase {
  readonly root: ModelNode;
  /** Trainable parameters without auxiliary heads (what torchvision publishes). */
  readonly params: number;
  /** Trainable parameters with auxiliary heads; equal to `params` for models without any. */
  readonly paramsWithAux: number;
  /** BN running mean and variance: 2 × the channels of every batchNorm. */
  readonly nonTrainable: number;
  /** Published GMACs (torchvision's "GFLOPS"), or exact MACs counted by hand. */
  readonly gmacs?: number;
  readonly macs?: number;
  /** Receptive field of the last spatial output, where Araujo et al. (Distill 2019) list one or it was counted by hand. */
  readonly receptiveField?: { readonly size: number; readonly jump: number };
  readonly output: readonly number[];
}

const modelCases: readonly ModelCase[] = [
  // LeNet-5: 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706. MACs: 6·28²·25 + 16·10²·150 +
  // 120·400 + 120·84 + 84·10 = 117,600 + 240,000 + 48,000 + 10,080 + 840 = 416,520.
  // Receptive field: 5 → 6 (pool, jump 2) → 14 → 16 (pool, jump 4); the classic model's C5
  // (5×5 on jump 4) makes its last spatial output see all 32 pixels.
  { root: lenet5, params: 61_706, paramsWithAux: 61_706, nonTrainable: 0, macs: 416_520, receptiveField: { size: 32, jump: 4 }, output: [10] },
  { root: lenet5Modern, params: 61_706, paramsWithAux: 61_706, nonTrainable: 0, macs: 416_520, receptiveField: { size: 16, jump: 4 }, output: [10] },
  { root: lenet5Mnist, params: 61_706, paramsWithAux: 61_706, nonTrainable: 0, macs: 416_520, receptiveField: { size: 16, jump: 4 }, output: [10] },

  { root: alexnet, params: 61_100_840, paramsWithAux: 61_100_840, nonTrainable: 0, gmacs: 0.714, receptiveField: { size: 195, jump: 32 }, output: [1000] },
  // The paper's grouped variant (Krizhevsky et al. 2012: 60,965,224 parameters); its layout gives the same 195/32 as torchvision's.
  { root: alexnet2012, params: 60_965_224, paramsWithAux: 60_965_224, nonTrainable: 0, receptiveField: { size: 195, jump: 32 }, output: [1000] },

  // VGG with BN: nonTrainable = 2 × conv channels. A: 64 + 128 + 2·256 + 4·512 = 2,752;
  // B: 2·64 + 2·128 + 2·256 + 4·512 = 2,944; D: 2·64 + 2·128 + 3·256 + 6·512 = 4,224;
  // E: 2·64 + 2·128 + 4·256 + 8·512 = 5,504.
  { root: vgg11, params: 132_863_336, paramsWithAux: 132_863_336, nonTrainable: 0, gmacs: 7.609, receptiveField: { size: 150, jump: 32 }, output: [1000] },
  { root: vgg13, params: 133_047_848, paramsWithAux: 133_047_848, nonTrainable: 0, gmacs: 11.308, receptiveField: { size: 156, jump: 32 }, output: [1000] },
  { root: vgg16, params: 138_357_544, paramsWithAux: 138_357_544, nonTrainable: 0, gmacs: 15.47, receptiveField: { size: 212, jump: 32 }, output: [1000] },
  { root: vgg19, params: 143_667_240, paramsWithAux: 143_667_240, nonTrainable: 0, gmacs: 19.632, receptiveField: { size: 268, jump: 32 }, output: [1000] },
  { root: vgg11Bn, params: 132_868_840, paramsWithAux: 132_868_840, nonTrainable: 5_504, gmacs: 7.609, receptiveField: { size: 150, jump: 32 }, output: [1000] },
  { root: vgg13Bn, params: 133_053_736, paramsWithAux: 133_053_736, nonTrainable: 5_888, gmacs: 11.308, receptiveField: { size: 156, jump: 32 }, output: [1000] },
  { root: vgg16Bn, params: 138_365_992, paramsWithAux: 138_365_992, nonTrainable: 8_448, gmacs: 15.47, receptiveField: { size: 212, jump: 32 }, output: [1000] },
  { root: vgg19Bn, params: 143_678_248, paramsWithAux: 143_678_248, nonTrainable: 11_008, gmacs: 19.632, receptiveField: { size: 268, jump: 32 }, output: [1000] },

  // GoogLeNet BN channels: stem 64 + 64 + 192 = 320; Inception 3a–5b (1×1 + 3×3 red + 3×3 +
  // 5×5 red + 5×5 + pool proj) 368 + 640 + 624 + 648 + 664 + 704 + 1,024 + 1,024 + 1,264 = 6,960;
  // two aux heads 2·128 = 256; total 7,536, so 15,072 running statistics.
  { root: googlenet, params: 6_624_904, paramsWithAux: 13_004_888, nonTrainable: 15_072, gmacs: 1.498, output: [1000] },

  // ResNet BN channels. Basic blocks: 2·planes each, projections planes; bottlenecks:
  // 6·planes each, projections 4·planes; plus the stem's 64.
  // 18: 64 + 256 + 640 + 1,280 + 2,560 = 4,800. 34: 64 + 384 + 1,152 + 3,328 + 3,584 = 8,512.
  // 50: 64 + 1,408 + 3,584 + 10,240 + 11,264 = 26,560 (Keras: 53,120 non-trainable).
  // 101: stage 3 is 23·1,536 + 1,024 = 36,352, total 52,672. 152: stages 2 and 3 are
  // 8·768 + 512 = 6,656 and 36·1,536 + 1,024 = 56,320, total 75,712.
  { root: resnet18, params: 11_689_512, paramsWithAux: 11_689_512, nonTrainable: 9_600, gmacs: 1.814, receptiveField: { size: 435, jump: 32 }, output: [1000] },
  { root: resnet34, params: 21_797_672, paramsWithAux: 21_797_672, nonTrainable: 17_024, gmacs: 3.664, receptiveField: { size: 899, jump: 32 }, output: [1000] },
  { root: resnet50, params: 25_557_032, paramsWithAux: 25_557_032, nonTrainable: 53_120, gmacs: 4.089, receptiveField: { size: 427, jump: 32 }, output: [1000] },
  { root: resnet101, params: 44_549_160, paramsWithAux: 44_549_160, nonTrainable: 105_344, gmacs: 7.801, receptiveField: { size: 971, jump: 32 }, output: [1000] },
  { root: resnet152, params: 60_192_808, paramsWithAux: 60_192_808, nonTrainable: 151_424, gmacs: 11.514, receptiveField: { size: 1451, jump: 32 }, output: [1000] },
];

describe('model zoo against published numbers', () => {
  for (const testCase of modelCases) {
    const { root } = testCase;
    describe(root.name, () => {
      it('has no error findings', () => {
        assert.deepEqual(errorsOf(analyzeModel(root)), []);
      });

      it(`has ${testCase.paramsWithAux.toLocaleString('en-US')} trainable parameters`, () => {
        const { params } = analyzeModel(root);
        assert.equal(params.trainable, testCase.paramsWithAux);
        assert.equal(Number(params.trainable ?? NaN) - Number(params.aux ?? NaN), testCase.params);
      });

      it(`has ${testCase.nonTrainable.toLocaleString('en-US')} non-trainable parameters`, () => {
        assert.equal(analyzeModel(root).params.nonTrainable, testCase.nonTrainable);
      });

      const { gmacs, macs } = testCase;
      if (gmacs !== undefined) {
        it(`costs ${gmacs} GMACs`, () => {
          const modelMacs = analyzeModel(root).macs;
          assert.ok(modelMacs === null || typeof modelMacs === 'number');
          assert.equal(toGmacs(modelMacs), gmacs);
        });
      }
      if (macs !== undefined) {
        it(`costs ${macs.toLocaleString('en-US')} MACs`, () => {
          assert.equal(analyzeModel(root).macs, macs);
        });
      }

      const { receptiveField } = testCase;
      if (receptiveField !== undefined) {
        it(`has a receptive field of ${receptiveField.size} with jump ${receptiveField.jump}`, () => {
          const field = analyzeModel(root).receptiveField;
          assert.ok(field, 'expected a receptive field');
          assert.deepEqual(field.size, [receptiveField.size, receptiveField.size]);
          assert.deepEqual(field.jump, [receptiveField.jump, receptiveField.jump]);
        });
      }

      it(`outputs ${JSON.stringify(testCase.output)}`, () => {
        assert.deepEqual(analyzeModel(root).output, testCase.output);
      });
    });
  }
});

/** The leaves of a model in execution order: containers and the input left out. */
function leavesOf(analysis: ModelAnalysis) {
  return analysis.layers.filter((layer) => !layer.container && layer.node.kind !== 'input');
}

describe('LeNet-5 layer by layer', () => {
  it('classic lenet5: shapes and parameters of every layer', () => {
    const leaves = leavesOf(analyzeModel(lenet5));
    assert.deepEqual(
      leaves.map((layer) => [layer.node.kind, layer.output, layer.params.trainable]),
      [
        ['conv2d', [6, 28, 28], 156], // (5·5·1 + 1)·6
        ['tanh', [6, 28, 28], 0],
        ['avgPool2d', [6, 14, 14], 0],
        ['conv2d', [16, 10, 10], 2_416], // (5·5·6 + 1)·16, full C3 connectivity
        ['tanh', [16, 10, 10], 0],
        ['avgPool2d', [16, 5, 5], 0],
        ['conv2d', [120, 1, 1], 48_120], // (5·5·16 + 1)·120
        ['tanh', [120, 1, 1], 0],
        ['flatten', [120], 0],
        ['dense', [84], 10_164], // (120 + 1)·84
        ['tanh', [84], 0],
        ['dense', [10], 850], // (84 + 1)·10
      ],
    );
  });

  it('classic lenet5 keeps the paper\'s layer names', () => {
    const leaves = leavesOf(analyzeModel(lenet5));
    assert.deepEqual(
      leaves.filter((layer) => 'name' in layer.node && layer.node.name !== null).map((layer) => layer.name),
      ['C1', 'S2', 'C3', 'S4', 'C5', 'F6', 'output'],
    );
  });

  it('lenet5Mnist: padding 2 on 28×28 gives the 32×32 model\'s shapes', () => {
    const leaves = leavesOf(analyzeModel(lenet5Mnist));
    assert.deepEqual(
      leaves.map((layer) => [layer.node.kind, layer.output]),
      [
        ['conv2d', [6, 28, 28]],
        ['relu', [6, 28, 28]],
        ['maxPool2d', [6, 14, 14]],
        ['conv2d', [16, 10, 10]],
        ['relu', [16, 10, 10]],
        ['maxPool2d', [16, 5, 5]],
        ['flatten', [400]],
        ['dense', [120]],
        ['relu', [120]],
        ['dense', [84]],
        ['relu', [84]],
        ['dense', [10]],
      ],
    );
  });
});

interface NetworkExpectation {
  readonly trainable: number;
  readonly nonTrainable: number;
  readonly output: readonly number[];
}

interface GanCase {
  readonly root: GanNode;
  readonly generator: NetworkExpectation;
  readonly discriminator: NetworkExpectation;
}

const ganCases: readonly GanCase[] = [
  // The PyTorch DCGAN tutorial (ngf = ndf = 64: G 3,576,704, D 2,765,568 parameters). BN: G 512 + 256 + 128 + 64 = 960 channels,
  // D 128 + 256 + 512 = 896.
  {
    root: dcgan,
    generator: { trainable: 3_576_704, nonTrainable: 1_920, output: [3, 64, 64] },
    discriminator: { trainable: 2_765_568, nonTrainable: 1_792, output: [1] },
  },
  // By hand. G: dense (100 + 1)·6,272 = 633,472; BN 2·6,272 = 12,544; transposed conv
  // 128·4·4·64 + 64 = 131,136; BN 2·64 = 128; transposed conv 64·4·4·1 + 1 = 1,025;
  // total 778,305. D: conv (4·4·1 + 1)·64 = 1,088; conv (4·4·64 + 1)·128 = 131,200;
  // BN 256; dense (128·7·7 + 1)·1 = 6,273; total 138,817.
  {
    root: dcganMnist,
    generator: { trainable: 778_305, nonTrainable: 12_672, output: [1, 28, 28] },
    discriminator: { trainable: 138_817, nonTrainable: 256, output: [1] },
  },
];

describe('GAN zoo', () => {
  for (const testCase of ganCases) {
    const { root } = testCase;
    describe(root.name, () => {
      it('has no error findings', () => {
        assert.deepEqual(errorsOf(analyzeGan(root)), []);
      });

      for (const network of ['generator', 'discriminator'] as const) {
        const expected = testCase[network];
        it(`${network}: ${expected.trainable.toLocaleString('en-US')} trainable parameters, output ${JSON.stringify(expected.output)}`, () => {
          const analysis = analyzeGan(root)[network];
          assert.equal(analysis.params.trainable, expected.trainable);
          assert.equal(analysis.params.nonTrainable, expected.nonTrainable);
          assert.deepEqual(analysis.output, expected.output);
        });
      }

      it('counts both networks in its totals', () => {
        const analysis = analyzeGan(root);
        assert.equal(analysis.params.trainable, testCase.generator.trainable + testCase.discriminator.trainable);
        assert.deepEqual(analysis.output, testCase.generator.output);
      });
    });
  }

  it('dcgan discriminator MACs, counted by hand', () => {
    // 32²·64·(4·4·3) + 16²·128·(4·4·64) + 8²·256·(4·4·128) + 4²·512·(4·4·256) + 1·1·(4·4·512)
    // = 3,145,728 + 3·33,554,432 + 8,192.
    assert.equal(analyzeGan(dcgan).discriminator.macs, 103_817_216);
  });

  it('dcgan generator MACs, counted by hand', () => {
    // A transposed convolution scatters every input element through k·k·filters weights:
    // 100·(4·4·512) + 512·4²·(4·4·256) + 256·8²·(4·4·128) + 128·16²·(4·4·64) + 64·32²·(4·4·3)
    // = 819,200 + 3·33,554,432 + 3,145,728.
    assert.equal(analyzeGan(dcgan).generator.macs, 104_628_224);
  });
});
