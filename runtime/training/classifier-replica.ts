/**
 * One copy of a classifier and its optimizer, and the steps training takes on it: a
 * training step on a batch, the gradients alone (for data-parallel training, where the
 * workers' gradients are averaged before every replica applies the same update), and
 * evaluation. Batches arrive as normalised channels-last floats (batch-assembly.ts).
 *
 * Loss: cross-entropy of the main output plus each auxiliary head's, weighted by its
 * `aux(..., { weight })` (GoogLeNet: L = L_main + 0.3·L_aux1 + 0.3·L_aux2, Szegedy et al.
 * 2014, §5).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CompiledModel } from '../compile';
import { toPredict, toTrainingForward, type Predict } from '../inference-plan';
import { toTensorShape } from '../layout';
import { crossEntropy, toOutputKind, toProbabilities, type OutputKind } from './losses';
import { registerLossKernels, softmaxCrossEntropyAndCorrect } from '../kernels/loss-kernels';
import { createOptimizer, type OptimizerSpec } from './optimizer-choice';

export interface StepResult {
  /** Mean loss over the batch. */
  readonly loss: number;
  /** Images whose top prediction is their label. */
  readonly correct: number;
}

export interface EvaluationResult {
  /** Summed (not mean) cross-entropy, to average over a whole split. */
  readonly lossSum: number;
  readonly correct: number;
  /** The predicted class of each image (for the confusion matrix). */
  readonly predicted: Int32Array;
}

export class ClassifierReplica {
  readonly optimizer: tf.Optimizer;
  private readonly tensorShape: number[];
  private readonly pixels: number;
  private readonly mainKind: OutputKind;
  private readonly auxKinds: readonly OutputKind[];
  /** The predictor's inference (inference-plan.ts). */
  private readonly predict: Predict;
  /** The training forward pass without the graph executor (inference-plan.ts); null: `apply` (aux heads). */
  private readonly trainingForward: Predict | null;

  constructor(
    readonly compiled: CompiledModel,
    readonly classes: number,
    optimizer: OptimizerSpec,
  ) {
    this.optimizer = createOptimizer(optimizer);
    this.tensorShape = toTensorShape(compiled.inputShape);
    this.pixels = this.tensorShape.reduce((product, dimension) => product * dimension, 1);
    this.mainKind = toOutputKind(compiled.lastLayerKind);
    this.auxKinds = compiled.auxHeads.map((head) => toOutputKind(head.lastLayerKind));
    this.predict = toPredict(compiled.predictor);
    this.trainingForward = toTrainingForward(compiled.model);
    registerLossKernels();
  }

  /** The batch as tensors; the one-hot labels are made on first use (the fused loss takes the integers). */
  private inputs(images: Float32Array, labels: Int32Array, count: number): { x: tf.Tensor; oneHot: () => tf.Tensor; labels: tf.Tensor1D } {
    const x = tf.tensor(images.subarray(0, count * this.pixels), [count, ...this.tensorShape]);
    const labelTensor = tf.tensor1d(labels.subarray(0, count), 'int32');
    let oneHot: tf.Tensor | undefined;
    return { x, oneHot: () => (oneHot ??= tf.oneHot(labelTensor, this.classes)), labels: labelTensor };
  }

  /** The training loss; keeps the main output's correct count in `correct` (outside the gradient tape's disposal). */
  private loss(x: tf.Tensor, oneHot: () => tf.Tensor, labels: tf.Tensor1D, keep: { correct: tf.Tensor | null }): tf.Scalar {
    const outputs = this.trainingForward === null ? this.compiled.model.apply(x, { training: true }) : this.trainingForward(x);
    const [main, ...aux] = Array.isArray(outputs) ? (outputs as tf.Tensor[]) : [outputs as tf.Tensor];
    if (main === undefined) throw new Error('[convlens] the model produced no output');
    // Logits on wasm or cpu: the loss and the count in one kernel (kernels/loss-kernels.ts).
    const fused = this.mainKind === 'logits' ? softmaxCrossEntropyAndCorrect(main, labels) : null;
    keep.correct = tf.keep(fused?.correct ?? tf.sum(tf.cast(tf.equal(tf.argMax(main, -1), labels), 'int32')));
    let total = fused?.loss ?? crossEntropy(main, oneHot(), this.mainKind);
    aux.forEach((output, index) => {
      const head = this.compiled.auxHeads[index];
      if (head === undefined) return;
      total = tf.add(total, tf.mul(head.weight, crossEntropy(output, oneHot(), this.auxKinds[index] ?? 'logits')));
    });
    return total;
  }

