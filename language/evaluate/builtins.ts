/**
 * The JavaScript built-ins that model files actually use, implemented for the evaluator:
 * `Math.*`, `Array.from`, `Object.entries`, array methods such as `map` and `flatMap`,
 * and a few string and number methods. Anything not listed is an explicit unknown; no
 * real function is ever called on a value from user code except these pure ones.
 */
import type * as ts from 'typescript';
import { symbolicMath } from './symbolic-values';
import { Builtin, BuiltinNamespace, describeValue, isPlainObject, Unknown, type Value } from './values';

/** What built-ins need from the interpreter: calling user callbacks and counting work. */
export interface Invoker {
  call(callee: Value, args: readonly Value[], site: ts.Node): Value;
  /** Charges `count` steps to the budget (big arrays cost what they hold). */
  charge(count: number, site: ts.Node): void;
}

function firstUnknown(values: readonly Value[]): Unknown | undefined {
  return values.find((value): value is Unknown => value instanceof Unknown);
}

function unknownCall(name: string, site: ts.Node, why: string): Unknown {
  return new Unknown(`${name}: ${why}`, site);
}

/** A built-in over known plain data: any unknown argument makes the result unknown. */
function pure(name: string, f: (receiver: Value, args: readonly Value[]) => Value): Builtin {
  return new Builtin(name, (receiver, args) => {
    const unknown = firstUnknown(args) ?? (receiver instanceof Unknown ? receiver : undefined);
    return unknown ?? f(receiver, args);
  });
}

/** The longest array the evaluator makes (`Array(n)`, `Array.from({ length: n })`, `xs.length = n`). */
export const MAX_ARRAY_LENGTH = 1_000_000;

function arrayOfLength(length: Value, site: ts.Node, invoker: Invoker): Value[] | Unknown {
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
    return new Unknown(`an array length must be a known non-negative integer, got ${String(length)}`, site);
  }
  if (length > MAX_ARRAY_LENGTH) return new Unknown(`an array of ${length} elements is too large to evaluate`, site);
  invoker.charge(length, site);
  return Array.from({ length }, () => undefined);
}

function asArray(receiver: Value, name: string, site: ts.Node): readonly Value[] | Unknown {
  if (receiver instanceof Unknown) return receiver;
  if (!Array.isArray(receiver)) return unknownCall(name, site, 'not called on an array');
  return receiver as readonly Value[];
}

function truthy(value: Value): boolean | Unknown {
  if (value instanceof Unknown) return value;
  return Boolean(value);
}

