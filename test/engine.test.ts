/**
 * Engine tables with literal expectations. Output shapes and parameter counts of the
 * PyTorch-expressible cases were confirmed with Debian's PyTorch 1.13 (nn.Conv2d,
 * nn.MaxPool2d(ceil_mode), nn.ConvTranspose2d, …, counting parameters() and buffers());
 * 'same' cases follow TensorFlow's documented rule; MACs are worked out by hand.
 */
import assert from 'node:assert/strict';
import {
  adaptiveAvgPool2d,
  avgPool2d,
  aux,
  batchNorm,
  concat,
  conv2d,
  conv2dTranspose,
  dense,
  dropout,
  flatten,
  gan,
  globalAvgPool2d,
  identity,
  input,
  leakyRelu,
  lrn,
  maxPool2d,
  model,
  relu,
  relu6,
  reshape,
  residual,
  sequential,
  sigmoid,
  softmax,
  tanh,
  upsample2d,
  zeroPad2d,
  type LayerNode,
} from 'convlens';
import { analyze, analyzeModel, formatShape, type LayerReport, type ModelAnalysis } from 'convlens/engine';

function single(layer: LayerNode, ...shape: number[]): LayerReport {
  const analysis = analyzeModel(model('case', input(...(shape as [number])), layer));
  const report = analysis.layers.find((candidate) => candidate.path === '0');
  assert.ok(report, 'layer 0 is reported');
  return report;
}

function codes(analysis: { findings: readonly { code: string }[] }): string[] {
  return analysis.findings.map((finding) => finding.code);
}

