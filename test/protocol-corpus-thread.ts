/**
 * The isolated thread of test/protocol-corpus.ts: runs the cases whose array element is
 * inherited from a polluted Array.prototype, each made here as the corpus makes it
 * (`inheritedCase`) and given to the same validator, loaded here from the same module.
 * Its isolate's fast paths for arrays are spent on these cases alone.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { inheritedCase, passes, type IsolatedReply, type IsolatedRequest } from './protocol-corpus';

const { port, signal } = workerData as { readonly port: MessagePort; readonly signal: Int32Array };

parentPort!.on('message', (request: IsolatedRequest) => {
  let reply: IsolatedReply;
  try {
    const validator = (require(request.module) as Record<string, (value: unknown) => boolean>)[request.exportName];
    if (typeof validator !== 'function') throw new Error(`${request.module} exports no function ${request.exportName}`);
    reply = { results: request.cases.map(({ example, path }) => passes(validator, { what: '', ...inheritedCase(request.examples[example], path) })) };
  } catch (error) {
    reply = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(reply);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