/** Array.prototype methods, each bound to its array when read off one. */
export function createArrayMethods(invoker: Invoker): ReadonlyMap<string, Builtin> {
  const methods = new Map<string, Builtin>();
  const define = (name: string, f: (array: readonly Value[], args: readonly Value[], site: ts.Node) => Value): void => {
    methods.set(
      name,
      new Builtin(name, (receiver, args, site) => {
        const array = asArray(receiver, name, site);
        if (array instanceof Unknown) return array;
        invoker.charge(array.length, site);
        return f(array, args, site);
      }),
    );
  };
  const callback = (args: readonly Value[]): Value => args[0];

  define('map', (array, args, site) => array.map((item, index) => invoker.call(callback(args), [item, index, array as Value[]], site)));
  define('forEach', (array, args, site) => {
    array.forEach((item, index) => invoker.call(callback(args), [item, index, array as Value[]], site));
    return undefined;
  });
  define('flatMap', (array, args, site) =>
    array.flatMap((item, index) => {
      const mapped = invoker.call(callback(args), [item, index, array as Value[]], site);
      return Array.isArray(mapped) ? (mapped as Value[]) : [mapped];
    }),
  );
  const filterLike = (name: string, pick: (array: readonly Value[], tests: readonly (boolean | Unknown)[]) => Value): void =>
    define(name, (array, args, site) => {
      const tests = array.map((item, index) => truthy(invoker.call(callback(args), [item, index, array as Value[]], site)));
      const unknown = tests.find((test): test is Unknown => test instanceof Unknown);
      return unknown ?? pick(array, tests);
    });
  filterLike('filter', (array, tests) => array.filter((_, index) => tests[index] === true));
  filterLike('some', (_, tests) => tests.some((test) => test === true));
  filterLike('every', (_, tests) => tests.every((test) => test === true));
  filterLike('find', (array, tests) => array[tests.findIndex((test) => test === true)]);
  filterLike('findIndex', (_, tests) => tests.findIndex((test) => test === true));
  define('reduce', (array, args, site) => {
    let index = 0;
    let accumulator: Value;
    if (args.length >= 2) accumulator = args[1];
    else if (array.length > 0) accumulator = array[index++];
    else return unknownCall('reduce', site, 'an empty array with no initial value');
    for (; index < array.length; index += 1) {
      accumulator = invoker.call(callback(args), [accumulator, array[index], index, array as Value[]], site);
    }
    return accumulator;
  });
  define('push', (array, args, site) => {
    if (Object.isFrozen(array)) return unknownCall('push', site, 'the array is frozen (an IR list)');
    // A loop, not push(...args): `xs.push(...ys)` with 100k items would overflow the stack.
    for (const arg of args) (array as Value[]).push(arg);
    return array.length;
  });
  define('pop', (array, _args, site) =>
    Object.isFrozen(array) ? unknownCall('pop', site, 'the array is frozen (an IR list)') : (array as Value[]).pop(),
  );
  define('unshift', (array, args, site) => {
    if (Object.isFrozen(array)) return unknownCall('unshift', site, 'the array is frozen (an IR list)');
    // Rebuilt rather than unshift(...args), which overflows the stack on 100k items.
    const items = array as Value[];
    const rest = items.splice(0);
    for (const item of [...args, ...rest]) items.push(item);
    return items.length;
  });
  define('reverse', (array, _args, site) =>
    Object.isFrozen(array) ? unknownCall('reverse', site, 'the array is frozen (an IR list)') : (array as Value[]).reverse(),
  );
  define('sort', (array, args, site) => {
    if (Object.isFrozen(array)) return unknownCall('sort', site, 'the array is frozen (an IR list)');
    const compare = args[0];
    if (compare === undefined) return unknownCall('sort', site, 'sorting without a comparator depends on string order');
    let unknown: Unknown | undefined;
    (array as Value[]).sort((a, b) => {
      const order = invoker.call(compare, [a, b], site);
      if (typeof order === 'number') return order;
      unknown ??= order instanceof Unknown ? order : unknownCall('sort', site, 'the comparator did not return a number');
      return 0;
    });
    return unknown ?? array;
  });
  const simple = (name: string, f: (array: readonly Value[], args: readonly Value[], site: ts.Node) => Value): void =>
    define(name, (array, args, site) => firstUnknown(args) ?? f(array, args, site));
  simple('slice', (array, args) => array.slice(args[0] as number | undefined, args[1] as number | undefined));
  simple('concat', (array, args) => array.concat(...args.map((arg) => (Array.isArray(arg) ? (arg as Value[]) : [arg]))));
  simple('entries', (array) => array.map((item, index) => [index, item]));
  simple('keys', (array) => array.map((_, index) => index));
  simple('values', (array) => [...array]);
  simple('includes', (array, args) => array.includes(args[0]));
  simple('indexOf', (array, args) => array.indexOf(args[0]));
  simple('lastIndexOf', (array, args) => array.lastIndexOf(args[0]));
  simple('at', (array, args) => array.at(args[0] as number));
  // JavaScript's own join and flat visit a nested array once per place it sits in, so an
  // array nested in itself n times over (`a = [a, a]`) costs 2^n: both are bounded here.
  simple('join', (array, args, site) => {
    const separator = args[0] === undefined ? ',' : stringOf(args[0], invoker, site);
    if (separator instanceof Unknown) return separator;
    const pieces: string[] = [];
    let length = 0;
    for (const item of array) {
      const piece = item === undefined || item === null ? '' : stringOf(item, invoker, site);
      if (piece instanceof Unknown) return piece;
      length += piece.length + separator.length;
      if (length > MAX_STRING_LENGTH + separator.length) return tooLongString('join', length, site);
      pieces.push(piece);
    }
    return pieces.join(separator);
  });
  simple('flat', (array, args, site) => flatten(array, args[0] === undefined ? 1 : Number(args[0]), invoker, site));
  simple('fill', (array, args) => {
    if (Object.isFrozen(array)) return new Unknown('fill: the array is frozen (an IR list)', undefined);
    return (array as Value[]).fill(args[0], args[1] as number | undefined, args[2] as number | undefined);
  });
  return methods;
}

