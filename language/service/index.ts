/**
 * Editor features over a TypeScript program, shared by the tsserver plugin, the extension's
 * in-process fallback and the CLI. Plain data in and out: TypeScript's own structures,
 * never vscode types; the `typescript` module is always passed in (tsserver injects its own).
 */
export { analyzeFile, EDITOR_LIMITS, EDITOR_TIME_BUDGET_MS, type AnalysedRoot, type FileAnalysis } from './file-analysis';
export { collectDiagnostics, DIAGNOSTIC_SOURCE, locateFindings, toDiagnosticCode, toFindingCode, type LocatedFinding } from './diagnostics';
export { FIXABLE_DIAGNOSTIC_CODES, FIXABLE_FINDING_CODES, getCodeFixes } from './code-fixes';
export { getHover, type ConvLensHover } from './quick-info';
export { provideShapeHints } from './inlay-hints';
export { listModelLenses, type ModelLens } from './code-lenses';
export { DEFAULT_SETTINGS, toSettings, type ConvLensSettings } from './settings';
export { defaultCompilerOptions } from './default-compiler-options';
export { reachesDsl } from './reaches-dsl';
export {
  findExportedModel,
  summarizeAnalysis,
  summarizeExportedModels,
  toReceptiveFieldGeometry,
  toReceptiveFieldText,
  type ExportedModel,
  type ModelSummary,
  type ModelSummaryFinding,
  type ModelSummaryRow,
  type ReceptiveFieldGeometry,
} from './exported-models';
export {
  CONVLENS_REQUESTS,
  isCodeFixesArgs,
  isFileArgs,
  isInlayHintsArgs,
  isModelArgs,
  type CodeFixesRequestArgs,
  type ConvLensCodeFix,
  type ConvLensInlayHint,
  type ConvLensRequest,
  type FileRequestArgs,
  type InlayHintsRequestArgs,
  type ModelBody,
  type ModelLensBody,
  type ModelRequestArgs,
  type ProtocolLocation,
  type RequestTarget,
  type SummaryBody,
} from './requests';
export { answerInlayHints } from './answer-inlay-hints';
export { answerModelLenses } from './answer-model-lenses';
export { answerSummary } from './answer-summary';
export { answerModel } from './answer-model';
export { answerCodeFixes } from './answer-code-fixes';
