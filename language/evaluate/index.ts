/**
 * Static evaluation: TypeScript AST + TypeChecker → IR, without running user code.
 */
export { evaluateFile, firstUnknown, type EvaluatedRoot, type FileEvaluation, type UnresolvedExport } from './evaluate-file';
export { DEFAULT_LIMITS, type EvaluationLimits, type EvaluationRecord, isDslFile } from './interpreter';
export { Unknown } from './values';
export { createSiteFinder, type SiteFinder } from './site-in-file';
