/**
 * The fused classifier loss (runtime/kernels/loss-kernels.ts) against tfjs's own ops, the
 * oracle: tf.losses.softmaxCrossEntropy on one-hot labels, its gradient by tf.grad, and
 * the count of right answers by argMax / equal / sum, all on the cpu backend with the
 * fused kernels not involved. Checked on wasm and cpu, on random batches, ties, large
 * logits and batch 1; one class (which tf.oneHot refuses) against literal values.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend } from 'convlens-runtime/backend-choice';
import { registerLossKernels, softmaxCrossEntropyAndCorrect, SOFTMAX_CROSS_ENTROPY_KERNEL } from 'convlens-runtime/kernels/loss-kernels';
import { relativeError } from './relative-error';

interface Case {
  readonly logits: number[];
  readonly labels: number[];
  readonly classes: number;
}

/** tfjs's ops on the cpu backend: loss, gradient with respect to the logits, correct count. */
async function oracle({ logits, labels, classes }: Case): Promise<{ loss: number; gradient: Float32Array; correct: number }> {
  await tf.setBackend('cpu');
  const batch = labels.length;
  const [loss, gradient, correct] = tf.tidy(() => {
    const z = tf.tensor2d(logits, [batch, classes]);
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
    const lossOf = (input: tf.Tensor): tf.Scalar => tf.losses.softmaxCrossEntropy(oneHot, input) as tf.Scalar;
    return [lossOf(z), tf.grad(lossOf)(z), tf.sum(tf.cast(tf.equal(tf.argMax(z, -1), tf.tensor1d(labels, 'int32')), 'int32'))];
  });
  const result = { loss: (await loss.data())[0] as number, gradient: (await gradient.data()) as Float32Array, correct: (await correct.data())[0] as number };
  tf.dispose([loss, gradient, correct]);
  return result;
}

/** The fused kernels on `backend`: loss, gradient (by tf.grad through the kernel's registered gradient), correct count. */
async function fused(backend: 'cpu' | 'wasm', { logits, labels, classes }: Case): Promise<{ loss: number; gradient: Float32Array; correct: number }> {
  await tf.setBackend(backend);
  const batch = labels.length;
  const [loss, gradient, correct] = tf.tidy(() => {
    const z = tf.tensor2d(logits, [batch, classes]);
    const y = tf.tensor1d(labels, 'int32');
    const once = softmaxCrossEntropyAndCorrect(z, y);
    assert.ok(once !== null, `the fused loss runs on ${backend}`);
    const gradientOf = tf.grad((input: tf.Tensor) => softmaxCrossEntropyAndCorrect(input, y)!.loss);
    return [once.loss, gradientOf(z), once.correct];
  });
  const result = { loss: (await loss.data())[0] as number, gradient: (await gradient.data()) as Float32Array, correct: (await correct.data())[0] as number };
  tf.dispose([loss, gradient, correct]);
  return result;
}

