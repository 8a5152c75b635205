/**
 * IR + the engine's analysis → what model.py builds for one network: a tree of PyTorch
 * modules that mirrors the DSL structure, and where every weight of a ConvLens checkpoint
 * goes in the module's state_dict.
 *
 * Module names follow the engine's structural paths: a network is an nn.Sequential over
 * its layer list, a sequential is an nn.Sequential, a residual has `main` and `shortcut`,
 * a concat is a ModuleList of its branches, an aux head has `head`. So the state_dict key
 * of a layer is its engine path (`5.main.0`) plus the parameter's name.
 */
import { isContainer, type ContainerNode, type LayerNode, type Num, type Pair, type Shape } from '../../language/ir/index';
import { formatCount, formatShape, type LayerReport, type ModelAnalysis } from '../../language/engine/index';
import { ExportError } from './export-error';
import type { HelperName } from './python-helpers';
import { toPythonFloat, toPythonNumber, toPythonPair } from './python-syntax';
import { toTensorFlowLayerNames } from './tensorflow-names';

type LeafNode = Exclude<LayerNode, ContainerNode>;

/** One tensor of a checkpoint and where it goes in the PyTorch module. */
export interface WeightEntry {
  /** The weight's name in a ConvLens (TensorFlow.js) checkpoint: `conv2d_1/kernel`. */
  readonly tensorflowName: string;
  /** Its shape there (channels last: a conv kernel is [kh, kw, in, out]). */
  readonly tensorflowShape: readonly number[];
  /** Its key in the exported module's state_dict: `0.weight`. */
  readonly torchKey: string;
  readonly torchShape: readonly number[];
  /** torch = tensorflow.permute(permutation); null when both layouts agree. */
  readonly permutation: readonly number[] | null;
  /** False for batch-norm running statistics. */
  readonly trainable: boolean;
}

interface PlanBase {
  /** Engine path; also the module's key in the state_dict. */
  readonly path: string;
  /** Engine display name. */
  readonly name: string;
  readonly output: readonly number[];
}

export type ModulePlan =
  | (PlanBase & { readonly kind: 'leaf'; readonly construct: string; readonly note: string | null })
  | (PlanBase & { readonly kind: 'sequential'; readonly children: readonly ModulePlan[] })
  | (PlanBase & { readonly kind: 'residual'; readonly main: ModulePlan; readonly shortcut: ModulePlan | null })
  | (PlanBase & { readonly kind: 'concat'; readonly branches: readonly ModulePlan[] })
  | (PlanBase & { readonly kind: 'aux'; readonly auxName: string; readonly weight: number; readonly head: ModulePlan });

/** What a network's output passes through last, which decides train.py's loss. */
export type OutputActivation = 'softmax' | 'sigmoid' | 'tanh' | null;

export interface AuxHeadPlan {
  readonly name: string;
  readonly weight: number;
  /** Python expression that reaches the Aux module from the network: `self[10]`. */
  readonly accessor: string;
  readonly output: readonly number[];
  readonly activation: OutputActivation;
}

export interface NetworkPlan {
  /** The Python class. */
  readonly className: string;
  /** What the docstring calls it: the model's name, or `dcgan generator`. */
  readonly title: string;
  readonly input: readonly number[];
  readonly output: readonly number[];
  readonly layers: readonly ModulePlan[];
  readonly auxHeads: readonly AuxHeadPlan[];
  readonly activation: OutputActivation;
  /** In the order TensorFlow.js saves them: every trainable weight, then the running statistics. */
  readonly weights: readonly WeightEntry[];
  readonly helpers: ReadonlySet<HelperName>;
  /** The engine's counts, which the exported module reproduces. */
  readonly trainable: number;
  readonly nonTrainable: number;
}

