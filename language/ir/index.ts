/**
 * The ConvLens IR: plain, frozen, JSON-serialisable data that every part shares.
 *
 * The DSL (language/dsl) builds it, static evaluation (language/evaluate) reproduces it
 * without running user code, the engine (language/engine) measures it and the runtime
 * compiles it. Shapes are per sample, batch implicit, channels first: images [C, H, W],
 * vectors [F].
 *
 * Every number a user writes may be `null` in the IR: static evaluation uses `null` for a
 * value it cannot know (a parameter without a default, `Math.random()`), and the engine
 * propagates it as an unknown dimension instead of failing.
 */

import type { Expr } from './symbolic';

export { add, ceilDivide, ceilOf, divide, equal, Expr, floorDivide, floorOf, isExpr, isSum, lowerBound, maximum, minimum, multiply, printDim, scale, subtract, upperBound, valueAt, type Dim } from './symbolic';

/**
 * A user-supplied number; `null` when static evaluation could not know it, an expression
 * over named symbols when it depends on a helper's parameters (see symbolic.ts).
 */
export type Num = number | Expr | null;

/** A user-supplied switch; `null` when static evaluation could not know it. */
export type Flag = boolean | null;

/** A pair along the two spatial axes, always [height, width]. */
export type Pair = readonly [Num, Num];

/** Symmetric padding per axis [ph, pw] (PyTorch), or TensorFlow's 'same' rule. */
export type ConvPadding = Pair | 'same';

/** Per-sample tensor shape, channels first; `null` for an unknown dimension. */
export type Shape = readonly Num[];

export interface InputNode {
  readonly kind: 'input';
  /** [C, H, W] for images, [F] for vectors. */
  readonly shape: Shape;
}

export interface Conv2dNode {
  readonly kind: 'conv2d';
  readonly filters: Num;
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: ConvPadding;
  readonly dilation: Pair;
  readonly groups: Num;
  readonly bias: Flag;
  readonly name: string | null;
}

export interface Conv2dTransposeNode {
  readonly kind: 'conv2dTranspose';
  readonly filters: Num;
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: ConvPadding;
  readonly outputPadding: Pair;
  readonly bias: Flag;
  readonly name: string | null;
}

export interface MaxPool2dNode {
  readonly kind: 'maxPool2d';
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: ConvPadding;
  readonly ceilMode: Flag;
  readonly name: string | null;
}

export interface AvgPool2dNode {
  readonly kind: 'avgPool2d';
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: ConvPadding;
  readonly ceilMode: Flag;
  readonly countIncludePad: Flag;
  readonly name: string | null;
}

export interface AdaptiveAvgPool2dNode {
  readonly kind: 'adaptiveAvgPool2d';
  readonly outputSize: Pair;
}

/** [C, H, W] → [C]. */
export interface GlobalAvgPool2dNode {
  readonly kind: 'globalAvgPool2d';
}

export interface FlattenNode {
  readonly kind: 'flatten';
}

export interface ReshapeNode {
  readonly kind: 'reshape';
  /** Target per-sample shape; one entry may be -1 (inferred, as in PyTorch's `view`). */
  readonly shape: Shape;
}

export interface ZeroPad2dNode {
  readonly kind: 'zeroPad2d';
  /** [top, bottom, left, right]. */
  readonly padding: readonly [Num, Num, Num, Num];
}

/** Nearest-neighbour upsampling by an integer factor per axis. */
export interface Upsample2dNode {
  readonly kind: 'upsample2d';
  readonly scale: Pair;
}

export interface DenseNode {
  readonly kind: 'dense';
  readonly units: Num;
  readonly bias: Flag;
  readonly name: string | null;
}

export interface DropoutNode {
  readonly kind: 'dropout';
  readonly rate: Num;
}

/**
 * Batch normalisation over channels (images) or features (vectors). `momentum` follows
 * PyTorch: running = (1 − momentum)·running + momentum·batch.
 */
export interface BatchNormNode {
  readonly kind: 'batchNorm';
  readonly momentum: Num;
  readonly epsilon: Num;
  readonly name: string | null;
}

/**
 * Local response normalisation across channels as in Krizhevsky et al. 2012 (and
 * TensorFlow): b = a / (k + alpha · Σ a²)^beta over `size` neighbouring channels.
 * Note that PyTorch divides alpha by size; its equivalent is alpha·size.
 */