/**
 * The longest string the evaluator makes, by any means: `repeat`, `padStart` and `padEnd`
 * are refused before they allocate (`'x'.repeat(4e8)` would take 400 MB), and `+`, template
 * strings and every other built-in's result are refused after (doubling a string 25 times
 * makes 32 million characters, cheaply, until a hover shows it). A million characters is far
 * more than any name or label in a model file.
 */
export const MAX_STRING_LENGTH = 1_000_000;

/** The unknown for a string over MAX_STRING_LENGTH: what made it and how long it is. */
export function tooLongString(what: string, length: number, site: ts.Node | undefined): Unknown {
  return new Unknown(
    `${what} makes a string of ${length.toLocaleString('en-US')} characters, more than the ${MAX_STRING_LENGTH.toLocaleString('en-US')} that are evaluated`,
    site,
  );
}

/**
 * `String(value)` as JavaScript computes it, without JavaScript's own cost: an array is
 * joined by walking it here, iteratively, its items charged to the budget (ITEMS_PER_STEP)
 * and the result refused past MAX_STRING_LENGTH, because the native join visits a nested array once
 * per place it sits in (`a = [a, a]` ten times over costs 2^10, sixty times over never
 * ends). A cyclic array joins to '' where it repeats, as in JavaScript. Anything else is
 * converted natively, which can throw (`{ toString: 1 }`): that is an unknown.
 */
export function stringOf(value: Value, invoker: Invoker, site: ts.Node): string | Unknown {
  if (!Array.isArray(value)) {
    try {
      return String(value);
    } catch (error) {
      return new Unknown(`cannot convert ${describeValue(value)} to a string: ${error instanceof Error ? error.message : String(error)}`, site);
    }
  }
  const stack: { readonly items: readonly Value[]; index: number }[] = [{ items: value as readonly Value[], index: 0 }];
  const joining = new Set<readonly Value[]>([value as readonly Value[]]);
  let text = '';
  let uncharged = 0;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.index >= top.items.length) {
      joining.delete(top.items);
      stack.pop();
      continue;
    }
    const index = top.index;
    top.index += 1;
    if (index > 0) text += ',';
    uncharged += 1;
    if (uncharged >= CHARGE_BATCH) {
      chargeItems(invoker, uncharged, site);
      uncharged = 0;
    }
    const item = top.items[index];
    if (Array.isArray(item)) {
      if (!joining.has(item)) {
        joining.add(item);
        stack.push({ items: item as readonly Value[], index: 0 });
      }
    } else if (item !== undefined && item !== null) {
      try {
        text += String(item);
      } catch (error) {
        return new Unknown(`cannot convert ${describeValue(item)} to a string: ${error instanceof Error ? error.message : String(error)}`, site);
      }
    }
    if (text.length > MAX_STRING_LENGTH) return tooLongString('converting an array to a string', text.length, site);
  }
  chargeItems(invoker, uncharged, site);
  return text;
}

