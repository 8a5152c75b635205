/**
 * The two builds of ConvLens's SIMD kernels (runtime/kernels/simd/build.mjs): kernels.wasm
 * (multiply, then add) and kernels-relaxed.wasm (relaxed SIMD's fused multiply-add). The
 * runtime picks the relaxed one where the engine has relaxed SIMD; this test checks that
 * choice and runs the kernel suites (test/runtime/wasm-kernels.test.ts, the cpu backend as
 * oracle, test/runtime/wasm-winograd.test.ts, the direct kernels as oracle, and
 * test/runtime/wasm-batch-norm.test.ts, the stock layer on cpu as oracle) on the
 * build this process does not use, in a child Node forced to it — with
 * --experimental-wasm-relaxed-simd where the relaxed build needs the flag (Node 20).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simdVariant } from 'convlens-runtime/kernels/wasm-simd-module';

const simdFolder = join(require.resolve('convlens-runtime/kernels/wasm-simd-module'), '..', 'simd');
const engineHasRelaxedSimd = WebAssembly.validate(readFileSync(join(simdFolder, 'kernels-relaxed.wasm')));

describe('runtime: the plain and the relaxed-SIMD builds of the kernels', function () {
  this.timeout(300_000);

  it('runs the relaxed build exactly where the engine has relaxed SIMD (unless CONVLENS_SIMD says otherwise)', () => {
    const forced = process.env['CONVLENS_SIMD'];
    assert.equal(simdVariant(), forced ?? (engineHasRelaxedSimd ? 'relaxed' : 'plain'));
  });

  it('the other build passes the wasm kernel suites in a child Node', () => {
    const other = simdVariant() === 'plain' ? 'relaxed' : 'plain';
    const flags = other === 'relaxed' && !engineHasRelaxedSimd ? ['--experimental-wasm-relaxed-simd'] : [];
    const suites = ['wasm-kernels.test.js', 'wasm-winograd.test.js', 'wasm-batch-norm.test.js'].map((name) => join(__dirname, name));
    const result = spawnSync(process.execPath, [...flags, require.resolve('mocha/bin/mocha.js'), '--no-config', '--timeout', '120000', '--reporter', 'dot', ...suites], {
      encoding: 'utf8',
      // CONVLENS_SIMD=relaxed fails rather than fall back, so a pass means the relaxed build ran.
      env: { ...process.env, CONVLENS_SIMD: other },
    });
    assert.equal(result.status, 0, `${other} build: ${result.stdout.slice(-3000)}${result.stderr.slice(-2000)}`);
    assert.match(result.stdout, /\d+ passing/);
    assert.doesNotMatch(result.stdout, /failing/);
  });
});
