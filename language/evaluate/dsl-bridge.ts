/**
 * Calls the real DSL factories with statically evaluated arguments, so the IR static
 * evaluation produces is, by construction, the IR the DSL returns at run time.
 *
 * Unknown arguments are translated to what the IR uses for "unknown": `null` for a number
 * or switch, an `unknown` layer for a layer. Each factory's argument roles are listed here
 * because a half-typed file may pass anything anywhere (TypeScript errors do not stop the
 * editor), and a number where a layer belongs must become an unknown layer, not bad IR.
 */
import * as dsl from '../dsl/index';
import { isExpr, shortenText, type AnyNode, type LayerNode, type UnknownNode } from '../ir/index';
import { describeValue, isPlainObject, Unknown, type Value } from './values';

/** The role of each positional argument; `rest` applies to every argument after the listed ones. */
interface Signature {
  readonly positional: readonly Role[];
  readonly rest?: Role;
}

type Role =
  | 'value' // a number, pair, string or switch
  | 'input' // the model's `input(…)`
  | 'layer' // one layer
  | 'optionalLayer' // one layer, or nothing (a residual's identity shortcut)
  | 'layers' // a layer or an array of layers (spliced)
  | { readonly options: readonly string[]; readonly layerOptions?: readonly string[] };

const OPTIONS = {
  conv2d: ['stride', 'padding', 'dilation', 'groups', 'bias', 'name'],
  conv2dTranspose: ['stride', 'padding', 'outputPadding', 'bias', 'name'],
  pool: ['stride', 'padding', 'ceilMode', 'countIncludePad', 'name'],
  dense: ['bias', 'name'],
  batchNorm: ['momentum', 'epsilon', 'name'],
  lrn: ['size', 'alpha', 'beta', 'k'],
  aux: ['weight'],
  nameOnly: ['name'],
} as const;

const SIGNATURES: Readonly<Record<string, Signature>> = {
  input: { positional: [], rest: 'value' },
  conv2d: { positional: ['value', 'value', { options: OPTIONS.conv2d }] },
  conv2dTranspose: { positional: ['value', 'value', { options: OPTIONS.conv2dTranspose }] },
  maxPool2d: { positional: ['value', { options: OPTIONS.pool }] },
  avgPool2d: { positional: ['value', { options: OPTIONS.pool }] },
  adaptiveAvgPool2d: { positional: ['value'] },
  globalAvgPool2d: { positional: [] },
  flatten: { positional: [] },
  reshape: { positional: [], rest: 'value' },
  zeroPad2d: { positional: ['value'] },
  upsample2d: { positional: ['value'] },
  dense: { positional: ['value', { options: OPTIONS.dense }] },
  dropout: { positional: ['value'] },
  batchNorm: { positional: [{ options: OPTIONS.batchNorm }] },
  lrn: { positional: [{ options: OPTIONS.lrn }] },
  relu: { positional: [] },
  relu6: { positional: [{ options: OPTIONS.nameOnly }] },
  identity: { positional: [{ options: OPTIONS.nameOnly }] },
  leakyRelu: { positional: ['value'] },
  tanh: { positional: [] },
  sigmoid: { positional: [] },
  softmax: { positional: [] },
  sequential: { positional: [], rest: 'layers' },
  concat: { positional: [], rest: 'layers' },
  residual: { positional: ['layer', 'optionalLayer'] },
  aux: { positional: ['value', 'layer', { options: OPTIONS.aux }] },
  model: { positional: ['value', 'input'], rest: 'layers' },
  gan: { positional: ['value', { options: ['latent', 'image'], layerOptions: ['generator', 'discriminator'] }] },
};

/** Every factory the DSL exports, by name. */
export const DSL_FACTORY_NAMES: ReadonlySet<string> = new Set(Object.keys(SIGNATURES));

/** The factories whose layer arguments become children of what they build (a layer named there gets a hint). */
export const LAYER_PARENT_FACTORIES: ReadonlySet<string> = new Set(['model', 'sequential', 'concat', 'residual', 'aux']);

/**
 * For each argument of a call to `name` (one of LAYER_PARENT_FACTORIES) that built its
 * object: the index in `childrenOf` of that object of the last child the argument became,
 * or -1 (not a layer argument, or an empty array). Mirrors the factories: a model's input
 * is its child 0; an array in a list of layers is spliced, and arrays inside it too. One
 * pass over the arguments and what the factory itself reads.
 */