/** Items visited between two charges to the budget in the walks of this file. */
const CHARGE_BATCH = 1024;
/**
 * Items of such a walk per step of the budget: visiting one costs tens of nanoseconds, an
 * evaluated expression about a microsecond, so a walk of the longest string (a million
 * items) costs what 62,500 expressions do.
 */
const ITEMS_PER_STEP = 16;

function chargeItems(invoker: Invoker, items: number, site: ts.Node): void {
  if (items > 0) invoker.charge(Math.ceil(items / ITEMS_PER_STEP), site);
}

/** `array.flat(depth)`, iteratively, charged per item and refused past MAX_ARRAY_LENGTH items. */
function flatten(array: readonly Value[], depth: number, invoker: Invoker, site: ts.Node): Value {
  const result: Value[] = [];
  const levels = Number.isNaN(depth) ? 0 : Math.trunc(depth);
  const stack: { readonly items: readonly Value[]; index: number; readonly depth: number }[] = [{ items: array, index: 0, depth: levels }];
  let uncharged = 0;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.index >= top.items.length) {
      stack.pop();
      continue;
    }
    const index = top.index;
    top.index += 1;
    uncharged += 1;
    if (uncharged >= CHARGE_BATCH) {
      chargeItems(invoker, uncharged, site);
      uncharged = 0;
    }
    // Holes are skipped, as flat skips them.
    if (!(index in top.items)) continue;
    const item = top.items[index];
    if (Array.isArray(item) && top.depth >= 1) stack.push({ items: item as readonly Value[], index: 0, depth: top.depth - 1 });
    else result.push(item);
    if (result.length > MAX_ARRAY_LENGTH) return new Unknown(`flat: an array of more than ${MAX_ARRAY_LENGTH} elements is too large to evaluate`, site);
  }
  chargeItems(invoker, uncharged, site);
  return result;
}

/**
 * Whether JSON.stringify can serialise `value` within MAX_STRING_LENGTH items: plain data
 * only (the evaluator's functions and unknowns are not data), walked once per place each
 * part sits in, as JSON.stringify walks it, charged to the budget.
 */
function checkSerialisable(value: Value, invoker: Invoker, site: ts.Node): Unknown | undefined {
  const pending: Value[] = [value];
  let visited = 0;
  let uncharged = 0;
  while (pending.length > 0) {
    const item = pending.pop();
    visited += 1;
    uncharged += 1;
    if (uncharged >= CHARGE_BATCH) {
      chargeItems(invoker, uncharged, site);
      uncharged = 0;
    }
    if (visited > MAX_STRING_LENGTH) return new Unknown(`JSON.stringify: the value has more than ${MAX_STRING_LENGTH.toLocaleString('en-US')} parts to serialise`, site);
    if (item === null || typeof item !== 'object') continue;
    if (Array.isArray(item)) {
      for (const inner of item as readonly Value[]) pending.push(inner);
    } else if (isPlainObject(item)) {
      for (const inner of Object.values(item)) pending.push(inner);
    } else {
      return new Unknown(`JSON.stringify: ${describeValue(item)} is not data that can be serialised statically`, site);
    }
  }
  chargeItems(invoker, uncharged, site);
  return undefined;
}

/** The length of the string a method makes, where it can grow beyond its inputs. */
function resultLength(name: string, receiver: Value, args: readonly Value[]): number {
  const length = typeof receiver === 'string' ? receiver.length : 0;
  if (name === 'repeat') return length * Number(args[0]);
  if (name === 'padStart' || name === 'padEnd') return Number(args[0]);
  return 0;
}

