/**
 * `convlens/engine`: IR → shapes, parameters, MACs, receptive fields, memory and findings.
 * Pure: imports nothing outside ../ir, runs anywhere (editor, CLI, browser).
 */
export { analyze, analyzeGan, analyzeModel } from './analyze';
export { FINDING_CODES, type FindingKind } from './findings';
export { formatBytes, formatCount, formatDim, formatFactor, formatScaled, formatShape, MAX_DISPLAY_TEXT_LENGTH, shortenText, type ShapeFormat } from './format';
export { isGreater, isPositive, minus, plus, product, productOf, sum, sumOf } from './unknown-arithmetic';
export { MAX_LAYER_REPORTS, MAX_NESTING_DEPTH } from './tree-extent';
export { callLabel } from './leaf-layers';
export { compareModels, difference, toComparisonTable, type ComparisonTable, type ModelComparison, type StageComparison, type StageFigures } from './compare-models';
export type * from './types';