export interface LrnNode {
  readonly kind: 'lrn';
  readonly size: Num;
  readonly alpha: Num;
  readonly beta: Num;
  readonly k: Num;
}

export interface ReluNode {
  readonly kind: 'relu';
}
/** min(max(x, 0), 6) (MobileNet). */
export interface Relu6Node {
  readonly kind: 'relu6';
  readonly name: string | null;
}
export interface LeakyReluNode {
  readonly kind: 'leakyRelu';
  readonly alpha: Num;
}
export interface TanhNode {
  readonly kind: 'tanh';
}
export interface SigmoidNode {
  readonly kind: 'sigmoid';
}
/** Softmax over the features of a vector. */
export interface SoftmaxNode {
  readonly kind: 'softmax';
}
/**
 * x passes through unchanged: the explicit pass-through branch of a concat (DenseNet) or a
 * residual's shortcut. No parameters, no computation.
 */
export interface IdentityNode {
  readonly kind: 'identity';
  readonly name: string | null;
}

export interface SequentialNode {
  readonly kind: 'sequential';
  readonly layers: readonly LayerNode[];
}

/** main(x) + shortcut(x); a `null` shortcut is the identity. */
export interface ResidualNode {
  readonly kind: 'residual';
  readonly main: LayerNode;
  readonly shortcut: LayerNode | null;
}

/** Every branch sees x; their outputs are joined along channels (Inception). */
export interface ConcatNode {
  readonly kind: 'concat';
  readonly branches: readonly LayerNode[];
}

/** A side classifier used in training only; x passes on unchanged. */
export interface AuxNode {
  readonly kind: 'aux';
  readonly name: string;
  readonly head: LayerNode;
  readonly weight: Num;
}

/**
 * A layer that static evaluation could not work out (the DSL never makes one): its output
 * shape is unknown, and `reason` says why, for the hover.
 */
export interface UnknownNode {
  readonly kind: 'unknown';
  readonly reason: string;
}

export type LayerNode =
  | UnknownNode
  | Conv2dNode
  | Conv2dTransposeNode
  | MaxPool2dNode
  | AvgPool2dNode
  | AdaptiveAvgPool2dNode
  | GlobalAvgPool2dNode
  | FlattenNode
  | ReshapeNode
  | ZeroPad2dNode
  | Upsample2dNode
  | DenseNode
  | DropoutNode
  | BatchNormNode
  | LrnNode
  | ReluNode
  | Relu6Node
  | LeakyReluNode
  | TanhNode
  | SigmoidNode
  | SoftmaxNode
  | IdentityNode
  | SequentialNode
  | ResidualNode
  | ConcatNode
  | AuxNode;

export type LayerKind = LayerNode['kind'];

/** Layers that contain other layers. */
export type ContainerNode = SequentialNode | ResidualNode | ConcatNode | AuxNode;

export interface ModelNode {
  readonly kind: 'model';
  readonly name: string;
  readonly input: InputNode;
  readonly layers: readonly LayerNode[];
}

/** A generative adversarial pair: the generator maps [latent] → image, the discriminator image → [1]. */
export interface GanNode {
  readonly kind: 'gan';
  readonly name: string;
  readonly latent: Num;
  readonly image: readonly [Num, Num, Num];
  readonly generator: LayerNode;
  readonly discriminator: LayerNode;
}

export type RootNode = ModelNode | GanNode;

export type AnyNode = LayerNode | InputNode | RootNode;

const containerKinds: ReadonlySet<string> = new Set(['sequential', 'residual', 'concat', 'aux']);

export function isContainer(node: LayerNode): node is ContainerNode {
  return containerKinds.has(node.kind);
}

/** A node's direct children in the IR tree (a model's input first); leaves have none. */
export function childrenOf(node: AnyNode): readonly AnyNode[] {
  switch (node.kind) {
    case 'model':
      return [node.input, ...node.layers];
    case 'gan':
      return [node.generator, node.discriminator];
    case 'sequential':
      return node.layers;
    case 'residual':
      return node.shortcut === null ? [node.main] : [node.main, node.shortcut];
    case 'concat':
      return node.branches;
    case 'aux':
      return [node.head];
    default: {
      // Fails to compile when a container kind is added to the IR and not above.
      const leaf: Exclude<AnyNode, RootNode | ContainerNode> = node;
      void leaf;
      return [];
    }
  }
}

