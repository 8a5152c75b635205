import * as ts from 'typescript';
import type { SourceLocation } from './source-location';

/**
 * The start of the top-level statement of `sourceFile` that contains `location`, or null
 * when none does or it is a function or class declaration: code inside those runs only
 * when something calls it, so a position there is not "this statement was running".
 */
export function findTopLevelStatementStart(sourceFile: ts.SourceFile, location: SourceLocation): number | null {
  let position: number;
  try {
    position = sourceFile.getPositionOfLineAndCharacter(location.line - 1, location.column - 1);
  } catch {
    // A position past the end of a line: the source map and the file disagree; order it last.
    return null;
  }
  const statement = sourceFile.statements.find((candidate) => candidate.getStart(sourceFile) <= position && position < candidate.end);
  if (statement === undefined || ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) return null;
  return statement.getStart(sourceFile);
}
