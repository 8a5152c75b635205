/** `_convlens.summary`: one export's summary table, for the panel's Summary tab. */
import { summarizeExportedModels } from './exported-models';
import { reachesDsl } from './reaches-dsl';
import type { ModelRequestArgs, RequestTarget, SummaryBody } from './requests';
import type { ConvLensSettings } from './settings';

export function answerSummary(tsModule: typeof import('typescript'), target: RequestTarget, args: ModelRequestArgs, settings: ConvLensSettings): SummaryBody {
  const { program, sourceFile } = target;
  if (!reachesDsl(tsModule, program, sourceFile)) return { summary: null };
  return { summary: summarizeExportedModels(tsModule, program, sourceFile, settings, target.limits).find((summary) => summary.exportName === args.exportName) ?? null };
}
