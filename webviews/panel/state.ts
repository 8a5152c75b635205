/**
 * The panel's view model: everything a panel shows, as plain JSON, and the pure reducer
 * that folds validated HostMessages and UI actions into it (no DOM; unit-tested in
 * Node). The whole state is what `setState` persists, so a panel that VS Code hid and
 * showed again redraws its curves, sample timeline, selected tab and layer from
 * `getState()` (big feature maps excepted: see `persistable`).
 */
import { isInputImage } from '../protocol';
import type {
  HostMessage,
  InputImage,
  InspectableLayer,
  InspectionInput,
  PanelInitialState,
  PanelTab,
  Prediction,
  SummarySnapshot,
  TensorSnapshot,
  UnitPosition,
} from '../protocol';

export const STATE_VERSION = 1;
/** Points of the running epoch kept for the live curve (older ones are thinned). */
export const LIVE_POINTS = 240;
/** GAN sample grids kept for the timeline (older ones are thinned, first and last kept). */
export const TIMELINE_GRIDS = 64;
/** Feature maps larger than this many values are not persisted (the extension sends them again). */
export const PERSISTED_VALUES = 65_536;
/**
 * Input images of more bytes than this are not persisted: 28×28 grey (784) and 32×32 RGB
 * (3,072) are, up to 64×64 RGB (12,288); a 224×224 RGB input (150,528) is not.
 */
export const PERSISTED_IMAGE_BYTES = 16_384;
/**
 * GAN grids persisted with setState (thinned; the extension replays up to 64 of the run on
 * `ready`): setState sends the whole state to the extension host, so it stays small.
 */
export const PERSISTED_GRIDS = 16;
export const PANEL_TABS: readonly PanelTab[] = ['summary', 'training', 'featureMaps', 'samples'];

export interface EpochPoint {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number | null;
  readonly validationLoss: number | null;
  readonly validationAccuracy: number | null;
  readonly generatorLoss: number | null;
}

/** A progress report inside the running epoch, at x = epoch − 1 + batch / batches. */
export interface LivePoint {
  readonly x: number;
  readonly loss: number;
  readonly accuracy: number | null;
  readonly generatorLoss: number | null;
}

/** The newest progress message's fields. */
export type Progress = Omit<Extract<HostMessage, { type: 'trainingProgressed' }>, 'type'>;

export type TrainingStatus = 'idle' | 'running' | 'finished' | 'stopped' | 'failed';

export interface TrainingState {
  readonly status: TrainingStatus;
  readonly kind: 'classifier' | 'gan' | null;
  readonly backend: string | null;
  readonly dataset: string | null;
  readonly epochs: number | null;
  readonly progress: Progress | null;
  readonly history: readonly EpochPoint[];
  readonly live: readonly LivePoint[];
  readonly testAccuracy: number | null;
  readonly confusionMatrix: readonly (readonly number[])[] | null;
  readonly classes: readonly string[] | null;
  /** The last complete epoch of a stopped run. */
  readonly stoppedAtEpoch: number | null;
  readonly message: string | null;
}

export interface LayerTensor {
  readonly layer: string;
  readonly tensor: TensorSnapshot;
}

export interface FeatureMapsState {
  readonly layers: readonly InspectableLayer[];
  readonly layer: string | null;
  /** The input of the last request (re-sent when another layer is picked). */
  readonly input: InspectionInput | null;
  readonly sampleIndex: number;
  readonly maps: LayerTensor | null;
  /** The picture the shown maps are of, as the network received it; null when not known. */
  readonly image: InputImage | null;
  readonly filters: LayerTensor | null;
  readonly predictions: readonly Prediction[] | null;
  readonly busy: boolean;
  readonly message: string | null;
  /** The unit of the shown maps the user clicked: its receptive field stays drawn on the input. */
  readonly selectedUnit: { readonly layer: string; readonly unit: UnitPosition } | null;
  /** The clicked unit's effective receptive field over the input ([H, W]). */
  readonly effectiveField: { readonly layer: string; readonly unit: UnitPosition; readonly field: TensorSnapshot } | null;
  /** Grad-CAM of a class over a layer for the shown input ([h, w]). */
  readonly gradCam: GradCamState | null;
  /** The layer Grad-CAM is asked for; null: the last conv2d (the runtime's default). */
  readonly camLayer: string | null;
}

