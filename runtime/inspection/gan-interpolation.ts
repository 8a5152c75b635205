/**
 * Latent interpolation between two cells of a trained GAN's sample grid: the run's fixed
 * latent vectors are drawn again from the seed its checkpoint records (train-gan.ts's own
 * `fixedLatentVectors`), the straight line between cell `from` and cell `to` is walked in
 * `steps` steps, and the checkpoint's generator renders the walk as a one-row strip — its
 * first and last images are those cells of the run's last sample grid.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { GanNode } from 'convlens/ir';
import { compileGan } from '../compile';
import { assignWeights, readModelWeights, recoverCheckpoint } from '../training/checkpoint';
import { fixedLatentVectors, interpolateLatents, renderSamples, SAMPLE_GRID, type GanState } from '../training/train-gan';
import { TrainingError } from '../training/training-error';

/** The most steps one strip may have (the panel offers up to 32). */
export const MAX_INTERPOLATION_STEPS = 64;

export interface SampleInterpolation {
  /** One row of `steps` images, as a PNG (the sample grid's cell size and gap). */
  readonly png: Buffer;
  readonly steps: number;
  /** How the checkpoint was found after an interrupted swap (one line), or null when it stood where asked. */
  readonly recovered: string | null;
}

/** Throws a one-line TrainingError for cells outside the grid or a step count out of range. */
export function checkInterpolation(from: number, to: number, steps: number): void {
  const cells = SAMPLE_GRID.rows * SAMPLE_GRID.columns;
  for (const [which, cell] of [['from', from], ['to', to]] as const) {
    if (!Number.isInteger(cell) || cell < 0 || cell >= cells) {
      throw new TrainingError(`sample ${String(cell)} ('${which}') is outside the ${SAMPLE_GRID.rows}×${SAMPLE_GRID.columns} sample grid: pick a cell from 0 to ${cells - 1}`);
    }
  }
  if (!Number.isInteger(steps) || steps < 2 || steps > MAX_INTERPOLATION_STEPS) {
    throw new TrainingError(`an interpolation takes 2 to ${MAX_INTERPOLATION_STEPS} steps, not ${String(steps)}`);
  }
}

/**
 * Renders the walk from grid cell `from` to grid cell `to` (row-major indices) through the
 * generator of the GAN checkpoint in `directory` (as train-gan writes it: `generator/`,
 * `training.json`). Needs a TensorFlow.js backend chosen beforehand.
 */
export async function interpolateSamples(root: GanNode, directory: string, from: number, to: number, steps: number): Promise<SampleInterpolation> {
  checkInterpolation(from, to, steps);
  // The newest complete checkpoint of the folder and the leftovers of an interrupted swap beside it (training/checkpoint.ts).
  const recovered = await recoverCheckpoint(directory);
  if (recovered === null && !existsSync(directory)) throw new TrainingError(`checkpoint ${directory} does not exist: train ${root.name} first`);
  const found = recovered?.folder ?? null;
  if (found === null || !existsSync(path.join(found, 'generator', 'model.json'))) throw new TrainingError(`${directory} holds no GAN checkpoint (generator/model.json and training.json)`);
  const state = recovered?.state as unknown as GanState;
  if (state.kind !== 'gan') throw new TrainingError(`${directory} is a ${String(state.kind)} checkpoint, not a GAN's`);
  if (state.model !== root.name) throw new TrainingError(`the checkpoint in ${directory} is of '${state.model}', not '${root.name}'`);
  if (typeof state.seed !== 'number' || !Number.isFinite(state.seed)) throw new TrainingError(`the checkpoint in ${directory} records no seed, so its sample grid's latent vectors are unknown`);
  // Zeros: the checkpoint's weights replace them at once.
  const gan = compileGan(root, { zeros: true });
  try {
    assignWeights(gan.generator.model, (await readModelWeights(path.join(found, 'generator'))).weights, `the generator in ${directory}`);
    const latent = gan.latent;
    const fixed = fixedLatentVectors(state.seed, latent);
    const latents = interpolateLatents(fixed.subarray(from * latent, (from + 1) * latent), fixed.subarray(to * latent, (to + 1) * latent), steps);
    const shape = gan.generator.outputShape;
    if (shape.length !== 3) throw new TrainingError(`${root.name}'s generator makes [${shape.join(', ')}], not an image`);
    const png = await renderSamples(gan.generator, latents, steps, steps, shape as [number, number, number]);
    return { png, steps, recovered: recovered?.recovery ?? null };
  } finally {
    gan.generator.model.dispose();
    gan.discriminator.model.dispose();
  }
}
