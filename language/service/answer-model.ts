/** `_convlens.model`: one export's IR and what would stop training it, for Train Model. */
import { findExportedModel } from './exported-models';
import { reachesDsl } from './reaches-dsl';
import type { ModelBody, ModelRequestArgs, RequestTarget } from './requests';

export function answerModel(tsModule: typeof import('typescript'), target: RequestTarget, args: ModelRequestArgs): ModelBody {
  const { program, sourceFile } = target;
  if (!reachesDsl(tsModule, program, sourceFile)) return { model: null };
  return { model: findExportedModel(tsModule, program, sourceFile, args.exportName, target.limits) ?? null };
}
