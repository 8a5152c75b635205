/**
 * The engine's entry point: IR in, every node's shapes, parameters, MACs and receptive field
 * out, with findings instead of exceptions. Leaf layers are evaluated by leaf-layers.ts;
 * this file walks the tree, merges branches and adds up the totals.
 */
import type { AnyNode, ConcatNode, ContainerNode, GanNode, LayerNode, ModelNode, Num, ResidualNode, RootNode, Shape } from '../ir';
import { equal, isContainer, LayerNamer } from '../ir';
import { formatShape, shortenText } from './format';
import { FINDING_CODES, type FindingKind, messages } from './findings';
import { callLabel, elementsOf, evaluateLeaf, type LeafContext } from './leaf-layers';
import { INPUT_FIELD, jumpsDiffer, mergeFields } from './receptive-field';
import type { Analysis, Finding, GanAnalysis, LayerReport, ModelAnalysis, ReceptiveField } from './types';
import { MAX_LAYER_REPORTS, MAX_NESTING_DEPTH, measureTree } from './tree-extent';
import { isGreater, isPositiveInteger, product, productOf, sum, sumOf } from './unknown-arithmetic';

const BYTES_PER_FLOAT32 = 4;
/** Adam keeps two moment estimates per trainable parameter; with the gradient, three extra copies. */
const TRAINING_COPIES_PER_TRAINABLE = 3;

/** Analyses a model or a GAN. Never throws on user input: problems become findings. */
export function analyze(root: RootNode): Analysis {
  return root.kind === 'gan' ? analyzeGan(root) : analyzeModel(root);
}

interface Flow {
  readonly shape: Shape | null;
  readonly field: ReceptiveField | null;
}

type MutableReport = { -readonly [K in keyof LayerReport]: LayerReport[K] };

/**
 * Whether two shapes differ for every value of their symbols (true), agree or are unknown
 * (false), or agree only for some values ('depends': the dimensions that must be equal).
 */
function shapesDisagree(a: Shape | null, b: Shape | null): boolean | { readonly depends: readonly (readonly [Num, Num])[] } {
  if (a === null || b === null) return false;
  if (a.length !== b.length) return true;
  const depends: [Num, Num][] = [];
  for (const [index, dim] of a.entries()) {
    const other = b[index] ?? null;
    if (dim === null || other === null) continue;
    if (typeof dim === 'number' && typeof other === 'number') {
      if (dim !== other) return true;
      continue;
    }
    if (equal(dim, other)) continue;
    // Different expressions: never equal when one is larger for every value of the symbols.
    if (isGreater(dim, other) === true || isGreater(other, dim) === true) return true;
    depends.push([dim, other]);
  }
  return depends.length === 0 ? false : { depends };
}

function isSpatial(shape: Shape | null): boolean {
  return shape !== null && shape.length === 3;
}

/** The fix for a residual whose branches disagree, naming the projection that would match. */
function projectionFix(input: Shape | null, main: Shape | null, hasShortcut: boolean): string {
  if (input === null || main === null || input.length !== 3 || main.length !== 3) {
    return 'Make both branches produce the same shape.';
  }
  const inputHeight = input[1] ?? null;
  const filters = main[0] ?? null;
  const outputHeight = main[1] ?? null;
  const stride =
    typeof inputHeight === 'number' && typeof outputHeight === 'number' && outputHeight > 0 && inputHeight % outputHeight === 0
      ? inputHeight / outputHeight
      : null;
  const strideText = stride !== null && stride !== 1 ? ` with stride ${stride} and` : ' with';
  const call = `conv2d(${filters ?? '?'}, 1${stride !== null && stride !== 1 ? `, { stride: ${stride} }` : ''})`;
  return hasShortcut
    ? `Make the shortcut produce ${formatShape(main)}, e.g. a 1×1 conv2d${strideText} ${filters ?? '?'} filters: ${call}.`
    : `Give the shortcut a 1×1 conv2d${strideText} ${filters ?? '?'} filters: residual(main, ${call}).`;
}

class ModelWalker {
  readonly reports: MutableReport[] = [];
  readonly findings: Finding[] = [];
  /** Field of the last spatial output on the main path, in post-order so merged branches win. */
  lastSpatialField: ReceptiveField | null = null;
  private readonly namer: LayerNamer;
  private readonly namedAt = new Map<string, string>();