describe('engine: one layer at a time', () => {
  const cases: { title: string; layer: LayerNode; input: number[]; output: number[]; params: number; macs: number }[] = [
    { title: 'conv 3×3, no padding', layer: conv2d(8, 3), input: [3, 32, 32], output: [8, 30, 30], params: 224, macs: 194_400 },
    { title: 'conv 3×3, padding 1', layer: conv2d(8, 3, { padding: 1 }), input: [3, 32, 32], output: [8, 32, 32], params: 224, macs: 221_184 },
    { title: 'conv stride 2', layer: conv2d(8, 3, { stride: 2 }), input: [3, 32, 32], output: [8, 15, 15], params: 224, macs: 48_600 },
    { title: 'conv stride 2, padding 1', layer: conv2d(8, 3, { stride: 2, padding: 1 }), input: [3, 32, 32], output: [8, 16, 16], params: 224, macs: 55_296 },
    { title: 'conv dilation 2', layer: conv2d(8, 3, { dilation: 2 }), input: [3, 32, 32], output: [8, 28, 28], params: 224, macs: 169_344 },
    { title: "conv 'valid'", layer: conv2d(8, 3, { padding: 'valid' }), input: [3, 32, 32], output: [8, 30, 30], params: 224, macs: 194_400 },
    { title: "conv 'same', stride 1", layer: conv2d(8, 3, { padding: 'same' }), input: [3, 32, 32], output: [8, 32, 32], params: 224, macs: 221_184 },
    { title: "conv 'same', stride 2, odd input (TensorFlow: ceil(31 / 2))", layer: conv2d(4, 5, { stride: 2, padding: 'same' }), input: [3, 31, 31], output: [4, 16, 16], params: 304, macs: 76_800 },
    { title: 'conv rectangular kernel and padding', layer: conv2d(6, [3, 5], { padding: [1, 2] }), input: [1, 28, 28], output: [6, 28, 28], params: 96, macs: 70_560 },
    { title: 'grouped conv, no bias', layer: conv2d(64, 3, { groups: 4, bias: false }), input: [32, 8, 8], output: [64, 6, 6], params: 4_608, macs: 165_888 },
    { title: 'depthwise-style conv (groups = channels)', layer: conv2d(64, 3, { groups: 32 }), input: [32, 8, 8], output: [64, 6, 6], params: 640, macs: 20_736 },
    { title: '1×1 conv', layer: conv2d(16, 1), input: [64, 7, 7], output: [16, 7, 7], params: 1_040, macs: 50_176 },
    { title: 'max pool 3/2 ceil mode', layer: maxPool2d(3, { stride: 2, ceilMode: true }), input: [64, 112, 112], output: [64, 56, 56], params: 0, macs: 0 },
    { title: 'max pool 3/2 ceil mode on 55', layer: maxPool2d(3, { stride: 2, ceilMode: true }), input: [64, 55, 55], output: [64, 27, 27], params: 0, macs: 0 },
    { title: 'ceil mode: the last window must start inside input or left padding', layer: maxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), input: [4, 14, 14], output: [4, 8, 8], params: 0, macs: 0 },
    { title: 'max pool 2 floors', layer: maxPool2d(2), input: [16, 7, 7], output: [16, 3, 3], params: 0, macs: 0 },
    { title: 'max pool 2 ceil mode', layer: maxPool2d(2, { ceilMode: true }), input: [16, 7, 7], output: [16, 4, 4], params: 0, macs: 0 },
    { title: 'max pool 3/2 padding 1 (ResNet stem)', layer: maxPool2d(3, { stride: 2, padding: 1 }), input: [64, 112, 112], output: [64, 56, 56], params: 0, macs: 0 },
    { title: 'avg pool 3/1 padding 1', layer: avgPool2d(3, { stride: 1, padding: 1 }), input: [8, 5, 5], output: [8, 5, 5], params: 0, macs: 0 },
    { title: 'transposed conv 4/2/1 doubles', layer: conv2dTranspose(32, 4, { stride: 2, padding: 1 }), input: [64, 8, 8], output: [32, 16, 16], params: 32_800, macs: 2_097_152 },
    { title: 'transposed conv with output padding', layer: conv2dTranspose(16, 3, { stride: 2, padding: 1, outputPadding: 1 }), input: [64, 8, 8], output: [16, 16, 16], params: 9_232, macs: 589_824 },
    { title: 'transposed conv from 1×1 (DCGAN)', layer: conv2dTranspose(512, 4, { bias: false }), input: [100, 1, 1], output: [512, 4, 4], params: 819_200, macs: 819_200 },
    { title: "transposed conv 'same' (TensorFlow: in·stride)", layer: conv2dTranspose(16, 3, { stride: 2, padding: 'same' }), input: [64, 8, 8], output: [16, 16, 16], params: 9_232, macs: 589_824 },
    { title: 'adaptive average pool', layer: adaptiveAvgPool2d([2, 3]), input: [8, 7, 7], output: [8, 2, 3], params: 0, macs: 0 },
    { title: 'global average pool', layer: globalAvgPool2d(), input: [8, 7, 7], output: [8], params: 0, macs: 0 },
    { title: 'flatten', layer: flatten(), input: [16, 5, 5], output: [400], params: 0, macs: 0 },
    { title: 'reshape with -1', layer: reshape(-1, 7, 7), input: [98], output: [2, 7, 7], params: 0, macs: 0 },
    { title: 'zero padding [top, bottom, left, right]', layer: zeroPad2d([1, 2, 3, 4]), input: [3, 10, 10], output: [3, 13, 17], params: 0, macs: 0 },
    { title: 'upsample 2', layer: upsample2d(2), input: [3, 5, 5], output: [3, 10, 10], params: 0, macs: 0 },
    { title: 'upsample [2, 3]', layer: upsample2d([2, 3]), input: [3, 5, 5], output: [3, 10, 15], params: 0, macs: 0 },
    { title: 'dense', layer: dense(10), input: [84], output: [10], params: 850, macs: 840 },
    { title: 'dense without bias', layer: dense(10, { bias: false }), input: [84], output: [10], params: 840, macs: 840 },
    { title: 'dropout', layer: dropout(0.5), input: [84], output: [84], params: 0, macs: 0 },
    { title: 'lrn', layer: lrn(), input: [96, 55, 55], output: [96, 55, 55], params: 0, macs: 0 },
    { title: 'leaky relu', layer: leakyRelu(0.2), input: [4, 2, 2], output: [4, 2, 2], params: 0, macs: 0 },
    { title: 'relu6 on an image', layer: relu6(), input: [32, 7, 7], output: [32, 7, 7], params: 0, macs: 0 },
    { title: 'relu6 on a vector', layer: relu6(), input: [1_280], output: [1_280], params: 0, macs: 0 },
    { title: 'identity on an image', layer: identity(), input: [3, 5, 4], output: [3, 5, 4], params: 0, macs: 0 },
    { title: 'identity on a vector', layer: identity(), input: [84], output: [84], params: 0, macs: 0 },
  ];
  for (const { title, layer, input: shape, output, params, macs } of cases) {
    it(title, () => {
      const report = single(layer, ...shape);
      assert.deepEqual(report.output, output);
      assert.equal(report.params.trainable, params);
      assert.equal(report.params.nonTrainable, 0);
      assert.equal(report.macs, macs);
    });
  }

  it('batch norm on an image: γ, β trainable; running mean, variance not', () => {
    const report = single(batchNorm(), 16, 5, 5);
    assert.deepEqual(report.params, {
      trainable: 32,
      nonTrainable: 32,
      formula: 'γ, β: 2·16 = 32; running mean, variance: 2·16 = 32',
    });
  });

  it('batch norm on a vector counts features', () => {
    const report = single(batchNorm(), 120);
    assert.equal(report.params.trainable, 240);
    assert.equal(report.params.nonTrainable, 240);
  });

  it('parameter formulas are filled in', () => {
    assert.equal(single(conv2d(6, 5), 1, 32, 32).params.formula, '(5·5·1 + 1)·6 = 156');
    assert.equal(single(conv2d(256, 5, { groups: 2, padding: 2 }), 96, 27, 27).params.formula, '(5·5·96/2 + 1)·256 = 307,456');
    assert.equal(single(conv2d(64, 7, { bias: false }), 3, 224, 224).params.formula, '7·7·3·64 = 9,408');
    assert.equal(single(dense(120), 400).params.formula, '(400 + 1)·120 = 48,120');
    assert.equal(single(conv2dTranspose(32, 4, { stride: 2, padding: 1 }), 64, 8, 8).params.formula, '4·4·64·32 + 32 = 32,800');
  });

  it('activation size is the output element count', () => {
    assert.equal(single(conv2d(6, 5), 1, 32, 32).activations, 4_704);
  });
});

