/**
 * Training runs: one at a time, each in a fresh runtime child process (RuntimeClient; never
 * on the extension host's thread), with its progress in the status bar and its events
 * handed to the model's panel as HostMessages. A run's messages are kept (TrainingReplay)
 * so a panel opened or shown again later redraws it.
 */
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { ExportedModel } from 'convlens/service';
import type { RuntimeEvent, TrainingSettings } from 'convlens-runtime/protocol';
import { RuntimeClient } from 'convlens-runtime/runtime-client';
import type { HostMessage } from '../../webviews/protocol';
import { COMMANDS } from '../commands/command-ids';
import type { ExtensionLog } from '../log';
import { targetKey, type ModelTarget } from '../model-target';
import { toHostMessages, TrainingReplay } from '../panels/host-messages';
import { toStatusText } from './status-text';

/** How long a cancelled run may take to stop after its current batch before its process is ended. */
const STOP_GRACE_MS = 15_000;
/** How long the status bar keeps a finished run's result. */
const RESULT_SHOWN_MS = 60_000;

interface Run {
  readonly target: ModelTarget;
  readonly client: RuntimeClient;
  readonly settings: TrainingSettings;
  stopTimer?: ReturnType<typeof setTimeout>;
  /** The last epoch that ended, for a run whose process had to be ended. */
  lastEpoch: number;
  /** Its process was ended because it did not stop in time. */
  killed: boolean;
}