  constructor(layers: readonly LayerNode[]) {
    this.namer = new LayerNamer(layers);
  }

  report(kind: FindingKind, message: string, node: AnyNode, path: string): void {
    const { code, severity } = FINDING_CODES[kind];
    this.findings.push({ code, severity, message, node, path });
  }

  /** The user's name (reported when another layer has it too), or `<kind>_<n>` skipping names the user took. */
  private displayName(node: LayerNode, path: string): string {
    const userName = LayerNamer.userNameOf(node);
    if (userName !== null) {
      if (this.namedAt.has(userName)) this.report('duplicateName', messages.duplicateName(userName), node, path);
      this.namedAt.set(userName, path);
    }
    return this.namer.nameOf(node);
  }

  /**
   * Evaluates a node and what it contains, and adds its report to `siblings` (its parent's
   * children). Recursive, but measureTree has bounded the depth first (MAX_NESTING_DEPTH).
   */
  visit(node: LayerNode, flow: Flow, path: string, depth: number, aux: boolean, siblings: MutableReport[] = []): Flow {
    const report: MutableReport = {
      node,
      path,
      name: this.displayName(node, path),
      depth,
      container: isContainer(node),
      aux,
      input: flow.shape,
      output: null,
      params: { trainable: 0, nonTrainable: 0, formula: null },
      macs: 0,
      receptiveField: null,
      activations: null,
    };
    this.reports.push(report);
    siblings.push(report);
    const children: MutableReport[] = [];
    let result: Flow;
    if (isContainer(node)) {
      result = this.evaluateContainer(node, flow, path, depth, aux, children);
    } else {
      const context: LeafContext = { report: (kind, message) => this.report(kind, message, node, path) };
      const leaf = evaluateLeaf(node, flow.shape, flow.field, context);
      report.params = leaf.params;
      report.macs = leaf.macs;
      result = { shape: leaf.output, field: leaf.field };
    }
    report.output = result.shape;
    report.receptiveField = isSpatial(result.shape) ? result.field : null;
    report.activations = elementsOf(result.shape);
    if (report.container) {
      // Its children's reports already hold the sums of their own leaves: adding those up is
      // linear in the model (re-reading every descendant of every container was quadratic).
      report.params = {
        trainable: sumOf(children.map((child) => child.params.trainable)),
        nonTrainable: sumOf(children.map((child) => child.params.nonTrainable)),
        formula: null,
      };
      report.macs = sumOf(children.map((child) => child.macs));
    }
    if (!aux && report.receptiveField !== null) this.lastSpatialField = report.receptiveField;
    return { shape: result.shape, field: report.receptiveField };
  }

  // Each container kind in a method of its own, and loops rather than forEach: this
  // recursion runs MAX_NESTING_DEPTH levels deep, so its frames are kept small.
  private evaluateContainer(node: ContainerNode, flow: Flow, path: string, depth: number, aux: boolean, children: MutableReport[]): Flow {
    switch (node.kind) {
      case 'sequential': {
        let current = flow;
        const { layers } = node;
        for (let index = 0; index < layers.length; index += 1) current = this.visit(layers[index]!, current, `${path}.${index}`, depth + 1, aux, children);
        return current;
      }
      case 'residual':
        return this.evaluateResidual(node, flow, path, depth, aux, children);
      case 'concat':
        return this.evaluateConcat(node, flow, path, depth, aux, children);
      case 'aux':
        this.visit(node.head, flow, `${path}.head`, depth + 1, true, children);
        return flow;
      default: {
        const unreachable: never = node;
        return unreachable;
      }
    }
  }

  private evaluateResidual(node: ResidualNode, flow: Flow, path: string, depth: number, aux: boolean, children: MutableReport[]): Flow {
    const main = this.visit(node.main, flow, `${path}.main`, depth + 1, aux, children);
    const shortcut = node.shortcut === null ? flow : this.visit(node.shortcut, flow, `${path}.shortcut`, depth + 1, aux, children);
    const disagree = shapesDisagree(main.shape, shortcut.shape);
    if (disagree === true) {
      const fix = projectionFix(flow.shape, main.shape, node.shortcut !== null);
      this.report('residualMismatch', messages.residualMismatch(main.shape, shortcut.shape, fix), node, path);
    } else if (disagree !== false) {
      this.report('agreesOnlyWhen', messages.agreesOnlyWhen('residual', main.shape, shortcut.shape, disagree.depends), node, path);
    }
    return { shape: main.shape, field: this.mergeBranchFields([main, shortcut], disagree === false, node, path) };
  }