export interface GradCamState {
  readonly layer: string;
  readonly classIndex: number;
  readonly label: string;
  readonly probability: number;
  readonly cam: TensorSnapshot;
}

export interface SampleGrid {
  readonly epoch: number;
  readonly png: string;
  readonly rows: number;
  readonly columns: number;
}

export interface SamplesState {
  readonly grids: readonly SampleGrid[];
  /**
   * The epoch whose grid the timeline shows (the newest at or before it); null follows the
   * newest grid. An epoch, not an index, so it survives thinning and a replayed run.
   */
  readonly position: number | null;
  /** Up to two picked cells (row-major indices into the fixed latent grid). */
  readonly selection: readonly number[];
  readonly steps: number;
  readonly interpolation: { readonly png: string; readonly steps: number; readonly from: number | null; readonly to: number | null } | null;
  readonly pending: { readonly from: number; readonly to: number } | null;
  /** Why the last interpolation failed (shown under its button); null otherwise. */
  readonly message?: string | null;
}

export interface PanelState {
  readonly version: typeof STATE_VERSION;
  readonly title: string;
  readonly kind: 'model' | 'gan';
  readonly tab: PanelTab;
  readonly summary: SummarySnapshot | null;
  readonly training: TrainingState;
  readonly featureMaps: FeatureMapsState;
  readonly samples: SamplesState;
}

/** The parts of the page a change touches (what the redraw scheduler marks). */
export type Part = 'tabs' | 'summary' | 'status' | 'charts' | 'results' | 'layers' | 'maps' | 'filters' | 'predictions' | 'samples';
export const ALL_PARTS: readonly Part[] = ['tabs', 'summary', 'status', 'charts', 'results', 'layers', 'maps', 'filters', 'predictions', 'samples'];

const IDLE_TRAINING: TrainingState = {
  status: 'idle',
  kind: null,
  backend: null,
  dataset: null,
  epochs: null,
  progress: null,
  history: [],
  live: [],
  testAccuracy: null,
  confusionMatrix: null,
  classes: null,
  stoppedAtEpoch: null,
  message: null,
};

const EMPTY_FEATURE_MAPS: FeatureMapsState = {
  layers: [],
  layer: null,
  input: null,
  sampleIndex: 0,
  maps: null,
  image: null,
  filters: null,
  predictions: null,
  busy: false,
  message: null,
  selectedUnit: null,
  effectiveField: null,
  gradCam: null,
  camLayer: null,
};

const EMPTY_SAMPLES: SamplesState = { grids: [], position: null, selection: [], steps: 8, interpolation: null, pending: null, message: null };

export function initialState(bootstrap: PanelInitialState | null = null): PanelState {
  const summary = bootstrap?.summary ?? null;
  const kind = bootstrap?.kind ?? summary?.kind ?? 'model';
  return {
    version: STATE_VERSION,
    title: bootstrap?.title ?? summary?.title ?? 'ConvLens',
    kind,
    tab: bootstrap?.tab ?? 'summary',
    summary,
    training: IDLE_TRAINING,
    featureMaps: { ...EMPTY_FEATURE_MAPS },
    samples: EMPTY_SAMPLES,
  };
}

// ── host messages ───────────────────────────────────────────────────────────────────

export interface ApplyOptions {
  /**
   * `trainingStarted` replays the run this state already shows (the extension replays a
   * run to a panel that was hidden and shown again): the curves and grids are rebuilt
   * from the replay, but the user's timeline position, picked samples and interpolation
   * are kept.
   */
  readonly continuing?: boolean;
}

