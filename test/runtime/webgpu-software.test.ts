/**
 * The WebGPU backend trains, on a machine without a GPU: with CONVLENS_WEBGPU_SOFTWARE=1,
 * `--backend webgpu` runs tfjs-backend-webgpu on Dawn's OpenGL ES backend over Mesa's
 * software rasteriser (llvmpipe), the same WebGPU code path a GPU takes. A short LeNet-5
 * run must match the same run on wasm (itself checked against the cpu backend in
 * wasm-kernels.test.ts): the training and test losses, the test accuracy and the weights.
 *
 * It needs Mesa's EGL and GLES (libegl-mesa0, libgl1-mesa-dri, libgles2; .ci/run installs
 * them). Without them it is skipped locally and fails in CI.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SOFTWARE_WEBGPU_ENV, skipWithoutSoftwareAdapter } from './software-webgpu';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const binPath = path.join(repoRoot, 'packages', 'convlens', 'bin', 'convlens.js');

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly events: Record<string, unknown>[];
}

function train(backend: 'webgpu' | 'wasm', out: string): Run {
  const args = [binPath, 'train', 'examples/lenet5.ts', '--model', 'lenet5Mnist', '--limit', '256', '--test-limit', '1000', '--epochs', '1', '--workers', '1', '--json', '--backend', backend, '--out', out];
  const result = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 240_000, env: SOFTWARE_WEBGPU_ENV });
  if (result.error !== undefined) throw result.error;
  const events = result.stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
  return { status: result.status, stderr: result.stderr, events };
}

const eventOf = (run: Run, name: string): Record<string, unknown> | undefined => run.events.find((event) => event['event'] === name);
const weightsOf = (checkpoint: string): Float32Array => {
  const bytes = readFileSync(path.join(checkpoint, 'weights.bin'));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};

describe('runtime: the WebGPU backend on a software adapter', function () {
  this.timeout(300_000);
  let folder: string;

  before(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'convlens-webgpu-'));
  });
  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('trains LeNet-5 as the wasm backend does: the same losses, test accuracy and weights', function () {
    const gpu = train('webgpu', path.join(folder, 'webgpu'));
    skipWithoutSoftwareAdapter(this, gpu.status, gpu.stderr);
    assert.equal(gpu.status, 0, gpu.stderr);
    const started = eventOf(gpu, 'started');
    assert.equal(started?.['backend'], 'webgpu', JSON.stringify(started));
    const cpuSide = train('wasm', path.join(folder, 'wasm'));
    assert.equal(cpuSide.status, 0, cpuSide.stderr);

    const close = (name: string, actual: unknown, expected: unknown): void => {
      assert.ok(typeof actual === 'number' && typeof expected === 'number' && Math.abs(actual - expected) <= 1e-3 * Math.abs(expected), `${name}: ${actual} against ${expected}`);
    };
    // The epoch's mean training loss over its four batches, then the test split's loss.
    close('training loss', eventOf(gpu, 'epochEnded')?.['loss'], eventOf(cpuSide, 'epochEnded')?.['loss']);
    const [gpuFinished, wasmFinished] = [eventOf(gpu, 'finished'), eventOf(cpuSide, 'finished')];
    assert.ok(gpuFinished !== undefined && wasmFinished !== undefined, 'both runs finish');
    close('test loss', gpuFinished['testLoss'], wasmFinished['testLoss']);
    // The first 1,000 test images (the whole 10,000 cost half a minute on the software
    // adapter): at most one of them classified differently.
    assert.ok(Math.abs((gpuFinished['testAccuracy'] as number) - (wasmFinished['testAccuracy'] as number)) <= 1e-3 + 1e-9, `test accuracy ${gpuFinished['testAccuracy']} against ${wasmFinished['testAccuracy']}`);

    // Four Adam steps from the same initial weights: one step moves a weight by up to the
    // learning rate (1e-3), so a wrong gradient shows far above this bound (measured: 1.5e-5).
    const [gpuWeights, wasmWeights] = [weightsOf(gpuFinished['checkpoint'] as string), weightsOf(wasmFinished['checkpoint'] as string)];
    assert.equal(gpuWeights.length, 61_706);
    assert.equal(gpuWeights.length, wasmWeights.length);
    const largest = gpuWeights.reduce((worst, value, index) => Math.max(worst, Math.abs(value - (wasmWeights[index] as number))), 0);
    assert.ok(largest <= 2e-4, `largest weight difference ${largest}`);
  });
});
