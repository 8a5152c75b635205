/**
 * runtime/README.md's import rule: the runtime takes IR and nothing else of the language
 * side — `language/ir` only, never the evaluator, the engine or the CLI — plus Node's
 * built-ins and the packages it is built on.
 */
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(__dirname, '..', '..', '..');
const runtime = join(root, 'runtime');
const PACKAGES = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-webgpu',
  'webgpu',
  'pngjs',
  'jpeg-js',
];

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(folder, entry.name)) : entry.name.endsWith('.ts') ? [join(folder, entry.name)] : [],
  );
}

describe('runtime: imports', () => {
  it('imports only language/ir, itself, Node and its packages', () => {
    const outside: string[] = [];
    for (const file of sourceFiles(runtime)) {
      for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
        if (fileName.startsWith('.')) {
          const target = relative(root, resolve(dirname(file), fileName));
          if (!target.startsWith('runtime') && target !== join('language', 'ir', 'index') && target !== join('language', 'ir')) outside.push(`${relative(root, file)}: ${fileName}`);
        } else if (!PACKAGES.includes(fileName) && !builtinModules.includes(fileName.replace(/^node:/, ''))) {
          outside.push(`${relative(root, file)}: ${fileName}`);
        }
      }
    }
    assert.deepEqual(outside, []);
  });
});
