/**
 * The metrics log of a run: `<out>/metrics.jsonl`, one JSON object per line for every
 * event but progress (started, each epochEnded, samplesReady, finished or stopped), each
 * tagged with the run's start time so runs appended to the same folder stay apart.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { TrainingEvent } from '../protocol';

export class MetricsLog {
  private readonly run = new Date().toISOString();
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly file: string | null) {}

  static inFolder(outDirectory: string | null): MetricsLog {
    return new MetricsLog(outDirectory === null ? null : path.join(outDirectory, 'metrics.jsonl'));
  }

  record(event: TrainingEvent): void {
    if (this.file === null || event.event === 'progress') return;
    const file = this.file;
    const line = `${JSON.stringify({ run: this.run, time: new Date().toISOString(), ...event, ...('png' in event ? { png: undefined } : {}) })}\n`;
    // Appends run one after another, in order; a failure is reported, never swallowed.
    this.pending = this.pending
      .then(async () => {
        await mkdir(path.dirname(file), { recursive: true });
        await appendFile(file, line);
      })
      .catch((error: unknown) => {
        console.error(`[convlens] cannot write the metrics log ${file}: ${(error as Error).message}`);
      });
  }

  async flush(): Promise<void> {
    await this.pending;
  }
}
