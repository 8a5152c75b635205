/**
 * A GAN's sample grids from an earlier run (this session's runs are replayed from memory):
 * `samples/epoch-NNNN.png` of its run folder, as runtime/training/train-gan.ts writes them
 * (8 × 8 images from the same latent vectors every epoch), and `interpolation.png`. Node
 * only, no vscode.
 */
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { HostMessage } from '../../webviews/protocol';
import { REPLAYED_SAMPLE_GRIDS } from '../panels/host-messages';

/** NOTE: train-gan.ts's SAMPLE_GRID and INTERPOLATION; the PNGs do not record them. */
const GRID = { rows: 8, columns: 8 } as const;
const INTERPOLATION_STEPS = 10;

/** The saved grids as panel messages, oldest first (thinned to what a replay keeps); none when there are none. */
export async function readSavedSamples(run: string): Promise<HostMessage[]> {
  const names = await readdir(path.join(run, 'samples')).catch(() => [] as string[]);
  const grids = names
    .map((name) => ({ name, epoch: Number(/^epoch-(\d+)\.png$/.exec(name)?.[1]) }))
    .filter((entry) => Number.isInteger(entry.epoch))
    .sort((a, b) => a.epoch - b.epoch);
  // The first and the newest grids are kept; the ones between are thinned evenly.
  const kept = grids.length <= REPLAYED_SAMPLE_GRIDS ? grids : grids.filter((_, index) => index % Math.ceil(grids.length / (REPLAYED_SAMPLE_GRIDS - 1)) === 0 || index === grids.length - 1);
  const messages: HostMessage[] = [];
  for (const grid of kept) {
    const png = await readFile(path.join(run, 'samples', grid.name)).catch(() => undefined);
    if (png !== undefined) messages.push({ type: 'samplesReady', epoch: grid.epoch, png: png.toString('base64'), rows: GRID.rows, columns: GRID.columns });
  }
  const interpolation = await readFile(path.join(run, 'interpolation.png')).catch(() => undefined);
  if (interpolation !== undefined && messages.length > 0) messages.push({ type: 'interpolationReady', png: interpolation.toString('base64'), steps: INTERPOLATION_STEPS });
  return messages;
}
