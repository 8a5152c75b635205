/**
 * A corpus of malformed protocol messages, generated from valid ones, for the validators of
 * webviews/protocol.ts (test/webviews/protocol-corpus.test.ts) and runtime/protocol.ts
 * (test/runtime/protocol.test.ts). Each test declares every field's range (a `Spec`, keyed by
 * path); `malformed` then walks a valid message and, for every field, yields each way to put
 * it outside that range: deleted, undefined, inherited from a polluted prototype, null (unless
 * nullable), every wrong type, out-of-range values (negative, fractional, NaN, ±Infinity, huge,
 * too long), and for records and arrays the shapes a plain JSON value never has (fields on a
 * prototype or under an own `__proto__` key, a class instance, a Map, a hole, an Array
 * subclass, an array-like, a typed array, too many or too few elements). A field the message
 * has and the spec does not declare fails the test.
 *
 * An array element inherited from a polluted Array.prototype is tried in a worker thread
 * (protocol-corpus-thread.ts) on the same validator, loaded there from the same module: an
 * element on Array.prototype, even for a moment, turns off V8's fast paths for every array
 * in the isolate for good (its "no elements" protector), and mocha's parallel workers run
 * file after file in one process, so the test files that came next ran 3 to 7 times slower
 * (the wasm kernel suites among them).
 */
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

export type Range =
  | { readonly type: 'integer'; readonly min: number; readonly max: number }
  | { readonly type: 'number'; readonly min: number; readonly max: number }
  | { readonly type: 'text'; readonly max: number }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'boolean' }
  | { readonly type: 'record' }
  | { readonly type: 'array'; readonly min: number; readonly max: number };

export interface Field {
  readonly range: Range;
  readonly nullable: boolean;
  readonly optional: boolean;
  /** Further values outside the range (malformed base64, say). */
  readonly bad: readonly unknown[];
}

const field = (range: Range, bad: readonly unknown[] = []): Field => ({ range, nullable: false, optional: false, bad });
export const int = (min: number, max = Number.MAX_SAFE_INTEGER, ...bad: unknown[]): Field => field({ type: 'integer', min, max }, bad);
/** A finite number in [min, max]. */
export const num = (min = -Number.MAX_VALUE, max = Number.MAX_VALUE, ...bad: unknown[]): Field => field({ type: 'number', min, max }, bad);
/** A string of at most `max` characters (Infinity: no length to exceed), and the `bad` ones. */
export const text = (max: number, ...bad: unknown[]): Field => field({ type: 'text', max }, bad);
export const oneOf = (...values: string[]): Field => field({ type: 'enum', values });
export const bool = field({ type: 'boolean' });
export const rec = field({ type: 'record' });
export const list = (min: number, max: number): Field => field({ type: 'array', min, max });
export const orNull = (declared: Field): Field => ({ ...declared, nullable: true });
export const optional = (declared: Field): Field => ({ ...declared, optional: true });

/**
 * Fields by path: `rows.*.depth` (`*` is any index); `root.**.name` is any path under `root`
 * ending in `.name`. A function picks the range by the value or its parent (an IR padding is
 * 'same' or a pair; an aux head's name is not nullable).
 */
export type Spec = Readonly<Record<string, Field | ((value: unknown, parent: unknown) => Field)>>;

export interface Case {
  readonly what: string;
  readonly message: unknown;
  /** Set on a prototype while the validator runs (prototype pollution), then removed. */
  readonly pollute?: { readonly target: object; readonly key: string | number; readonly value: unknown };
  /** For an array element inherited from Array.prototype: where it is, so the isolated thread can make the same case. */
  readonly inheritedElement?: Path;
}

/** A validator, and where another thread loads the same one: `require(module)[exportName]`. */
export interface LoadableValidator {
  (value: unknown): boolean;
  readonly module: string;
  readonly exportName: string;
}

/** `validator`, which must be `require(module)[exportName]` (`module` resolved, as require.resolve gives it), as a LoadableValidator. */
export function loadable(validator: (value: unknown) => boolean, module: string, exportName: string): LoadableValidator {
  if ((require(module) as Record<string, unknown>)[exportName] !== validator) throw new Error(`${validator.name} is not ${module}'s ${exportName}`);
  return Object.assign((value: unknown) => validator(value), { module, exportName });
}

export type Path = readonly (string | number)[];

const DELETE = Symbol('delete');
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function* pathsOf(value: unknown, path: Path = []): Generator<Path> {
  yield path;
  if (Array.isArray(value)) for (let index = 0; index < value.length; index++) yield* pathsOf(value[index], [...path, index]);
  else if (isObject(value)) for (const key of Object.keys(value)) yield* pathsOf(value[key], [...path, key]);
}