describe('engine: receptive fields', () => {
  function fieldOf(analysis: ModelAnalysis): unknown {
    return analysis.receptiveField;
  }

  it('LeNet-5 on 32×32: 16 pixels, jump 4 (counted by hand: 5 → 6 → 14 → 16)', () => {
    const lenet = model('lenet', input(1, 32, 32), conv2d(6, 5), tanh(), avgPool2d(2), conv2d(16, 5), tanh(), avgPool2d(2), flatten(), dense(10));
    assert.deepEqual(fieldOf(analyzeModel(lenet)), { size: [16, 16], jump: [4, 4], start: [7.5, 7.5] });
  });

  it('two 3×3 convolutions see 5×5; padding moves the start', () => {
    const twoConvs = model('two', input(1, 16, 16), conv2d(4, 3, { padding: 1 }), conv2d(4, 3, { padding: 1 }));
    assert.deepEqual(fieldOf(analyzeModel(twoConvs)), { size: [5, 5], jump: [1, 1], start: [0, 0] });
  });

  it('dilation widens the kernel: 3×3 dilated 2 sees 5×5', () => {
    const dilated = model('dilated', input(1, 16, 16), conv2d(4, 3, { dilation: 2 }));
    assert.deepEqual(fieldOf(analyzeModel(dilated)), { size: [5, 5], jump: [1, 1], start: [2, 2] });
  });

  it("'same' padding with stride 2 puts the extra pixel at the bottom/right", () => {
    // in 32, k 4, s 2: out 16, total padding (16 − 1)·2 + 4 − 32 = 2, so 1 before, 1 after.
    const same = model('same', input(1, 32, 32), conv2d(4, 4, { stride: 2, padding: 'same' }));
    assert.deepEqual(fieldOf(analyzeModel(same)), { size: [4, 4], jump: [2, 2], start: [0.5, 0.5] });
  });

  it('rectangular kernels give per-axis fields', () => {
    const rect = model('rect', input(1, 16, 16), conv2d(4, [1, 7]), conv2d(4, [7, 1]));
    assert.deepEqual(fieldOf(analyzeModel(rect)), { size: [7, 7], jump: [1, 1], start: [3, 3] });
  });

  it('the field is that of the last spatial output, before flatten', () => {
    const analysis = analyzeModel(model('m', input(1, 8, 8), conv2d(2, 3), flatten(), dense(4)));
    assert.deepEqual(analysis.receptiveField, { size: [3, 3], jump: [1, 1], start: [1, 1] });
    assert.equal(analysis.layers.find((layer) => layer.path === '2')?.receptiveField, null);
  });

  it('over concatenated branches the widest field wins', () => {
    const inception = model(
      'inception',
      input(8, 16, 16),
      concat(conv2d(4, 1), sequential(conv2d(4, 1), conv2d(4, 5, { padding: 2 })), conv2d(4, 3, { padding: 1 })),
    );
    const analysis = analyzeModel(inception);
    assert.deepEqual(analysis.receptiveField, { size: [5, 5], jump: [1, 1], start: [0, 0] });
    assert.deepEqual(analysis.output, [12, 16, 16]);
  });

  it('a vector input has no receptive field', () => {
    assert.equal(analyzeModel(model('mlp', input(784), dense(10))).receptiveField, null);
  });
});

