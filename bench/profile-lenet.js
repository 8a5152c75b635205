#!/usr/bin/env node
'use strict';
/**
 * Where a model's time goes on the backend ConvLens picks (LeNet-5 by default; `--model
 * small-vgg` or `resnet18` for bench/train.js's 32×32 cases): milliseconds per kernel for
 * one training step (Adam) and one inference batch, on the calling thread, averaged over
 * timed repetitions after a warm-up. Kernel calls are timed at tfjs-core's `runKernel`, so
 * a kernel's figure includes its own JavaScript.
 *
 * With `--shapes`, each convolution kernel (Conv2D, FusedConv2D and both gradients) is
 * listed per distinct input shape, filter and stride instead: where a network's
 * convolution time goes, layer by layer (layers of one shape are summed).
 *
 *   npm run build && node bench/profile-lenet.js [--model lenet5|small-vgg|resnet18] [--batch 64] [--steps 30] [--shapes]
 */
const path = require('node:path');
const { parseArgs } = require('node:util');

const dist = path.join(__dirname, '..', 'dist');
const tf = require('@tensorflow/tfjs-core');
const { chooseBackend } = require('convlens-runtime/backend-choice');
const { compileModel } = require('convlens-runtime/compile');
const { ClassifierReplica } = require('convlens-runtime/training/classifier-replica');
const { lenet5Mnist } = require(path.join(dist, 'examples', 'lenet5.js'));
const { smallVgg, resnet18Cifar } = require('./models');

const { values: options } = parseArgs({ options: { batch: { type: 'string' }, steps: { type: 'string' }, model: { type: 'string' }, shapes: { type: 'boolean' } } });
const BATCH = Number(options.batch ?? 64);
const STEPS = Number(options.steps ?? 30);
if (!Number.isInteger(BATCH) || BATCH < 1 || !Number.isInteger(STEPS) || STEPS < 1) {
  process.stderr.write('[convlens] --batch and --steps must be whole numbers ≥ 1\n');
  process.exit(2);
}
const MODELS = { lenet5: [lenet5Mnist, [1, 28, 28]], 'small-vgg': [smallVgg, [3, 32, 32]], resnet18: [resnet18Cifar, [3, 32, 32]] };
const chosen = MODELS[options.model ?? 'lenet5'];
if (chosen === undefined) {
  process.stderr.write(`[convlens] --model must be one of ${Object.keys(MODELS).join(', ')} (got ${options.model})\n`);
  process.exit(2);
}

/** Runs `work` STEPS times with every runKernel call timed; prints the total and the kernels by time. */
async function profile(label, work) {
  for (let index = 0; index < Math.min(5, STEPS); index += 1) await work();
  const engine = tf.engine();
  const runKernel = engine.runKernel.bind(engine);
  const times = new Map();
  engine.runKernel = (name, inputs, attrs) => {
    const start = performance.now();
    const result = runKernel(name, inputs, attrs);
    times.set(keyOf(name, inputs, attrs), (times.get(keyOf(name, inputs, attrs)) ?? 0) + performance.now() - start);
    return result;
  };
  const start = performance.now();
  for (let index = 0; index < STEPS; index += 1) await work();
  const total = (performance.now() - start) / STEPS;
  engine.runKernel = runKernel;
  process.stdout.write(`${label}: ${total.toFixed(2)} ms per batch of ${BATCH} (${((BATCH * 1000) / total).toFixed(0)} images/s)\n`);
  const inKernels = [...times.values()].reduce((sum, milliseconds) => sum + milliseconds, 0) / STEPS;
  process.stdout.write(`  (kernels ${inKernels.toFixed(2)} ms, ${(total - inKernels).toFixed(2)} ms outside them)\n`);
  for (const [name, milliseconds] of [...times].sort((a, b) => b[1] - a[1]).slice(0, options.shapes ? 40 : 16)) {
    process.stdout.write(`  ${name.padEnd(24)} ${(milliseconds / STEPS).toFixed(3)} ms\n`);
  }
}

/** A kernel call's name, and with --shapes a convolution's shapes: x (or dy) → filter, stride. */
function keyOf(name, inputs, attrs) {
  if (!options.shapes || !name.startsWith('Conv2D') && name !== 'FusedConv2D') return name;
  const source = (inputs.x ?? inputs.dy).shape.join('×');
  const filter = (inputs.filter?.shape ?? attrs.filterShape).join('×');
  return `${name} ${source} · ${filter} /${attrs.strides[0]}`;
}

async function main() {
  const backend = await chooseBackend({ requested: 'auto' });
  process.stdout.write(`backend: ${backend.backend}\n`);
  const [root, shape] = chosen;
  const pixels = shape[0] * shape[1] * shape[2];
  const compiled = compileModel(root, { seed: 1 });
  const replica = new ClassifierReplica(compiled, 10, { kind: 'adam', learningRate: 1e-3 });
  // Deterministic pseudo-random pixels in [0, 1): the kernels' time does not depend on them.
  const images = Float32Array.from({ length: BATCH * pixels }, (_, index) => ((index * 2654435761) % 1000) / 1000);
  const labels = Int32Array.from({ length: BATCH }, (_, index) => index % 10);
  await profile('training step', () => replica.trainBatch(images, labels, BATCH));
  await profile('inference batch', () => replica.predictBatch(images, BATCH));
  compiled.model.dispose();
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
