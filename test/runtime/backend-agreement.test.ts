/**
 * The backends agree: every construct fixture (test/fixtures/export/constructs.ts: 'same'
 * padding, ceil-mode and adaptive pooling, groups, LRN, transposed convolutions, upsampling,
 * batch norm, residual and concat blocks, aux heads, a GAN) gives the same outputs and the
 * same gradient of every weight on cpu, wasm and — on a software adapter — webgpu. Each
 * backend runs in its own process (construct-outputs.ts). This is what found the stock tfjs
 * gradient kernels that runtime/kernels/stock-kernel-fixes.ts corrects; the two corrected
 * kernels are also checked here against their definitions.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import type { NetworkOutputs } from './construct-outputs';
import { relativeError } from './relative-error';
import { SOFTWARE_WEBGPU_ENV, skipWithoutSoftwareAdapter } from './software-webgpu';

const driver = path.join(__dirname, 'construct-outputs.js');

interface DriverRun {
  readonly status: number | null;
  readonly stderr: string;
  readonly results: Record<string, NetworkOutputs>;
}

function outputsOn(backend: string, folder: string): DriverRun {
  const file = path.join(folder, `${backend}.json`);
  const result = spawnSync(process.execPath, [driver, backend, file], { encoding: 'utf8', timeout: 240_000, env: SOFTWARE_WEBGPU_ENV });
  if (result.error !== undefined) throw result.error;
  const results = result.status === 0 ? (JSON.parse(readFileSync(file, 'utf8')) as { results: Record<string, NetworkOutputs> }).results : {};
  return { status: result.status, stderr: result.stderr, results };
}

function assertAgree(actual: DriverRun, expected: DriverRun, label: string): void {
  assert.deepEqual(Object.keys(actual.results), Object.keys(expected.results));
  assert.ok(Object.keys(expected.results).length >= 8, 'every construct fixture ran');
  for (const [network, reference] of Object.entries(expected.results)) {
    const other = actual.results[network] as NetworkOutputs;
    reference.outputs.forEach((output, index) => assert.ok(relativeError(other.outputs[index] as number[], output) < 1e-4, `${label}: ${network} output ${index}`));
    assert.equal(other.gradients.length, reference.gradients.length, `${label}: ${network} weights`);
    reference.gradients.forEach((gradient, index) => assert.ok(relativeError(other.gradients[index] as number[], gradient) < 1e-4, `${label}: ${network} gradient of weight ${index}`));
  }
}

describe('runtime: the backends agree on every construct', function () {
  this.timeout(300_000);
  let folder: string;
  let wasm: DriverRun;

  before(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'convlens-agreement-'));
    wasm = outputsOn('wasm', folder);
    assert.equal(wasm.status, 0, wasm.stderr);
  });
  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('cpu and wasm: the same outputs and gradients', () => {
    const cpu = outputsOn('cpu', folder);
    assert.equal(cpu.status, 0, cpu.stderr);
    assertAgree(cpu, wasm, 'cpu');
  });

  it('webgpu on a software adapter and wasm: the same outputs and gradients', function () {
    const webgpu = outputsOn('webgpu', folder);
    skipWithoutSoftwareAdapter(this, webgpu.status, webgpu.stderr);
    assert.equal(webgpu.status, 0, webgpu.stderr);
    assertAgree(webgpu, wasm, 'webgpu');
  });

  describe('the corrected cpu kernels against their definitions', () => {
    let previous: string | undefined;
    before(async () => {
      // Undefined when no test before this one chose a backend.
      previous = tf.getBackend() as string | undefined;
      await chooseBackend({ requested: 'cpu' });
    });
    after(async () => {
      if (previous !== undefined) await tf.setBackend(previous);
    });

    const sine = (count: number, step: number) => Float32Array.from({ length: count }, (_, index) => Math.sin(index * step));

    it("AvgPoolGrad with 'same' padding: each output's gradient shared by its window's pixels inside the input", async () => {
      const [batch, height, width, channels] = [2, 5, 4, 3];
      for (const [size, stride] of [[2, 1], [3, 1], [3, 2]] as const) {
        const x = tf.tensor4d(sine(batch * height * width * channels, 1.3), [batch, height, width, channels]);
        const outShape = tf.avgPool(x, size, stride, 'same').shape;
        const [, outHeight, outWidth] = outShape;
        const dy = sine(batch * outHeight * outWidth * channels, 0.7);
        const actual = await tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(input as tf.Tensor4D, size, stride, 'same'), tf.tensor(dy, outShape))))(x).data();
        // TensorFlow's 'same': total padding max((out − 1)·stride + size − in, 0), the smaller half first.
        const top = Math.floor(Math.max((outHeight - 1) * stride + size - height, 0) / 2);
        const left = Math.floor(Math.max((outWidth - 1) * stride + size - width, 0) / 2);
        const expected = new Float32Array(actual.length);
        for (let b = 0; b < batch; b += 1) {
          for (let p = 0; p < outHeight; p += 1) {
            for (let q = 0; q < outWidth; q += 1) {
              const inside: [number, number][] = [];
              for (let r = p * stride - top; r < p * stride - top + size; r += 1) {
                for (let c = q * stride - left; c < q * stride - left + size; c += 1) if (r >= 0 && r < height && c >= 0 && c < width) inside.push([r, c]);
              }
              for (let k = 0; k < channels; k += 1) {
                const share = (dy[((b * outHeight + p) * outWidth + q) * channels + k] as number) / inside.length;
                for (const [r, c] of inside) {
                  const at = ((b * height + r) * width + c) * channels + k;
                  expected[at] = (expected[at] as number) + share;
                }
              }
            }
          }
        }
        assert.ok(relativeError(Array.from(actual), Array.from(expected)) < 1e-6, `size ${size}, stride ${stride}`);
      }
    });

    it('ResizeNearestNeighborGrad of a 2 × 1 upsampling: each pixel gets the sum of the two it became, in every image of the batch', async () => {
      const [batch, height, width, channels] = [3, 5, 4, 2];
      const x = tf.tensor4d(sine(batch * height * width * channels, 1.1), [batch, height, width, channels]);
      const dy = sine(batch * 2 * height * width * channels, 0.7);
      const actual = await tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(input as tf.Tensor4D, [2 * height, width]), tf.tensor(dy, [batch, 2 * height, width, channels]))))(x).data();
      const expected = new Float32Array(actual.length);
      for (let b = 0; b < batch; b += 1) {
        for (let r = 0; r < 2 * height; r += 1) {
          for (let c = 0; c < width; c += 1) {
            for (let k = 0; k < channels; k += 1) {
              const at = ((b * height + (r >> 1)) * width + c) * channels + k;
              expected[at] = (expected[at] as number) + (dy[((b * 2 * height + r) * width + c) * channels + k] as number);
            }
          }
        }
      }
      assert.ok(relativeError(Array.from(actual), Array.from(expected)) < 1e-6);
    });
  });
});
