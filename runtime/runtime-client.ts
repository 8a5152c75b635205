/**
 * The client side of the runtime process: forks runtime-process.js, sends requests and
 * hands validated events to listeners. `train` resolves with the run's last event
 * (finished or stopped) and rejects with the message of a `failed` event. The process's
 * output goes line by line to `onOutput` (the extension's log), and a process that dies
 * fails with the error line it wrote last to stderr: an uncaught exception or an
 * out-of-memory abort says why only there.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { GanNode, ModelNode } from 'convlens/ir';
import {
  isRuntimeEvent,
  type ComputeEffectiveReceptiveFieldRequest,
  type ComputeFeatureMapsRequest,
  type ComputeGradCamRequest,
  type EffectiveReceptiveFieldEvent,
  type FeatureMapsEvent,
  type GradCamEvent, type FinishedEvent, type InterpolateSamplesRequest, type InterpolationReadyEvent, type RuntimeEvent, type RuntimeRequest, type StoppedEvent, type TrainingSettings,
} from './protocol';

/** Events that end a run or answer a request: someone waits for each. */
const ENDING_EVENTS: ReadonlySet<string> = new Set<RuntimeEvent['event']>(['finished', 'stopped', 'failed', 'featureMaps', 'interpolationReady', 'effectiveReceptiveField', 'gradCam']);

export class RuntimeProcessError extends Error {
  override readonly name = 'RuntimeProcessError';
}

/** A line the runtime process wrote, and where. */
export type RuntimeOutput = (line: string, stream: 'stdout' | 'stderr') => void;

export interface RuntimeStartOptions {
  /** Options for the process's Node (e.g. a heap size). */
  readonly execArgv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** The runtime-process script, where a bundler moved it. */
  readonly processPath?: string;
  /** Receives the process's output line by line; by default it goes to this process's stderr. */
  readonly onOutput?: RuntimeOutput;
}

const writeToStderr: RuntimeOutput = (line) => process.stderr.write(`${line}\n`);

/**
 * A stderr line that says why Node died: "Error: …" or "TypeError: …" of an uncaught
 * exception, "FATAL ERROR: … heap out of memory", a failed native assertion. Not a stack
 * frame ("    at …", " 3: 0x… [node]"), not Node's closing "Node.js v20…", and not the
 * runtime's own log lines, which a crash may follow.
 */
function isCrashReason(line: string): boolean {
  if (/^\s*(?:at\s|\d+:\s*0x[0-9a-f]+)/i.test(line) || line.startsWith('[convlens]')) return false;
  return /\b(?:(?:[A-Z]\w*)?Error|FATAL ERROR|Aborted|out of memory)\b|\bAssertion\b.*\bfailed\b/.test(line);
}

export class RuntimeClient {
  private readonly child: ChildProcess;
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private exited = false;
  /** The last line of the process's stderr that says why it died (isCrashReason). */
  private crashReason: string | undefined;

