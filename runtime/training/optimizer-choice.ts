/**
 * The optimizers `--optimizer` offers, with PyTorch's semantics so a learning rate means
 * what it means there: SGD with momentum (v ← μ·v + g, w ← w − lr·v; torch.optim.SGD
 * without dampening, μ = 0.9 by default) and Adam (Kingma and Ba 2015; β₁ 0.9, β₂ 0.999,
 * ε 1e-8 as torch.optim.Adam; a GAN's default β₁ is 0.5, Radford et al. 2015).
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasOptimizerKernels, registerOptimizerKernels } from '../kernels/optimizer-kernels';
import { FusedAdam, FusedMomentum } from './fused-optimizers';

export interface OptimizerSpec {
  readonly kind: 'sgd' | 'adam';
  readonly learningRate: number;
  readonly momentum?: number;
  readonly beta1?: number;
}

/** On wasm and cpu, one fused kernel per variable (optimizer-kernels.ts); elsewhere tfjs's own. */
export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  registerOptimizerKernels();
  if (hasOptimizerKernels()) {
    return spec.kind === 'sgd' ? new FusedMomentum(spec.learningRate, spec.momentum ?? 0.9) : new FusedAdam(spec.learningRate, spec.beta1 ?? 0.9, 0.999, 1e-8);
  }
  return spec.kind === 'sgd'
    ? tf.train.momentum(spec.learningRate, spec.momentum ?? 0.9)
    : tf.train.adam(spec.learningRate, spec.beta1 ?? 0.9, 0.999, 1e-8);
}
