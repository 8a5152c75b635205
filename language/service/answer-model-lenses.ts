/** `_convlens.modelLenses`: where the code lenses of a file's exported models and GANs go. */
import { listModelLenses } from './code-lenses';
import { reachesDsl } from './reaches-dsl';
import { toProtocolLocation, type ModelLensBody, type RequestTarget } from './requests';

export function answerModelLenses(tsModule: typeof import('typescript'), target: RequestTarget): ModelLensBody[] {
  const { program, sourceFile } = target;
  if (!reachesDsl(tsModule, program, sourceFile)) return [];
  return listModelLenses(tsModule, program, sourceFile, target.limits).map((lens) => ({
    exportName: lens.exportName,
    kind: lens.kind,
    modelName: lens.modelName,
    start: toProtocolLocation(sourceFile, lens.span.start),
    end: toProtocolLocation(sourceFile, lens.span.start + lens.span.length),
  }));
}
