/**
 * Static evaluation: TypeScript AST + TypeChecker → IR, without running user code.
 */
export { evaluateFile, firstUnknown, type EvaluatedRoot, type FileEvaluation, type UnresolvedExport } from './evaluate-file';
export { DEFAULT_LIMITS, DEFAULT_NESTING_DEPTH, type EvaluationLimits, type EvaluationRecord, isDslFile, type LayerReference } from './interpreter';
export { MAX_STRING_LENGTH } from './builtins';
export { Unknown } from './values';
export type { SymbolicRoot } from './uncalled-helpers';
export { createSiteFinder, type SiteFinder } from './site-in-file';
