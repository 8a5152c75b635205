/**
 * The ConvLens DSL: `import { model, input, conv2d, … } from 'convlens'`.
 *
 * Every factory is pure and returns frozen, JSON-serialisable IR with every default filled
 * in (`kernelSize: [3, 3]`, never `3`). Wrong argument types are TypeScript errors; wrong
 * values (a negative kernel) are reported by the engine as findings, never thrown here,
 * so a half-typed model still gets shapes for everything that is right.
 */
import type {
  AdaptiveAvgPool2dNode,
  AuxNode,
  AvgPool2dNode,
  BatchNormNode,
  ConcatNode,
  Conv2dNode,
  Conv2dTransposeNode,
  ConvPadding,
  DenseNode,
  DropoutNode,
  FlattenNode,
  GanNode,
  GlobalAvgPool2dNode,
  IdentityNode,
  InputNode,
  LayerNode,
  LeakyReluNode,
  LrnNode,
  MaxPool2dNode,
  ModelNode,
  Num,
  Pair,
  Relu6Node,
  ReluNode,
  ReshapeNode,
  ResidualNode,
  SequentialNode,
  SigmoidNode,
  SoftmaxNode,
  TanhNode,
  Upsample2dNode,
  ZeroPad2dNode,
} from '../ir';

export type * from '../ir';

/** One number for both spatial axes, or `[height, width]`. */
export type IntPair = number | readonly [number, number];

/**
 * A number pads symmetrically (PyTorch); `[ph, pw]` per axis; `'valid'` is 0; `'same'` is
 * TensorFlow's rule: out = ceil(in / stride), extra padding at the bottom and right.
 */
export type Padding = number | readonly [number, number] | 'valid' | 'same';

/** A layer, or an array of layers that is spliced in place (one level deep). */
export type LayerItem = LayerNode | readonly LayerNode[];

export interface Conv2dOptions {
  readonly stride?: IntPair;
  readonly padding?: Padding;
  readonly dilation?: IntPair;
  readonly groups?: number;
  readonly bias?: boolean;
  readonly name?: string;
}

export interface Conv2dTransposeOptions {
  readonly stride?: IntPair;
  readonly padding?: Padding;
  readonly outputPadding?: IntPair;
  readonly bias?: boolean;
  readonly name?: string;
}

export interface MaxPool2dOptions {
  /** Defaults to the kernel size (non-overlapping windows). */
  readonly stride?: IntPair;
  readonly padding?: Padding;
  /** PyTorch's ceil mode: the last window must start inside the input or its left padding. */
  readonly ceilMode?: boolean;
  readonly name?: string;
}

export interface AvgPool2dOptions extends MaxPool2dOptions {
  /** Whether padded zeros count in the average's divisor (PyTorch's default: true). */
  readonly countIncludePad?: boolean;
}

export interface DenseOptions {
  readonly bias?: boolean;
  readonly name?: string;
}

export interface BatchNormOptions {
  /** PyTorch convention: running = (1 − momentum)·running + momentum·batch. Default 0.1. */
  readonly momentum?: number;
  /** Added to the variance. Default 1e-5 (PyTorch). */
  readonly epsilon?: number;
  readonly name?: string;
}

export interface LrnOptions {
  /** Number of neighbouring channels summed over. Default 5. */
  readonly size?: number;
  /** Scale of the sum (not divided by size, as in the AlexNet paper). Default 1e-4. */
  readonly alpha?: number;
  readonly beta?: number;
  readonly k?: number;
}

export interface Relu6Options {
  readonly name?: string;
}

export interface IdentityOptions {
  readonly name?: string;
}

export interface AuxOptions {
  /** Weight of this head's loss in the training objective. Default 0.3 (GoogLeNet). */
  readonly weight?: number;
}

export interface GanOptions {
  /** Length of the generator's input vector. */
  readonly latent: number;
  /** The image shape [C, H, W] the generator must produce and the discriminator reads. */
  readonly image: readonly [number, number, number];
  /** Maps [latent] → image. An array of layers is run in order. */
  readonly generator: LayerItem | readonly LayerItem[];
  /** Maps image → [1]. An array of layers is run in order. */
  readonly discriminator: LayerItem | readonly LayerItem[];
}

/**
 * `value`, or `fallback` when it was not given. Unlike `??` this keeps `null`: static
 * evaluation passes `null` for a value it cannot know, which must stay unknown in the IR
 * rather than silently become the default.
 */
function orDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

function freezeNode<T extends object>(node: T): T {
  return Object.freeze(node);
}

function toPair(value: IntPair | Num): Pair {
  if (Array.isArray(value)) {
    const [height, width] = value as readonly [Num, Num];
    return Object.freeze([height ?? null, width ?? null] as const);
  }
  const both = (value as Num) ?? null;
  return Object.freeze([both, both] as const);
}

