/**
 * Adam and SGD with momentum as tf.Optimizer subclasses that update each variable with one
 * kernel (kernels/optimizer-kernels.ts) instead of tfjs's dozen, with the same arithmetic
 * and the same `getWeights` layout as tf.train.adam / tf.train.momentum (iterations, then
 * one slot per variable and moment), so checkpoints move between them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAM_KERNEL, MOMENTUM_KERNEL } from '../kernels/optimizer-kernels';

type NamedTensor = { name: string; tensor: tf.Tensor };

function toList(gradients: tf.NamedTensorMap | NamedTensor[]): NamedTensor[] {
  return Array.isArray(gradients) ? gradients : Object.entries(gradients).map(([name, tensor]) => ({ name, tensor }));
}

function variableNamed(name: string): tf.Variable {
  const variable = (tf.engine().registeredVariables as Record<string, tf.Variable>)[name];
  if (variable === undefined) throw new Error(`[convlens] the optimizer was given a gradient for unknown variable '${name}'`);
  return variable;
}

/** One slot per variable, by position (as tfjs's optimizers keep them). */
class Slots {
  readonly tensors: (tf.Variable | undefined)[] = [];

  at(index: number, like: tf.Tensor): tf.Variable {
    let slot = this.tensors[index];
    if (slot === undefined) {
      slot = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      this.tensors[index] = slot;
    }
    return slot;
  }

  dispose(): void {
    for (const slot of this.tensors) slot?.dispose();
    this.tensors.length = 0;
  }
}

export class FusedAdam extends tf.Optimizer {
  static readonly className = 'ConvLensFusedAdam';
  private readonly firstMoments = new Slots();
  private readonly secondMoments = new Slots();
  private step = 0;

  constructor(
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    super();
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    this.step += 1;
    const attrs = { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, step: this.step };
    toList(variableGradients).forEach(({ name, tensor: gradient }, index) => {
      const variable = variableNamed(name);
      const m = this.firstMoments.at(index, variable);
      const v = this.secondMoments.at(index, variable);
      tf.tidy(() => {
        const [value, newM, newV] = tf.engine().runKernel(ADAM_KERNEL, { value: variable, m, v, gradient }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        variable.assign(value as tf.Tensor);
        m.assign(newM as tf.Tensor);
        v.assign(newV as tf.Tensor);
      });
    });
    this.incrementIterations();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return [
      await this.saveIterations(),
      ...this.firstMoments.tensors.map((tensor, index) => ({ name: `m${index}`, tensor: tensor as tf.Tensor })),
      ...this.secondMoments.tensors.map((tensor, index) => ({ name: `v${index}`, tensor: tensor as tf.Tensor })),
    ];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.step = this.iterations;
    const half = rest.length / 2;
    this.firstMoments.dispose();
    this.secondMoments.dispose();
    rest.forEach(({ tensor }, index) => {
      const slots = index < half ? this.firstMoments : this.secondMoments;
      slots.tensors[index < half ? index : index - half] = tf.variable(tensor, false);
    });
  }

  override dispose(): void {
    this.firstMoments.dispose();
    this.secondMoments.dispose();
    super.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

export class FusedMomentum extends tf.Optimizer {
  static readonly className = 'ConvLensFusedMomentum';
  private readonly velocities = new Slots();

  constructor(
    private readonly learningRate: number,
    private readonly momentum: number,
  ) {
    super();
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const attrs = { learningRate: this.learningRate, momentum: this.momentum };
    toList(variableGradients).forEach(({ name, tensor: gradient }, index) => {
      const variable = variableNamed(name);
      const velocity = this.velocities.at(index, variable);
      tf.tidy(() => {
        const [value, newVelocity] = tf.engine().runKernel(MOMENTUM_KERNEL, { value: variable, velocity, gradient }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        variable.assign(value as tf.Tensor);
        velocity.assign(newVelocity as tf.Tensor);
      });
    });
    this.incrementIterations();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return [await this.saveIterations(), ...this.velocities.tensors.map((tensor, index) => ({ name: `u${index}`, tensor: tensor as tf.Tensor }))];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.velocities.dispose();
    rest.forEach(({ tensor }, index) => {
      this.velocities.tensors[index] = tf.variable(tensor, false);
    });
  }

  override dispose(): void {
    this.velocities.dispose();
    super.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum };
  }
}
