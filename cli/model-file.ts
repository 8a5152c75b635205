/**
 * What both summary modes produce from a model file: its exported models and GANs, where
 * each IR node was created, and the order the file creates them in.
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { RootNode } from '../language/ir/index';
import type { Locate } from './source-location';
import { UserError, toOneLine } from './user-error';

/** One `model` or `gan` the file exports. */
export interface ExportedRoot {
  /** The export's name; `default` for a default export. */
  readonly exportName: string;
  readonly root: RootNode;
}

export interface ModelFile {
  /** The path as messages show it: relative to the working directory. */
  readonly displayPath: string;
  /** In the order the file creates them (see sortByCreation). */
  readonly roots: readonly ExportedRoot[];
  /** Where in this file each IR node was created. */
  readonly locate: Locate;
}

/** Paths in messages are relative to the working directory, as the user typed them. */
export function toDisplayPath(absolutePath: string, cwd: string): string {
  const relative = path.relative(cwd, absolutePath);
  return relative === '' ? '.' : relative;
}

/** JavaScript, which static evaluation does not read (it follows TypeScript's import declarations and types). */
export function isJavaScriptFile(file: string): boolean {
  return /\.[cm]?jsx?$/i.test(file);
}

/** Throws UserError unless `absolutePath` is a readable file. */
export async function checkIsFile(absolutePath: string, displayPath: string): Promise<void> {
  try {
    const stats = await stat(absolutePath);
    if (!stats.isFile()) throw new UserError(`${displayPath} is not a file`);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError(`${displayPath}: no such file`);
    throw new UserError(`cannot read ${displayPath}: ${toOneLine(String((error as Error).message))}`);
  }
}

/** What orders a file's exported roots; both modes compute it the same way. */
export interface CreationKey {
  /**
   * Offset of the summarised file's top-level statement that was running when the root was
   * created (execute mode: the outermost stack frame in the file; static mode: the
   * evaluator's `rootStatement`); null when none was (the root came from another file).
   */
  readonly statementStart: number | null;
  /** Ties (two roots made by one statement): the position `locate` gives the root. */
  readonly location: { readonly line: number; readonly column: number } | null;
}

/**
 * Roots in the order the file creates them: by top-level statement, then by the call that
 * created each; roots created by other files last; equal keys (one root exported under
 * two names) by export name, so that both modes agree whatever order they found them in.
 */
export function sortByCreation<T extends ExportedRoot>(roots: readonly T[], keyOf: (root: RootNode) => CreationKey): T[] {
  const keyed = roots.map((entry) => ({ entry, key: keyOf(entry.root) }));
  const compare = (a: number | undefined, b: number | undefined): number => (a ?? Infinity) - (b ?? Infinity) || 0;
  keyed.sort(
    (a, b) =>
      compare(a.key.statementStart ?? undefined, b.key.statementStart ?? undefined) ||
      compare(a.key.location?.line, b.key.location?.line) ||
      compare(a.key.location?.column, b.key.location?.column) ||
      (a.entry.exportName < b.entry.exportName ? -1 : a.entry.exportName > b.entry.exportName ? 1 : 0),
  );
  return keyed.map(({ entry }) => entry);
}