/** String methods that are pure functions of known strings. */
export const STRING_METHODS: ReadonlyMap<string, Builtin> = new Map(
  (
    [
      'toUpperCase', 'toLowerCase', 'padStart', 'padEnd', 'repeat', 'slice', 'substring', 'split', 'trim',
      'trimStart', 'trimEnd', 'startsWith', 'endsWith', 'includes', 'indexOf', 'charAt', 'concat', 'at',
    ] as const
  ).map((name) => [
    name,
    pure(name, (receiver, args) => {
      const length = resultLength(name, receiver, args);
      if (length > MAX_STRING_LENGTH) return new Unknown(`${name}: a string of ${length} characters is too large to evaluate`, undefined);
      const method = String.prototype[name] as (...values: unknown[]) => unknown;
      const result = method.apply(receiver as string, args as unknown[]);
      return result as Value;
    }),
  ]),
);

/** Number methods that are pure functions of known numbers. */
export const NUMBER_METHODS: ReadonlyMap<string, Builtin> = new Map(
  (['toFixed', 'toString', 'toPrecision'] as const).map((name) => [
    name,
    pure(name, (receiver, args) => (Number.prototype[name] as (...values: unknown[]) => string).apply(receiver as number, args as unknown[])),
  ]),
);

function mathNamespace(): BuiltinNamespace {
  const members = new Map<string, Value>();
  for (const name of Object.getOwnPropertyNames(Math)) {
    const member = (Math as unknown as Record<string, unknown>)[name];
    if (typeof member === 'number') members.set(name, member);
  }
  const functions = [
    'abs', 'ceil', 'floor', 'round', 'trunc', 'sign', 'sqrt', 'cbrt', 'exp', 'expm1', 'log', 'log2', 'log10', 'log1p',
    'pow', 'max', 'min', 'hypot', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'sinh', 'cosh', 'tanh', 'fround',
  ] as const;
  for (const name of functions) {
    const f = Math[name] as (...values: number[]) => number;
    const numeric = pure(`Math.${name}`, (_receiver, args) => f(...(args as number[])));
    // A helper's symbolic parameters (`Math.floor(outC / 4)`) get the algebra's answer.
    members.set(
      name,
      new Builtin(numeric.name, (receiver, args, site) => symbolicMath(numeric.name, args, site) ?? numeric.call(receiver, args, site)),
    );
  }
  members.set(
    'random',
    new Builtin('Math.random', (_receiver, _args, site) => new Unknown('Math.random() has no value until the code runs', site)),
  );
  return new BuiltinNamespace('Math', members);
}

