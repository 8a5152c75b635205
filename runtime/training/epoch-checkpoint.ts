/**
 * What both training loops do with checkpoints: find the checkpoint `--resume` continues
 * from (the newest complete one, checkpoint.ts), bring the metrics log in line with it
 * (metrics-log.ts), and end each epoch with its metrics line on disk first, then its
 * checkpoint.
 */
import type { EpochEndedEvent } from '../protocol';
import { recoverCheckpoint, setAsideCheckpoint, SWAP_STAGES, writeCheckpoint, type CheckpointContent, type FoundCheckpoint } from './checkpoint';
import type { MetricsLine, MetricsLog } from './metrics-log';
import type { TrainingHooks } from './train-classifier';
import { TrainingError } from './training-error';

/**
 * The stages of an epoch's checkpoint: 'metricsWritten' (the epoch's metrics line is on
 * disk, nothing of its checkpoint yet), then writeCheckpoint's swap (checkpoint.ts).
 */
export const CHECKPOINT_STAGES = ['metricsWritten', ...SWAP_STAGES] as const;
export type CheckpointStage = (typeof CHECKPOINT_STAGES)[number];

/** The checkpoint `--resume` continues from; says on `log` when it is not `directory` itself. */
async function findResumeCheckpoint(directory: string, log?: (line: string) => void): Promise<FoundCheckpoint> {
  const found = await recoverCheckpoint(directory);
  if (found === null) throw new TrainingError(`--resume: there is no complete checkpoint in ${directory}`);
  if (found.epoch === null) throw new TrainingError(`--resume: the checkpoint ${found.folder} records no epoch in its training.json`);
  if (found.recovery !== null) log?.(`--resume: ${found.recovery}`);
  return found;
}

/** A resumed run continues its checkpoint's lineage and reconciles the log with it. */
async function resumeMetrics(log: MetricsLog, state: { readonly epoch: number; readonly lineage?: unknown; readonly metricsLine?: unknown }): Promise<void> {
  if (typeof state.lineage !== 'string') {
    // A checkpoint from before lineages: this run starts one; only torn lines are dropped.
    await log.reconcile(null);
    return;
  }
  log.lineage = state.lineage;
  const line = typeof state.metricsLine === 'object' && state.metricsLine !== null && !Array.isArray(state.metricsLine) ? (state.metricsLine as MetricsLine) : null;
  await log.reconcile({ lineage: state.lineage, epoch: state.epoch, line });
}

/**
 * Where a checkpoint stands in its run, in every training.json (a classifier's or a GAN's):
 * written by checkpointEpoch, read back by recovery and resume.
 */
export interface EpochPosition {
  /** Completed epochs. */
  readonly epoch: number;
  /** Optimizer steps (batches) since the run's first epoch; absent in checkpoints written before it was recorded. */
  readonly step?: number;
  /** The `run` of the fresh run this training began with (metrics-log.ts); absent in older checkpoints. */
  readonly lineage?: string;
  /** This epoch's line of metrics.jsonl, as written before the checkpoint. */
  readonly metricsLine?: MetricsLine;
}

/** Where a run starts: its first epoch, its global step, and the checkpoints it found. */
export interface RunStart {
  readonly startEpoch: number;
  readonly step: number;
  /** A fresh run's earlier checkpoint, kept as `checkpoint-<time>`. */
  readonly previousCheckpoint: string | null;
  /** The checkpoint a resumed run continues from. */
  readonly lastCheckpoint: string | null;
}

/**
 * The start of a classifier's or a GAN's run. With `resume`: the newest complete checkpoint,
 * restored by `restore` (weights and optimizers), and the metrics log reconciled with it;
 * else the old checkpoint set aside and the log started afresh.
 */
export async function startRun(
  checkpointDirectory: string | null,
  resume: boolean,
  log: MetricsLog,
  hooks: Pick<TrainingHooks, 'log'>,
  batchesPerEpoch: number,
  restore: (found: FoundCheckpoint, checkpointDirectory: string) => Promise<{ readonly epoch: number; readonly step?: number; readonly lineage?: unknown; readonly metricsLine?: unknown }>,
): Promise<RunStart> {
  if (!resume) {
    const previousCheckpoint = checkpointDirectory === null ? null : await setAsideCheckpoint(checkpointDirectory);
    await log.reconcile(null);
    return { startEpoch: 0, step: 0, previousCheckpoint, lastCheckpoint: null };
  }
  if (checkpointDirectory === null) throw new TrainingError('--resume needs an out directory with a checkpoint');
  const found = await findResumeCheckpoint(checkpointDirectory, hooks.log);
  const state = await restore(found, checkpointDirectory);
  await resumeMetrics(log, state);
  // A checkpoint from before steps were recorded: the steps its epochs took with these settings.
  return { startEpoch: state.epoch, step: state.step ?? state.epoch * batchesPerEpoch, previousCheckpoint: null, lastCheckpoint: found.folder };
}

/**
 * Ends an epoch: its metrics line appended and on disk, then (with an out directory) its
 * checkpoint, whose content `toContent` builds with that line; each stage goes to
 * hooks.onCheckpointStage. Returns the checkpoint standing now: `directory`, or `last`
 * when there is none to write.
 */
export async function checkpointEpoch<State extends EpochPosition>(
  log: MetricsLog,
  hooks: TrainingHooks,
  directory: string | null,
  last: string | null,
  ended: EpochEndedEvent,
  step: number,
  toContent: () => CheckpointContent<Omit<State, keyof EpochPosition>>,
): Promise<string | null> {
  const line = await log.append(ended);
  if (directory === null) return last;
  const stage = async (reached: CheckpointStage): Promise<void> => {
    await hooks.onCheckpointStage?.(reached, ended.epoch);
  };
  await stage('metricsWritten');
  const content = toContent();
  const position: EpochPosition = { epoch: ended.epoch, step, lineage: log.lineage, ...(line === null ? {} : { metricsLine: line }) };
  await writeCheckpoint(directory, { ...content, state: { ...content.state, ...position } as State }, { onStage: stage });
  return directory;
}