/** Plans one network (a model, or one side of a GAN) from its analysis. Throws ExportError. */
export function planNetwork(analysis: ModelAnalysis, className: string, title: string, subject: string): NetworkPlan {
  const reports = new Map<string, LayerReport>(analysis.layers.map((report) => [report.path, report]));
  const reportAt = (path: string): LayerReport => {
    const report = reports.get(path);
    if (report === undefined) throw new Error(`[convlens] the engine has no report for path ${path}`);
    return report;
  };
  const planner = new Planner(subject, reportAt, toTensorFlowLayerNames(analysis.root.layers, (path) => reportAt(path).name));
  const input = planner.knownShape(analysis.input, 'its input', null);
  const layers = analysis.root.layers.map((layer, index) => planner.visit(layer, String(index)));
  const output = planner.knownShape(analysis.output, 'its output', null);
  const trainable = analysis.params.trainable;
  const nonTrainable = analysis.params.nonTrainable;
  if (typeof trainable !== 'number' || typeof nonTrainable !== 'number') throw new ExportError(`cannot export ${subject}: its parameter count is unknown`, 'unknownValue');
  return {
    className,
    title,
    input,
    output,
    layers,
    auxHeads: planner.auxHeads,
    activation: lastActivation(analysis.root.layers),
    weights: [...planner.weights.filter((entry) => entry.trainable), ...planner.weights.filter((entry) => !entry.trainable)],
    helpers: planner.helpers,
    trainable,
    nonTrainable,
  };
}

/** `5.main.0` → `self[5].main[0]`: how Python code reaches the module at an engine path. */
export function toAccessor(path: string): string {
  return path
    .split('.')
    .reduce((expression, segment) => (/^[0-9]+$/.test(segment) ? `${expression}[${segment}]` : `${expression}.${segment}`), 'self');
}

function lastActivation(layers: readonly LayerNode[]): OutputActivation {
  const found = lastActivationIn(layers);
  return found === 'passesThrough' ? null : found;
}

/**
 * What the last layer that computes something applies, as the runtime finds it
 * (runtime/compile.ts `producerKind`): aux heads, identity layers and empty sequentials pass
 * their input on, so the layer before them decides.
 */
function lastActivationIn(layers: readonly LayerNode[]): OutputActivation | 'passesThrough' {
  for (let index = layers.length - 1; index >= 0; index -= 1) {
    const layer = layers[index] as LayerNode;
    switch (layer.kind) {
      case 'aux':
      case 'identity':
        continue;
      case 'sequential': {
        const found = lastActivationIn(layer.layers);
        if (found === 'passesThrough') continue;
        return found;
      }
      case 'softmax':
      case 'sigmoid':
      case 'tanh':
        return layer.kind;
      default:
        return null;
    }
  }
  return 'passesThrough';
}

class Planner {
  readonly weights: WeightEntry[] = [];
  readonly helpers = new Set<HelperName>();
  readonly auxHeads: AuxHeadPlan[] = [];

  constructor(
    private readonly subject: string,
    private readonly reportAt: (path: string) => LayerReport,
    private readonly tensorflowNames: ReadonlyMap<string, string>,
  ) {}

  visit(node: LayerNode, path: string): ModulePlan {
    const report = this.reportAt(path);
    if (!isContainer(node)) {
      // The layer's own unknowns first: they say more than the unknown output they cause.
      const leaf = this.toLeaf(node, report);
      return { kind: 'leaf', path, name: report.name, output: this.knownShape(report.output, 'its output', report), ...leaf };
    }
    const output = this.knownShape(report.output, 'its output', report);
    const base = { path, name: report.name, output };
    switch (node.kind) {
      case 'sequential':
        return { ...base, kind: 'sequential', children: node.layers.map((layer, index) => this.visit(layer, `${path}.${index}`)) };
      case 'residual':
        this.helpers.add('Residual');
        return {
          ...base,
          kind: 'residual',
          main: this.visit(node.main, `${path}.main`),
          shortcut: node.shortcut === null ? null : this.visit(node.shortcut, `${path}.shortcut`),
        };
      case 'concat':
        this.helpers.add('Concat');
        return { ...base, kind: 'concat', branches: node.branches.map((branch, index) => this.visit(branch, `${path}.${index}`)) };
      case 'aux': {
        this.helpers.add('Aux');
        const weight = this.known(node.weight, 'weight', report);
        const head = this.visit(node.head, `${path}.head`);
        this.auxHeads.push({
          name: node.name,
          weight,
          accessor: toAccessor(path),
          output: head.output,
          activation: lastActivation([node.head]),
        });
        return { ...base, kind: 'aux', auxName: node.name, weight, head };
      }
      default: {
        const unreachable: never = node;
        return unreachable;
      }
    }
  }