export class TrainingController implements vscode.Disposable {
  private run: Run | undefined;
  private readonly replays = new Map<string, TrainingReplay>();
  private readonly listeners = new Set<(target: ModelTarget, message: HostMessage) => void>();
  private readonly status: vscode.StatusBarItem;
  private hideTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly log: ExtensionLog) {
    this.status = vscode.window.createStatusBarItem('convlens.training', vscode.StatusBarAlignment.Left, 10);
    this.status.name = 'ConvLens Training';
  }

  get running(): ModelTarget | undefined {
    return this.run?.target;
  }

  /** Every run's messages, for the panels. */
  onMessage(listener: (target: ModelTarget, message: HostMessage) => void): vscode.Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** The messages of the target's current or last run, for a panel that (re)loads. */
  replay(target: ModelTarget): HostMessage[] {
    return this.replays.get(targetKey(target))?.messages() ?? [];
  }

  /**
   * Trains `model` and resolves when the run is over (finished, stopped); rejects with the
   * runtime's message when it failed. Only one run at a time: check `running` first.
   */
  async train(target: ModelTarget, model: ExportedModel, settings: TrainingSettings): Promise<RuntimeEvent> {
    if (this.run !== undefined) throw new Error(`${this.run.target.exportName} is already training`);
    const client = RuntimeClient.start({ onOutput: (line) => this.log.runtimeOutput(line) });
    const run: Run = { target, client, settings, lastEpoch: 0, killed: false };
    this.run = run;
    const replay = new TrainingReplay();
    this.replays.set(targetKey(target), replay);
    void vscode.commands.executeCommand('setContext', 'convlens.training', true);
    this.log.info(`training ${target.exportName} (${target.uri.fsPath}): ${settings.epochs} epoch(s) on ${settings.dataset}, batch ${settings.batchSize}, ${settings.optimizer} lr ${settings.learningRate}, backend ${settings.backend}, out ${settings.outDirectory}`);
    this.showStatus({ text: `$(loading~spin) ${target.exportName}: starting`, tooltip: 'Starting the training process. Click to stop.', running: true });

    const publish = (message: HostMessage): void => {
      replay.record(message);
      for (const listener of [...this.listeners]) listener(target, message);
    };
    let failedEventSeen = false;
    const stoppedByKill = (): RuntimeEvent => ({ event: 'stopped', reason: 'cancelled', epoch: run.lastEpoch, checkpoint: null });
    const onEvent = (received: RuntimeEvent): void => {
      // The process ended because it did not stop in time: a stop, not a failure.
      const event = received.event === 'failed' && run.killed ? stoppedByKill() : received;
      if (event.event === 'failed') failedEventSeen = true;
      if (event.event === 'epochEnded') run.lastEpoch = event.epoch;
      this.logEvent(target, event);
      const status = toStatusText(target.exportName, event);
      if (status !== undefined) this.showStatus(status);
      for (const message of toHostMessages(event, settings.batchSize)) publish(message);
    };
    try {
      const last = await client.train(model.root, settings, onEvent);
      if (last.event === 'finished' && typeof last.interpolation === 'string') {
        // NOTE: runtime/training/train-gan.ts draws INTERPOLATION.steps = 10 images per row.
        await readFile(last.interpolation).then(
          (png) => publish({ type: 'interpolationReady', png: png.toString('base64'), steps: 10 }),
          (error: unknown) => this.log.warn(`could not read the interpolation ${last.interpolation}: ${String(error)}`),
        );
      }
      return last;
    } catch (error) {
      if (run.killed) return stoppedByKill();
      // A failed event went through onEvent already when the runtime sent one.
      if (!failedEventSeen) onEvent({ event: 'failed', message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      if (run.stopTimer !== undefined) clearTimeout(run.stopTimer);
      client.dispose();
      this.run = undefined;
      void vscode.commands.executeCommand('setContext', 'convlens.training', false);
      this.scheduleHide();
    }
  }

  /** Stops the running training after its current batch; its last checkpoint stays. */
  stop(): boolean {
    const run = this.run;
    if (run === undefined) return false;
    this.log.info(`stopping ${run.target.exportName}`);
    try {
      run.client.cancel();
    } catch (error) {
      this.log.error('could not ask the runtime process to stop', error);
    }
    this.showStatus({ text: `$(loading~spin) ${run.target.exportName}: stopping`, tooltip: 'Stopping after the current batch.', running: true });
    run.stopTimer ??= setTimeout(() => {
      if (this.run !== run) return;
      this.log.warn(`${run.target.exportName} did not stop within ${STOP_GRACE_MS / 1000} s; ending its process`);
      run.killed = true;
      run.client.dispose();
    }, STOP_GRACE_MS);
    return true;
  }

  dispose(): void {
    if (this.run !== undefined) {
      if (this.run.stopTimer !== undefined) clearTimeout(this.run.stopTimer);
      this.run.client.dispose();
      this.run = undefined;
    }
    clearTimeout(this.hideTimer);
    this.status.dispose();
    this.listeners.clear();
  }

  private showStatus(status: { readonly text: string; readonly tooltip: string; readonly running: boolean }): void {
    clearTimeout(this.hideTimer);
    this.status.text = status.text;
    this.status.tooltip = status.tooltip;
    this.status.command = status.running ? COMMANDS.stopTraining : COMMANDS.showLog;
    this.status.show();
  }

  private scheduleHide(): void {
    clearTimeout(this.hideTimer);
    this.hideTimer = setTimeout(() => this.status.hide(), RESULT_SHOWN_MS);
  }

  private logEvent(target: ModelTarget, event: RuntimeEvent): void {
    switch (event.event) {
      case 'started':
        this.log.info(
          `${target.exportName}: training on ${event.dataset} (${event.trainImages} images, ${event.validationImages} for validation, ${event.testImages} for test) with the ${event.backend} backend${event.passedOver.length === 0 ? '' : ` (passed over ${event.passedOver.map((entry) => `${entry.backend}: ${entry.reason}`).join('; ')})`}`,
        );
        break;
      case 'epochEnded':
        this.log.info(
          `${target.exportName}: epoch ${event.epoch}/${event.epochs} loss ${event.loss.toFixed(4)}${event.accuracy === null ? '' : ` accuracy ${(event.accuracy * 100).toFixed(2)}%`}${event.validationAccuracy === null ? '' : ` validation ${(event.validationAccuracy * 100).toFixed(2)}%`} in ${event.seconds.toFixed(1)} s (${Math.round(event.imagesPerSecond)} images/s)`,
        );
        break;
      case 'finished':
        this.log.info(`${target.exportName}: finished${event.testAccuracy === null ? '' : `, test accuracy ${(event.testAccuracy * 100).toFixed(2)}%`}${event.checkpoint === null ? '' : `, checkpoint ${event.checkpoint}`}`);
        break;
      case 'stopped':
        this.log.info(`${target.exportName}: stopped after epoch ${event.epoch}`);
        break;
      case 'failed':
        this.log.error(`${target.exportName}: training failed: ${event.message}`);
        break;
      default:
        break;
    }
  }
}
