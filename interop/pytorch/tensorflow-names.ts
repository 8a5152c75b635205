/**
 * The TensorFlow.js layer name that the ConvLens runtime gives each IR leaf, so that the
 * weights of a ConvLens checkpoint (`<layer>/kernel`, `<layer>/bias`, …) can be found.
 *
 * This mirrors the order in which runtime/compile.ts builds its layers (interop may not
 * import the runtime; both take the name itself from the IR's `toTensorFlowName`): every
 * leaf is one layer named after its engine display name, made a valid TensorFlow.js name
 * and unique in the model, in the order the runtime builds them — a
 * residual's `add` layer and a concat's `concatenate` layer take their container's name
 * after their branches; sequential and aux containers make no layer. test/export.test.ts
 * checks the mirror against the runtime's compiled layer names.
 */
import { toTensorFlowName, type LayerNode } from '../../language/ir/index';

/**
 * Engine path of every leaf → its TensorFlow.js layer name. `displayNameAt` gives the
 * engine's display name of the node at a path (the IR's `LayerNamer`, which the runtime uses too).
 */
export function toTensorFlowLayerNames(layers: readonly LayerNode[], displayNameAt: (path: string) => string): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>(['input']);
  const visit = (node: LayerNode, path: string): void => {
    switch (node.kind) {
      case 'sequential':
        node.layers.forEach((layer, index) => visit(layer, `${path}.${index}`));
        return;
      case 'residual':
        visit(node.main, `${path}.main`);
        if (node.shortcut !== null) visit(node.shortcut, `${path}.shortcut`);
        toTensorFlowName(displayNameAt(path), taken);
        return;
      case 'concat':
        node.branches.forEach((branch, index) => visit(branch, `${path}.${index}`));
        if (node.branches.length !== 1) toTensorFlowName(displayNameAt(path), taken);
        return;
      case 'aux':
        visit(node.head, `${path}.head`);
        return;
      default:
        names.set(path, toTensorFlowName(displayNameAt(path), taken));
    }
  };
  layers.forEach((layer, index) => visit(layer, String(index)));
  return names;
}