  private evaluateConcat(node: ConcatNode, flow: Flow, path: string, depth: number, aux: boolean, children: MutableReport[]): Flow {
    const branches = node.branches.map((branch, index) => this.visit(branch, flow, `${path}.${index}`, depth + 1, aux, children));
    const shape = this.concatShape(branches, node, path);
    return { shape, field: this.mergeBranchFields(branches, shape !== null, node, path) };
  }

  /** Merges the branches' fields; warns about differing jumps only where the shapes agree (else that error says enough). */
  private mergeBranchFields(branches: readonly Flow[], shapesAgree: boolean, node: ContainerNode, path: string): ReceptiveField | null {
    const fields = branches.map((branch) => branch.field).filter((field): field is ReceptiveField => field !== null);
    if (fields.length !== branches.length) return null;
    if (shapesAgree && jumpsDiffer(fields)) {
      const where = node.kind === 'residual' ? 'residual' : 'concat';
      const jumps = fields.map((field) => `${field.jump[0] ?? '?'}×${field.jump[1] ?? '?'}`).join(' vs ');
      this.report('branchJumpsDiffer', messages.branchJumpsDiffer(where, jumps), node, path);
    }
    return mergeFields(fields);
  }

  /** Channels add up; every branch must keep the same rank and spatial size. */
  private concatShape(branches: readonly Flow[], node: LayerNode, path: string): Shape | null {
    const shapes = branches.map((branch) => branch.shape);
    const first = shapes[0];
    if (first === undefined || first === null) return null;
    for (const [index, shape] of shapes.entries()) {
      if (shape === null) continue;
      const disagree = shape.length !== first.length || shapesDisagree(shape.slice(1), first.slice(1));
      if (disagree === true) {
        this.report('concatMismatch', messages.concatMismatch(first, 0, shape, index), node, path);
        return null;
      }
      if (disagree !== false) this.report('agreesOnlyWhen', messages.agreesOnlyWhen('concat', first, shape, disagree.depends), node, path);
    }
    const channels = sumOf(shapes.map((shape) => (shape === null ? null : (shape[0] ?? null))));
    return [channels, ...first.slice(1)];
  }
}

interface ModelOptions {
  /** Where findings about the input belong (a GAN's generator input is its `latent` argument). */
  readonly inputOwner?: AnyNode;
}

