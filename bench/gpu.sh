#!/usr/bin/env bash
# bench/gpu.sh: ConvLens on a real GPU, in one go, on a machine that has one (Linux, a
# Vulkan driver for Dawn; PyTorch with CUDA optional). Prepared on a machine without a GPU
# and not yet run on one (bench/README.md).
#
#   1. Checks: every construct fixture (test/fixtures/export/constructs.ts: padding, pooling,
#      groups, LRN, transposed convolutions, upsampling, batch norm, residual, concat, aux
#      heads, a GAN) gives the same outputs and weight gradients on webgpu (the hardware
#      adapter) as on wasm, to 1e-4 of the largest element, as
#      test/runtime/backend-agreement.test.ts does on a software adapter. Prints the worst.
#   2. Times LeNet-5, the small VGG and the ResNet-18 case on webgpu against PyTorch (CUDA
#      when `python3 -c 'import torch; torch.cuda.is_available()'` says so, else its CPU),
#      printing bench:train's table and ratios.
#
#   bash bench/gpu.sh [--rounds N]        (exit 1 when a construct disagrees)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
if [[ "${1:-}" == "--rounds" ]]; then rounds="${2:?--rounds needs a number}"; fi

npm run --silent build >/dev/null
folder="$(mktemp -d)"
trap 'rm -rf "$folder"' EXIT

echo "== 1. webgpu against wasm on every construct"
node dist/test/runtime/construct-outputs.js wasm "$folder/wasm.json"
if ! node dist/test/runtime/construct-outputs.js webgpu "$folder/webgpu.json" 2>"$folder/webgpu.err"; then
  echo "convlens: webgpu could not run: $(tail -n 1 "$folder/webgpu.err") (is there a GPU with a Vulkan driver?)" >&2
  exit 1
fi
node - "$folder/wasm.json" "$folder/webgpu.json" <<'NODE'
const { readFileSync } = require('node:fs');
const [wasm, webgpu] = process.argv.slice(2).map((file) => JSON.parse(readFileSync(file, 'utf8')));
// As test/runtime/relative-error.ts: the largest difference over the largest magnitude.
const relative = (actual, expected) => {
  let difference = 0;
  let scale = 1e-6;
  expected.forEach((value, index) => {
    difference = Math.max(difference, Math.abs(actual[index] - value));
    scale = Math.max(scale, Math.abs(value));
  });
  return difference / scale;
};
let worst = { error: 0, where: 'nothing' };
let failures = 0;
for (const [network, reference] of Object.entries(wasm.results)) {
  const other = webgpu.results[network];
  if (other === undefined) {
    console.log(`${network}: missing on webgpu`);
    failures += 1;
    continue;
  }
  const pairs = [...reference.outputs.map((output, index) => [`output ${index}`, other.outputs[index], output]),
    ...reference.gradients.map((gradient, index) => [`gradient of weight ${index}`, other.gradients[index], gradient])];
  for (const [what, actual, expected] of pairs) {
    const error = actual === undefined || actual.length !== expected.length ? Infinity : relative(actual, expected);
    if (error > worst.error) worst = { error, where: `${network} ${what}` };
    if (!(error < 1e-4)) {
      console.log(`${network} ${what}: webgpu differs from wasm by ${error.toExponential(2)} of the largest element (allowed 1e-4)`);
      failures += 1;
    }
  }
}
console.log(`${Object.keys(wasm.results).length} networks on ${webgpu.backend}; worst difference ${worst.error.toExponential(2)} (${worst.where}); ${failures} over 1e-4`);
process.exit(failures === 0 ? 0 : 1);
NODE

echo "== 2. LeNet-5, the small VGG and ResNet-18 (32×32) on webgpu against PyTorch"
peer=cpu
if /usr/bin/python3 -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then peer=cuda; fi
echo "PyTorch on $peer"
for only in lenet5 small-vgg resnet18; do
  node bench/train.js --backend webgpu --peer-device "$peer" --rounds "$rounds" --only "$only"
done