function valueAt(message: unknown, path: Path): unknown {
  return path.reduce<unknown>((value, step) => (value as Record<string | number, unknown>)[step], message);
}

/** A deep copy of `message` with the value at `path` changed (or deleted). */
function changed(message: unknown, path: Path, change: (value: unknown) => unknown): unknown {
  const root: Record<string | number, unknown> = { message: structuredClone(message) };
  let parent = root;
  let key: string | number = 'message';
  for (const step of path) {
    parent = parent[key] as Record<string | number, unknown>;
    key = step;
  }
  const next = change(parent[key]);
  if (next === DELETE) delete parent[key];
  else parent[key] = next;
  return root['message'];
}

function declaration(spec: Spec, path: Path, value: unknown, parent: unknown): Field {
  if (path.length === 0) return rec;
  const pattern = path.map((step) => (typeof step === 'number' ? '*' : step)).join('.');
  let declared = spec[pattern];
  for (const [key, candidate] of Object.entries(spec)) {
    if (declared !== undefined) break;
    const at = key.indexOf('.**.');
    if (at >= 0 && pattern.startsWith(key.slice(0, at + 1)) && pattern.endsWith(key.slice(at + 3))) declared = candidate;
  }
  if (declared === undefined) throw new Error(`the spec declares no range for ${pattern}`);
  return typeof declared === 'function' ? declared(value, parent) : declared;
}

/** Values of other types than the range's (null comes separately). */
const WRONG_TYPES: Readonly<Record<Range['type'], readonly unknown[]>> = {
  integer: ['1', true, {}, [1]],
  number: ['0.5', true, {}, [0.5]],
  text: [1, true, {}, ['x']],
  enum: [1, true, {}, ['x']],
  boolean: [0, 1, 'true', {}],
  record: [0, 'x', true, []],
  array: [0, 'x', true, {}],
};

function outOfRange(range: Range): unknown[] {
  switch (range.type) {
    case 'integer': {
      const { min, max } = range;
      const candidates = [min - 1, max < Number.MAX_SAFE_INTEGER ? max + 1 : 2 ** 53, min + 0.5, NaN, Infinity, -Infinity, 1e300, -1e300];
      return candidates.filter((value) => !(Number.isSafeInteger(value) && value >= min && value <= max));
    }
    case 'number': {
      const { min, max } = range;
      const candidates = [NaN, Infinity, -Infinity, min - 1, min - 1e-9, max + 1e-9, max + 1, 7];
      return candidates.filter((value) => !(Number.isFinite(value) && value >= min && value <= max));
    }
    case 'text':
      return Number.isFinite(range.max) ? ['x'.repeat(range.max + 1)] : [];
    case 'enum': {
      const first = range.values[0] ?? '';
      return ['', 'toString', '__proto__', 'constructor', `${first}_`, first.toUpperCase()].filter((value) => !range.values.includes(value));
    }
    default:
      return [];
  }
}

function label(value: unknown): string {
  if (typeof value === 'string') return value.length > 24 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return JSON.stringify(value);
}

class Wrapped {}
class Rows extends Array<unknown> {}

/** Records and arrays in shapes that a plain JSON value never has. */
function* shapes(range: Range, value: unknown): Generator<[string, (value: unknown) => unknown]> {
  if (range.type === 'record') {
    yield ['fields on the prototype (Object.create)', (record) => Object.create(record as object)];
    yield ['fields under an own __proto__ key (JSON.parse)', (record) => JSON.parse(`{"__proto__": ${JSON.stringify(record)}}`)];
    yield ['an own __proto__ key beside the fields', (record) => Object.assign(JSON.parse('{"__proto__": {"polluted": true}}'), record)];
    yield ['a class instance', (record) => Object.assign(new Wrapped(), record)];
    yield ['a Map', (record) => new Map(Object.entries(record as object))];
  }
  if (range.type === 'array') {
    const items = value as unknown[];
    yield [items.length === 0 ? 'a hole (length 1)' : 'a hole at index 0', (array) => (items.length === 0 ? [,] : changed(array, [0], () => DELETE))];
    yield ['an Array subclass', (array) => Rows.from(array as unknown[])];
    yield ['an array-like object', (array) => Object.assign({ length: (array as unknown[]).length }, array)];
    if (items.length > 0 && items.every((item) => typeof item === 'number')) yield ['a typed array', (array) => Float64Array.from(array as number[])];
    if (range.max <= 100_000 && items.length > 0) yield [`${range.max + 1} elements`, () => Array.from({ length: range.max + 1 }, () => items[0])];
    if (range.min > 0) yield [`${range.min - 1} elements`, (array) => (array as unknown[]).slice(0, range.min - 1)];
  }
}