/**
 * Display names of layers, as the engine reports them, `convlens summary` prints them and
 * the runtime names its TensorFlow.js layers: the user's `name` (an aux head's name), else
 * `<kind>_<n>` counted per kind in the order `nameOf` is asked (execution pre-order,
 * containers included), skipping names the user gave anywhere in the network.
 */
export class LayerNamer {
  private readonly counters = new Map<string, number>();
  private readonly userNames = new Set<string>();

  constructor(layers: readonly LayerNode[]) {
    // Iterative: a model may nest thousands of levels deep.
    const pending: AnyNode[] = [...layers];
    for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
      if (typeof node !== 'object' || node === null) continue;
      if ('name' in node && typeof node.name === 'string') this.userNames.add(node.name);
      pending.push(...childrenOf(node));
    }
  }

  /** The user's name of a node, or null when it has none. */
  static userNameOf(node: LayerNode): string | null {
    return node.kind === 'aux' ? node.name : 'name' in node ? node.name : null;
  }

  /** The next node's name, in execution (pre-)order. */
  nameOf(node: LayerNode): string {
    const userName = LayerNamer.userNameOf(node);
    if (userName !== null) return userName;
    let count = this.counters.get(node.kind) ?? 0;
    let name: string;
    do {
      count += 1;
      name = `${node.kind}_${count}`;
    } while (this.userNames.has(name));
    this.counters.set(node.kind, count);
    return name;
  }
}

/**
 * The TensorFlow.js layer name for a display name (`LayerNamer`'s), as the runtime names its
 * layers and the PyTorch export finds their weights: tfjs accepts only
 * /^[A-Za-z0-9][-A-Za-z0-9._/]*$/ in weight names (tfjs-core `isValidTensorName`), and layer
 * names must be unique in a model, so a taken name gets `_2`, `_3`, …
 */
export function toTensorFlowName(displayName: string, taken: Set<string>): string {
  let base = displayName.replace(/[^-A-Za-z0-9._]/g, '_');
  if (!/^[A-Za-z0-9]/.test(base)) base = `l${base}`;
  let name = base;
  for (let suffix = 2; taken.has(name); suffix += 1) name = `${base}_${suffix}`;
  taken.add(name);
  return name;
}

/**
 * Each node's first parent in a tree (a node object reused in two places keeps the first,
 * in pre-order). Iterative, so that a model nested thousands of levels deep (which the engine
 * reports as CL1018) cannot overflow the stack; a child that is not an object (IR that ran
 * with a layer left out) has no parent to record.
 */
export function collectParents(root: AnyNode): WeakMap<object, object> {
  const parents = new WeakMap<object, object>();
  const pending: AnyNode[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const children = childrenOf(node);
    for (let index = children.length - 1; index >= 0; index -= 1) {
      const child = children[index];
      if (typeof child !== 'object' || child === null || parents.has(child)) continue;
      parents.set(child, node);
      pending.push(child);
    }
  }
  return parents;
}

export function isRootNode(value: unknown): value is RootNode {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'model' || kind === 'gan';
}

/** Up to this many characters of a user's text (a layer or model name) are shown as they are. */
export const MAX_DISPLAY_TEXT_LENGTH = 64;
/** How much of a longer text is shown before `…`. */
const SHORTENED_TEXT_PREFIX = 40;

/**
 * A user's text as hovers, messages and tables show it: unchanged up to 64 characters,
 * else its first 40, `…` and its length (`aaaa…(32,000,000 characters)`), so that a name
 * built by doubling a string cannot make a hover of hundreds of megabytes. The IR keeps
 * the text itself. (The engine, the evaluator and the command line all show names this way.)
 */
export function shortenText(text: string): string {
  if (text.length <= MAX_DISPLAY_TEXT_LENGTH) return text;
  // Never split a surrogate pair (an emoji) in two.
  const code = text.charCodeAt(SHORTENED_TEXT_PREFIX - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? SHORTENED_TEXT_PREFIX - 1 : SHORTENED_TEXT_PREFIX;
  return `${text.slice(0, end)}…(${text.length.toLocaleString('en-US')} characters)`;
}