/** Folds one (already validated) host message into the state. */
export function applyHostMessage(state: PanelState, message: HostMessage, options: ApplyOptions = {}): PanelState {
  switch (message.type) {
    case 'summaryUpdated':
      return { ...state, summary: message.summary, title: message.summary.title, kind: message.summary.kind };
    case 'showTab':
      return { ...state, tab: message.tab };
    case 'trainingStarted':
      return {
        ...state,
        kind: message.kind === 'gan' ? 'gan' : state.kind,
        training: { ...IDLE_TRAINING, status: 'running', kind: message.kind, backend: message.backend, dataset: message.dataset, epochs: message.epochs },
        samples:
          message.kind !== 'gan'
            ? state.samples
            : options.continuing === true
              ? { ...state.samples, grids: [], pending: null }
              : { ...EMPTY_SAMPLES, steps: state.samples.steps },
      };
    case 'trainingProgressed': {
      const training = state.training;
      const x = message.epoch - 1 + (message.batches > 0 ? message.batch / message.batches : 1);
      const last = training.live[training.live.length - 1];
      // A new epoch (or a restart) begins a new live trace.
      const base = last !== undefined && last.x > x ? [] : training.live;
      const point: LivePoint = { x, loss: message.loss, accuracy: message.accuracy, generatorLoss: message.generatorLoss };
      return {
        ...state,
        training: {
          ...training,
          status: 'running',
          epochs: training.epochs ?? message.epochs,
          // Field by field: a message may carry more than the state should keep.
          progress: {
            epoch: message.epoch,
            epochs: message.epochs,
            batch: message.batch,
            batches: message.batches,
            loss: message.loss,
            accuracy: message.accuracy,
            generatorLoss: message.generatorLoss,
            imagesPerSecond: message.imagesPerSecond,
          },
          live: thin([...base, point], LIVE_POINTS),
        },
      };
    }
    case 'epochEnded': {
      const training = state.training;
      const point: EpochPoint = {
        epoch: message.epoch,
        loss: message.loss,
        accuracy: message.accuracy,
        validationLoss: message.validationLoss,
        validationAccuracy: message.validationAccuracy,
        generatorLoss: message.generatorLoss,
      };
      // Replayed epochs (a resumed run) replace what was there.
      const history = [...training.history.filter((entry) => entry.epoch < message.epoch), point];
      return { ...state, training: { ...training, history, live: training.live.filter((entry) => entry.x > message.epoch) } };
    }
    case 'trainingFinished':
      return {
        ...state,
        training: {
          ...state.training,
          status: 'finished',
          live: [],
          testAccuracy: message.testAccuracy,
          confusionMatrix: message.confusionMatrix,
          classes: message.classes,
        },
      };
    case 'trainingStopped':
      return { ...state, training: { ...state.training, status: 'stopped', live: [], stoppedAtEpoch: message.epoch } };
    case 'trainingFailed':
      return { ...state, training: { ...state.training, status: 'failed', message: message.message } };
    case 'layersListed': {
      const layers = message.layers;
      const keep = state.featureMaps.layer !== null && layers.some((layer) => layer.name === state.featureMaps.layer);
      return { ...state, featureMaps: { ...state.featureMaps, layers, layer: keep ? state.featureMaps.layer : (layers[0]?.name ?? null) } };
    }
    case 'featureMapsComputed': {
      // Maps without an image: the last one is not what these maps are of. A picked unit and
      // its field belong to the maps they were picked on; Grad-CAM to the input it was of.
      const sameImage = message.input !== undefined && state.featureMaps.image !== null && sameInputImage(message.input, state.featureMaps.image);
      return {
        ...state,
        featureMaps: {
          ...state.featureMaps,
          maps: { layer: message.layer, tensor: message.maps },
          image: message.input ?? null,
          busy: false,
          message: null,
          selectedUnit: null,
          effectiveField: null,
          gradCam: sameImage ? state.featureMaps.gradCam : null,
        },
      };
    }
    case 'effectiveReceptiveFieldComputed': {
      // The answer to an earlier click, arriving after another: the unit clicked last waits on.
      const selected = state.featureMaps.selectedUnit;
      const { channel, row, column } = message.unit;
      if (selected === null || selected.layer !== message.layer || selected.unit.channel !== channel || selected.unit.row !== row || selected.unit.column !== column) return state;
      return { ...state, featureMaps: { ...state.featureMaps, effectiveField: { layer: message.layer, unit: message.unit, field: message.field }, busy: false, message: null } };
    }
    case 'gradCamComputed': {
      const { layer, classIndex, label, probability, cam } = message;
      return { ...state, featureMaps: { ...state.featureMaps, gradCam: { layer, classIndex, label, probability, cam }, busy: false, message: null } };
    }
    case 'filtersComputed':
      return { ...state, featureMaps: { ...state.featureMaps, filters: { layer: message.layer, tensor: message.filters } } };
    case 'predictionsComputed':
      return { ...state, featureMaps: { ...state.featureMaps, predictions: [...message.predictions].sort((a, b) => b.probability - a.probability) } };
    case 'inspectionFailed':
      // It answers the request that is waiting: an interpolation's shows on the samples tab.
      if (state.samples.pending !== null && !state.featureMaps.busy) return { ...state, samples: { ...state.samples, pending: null, message: message.message } };
      return { ...state, featureMaps: { ...state.featureMaps, busy: false, message: message.message }, samples: { ...state.samples, pending: null } };
    case 'samplesReady': {
      const grid: SampleGrid = { epoch: message.epoch, png: message.png, rows: message.rows, columns: message.columns };
      const samples = state.samples;
      // A replayed grid replaces the one of its epoch.
      const grids = thin([...samples.grids.filter((entry) => entry.epoch !== message.epoch), grid], TIMELINE_GRIDS);
      return { ...state, kind: 'gan', samples: { ...samples, grids } };
    }
    case 'interpolationReady': {
      const { pending, interpolation } = state.samples;
      // Without a request of ours it is a replay: the strip we already show keeps its ends.
      const ends = pending ?? (interpolation !== null && interpolation.png === message.png ? { from: interpolation.from, to: interpolation.to } : { from: null, to: null });
      return { ...state, samples: { ...state.samples, interpolation: { png: message.png, steps: message.steps, from: ends.from, to: ends.to }, pending: null, message: null } };
    }
    default: {
      const unreachable: never = message;
      return unreachable;
    }
  }
}

