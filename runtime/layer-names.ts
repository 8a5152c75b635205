/**
 * TensorFlow.js names for the runtime's layers, made from their display names (the IR's
 * `LayerNamer`: the names the engine reports, `conv2d_1` or the user's `name`).
 */

/**
 * A TensorFlow.js layer name for a display name: tfjs accepts only
 * /^[A-Za-z0-9][-A-Za-z0-9._/]*$/ in weight names (tfjs-core `isValidTensorName`), and layer
 * names must be unique in a model.
 */
export function toTensorFlowName(displayName: string, taken: Set<string>): string {
  let base = displayName.replace(/[^-A-Za-z0-9._]/g, '_');
  if (!/^[A-Za-z0-9]/.test(base)) base = `l${base}`;
  let name = base;
  for (let suffix = 2; taken.has(name); suffix += 1) name = `${base}_${suffix}`;
  taken.add(name);
  return name;
}
