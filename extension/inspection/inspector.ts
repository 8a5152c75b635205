/**
 * Feature maps, effective receptive fields and Grad-CAM of a trained classifier and latent
 * interpolations of a trained GAN,
 * computed in a runtime child process of their own (a training run may be using the
 * other): started on first use, one request at a time, started afresh after a failure.
 * No vscode.
 */
import * as path from 'node:path';
import type { GanNode } from 'convlens/ir';
import type {
  ComputeEffectiveReceptiveFieldRequest,
  ComputeFeatureMapsRequest,
  ComputeGradCamRequest,
  EffectiveReceptiveFieldEvent,
  FeatureMapsEvent,
  GradCamEvent,
  InterpolateSamplesRequest,
  InterpolationReadyEvent,
} from 'convlens-runtime/protocol';
import type { RuntimeClient } from 'convlens-runtime/runtime-client';
import { describeInspectionInput, type InspectionInput, type PanelMessage } from '../../webviews/protocol';
import { checkpointFolder, runFolder } from './checkpoint-files';

/**
 * The runtime request for a panel's `interpolate` (two cells of the sample grid, row-major,
 * and a step count): the GAN's checkpoint in its run folder, as feature maps find theirs.
 */
export function toInterpolationRequest(
  root: GanNode,
  workspaceFolder: string,
  exportName: string,
  message: Extract<PanelMessage, { type: 'interpolate' }>,
): Omit<InterpolateSamplesRequest, 'type'> {
  return { root, checkpoint: checkpointFolder(runFolder(workspaceFolder, exportName)), from: message.from, to: message.to, steps: message.steps, cwd: workspaceFolder };
}

/** The input's caption (describeInspectionInput), with the image file's base name when there is one. */
export function inputCaption(input: InspectionInput, source: ComputeFeatureMapsRequest['input']): string {
  return describeInspectionInput(input, 'image' in source ? path.basename(source.image) : null);
}

export class Inspector {
  private client: RuntimeClient | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  /** `start` makes the runtime process (the extension wires its output to the log). */
  constructor(private readonly start: () => RuntimeClient) {}

  featureMaps(request: Omit<ComputeFeatureMapsRequest, 'type'>): Promise<FeatureMapsEvent> {
    return this.enqueue((client) => client.computeFeatureMaps(request));
  }

  interpolation(request: Omit<InterpolateSamplesRequest, 'type'>): Promise<InterpolationReadyEvent> {
    return this.enqueue((client) => client.interpolateSamples(request));
  }

  effectiveReceptiveField(request: Omit<ComputeEffectiveReceptiveFieldRequest, 'type'>): Promise<EffectiveReceptiveFieldEvent> {
    return this.enqueue((client) => client.computeEffectiveReceptiveField(request));
  }

  gradCam(request: Omit<ComputeGradCamRequest, 'type'>): Promise<GradCamEvent> {
    return this.enqueue((client) => client.computeGradCam(request));
  }

  private enqueue<T>(ask: (client: RuntimeClient) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      this.client ??= this.start();
      try {
        return await ask(this.client);
      } catch (error) {
        // A process that has gone is replaced by the next request; a refused request (no
        // such layer, say) leaves it running.
        if (error instanceof Error && /exited/.test(error.message)) {
          this.client.dispose();
          this.client = undefined;
        }
        throw error;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  dispose(): void {
    this.client?.dispose();
    this.client = undefined;
  }
}
