/**
 * The layout's import rules (DESIGN.md §1): imports point inward, and the pure parts
 * import nothing outside the IR, so no Node, DOM or vscode API can leak into them.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(__dirname, '..', '..');

function importsOf(folder: string): { file: string; specifier: string }[] {
  const found: { file: string; specifier: string }[] = [];
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(root, folder, entry.name);
    const source = readFileSync(file, 'utf8');
    // TypeScript's own pre-processor finds every import and re-export, ignoring comments.
    for (const { fileName } of ts.preProcessFile(source, true, true).importedFiles) {
      found.push({ file: relative(root, file), specifier: fileName });
    }
  }
  return found;
}

describe('architecture', () => {
  for (const folder of ['language/dsl', 'language/engine']) {
    it(`${folder} imports only itself and language/ir`, () => {
      const outside = importsOf(folder).filter(
        ({ specifier }) => !(specifier.startsWith('./') || specifier === '../ir'),
      );
      assert.deepEqual(outside, []);
    });
  }

  it('language/ir imports nothing', () => {
    assert.deepEqual(importsOf('language/ir'), []);
  });
});