  private constructor(child: ChildProcess, onOutput: RuntimeOutput) {
    this.child = child;
    child.on('message', (message: unknown) => {
      let event: RuntimeEvent;
      if (isRuntimeEvent(message)) {
        event = message;
      } else {
        // A malformed event that ends something (a run, or the answer to a request) becomes
        // a failure, so that nobody waits for it for ever; a malformed progress report is
        // dropped, and the run it belongs to goes on.
        const name = typeof message === 'object' && message !== null ? (message as { event?: unknown }).event : undefined;
        const text = `the runtime process sent a malformed ${typeof name === 'string' ? `${name} ` : ''}event: ${JSON.stringify(message)?.slice(0, 200)}`;
        if (typeof name !== 'string' || !ENDING_EVENTS.has(name)) {
          onOutput(`[convlens] ${text}`, 'stderr');
          return;
        }
        event = { event: 'failed', message: text };
      }
      for (const listener of [...this.listeners]) listener(event);
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (source === null) continue;
      const lines = createInterface({ input: source, crlfDelay: Infinity });
      lines.on('line', (line) => {
        if (stream === 'stderr' && isCrashReason(line)) this.crashReason = line.trim();
        try {
          onOutput(line, stream);
        } catch {
          // A log closed during shutdown: the line is lost, the host carries on.
        }
      });
      // A broken pipe ends the output; the process's exit still reports a failure.
      lines.on('error', () => undefined);
      source.on('error', () => undefined);
    }
    child.on('exit', () => {
      this.exited = true;
    });
    // 'close' comes after the output streams have ended, so the last stderr line is known.
    child.on('close', (code, signal) => {
      const reason = this.crashReason === undefined ? '' : `: ${this.crashReason}`;
      const failed: RuntimeEvent = { event: 'failed', message: `the runtime process exited (${signal ?? `status ${code}`})${reason}` };
      for (const listener of [...this.listeners]) listener(failed);
    });
  }

  static start(options: RuntimeStartOptions = {}): RuntimeClient {
    const child = fork(options.processPath ?? path.join(__dirname, 'runtime-process.js'), [], {
      execArgv: [...(options.execArgv ?? [])],
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    return new RuntimeClient(child, options.onOutput ?? writeToStderr);
  }

  send(request: RuntimeRequest): void {
    if (this.exited) throw new RuntimeProcessError('the runtime process has exited');
    this.child.send(request);
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Trains and resolves with the last event; every event also goes to `onEvent`. */
  train(root: ModelNode | GanNode, settings: TrainingSettings, onEvent: (event: RuntimeEvent) => void = () => undefined): Promise<FinishedEvent | StoppedEvent> {
    return new Promise((resolve, reject) => {
      const remove = this.onEvent((event) => {
        onEvent(event);
        if (event.event === 'finished' || event.event === 'stopped') {
          remove();
          resolve(event);
        } else if (event.event === 'failed') {
          remove();
          reject(new RuntimeProcessError(event.message));
        }
      });
      this.send({ type: 'startTraining', root, settings });
    });
  }

  cancel(): void {
    this.send({ type: 'cancelTraining' });
  }

  computeFeatureMaps(request: Omit<ComputeFeatureMapsRequest, 'type'>): Promise<FeatureMapsEvent> {
    return this.ask({ type: 'computeFeatureMaps', ...request }, 'featureMaps');
  }

  /** A trained GAN's latent interpolation between two cells of its sample grid. */
  interpolateSamples(request: Omit<InterpolateSamplesRequest, 'type'>): Promise<InterpolationReadyEvent> {
    return this.ask({ type: 'interpolateSamples', ...request }, 'interpolationReady');
  }

  /** A unit's effective receptive field over the input, from a checkpoint. */
  computeEffectiveReceptiveField(request: Omit<ComputeEffectiveReceptiveFieldRequest, 'type'>): Promise<EffectiveReceptiveFieldEvent> {
    return this.ask({ type: 'computeEffectiveReceptiveField', ...request }, 'effectiveReceptiveField');
  }

  /** Grad-CAM of a class over a layer, from a checkpoint. */
  computeGradCam(request: Omit<ComputeGradCamRequest, 'type'>): Promise<GradCamEvent> {
    return this.ask({ type: 'computeGradCam', ...request }, 'gradCam');
  }

  /** Sends a request and resolves with the event that answers it, or rejects with the process's `failed`. */
  private ask<E extends RuntimeEvent['event']>(request: RuntimeRequest, answer: E): Promise<Extract<RuntimeEvent, { event: E }>> {
    return new Promise((resolve, reject) => {
      const remove = this.onEvent((event) => {
        if (event.event === answer) {
          remove();
          resolve(event as Extract<RuntimeEvent, { event: E }>);
        } else if (event.event === 'failed') {
          remove();
          reject(new RuntimeProcessError(event.message));
        }
      });
      this.send(request);
    });
  }

  dispose(): void {
    if (!this.exited) this.child.kill();
  }
}
