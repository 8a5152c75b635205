/**
 * Two models side by side (compareModels, `convlens summary --compare`). Expectations are
 * hand-computed (a 5×5 convolution against two 3×3 on C = 64 channels at 32×32) or published
 * (torchvision's parameter counts and GMACs, Araujo et al.'s receptive fields).
 */
import assert from 'node:assert/strict';
import { analyze, compareModels, type ModelAnalysis } from 'convlens/engine';
import type { ModelNode } from 'convlens/ir';
import { conv3x3Twice, conv5x5 } from '../examples/two-convolutions';
import { resnet18 } from '../examples/resnet';
import { vgg16 } from '../examples/vgg';
import { repoRoot, runConvlens } from './cli-harness';

function analyzeModel(root: ModelNode): ModelAnalysis {
  const analysis = analyze(root);
  assert.equal(analysis.kind, 'model');
  return analysis;
}

describe('compare models', function () {
  it('one 5×5 convolution against two 3×3: 25C² + C against 18C² + 2C parameters, the same receptive field 5', function () {
    const comparison = compareModels(analyzeModel(conv5x5), analyzeModel(conv3x3Twice));
    assert.deepEqual(
      comparison.stages.map(({ stage }) => stage),
      ['32×32'],
    );
    const C = 64;
    assert.deepEqual(comparison.totals, {
      a: {
        layers: 2,
        params: 25 * C * C + C, // 102,464
        macs: 25 * C * C * 32 * 32, // 104,857,600
        activationBytes: 2 * C * 32 * 32 * 4, // conv and relu outputs, float32: 524,288
        receptiveField: [5, 5],
      },
      b: {
        layers: 4,
        params: 2 * (9 * C * C + C), // 73,856
        macs: 2 * 9 * C * C * 32 * 32, // 75,497,472
        activationBytes: 4 * C * 32 * 32 * 4, // 1,048,576
        receptiveField: [5, 5], // 3 + (3 − 1)·1
      },
    });
    assert.deepEqual(comparison.totals.a.params, 102_464);
    assert.deepEqual(comparison.totals.b.params, 73_856);
  });

  it('VGG-16 against ResNet-18: published totals, and VGG\'s first stage counted by hand', function () {
    const comparison = compareModels(analyzeModel(vgg16), analyzeModel(resnet18));
    assert.deepEqual(comparison.stages.map(({ stage }) => stage), ['224×224', '112×112', '56×56', '28×28', '14×14', '7×7', 'head']);
    // torchvision: 138,357,544 and 11,689,512 parameters; 15.47 and 1.81 GMACs. Araujo et al.: fields 212 and 435.
    assert.equal(comparison.totals.a.params, 138_357_544);
    assert.equal(comparison.totals.b.params, 11_689_512);
    assert.equal(Math.round(comparison.totals.a.macs! / 1e6) / 1e3, 15.47);
    assert.equal(Math.round(comparison.totals.b.macs! / 1e6) / 1e3, 1.814);
    assert.deepEqual([comparison.totals.a.receptiveField, comparison.totals.b.receptiveField], [[212, 212], [435, 435]]);
    const [first] = comparison.stages;
    // VGG-16 at 224×224: conv 3→64 and conv 64→64, 3×3, each with a ReLU; ResNet-18 has no layer there.
    assert.deepEqual(first, {
      stage: '224×224',
      a: {
        layers: 4,
        params: (3 * 9 + 1) * 64 + (64 * 9 + 1) * 64, // 1,792 + 36,928
        macs: (3 * 9 * 64 + 64 * 9 * 64) * 224 * 224, // 1,936,392,192
        activationBytes: 4 * 64 * 224 * 224 * 4,
        receptiveField: [5, 5],
      },
      b: null,
    });
  });

  describe('convlens summary --compare', function () {
    it('prints the stages and the differences B − A', async function () {
      const result = await runConvlens(['summary', 'examples/two-convolutions.ts', '--compare', '--model', 'conv5x5', '--model', 'conv3x3Twice'], { cwd: repoRoot });
      assert.equal(result.status, 0, result.stderr);
      const lines = result.stdout.split('\n');
      assert.match(lines[0]!, /^Compare A = conv5x5 with B = conv3x3Twice, stage by stage/);
      const total = lines.find((line) => line.startsWith('total'))!;
      assert.deepEqual(total.split(/\s{2,}/), ['total', '2 / 4', '102,464', '73,856', '−28,608', '104.86 M', '75.50 M', '−29.36 M', '512.00 KiB', '1.00 MiB', '+512.00 KiB', '5', '5']);
    });

    it('two files, one model each named with --model; --json', async function () {
      const result = await runConvlens(['summary', 'examples/vgg.ts', 'examples/resnet.ts', '--compare', '--model', 'vgg16', '--model', 'resnet18', '--json'], { cwd: repoRoot });
      assert.equal(result.status, 0, result.stderr);
      const json = JSON.parse(result.stdout) as { a: string; b: string; totals: { a: { params: number }; b: { params: number } } };
      assert.deepEqual([json.a, json.b, json.totals.a.params, json.totals.b.params], ['vgg16', 'resnet18', 138_357_544, 11_689_512]);
    });

    it('bad input: one line, exit 2', async function () {
      const cases: [string[], RegExp][] = [
        [['summary', 'examples/vgg.ts', '--compare'], /^convlens: --compare with one file needs two --model, got 0\. Usage: convlens summary <A\.ts> \[<B\.ts>\] --compare/],
        [['summary', 'examples/vgg.ts', 'examples/resnet.ts', '--compare'], /^convlens: examples\/vgg\.ts exports 8 models \(vgg11, .*\): pick one with --model, one --model per file\n$/],
        [['summary', 'examples/dcgan.ts', 'examples/lenet5.ts', '--compare', '--model', 'dcgan', '--model', 'lenet5'], /^convlens: --compare compares classifiers, and dcgan in examples\/dcgan\.ts is a GAN/],
        [['summary', 'examples/vgg.ts', '--model', 'vgg11', '--model', 'vgg16'], /^convlens: --model names one export, got 2 \(to compare two, add --compare\)/],
        [['summary', 'examples/vgg.ts', 'examples/resnet.ts'], /^convlens: summary takes one file, got 2 \(to compare two models, add --compare\)/],
      ];
      for (const [args, message] of cases) {
        const result = await runConvlens(args, { cwd: repoRoot });
        assert.equal(result.status, 2, args.join(' '));
        assert.match(result.stderr, message);
        assert.equal(result.stderr.trimEnd().split('\n').length, 1);
      }
    });
  });
});