/** The global objects and functions a model file may use, by name. */
export function createGlobals(invoker: Invoker): ReadonlyMap<string, Value> {
  const globals = new Map<string, Value>();
  globals.set('Math', mathNamespace());

  const arrayFrom = new Builtin('Array.from', (_receiver, args, site) => {
    const [source, mapper] = args;
    let items: Value[];
    if (source instanceof Unknown) return source;
    if (Array.isArray(source)) {
      invoker.charge(source.length, site);
      items = [...(source as Value[])];
    } else if (typeof source === 'string') {
      items = [...source];
    } else if (isPlainObject(source)) {
      const array = arrayOfLength(source['length'], site, invoker);
      if (array instanceof Unknown) return array;
      items = array;
    } else {
      return new Unknown('Array.from: the source is not an array or { length }', site);
    }
    return mapper === undefined ? items : items.map((item, index) => invoker.call(mapper, [item, index], site));
  });
  const makeArray = new Builtin('Array', (_receiver, args, site) =>
    args.length === 1 && typeof args[0] === 'number' ? arrayOfLength(args[0], site, invoker) : [...args],
  );
  globals.set(
    'Array',
    new BuiltinNamespace(
      'Array',
      new Map<string, Value>([
        ['from', arrayFrom],
        ['isArray', pure('Array.isArray', (_receiver, args) => Array.isArray(args[0]))],
        ['of', new Builtin('Array.of', (_receiver, args) => [...args])],
        ['__call__', makeArray],
      ]),
    ),
  );
  globals.set(
    'Object',
    new BuiltinNamespace(
      'Object',
      new Map<string, Value>([
        ['keys', pure('Object.keys', (_receiver, args) => (isPlainObject(args[0]) ? Object.keys(args[0]) : Array.isArray(args[0]) ? Object.keys(args[0]) : []))],
        ['values', pure('Object.values', (_receiver, args) => (isPlainObject(args[0]) ? Object.values(args[0]) : Array.isArray(args[0]) ? [...(args[0] as Value[])] : []))],
        ['entries', pure('Object.entries', (_receiver, args) => (isPlainObject(args[0]) ? Object.entries(args[0]) : []))],
        [
          'fromEntries',
          new Builtin('Object.fromEntries', (_receiver, args, site) => {
            const entries = args[0];
            if (entries instanceof Unknown) return entries;
            if (!Array.isArray(entries)) return new Unknown('Object.fromEntries: not an array of entries', site);
            const result: { [key: string]: Value } = {};
            for (const entry of entries as Value[]) {
              if (!Array.isArray(entry)) continue;
              const key = stringOf(entry[0], invoker, site);
              if (key instanceof Unknown) return key;
              result[key] = entry[1] as Value;
            }
            return result;
          }),
        ],
        ['assign', pure('Object.assign', (_receiver, args) => Object.assign({}, ...args.filter(isPlainObject)) as Value)],
        ['freeze', new Builtin('Object.freeze', (_receiver, args) => args[0])],
      ]),
    ),
  );
  const numberCall = pure('Number', (_receiver, args) => Number(args[0]));
  globals.set(
    'Number',
    new BuiltinNamespace(
      'Number',
      new Map<string, Value>([
        ['isInteger', pure('Number.isInteger', (_receiver, args) => Number.isInteger(args[0]))],
        ['isFinite', pure('Number.isFinite', (_receiver, args) => Number.isFinite(args[0]))],
        ['isNaN', pure('Number.isNaN', (_receiver, args) => Number.isNaN(args[0]))],
        ['parseInt', pure('Number.parseInt', (_receiver, args) => Number.parseInt(String(args[0]), args[1] as number | undefined))],
        ['parseFloat', pure('Number.parseFloat', (_receiver, args) => Number.parseFloat(String(args[0])))],
        ['MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER],
        ['EPSILON', Number.EPSILON],
        ['__call__', numberCall],
      ]),
    ),
  );
  globals.set('String', new BuiltinNamespace('String', new Map<string, Value>([['__call__', pure('String', (_receiver, args) => String(args[0]))]])));
  globals.set('Boolean', new BuiltinNamespace('Boolean', new Map<string, Value>([['__call__', pure('Boolean', (_receiver, args) => Boolean(args[0]))]])));
  globals.set('parseInt', pure('parseInt', (_receiver, args) => Number.parseInt(String(args[0]), args[1] as number | undefined)));
  globals.set('parseFloat', pure('parseFloat', (_receiver, args) => Number.parseFloat(String(args[0]))));
  globals.set('isNaN', pure('isNaN', (_receiver, args) => Number.isNaN(Number(args[0]))));
  globals.set('isFinite', pure('isFinite', (_receiver, args) => Number.isFinite(Number(args[0]))));
  globals.set('Infinity', Infinity);
  globals.set('NaN', NaN);
  globals.set('undefined', undefined);
  const ignore = new Builtin('console', () => undefined);
  globals.set('console', new BuiltinNamespace('console', new Map<string, Value>([['log', ignore], ['warn', ignore], ['error', ignore], ['info', ignore]])));
  globals.set(
    'JSON',
    new BuiltinNamespace(
      'JSON',
      new Map<string, Value>([
        [
          'stringify',
          new Builtin('JSON.stringify', (_receiver, args, site) => {
            const value = args[0];
            if (value instanceof Unknown) return value;
            return checkSerialisable(value, invoker, site) ?? (JSON.stringify(value) as Value);
          }),
        ],
      ]),
    ),
  );
  return globals;
}
