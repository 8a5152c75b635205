/**
 * Runtime events (runtime/protocol.ts) → the panel's HostMessages (webviews/protocol.ts),
 * the throttle that keeps a fast training run from flooding the webview, and the replay
 * that lets a panel that was hidden (and so destroyed: retainContextWhenHidden is off)
 * catch up with the run when it is shown again. Pure, no vscode.
 */
import type { FeatureMapsEvent, RuntimeEvent } from 'convlens-runtime/protocol';
import type { HostMessage, InputImage } from '../../webviews/protocol';

/** The messages one runtime event becomes (none for an event a panel does not show). */
export function toHostMessages(event: RuntimeEvent, batchSize: number): HostMessage[] {
  switch (event.event) {
    case 'started':
      return [
        {
          type: 'trainingStarted',
          kind: event.kind,
          backend: event.backend,
          dataset: event.dataset,
          epochs: event.epochs,
          batchesPerEpoch: event.trainImages > 0 && batchSize > 0 ? Math.ceil(event.trainImages / batchSize) : null,
        },
      ];
    case 'progress':
      return [
        {
          type: 'trainingProgressed',
          epoch: event.epoch,
          epochs: event.epochs,
          batch: event.batch,
          batches: event.batches,
          loss: event.loss,
          accuracy: event.accuracy,
          generatorLoss: event.generatorLoss ?? null,
          imagesPerSecond: event.imagesPerSecond,
        },
      ];
    case 'epochEnded':
      return [
        {
          type: 'epochEnded',
          epoch: event.epoch,
          loss: event.loss,
          accuracy: event.accuracy,
          validationLoss: event.validationLoss,
          validationAccuracy: event.validationAccuracy,
          generatorLoss: event.generatorLoss ?? null,
        },
      ];
    case 'samplesReady':
      return [{ type: 'samplesReady', epoch: event.epoch, png: event.png, rows: event.rows, columns: event.columns }];
    case 'stopped':
      return [{ type: 'trainingStopped', epoch: event.epoch }];
    case 'failed':
      return [{ type: 'trainingFailed', message: event.message }];
    case 'finished':
      return [{ type: 'trainingFinished', testAccuracy: event.testAccuracy, confusionMatrix: event.confusionMatrix ?? null, classes: event.classes ?? null }];
    case 'featureMaps':
      // Without the request it answers there is no caption for its input.
      return [toFeatureMapsMessage(event, null)];
    case 'interpolationReady':
      return [{ type: 'interpolationReady', png: event.png, steps: event.steps }];
    case 'effectiveReceptiveField':
      return [{ type: 'effectiveReceptiveFieldComputed', layer: event.layer, unit: { ...event.unit }, field: { shape: event.shape, values: event.values, min: event.min, max: event.max } }];
    case 'gradCam':
      return [
        { type: 'gradCamComputed', layer: event.layer, classIndex: event.classIndex, label: event.label, probability: event.probability, cam: { shape: event.shape, values: event.values, min: event.min, max: event.max } },
      ];
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/**
 * The panel's `featureMapsComputed` for a runtime `featureMaps` event: the maps, and the
 * input image the runtime fed the network with `caption` (`test sample #12`, a file's base
 * name, `drawing`); no image without a caption or for an input that is neither grey nor RGB.
 */
export function toFeatureMapsMessage(event: FeatureMapsEvent, caption: string | null): Extract<HostMessage, { type: 'featureMapsComputed' }> {
  const maps = { shape: event.shape, values: event.values, min: event.min, max: event.max };
  const pixels = event.input as FeatureMapsEvent['input'] | undefined;
  if (caption === null || pixels === undefined || (pixels.channels !== 1 && pixels.channels !== 3)) return { type: 'featureMapsComputed', layer: event.layer, maps };
  const input: InputImage = { caption, width: pixels.width, height: pixels.height, channels: pixels.channels, pixels: pixels.pixels };
  return { type: 'featureMapsComputed', layer: event.layer, maps, input };
}

/**
 * Passes `trainingProgressed` at most once per `intervalMs` (the newest wins; a held one is
 * sent when the interval is over) and everything else at once, after any held progress so
 * the order of a run is kept. `send` receives what goes out; `now` and the timer functions
 * are injectable for tests.
 */
export class ProgressThrottle {
  private held: HostMessage | undefined;
  private lastSent = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (message: HostMessage) => void,
    private readonly intervalMs = 150,
    private readonly now: () => number = Date.now,
    private readonly schedule: (run: () => void, ms: number) => ReturnType<typeof setTimeout> = setTimeout,
    private readonly cancel: (timer: ReturnType<typeof setTimeout>) => void = clearTimeout,
  ) {}

  push(message: HostMessage): void {
    if (message.type !== 'trainingProgressed') {
      this.flush();
      this.send(message);
      return;
    }
    const wait = this.lastSent + this.intervalMs - this.now();
    if (wait <= 0 && this.held === undefined) {
      this.lastSent = this.now();
      this.send(message);
      return;
    }
    this.held = message;
    if (this.timer === undefined) this.timer = this.schedule(() => this.flush(), Math.max(0, wait));
  }

  /** Sends a held progress message now. */
  flush(): void {
    if (this.timer !== undefined) {
      this.cancel(this.timer);
      this.timer = undefined;
    }
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    this.lastSent = this.now();
    this.send(held);
  }

  dispose(): void {
    if (this.timer !== undefined) this.cancel(this.timer);
    this.timer = undefined;
    this.held = undefined;
  }
}

/** Sample grids a replay keeps (the panel's own timeline keeps as many). */
export const REPLAYED_SAMPLE_GRIDS = 64;

/**
 * What a panel needs to redraw the current (or last) run from nothing, in the order the
 * run sent it: its start, every epoch, the sample grids (the oldest thinned, the first
 * kept), only the latest progress, and how it ended.
 */
export class TrainingReplay {
  private recorded: HostMessage[] = [];

  record(message: HostMessage): void {
    switch (message.type) {
      case 'trainingStarted':
        this.recorded = [message];
        return;
      case 'trainingProgressed':
        this.recorded = this.recorded.filter((entry) => entry.type !== 'trainingProgressed');
        break;
      case 'samplesReady': {
        const grids = this.recorded.filter((entry) => entry.type === 'samplesReady');
        if (grids.length >= REPLAYED_SAMPLE_GRIDS) {
          const thinned = grids[1];
          this.recorded = this.recorded.filter((entry) => entry !== thinned);
        }
        break;
      }
      case 'epochEnded':
      case 'trainingFinished':
      case 'trainingStopped':
      case 'trainingFailed':
      case 'interpolationReady':
        break;
      default:
        // Summaries, layers and inspection results are not part of a run.
        return;
    }
    if (this.recorded.length === 0) return;
    this.recorded.push(message);
  }

  messages(): HostMessage[] {
    return [...this.recorded];
  }
}