export function analyzeModel(model: ModelNode, options: ModelOptions = {}): ModelAnalysis {
  const inputShape = model.input.shape;
  const inputOwner = options.inputOwner ?? model.input;
  const modelOwner = options.inputOwner ?? model;
  // Measured first, without recursion: the walk below and LayerNamer recurse over the tree
  // and visit every use of a reused layer, so only a tree within both limits is walked.
  const extent = measureTree(model.layers);
  const walkable = extent.malformedAt === null && extent.tooDeepAt === null && extent.size <= MAX_LAYER_REPORTS;
  const walker = new ModelWalker(walkable ? model.layers : []);
  inputShape.forEach((dim, index) => {
    if (dim !== null && !isPositiveInteger(dim)) {
      walker.report('invalidValue', messages.invalidValue('input', `dimension ${index + 1}`, 'a positive integer', dim), inputOwner, 'input');
    }
  });
  const shape: Shape = inputShape.map((dim) => (dim !== null && isPositiveInteger(dim) ? dim : null));
  const inputField = isSpatial(shape) ? INPUT_FIELD : null;
  walker.reports.push({
    node: model.input,
    path: 'input',
    name: 'input',
    depth: 0,
    container: false,
    aux: false,
    input: null,
    output: shape,
    params: { trainable: 0, nonTrainable: 0, formula: null },
    macs: 0,
    receptiveField: inputField,
    activations: productOf(shape),
  });
  if (extent.malformedAt !== null) {
    // Only IR from running a file can hold this (static evaluation puts an unknown layer there).
    const { parent, path, argument, value } = extent.malformedAt;
    const owner = parent ?? modelOwner;
    walker.report('invalidValue', messages.invalidValue(parent === null ? `model '${shortenText(model.name)}'` : callLabel(parent), argument, 'a layer', value), owner, path);
    return unanalysed(model, shape, walker);
  }
  if (extent.tooDeepAt !== null) {
    const { node, path } = extent.tooDeepAt;
    walker.report('nestingTooDeep', messages.nestingTooDeep(callLabel(node), MAX_NESTING_DEPTH), node, path);
    return unanalysed(model, shape, walker);
  }
  if (extent.size > MAX_LAYER_REPORTS) {
    walker.report('tooManyLayers', messages.tooManyLayers(MAX_LAYER_REPORTS), modelOwner, 'model');
    return unanalysed(model, shape, walker);
  }
  let flow: Flow = { shape, field: inputField };
  model.layers.forEach((layer, index) => {
    flow = walker.visit(layer, flow, String(index), 0, false);
  });

  const leaves = walker.reports.filter((report) => !report.container);
  const mainLeaves = leaves.filter((report) => !report.aux);
  const auxLeaves = leaves.filter((report) => report.aux);
  const trainable = sumOf(leaves.map((leaf) => leaf.params.trainable));
  const nonTrainable = sumOf(leaves.map((leaf) => leaf.params.nonTrainable));
  const allParams = sum(trainable, nonTrainable);
  return {
    kind: 'model',
    name: model.name,
    root: model,
    input: shape,
    output: flow.shape,
    layers: walker.reports,
    params: { trainable, nonTrainable, aux: sumOf(auxLeaves.map((leaf) => leaf.params.trainable)) },
    macs: sumOf(mainLeaves.map((leaf) => leaf.macs)),
    auxMacs: sumOf(auxLeaves.map((leaf) => leaf.macs)),
    receptiveField: walker.lastSpatialField,
    memory: {
      paramBytes: product(allParams, BYTES_PER_FLOAT32),
      activationBytesPerSample: product(sumOf(leaves.map((leaf) => leaf.activations)), BYTES_PER_FLOAT32),
      trainingStateBytes: product(sum(allParams, product(trainable, TRAINING_COPIES_PER_TRAINABLE)), BYTES_PER_FLOAT32),
    },
    findings: walker.findings,
  };
}

/** A model the engine does not walk (too deep or too large): its input, the finding, and unknowns. */
function unanalysed(model: ModelNode, shape: Shape, walker: ModelWalker): ModelAnalysis {
  return {
    kind: 'model',
    name: model.name,
    root: model,
    input: shape,
    output: null,
    layers: walker.reports,
    params: { trainable: null, nonTrainable: null, aux: null },
    macs: null,
    auxMacs: null,
    receptiveField: null,
    memory: { paramBytes: null, activationBytesPerSample: null, trainingStateBytes: null },
    findings: walker.findings,
  };
}

function asLayerList(network: LayerNode): readonly LayerNode[] {
  return network.kind === 'sequential' ? network.layers : [network];
}

export function analyzeGan(gan: GanNode): GanAnalysis {
  const image: Shape = gan.image;
  const generator = analyzeModel(
    { kind: 'model', name: `${gan.name} generator`, input: { kind: 'input', shape: [gan.latent] }, layers: asLayerList(gan.generator) },
    { inputOwner: gan },
  );
  const discriminator = analyzeModel(
    { kind: 'model', name: `${gan.name} discriminator`, input: { kind: 'input', shape: image }, layers: asLayerList(gan.discriminator) },
    { inputOwner: gan },
  );
  const findings: Finding[] = [...generator.findings, ...discriminator.findings];
  const own = (kind: FindingKind, message: string, node: AnyNode, path: string): void => {
    const { code, severity } = FINDING_CODES[kind];
    findings.push({ code, severity, message, node, path });
  };
  if (shapesDisagree(generator.output, image)) {
    own('generatorOutput', messages.generatorOutput(generator.output, image), gan.generator, 'generator');
  }
  if (shapesDisagree(discriminator.output, [1])) {
    own('discriminatorOutput', messages.discriminatorOutput(discriminator.output), gan.discriminator, 'discriminator');
  }
  return {
    kind: 'gan',
    name: gan.name,
    root: gan,
    input: generator.input,
    output: generator.output,
    generator,
    discriminator,
    params: {
      trainable: sum(generator.params.trainable, discriminator.params.trainable),
      nonTrainable: sum(generator.params.nonTrainable, discriminator.params.nonTrainable),
      aux: sum(generator.params.aux, discriminator.params.aux),
    },
    macs: sum(generator.macs, discriminator.macs),
    findings,
  };
}

