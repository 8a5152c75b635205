/**
 * `convlens train <file.ts> --model EXPORT [...]`: trains an exported model or GAN with the
 * runtime, in this process (the extension runs the same runtime in a child process,
 * runtime/runtime-process.ts). Progress goes to stderr as a bar (or, with --json, every
 * event to stdout as one JSON object per line, the last `finished`); each epoch's summary
 * to stdout. Exit status: 0 finished, 1 training failed (a diverging loss), 2 bad input
 * (unknown dataset, a dataset that does not fit, a model with shape errors), 130 cancelled
 * (Ctrl-C: the last checkpoint stays as it was).
 */
import * as path from 'node:path';
import type { GanNode, ModelNode, RootNode } from '../language/ir/index';
import type { BackendChoice, BackendName, CompiledModel, FinishedEvent, StoppedEvent, TrainingEvent, TrainingSettings } from 'convlens-runtime';
import type { CliIo } from './cli-io';
import { checkNoErrors, loadExportedRoot } from './exported-root';
import { checkOutputFolder } from './output-folder';
import { loadRuntime, type Runtime } from './runtime-package';
import { parseCommandLine, theModelFile, toUsageError } from './usage-error';
import { TRAIN_SYNOPSIS, USAGE } from './usage';
import { UserError, toOneLine } from './user-error';

function parseTrainArgs(args: readonly string[]) {
  return parseCommandLine(
    args,
    {
      model: { type: 'string' },
      dataset: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      optimizer: { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean' },
      json: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      tta: { type: 'boolean' },
      crop: { type: 'string' },
      mirror: { type: 'boolean' },
      'validation-split': { type: 'string' },
      seed: { type: 'string' },
      workers: { type: 'string' },
      limit: { type: 'string' },
      'test-limit': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    TRAIN_SYNOPSIS,
  );
}

function toNumber(value: string | undefined, option: string, fallback: number, check: (n: number) => boolean, expected: string): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || !check(number)) throw toUsageError(`--${option} must be ${expected}, got '${value}'`, TRAIN_SYNOPSIS);
  return number;
}

const isPositiveInteger = (n: number): boolean => Number.isInteger(n) && n > 0;

/** The dataset a model's input suggests when --dataset is not given. */
function defaultDataset(root: RootNode): string | null {
  const shape = root.kind === 'gan' ? root.image : root.input.shape;
  const key = shape.join(',');
  if (key === '1,28,28') return 'mnist';
  if (key === '3,32,32') return 'cifar10';
  return null;
}

