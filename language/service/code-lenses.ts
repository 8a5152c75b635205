/**
 * Where the extension puts its code lenses: above each exported model (Train · Summary ·
 * Feature maps) and GAN (Train GAN · Samples).
 */
import type * as ts from 'typescript';
import type { EvaluationLimits } from '../evaluate/index';
import { analyzeFile } from './file-analysis';

export interface ModelLens {
  readonly exportName: string;
  readonly kind: 'model' | 'gan';
  readonly modelName: string;
  /** The exported declaration's name. */
  readonly span: ts.TextSpan;
}

export function listModelLenses(
  tsModule: typeof import('typescript'),
  program: ts.Program,
  sourceFile: ts.SourceFile,
  limits?: EvaluationLimits,
): ModelLens[] {
  const lenses: ModelLens[] = [];
  for (const { evaluated } of analyzeFile(tsModule, program, sourceFile, limits).roots) {
    const name = evaluated.nameNode;
    if (evaluated.exportName === null || name === undefined || name.getSourceFile() !== sourceFile) continue;
    lenses.push({
      exportName: evaluated.exportName,
      kind: evaluated.root.kind,
      modelName: evaluated.root.name,
      span: { start: name.getStart(sourceFile), length: name.getEnd() - name.getStart(sourceFile) },
    });
  }
  return lenses;
}
