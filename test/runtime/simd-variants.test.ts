/**
 * The two builds of ConvLens's SIMD kernels (runtime/kernels/simd/build.mjs): kernels.wasm
 * (multiply, then add) and kernels-relaxed.wasm (relaxed SIMD's fused multiply-add). The
 * runtime picks the relaxed one on every engine it supports (Node 22 and VS Code natively, Node
 * 20 by turning on V8's --experimental-wasm-relaxed-simd itself); this test checks that
 * choice and runs the kernel suites (test/runtime/wasm-kernels.test.ts, the cpu backend as
 * oracle, test/runtime/wasm-winograd.test.ts, the direct kernels as oracle, and
 * test/runtime/wasm-batch-norm.test.ts, the stock layer on cpu as oracle) on the
 * build this process does not use, in a child Node forced to it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { simdVariant } from 'convlens-runtime/kernels/wasm-simd-module';

describe('runtime: the plain and the relaxed-SIMD builds of the kernels', function () {
  this.timeout(300_000);

  it('runs the relaxed build on this Node, flag or no flag (unless CONVLENS_SIMD says otherwise)', () => {
    // Empty counts as unset, as the runtime reads it.
    const forced = process.env['CONVLENS_SIMD'] || undefined;
    assert.equal(simdVariant(), forced ?? 'relaxed');
  });

  it('the other build passes the wasm kernel suites in a child Node', () => {
    const other = simdVariant() === 'plain' ? 'relaxed' : 'plain';
    const suites = ['wasm-kernels.test.js', 'wasm-winograd.test.js', 'wasm-batch-norm.test.js'].map((name) => join(__dirname, name));
    const result = spawnSync(process.execPath, [require.resolve('mocha/bin/mocha.js'), '--no-config', '--timeout', '120000', '--reporter', 'dot', ...suites], {
      encoding: 'utf8',
      // CONVLENS_SIMD=relaxed fails rather than fall back, so a pass means the relaxed build ran.
      env: { ...process.env, CONVLENS_SIMD: other },
    });
    assert.equal(result.status, 0, `${other} build: ${result.stdout.slice(-3000)}${result.stderr.slice(-2000)}`);
    assert.match(result.stdout, /\d+ passing/);
    assert.doesNotMatch(result.stdout, /failing/);
  });
});
