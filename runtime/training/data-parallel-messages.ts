/** Messages between the training thread and its data-parallel workers (data-parallel.ts). */
import type { ModelNode } from 'convlens/ir';
import type { BackendName } from '../backend-choice';
import type { OptimizerSpec } from './optimizer-choice';

export interface WeightsSnapshot {
  /** The model's weights in `model.weights` order. */
  readonly model: readonly Float32Array[];
  /** The optimizer's state (tf.Optimizer getWeights). */
  readonly optimizer: readonly { readonly name: string; readonly shape: readonly number[]; readonly data: Float32Array }[];
}

export type WorkerRequest =
  | {
      readonly type: 'start';
      readonly root: ModelNode;
      readonly seed: number;
      readonly classes: number;
      readonly optimizer: OptimizerSpec;
      readonly backend: BackendName;
      readonly workspace: string;
      readonly index: number;
      readonly workers: number;
      /** workers × parameters float32: each worker's share of the gradient. */
      readonly gradients: SharedArrayBuffer;
      /** Two int32: arrivals and the barrier's generation. */
      readonly barrier: SharedArrayBuffer;
      readonly snapshot: WeightsSnapshot;
    }
  | { readonly type: 'step'; readonly images: Float32Array; readonly labels: Int32Array; readonly count: number; readonly total: number }
  | { readonly type: 'evaluate'; readonly images: Float32Array; readonly labels: Int32Array; readonly count: number; readonly mirrored: Float32Array | null }
  | { readonly type: 'predict'; readonly images: Float32Array; readonly count: number }
  | { readonly type: 'snapshot' };

export type WorkerReply =
  | { readonly type: 'started' }
  | { readonly type: 'stepped'; readonly loss: number; readonly correct: number }
  | { readonly type: 'evaluated'; readonly lossSum: number; readonly correct: number; readonly predicted: Int32Array }
  | { readonly type: 'predicted'; readonly classes: Int32Array }
  | { readonly type: 'snapshot'; readonly snapshot: WeightsSnapshot }
  | { readonly type: 'failed'; readonly message: string };
