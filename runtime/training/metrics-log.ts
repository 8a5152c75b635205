/**
 * The metrics log of a run: `<out>/metrics.jsonl`, one JSON object per line for every
 * event but progress (started, each epochEnded, samplesReady, finished or stopped), each
 * tagged with the run's start time (`run`) so runs appended to the same folder stay apart,
 * and with its `lineage`: the `run` of the fresh run whose training it continues (a fresh
 * run's own; a resumed run takes it from its checkpoint's training.json).
 *
 * The log agrees with the checkpoints after any crash:
 * - an epoch's `epochEnded` line is appended and flushed to disk (`append`) before that
 *   epoch's checkpoint is written, so every checkpoint that ever becomes complete already
 *   has its epoch's line (and those of the epochs before it); the line is also recorded
 *   in the checkpoint's training.json (`metricsLine`);
 * - a crash between the two leaves a line for an epoch whose checkpoint never became
 *   complete. When a run resumes from epoch E, `reconcile` drops its lineage's
 *   `epochEnded` and `samplesReady` lines of epochs after E (those epochs are trained, and
 *   logged, again) and re-appends the checkpoint's own line if the log lacks it (an append
 *   that failed). Every run start also drops a line torn by a crash in mid-append.
 * The file is rewritten only when something changes, through a temporary file and a rename.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import type { TrainingEvent } from '../protocol';

/** One line of the log, as written. */
export type MetricsLine = Readonly<Record<string, unknown>>;

/** What a resumed run continues: its lineage, the checkpoint's epoch and the line that checkpoint recorded. */
export interface ResumedFrom {
  readonly lineage: string;
  readonly epoch: number;
  readonly line: MetricsLine | null;
}

/** The events that belong to one epoch: dropped when that epoch is trained again. */
const EPOCH_EVENTS: ReadonlySet<unknown> = new Set(['epochEnded', 'samplesReady']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseLine(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

async function writeFlushed(file: string, flags: 'a' | 'w', text: string): Promise<void> {
  const handle = await open(file, flags);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class MetricsLog {
  /** This run's tag: when it started. */
  readonly run = new Date().toISOString();
  /** The tag of the fresh run this one continues; set before the first line. */
  lineage: string = this.run;
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly file: string | null) {}

  static inFolder(outDirectory: string | null): MetricsLog {
    return new MetricsLog(outDirectory === null ? null : path.join(outDirectory, 'metrics.jsonl'));
  }

  private toText(event: TrainingEvent): string {
    return JSON.stringify({ run: this.run, lineage: this.lineage, time: new Date().toISOString(), ...event, ...('png' in event ? { png: undefined } : {}) });
  }

  /** Runs `work` after every earlier write, in order; a failure is reported, never swallowed, and never stops training. */
  private enqueue(work: (file: string) => Promise<void>): Promise<void> {
    const file = this.file;
    if (file === null) return this.pending;
    this.pending = this.pending
      .then(async () => {
        await mkdir(path.dirname(file), { recursive: true });
        await work(file);
      })
      .catch((error: unknown) => {
        console.error(`[convlens] cannot write the metrics log ${file}: ${(error as Error).message}`);
      });
    return this.pending;
  }

  /** Appends the event's line in the background (in order). */
  record(event: TrainingEvent): void {
    if (this.file === null || event.event === 'progress') return;
    const text = `${this.toText(event)}\n`;
    void this.enqueue((file) => writeFlushed(file, 'a', text));
  }

  /**
   * Appends the event's line after every earlier one and returns once it is on disk, with
   * the line as written (null without a log), for the checkpoint to record.
   */
  async append(event: TrainingEvent): Promise<MetricsLine | null> {
    if (this.file === null) return null;
    const text = this.toText(event);
    await this.enqueue((file) => writeFlushed(file, 'a', `${text}\n`));
    return JSON.parse(text) as MetricsLine;
  }

  /**
   * Brings the log in line with the checkpoint a run starts from (null for a fresh run or
   * a checkpoint that records no lineage): see this file's header.
   */
  async reconcile(resumed: ResumedFrom | null): Promise<void> {
    await this.enqueue(async (file) => {
      const text = existsSync(file) ? await readFile(file, 'utf8') : '';
      const kept: string[] = [];
      let changed = false;
      for (const raw of text.split('\n')) {
        if (raw.trim() === '') continue;
        const line = parseLine(raw);
        const later =
          line !== null &&
          resumed !== null &&
          line['lineage'] === resumed.lineage &&
          EPOCH_EVENTS.has(line['event']) &&
          typeof line['epoch'] === 'number' &&
          line['epoch'] > resumed.epoch;
        if (line === null || later) {
          changed = true;
          continue;
        }
        kept.push(raw);
      }
      const own = resumed?.line;
      if (resumed !== null && own !== null && own !== undefined) {
        const logged = kept.some((raw) => {
          const line = parseLine(raw);
          return line !== null && line['lineage'] === resumed.lineage && line['event'] === 'epochEnded' && line['epoch'] === resumed.epoch;
        });
        if (!logged) {
          kept.push(JSON.stringify(own));
          changed = true;
        }
      }
      if (!changed) return;
      const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFlushed(temporary, 'w', kept.map((line) => `${line}\n`).join(''));
        await rename(temporary, file);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    });
  }

  async flush(): Promise<void> {
    await this.pending;
  }
}
