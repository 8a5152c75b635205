/**
 * Trained runs that several test files use, trained once per build of the runtime rather
 * than once per file: the first caller trains into a fresh temporary folder and renames it
 * into dist/test-runs/ (ignored by git). The rename is atomic, so a file in another mocha
 * worker that raced it keeps the winner's run, which is the same by its seed. The folder's
 * name carries a hash of the runtime's build, so a changed runtime trains anew.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { loadDataset } from 'convlens-runtime/datasets/load-dataset';
import type { TrainingSettings } from 'convlens-runtime/protocol';
import { trainGan } from 'convlens-runtime/training/train-gan';
import { dcganMnist } from '../../examples/dcgan';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const RUNS = path.join(repoRoot, 'dist', 'test-runs');

function runtimeBuild(): string {
  const buildInfo = readFileSync(path.join(repoRoot, 'packages', 'runtime', 'dist', 'tsconfig.tsbuildinfo'));
  return createHash('sha256').update(buildInfo).digest('hex').slice(0, 12);
}

let ganRun: Promise<string> | undefined;

/**
 * The folder of a DCGAN run on MNIST's first 64 images, one epoch, batch 16, Adam at 2e-4,
 * seed 11, on wasm: `checkpoint/` and `samples/epoch-0001.png`, as `convlens train` leaves them.
 */
export function sharedGanRun(): Promise<string> {
  ganRun ??= (async () => {
    const folder = path.join(RUNS, `dcgan-mnist-64-${runtimeBuild()}`);
    if (existsSync(path.join(folder, 'checkpoint'))) return folder;
    mkdirSync(RUNS, { recursive: true });
    const scratch = mkdtempSync(path.join(RUNS, '.training-'));
    const settings: TrainingSettings = {
      dataset: 'mnist',
      epochs: 1,
      batchSize: 16,
      learningRate: 2e-4,
      optimizer: 'adam',
      validationSplit: 0,
      augmentation: { cropPadding: 0, mirror: false },
      tta: false,
      seed: 11,
      backend: 'wasm',
      outDirectory: scratch,
      resume: false,
      workers: 1,
      limit: { train: 64 },
      cwd: scratch,
    };
    const backend = await chooseBackend({ requested: 'wasm' });
    const mnist = await loadDataset('mnist', { inputShape: [1, 28, 28] });
    const result = await trainGan(dcganMnist, mnist, settings, backend, { onEvent: () => undefined });
    if (result.event !== 'finished') throw new Error(`the shared GAN run did not finish: ${JSON.stringify(result)}`);
    try {
      renameSync(scratch, folder);
    } catch (error) {
      // Another worker's run is already there (ENOTEMPTY/EEXIST): keep it.
      if (!existsSync(path.join(folder, 'checkpoint'))) throw error;
      rmSync(scratch, { recursive: true, force: true });
    }
    return folder;
  })();
  return ganRun;
}