describe('runtime: the fused softmax cross-entropy against tfjs ops', function () {
  this.timeout(60_000);
  let state = 20261206;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const integer = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));

  before(async () => {
    await chooseBackend({ requested: 'wasm' });
    registerLossKernels();
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  const cases: Case[] = [];
  for (let trial = 0; trial < 12; trial += 1) {
    const batch = trial === 0 ? 1 : integer(2, 70);
    const classes = trial === 1 ? 2 : integer(2, 12);
    // Spread up to ±40 (trial 2: ±2,000, where exp overflows unless the max is taken out first).
    const spread = trial === 2 ? 2000 : 40 * random();
    cases.push({
      logits: Array.from({ length: batch * classes }, () => (random() * 2 - 1) * spread),
      labels: Array.from({ length: batch }, () => integer(0, classes - 1)),
      classes,
    });
  }
  // Ties: rows of equal logits, and a row whose two largest are equal; the count follows
  // argMax's first index.
  cases.push({ logits: [1, 1, 1, 5, 2, 5, 0, 3, 3], labels: [0, 2, 1], classes: 3 });
  cases.push({ logits: [1, 1, 1, 5, 2, 5, 0, 3, 3], labels: [2, 0, 2], classes: 3 });

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`loss, gradient and correct count equal tfjs's on ${cases.length} batches (${backend})`, async () => {
      for (const [index, testCase] of cases.entries()) {
        const expected = await oracle(testCase);
        const actual = await fused(backend, testCase);
        const where = `case ${index} (${testCase.labels.length} × ${testCase.classes})`;
        assert.ok(Number.isFinite(actual.loss), `${where}: loss ${actual.loss}`);
        assert.ok(Math.abs(actual.loss - expected.loss) <= 1e-5 * Math.max(1, Math.abs(expected.loss)), `${where}: loss ${actual.loss}, tfjs ${expected.loss}`);
        assert.ok(relativeError(actual.gradient, expected.gradient) < 1e-5, `${where}: gradient differs from tfjs's by ${relativeError(actual.gradient, expected.gradient)}`);
        assert.equal(actual.correct, expected.correct, `${where}: correct count`);
      }
    });
  }

  it('literal values: two rows of three classes', async () => {
    await tf.setBackend('wasm');
    // Row 0: logits (0, ln 2, ln 3) hold softmax (1/6, 2/6, 3/6); label 2 → −ln(1/2).
    // Row 1: logits (0, 0, 0), label 0 → ln 3; its argMax is 0, so it counts as right, row 0 too.
    const z = tf.tensor2d([0, Math.log(2), Math.log(3), 0, 0, 0], [2, 3]);
    const y = tf.tensor1d([2, 0], 'int32');
    const result = softmaxCrossEntropyAndCorrect(z, y)!;
    const gradient = tf.grad((input: tf.Tensor) => softmaxCrossEntropyAndCorrect(input, y)!.loss)(z);
    assert.ok(Math.abs(((await result.loss.data())[0] as number) - (Math.log(2) + Math.log(3)) / 2) < 1e-6);
    assert.equal((await result.correct.data())[0], 2);
    const expected = [1 / 12, 2 / 12, 3 / 12 - 1 / 2, 1 / 6 - 1 / 2, 1 / 6, 1 / 6];
    const values = await gradient.data();
    expected.forEach((value, index) => assert.ok(Math.abs((values[index] as number) - value) < 1e-6, `gradient ${index}: ${values[index]}, expected ${value}`));
    tf.dispose([z, y, result.loss, result.correct, gradient]);
  });

  it('one class: the loss and its gradient are zero, every answer right', async () => {
    await tf.setBackend('wasm');
    const z = tf.tensor2d([3, -7, 0.5], [3, 1]);
    const y = tf.tensor1d([0, 0, 0], 'int32');
    const result = softmaxCrossEntropyAndCorrect(z, y)!;
    const gradient = tf.grad((input: tf.Tensor) => softmaxCrossEntropyAndCorrect(input, y)!.loss)(z);
    assert.equal((await result.loss.data())[0], 0);
    assert.equal((await result.correct.data())[0], 3);
    assert.deepEqual(Array.from(await gradient.data()), [0, 0, 0]);
    tf.dispose([z, y, result.loss, result.correct, gradient]);
  });

  it('a NaN logit makes the loss NaN instead of hiding it', async () => {
    await tf.setBackend('wasm');
    const result = tf.tidy(() => softmaxCrossEntropyAndCorrect(tf.tensor2d([0, Number.NaN, 1, 2], [2, 2]), tf.tensor1d([0, 1], 'int32'))!.loss);
    assert.ok(Number.isNaN((await result.data())[0]));
    result.dispose();
  });

  it('leaves other backends and inputs to the caller (null)', async () => {
    await tf.setBackend('wasm');
    assert.ok(tf.getKernel(SOFTMAX_CROSS_ENTROPY_KERNEL, 'wasm') !== undefined);
    const rank3 = tf.zeros([2, 2, 2]);
    assert.equal(softmaxCrossEntropyAndCorrect(rank3, tf.tensor1d([0, 1], 'int32')), null);
    rank3.dispose();
  });
});