/** What a message changes on screen. */
export function partsChangedBy(message: HostMessage): Part[] {
  switch (message.type) {
    case 'summaryUpdated':
      return ['tabs', 'summary'];
    case 'showTab':
      return ['tabs'];
    case 'trainingStarted':
      return ['tabs', 'status', 'charts', 'results', 'samples'];
    case 'trainingProgressed':
      return ['status', 'charts'];
    case 'epochEnded':
      return ['status', 'charts'];
    case 'trainingFinished':
    case 'trainingStopped':
    case 'trainingFailed':
      return ['status', 'charts', 'results'];
    case 'layersListed':
      return ['tabs', 'layers'];
    case 'featureMapsComputed':
      return ['maps', 'layers'];
    case 'filtersComputed':
      return ['filters'];
    case 'predictionsComputed':
      return ['predictions'];
    case 'inspectionFailed':
      return ['layers', 'maps', 'samples'];
    case 'effectiveReceptiveFieldComputed':
      return ['maps', 'layers'];
    case 'gradCamComputed':
      return ['predictions', 'layers'];
    case 'samplesReady':
    case 'interpolationReady':
      return ['tabs', 'samples'];
    default: {
      const unreachable: never = message;
      return unreachable;
    }
  }
}

/** Keeps at most `limit` entries by dropping every other one (the first and last are kept). */
export function thin<T>(items: readonly T[], limit: number): T[] {
  let result = [...items];
  while (result.length > Math.max(2, limit)) {
    const last = result.length - 1;
    result = result.filter((_, index) => index % 2 === 0 || index === last);
  }
  return result;
}

