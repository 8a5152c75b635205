import type { AnyNode, GanNode, InputNode, LayerNode, ModelNode, Num, Shape } from '../ir';

/**
 * Receptive field along each axis [height, width] (Araujo, Norris, Sim, Distill 2019):
 * `size` in input pixels, `jump` the distance in input pixels between neighbouring output
 * units (the effective stride), `start` the centre of the first output unit in input pixel
 * coordinates (pixel i has its centre at i, so padding makes it negative).
 */
export interface ReceptiveField {
  readonly size: readonly [Num, Num];
  readonly jump: readonly [Num, Num];
  readonly start: readonly [Num, Num];
}

export type Severity = 'error' | 'warning' | 'info';

/** A problem with the model, attached to the IR node it belongs to. Never an exception. */
export interface Finding {
  /** Stable code such as `CL1002`; see findings.ts. */
  readonly code: string;
  readonly severity: Severity;
  /** What is wrong, the shapes involved and the fix, in one sentence or two. */
  readonly message: string;
  /** The IR node the finding belongs to (the offending call). */
  readonly node: AnyNode;
  /** Structural path of that node, e.g. `4.main.0` (see LayerReport.path). */
  readonly path: string;
}

export interface ParamCount {
  /** What PyTorch's numel counts: weights, biases, batch-norm γ and β. */
  readonly trainable: Num;
  /** Batch-norm running mean and variance. */
  readonly nonTrainable: Num;
  /** The count with its arithmetic filled in, e.g. `(5·5·1 + 1)·6 = 156`; null for layers without parameters. */
  readonly formula: string | null;
}

/** What the engine knows about one node of a model, container or leaf. */
export interface LayerReport {
  readonly node: LayerNode | InputNode;
  /**
   * Structural path from the model root: the index in the model's layer list, then
   * `.N` for the N-th child of a sequential or concat, `.main` / `.shortcut` for a
   * residual's branches and `.head` for an aux head, e.g. `5.main.0`. The input is `input`.
   */
  readonly path: string;
  /** Unique display name: the user's `name`, else `<kind>_<n>` counted per kind in execution order. */
  readonly name: string;
  /** Nesting depth: 0 for the model's own layers. */
  readonly depth: number;
  /** True for containers (sequential, residual, concat, aux). */
  readonly container: boolean;
  /** True inside an auxiliary head (training only). */
  readonly aux: boolean;
  /** Input shape; null when not even the rank is known. */
  readonly input: Shape | null;
  readonly output: Shape | null;
  /** For containers, the sum over their leaves. */
  readonly params: ParamCount;
  /** Multiply-accumulates per sample (convolutions, transposed convolutions, dense); containers sum their leaves. */
  readonly macs: Num;
  /** Receptive field of the output; null where the output is not spatial or not related to the input's pixels. */
  readonly receptiveField: ReceptiveField | null;
  /** Elements of the output per sample. */
  readonly activations: Num;
}

export interface ParamTotals {
  readonly trainable: Num;
  readonly nonTrainable: Num;
  /** The auxiliary heads' share of `trainable`. */
  readonly aux: Num;
}

export interface MemoryEstimate {
  /** All parameters (trainable and not) as float32. */
  readonly paramBytes: Num;
  /** Every layer output of one forward pass of one sample, float32 (the input included). */
  readonly activationBytesPerSample: Num;
  /** Parameters, their gradients and Adam's two moment estimates (3 extra copies of the trainable ones). */
  readonly trainingStateBytes: Num;
}

export interface ModelAnalysis {
  readonly kind: 'model';
  readonly name: string;
  readonly root: ModelNode;
  readonly input: Shape;
  readonly output: Shape | null;
  /** Every node in execution order (pre-order: a container before its children); the input first. */
  readonly layers: readonly LayerReport[];
  readonly params: ParamTotals;
  /** Per-sample inference MACs on the main path (auxiliary heads excluded). */
  readonly macs: Num;
  /** MACs of the auxiliary heads (training only). */
  readonly auxMacs: Num;
  /** Receptive field of the last spatial (3-D) output on the main path. */
  readonly receptiveField: ReceptiveField | null;
  readonly memory: MemoryEstimate;
  readonly findings: readonly Finding[];
}

export interface GanAnalysis {
  readonly kind: 'gan';
  readonly name: string;
  readonly root: GanNode;
  /** [latent]. */
  readonly input: Shape;
  /** The generator's output. */
  readonly output: Shape | null;
  readonly generator: ModelAnalysis;
  readonly discriminator: ModelAnalysis;
  /** Generator plus discriminator. */
  readonly params: ParamTotals;
  /** Generator plus discriminator MACs for one sample. */
  readonly macs: Num;
  /** Findings of both networks and of how they fit together. */
  readonly findings: readonly Finding[];
}

export type Analysis = ModelAnalysis | GanAnalysis;
