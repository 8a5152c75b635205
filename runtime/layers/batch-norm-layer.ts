/**
 * `batchNorm` as tfjs-layers' BatchNormalization whose training-mode call, on the wasm
 * backend, is one kernel (kernels/wasm-batch-norm.ts) instead of moments and batchNorm
 * (~15 kernels forward and backward, and their full-size intermediates on the tape).
 * Everything else is the stock layer's: inference, the other backends, the weights
 * (gamma, beta, moving_mean, moving_variance, so checkpoints load either way) and the
 * class name: its entry in a saved model.json is the stock layer's and loads as one (this
 * class is deliberately not registered), and inference-plan.ts folds it into the
 * convolution before it by that name.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers, type LayerVariable } from '@tensorflow/tfjs-layers';
import { BATCH_NORM_TRAINING_KERNEL, batchNormInTraining } from '../kernels/wasm-batch-norm';
import { onlyTensor } from './layer-config';

type StockBatchNormalization = ReturnType<typeof layers.batchNormalization>;
type BatchNormalizationArgs = NonNullable<Parameters<typeof layers.batchNormalization>[0]>;

/**
 * tfjs-layers' class, which its package does not export by name: taken from tfjs-core's
 * serialization registry, where tfjs-layers registers it (rather than from a throwaway
 * instance, which would move tfjs-layers' automatic layer names).
 */
function stockClass(): new (args?: BatchNormalizationArgs) => StockBatchNormalization {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap['BatchNormalization'];
  if (entry === undefined) throw new Error('[convlens] tfjs-layers registered no BatchNormalization layer');
  return entry[0] as unknown as new (args?: BatchNormalizationArgs) => StockBatchNormalization;
}

export class BatchNormLayer extends stockClass() {
  // No className of its own: getClassName() stays 'BatchNormalization' (see the header).
  private readonly axisSetting: number;
  private readonly momentumSetting: number;
  private readonly epsilonSetting: number;

  constructor(args: BatchNormalizationArgs) {
    super(args);
    // The stock layer keeps these private; its config has them with its defaults applied.
    const config = this.getConfig() as { axis: number | number[]; momentum: number; epsilon: number };
    this.axisSetting = Array.isArray(config.axis) ? (config.axis.length === 1 ? (config.axis[0] as number) : NaN) : config.axis;
    this.momentumSetting = config.momentum;
    this.epsilonSetting = config.epsilon;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const x = onlyTensor(inputs);
    const variables = this.kernelVariables(x);
    // The stock layer's test: a missing or false `training` is inference.
    if (!(kwargs['training'] ?? false) || variables === null) return super.call(inputs, kwargs);
    const { gamma, beta, movingMean, movingVariance } = variables;
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormInTraining(x, gamma.read(), beta.read(), this.epsilonSetting);
      // tfjs-layers' own update (normalization.ts doMovingAverage), with the biased batch
      // variance as it uses: moving ← moving − (moving − batch)·(1 − momentum).
      for (const [variable, value] of [[movingMean, mean], [movingVariance, variance]] as const) {
        tf.tidy(() => {
          const previous = variable.read();
          variable.write(tf.sub(previous, tf.mul(tf.sub(previous, value), 1 - this.momentumSetting)));
        });
      }
      return y;
    });
  }

  /** The weights when the kernel can normalise `x` (wasm, float32, over the last axis, registered); null for the stock path. */
  private kernelVariables(x: tf.Tensor): { gamma: LayerVariable; beta: LayerVariable; movingMean: LayerVariable; movingVariance: LayerVariable } | null {
    if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32' || x.rank < 2 || x.size === 0) return null;
    const axis = this.axisSetting < 0 ? this.axisSetting + x.rank : this.axisSetting;
    if (axis !== x.rank - 1 || tf.getKernel(BATCH_NORM_TRAINING_KERNEL, 'wasm') === undefined) return null;
    // Named <layer>/<weight> (addWeight runs in the layer's name scope).
    const weight = (suffix: string) => this.weights.find(({ originalName }) => originalName === suffix || originalName.endsWith(`/${suffix}`));
    const [gamma, beta, movingMean, movingVariance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map(weight);
    // Without scale or centre the stock layer's training path needs them too; leave it to it.
    if (gamma === undefined || beta === undefined || movingMean === undefined || movingVariance === undefined) return null;
    return { gamma, beta, movingMean, movingVariance };
  }
}