function toPadding(value: Padding | null): ConvPadding {
  if (value === 'same') return 'same';
  if (value === 'valid') return toPair(0);
  return toPair(value);
}

function flattenLayers(items: readonly (LayerItem | readonly LayerItem[])[]): readonly LayerNode[] {
  const layers: LayerNode[] = [];
  for (const item of items) {
    if (Array.isArray(item)) {
      for (const inner of item as readonly LayerItem[]) {
        if (Array.isArray(inner)) layers.push(...(inner as readonly LayerNode[]));
        else layers.push(inner as LayerNode);
      }
    } else {
      layers.push(item as LayerNode);
    }
  }
  return Object.freeze(layers);
}

/** The model's input, per sample: `input(channels, height, width)` or `input(features)`. */
export function input(channels: number, height: number, width: number): InputNode;
export function input(features: number): InputNode;
export function input(...dims: number[]): InputNode {
  return freezeNode({ kind: 'input', shape: Object.freeze(dims.map((dim) => dim ?? null)) });
}

/**
 * 2-D convolution with `filters` output channels.
 * out = floor((in + 2·padding − dilation·(kernel − 1) − 1) / stride) + 1 (PyTorch Conv2d).
 */
export function conv2d(filters: number, kernelSize: IntPair, options: Conv2dOptions = {}): Conv2dNode {
  return freezeNode({
    kind: 'conv2d',
    filters,
    kernelSize: toPair(kernelSize),
    stride: toPair(orDefault(options.stride, 1)),
    padding: toPadding(orDefault(options.padding, 0)),
    dilation: toPair(orDefault(options.dilation, 1)),
    groups: orDefault(options.groups, 1),
    bias: orDefault(options.bias, true),
    name: options.name ?? null,
  });
}

/**
 * Transposed ("fractionally strided") convolution, the generator's upsampling layer.
 * out = (in − 1)·stride − 2·padding + kernel + outputPadding (PyTorch ConvTranspose2d);
 * with 'same', out = in·stride (TensorFlow).
 */
export function conv2dTranspose(
  filters: number,
  kernelSize: IntPair,
  options: Conv2dTransposeOptions = {},
): Conv2dTransposeNode {
  return freezeNode({
    kind: 'conv2dTranspose',
    filters,
    kernelSize: toPair(kernelSize),
    stride: toPair(orDefault(options.stride, 1)),
    padding: toPadding(orDefault(options.padding, 0)),
    outputPadding: toPair(orDefault(options.outputPadding, 0)),
    bias: orDefault(options.bias, true),
    name: options.name ?? null,
  });
}

/** Max pooling; the stride defaults to the kernel size. */
export function maxPool2d(kernelSize: IntPair, options: MaxPool2dOptions = {}): MaxPool2dNode {
  return freezeNode({
    kind: 'maxPool2d',
    kernelSize: toPair(kernelSize),
    stride: toPair(orDefault(options.stride, kernelSize)),
    padding: toPadding(orDefault(options.padding, 0)),
    ceilMode: orDefault(options.ceilMode, false),
    name: options.name ?? null,
  });
}

/** Average pooling; the stride defaults to the kernel size. */
export function avgPool2d(kernelSize: IntPair, options: AvgPool2dOptions = {}): AvgPool2dNode {
  return freezeNode({
    kind: 'avgPool2d',
    kernelSize: toPair(kernelSize),
    stride: toPair(orDefault(options.stride, kernelSize)),
    padding: toPadding(orDefault(options.padding, 0)),
    ceilMode: orDefault(options.ceilMode, false),
    countIncludePad: orDefault(options.countIncludePad, true),
    name: options.name ?? null,
  });
}

/** Average pooling to a fixed output size, whatever the input size (PyTorch's bins). */
export function adaptiveAvgPool2d(outputSize: IntPair): AdaptiveAvgPool2dNode {
  return freezeNode({ kind: 'adaptiveAvgPool2d', outputSize: toPair(outputSize) });
}

/** Averages each channel over all positions: [C, H, W] → [C]. */
export function globalAvgPool2d(): GlobalAvgPool2dNode {
  return freezeNode({ kind: 'globalAvgPool2d' });
}

/** [C, H, W] → [C·H·W]. */
export function flatten(): FlattenNode {
  return freezeNode({ kind: 'flatten' });
}

/** Reshapes each sample; one dimension may be -1 and is then inferred. */
export function reshape(...dims: number[]): ReshapeNode {
  return freezeNode({ kind: 'reshape', shape: Object.freeze(dims.map((dim) => dim ?? null)) });
}

/** Zero padding: one number for every side, or [top, bottom, left, right]. */
export function zeroPad2d(padding: number | readonly [number, number, number, number]): ZeroPad2dNode {
  const sides = Array.isArray(padding)
    ? (padding as readonly Num[])
    : [padding as Num, padding as Num, padding as Num, padding as Num];
  const [top, bottom, left, right] = sides;
  return freezeNode({
    kind: 'zeroPad2d',
    padding: Object.freeze([top ?? null, bottom ?? null, left ?? null, right ?? null] as const),
  });
}