describe('engine: containers', () => {
  it('residual with identity shortcut keeps the shape; params and MACs add up', () => {
    const block = residual(sequential(conv2d(16, 3, { padding: 1, bias: false }), batchNorm(), relu(), conv2d(16, 3, { padding: 1, bias: false }), batchNorm()));
    const analysis = analyzeModel(model('res', input(16, 8, 8), block, relu()));
    assert.deepEqual(analysis.output, [16, 8, 8]);
    // 2 convs of 3·3·16·16 = 2,304 weights, 2 batch norms of 2·16 trainable and 2·16 running.
    assert.deepEqual(analysis.params, { trainable: 4_672, nonTrainable: 64, aux: 0 });
    assert.equal(analysis.macs, 294_912);
    const container = analysis.layers.find((layer) => layer.path === '0');
    assert.equal(container?.container, true);
    assert.equal(container?.params.trainable, 4_672);
    assert.deepEqual(analysis.findings, []);
    assert.deepEqual(analysis.receptiveField, { size: [5, 5], jump: [1, 1], start: [0, 0] });
  });

  it('residual with a projection shortcut', () => {
    const block = residual(
      sequential(conv2d(32, 3, { stride: 2, padding: 1 }), relu(), conv2d(32, 3, { padding: 1 })),
      conv2d(32, 1, { stride: 2 }),
    );
    const analysis = analyzeModel(model('res', input(16, 8, 8), block));
    assert.deepEqual(analysis.output, [32, 4, 4]);
    assert.deepEqual(analysis.findings, []);
    assert.deepEqual(
      analysis.layers.map((layer) => layer.path),
      ['input', '0', '0.main', '0.main.0', '0.main.1', '0.main.2', '0.shortcut'],
    );
    // (3·3·16 + 1)·32 + (3·3·32 + 1)·32 + (1·1·16 + 1)·32
    assert.equal(analysis.params.trainable, 4_640 + 9_248 + 544);
  });

  it('aux heads: counted apart, excluded from MACs, main path unchanged', () => {
    const analysis = analyzeModel(
      model('aux', input(8, 4, 4), conv2d(8, 3, { padding: 1 }), aux('side', sequential(globalAvgPool2d(), dense(10)), { weight: 0.3 }), flatten(), dense(10)),
    );
    assert.deepEqual(analysis.output, [10]);
    // conv (3·3·8 + 1)·8 = 584, aux dense (8 + 1)·10 = 90, main dense (128 + 1)·10 = 1,290
    assert.deepEqual(analysis.params, { trainable: 1_964, nonTrainable: 0, aux: 90 });
    assert.equal(analysis.macs, 9_216 + 1_280);
    assert.equal(analysis.auxMacs, 80);
    assert.deepEqual(
      analysis.layers.filter((layer) => layer.aux).map((layer) => layer.name),
      ['sequential_1', 'globalAvgPool2d_1', 'dense_1'],
    );
  });

  it('nested arrays of layers are flattened one level', () => {
    const analysis = analyzeModel(model('m', input(1, 8, 8), [conv2d(2, 3), relu()], sequential([conv2d(2, 3)], relu())));
    assert.deepEqual(analysis.output, [2, 4, 4]);
  });

  it('display names: user names kept, others counted per kind, user names skipped', () => {
    const analysis = analyzeModel(model('m', input(1, 8, 8), conv2d(2, 3), conv2d(2, 3, { name: 'conv2d_2' }), conv2d(2, 1)));
    assert.deepEqual(
      analysis.layers.map((layer) => layer.name),
      ['input', 'conv2d_1', 'conv2d_2', 'conv2d_3'],
    );
  });

  it('relu6 and identity: no parameters, no MACs, no findings; the field passes through unchanged', () => {
    const plain = model('plain', input(3, 15, 15), conv2d(8, 3, { stride: 2 }), conv2d(8, 3));
    const ported = model('ported', input(3, 15, 15), conv2d(8, 3, { stride: 2 }), relu6(), identity(), conv2d(8, 3), identity({ name: 'out' }), relu6());
    const before = analyzeModel(plain);
    const after = analyzeModel(ported);
    // 3 → 7 → 11 pixels, jump 1 → 2 → 2; conv (3·3·3 + 1)·8 = 224 and (3·3·8 + 1)·8 = 584.
    assert.deepEqual(after.receptiveField, { size: [7, 7], jump: [2, 2], start: [3, 3] });
    assert.deepEqual(after.receptiveField, before.receptiveField);
    assert.deepEqual(after.params, { trainable: 808, nonTrainable: 0, aux: 0 });
    assert.equal(after.macs, before.macs);
    assert.deepEqual(after.output, [8, 5, 5]);
    assert.deepEqual(after.findings, []);
    assert.deepEqual(
      after.layers.map((layer) => [layer.name, formatShape(layer.output), layer.params.trainable, layer.macs, layer.receptiveField?.size ?? null]),
      [
        ['input', '3@15×15', 0, 0, [1, 1]],
        ['conv2d_1', '8@7×7', 224, 10_584, [3, 3]],
        ['relu6_1', '8@7×7', 0, 0, [3, 3]],
        ['identity_1', '8@7×7', 0, 0, [3, 3]],
        ['conv2d_2', '8@5×5', 584, 14_400, [7, 7]],
        ['out', '8@5×5', 0, 0, [7, 7]],
        ['relu6_2', '8@5×5', 0, 0, [7, 7]],
      ],
    );
  });

  it('identity as a DenseNet-style concat branch and as a residual shortcut', () => {
    const denseBlock = model(
      'denseBlock',
      input(4, 8, 8),
      concat(identity(), sequential(batchNorm(), relu6(), conv2d(6, 3, { padding: 1 }))),
      residual(sequential(conv2d(10, 3, { padding: 1, bias: false }), relu6({ name: 'clip' })), identity()),
    );
    const analysis = analyzeModel(denseBlock);
    assert.deepEqual(analysis.findings, []);
    // 4 channels passed through + 6 new ones; the residual keeps 10@8×8.
    assert.deepEqual(
      analysis.layers.map((layer) => [layer.path, layer.name, formatShape(layer.output)]),
      [
        ['input', 'input', '4@8×8'],
        ['0', 'concat_1', '10@8×8'],
        ['0.0', 'identity_1', '4@8×8'],
        ['0.1', 'sequential_1', '6@8×8'],
        ['0.1.0', 'batchNorm_1', '4@8×8'],
        ['0.1.1', 'relu6_1', '4@8×8'],
        ['0.1.2', 'conv2d_1', '6@8×8'],
        ['1', 'residual_1', '10@8×8'],
        ['1.main', 'sequential_2', '10@8×8'],
        ['1.main.0', 'conv2d_2', '10@8×8'],
        ['1.main.1', 'clip', '10@8×8'],
        ['1.shortcut', 'identity_2', '10@8×8'],
      ],
    );
    // batch norm 2·4 + 2·4 running, conv (3·3·4 + 1)·6 = 222, conv 3·3·10·10 = 900.
    assert.deepEqual(analysis.params, { trainable: 8 + 222 + 900, nonTrainable: 8, aux: 0 });
  });

  it('an identity shortcut that does not fit names the projection, as a missing one does', () => {
    const mismatch = (shortcut: LayerNode | undefined) =>
      analyzeModel(model('m', input(4, 8, 8), residual(conv2d(8, 3, { stride: 2, padding: 1 }), shortcut))).findings.map((finding) => [finding.code, finding.path, finding.message]);
    assert.deepEqual(mismatch(identity()), [[
      'CL1002',
      '0',
      'Residual branches disagree: main gives 8@4×4, shortcut gives 4@8×8. Make the shortcut produce 8@4×4, e.g. a 1×1 conv2d with stride 2 and 8 filters: conv2d(8, 1, { stride: 2 }).',
    ]]);
    assert.deepEqual(mismatch(undefined), [[
      'CL1002',
      '0',
      'Residual branches disagree: main gives 8@4×4, shortcut gives 4@8×8. Give the shortcut a 1×1 conv2d with stride 2 and 8 filters: residual(main, conv2d(8, 1, { stride: 2 })).',
    ]]);
  });

  it('memory: float32 params, activations per sample, Adam training state', () => {
    const analysis = analyzeModel(model('m', input(84), dense(10)));
    assert.deepEqual(analysis.memory, { paramBytes: 3_400, activationBytesPerSample: 376, trainingStateBytes: 13_600 });
  });
});

