/**
 * Data-parallel training over worker threads. The wasm backend runs one thread per
 * process in Node (tfjs hard-wires its threads off there), so on a machine with several
 * cores one training step uses one of them; here each of K workers holds a replica of the
 * model and its optimizer, takes 1/K of every batch, and writes its share of the gradient
 * into shared memory. After a barrier (Atomics) every worker sums the K shares in the same
 * order — the full batch's mean gradient, bit for bit the same in each — and applies it
 * with its own optimizer, so the replicas stay identical (synchronous SGD; Dean et al. 2012
 * call it data parallelism). One thread's mean over the whole batch adds in another order,
 * so the two agree up to float rounding. The calling thread only assembles batches and keeps a copy of
 * the weights for checkpoints (`synchronize`). Batch-norm running statistics are each
 * worker's own; worker 0's are kept.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelNode } from 'convlens/ir';
import type { BackendChoice } from '../backend-choice';
import type { TrainingSettings } from '../protocol';
import type { ClassifierReplica, EvaluationResult, StepResult } from './classifier-replica';
import type { ClassifierEngine } from './train-classifier';
import type { WorkerReply, WorkerRequest, WeightsSnapshot } from './data-parallel-messages';

/** The model's and the optimizer's weights, to hand to another thread. */
export async function toSnapshot(replica: ClassifierReplica): Promise<WeightsSnapshot> {
  const model = await Promise.all(replica.compiled.model.weights.map(async (weight) => (await weight.read().data()) as Float32Array));
  const optimizer = await Promise.all(
    (await replica.optimizer.getWeights()).map(async ({ name, tensor }) => ({ name, shape: tensor.shape, data: (await tensor.data()) as Float32Array })),
  );
  return { model, optimizer };
}

export async function applySnapshot(replica: ClassifierReplica, snapshot: WeightsSnapshot): Promise<void> {
  replica.compiled.model.weights.forEach((weight, index) => {
    const values = snapshot.model[index];
    if (values === undefined) throw new Error(`[convlens] weight snapshot has no entry ${index}`);
    weight.write(tf.tensor(values, weight.shape as number[]));
  });
  if (snapshot.optimizer.length > 0) {
    await replica.optimizer.setWeights(snapshot.optimizer.map(({ name, shape, data }) => ({ name, tensor: tf.tensor(data, [...shape]) })));
  }
}

class WorkerHandle {
  private readonly pending: ((reply: WorkerReply) => void)[] = [];
  private failure: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => {
      const resolve = this.pending.shift();
      if (resolve === undefined) {
        console.error(`[convlens] a training worker replied unasked: ${JSON.stringify(reply).slice(0, 200)}`);
        return;
      }
      resolve(reply);
    });
    worker.on('error', (error) => {
      this.failure = error;
      for (const resolve of this.pending.splice(0)) resolve({ type: 'failed', message: error.message });
    });
  }

  /** Requests sent and not yet answered. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Sends a request; resolves with the worker's reply (replies come in request order). */
  ask(request: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.worker.postMessage(request, transfer);
    });
  }
}

function expect<T extends WorkerReply['type']>(reply: WorkerReply, type: T): Extract<WorkerReply, { type: T }> {
  if (reply.type === 'failed') throw new Error(`a training worker failed: ${reply.message}`);
  if (reply.type !== type) throw new Error(`[convlens] a training worker replied ${reply.type} to a ${type} request`);
  return reply as Extract<WorkerReply, { type: T }>;
}

/**
 * How many data-parallel workers to use when none is asked for: one on wasm, whose
 * kernels split each call between the cores themselves (kernels/kernel-threads.ts: one
 * batch, one replica, measured as fast as two replicas or faster on every bench:train
 * case, with half the memory), and on the GPU and native backends, which use the cores
 * themselves; on cpu, which runs one thread, one per core up to 4 while each still gets
 * 16 images of a batch. A replica in a worker runs its kernels on one thread.
 */
export function toAutoWorkers(backend: BackendChoice['backend'], batchSize: number, cores: number = availableParallelism()): number {
  if (backend !== 'cpu') return 1;
  return Math.max(1, Math.min(cores, 4, Math.floor(batchSize / 16)));
}

/** Splits `count` items into `parts` runs as equal as possible: [start, count] each. */
export function toShards(count: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, index) => {
    const start = Math.floor((index * count) / parts);
    return [start, Math.floor(((index + 1) * count) / parts) - start];
  });
}