  /** One optimizer step on a batch. */
  async trainBatch(images: Float32Array, labels: Int32Array, count: number): Promise<StepResult> {
    const keep: { correct: tf.Tensor | null } = { correct: null };
    const loss = tf.tidy(() => {
      const inputs = this.inputs(images, labels, count);
      return this.optimizer.minimize(() => this.loss(inputs.x, inputs.oneHot, inputs.labels, keep), true) as tf.Scalar;
    });
    return await this.readStep(loss, keep.correct);
  }

  private async readStep(loss: tf.Scalar, correct: tf.Tensor | null): Promise<StepResult> {
    try {
      const [lossValue, correctValue] = await Promise.all([loss.data(), correct === null ? Promise.resolve([0]) : correct.data()]);
      return { loss: lossValue[0] as number, correct: correctValue[0] as number };
    } finally {
      loss.dispose();
      correct?.dispose();
    }
  }

  /** The trainable variables, in the order gradients are flattened. */
  get variables(): tf.Variable[] {
    return this.compiled.model.trainableWeights.map((weight) => (weight as unknown as { val: tf.Variable }).val);
  }

  /** The gradient of the batch's loss, every trainable variable's flattened one after another. */
  async computeGradients(images: Float32Array, labels: Int32Array, count: number): Promise<StepResult & { gradients: Float32Array }> {
    const keep: { correct: tf.Tensor | null } = { correct: null };
    const variables = this.variables;
    const { value, flat } = tf.tidy(() => {
      const inputs = this.inputs(images, labels, count);
      const { value: lossValue, grads } = tf.variableGrads(() => this.loss(inputs.x, inputs.oneHot, inputs.labels, keep), variables);
      const pieces = variables.map((variable) => tf.reshape(grads[variable.name] ?? tf.zerosLike(variable), [-1]));
      return { value: lossValue, flat: tf.concat(pieces) };
    });
    const gradients = (await flat.data()) as Float32Array;
    flat.dispose();
    const step = await this.readStep(value, keep.correct);
    return { ...step, gradients };
  }

  /** Applies a flattened gradient (the average of the workers') with this replica's optimizer. */
  applyGradients(gradients: Float32Array): void {
    tf.tidy(() => {
      const named: tf.NamedTensorMap = {};
      let offset = 0;
      for (const variable of this.variables) {
        named[variable.name] = tf.tensor(gradients.subarray(offset, offset + variable.size), variable.shape);
        offset += variable.size;
      }
      this.optimizer.applyGradients(named);
    });
  }

  /** The predicted class of each image of a batch (inference mode): what a deployed model computes. */
  async predictBatch(images: Float32Array, count: number): Promise<Int32Array> {
    const classes = tf.tidy(() => tf.argMax(this.predict(tf.tensor(images.subarray(0, count * this.pixels), [count, ...this.tensorShape])), -1));
    const values = (await classes.data()) as Int32Array;
    classes.dispose();
    return values;
  }

  /** Loss and correct count of a batch in inference mode; with `mirrored`, the average of both predictions (test-time augmentation). */
  async evaluateBatch(images: Float32Array, labels: Int32Array, count: number, mirrored: Float32Array | null): Promise<EvaluationResult> {
    const [lossSum, correct, predicted] = tf.tidy(() => {
      const { x, oneHot, labels: labelTensor } = this.inputs(images, labels, count);
      let probabilities = toProbabilities(this.predict(x), this.mainKind);
      if (mirrored !== null) {
        const flipped = tf.tensor(mirrored.subarray(0, count * this.pixels), [count, ...this.tensorShape]);
        const other = toProbabilities(this.predict(flipped), this.mainKind);
        probabilities = tf.div(tf.add(probabilities, other), 2);
      }
      const loss = tf.mul(crossEntropy(probabilities, oneHot(), 'probabilities'), count);
      const classes = tf.argMax(probabilities, -1);
      const right = tf.sum(tf.cast(tf.equal(classes, labelTensor), 'int32'));
      return [loss, right, classes];
    });
    const [lossValue, correctValue, predictedValues] = await Promise.all([lossSum.data(), correct.data(), predicted.data()]);
    tf.dispose([lossSum, correct, predicted]);
    return { lossSum: lossValue[0] as number, correct: correctValue[0] as number, predicted: Int32Array.from(predictedValues) };
  }
}