  knownShape(shape: Shape | null, what: string, report: LayerReport | null): number[] {
    if (shape === null || shape.some((dim) => typeof dim !== 'number')) {
      const where = report === null ? '' : ` of layer ${describe(report)}`;
      throw new ExportError(
        `cannot export ${this.subject}: the shape of ${what}${where} is unknown (${formatShape(shape)}); give every size a value, or export with --execute`,
        'unknownValue',
      );
    }
    return shape as number[];
  }

  private known(value: Num, argument: string, report: LayerReport): number {
    if (typeof value !== 'number') {
      throw new ExportError(
        `cannot export ${this.subject}: ${argument} of layer ${describe(report)} is unknown; give it a value, or export with --execute`,
        'unknownValue',
      );
    }
    return value;
  }

  private knownFlag(value: boolean | null, argument: string, report: LayerReport): boolean {
    if (value === null) {
      throw new ExportError(
        `cannot export ${this.subject}: ${argument} of layer ${describe(report)} is unknown; give it a value, or export with --execute`,
        'unknownValue',
      );
    }
    return value;
  }

  private knownPair(pair: Pair, argument: string, report: LayerReport): [number, number] {
    return [this.known(pair[0], argument, report), this.known(pair[1], argument, report)];
  }

  private addWeight(
    report: LayerReport,
    tensorflowWeight: string,
    torchName: string,
    tensorflowShape: readonly number[],
    permutation: readonly number[] | null,
    trainable = true,
  ): void {
    const layerName = this.tensorflowNames.get(report.path);
    if (layerName === undefined) throw new Error(`[convlens] no TensorFlow.js name for path ${report.path}`);
    const torchShape = permutation === null ? [...tensorflowShape] : permutation.map((axis) => tensorflowShape[axis] as number);
    this.weights.push({
      tensorflowName: `${layerName}/${tensorflowWeight}`,
      tensorflowShape,
      torchKey: `${report.path}.${torchName}`,
      torchShape,
      permutation,
      trainable,
    });
  }

