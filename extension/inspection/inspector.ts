/**
 * Feature maps of a trained classifier, computed in a runtime child process of their own
 * (a training run may be using the other): started on first use, one request at a time,
 * started afresh after a failure. No vscode.
 */
import type { ComputeFeatureMapsRequest, FeatureMapsEvent } from '../../runtime/protocol';
import { RuntimeClient } from '../../runtime/runtime-client';

export class Inspector {
  private client: RuntimeClient | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly start: () => RuntimeClient = () => RuntimeClient.start()) {}

  featureMaps(request: Omit<ComputeFeatureMapsRequest, 'type'>): Promise<FeatureMapsEvent> {
    const next = this.queue.then(async () => {
      this.client ??= this.start();
      try {
        return await this.client.computeFeatureMaps(request);
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