export async function runTrain(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseTrainArgs(args);
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const file = theModelFile(positionals, 'train', TRAIN_SYNOPSIS);
  const runtime = loadRuntime('train', io.cwd);
  const { chooseBackend, runTraining, toAutoWorkers } = runtime;
  const backendOption = values.backend ?? 'auto';
  if (backendOption !== 'auto' && !runtime.isBackendName(backendOption)) {
    throw toUsageError(`--backend must be auto, webgpu, tensorflow, wasm or cpu, got '${backendOption}'`, TRAIN_SYNOPSIS);
  }
  const optimizer = values.optimizer ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'sgd') throw toUsageError(`--optimizer must be sgd or adam, got '${optimizer}'`, TRAIN_SYNOPSIS);

  const { exportName, root } = await loadExportedRoot(file, values.model, io, TRAIN_SYNOPSIS);
  checkNoErrors(root, exportName);
  const isGan = root.kind === 'gan';
  const outDirectory = path.resolve(io.cwd, values.out ?? path.join('.convlens', 'runs', exportName));
  let settings: TrainingSettings = {
    dataset: values.dataset ?? defaultDataset(root) ?? '',
    epochs: toNumber(values.epochs, 'epochs', 1, isPositiveInteger, 'a positive integer'),
    batchSize: toNumber(values['batch-size'], 'batch-size', 64, isPositiveInteger, 'a positive integer'),
    learningRate: toNumber(values.lr, 'lr', isGan ? 2e-4 : optimizer === 'sgd' ? 0.01 : 1e-3, (n) => n > 0, 'a positive number'),
    optimizer,
    validationSplit: toNumber(values['validation-split'], 'validation-split', 0, (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
    augmentation: { cropPadding: toNumber(values.crop, 'crop', 0, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'), mirror: values.mirror === true },
    tta: values.tta === true,
    seed: toNumber(values.seed, 'seed', 1, Number.isInteger, 'an integer'),
    backend: backendOption as BackendName | 'auto',
    outDirectory,
    resume: values.resume === true,
    workers: values.workers === undefined || values.workers === 'auto' ? 0 : toNumber(values.workers, 'workers', 1, isPositiveInteger, 'a positive integer or auto'),
    ...(values.limit === undefined && values['test-limit'] === undefined
      ? {}
      : {
          limit: {
            ...(values.limit === undefined ? {} : { train: toNumber(values.limit, 'limit', 0, isPositiveInteger, 'a positive integer') }),
            ...(values['test-limit'] === undefined ? {} : { test: toNumber(values['test-limit'], 'test-limit', 0, isPositiveInteger, 'a positive integer') }),
          },
        }),
    cwd: io.cwd,
  };
  await checkOutputFolder(outDirectory, io.cwd);
  const backend = await toUserError(runtime, () => chooseBackend({ requested: settings.backend, workspace: io.cwd }));
  if (values['dry-run'] === true) return printDryRun(runtime, root, backend, values.json === true, io);
  // GANs train on the calling thread (there is no data-parallel GAN loop).
  if (settings.workers === 0) settings = { ...settings, workers: isGan ? 1 : toAutoWorkers(backend.backend, settings.batchSize) };
  if (settings.dataset === '') {
    const [channels, height, width] = (isGan ? (root as GanNode).image : (root as ModelNode).input.shape) as readonly (number | null)[];
    throw new UserError(`${exportName} takes ${channels}@${height}×${width} images, which no built-in dataset has (MNIST and Fashion-MNIST are 1@28×28, CIFAR-10 3@32×32): pass --dataset with a folder of images, one subfolder per class`);
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = (): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    io.stderr('\nconvlens: stopping after this batch; the last checkpoint stays as it was (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  const reporter = values.json === true ? toJsonReporter(io) : toProgressReporter(io, exportName);
  try {
    const hooks = { onEvent: reporter, signal: controller.signal };
    const result: FinishedEvent | StoppedEvent = await toUserError(runtime, () => runTraining(root, settings, hooks, { backend, log: (line) => io.stderr(`convlens: ${line}\n`) }));
    return result.event === 'stopped' ? 130 : 0;
  } catch (error) {
    if (error instanceof DivergedError) {
      io.stderr(`convlens: ${toOneLine(error.message)}\n`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

class DivergedError extends Error {}

/** Runtime errors that are the user's to fix become one-line UserErrors; a diverged loss exits 1. */
async function toUserError<T>({ TrainingError, DatasetError, CompileError }: Runtime, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TrainingError && /diverged/.test(error.message)) throw new DivergedError(error.message);
    if (error instanceof TrainingError || error instanceof DatasetError || error instanceof CompileError) throw new UserError(error.message);
    if (error instanceof Error && /^backend '/.test(error.message)) throw new UserError(error.message);
    throw error;
  }
}

function dryRunLayers(compiled: CompiledModel, network?: string) {
  return compiled.layers.map((layer) => ({ name: layer.name, ...(network === undefined ? {} : { network }), output: layer.outputShape }));
}

function printDryRun({ compileGan, compileModel }: Runtime, root: RootNode, backend: BackendChoice, json: boolean, io: CliIo): number {
  const models = root.kind === 'gan' ? (() => {
    const gan = compileGan(root, { zeros: true });
    return [{ compiled: gan.generator, network: 'generator' }, { compiled: gan.discriminator, network: 'discriminator' }];
  })() : [{ compiled: compileModel(root, { zeros: true }), network: undefined }];
  const count = (weights: readonly { shape: readonly (number | null)[] }[]): number => weights.reduce((total, weight) => total + weight.shape.reduce<number>((a, b) => a * (b ?? 0), 1), 0);
  const weights = {
    trainable: models.reduce((total, { compiled }) => total + count(compiled.model.trainableWeights), 0),
    nonTrainable: models.reduce((total, { compiled }) => total + count(compiled.model.nonTrainableWeights), 0),
  };
  const layers = models.flatMap(({ compiled, network }) => dryRunLayers(compiled, network));
  if (json) {
    io.stderr(`convlens: backend ${backend.summary}\n`);
    io.stdout(`${JSON.stringify({ backend: backend.backend, weights, layers })}\n`);
  } else {
    io.stdout(`backend: ${backend.summary}\n`);
    for (const layer of layers) io.stdout(`  ${('network' in layer ? `${layer.network}/` : '') + layer.name}  ${layer.output.join('×')}\n`);
    io.stdout(`weights: ${weights.trainable.toLocaleString('en-US')} trainable, ${weights.nonTrainable.toLocaleString('en-US')} non-trainable\n`);
  }
  for (const { compiled } of models) compiled.model.dispose();
  return 0;
}

function toJsonReporter(io: CliIo): (event: TrainingEvent) => void {
  return (event) => io.stdout(`${JSON.stringify(event)}\n`);
}

const BAR_WIDTH = 24;

/** A progress bar on stderr (redrawn in place on a terminal, every 10% otherwise) and a line per epoch on stdout. */
function toProgressReporter(io: CliIo, exportName: string): (event: TrainingEvent) => void {
  const tty = io.stderrIsTerminal === true;
  let lastTenth = -1;
  const percent = (value: number | null): string => (value === null ? '–' : `${(value * 100).toFixed(2)}%`);
  return (event) => {
    switch (event.event) {
      case 'started': {
        const passed = event.passedOver.map((entry) => `${entry.backend}: ${entry.reason}`).join('; ');
        io.stdout(`training ${exportName} on ${event.dataset} (${event.trainImages.toLocaleString('en-US')} images${event.validationImages > 0 ? `, ${event.validationImages.toLocaleString('en-US')} for validation` : ''}) with the ${event.backend} backend${passed === '' ? '' : ` (passed over ${passed})`}${event.startEpoch > 0 ? `, resuming after epoch ${event.startEpoch}` : ''}${event.previousCheckpoint === null ? '' : `; the earlier checkpoint is kept as ${path.relative(io.cwd, event.previousCheckpoint)}`}\n`);
        break;
      }
      case 'progress': {
        const filled = Math.round((event.batch / event.batches) * BAR_WIDTH);
        const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
        const metrics = event.accuracy === null ? `D loss ${event.loss.toFixed(3)}  G loss ${(event.generatorLoss ?? 0).toFixed(3)}` : `loss ${event.loss.toFixed(4)}  accuracy ${percent(event.accuracy)}`;
        const line = `epoch ${event.epoch}/${event.epochs} ${bar} ${event.batch}/${event.batches}  ${metrics}  ${Math.round(event.imagesPerSecond).toLocaleString('en-US')} images/s`;
        if (tty) {
          io.stderr(`\r${line}\u001b[K`);
        } else {
          const tenth = Math.floor((event.batch / event.batches) * 10);
          if (tenth !== lastTenth) io.stderr(`${line}\n`);
          lastTenth = tenth;
        }
        break;
      }
      case 'epochEnded':
        if (tty) io.stderr('\r\u001b[K');
        lastTenth = -1;
        io.stdout(
          `epoch ${event.epoch}/${event.epochs}: ${event.accuracy === null ? `D loss ${event.loss.toFixed(4)}, G loss ${(event.generatorLoss ?? 0).toFixed(4)}` : `loss ${event.loss.toFixed(4)}, accuracy ${percent(event.accuracy)}${event.validationAccuracy === null ? '' : `, validation ${percent(event.validationAccuracy)}`}`}, ${event.seconds.toFixed(1)} s, ${Math.round(event.imagesPerSecond).toLocaleString('en-US')} images/s${event.checkpoint === null ? '' : `; checkpoint ${path.relative(io.cwd, event.checkpoint) || '.'}`}\n`,
        );
        break;
      case 'samplesReady':
        if (event.path !== null) io.stdout(`samples: ${path.relative(io.cwd, event.path)}\n`);
        break;
      case 'stopped':
        io.stdout(`stopped after epoch ${event.epoch}${event.checkpoint === null ? '' : `; the checkpoint ${path.relative(io.cwd, event.checkpoint)} is from then`}\n`);
        break;
      case 'failed':
        break;
      case 'finished':
        if (event.testAccuracy !== null) {
          io.stdout(`test accuracy ${percent(event.testAccuracy)}${event.checkpoint === null ? '' : `; checkpoint ${path.relative(io.cwd, event.checkpoint)}`}\n`);
          if (event.confusionMatrix && event.classes && event.classes.length <= MAX_PRINTED_CLASSES) io.stdout(formatConfusion(event.confusionMatrix, event.classes));
        }
        else if (event.samples !== undefined && event.samples !== null) io.stdout(`samples ${path.relative(io.cwd, event.samples)}${event.interpolation ? `, interpolation ${path.relative(io.cwd, event.interpolation)}` : ''}\n`);
        break;
      default: {
        const unreachable: never = event;
        return unreachable;
      }
    }
  };
}


/** Wider matrices than this are left to --json and the panel. */
const MAX_PRINTED_CLASSES = 12;

/** The test split's confusion matrix as a table: a row per true class, a column per prediction. */
function formatConfusion(matrix: readonly (readonly number[])[], classes: readonly string[]): string {
  const labels = classes.map((name) => (name.length > 8 ? `${name.slice(0, 7)}…` : name));
  const width = Math.max(...labels.map((label) => label.length), ...matrix.flat().map((count) => String(count).length));
  const cell = (text: string): string => text.padStart(width);
  const lines = [
    'confusion matrix on the test split (rows: true class, columns: predicted)',
    `${cell('')}  ${labels.map(cell).join(' ')}`,
    ...matrix.map((row, index) => `${cell(labels[index] ?? String(index))}  ${row.map((count) => cell(String(count))).join(' ')}`),
  ];
  return `${lines.join('\n')}\n`;
}
