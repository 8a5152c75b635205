/** Python literals and names for generated code. */

/**
 * A number as Python source. JavaScript's shortest round-trip form (`0.0001`, `1e-7`) is
 * also valid Python and parses to the same double.
 */
export function toPythonNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`[convlens] cannot write ${value} as a Python number`);
  return String(value);
}

/** A float as Python source, always with a decimal point or exponent (`2.0`, not `2`). */
export function toPythonFloat(value: number): string {
  const text = toPythonNumber(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

export function toPythonString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

export function toPythonBool(value: boolean): string {
  return value ? 'True' : 'False';
}

/** `5` for a square pair, `(5, 3)` otherwise: how PyTorch users write kernel sizes. */
export function toPythonPair([first, second]: readonly [number, number]): string {
  return first === second ? String(first) : `(${first}, ${second})`;
}

export function toPythonTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`;
}

/** A class name from a model name: `lenet5Modern` → `Lenet5Modern`, `my-net` → `MyNet`. */
export function toClassName(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((word) => word.length > 0);
  const joined = words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
  if (joined === '') return 'Model';
  return /^[0-9]/.test(joined) ? `Model${joined}` : joined;
}
