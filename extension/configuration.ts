/**
 * The extension's settings (`convlens.*` in package.json's `contributes.configuration`) and
 * what they become: the tsserver plugin's configuration, the language service's settings
 * and the runtime's TrainingSettings. Pure: the caller hands in a getter over VS Code's
 * configuration, so this module is tested without VS Code.
 */
import type { ConvLensSettings } from 'convlens/service';
import type { TrainingSettings } from 'convlens-runtime/protocol';

export type ShapeFormat = ConvLensSettings['shapeFormat'];
export type BackendSetting = TrainingSettings['backend'];
export type OptimizerSetting = TrainingSettings['optimizer'];

export const SHAPE_FORMATS: readonly ShapeFormat[] = ['C@HxW', 'CHW', 'HWC'];
export const BACKEND_SETTINGS: readonly BackendSetting[] = ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu'];
export const OPTIMIZER_SETTINGS: readonly OptimizerSetting[] = ['adam', 'sgd'];

export interface ExtensionSettings {
  readonly hints: {
    readonly enabled: boolean;
    readonly shapeFormat: ShapeFormat;
    readonly showParams: boolean;
  };
  readonly training: {
    /** `mnist`, `fashion-mnist`, `cifar10` or a folder (relative to the workspace folder). */
    readonly dataset: string;
    readonly epochs: number;
    readonly batchSize: number;
    readonly backend: BackendSetting;
    /** null: the runtime's default for the optimizer (Adam 0.001, SGD 0.01, GAN 0.0002). */
    readonly learningRate: number | null;
    readonly optimizer: OptimizerSetting;
  };
}

/** Defaults, as package.json declares them (test/extension-configuration.test.ts keeps both equal). */
export const DEFAULT_EXTENSION_SETTINGS: ExtensionSettings = {
  hints: { enabled: true, shapeFormat: 'C@HxW', showParams: false },
  training: { dataset: 'mnist', epochs: 1, batchSize: 64, backend: 'auto', learningRate: null, optimizer: 'adam' },
};

/**
 * Reads `convlens.*` through `get` (e.g. `key => configuration.get(key)` of
 * `workspace.getConfiguration('convlens')`), keeping the default for anything malformed: a
 * hand-edited settings.json must never stop the extension.
 */
export function readExtensionSettings(get: (key: string) => unknown): ExtensionSettings {
  const defaults = DEFAULT_EXTENSION_SETTINGS;
  const learningRate = get('training.learningRate');
  return {
    hints: {
      enabled: pick(get('hints.enabled'), isBoolean, defaults.hints.enabled),
      shapeFormat: pick(get('hints.shapeFormat'), isOneOf(SHAPE_FORMATS), defaults.hints.shapeFormat),
      showParams: pick(get('hints.showParams'), isBoolean, defaults.hints.showParams),
    },
    training: {
      dataset: pick(get('training.dataset'), (value): value is string => typeof value === 'string' && value.trim() !== '', defaults.training.dataset).trim(),
      epochs: pick(get('training.epochs'), isPositiveInteger, defaults.training.epochs),
      batchSize: pick(get('training.batchSize'), isPositiveInteger, defaults.training.batchSize),
      backend: pick(get('training.backend'), isOneOf(BACKEND_SETTINGS), defaults.training.backend),
      learningRate: typeof learningRate === 'number' && Number.isFinite(learningRate) && learningRate > 0 ? learningRate : null,
      optimizer: pick(get('training.optimizer'), isOneOf(OPTIMIZER_SETTINGS), defaults.training.optimizer),
    },
  };
}

/** What the language service computes with. */
export function toServiceSettings(settings: ExtensionSettings): ConvLensSettings {
  return { hints: settings.hints.enabled, shapeFormat: settings.hints.shapeFormat, showParamsInHints: settings.hints.showParams, languageServiceHints: false };
}

/**
 * The tsserver plugin's configuration (`configurePlugin`). `languageServiceHints: false`:
 * the extension shows the hints with its own provider, so the plugin must not add them to
 * TypeScript's inlay hints too (they would show twice once a `typescript.inlayHints.*`
 * setting is on).
 */
export function toPluginConfiguration(settings: ExtensionSettings): Record<string, unknown> {
  return { ...toServiceSettings(settings) };
}

export interface TrainingTarget {
  readonly kind: 'model' | 'gan';
  /** The workspace folder: dataset folders resolve against it, tfjs-node is looked for there. */
  readonly cwd: string;
  /** Where checkpoints, metrics and samples go (`.convlens/runs/EXPORT`). */
  readonly outDirectory: string;
}

/** The runtime's settings for one run; defaults as `convlens train`'s. */
export function toTrainingSettings(settings: ExtensionSettings, target: TrainingTarget): TrainingSettings {
  const { training } = settings;
  const isGan = target.kind === 'gan';
  const defaultRate = isGan ? 2e-4 : training.optimizer === 'sgd' ? 0.01 : 1e-3;
  return {
    dataset: training.dataset,
    epochs: training.epochs,
    batchSize: training.batchSize,
    learningRate: training.learningRate ?? defaultRate,
    optimizer: training.optimizer,
    validationSplit: isGan ? 0 : 0.1,
    augmentation: { cropPadding: 0, mirror: false },
    tta: false,
    seed: 1,
    backend: training.backend,
    outDirectory: target.outDirectory,
    resume: false,
    workers: 1,
    cwd: target.cwd,
  };
}

function pick<T>(value: unknown, accept: (value: unknown) => value is T, fallback: T): T {
  return accept(value) ? value : fallback;
}

function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function isOneOf<T extends string>(values: readonly T[]): (value: unknown) => value is T {
  return (value: unknown): value is T => typeof value === 'string' && (values as readonly string[]).includes(value);
}
