/**
 * Latent interpolation between two picked cells of a trained GAN's sample grid: a tiny
 * seeded run, trained for one short epoch (shared-runs.ts, once per build for every file
 * that needs it), then the strip from cell i to cell j is rendered from its checkpoint. Its first and last images must be cells i and j of the
 * run's last saved sample grid (the oracle is the PNG training wrote, decoded with
 * pngjs), the images between them must differ from both, and bad requests fail with
 * one clear line.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { interpolateSamples } from 'convlens-runtime/inspection/gan-interpolation';
import { dcganMnist } from '../../examples/dcgan';
import { sharedGanRun } from './shared-runs';

// The PNG geometry, written out: 28×28 samples with a 2-pixel gap, enlarged twice (MNIST is
// under 48 pixels), so a cell is 56×56 at (4 + 60·column, 4 + 60·row). An 8×8 grid is
// 484×484; a strip of n steps is (60·n + 4)×64.
const CELL = 56;
const PITCH = 60;
const MARGIN = 4;

/** The RGBA bytes of cell `index` (row-major, `columns` per row) of a decoded grid. */
function cellOf(png: PNG, index: number, columns: number): Uint8Array {
  const left = MARGIN + PITCH * (index % columns);
  const top = MARGIN + PITCH * Math.floor(index / columns);
  const out = new Uint8Array(CELL * CELL * 4);
  for (let row = 0; row < CELL; row += 1) {
    const start = ((top + row) * png.width + left) * 4;
    out.set(png.data.subarray(start, start + CELL * 4), row * CELL * 4);
  }
  return out;
}

function largestDifference(a: Uint8Array, b: Uint8Array): number {
  let largest = 0;
  for (let index = 0; index < a.length; index += 1) largest = Math.max(largest, Math.abs((a[index] as number) - (b[index] as number)));
  return largest;
}

function meanDifference(a: Uint8Array, b: Uint8Array): number {
  let total = 0;
  for (let index = 0; index < a.length; index += 1) total += Math.abs((a[index] as number) - (b[index] as number));
  return total / a.length;
}

describe('runtime: latent interpolation between two samples of a trained GAN', function () {
  this.timeout(300_000);
  let folder: string;
  let checkpoint: string;
  let grid: PNG;

  before(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'convlens-interpolation-'));
    const run = await sharedGanRun();
    // interpolateSamples renders on the backend chosen beforehand, as the runtime process
    // chooses it: wasm, the run's own. When the shared run was already on disk, nothing in
    // this process has chosen one yet (the file failed when run alone, or after a file
    // that left none in its mocha worker).
    await chooseBackend({ requested: 'wasm' });
    grid = PNG.sync.read(readFileSync(path.join(run, 'samples', 'epoch-0001.png')));
    assert.deepEqual([grid.width, grid.height], [484, 484]);
    checkpoint = path.join(run, 'checkpoint');
  });
  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it("starts at cell i and ends at cell j of the run's last sample grid, and passes through other images", async () => {
    const [from, to, steps] = [3, 42, 6];
    const strip = await interpolateSamples(dcganMnist, checkpoint, from, to, steps);
    assert.equal(strip.steps, steps);
    const png = PNG.sync.read(strip.png);
    assert.deepEqual([png.width, png.height], [PITCH * steps + MARGIN, 64]);
    const start = cellOf(grid, from, 8);
    const end = cellOf(grid, to, 8);
    // The two picked samples are different images, or the test below would prove nothing.
    assert.ok(meanDifference(start, end) > 4, `cells ${from} and ${to} look alike`);
    assert.ok(largestDifference(cellOf(png, 0, steps), start) <= 1, `first image vs cell ${from}: ${largestDifference(cellOf(png, 0, steps), start)}`);
    assert.ok(largestDifference(cellOf(png, steps - 1, steps), end) <= 1, `last image vs cell ${to}: ${largestDifference(cellOf(png, steps - 1, steps), end)}`);
    for (let step = 1; step < steps - 1; step += 1) {
      const image = cellOf(png, step, steps);
      assert.ok(largestDifference(image, start) > 1 && meanDifference(image, start) > 2, `step ${step} is cell ${from}`);
      assert.ok(largestDifference(image, end) > 1 && meanDifference(image, end) > 2, `step ${step} is cell ${to}`);
    }
  });

  it('walks in either direction: from j to i is the same strip reversed, in two steps', async () => {
    const png = PNG.sync.read((await interpolateSamples(dcganMnist, checkpoint, 42, 3, 2)).png);
    assert.deepEqual([png.width, png.height], [124, 64]);
    assert.ok(largestDifference(cellOf(png, 0, 2), cellOf(grid, 42, 8)) <= 1);
    assert.ok(largestDifference(cellOf(png, 1, 2), cellOf(grid, 3, 8)) <= 1);
  });

  it('the last cell of the grid is cell 63', async () => {
    const png = PNG.sync.read((await interpolateSamples(dcganMnist, checkpoint, 0, 63, 3)).png);
    assert.ok(largestDifference(cellOf(png, 0, 3), cellOf(grid, 0, 8)) <= 1);
    assert.ok(largestDifference(cellOf(png, 2, 3), cellOf(grid, 63, 8)) <= 1);
  });

  it('refuses cells outside the grid, too few steps and a missing or foreign checkpoint, in one line', async () => {
    await assert.rejects(interpolateSamples(dcganMnist, checkpoint, 64, 0, 8), { name: 'TrainingError', message: "sample 64 ('from') is outside the 8×8 sample grid: pick a cell from 0 to 63" });
    await assert.rejects(interpolateSamples(dcganMnist, checkpoint, 0, -1, 8), { message: "sample -1 ('to') is outside the 8×8 sample grid: pick a cell from 0 to 63" });
    await assert.rejects(interpolateSamples(dcganMnist, checkpoint, 0, 2.5, 8), /sample 2\.5 \('to'\) is outside/);
    await assert.rejects(interpolateSamples(dcganMnist, checkpoint, 0, 1, 1), { message: 'an interpolation takes 2 to 64 steps, not 1' });
    await assert.rejects(interpolateSamples(dcganMnist, checkpoint, 0, 1, 65), { message: 'an interpolation takes 2 to 64 steps, not 65' });
    const missing = path.join(folder, 'nowhere', 'checkpoint');
    await assert.rejects(interpolateSamples(dcganMnist, missing, 0, 1, 4), { message: `checkpoint ${missing} does not exist: train dcganMnist first` });
    const empty = path.join(folder, 'empty', 'checkpoint');
    mkdirSync(empty, { recursive: true });
    await assert.rejects(interpolateSamples(dcganMnist, empty, 0, 1, 4), { message: `${empty} holds no GAN checkpoint (generator/model.json and training.json)` });
    await assert.rejects(interpolateSamples({ ...dcganMnist, name: 'otherGan' }, checkpoint, 0, 1, 4), { message: `the checkpoint in ${checkpoint} is of 'dcganMnist', not 'otherGan'` });
  });
});
