/**
 * What the service tests share: an in-memory project's hints written back into its source
 * as `/* label *\/`, its diagnostics as text, hovers, and applying a quick fix.
 */
import * as assert from 'node:assert/strict';
import ts from 'typescript';
import { collectDiagnostics, DEFAULT_SETTINGS, getCodeFixes, getHover, provideShapeHints, type ConvLensSettings } from 'convlens/service';
import { MemoryProject } from './memory-project';

/** Fixture text with `/*|name*\/` markers removed, and each marker's position. */
export function withMarkers(source: string): { text: string; at: (name: string) => number } {
  const positions = new Map<string, number>();
  let text = '';
  let last = 0;
  for (const match of source.matchAll(/\/\*\|(\w+)\*\//g)) {
    text += source.slice(last, match.index);
    positions.set(match[1]!, text.length);
    last = match.index + match[0].length;
  }
  text += source.slice(last);
  return {
    text,
    at: (name) => {
      const position = positions.get(name);
      if (position === undefined) throw new Error(`no marker ${name}`);
      return position;
    },
  };
}

/** The file with each hint written back where the editor shows it, as ` /* label *\/`. */
export function renderHints(text: string, hints: readonly ts.InlayHint[]): string {
  let rendered = text;
  for (const hint of [...hints].sort((a, b) => b.position - a.position)) {
    const label = typeof hint.text === 'string' ? hint.text : '';
    rendered = `${rendered.slice(0, hint.position)}${hint.whitespaceBefore === true ? ' ' : ''}/* ${label} */${hint.whitespaceAfter === true ? ' ' : ''}${rendered.slice(hint.position)}`;
  }
  return rendered;
}

export function hintsOf(project: MemoryProject, name: string, settings: ConvLensSettings = DEFAULT_SETTINGS): ts.InlayHint[] {
  const { program, sourceFile } = project.target(name);
  return provideShapeHints(ts, program, sourceFile, { start: 0, length: sourceFile.text.length }, settings);
}

/** A one-file project whose file type-checks, and the file rendered with its hints. */
export function renderedHints(source: string, settings: ConvLensSettings = DEFAULT_SETTINGS): string {
  const project = new MemoryProject({ 'model.ts': source });
  assert.deepEqual(project.typeErrors('model.ts'), [], 'the fixture type-checks');
  return renderHints(source, hintsOf(project, 'model.ts', settings));
}

export function applyChanges(text: string, changes: readonly ts.TextChange[]): string {
  let result = text;
  for (const change of [...changes].sort((a, b) => b.span.start - a.span.start)) {
    result = result.slice(0, change.span.start) + change.newText + result.slice(change.span.start + change.span.length);
  }
  return result;
}


export function diagnosticsOf(project: MemoryProject, name: string): ts.Diagnostic[] {
  const { program, sourceFile } = project.target(name);
  return collectDiagnostics(ts, program, sourceFile);
}

/** Each diagnostic as `squiggled text: code message`, in file order. */
export function describeDiagnostics(project: MemoryProject, name: string): string[] {
  const text = project.text(name);
  return diagnosticsOf(project, name).map(
    (diagnostic) => `${text.slice(diagnostic.start, (diagnostic.start ?? 0) + (diagnostic.length ?? 0))}: ${diagnostic.code} ${String(diagnostic.messageText)}`,
  );
}

export function hoverAt(project: MemoryProject, name: string, position: number, settings: ConvLensSettings = DEFAULT_SETTINGS) {
  const { program, sourceFile } = project.target(name);
  return getHover(ts, program, sourceFile, position, settings);
}

/**
 * Applies the one fix offered for the diagnostic at `squiggled` (the first such text in the
 * file) and returns the fix and the new text; the project then holds the new text.
 */
export function applyFix(project: MemoryProject, name: string, squiggled: string, code: number): { fix: ts.CodeFixAction; text: string } {
  const text = project.text(name);
  const diagnostic = diagnosticsOf(project, name).find(
    (candidate) => candidate.code === code && text.slice(candidate.start, (candidate.start ?? 0) + (candidate.length ?? 0)) === squiggled,
  );
  assert.ok(diagnostic?.start !== undefined && diagnostic.length !== undefined, `a ${code} diagnostic at '${squiggled}'`);
  const { program, sourceFile } = project.target(name);
  const fixes = getCodeFixes(ts, program, sourceFile, diagnostic.start, diagnostic.start + diagnostic.length, [code]);
  assert.equal(fixes.length, 1, `one fix for ${code}`);
  const [fix] = fixes as [ts.CodeFixAction];
  assert.deepEqual(
    fix.changes.map((change) => change.fileName),
    [project.path(name)],
    'the fix edits only this file',
  );
  const fixed = applyChanges(text, fix.changes[0]!.textChanges);
  project.edit(name, fixed);
  return { fix, text: fixed };
}

/** The fixed file type-checks and ConvLens finds nothing wrong with it any more. */
export function assertClean(project: MemoryProject, name: string): void {
  assert.deepEqual(project.typeErrors(name), [], 'TypeScript errors after the fix');
  assert.deepEqual(describeDiagnostics(project, name), [], 'ConvLens diagnostics after the fix');
}
