/**
 * The webviews' import rules: the panel is a browser bundle and the HTML/protocol modules
 * run in the extension host, so nothing in webviews/ imports `vscode`, Node or the rest of
 * ConvLens at run time; the pure view-model modules (tested here in Node) import no DOM
 * module of the panel.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(__dirname, '..', '..', '..');

function importsOf(folder: string): { file: string; specifier: string }[] {
  const found: { file: string; specifier: string }[] = [];
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(root, folder, entry.name);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
    for (const statement of source.statements) {
      if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier !== undefined && ts.isStringLiteral(statement.moduleSpecifier)) {
        found.push({ file: relative(root, file), specifier: statement.moduleSpecifier.text });
      }
    }
  }
  return found;
}

/** Modules with no DOM: unit-tested in Node. */
const PURE = ['colormap', 'drawing', 'format', 'grid', 'input-image', 'scale', 'state', 'throttle', 'view-model'];

describe('webviews: import rules', () => {
  it('webviews/ imports only its own modules (no vscode, no Node, no other ConvLens folder)', () => {
    const outside = [...importsOf('webviews'), ...importsOf('webviews/panel')].filter(
      ({ file, specifier }) => !(specifier.startsWith('./') || (file.startsWith('webviews/panel/') && ['../protocol', '../panel-html'].includes(specifier))),
    );
    assert.deepEqual(outside, []);
  });

  it('protocol.ts and panel-html.ts load nothing at run time', () => {
    for (const file of ['webviews/protocol.ts', 'webviews/panel-html.ts']) {
      const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.ES2022, false);
      const valueImports = source.statements.filter((statement) => ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly !== true);
      assert.deepEqual(valueImports.length, 0, file);
    }
  });

  it('the pure view-model modules import only each other and the protocol', () => {
    const pure = importsOf('webviews/panel').filter(({ file }) => PURE.some((name) => file === `webviews/panel/${name}.ts`));
    assert.ok(pure.length > 0);
    for (const { file, specifier } of pure) assert.ok(specifier === '../protocol' || PURE.some((name) => specifier === `./${name}`), `${file} imports ${specifier}`);
  });
});