export function childSlots(name: string, args: readonly Value[]): Int32Array | undefined {
  const signature = SIGNATURES[name];
  if (signature === undefined || !LAYER_PARENT_FACTORIES.has(name)) return undefined;
  const slots = new Int32Array(args.length).fill(-1);
  let next = 0;
  args.forEach((arg, index) => {
    const role = signature.positional[index] ?? signature.rest ?? 'value';
    let count = 0;
    if (role === 'input' || role === 'layer') count = 1;
    else if (role === 'optionalLayer') count = arg === undefined ? 0 : 1;
    else if (role === 'layers') {
      if (!Array.isArray(arg)) count = 1;
      else for (const item of arg as readonly Value[]) count += Array.isArray(item) ? item.length : 1;
    }
    if (count > 0) slots[index] = next + count - 1;
    next += count;
  });
  return slots;
}

/** The child of an IR object at an index of `childrenOf` (without building that list: a model's is as long as the model). */
export function childAt(node: object, index: number): unknown {
  const parent = node as AnyNode;
  switch (parent.kind) {
    case 'model':
      return index === 0 ? parent.input : parent.layers[index - 1];
    case 'sequential':
      return parent.layers[index];
    case 'concat':
      return parent.branches[index];
    case 'residual':
      return index === 0 ? parent.main : index === 1 ? (parent.shortcut ?? undefined) : undefined;
    case 'aux':
      return index === 0 ? parent.head : undefined;
    default:
      return undefined;
  }
}

const LAYER_KINDS: ReadonlySet<string> = new Set([
  'unknown', 'conv2d', 'conv2dTranspose', 'maxPool2d', 'avgPool2d', 'adaptiveAvgPool2d', 'globalAvgPool2d', 'flatten',
  'reshape', 'zeroPad2d', 'upsample2d', 'dense', 'dropout', 'batchNorm', 'lrn', 'relu', 'leakyRelu', 'tanh', 'sigmoid',
  'softmax', 'relu6', 'identity', 'sequential', 'residual', 'concat', 'aux',
]);

/**
 * An IR layer made by the DSL. Only the factories' frozen objects count: a user's object
 * literal that merely looks like one (`{ kind: 'conv2d', f, k }`) is not well-formed IR and
 * must not reach the engine.
 */
export function isLayerNode(value: Value): value is LayerNode & { [key: string]: Value } {
  return isPlainObject(value) && Object.isFrozen(value) && typeof value['kind'] === 'string' && LAYER_KINDS.has(value['kind']);
}

export interface DslCallOutcome {
  readonly value: Value;
  /** Unknowns that were turned into null or unknown layers, for the hover. */
  readonly unknowns: readonly Unknown[];
  /** Unknown layers made for arguments, with the unknown each stands for (to place them). */
  readonly unknownLayers: readonly { readonly layer: UnknownNode; readonly unknown: Unknown }[];
}

class ArgumentTranslator {
  readonly unknowns: Unknown[] = [];
  readonly unknownLayers: { layer: UnknownNode; unknown: Unknown }[] = [];
  /** Why the model's input is not an `input(…)`, if it is not. */
  inputProblem: Unknown | undefined;

  unknownLayer(unknown: Unknown): UnknownNode {
    const layer: UnknownNode = Object.freeze({ kind: 'unknown', reason: unknown.reason });
    this.unknowns.push(unknown);
    this.unknownLayers.push({ layer, unknown });
    return layer;
  }

  /**
   * A number, pair, string or switch: unknown parts become null. A list (a pair, the dims
   * of input or reshape) holds numbers; a list inside it is not a value any factory takes,
   * and following it could visit a nested array once per place each part sits in.
   */
  value(value: Value, inList = false): Value {
    if (value instanceof Unknown) {
      this.unknowns.push(value);
      return null;
    }
    if (Array.isArray(value)) {
      if (inList) return this.value(new Unknown('expected a number here, got an array inside a list', undefined));
      return (value as Value[]).map((item) => this.value(item, true));
    }
    if (value === null || value === undefined || typeof value === 'number' || isExpr(value) || typeof value === 'string' || typeof value === 'boolean') return value;
    // A layer where a number belongs: a half-typed `conv2d(6,` swallows the layers typed after it.
    return this.value(new Unknown(`expected a number here, got ${describe(value)}`, undefined));
  }

  input(value: Value): Value {
    if (isPlainObject(value) && value['kind'] === 'input') return value;
    this.inputProblem = value instanceof Unknown ? value : new Unknown(`the model's input is ${describe(value)}, not input(…)`, undefined);
    this.unknowns.push(this.inputProblem);
    return null;
  }

  layer(value: Value): Value {
    if (isLayerNode(value)) return value;
    const unknown = value instanceof Unknown ? value : new Unknown(`expected a layer here, got ${describe(value)}`, undefined);
    return this.unknownLayer(unknown) as unknown as Value;
  }

  /** A layer or an array of layers, one level deep (the DSL splices it). */
  layers(value: Value): Value {
    if (Array.isArray(value)) {
      return (value as Value[]).map((item) => (Array.isArray(item) ? (item as Value[]).map((inner) => this.layer(inner)) : this.layer(item)));
    }
    return this.layer(value);
  }

