/**
 * IR → TensorFlow.js LayersModel (runtime/README.md). Every IR leaf becomes exactly one
 * TensorFlow.js layer, named as the engine names it, so feature maps, weights and shapes
 * can be asked for by the names `convlens summary` shows. Containers are wired with the
 * functional API: residual → add, concat → concatenate along channels, aux → an extra
 * model output. Images are channels last inside (layout.ts).
 *
 * Models whose hyperparameters are unknown (null in the IR) cannot be built; the caller
 * checks the engine's findings first, so what remains to fail here is reported as a
 * CompileError with the layer's name.
 */
import { layers, model as functionalModel, input as symbolicInput, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { LayerNamer, toTensorFlowName, type ContainerNode, type Flag, type GanNode, type LayerNode, type ModelNode, type Num, type Pair } from 'convlens/ir';
import { channelAxis, toIrShape, toTensorShape } from './layout';
import { AdaptiveAvgPool2dLayer } from './layers/adaptive-avg-pool2d-layer';
import { BatchNormLayer } from './layers/batch-norm-layer';
import { ChannelsFirstReshapeLayer } from './layers/channels-first-reshape-layer';
import { Conv2dLayer } from './layers/conv2d-layer';
import { Conv2dTransposeLayer } from './layers/conv2d-transpose-layer';
import { toInitializer } from './layers/layer-config';
import { LrnLayer } from './layers/lrn-layer';
import { Pool2dLayer } from './layers/pool2d-layer';

type LeafNode = Exclude<LayerNode, ContainerNode>;
type TensorFlowLayer = InstanceType<typeof layers.Layer>;

/** The IR cannot be built: an unknown hyperparameter or shapes that do not fit. */
export class CompileError extends Error {
  override readonly name = 'CompileError';
}

export interface CompileOptions {
  /** Seed of every weight initialiser; null draws from tfjs's generator. */
  readonly seed?: number | null;
  /** Zeros instead of random weights: for models built only to be measured (fast, big models). */
  readonly zeros?: boolean;
}

/** One IR leaf and the TensorFlow.js layer that computes it. */
export interface CompiledLayer {
  /** The engine's structural path (`4.main.0`). */
  readonly path: string;
  /** The engine's display name. */
  readonly name: string;
  readonly node: LeafNode;
  /** Inside an auxiliary head. */
  readonly aux: boolean;
  /** The TensorFlow.js layer's name in `model`. */
  readonly layerName: string;
  /** Per-sample output shape, channels first like the engine's. */
  readonly outputShape: readonly number[];
  readonly output: SymbolicTensor;
}

export interface AuxHead {
  readonly name: string;
  readonly weight: number;
  /** The kind of the head's last layer (through identity layers): 'softmax' means its output is probabilities, not logits. */
  readonly lastLayerKind: LeafNode['kind'] | null;
}

export interface CompiledModel {
  readonly name: string;
  /** Outputs: the main output, then one per aux head in `auxHeads` order. */
  readonly model: LayersModel;
  /** The main output only (inference); shares every layer and weight with `model`. */
  readonly predictor: LayersModel;
  /** Per-sample, channels first. */
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** The kind of the main path's last layer (through identity layers): 'softmax' or 'sigmoid' mean probabilities, not logits. */
  readonly lastLayerKind: LeafNode['kind'] | null;
  readonly auxHeads: readonly AuxHead[];
  /** Every leaf in execution order (aux heads' leaves where the head sits). */
  readonly layers: readonly CompiledLayer[];
}

export interface CompiledGan {
  readonly name: string;
  readonly latent: number;
  readonly generator: CompiledModel;
  readonly discriminator: CompiledModel;
}

export function compileModel(root: ModelNode, options: CompileOptions = {}): CompiledModel {
  return compileNetwork(root.name, root.input.shape, root.layers, options);
}

/** The generator and discriminator as two models, laid out as the engine analyses them. */
export function compileGan(root: GanNode, options: CompileOptions = {}): CompiledGan {
  const latent = known(root.latent, root.name, 'latent');
  const seed = options.seed ?? null;
  const generator = compileNetwork(`${root.name}_generator`, [latent], asLayerList(root.generator), options);
  const discriminator = compileNetwork(`${root.name}_discriminator`, root.image, asLayerList(root.discriminator), {
    ...options,
    seed: seed === null ? null : seed + 100_003,
  });
  return { name: root.name, latent, generator, discriminator };
}

/** A GAN's network as a list of layers (engine/analyze.ts `asLayerList`). */
function asLayerList(network: LayerNode): readonly LayerNode[] {
  return network.kind === 'sequential' ? network.layers : [network];
}

function compileNetwork(name: string, inputShape: readonly Num[], list: readonly LayerNode[], options: CompileOptions): CompiledModel {
  const shape = inputShape.map((dimension, index) => known(dimension, 'input', `dimension ${index + 1}`));
  const builder = new NetworkBuilder(list, options);
  const input = symbolicInput({ shape: toTensorShape(shape), name: 'input' });
  let output = input;
  list.forEach((layer, index) => {
    output = builder.visit(layer, output, String(index), false);
  });
  const auxOutputs = builder.auxOutputs.map((entry) => entry.output);
  const modelName = toTensorFlowName(name, new Set());
  try {
    const model = functionalModel({ inputs: input, outputs: [output, ...auxOutputs], name: modelName });
    const predictor = auxOutputs.length === 0 ? model : functionalModel({ inputs: input, outputs: output, name: `${modelName}_predictor` });
    return {
      name,
      model,
      predictor,
      inputShape: shape,
      outputShape: toIrShape(perSample(output)),
      lastLayerKind: builder.producerKind(output, false),
      auxHeads: builder.auxOutputs.map(({ name: headName, weight, output: headOutput }) => ({
        name: headName,
        weight,
        lastLayerKind: builder.producerKind(headOutput, true),
      })),
      layers: builder.leaves,
    };
  } catch (error) {
    throw new CompileError(`cannot build ${name}: ${(error as Error).message}`);
  }
}

function perSample(tensor: SymbolicTensor): number[] {
  return tensor.shape.slice(1).map((dimension) => {
    if (dimension === null) throw new CompileError('a layer output has an unknown dimension');
    return dimension;
  });
}

function known(value: Num, layer: string, argument: string): number {
  if (value === null) throw new CompileError(`${layer}: ${argument} is unknown; the runtime needs every hyperparameter`);
  if (typeof value !== 'number') throw new CompileError(`${layer}: ${argument} is ${String(value)}, an expression of parameters; call the helper with numbers to run it`);
  return value;
}

function knownFlag(value: Flag, layer: string, argument: string): boolean {
  if (value === null) throw new CompileError(`${layer}: ${argument} is unknown; the runtime needs every hyperparameter`);
  return value;
}

function knownPair(pair: Pair, layer: string, argument: string): [number, number] {
  return [known(pair[0], layer, argument), known(pair[1], layer, argument)];
}

class NetworkBuilder {
  readonly leaves: CompiledLayer[] = [];
  readonly auxOutputs: { name: string; weight: number; output: SymbolicTensor }[] = [];
  private readonly namer: LayerNamer;
  private readonly takenNames = new Set<string>(['input']);
  /** Each identity layer's output → its input, so the last layer's kind is seen through it. */
  private readonly passedThrough = new Map<SymbolicTensor, SymbolicTensor>();
  private readonly seed: number | null;
  private readonly zeros: boolean;
  private weightedLayers = 0;

  constructor(list: readonly LayerNode[], options: CompileOptions) {
    this.namer = new LayerNamer(list);
    this.seed = options.seed ?? null;
    this.zeros = options.zeros ?? false;
  }

  visit(node: LayerNode, x: SymbolicTensor, path: string, aux: boolean): SymbolicTensor {
    const name = this.namer.nameOf(node);
    switch (node.kind) {
      case 'sequential':
        return node.layers.reduce((current, layer, index) => this.visit(layer, current, `${path}.${index}`, aux), x);
      case 'residual': {
        const main = this.visit(node.main, x, `${path}.main`, aux);
        const shortcut = node.shortcut === null ? x : this.visit(node.shortcut, x, `${path}.shortcut`, aux);
        return this.apply(layers.add({ name: this.tensorFlowName(name) }), [main, shortcut], name);
      }
      case 'concat': {
        const branches = node.branches.map((branch, index) => this.visit(branch, x, `${path}.${index}`, aux));
        if (branches.length === 1) return branches[0] as SymbolicTensor;
        const axis = channelAxis(x.shape.length - 1);
        return this.apply(layers.concatenate({ axis, name: this.tensorFlowName(name) }), branches, name);
      }
      case 'aux': {
        const output = this.visit(node.head, x, `${path}.head`, true);
        this.auxOutputs.push({ name: node.name, weight: known(node.weight, `aux '${node.name}'`, 'weight'), output });
        return x;
      }
      default: {
        const layer = this.toLeafLayer(node, x, name);
        const output = this.apply(layer, x, name);
        this.leaves.push({ path, name, node, aux, layerName: layer.name, outputShape: toIrShape(perSample(output)), output });
        if (node.kind === 'identity') this.passedThrough.set(output, x);
        return output;
      }
    }
  }

  /**
   * The kind of the leaf that computed `tensor` (on the main path, or in an aux head), looking
   * through identity layers: `softmax(), identity()` still ends in probabilities. Null when a
   * container's layer (add, concatenate) or the input computed it.
   */
  producerKind(tensor: SymbolicTensor, aux: boolean): LeafNode['kind'] | null {
    let current = tensor;
    for (;;) {
      const leaf = this.leaves.find((candidate) => (aux || !candidate.aux) && candidate.output === current);
      const input = this.passedThrough.get(current);
      if (leaf === undefined || input === undefined) return leaf?.node.kind ?? null;
      current = input;
    }
  }

  private apply(layer: TensorFlowLayer, inputs: SymbolicTensor | SymbolicTensor[], name: string): SymbolicTensor {
    try {
      return layer.apply(inputs) as SymbolicTensor;
    } catch (error) {
      throw new CompileError(`${name}: ${(error as Error).message}`);
    }
  }

  private tensorFlowName(displayName: string): string {
    return toTensorFlowName(displayName, this.takenNames);
  }

  /** A seed per weighted layer, so that a seeded model is the same whatever else was built before it. */
  private nextSeed(): number | null {
    this.weightedLayers += 1;
    return this.seed === null ? null : this.seed + 7919 * this.weightedLayers;
  }

  private toLeafLayer(node: LeafNode, x: SymbolicTensor, displayName: string): TensorFlowLayer {
    const name = this.tensorFlowName(displayName);
    const inputShape = x.shape.slice(1);
    const label = displayName;
    switch (node.kind) {
      case 'conv2d': {
        const padding = node.padding === 'same' ? 'same' : knownPair(node.padding, label, 'padding');
        return new Conv2dLayer({
          name,
          filters: known(node.filters, label, 'filters'),
          kernelSize: knownPair(node.kernelSize, label, 'kernelSize'),
          strides: knownPair(node.stride, label, 'stride'),
          padding: padding === 'same' ? 'same' : [[padding[0], padding[0]], [padding[1], padding[1]]],
          dilation: knownPair(node.dilation, label, 'dilation'),
          groups: known(node.groups, label, 'groups'),
          useBias: knownFlag(node.bias, label, 'bias'),
          seed: this.nextSeed(),
          zeros: this.zeros,
        }) as unknown as TensorFlowLayer;
      }
      case 'conv2dTranspose':
        return new Conv2dTransposeLayer({
          name,
          filters: known(node.filters, label, 'filters'),
          kernelSize: knownPair(node.kernelSize, label, 'kernelSize'),
          strides: knownPair(node.stride, label, 'stride'),
          padding: node.padding === 'same' ? 'same' : knownPair(node.padding, label, 'padding'),
          outputPadding: knownPair(node.outputPadding, label, 'outputPadding'),
          useBias: knownFlag(node.bias, label, 'bias'),
          seed: this.nextSeed(),
          zeros: this.zeros,
        }) as unknown as TensorFlowLayer;
      case 'maxPool2d':
      case 'avgPool2d': {
        const kernelSize = knownPair(node.kernelSize, label, 'kernelSize');
        const strides = knownPair(node.stride, label, 'stride');
        const padding = node.padding === 'same' ? 'same' : knownPair(node.padding, label, 'padding');
        const ceilMode = knownFlag(node.ceilMode, label, 'ceilMode');
        const plain = padding === 'same' || (padding[0] === 0 && padding[1] === 0 && !ceilMode);
        if (plain) {
          const args = { poolSize: kernelSize, strides, padding: padding === 'same' ? ('same' as const) : ('valid' as const), name };
          return node.kind === 'maxPool2d' ? layers.maxPooling2d(args) : layers.averagePooling2d(args);
        }
        return new Pool2dLayer({
          name,
          mode: node.kind === 'maxPool2d' ? 'max' : 'avg',
          kernelSize,
          strides,
          padding,
          ceilMode,
          countIncludePad: node.kind === 'avgPool2d' ? knownFlag(node.countIncludePad, label, 'countIncludePad') : true,
        }) as unknown as TensorFlowLayer;
      }
      case 'adaptiveAvgPool2d':
        return new AdaptiveAvgPool2dLayer({ name, outputSize: knownPair(node.outputSize, label, 'outputSize') }) as unknown as TensorFlowLayer;
      case 'globalAvgPool2d':
        return layers.globalAveragePooling2d({ name });
      case 'flatten': {
        const elements = inputShape.reduce<number>((product, dimension) => product * (dimension ?? Number.NaN), 1);
        return new ChannelsFirstReshapeLayer({ name, targetShape: [elements] }) as unknown as TensorFlowLayer;
      }
      case 'reshape':
        return new ChannelsFirstReshapeLayer({ name, targetShape: resolveReshape(node.shape, inputShape, label) }) as unknown as TensorFlowLayer;
      case 'zeroPad2d': {
        const [top, bottom, left, right] = node.padding.map((side) => known(side, label, 'padding')) as [number, number, number, number];
        return layers.zeroPadding2d({ padding: [[top, bottom], [left, right]], name });
      }
      case 'upsample2d':
        return layers.upSampling2d({ size: knownPair(node.scale, label, 'scale'), name });
      case 'dense': {
        const units = known(node.units, label, 'units');
        const features = inputShape[0] ?? 1;
        const seed = this.nextSeed();
        return layers.dense({
          units,
          useBias: knownFlag(node.bias, label, 'bias'),
          name,
          kernelInitializer: toInitializer(features, seed, this.zeros),
          biasInitializer: toInitializer(features, seed === null ? null : seed + 1, this.zeros),
        });
      }
      case 'dropout':
        // NOTE: no seed: tfjs-layers hands a dropout layer's seed to tf.dropout on every call,
        // which then draws the same mask at every step (a fresh seeded generator each time).
        return layers.dropout({ rate: known(node.rate, label, 'rate'), name });
      case 'batchNorm':
        return new BatchNormLayer({
          axis: channelAxis(inputShape.length),
          // Keras's momentum is the weight of the old running value; PyTorch's (the IR's) of the new.
          momentum: 1 - known(node.momentum, label, 'momentum'),
          epsilon: known(node.epsilon, label, 'epsilon'),
          name,
        });
      case 'lrn':
        return new LrnLayer({
          name,
          size: known(node.size, label, 'size'),
          alpha: known(node.alpha, label, 'alpha'),
          beta: known(node.beta, label, 'beta'),
          k: known(node.k, label, 'k'),
        }) as unknown as TensorFlowLayer;
      case 'relu':
        return layers.reLU({ name });
      case 'relu6':
        // tf.relu6: min(max(x, 0), 6), PyTorch's nn.ReLU6.
        return layers.activation({ activation: 'relu6', name });
      case 'leakyRelu':
        return layers.leakyReLU({ alpha: known(node.alpha, label, 'alpha'), name });
      case 'tanh':
        return layers.activation({ activation: 'tanh', name });
      case 'sigmoid':
        return layers.activation({ activation: 'sigmoid', name });
      case 'softmax':
        return layers.softmax({ name });
      case 'identity':
        // The linear activation returns its input: a layer of its own (named as the engine
        // names it, so its feature maps can be asked for) with no weights and no computation.
        return layers.activation({ activation: 'linear', name });
      case 'unknown':
        throw new CompileError(`${label}: the layer could not be worked out (${node.reason})`);
      default: {
        const unreachable: never = node;
        return unreachable;
      }
    }
  }
}

/** reshape(...dims) with its one −1 resolved (PyTorch `view`), in the IR's channels-first terms. */
function resolveReshape(target: readonly Num[], tensorShape: readonly (number | null)[], label: string): number[] {
  const elements = tensorShape.reduce<number>((product, dimension) => product * (dimension ?? Number.NaN), 1);
  const dims = target.map((dimension) => known(dimension, label, 'dims'));
  const knownProduct = dims.filter((dimension) => dimension !== -1).reduce((product, dimension) => product * dimension, 1);
  const resolved = dims.map((dimension) => (dimension === -1 ? elements / knownProduct : dimension));
  const total = resolved.reduce((product, dimension) => product * dimension, 1);
  if (!Number.isInteger(total) || total !== elements) {
    throw new CompileError(`${label}: cannot reshape ${elements} elements to [${target.join(', ')}]`);
  }
  return resolved;
}