/** Every mutation of `example` that puts one field outside its declared range. */
export function* malformed(example: unknown, spec: Spec): Generator<Case> {
  for (const path of pathsOf(example)) {
    const value = valueAt(example, path);
    const declared = declaration(spec, path, value, path.length === 0 ? undefined : valueAt(example, path.slice(0, -1)));
    const name = path.length === 0 ? 'the message' : path.join('.');
    const set = (what: string, to: unknown): Case => ({ what: `${name}: ${what}`, message: changed(example, path, () => to) });
    const key = path[path.length - 1];
    if (key !== undefined && !declared.optional) {
      yield { what: `${name}: missing`, message: changed(example, path, () => DELETE) };
      yield set('undefined', undefined);
      yield { what: `${name}: inherited from a polluted prototype`, ...inheritedCase(example, path) };
    }
    if (!declared.nullable) yield set('null', null);
    for (const wrong of [...WRONG_TYPES[declared.range.type], ...outOfRange(declared.range), ...declared.bad]) yield set(label(wrong), wrong);
    for (const [what, reshape] of shapes(declared.range, value)) yield { what: `${name}: ${what}`, message: changed(example, path, reshape) };
  }
}

/** `example` without the field at `path`, and that field's value on the prototype it would be inherited from. */
export function inheritedCase(example: unknown, path: Path): Omit<Case, 'what'> {
  const key = path[path.length - 1]!;
  const value = valueAt(example, path);
  const message = changed(example, path, () => DELETE);
  if (typeof key === 'number') return { message, pollute: { target: Array.prototype, key, value }, inheritedElement: path };
  return { message, pollute: { target: Object.prototype, key, value } };
}

/** Variants of `example` that stay valid: a structured clone, null-prototype records, null where nullable, absent where optional. */
export function* stillValid(example: unknown, spec: Spec): Generator<Case> {
  yield { what: 'as it is', message: example };
  yield { what: 'structured clone', message: structuredClone(example) };
  for (const path of pathsOf(example)) {
    const value = valueAt(example, path);
    const declared = declaration(spec, path, value, path.length === 0 ? undefined : valueAt(example, path.slice(0, -1)));
    const name = path.length === 0 ? 'the message' : path.join('.');
    if (declared.range.type === 'record') yield { what: `${name}: null prototype`, message: changed(example, path, (record) => Object.assign(Object.create(null), record)) };
    if (declared.nullable && value !== null) yield { what: `${name}: null`, message: changed(example, path, () => null) };
    if (declared.optional) yield { what: `${name}: absent`, message: changed(example, path, () => DELETE) };
  }
}

/** Runs a validator on a case, with the case's prototype pollution in place meanwhile. */
export function passes(validator: (value: unknown) => boolean, { message, pollute }: Case): boolean {
  if (pollute === undefined) return validator(message);
  const { target, key, value } = pollute;
  const before = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, { value, configurable: true, writable: true, enumerable: false });
  try {
    return validator(message);
  } finally {
    if (before === undefined) delete (target as Record<string | number, unknown>)[key];
    else Object.defineProperty(target, key, before);
  }
}

/** One run of acceptedMutations per validator, examples and spec: the tests that count the corpus reuse the runs that checked it. */
const acceptedRuns = new WeakMap<readonly unknown[], Map<string, Map<Spec, { readonly accepted: string[]; readonly cases: number }>>>();

/** The mutations of `examples` that `validator` wrongly accepts (what each is), and how many it tried. */
export function acceptedMutations(validator: LoadableValidator, examples: readonly unknown[], spec: Spec): { readonly accepted: string[]; readonly cases: number } {
  const byValidator = acceptedRuns.get(examples) ?? new Map<string, Map<Spec, { readonly accepted: string[]; readonly cases: number }>>();
  acceptedRuns.set(examples, byValidator);
  const bySpec = byValidator.get(`${validator.module}#${validator.exportName}`) ?? new Map<Spec, { readonly accepted: string[]; readonly cases: number }>();
  byValidator.set(`${validator.module}#${validator.exportName}`, bySpec);
  const known = bySpec.get(spec);
  if (known !== undefined) return known;
  const accepted: string[] = [];
  const elsewhere: { what: string; example: number; path: Path }[] = [];
  let cases = 0;
  for (const [index, example] of examples.entries()) {
    for (const mutation of malformed(example, spec)) {
      cases += 1;
      if (mutation.inheritedElement !== undefined) elsewhere.push({ what: mutation.what, example: index, path: mutation.inheritedElement });
      else if (passes(validator, mutation)) accepted.push(mutation.what);
    }
  }
  if (elsewhere.length > 0) {
    const results = inIsolatedThread({ module: validator.module, exportName: validator.exportName, examples, cases: elsewhere.map(({ example, path }) => ({ example, path })) });
    elsewhere.forEach(({ what }, index) => {
      if (results[index] !== false) accepted.push(what);
    });
  }
  const result = { accepted, cases };
  bySpec.set(spec, result);
  return result;
}