export async function createDataParallelClassifier(root: ModelNode, replica: ClassifierReplica, settings: TrainingSettings, backend: BackendChoice): Promise<ClassifierEngine> {
  const workers = settings.workers;
  const parameters = replica.variables.reduce((total, variable) => total + variable.size, 0);
  const gradients = new SharedArrayBuffer(workers * parameters * Float32Array.BYTES_PER_ELEMENT);
  const barrier = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  const pixels = replica.compiled.inputShape.reduce((product, dimension) => product * dimension, 1);
  const snapshot = await toSnapshot(replica);
  const handles = Array.from({ length: workers }, () => new WorkerHandle(new Worker(path.join(__dirname, 'data-parallel-worker.js'))));
  try {
    await Promise.all(
      handles.map(async (handle, index) =>
        expect(
          await handle.ask({
            type: 'start',
            root,
            seed: settings.seed,
            classes: replica.classes,
            optimizer: { kind: settings.optimizer, learningRate: settings.learningRate },
            backend: backend.backend,
            workspace: settings.cwd,
            index,
            workers,
            gradients,
            barrier,
            snapshot,
          }),
          'started',
        ),
      ),
    );
  } catch (error) {
    await Promise.all(handles.map((handle) => handle.worker.terminate()));
    throw error;
  }

  const scatter = async <T extends 'stepped' | 'evaluated'>(
    images: Float32Array,
    labels: Int32Array,
    count: number,
    mirrored: Float32Array | null,
    type: 'step' | 'evaluate',
    replyType: T,
  ): Promise<(Extract<WorkerReply, { type: T }> & { count: number })[]> => {
    const shards = toShards(count, workers);
    return await Promise.all(
      handles.map(async (handle, index) => {
        const [start, shardCount] = shards[index] as [number, number];
        const shardImages = images.slice(start * pixels, (start + shardCount) * pixels);
        const shardLabels = labels.slice(start, start + shardCount);
        const shardMirrored = mirrored === null ? null : mirrored.slice(start * pixels, (start + shardCount) * pixels);
        const transfer = [shardImages.buffer, shardLabels.buffer, ...(shardMirrored === null ? [] : [shardMirrored.buffer])] as ArrayBuffer[];
        const request: WorkerRequest =
          type === 'step'
            ? { type: 'step', images: shardImages, labels: shardLabels, count: shardCount, total: count }
            : { type: 'evaluate', images: shardImages, labels: shardLabels, count: shardCount, mirrored: shardMirrored };
        return { ...expect(await handle.ask(request, transfer), replyType), count: shardCount };
      }),
    );
  };

  return {
    async trainBatch(images, labels, count): Promise<StepResult> {
      const replies = await scatter(images, labels, count, null, 'step', 'stepped');
      return {
        loss: replies.reduce((total, reply) => total + reply.loss * reply.count, 0) / Math.max(count, 1),
        correct: replies.reduce((total, reply) => total + reply.correct, 0),
      };
    },
    async evaluateBatch(images, labels, count, mirrored): Promise<EvaluationResult> {
      const replies = await scatter(images, labels, count, mirrored, 'evaluate', 'evaluated');
      // The shards are consecutive runs of the batch, so their predictions concatenate in order.
      const predicted = new Int32Array(count);
      replies.reduce((offset, reply) => {
        predicted.set(reply.predicted, offset);
        return offset + reply.predicted.length;
      }, 0);
      return {
        lossSum: replies.reduce((total, reply) => total + reply.lossSum, 0),
        correct: replies.reduce((total, reply) => total + reply.correct, 0),
        predicted,
      };
    },
    async predictBatch(images, count): Promise<Int32Array> {
      // Inference needs no synchronisation, so a batch is not split: it goes whole to the
      // worker with the fewest batches waiting. A caller that keeps one batch per worker in
      // flight uses every core, and no batch pays for the messages of shards.
      const handle = handles.reduce((best, candidate) => (candidate.waiting < best.waiting ? candidate : best));
      const copy = images.slice(0, count * pixels);
      return expect(await handle.ask({ type: 'predict', images: copy, count }, [copy.buffer as ArrayBuffer]), 'predicted').classes;
    },
    async synchronize(): Promise<void> {
      const first = handles[0];
      if (first === undefined) return;
      await applySnapshot(replica, expect(await first.ask({ type: 'snapshot' }), 'snapshot').snapshot);
    },
    async close(): Promise<void> {
      await Promise.all(handles.map((handle) => handle.worker.terminate()));
    },
  };
}