  options(value: Value, names: readonly string[], layerNames: readonly string[] = []): Value {
    if (value === undefined) return undefined;
    if (!isPlainObject(value) || isLayerNode(value)) {
      // Every option unknown: keeps the defaults from standing in for values we do not know.
      const unknown = value instanceof Unknown ? value : new Unknown(`expected an options object here, got ${describe(value)}`, undefined);
      this.unknowns.push(unknown);
      return Object.fromEntries([...names.map((name) => [name, null]), ...layerNames.map((name) => [name, this.unknownLayer(unknown) as unknown as Value])]);
    }
    const translated: { [key: string]: Value } = {};
    for (const [key, item] of Object.entries(value)) {
      // A name is a string (the engine shows it, the runtime names weights with it).
      const notAName = key === 'name' && item !== undefined && item !== null && typeof item !== 'string' && !(item instanceof Unknown);
      translated[key] = layerNames.includes(key)
        ? this.layers(item)
        : notAName
          ? this.value(new Unknown(`a name must be a string, got ${describe(item)}`, undefined))
          : this.value(item);
    }
    for (const key of layerNames) {
      if (translated[key] === undefined) translated[key] = this.layer(new Unknown(`no ${key} was given`, undefined));
    }
    return translated;
  }

  translate(role: Role, value: Value): Value {
    if (role === 'value') return this.value(value);
    if (role === 'input') return this.input(value);
    if (role === 'layer') return this.layer(value);
    if (role === 'optionalLayer') return value === undefined ? undefined : this.layer(value);
    if (role === 'layers') return this.layers(value);
    return this.options(value, role.options, role.layerOptions);
  }
}

function describe(value: Value): string {
  if (value === null || value === undefined) return String(value);
  if (isLayerNode(value)) return `a ${value.kind} layer`;
  if (typeof value === 'object' || typeof value === 'function') return describeValue(value);
  return `the ${typeof value} ${typeof value === 'string' ? JSON.stringify(shortenText(value)) : JSON.stringify(value)}`;
}

/**
 * Calls the DSL factory `name` with evaluated arguments. Never throws. `unknownSpread` is
 * the index of an argument that stands for a spread of unknown length (`...blocks`).
 */
export function callDslFactory(name: string, args: readonly Value[], unknownSpread?: number): DslCallOutcome {
  const signature = SIGNATURES[name];
  const factory = (dsl as unknown as Record<string, (...values: unknown[]) => unknown>)[name];
  if (signature === undefined || factory === undefined) {
    return { value: new Unknown(`'${name}' is not a ConvLens factory`, undefined), unknowns: [], unknownLayers: [] };
  }
  if (unknownSpread !== undefined && (unknownSpread < signature.positional.length || signature.rest !== 'layers')) {
    // Where positions or counts matter (`input(...dims)`, `conv2d(...args)`), a spread of
    // unknown length leaves every later argument unplaced; in a list of layers it is one
    // unknown layer among the known ones.
    const unknown = args[unknownSpread] as Unknown;
    return { value: new Unknown(`the arguments of ${name}(…) are unknown: ${unknown.reason}`, undefined), unknowns: [unknown], unknownLayers: [] };
  }
  const translator = new ArgumentTranslator();
  const translated = args.map((arg, index) => {
    const role = signature.positional[index] ?? signature.rest ?? 'value';
    return translator.translate(role, arg);
  });
  // A layer the call leaves out (a half-typed `residual()` or `aux('a')`) is an unknown
  // layer, never `undefined` inside the IR.
  signature.positional.forEach((role, index) => {
    if (role === 'layer' && index >= args.length) translated[index] = translator.layer(undefined);
  });
  if (name === 'model' && translated.length < 2) translator.input(undefined);
  if (translator.inputProblem !== undefined) {
    // The IR has no model without an input shape (not even its rank), so the model is unknown.
    return { value: new Unknown(`the model's input is unknown: ${translator.inputProblem.reason}`, undefined), unknowns: translator.unknowns, unknownLayers: [] };
  }
  // Names are strings; an unknown one reads as '?'.
  if ((name === 'model' || name === 'gan' || name === 'aux') && typeof translated[0] !== 'string') translated[0] = '?';
  if (name === 'gan') {
    const options = translated[1];
    // An unknown image is three unknown dimensions (the DSL destructures it).
    if (isPlainObject(options) && !Array.isArray(options['image'])) translated[1] = { ...options, image: [null, null, null] };
  }
  try {
    return { value: factory(...translated) as Value, unknowns: translator.unknowns, unknownLayers: translator.unknownLayers };
  } catch (error) {
    // The factories are total over well-typed input; a half-typed call may still trip one.
    return {
      value: new Unknown(`${name}(…) cannot be built from these arguments: ${(error as Error).message}`, undefined),
      unknowns: translator.unknowns,
      unknownLayers: translator.unknownLayers,
    };
  }
}
