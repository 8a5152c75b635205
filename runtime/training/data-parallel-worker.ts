/**
 * A data-parallel training worker (data-parallel.ts): a replica of the model and its
 * optimizer on its own TensorFlow.js backend, stepping on its share of each batch.
 */
import { parentPort } from 'node:worker_threads';
import { chooseBackend } from '../backend-choice';
import { compileModel } from '../compile';
import { ClassifierReplica } from './classifier-replica';
import { applySnapshot, toSnapshot } from './data-parallel';
import type { WorkerReply, WorkerRequest } from './data-parallel-messages';

let replica: ClassifierReplica | null = null;
let shared: { gradients: Float32Array; barrier: Int32Array; index: number; workers: number; parameters: number; sum: Float32Array } | null = null;

function reply(message: WorkerReply): void {
  parentPort?.postMessage(message);
}

/** Blocks until every worker has arrived (a sense-reversing barrier on a generation counter). */
function awaitEveryone(barrier: Int32Array, workers: number): void {
  const generation = Atomics.load(barrier, 1);
  if (Atomics.add(barrier, 0, 1) === workers - 1) {
    Atomics.store(barrier, 0, 0);
    Atomics.add(barrier, 1, 1);
    Atomics.notify(barrier, 1);
    return;
  }
  while (Atomics.load(barrier, 1) === generation) Atomics.wait(barrier, 1, generation);
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.type) {
    case 'start': {
      await chooseBackend({ requested: request.backend, workspace: request.workspace });
      replica = new ClassifierReplica(compileModel(request.root, { seed: request.seed }), request.classes, request.optimizer);
      await applySnapshot(replica, request.snapshot);
      const parameters = replica.variables.reduce((total, variable) => total + variable.size, 0);
      shared = {
        gradients: new Float32Array(request.gradients),
        barrier: new Int32Array(request.barrier),
        index: request.index,
        workers: request.workers,
        parameters,
        sum: new Float32Array(parameters),
      };
      return { type: 'started' };
    }
    case 'step': {
      if (replica === null || shared === null) throw new Error('step before start');
      const slot = shared.gradients.subarray(shared.index * shared.parameters, (shared.index + 1) * shared.parameters);
      let loss = 0;
      let correct = 0;
      if (request.count > 0) {
        const result = await replica.computeGradients(request.images, request.labels, request.count);
        // Each worker's loss is the mean over its share; weighting by share/batch makes the
        // sum of the shares the whole batch's mean gradient.
        const weight = request.count / request.total;
        for (let index = 0; index < shared.parameters; index += 1) slot[index] = (result.gradients[index] as number) * weight;
        ({ loss, correct } = result);
      } else {
        slot.fill(0);
      }
      awaitEveryone(shared.barrier, shared.workers);
      const sum = shared.sum;
      sum.set(shared.gradients.subarray(0, shared.parameters));
      for (let worker = 1; worker < shared.workers; worker += 1) {
        const other = shared.gradients.subarray(worker * shared.parameters, (worker + 1) * shared.parameters);
        for (let index = 0; index < shared.parameters; index += 1) sum[index] = (sum[index] as number) + (other[index] as number);
      }
      // Nobody may overwrite a slot before everyone has read them all.
      awaitEveryone(shared.barrier, shared.workers);
      replica.applyGradients(sum);
      return { type: 'stepped', loss, correct };
    }
    case 'evaluate': {
      if (replica === null) throw new Error('evaluate before start');
      if (request.count === 0) return { type: 'evaluated', lossSum: 0, correct: 0, predicted: new Int32Array(0) };
      const result = await replica.evaluateBatch(request.images, request.labels, request.count, request.mirrored);
      return { type: 'evaluated', ...result };
    }
    case 'predict': {
      if (replica === null) throw new Error('predict before start');
      return { type: 'predicted', classes: request.count === 0 ? new Int32Array(0) : await replica.predictBatch(request.images, request.count) };
    }
    case 'snapshot': {
      if (replica === null) throw new Error('snapshot before start');
      return { type: 'snapshot', snapshot: await toSnapshot(replica) };
    }
    default: {
      const unreachable: never = request;
      return unreachable;
    }
  }
}

// Requests are handled one at a time, in order, so replies match requests.
let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (request: WorkerRequest) => {
  queue = queue.then(async () => {
    try {
      reply(await handle(request));
    } catch (error) {
      reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  });
});