// ── UI actions ───────────────────────────────────────────────────────────────────

export function selectTab(state: PanelState, tab: PanelTab): PanelState {
  return state.tab === tab ? state : { ...state, tab };
}

export function selectLayer(state: PanelState, layer: string): PanelState {
  return { ...state, featureMaps: { ...state.featureMaps, layer } };
}

export function setSampleIndex(state: PanelState, index: number): PanelState {
  return { ...state, featureMaps: { ...state.featureMaps, sampleIndex: Math.max(0, Math.floor(index)) } };
}

/** A feature-map request went out: remember the input, show the busy bar. */
export function requestedFeatureMaps(state: PanelState, layer: string, input: InspectionInput): PanelState {
  return { ...state, featureMaps: { ...state.featureMaps, layer, input, busy: true, message: null } };
}

/** A unit of the shown maps was clicked: its receptive field stays drawn, its effective one is asked for. */
export function selectUnit(state: PanelState, layer: string, unit: UnitPosition): PanelState {
  return { ...state, featureMaps: { ...state.featureMaps, selectedUnit: { layer, unit }, effectiveField: null, busy: true, message: null } };
}

/** Grad-CAM was asked for (over `layer`, null for the last conv2d). */
export function requestedGradCam(state: PanelState, layer: string | null): PanelState {
  return { ...state, featureMaps: { ...state.featureMaps, camLayer: layer, busy: true, message: null } };
}

/**
 * The input to ask about the shown maps again (a unit's effective field, Grad-CAM): the one the
 * panel asked for (an image file: the one picked last); for maps the panel did not ask for
 * (the extension's Show Feature Maps, Run Model on Image), the one the picture's caption names
 * — `test sample #12`, a drawing (its bytes are the drawing the network received), else the
 * image file picked last.
 */
export function inputOfShownMaps(state: PanelState): InspectionInput | null {
  const { input, image } = state.featureMaps;
  if (input !== null) return input.source === 'imageFile' ? { source: 'imageFile', reuse: true } : input;
  if (image === null) return null;
  const sample = /^test sample #(\d+)$/.exec(image.caption);
  if (sample !== null) return { source: 'testSample', index: Number(sample[1]) };
  if (image.caption === 'drawing' && image.channels === 1) {
    const bytes = atob(image.pixels);
    return { source: 'drawing', width: image.width, height: image.height, pixels: Array.from(bytes, (character) => character.charCodeAt(0) / 255) };
  }
  return { source: 'imageFile', reuse: true };
}

/** Whether two input images are the same picture (same caption, size and bytes). */
export function sameInputImage(a: InputImage, b: InputImage): boolean {
  return a.caption === b.caption && a.width === b.width && a.height === b.height && a.channels === b.channels && a.pixels === b.pixels;
}

/** Moves the timeline to grid `index`; the last grid means "follow the newest". */
export function setTimeline(state: PanelState, index: number): PanelState {
  const grids = state.samples.grids;
  if (grids.length === 0) return state;
  const clamped = Math.max(0, Math.min(grids.length - 1, Math.round(index)));
  return { ...state, samples: { ...state.samples, position: clamped === grids.length - 1 ? null : grids[clamped]!.epoch } };
}

/** Picks a latent cell for interpolation: the third pick starts a new pair. */
export function toggleSample(state: PanelState, cell: number): PanelState {
  const current = state.samples.selection;
  let selection: number[];
  if (current.includes(cell)) selection = current.filter((entry) => entry !== cell);
  else if (current.length >= 2) selection = [cell];
  else selection = [...current, cell];
  return { ...state, samples: { ...state.samples, selection } };
}

export function setSteps(state: PanelState, steps: number): PanelState {
  return { ...state, samples: { ...state.samples, steps: Math.max(2, Math.min(32, Math.round(steps) || 2)) } };
}

