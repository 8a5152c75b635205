/**
 * What both training loops do with checkpoints: find the checkpoint `--resume` continues
 * from (the newest complete one, checkpoint.ts), bring the metrics log in line with it
 * (metrics-log.ts), and end each epoch with its metrics line on disk first, then its
 * checkpoint.
 */
import type { EpochEndedEvent } from '../protocol';
import { recoverCheckpoint, SWAP_STAGES, writeCheckpoint, type CheckpointContent, type FoundCheckpoint } from './checkpoint';
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
export async function findResumeCheckpoint(directory: string, log?: (line: string) => void): Promise<FoundCheckpoint> {
  const found = await recoverCheckpoint(directory);
  if (found === null) throw new TrainingError(`--resume: there is no complete checkpoint in ${directory}`);
  if (found.epoch === null) throw new TrainingError(`--resume: the checkpoint ${found.folder} records no epoch in its training.json`);
  if (found.recovery !== null) log?.(`--resume: ${found.recovery}`);
  return found;
}

/** A resumed run continues its checkpoint's lineage and reconciles the log with it. */
export async function resumeMetrics(log: MetricsLog, state: { readonly epoch: number; readonly lineage?: unknown; readonly metricsLine?: unknown }): Promise<void> {
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
 * Ends an epoch: its metrics line appended and on disk, then (with an out directory) its
 * checkpoint, whose content `toContent` builds with that line; each stage goes to
 * hooks.onCheckpointStage. Returns the checkpoint standing now: `directory`, or `last`
 * when there is none to write.
 */
export async function checkpointEpoch<State>(
  log: MetricsLog,
  hooks: TrainingHooks,
  directory: string | null,
  last: string | null,
  ended: EpochEndedEvent,
  toContent: (line: MetricsLine | null) => CheckpointContent<State>,
): Promise<string | null> {
  const line = await log.append(ended);
  if (directory === null) return last;
  const stage = async (reached: CheckpointStage): Promise<void> => {
    await hooks.onCheckpointStage?.(reached, ended.epoch);
  };
  await stage('metricsWritten');
  await writeCheckpoint(directory, toContent(line), { onStage: stage });
  return directory;
}
