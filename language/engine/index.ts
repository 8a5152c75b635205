/**
 * `convlens/engine`: IR → shapes, parameters, MACs, receptive fields, memory and findings.
 * Pure: imports nothing outside ../ir, runs anywhere (editor, CLI, browser).
 */
export { analyze, analyzeGan, analyzeModel } from './analyze';
export { FINDING_CODES, type FindingKind } from './findings';
export { formatBytes, formatCount, formatScaled, formatShape, type ShapeFormat } from './format';
export { callLabel } from './leaf-layers';
export type * from './types';