describe('engine: unknown values propagate as null', () => {
  it('an unknown filter count leaves channels and params unknown but keeps the spatial size', () => {
    const analysis = analyzeModel(model('m', input(3, 32, 32), conv2d(null as unknown as number, 3), conv2d(8, 3)));
    assert.deepEqual(analysis.output, [8, 28, 28]);
    assert.equal(analysis.params.trainable, null);
    assert.deepEqual(analysis.findings, []);
  });

  it('an unknown input height gives unknown heights, never an exception', () => {
    const analysis = analyzeModel(model('m', input(3, null as unknown as number, 32), conv2d(8, 3), maxPool2d(2), flatten(), dense(10)));
    assert.deepEqual(analysis.layers.map((layer) => formatShape(layer.output)), ['3@?×32', '8@?×30', '8@?×15', '?', '10']);
    assert.equal(analysis.params.trainable, null);
    assert.equal(analysis.receptiveField?.size[0], 4);
  });
});

describe('engine: findings', () => {
  function only(analysisFindings: readonly { code: string; severity: string; message: string }[]): { code: string; severity: string; message: string } {
    assert.equal(analysisFindings.length, 1, JSON.stringify(analysisFindings));
    const [finding] = analysisFindings;
    assert.ok(finding);
    return { code: finding.code, severity: finding.severity, message: finding.message };
  }

  it('CL1001 kernel larger than the padded input', () => {
    const analysis = analyzeModel(model('m', input(16, 4, 4), conv2d(8, 5)));
    assert.deepEqual(only(analysis.findings), {
      code: 'CL1001',
      severity: 'error',
      message: "conv2d(8, 5) gets an empty output: its 5×5 window does not fit the padded input 4×4 (input 16@4×4). Use a smaller kernel or stride, more padding, or padding: 'same'.",
    });
    assert.deepEqual(analysis.output, [8, null, null]);
  });

  it('CL1002 residual mismatch names both shapes and the projection', () => {
    const block = residual(sequential(conv2d(128, 3, { stride: 2, padding: 1 }), relu(), conv2d(128, 3, { padding: 1 })));
    const analysis = analyzeModel(model('m', input(64, 56, 56), block));
    assert.deepEqual(only(analysis.findings), {
      code: 'CL1002',
      severity: 'error',
      message: 'Residual branches disagree: main gives 128@28×28, shortcut gives 64@56×56. Give the shortcut a 1×1 conv2d with stride 2 and 128 filters: residual(main, conv2d(128, 1, { stride: 2 })).',
    });
    assert.equal(analysis.findings[0]?.node, block);
    assert.equal(analysis.findings[0]?.path, '0');
    assert.deepEqual(analysis.output, [128, 28, 28]);
  });

  it('CL1003 concat spatial mismatch', () => {
    const analysis = analyzeModel(model('m', input(8, 28, 28), concat(conv2d(64, 1), conv2d(32, 3))));
    assert.deepEqual(only(analysis.findings), {
      code: 'CL1003',
      severity: 'error',
      message: 'Concat branches disagree on spatial size: branch 1 gives 64@28×28, branch 2 gives 32@26×26. Change padding or stride so every branch keeps the same height and width.',
    });
  });

  it('CL1004 dense on an image without flatten', () => {
    const analysis = analyzeModel(model('m', input(1, 28, 28), conv2d(16, 5), dense(10)));
    assert.deepEqual(only(analysis.findings), {
      code: 'CL1004',
      severity: 'error',
      message: 'dense(10) expects a vector but receives the image 16@24×24. Insert flatten() (or globalAvgPool2d()) before it.',
    });
    assert.deepEqual(analysis.output, [10]);
  });

  it('CL1005 softmax on an image', () => {
    const analysis = analyzeModel(model('m', input(10, 1, 1), softmax()));
    assert.deepEqual(only(analysis.findings), {
      code: 'CL1005',
      severity: 'error',
      message: 'softmax() expects a vector but receives the image 10@1×1. Insert flatten() before it, or end the network with dense(classes).',
    });
  });

  it('CL1006 groups not dividing the channels', () => {
    const analysis = analyzeModel(model('m', input(30, 8, 8), conv2d(64, 3, { groups: 4 })));
    assert.deepEqual(only(analysis.findings), {
      code: 'CL1006',
      severity: 'error',
      message: 'conv2d(64, 3) has groups=4, which does not divide its input channels (30). Choose groups that divides both.',
    });
    assert.equal(analysis.params.trainable, null);
  });

  it('CL1007 reshape with the wrong element count', () => {
    const analysis = analyzeModel(model('m', input(100), reshape(4, 5, 6)));
    assert.deepEqual(only(analysis.findings), {
      code: 'CL1007',
      severity: 'error',
      message: 'reshape(4, 5, 6) cannot hold 100 (100 elements per sample). Choose dimensions whose product is 100, or use -1 for one of them.',
    });
  });

  it('CL1008 / CL1009 GAN generator and discriminator outputs', () => {
    const broken = gan('g', {
      latent: 16,
      image: [1, 28, 28],
      generator: sequential(dense(7 * 7), reshape(1, 7, 7), conv2dTranspose(1, 4, { stride: 2, padding: 1 }), tanh()),
      discriminator: sequential(conv2d(8, 4, { stride: 2, padding: 1 }), leakyRelu(0.2), flatten(), dense(2), sigmoid()),
    });
    const analysis = analyze(broken);
    assert.equal(analysis.kind, 'gan');
    assert.deepEqual(
      analysis.findings.map((finding) => [finding.code, finding.message]),
      [
        ['CL1008', "The generator gives 1@14×14 but the GAN's image is 1@28×28. Make its last layers produce 1@28×28 (e.g. adjust the last conv2dTranspose's filters, stride or padding)."],
        ['CL1009', 'The discriminator gives 2 but must give one score per image, [1]. End it with flatten() and dense(1) (or a 1-filter conv2d that reduces to 1×1, then flatten()).'],
      ],
    );
  });

  it('a correct GAN adds up both networks', () => {
    const fine = gan('g', {
      latent: 16,
      image: [1, 14, 14],
      generator: [dense(49), reshape(1, 7, 7), conv2dTranspose(1, 4, { stride: 2, padding: 1 }), tanh()],
      discriminator: [conv2d(8, 4, { stride: 2, padding: 1 }), leakyRelu(0.2), flatten(), dense(1), sigmoid()],
    });
    const analysis = analyze(fine);
    assert.ok(analysis.kind === 'gan');
    assert.deepEqual(analysis.findings, []);
    // G: (16 + 1)·49 = 833, 4·4·1·1 + 1 = 17. D: (4·4·1 + 1)·8 = 136, (392 + 1)·1 = 393.
    assert.equal(analysis.generator.params.trainable, 850);
    assert.equal(analysis.discriminator.params.trainable, 529);
    assert.equal(analysis.params.trainable, 1_379);
    assert.deepEqual(analysis.input, [16]);
    assert.deepEqual(analysis.output, [1, 14, 14]);
  });

  it('CL1010 a stride that silently drops rows (info)', () => {
    const analysis = analyzeModel(model('m', input(3, 224, 224), conv2d(96, 11, { stride: 4 })));
    assert.deepEqual(only(analysis.findings), {
      code: 'CL1010',
      severity: 'info',
      message: "conv2d(96, 11) never reads the last 1 row and 1 column of its 224×224 input: the stride does not divide the padded size. Pad by 1 more or use padding: 'same' if they matter.",
    });
  });

  it('dropped rows that are only padding are not reported', () => {
    // 56 + 2 − 3 = 55 is odd, but the unread row is the bottom padding.
    assert.deepEqual(analyzeModel(model('m', input(64, 56, 56), conv2d(64, 3, { stride: 2, padding: 1 }))).findings, []);
  });

  it('CL1011 invalid values become findings, not exceptions', () => {
    const analysis = analyzeModel(model('m', input(3, 32, 32), conv2d(0, -3), dropout(1)));
    assert.deepEqual(codes(analysis), ['CL1011', 'CL1011', 'CL1011']);
    assert.equal(
      analysis.findings[0]?.message,
      'Invalid value for `filters` of conv2d(0, -3). Expected a positive integer. Received filters=0.',
    );
    assert.equal(analysis.findings[2]?.message, 'Invalid value for `rate` of dropout(1). Expected a number in [0, 1). Received rate=1.');
  });

  it('CL1012 a spatial layer on a vector', () => {
    const analysis = analyzeModel(model('m', input(784), conv2d(8, 3)));
    assert.deepEqual(only(analysis.findings), {
      code: 'CL1012',
      severity: 'error',
      message: 'conv2d(8, 3) expects an image C@H×W but receives 784. Insert reshape(channels, height, width) before it, with channels·height·width = 784.',
    });
  });

  it('CL1013 duplicate layer names', () => {
    const analysis = analyzeModel(model('m', input(10), dense(5, { name: 'fc' }), dense(5, { name: 'fc' })));
    assert.deepEqual(only(analysis.findings), {
      code: 'CL1013',
      severity: 'error',
      message: "Two layers are named 'fc'. Layer names must be unique within a model; rename one.",
    });
  });

  it('CL1013 duplicate names across relu6 and identity, named in messages as the layer', () => {
    const analysis = analyzeModel(model('m', input(10), relu6({ name: 'act' }), identity({ name: 'act' })));
    assert.deepEqual(only(analysis.findings), {
      code: 'CL1013',
      severity: 'error',
      message: "Two layers are named 'act'. Layer names must be unique within a model; rename one.",
    });
  });

  it('CL1014 merged branches with different jumps', () => {
    // Both give 4@4×4, but one reached it with stride 2 from 8×8 and the other with a 5×5 valid conv.
    const analysis = analyzeModel(model('m', input(4, 8, 8), concat(conv2d(4, 2, { stride: 2 }), conv2d(4, 5))));
    assert.deepEqual(codes(analysis), ['CL1014']);
    assert.equal(analysis.findings[0]?.severity, 'warning');
  });

  it('CL1015 output padding not smaller than the stride', () => {
    const analysis = analyzeModel(model('m', input(4, 8, 8), conv2dTranspose(4, 3, { stride: 2, outputPadding: 2 })));
    assert.deepEqual(codes(analysis), ['CL1015']);
  });

  it('CL1016 pooling padding over half the kernel', () => {
    const analysis = analyzeModel(model('m', input(4, 8, 8), maxPool2d(2, { padding: 2 })));
    assert.deepEqual(codes(analysis), ['CL1016']);
  });

  it('CL1017 a stride larger than the kernel (info)', () => {
    const analysis = analyzeModel(model('m', input(4, 9, 9), maxPool2d(2, { stride: 3 })));
    assert.deepEqual(only(analysis.findings), {
      code: 'CL1017',
      severity: 'info',
      message: 'maxPool2d(2) has stride 3 larger than its kernel 2: 1 of every 3 rows and columns are never read. Use a stride ≤ kernel unless that is intended.',
    });
  });

  it('a strided 1×1 projection (ResNet shortcut) is not flagged', () => {
    assert.deepEqual(analyzeModel(model('m', input(64, 56, 56), conv2d(128, 1, { stride: 2 }))).findings, []);
  });

  it('errors do not cascade: after a bad layer the rest still gets shapes', () => {
    const analysis = analyzeModel(model('m', input(1, 28, 28), conv2d(8, 3), dense(32), relu(), dense(10)));
    assert.deepEqual(codes(analysis), ['CL1004']);
    assert.deepEqual(analysis.output, [10]);
  });
});