export function requestedInterpolation(state: PanelState, from: number, to: number): PanelState {
  return { ...state, samples: { ...state.samples, pending: { from, to }, message: null } };
}

/** Index into `grids` of the grid the timeline shows (-1 before the first). */
export function timelineIndex(samples: SamplesState): number {
  const { grids, position } = samples;
  if (grids.length === 0) return -1;
  if (position === null) return grids.length - 1;
  let index = 0;
  for (let i = 0; i < grids.length; i++) if (grids[i]!.epoch <= position) index = i;
  return index;
}

/** The grid the timeline shows (null before the first). */
export function shownGrid(samples: SamplesState): SampleGrid | null {
  return samples.grids[timelineIndex(samples)] ?? null;
}

/** Whether a `trainingStarted` describes the run the state already shows. */
export function sameRun(training: TrainingState, message: Extract<HostMessage, { type: 'trainingStarted' }>): boolean {
  return (
    training.status !== 'idle' && training.kind === message.kind && training.backend === message.backend && training.dataset === message.dataset && training.epochs === message.epochs
  );
}

// ── persistence ──────────────────────────────────────────────────────────────────

/**
 * The state as `setState` stores it: no busy flags, no big feature maps or input images, at
 * most PERSISTED_GRIDS sample grids (the one the timeline shows kept).
 */
export function persistable(state: PanelState): PanelState {
  const maps = state.featureMaps.maps;
  const keepMaps = maps === null || maps.tensor.values.length <= PERSISTED_VALUES;
  const image = state.featureMaps.image;
  const keepImage = image !== null && image.width * image.height * image.channels <= PERSISTED_IMAGE_BYTES;
  const { grids } = state.samples;
  let kept = grids;
  if (grids.length > PERSISTED_GRIDS) {
    const shown = shownGrid(state.samples);
    kept = thin(grids, PERSISTED_GRIDS - 1);
    if (shown !== null && !kept.includes(shown)) kept = [...kept, shown].sort((a, b) => a.epoch - b.epoch);
  }
  const field = state.featureMaps.effectiveField;
  const cam = state.featureMaps.gradCam;
  return {
    ...state,
    featureMaps: {
      ...state.featureMaps,
      maps: keepMaps ? maps : null,
      image: keepImage ? image : null,
      busy: false,
      effectiveField: field !== null && keepImage && field.field.values.length <= PERSISTED_VALUES ? field : null,
      gradCam: cam !== null && keepImage && cam.cam.values.length <= PERSISTED_VALUES ? cam : null,
    },
    samples: { ...state.samples, grids: kept, pending: null },
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A state read back from `getState()`, or null when it is missing, from another version
 * or not shaped like one (persisted data is checked like any other input).
 */
export function restoreState(value: unknown): PanelState | null {
  if (!isObject(value) || value['version'] !== STATE_VERSION) return null;
  if (typeof value['title'] !== 'string' || (value['kind'] !== 'model' && value['kind'] !== 'gan')) return null;
  if (!PANEL_TABS.includes(value['tab'] as PanelTab)) return null;
  const training = value['training'];
  const featureMaps = value['featureMaps'];
  const samples = value['samples'];
  if (!isObject(training) || !Array.isArray(training['history']) || !Array.isArray(training['live'])) return null;
  if (!isObject(featureMaps) || !Array.isArray(featureMaps['layers'])) return null;
  if (!isObject(samples) || !Array.isArray(samples['grids']) || !Array.isArray(samples['selection'])) return null;
  if (value['summary'] !== null && !isObject(value['summary'])) return null;
  // A state saved before input images (or with a damaged one) shows none.
  const image = isInputImage(featureMaps['image']) ? featureMaps['image'] : null;
  // A state saved before receptive fields and Grad-CAM has none of them.
  return { ...(value as unknown as PanelState), featureMaps: { ...EMPTY_FEATURE_MAPS, ...(featureMaps as unknown as FeatureMapsState), image } };
}
