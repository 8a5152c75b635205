/**
 * The status bar's words for a training run, one line per runtime event. Pure.
 */
import type { RuntimeEvent } from 'convlens-runtime/protocol';

export interface StatusText {
  /** With a `$(codicon)` first. */
  readonly text: string;
  readonly tooltip: string;
  /** Whether the run is still going (the item then offers Stop Training). */
  readonly running: boolean;
}

const percent = (fraction: number): string => `${(fraction * 100).toFixed(1)}%`;

export function toStatusText(exportName: string, event: RuntimeEvent): StatusText | undefined {
  switch (event.event) {
    case 'started':
      return {
        text: `$(loading~spin) ${exportName}: starting`,
        tooltip: `Training ${exportName} on ${event.dataset} with the ${event.backend} backend (${event.epochs} epoch${event.epochs === 1 ? '' : 's'}). Click to stop.`,
        running: true,
      };
    case 'progress': {
      const done = event.batches > 0 ? event.batch / event.batches : 0;
      const accuracy = event.accuracy === null ? '' : ` · acc ${percent(event.accuracy)}`;
      return {
        text: `$(loading~spin) ${exportName}: epoch ${event.epoch}/${event.epochs} · ${Math.floor(done * 100)}% · loss ${event.loss.toFixed(3)}${accuracy}`,
        tooltip: `Training ${exportName}: batch ${event.batch}/${event.batches} of epoch ${event.epoch}, ${Math.round(event.imagesPerSecond).toLocaleString('en-US')} images/s. Click to stop.`,
        running: true,
      };
    }
    case 'epochEnded': {
      const validation = event.validationAccuracy === null ? '' : ` · val acc ${percent(event.validationAccuracy)}`;
      return {
        text: `$(loading~spin) ${exportName}: epoch ${event.epoch}/${event.epochs} done${validation}`,
        tooltip: `Epoch ${event.epoch} took ${event.seconds.toFixed(1)} s. Click to stop.`,
        running: true,
      };
    }
    case 'samplesReady':
      return undefined;
    case 'finished':
      return {
        text: event.testAccuracy === null ? `$(check) ${exportName}: trained` : `$(check) ${exportName}: ${percent(event.testAccuracy)} test accuracy`,
        tooltip: `${exportName} is trained${event.checkpoint === null ? '' : `; checkpoint in ${event.checkpoint}`}. Click to show its panel.`,
        running: false,
      };
    case 'stopped':
      return {
        text: `$(debug-stop) ${exportName}: stopped after epoch ${event.epoch}`,
        tooltip: `Training was stopped${event.checkpoint === null ? '' : `; the checkpoint of epoch ${event.epoch} is in ${event.checkpoint}`}. Click to show its panel.`,
        running: false,
      };
    case 'failed':
      return { text: `$(error) ${exportName}: training failed`, tooltip: `${event.message} Click to show the log.`, running: false };
    case 'featureMaps':
    case 'interpolationReady':
    case 'effectiveReceptiveField':
    case 'gradCam':
      return undefined;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}