/**
 * Whether `validator` passes `example` with the array element at `path` deleted and
 * inherited from Array.prototype instead (set there meanwhile), tried in the isolated thread.
 */
export function passesWithInheritedElement(validator: LoadableValidator, example: unknown, path: Path): boolean {
  if (typeof path[path.length - 1] !== 'number') throw new Error(`${path.join('.')} is not an array element`);
  return inIsolatedThread({ module: validator.module, exportName: validator.exportName, examples: [example], cases: [{ example: 0, path }] })[0]!;
}

/** What protocol-corpus-thread.ts is asked: the inherited-element cases of `examples` to run through `require(module)[exportName]`. */
export interface IsolatedRequest {
  readonly module: string;
  readonly exportName: string;
  readonly examples: readonly unknown[];
  readonly cases: readonly { readonly example: number; readonly path: Path }[];
}

/** Its answer: whether the validator passed each case, or the error that stopped it. */
export type IsolatedReply = { readonly results: boolean[] } | { readonly error: string };

let isolated: { readonly worker: Worker; readonly port: MessagePort; readonly signal: Int32Array } | undefined;

/**
 * The cases of `request` run in the isolated thread, synchronously: the thread answers on a
 * port of its own and wakes this one through shared memory (so callers stay synchronous).
 */
function inIsolatedThread(request: IsolatedRequest): boolean[] {
  if (isolated === undefined) {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(path.join(__dirname, 'protocol-corpus-thread.js'), { workerData: { port: port2, signal }, transferList: [port2] });
    // Idle between requests: it must not keep the process alive.
    worker.unref();
    isolated = { worker, port: port1, signal };
  }
  const { worker, port, signal } = isolated;
  Atomics.store(signal, 0, 0);
  worker.postMessage(request);
  if (Atomics.wait(signal, 0, 0, 120_000) === 'timed-out') throw new Error(`the isolated thread did not answer within 2 minutes (${request.module}#${request.exportName})`);
  const reply = receiveMessageOnPort(port)?.message as IsolatedReply | undefined;
  if (reply === undefined) throw new Error('the isolated thread woke this one without an answer');
  if ('error' in reply) throw new Error(`the isolated thread failed: ${reply.error}`);
  if (reply.results.length !== request.cases.length) throw new Error(`the isolated thread answered ${reply.results.length} of ${request.cases.length} cases`);
  return reply.results;
}

/** The variants of `examples` that `validator` wrongly rejects. */
export function rejectedVariants(validator: (value: unknown) => boolean, examples: readonly unknown[], spec: Spec): string[] {
  const rejected: string[] = [];
  for (const example of examples) for (const variant of stillValid(example, spec)) if (!passes(validator, variant)) rejected.push(variant.what);
  return rejected;
}

// ── values that no PNG or pixel field may hold ─────────────────────────────────────────

/** A PNG's first 24 bytes (signature, IHDR length and type, width, height) and an IHDR's rest, in base64. */
export function pngHeader(width: number, height: number, type = 'IHDR'): string {
  const bytes = Buffer.alloc(33);
  Buffer.from([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13]).copy(bytes);
  bytes.write(type, 12, 'latin1');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  bytes.set([8, 6, 0, 0, 0], 24);
  return bytes.toString('base64');
}

/** PNGs no grid or strip may be: not base64, not a PNG, a cut header, no IHDR, too big to decode. */
export const BAD_PNGS = [
  '@@@@',
  'iVBORw0KGgo',
  Buffer.from('GIF89a\x01\x00\x01\x00').toString('base64'),
  Buffer.from([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13]).toString('base64'),
  pngHeader(4, 4, 'IDAT'),
  pngHeader(1e9, 1e9),
  pngHeader(16_385, 4),
  pngHeader(8_192, 8_192),
  pngHeader(0, 4),
];
/** Not base64 of the 2 bytes a 2×1 grey image holds. */
export const BAD_PIXELS = ['AP8', 'AP*=', 'AP==', 'AP8A', 'AP8=AA==', ' AP8=', 'AP8=\n', ''];