  private toLeaf(node: LeafNode, report: LayerReport): { construct: string; note: string | null } {
    const input = this.knownShape(report.input, 'its input', report);
    const [channels = 0] = input;
    switch (node.kind) {
      case 'conv2d': {
        const filters = this.known(node.filters, 'filters', report);
        const kernel = this.knownPair(node.kernelSize, 'kernelSize', report);
        const stride = this.knownPair(node.stride, 'stride', report);
        const dilation = this.knownPair(node.dilation, 'dilation', report);
        const groups = this.known(node.groups, 'groups', report);
        const bias = this.knownFlag(node.bias, 'bias', report);
        // TensorFlow.js keeps the kernel as [kh, kw, in / groups, out] (runtime/layers/conv2d-layer.ts),
        // PyTorch as [out, in / groups, kh, kw]; both split groups along the filters in order.
        this.addWeight(report, 'kernel', 'weight', [...kernel, channels / groups, filters], [3, 2, 0, 1]);
        if (bias) this.addWeight(report, 'bias', 'bias', [filters], null);
        const options = [
          keyword('kernel_size', toPythonPair(kernel)),
          optional('stride', stride, [1, 1]),
          optional('dilation', dilation, [1, 1]),
          groups === 1 ? null : keyword('groups', String(groups)),
          bias ? null : keyword('bias', 'False'),
        ];
        if (node.padding !== 'same') {
          const padding = this.knownPair(node.padding, 'padding', report);
          return { construct: call('nn.Conv2d', [String(channels), String(filters), ...insertAfter(options, 1, optional('padding', padding, [0, 0]))]), note: null };
        }
        // With stride 1, 'same' pads dilation·(k − 1) in total whatever the input size; when that
        // is even it is PyTorch's symmetric padding. Otherwise it depends on the input size.
        const extent = [dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)] as const;
        if (stride[0] === 1 && stride[1] === 1 && extent[0] % 2 === 0 && extent[1] % 2 === 0) {
          const padding: [number, number] = [extent[0] / 2, extent[1] / 2];
          return { construct: call('nn.Conv2d', [String(channels), String(filters), ...insertAfter(options, 1, optional('padding', padding, [0, 0]))]), note: "'same'" };
        }
        this.helpers.add('Conv2dSame');
        return { construct: call('Conv2dSame', [String(channels), String(filters), ...options]), note: "'same'" };
      }
      case 'conv2dTranspose': {
        const filters = this.known(node.filters, 'filters', report);
        const kernel = this.knownPair(node.kernelSize, 'kernelSize', report);
        const stride = this.knownPair(node.stride, 'stride', report);
        const bias = this.knownFlag(node.bias, 'bias', report);
        // TensorFlow.js: [kh, kw, out, in] (runtime/layers/conv2d-transpose-layer.ts); PyTorch: [in, out, kh, kw].
        this.addWeight(report, 'kernel', 'weight', [...kernel, filters, channels], [3, 2, 0, 1]);
        if (bias) this.addWeight(report, 'bias', 'bias', [filters], null);
        const biasOption = bias ? null : keyword('bias', 'False');
        const transposed = (padding: readonly [number, number], outputPadding: readonly [number, number]): string =>
          call('nn.ConvTranspose2d', [
            String(channels),
            String(filters),
            keyword('kernel_size', toPythonPair(kernel)),
            optional('stride', stride, [1, 1]),
            optional('padding', padding, [0, 0]),
            optional('output_padding', outputPadding, [0, 0]),
            biasOption,
          ]);
        if (node.padding !== 'same') {
          const padding = this.knownPair(node.padding, 'padding', report);
          const outputPadding = this.knownPair(node.outputPadding, 'outputPadding', report);
          return { construct: transposed(padding, outputPadding), note: null };
        }
        // 'same' (out = in·stride): the transposed 'same' convolution pads max(k − stride, 0) in
        // total, the odd pixel after; PyTorch's symmetric padding does it when that is even.
        const total = [Math.max(kernel[0] - stride[0], 0), Math.max(kernel[1] - stride[1], 0)] as const;
        if (total[0] % 2 === 0 && total[1] % 2 === 0) {
          const padding: [number, number] = [total[0] / 2, total[1] / 2];
          const outputPadding: [number, number] = [Math.max(stride[0] - kernel[0], 0), Math.max(stride[1] - kernel[1], 0)];
          return { construct: transposed(padding, outputPadding), note: "'same'" };
        }
        this.helpers.add('ConvTranspose2dSame');
        return {
          construct: call('ConvTranspose2dSame', [String(channels), String(filters), `(${kernel.join(', ')})`, `(${stride.join(', ')})`, biasOption]),
          note: "'same'",
        };
      }
      case 'maxPool2d':
      case 'avgPool2d': {
        const kernel = this.knownPair(node.kernelSize, 'kernelSize', report);
        const stride = this.knownPair(node.stride, 'stride', report);
        const isMax = node.kind === 'maxPool2d';
        const className = isMax ? 'nn.MaxPool2d' : 'nn.AvgPool2d';
        if (node.padding === 'same') {
          // TensorFlow's 'same' pooling: padding never wins a maximum and never counts in an average.
          const total = [kernel[0] - 1, kernel[1] - 1] as const;
          if (stride[0] === 1 && stride[1] === 1 && total[0] % 2 === 0 && total[1] % 2 === 0) {
            const padding: [number, number] = [total[0] / 2, total[1] / 2];
            return {
              construct: call(className, [
                toPythonPair(kernel),
                keyword('stride', '1'),
                optional('padding', padding, [0, 0]),
                isMax ? null : keyword('count_include_pad', 'False'),
              ]),
              note: "'same'",
            };
          }
          const helper = isMax ? 'MaxPool2dSame' : 'AvgPool2dSame';
          this.helpers.add(helper);
          return { construct: call(helper, [`(${kernel.join(', ')})`, keyword('stride', `(${stride.join(', ')})`)]), note: "'same'" };
        }
        const padding = this.knownPair(node.padding, 'padding', report);
        const ceilMode = this.knownFlag(node.ceilMode, 'ceilMode', report);
        const countIncludePad = node.kind === 'avgPool2d' ? this.knownFlag(node.countIncludePad, 'countIncludePad', report) : true;
        return {
          construct: call(className, [
            toPythonPair(kernel),
            // PyTorch's pools default to stride = kernel_size, as ConvLens's do.
            optional('stride', stride, kernel),
            optional('padding', padding, [0, 0]),
            ceilMode ? keyword('ceil_mode', 'True') : null,
            countIncludePad ? null : keyword('count_include_pad', 'False'),
          ]),
          note: null,
        };
      }
      case 'adaptiveAvgPool2d':
        return { construct: call('nn.AdaptiveAvgPool2d', [toPythonPair(this.knownPair(node.outputSize, 'outputSize', report))]), note: null };
      case 'globalAvgPool2d':
        this.helpers.add('GlobalAvgPool2d');
        return { construct: 'GlobalAvgPool2d()', note: null };
      case 'flatten':
        // Channels first, as the IR (and the runtime's flatten) orders the features.
        return { construct: 'nn.Flatten()', note: null };
      case 'reshape': {
        this.helpers.add('Reshape');
        const target = this.knownShape(report.output, 'its output', report);
        return { construct: call('Reshape', target.map(String)), note: null };
      }
      case 'zeroPad2d': {
        const [top, bottom, left, right] = node.padding.map((side) => this.known(side, 'padding', report)) as [number, number, number, number];
        // ConvLens: [top, bottom, left, right]; PyTorch: (left, right, top, bottom).
        const same = top === bottom && top === left && top === right;
        return { construct: call('nn.ZeroPad2d', [same ? String(top) : `(${left}, ${right}, ${top}, ${bottom})`]), note: null };
      }
      case 'upsample2d': {
        const scale = this.knownPair(node.scale, 'scale', report);
        return { construct: call('nn.Upsample', [keyword('scale_factor', toPythonPair(scale)), keyword('mode', "'nearest'")]), note: null };
      }
      case 'dense': {
        const units = this.known(node.units, 'units', report);
        const bias = this.knownFlag(node.bias, 'bias', report);
        // TensorFlow.js: [in, out]; PyTorch: [out, in]. The runtime flattens channels first
        // (runtime/layers/channels-first-reshape-layer.ts), so the rows need no permutation.
        this.addWeight(report, 'kernel', 'weight', [channels, units], [1, 0]);
        if (bias) this.addWeight(report, 'bias', 'bias', [units], null);
        return { construct: call('nn.Linear', [String(channels), String(units), bias ? null : keyword('bias', 'False')]), note: null };
      }
      case 'dropout':
        return { construct: call('nn.Dropout', [toPythonFloat(this.known(node.rate, 'rate', report))]), note: null };
      case 'batchNorm': {
        const momentum = this.known(node.momentum, 'momentum', report);
        const epsilon = this.known(node.epsilon, 'epsilon', report);
        const className = input.length <= 2 ? 'nn.BatchNorm1d' : input.length === 3 ? 'nn.BatchNorm2d' : input.length === 4 ? 'nn.BatchNorm3d' : null;
        if (className === null) throw new ExportError(`cannot export ${this.subject}: PyTorch has no batch norm for the ${input.length}-D input of layer ${describe(report)}`, 'unsupported');
        this.addWeight(report, 'gamma', 'weight', [channels], null);
        this.addWeight(report, 'beta', 'bias', [channels], null);
        this.addWeight(report, 'moving_mean', 'running_mean', [channels], null, false);
        this.addWeight(report, 'moving_variance', 'running_var', [channels], null, false);
        // Both use PyTorch's convention: running = (1 − momentum)·running + momentum·batch.
        return {
          construct: call(className, [
            String(channels),
            epsilon === 1e-5 ? null : keyword('eps', toPythonNumber(epsilon)),
            momentum === 0.1 ? null : keyword('momentum', toPythonNumber(momentum)),
          ]),
          note: null,
        };
      }
      case 'lrn': {
        const size = this.known(node.size, 'size', report);
        const alpha = this.known(node.alpha, 'alpha', report);
        const beta = this.known(node.beta, 'beta', report);
        const k = this.known(node.k, 'k', report);
        // PyTorch divides alpha by the window size, ConvLens (the AlexNet paper, TensorFlow)
        // does not. An even size has no centre: the runtime widens it to the next odd size
        // (runtime/layers/lrn-layer.ts), and so does the export, to compute the same.
        const window = size % 2 === 1 ? size : size + 1;
        return {
          construct: call('nn.LocalResponseNorm', [
            String(window),
            keyword('alpha', toPythonNumber(alpha * window)),
            keyword('beta', toPythonNumber(beta)),
            keyword('k', toPythonFloat(k)),
          ]),
          note: `alpha ${toPythonNumber(alpha)}·${window}${window === size ? '' : `, size ${size} widened to ${window}`}`,
        };
      }
      case 'relu':
        return { construct: 'nn.ReLU()', note: null };
      case 'relu6':
        return { construct: 'nn.ReLU6()', note: null };
      case 'identity':
        return { construct: 'nn.Identity()', note: null };
      case 'leakyRelu': {
        const alpha = this.known(node.alpha, 'alpha', report);
        return { construct: alpha === 0.01 ? 'nn.LeakyReLU()' : call('nn.LeakyReLU', [toPythonNumber(alpha)]), note: null };
      }
      case 'tanh':
        return { construct: 'nn.Tanh()', note: null };
      case 'sigmoid':
        return { construct: 'nn.Sigmoid()', note: null };
      case 'softmax':
        // Over a vector's features; for other ranks over the last axis, as the runtime does.
        return { construct: input.length === 1 ? 'nn.Softmax(dim=1)' : 'nn.Softmax(dim=-1)', note: null };
      case 'unknown':
        throw new ExportError(`cannot export ${this.subject}: layer ${describe(report)} could not be worked out (${node.reason}); export with --execute`, 'unknownValue');
      default: {
        const unreachable: never = node;
        return unreachable;
      }
    }
  }
}

/** `conv2d_3 (path 5.main.0)`: a layer as `convlens summary` shows it. */
function describe(report: LayerReport): string {
  return `${report.name} (path ${report.path})`;
}

function keyword(name: string, value: string): string {
  return `${name}=${value}`;
}

/** `stride=2` unless the pair is the default. */
function optional(name: string, pair: readonly [number, number], fallback: readonly [number, number]): string | null {
  return pair[0] === fallback[0] && pair[1] === fallback[1] ? null : keyword(name, toPythonPair(pair));
}

function insertAfter(items: readonly (string | null)[], index: number, item: string | null): (string | null)[] {
  return [...items.slice(0, index + 1), item, ...items.slice(index + 1)];
}

function call(callee: string, args: readonly (string | null)[]): string {
  return `${callee}(${args.filter((arg): arg is string => arg !== null).join(', ')})`;
}

/** The engine's counts as the docstring shows them. */
export function describeCounts(plan: NetworkPlan): string {
  return `${formatCount(plan.trainable)} trainable parameters, ${formatCount(plan.nonTrainable)} batch-norm running statistics`;
}
