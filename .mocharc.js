/**
 * mocha's settings for `npm test`: every compiled suite under dist/test but the browser,
 * end-to-end and packages ones, two files at a time (`parallel`, `jobs: 2`).
 *
 * The files go in an order of our own, not alphabetical: mocha's parallel mode hands them
 * to its two workers in the order given, each file to the first worker that is free, and a
 * worker runs file after file in one process. So
 * - the longest files go first (SLOW_FIRST), the short ones fill in at the end, and the two
 *   workers finish together instead of one waiting for the other's last long file;
 * - wasm-winograd.test.js goes first of all, into a fresh process: its oracle (tfjs's cpu
 *   backend) ran 2 to 3 times slower in a worker where many other files had run before.
 * A file missing from SLOW_FIRST still runs, after those, in alphabetical order; a name in
 * it that no longer exists is skipped.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join('dist', 'test');
/** Not part of npm test: npm run test:browser, test:e2e and test:packages run them. */
const OTHER_SUITES = ['browser', 'e2e', 'packages'];
/** Longest first (measured with 2 jobs on 2 cores), paths under dist/test without `.test.js`. */
const SLOW_FIRST = [
  'runtime/wasm-winograd',
  'export',
  'runtime/kernel-threads',
  'runtime/webgpu-software',
  'runtime/simd-variants',
  'tsserver-fuzz',
  'runtime/cli-train',
  'runtime/runtime-process',
  'cli-static',
  'extension-requests',
  'runtime/training',
  'runtime/shared-heap',
  'runtime/protocol',
  'tsserver',
  'runtime/checkpoint-recovery',
  'runtime/backend-agreement',
  'service',
  'runtime/compile',
  'runtime/attribution',
  'bounded-analysis',
  'architecture',
  'runtime/wasm-kernels',
  'evaluate',
];

function testFiles(folder) {
  if (!fs.existsSync(folder)) return [];
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) return folder === ROOT && OTHER_SUITES.includes(entry.name) ? [] : testFiles(file);
    return entry.name.endsWith('.test.js') ? [file] : [];
  });
}

const files = testFiles(ROOT).sort();
const first = SLOW_FIRST.map((name) => path.join(ROOT, `${name}.test.js`)).filter((file) => files.includes(file));

module.exports = {
  spec: [...first, ...files.filter((file) => !first.includes(file))],
  timeout: 20000,
  reporter: 'spec',
  parallel: true,
  jobs: 2,
};