/** Nearest-neighbour upsampling by an integer factor (one for both axes, or [h, w]). */
export function upsample2d(scale: IntPair): Upsample2dNode {
  return freezeNode({ kind: 'upsample2d', scale: toPair(scale) });
}

/** Fully connected layer on a vector: out = W·x + b. */
export function dense(units: number, options: DenseOptions = {}): DenseNode {
  return freezeNode({ kind: 'dense', units, bias: orDefault(options.bias, true), name: options.name ?? null });
}

/** Zeroes a fraction `rate` of activations during training (inverted dropout). */
export function dropout(rate: number): DropoutNode {
  return freezeNode({ kind: 'dropout', rate });
}

/** Batch normalisation over channels (images) or features (vectors). */
export function batchNorm(options: BatchNormOptions = {}): BatchNormNode {
  return freezeNode({
    kind: 'batchNorm',
    momentum: orDefault(options.momentum, 0.1),
    epsilon: orDefault(options.epsilon, 1e-5),
    name: options.name ?? null,
  });
}

/** Local response normalisation across channels (AlexNet). */
export function lrn(options: LrnOptions = {}): LrnNode {
  return freezeNode({
    kind: 'lrn',
    size: orDefault(options.size, 5),
    alpha: orDefault(options.alpha, 1e-4),
    beta: orDefault(options.beta, 0.75),
    k: orDefault(options.k, 2),
  });
}

export function relu(): ReluNode {
  return freezeNode({ kind: 'relu' });
}

/** min(max(x, 0), 6), the ReLU MobileNet uses: bounded, so it survives low-precision arithmetic. */
export function relu6(options: Relu6Options = {}): Relu6Node {
  return freezeNode({ kind: 'relu6', name: options.name ?? null });
}

export function leakyRelu(alpha = 0.01): LeakyReluNode {
  return freezeNode({ kind: 'leakyRelu', alpha });
}

export function tanh(): TanhNode {
  return freezeNode({ kind: 'tanh' });
}

export function sigmoid(): SigmoidNode {
  return freezeNode({ kind: 'sigmoid' });
}

/** Softmax over a vector's features. */
export function softmax(): SoftmaxNode {
  return freezeNode({ kind: 'softmax' });
}

/**
 * Passes x through unchanged, with no parameters and no computation: the explicit
 * pass-through branch of a concat (DenseNet: `concat(identity(), block)`) or a residual's
 * shortcut (`residual(main, identity())`, the same as leaving the shortcut out).
 */
export function identity(options: IdentityOptions = {}): IdentityNode {
  return freezeNode({ kind: 'identity', name: options.name ?? null });
}

/** Layers run in order. Arrays of layers are spliced in place. */
export function sequential(...layers: readonly (LayerItem | readonly LayerItem[])[]): SequentialNode {
  return freezeNode({ kind: 'sequential', layers: flattenLayers(layers) });
}

/** main(x) + shortcut(x); without a shortcut, the identity (ResNet). */
export function residual(main: LayerNode, shortcut?: LayerNode): ResidualNode {
  return freezeNode({ kind: 'residual', main, shortcut: shortcut ?? null });
}

/** Every branch sees x; outputs are joined along channels (Inception). */
export function concat(...branches: readonly (LayerItem | readonly LayerItem[])[]): ConcatNode {
  return freezeNode({ kind: 'concat', branches: flattenLayers(branches) });
}

/** A side classifier for training only (GoogLeNet); the main path passes x on unchanged. */
export function aux(name: string, head: LayerNode, options: AuxOptions = {}): AuxNode {
  return freezeNode({ kind: 'aux', name, head, weight: orDefault(options.weight, 0.3) });
}

/** A model: an input and the layers that run on it in order. */
export function model(name: string, inputNode: InputNode, ...layers: readonly (LayerItem | readonly LayerItem[])[]): ModelNode {
  return freezeNode({ kind: 'model', name, input: inputNode, layers: flattenLayers(layers) });
}

function toSingleLayer(value: LayerItem | readonly LayerItem[]): LayerNode {
  return Array.isArray(value) ? sequential(...(value as readonly LayerItem[])) : (value as LayerNode);
}

/** A generator ([latent] → image) and a discriminator (image → [1]) trained against each other. */
export function gan(name: string, options: GanOptions): GanNode {
  const [channels, height, width] = options.image;
  return freezeNode({
    kind: 'gan',
    name,
    latent: options.latent,
    image: Object.freeze([channels ?? null, height ?? null, width ?? null] as const),
    generator: toSingleLayer(options.generator),
    discriminator: toSingleLayer(options.discriminator),
  });
}
