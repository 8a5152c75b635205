/**
 * The layout's import rules (DESIGN.md §1): imports point inward, the pure parts import
 * nothing outside the IR (so no Node, DOM or vscode API can leak into them), and the
 * language service uses the TypeScript that its host injects, never an imported copy.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(__dirname, '..', '..');

interface ImportEdge {
  readonly file: string;
  readonly specifier: string;
  /** `import type …` / `export type …`: erased, so it loads nothing at run time. */
  readonly typeOnly: boolean;
}

function importsOf(folder: string): ImportEdge[] {
  const found: ImportEdge[] = [];
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(root, folder, entry.name);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
    for (const statement of source.statements) {
      if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier !== undefined && ts.isStringLiteral(statement.moduleSpecifier)) {
        const typeOnly = ts.isImportDeclaration(statement) ? statement.importClause?.isTypeOnly === true : statement.isTypeOnly;
        found.push({ file: relative(root, file), specifier: statement.moduleSpecifier.text, typeOnly });
      }
    }
  }
  return found;
}

function outside(folder: string, allowed: readonly string[]): ImportEdge[] {
  return importsOf(folder).filter(({ specifier }) => !specifier.startsWith('./') && !allowed.includes(specifier));
}

describe('architecture', () => {
  it('language/ir imports nothing', () => {
    assert.deepEqual(importsOf('language/ir'), []);
  });

  it('language/dsl and language/engine import only language/ir', () => {
    assert.deepEqual(outside('language/dsl', ['../ir']), []);
    assert.deepEqual(outside('language/engine', ['../ir']), []);
  });

  it('language/evaluate imports only ir and dsl (and TypeScript types)', () => {
    assert.deepEqual(outside('language/evaluate', ['../ir/index', '../ir', '../dsl/index', '../dsl', 'typescript']), []);
  });

  it('language/service imports only ir, engine and evaluate (and TypeScript types)', () => {
    assert.deepEqual(outside('language/service', ['../ir/index', '../engine/index', '../evaluate/index', 'typescript']), []);
  });

  it('language/plugin is a thin adapter over language/service', () => {
    assert.deepEqual(outside('language/plugin', ['../service/index', 'typescript']), []);
  });

  it('the language service never loads its own TypeScript: only `import type` from typescript', () => {
    const valueImports = ['language/evaluate', 'language/service', 'language/plugin']
      .flatMap(importsOf)
      .filter(({ specifier, typeOnly }) => specifier === 'typescript' && !typeOnly);
    assert.deepEqual(valueImports, []);
  });
});
