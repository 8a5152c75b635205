// Compiles kernels.ts (AssemblyScript) four times, into packages/runtime/dist/kernels/simd/:
// kernels.wasm (SIMD, multiply then add) and kernels-relaxed.wasm (with relaxed SIMD's fused
// multiply-add, `ASC_FEATURE_RELAXED_SIMD` in lanes.ts), which the runtime loads where the
// engine supports it (../wasm-simd-module.ts); and each again importing a *shared* memory
// (kernels-shared.wasm, kernels-relaxed-shared.wasm), which the intra-op threads run on
// (../kernel-threads.ts): a module that imports tfjs's unshared heap cannot take a shared one.
// Run by `npm run build:kernels` (part of prepare, build, test and the benchmarks).
//
// The module must import tfjs-backend-wasm's memory and must not write to it on its own:
// a data segment or a runtime would overwrite the heap tfjs's allocator manages. The build
// fails if the output has either.
import asc from 'assemblyscript/asc';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// kernels.ts is the entry (asc follows its imports); every .ts here decides whether to rebuild.
const source = join(here, 'kernels.ts');
const sources = readdirSync(here).filter((name) => name.endsWith('.ts')).map((name) => join(here, name));
const folder = join(here, '../../../packages/runtime/dist/kernels/simd');
// The shared memory's largest size, in 64 KiB pages (4 GiB, all of wasm32): a shared memory
// must declare one, and the memory the runtime makes must not declare more.
const SHARED_MAXIMUM_PAGES = '65536';
const variants = [
  { output: join(folder, 'kernels.wasm'), features: 'simd', shared: false },
  { output: join(folder, 'kernels-relaxed.wasm'), features: 'simd,relaxed-simd', shared: false },
  { output: join(folder, 'kernels-shared.wasm'), features: 'simd,threads', shared: true },
  { output: join(folder, 'kernels-relaxed-shared.wasm'), features: 'simd,relaxed-simd,threads', shared: true },
];

for (const { output, features, shared } of variants) {
  const upToDate = (() => {
    try {
      return statSync(output).mtimeMs >= Math.max(...[...sources, fileURLToPath(import.meta.url)].map((file) => statSync(file).mtimeMs));
    } catch {
      return false;
    }
  })();
  if (upToDate) continue;
  mkdirSync(dirname(output), { recursive: true });
  const { error, stderr } = await asc.main([
    source,
    '--outFile', output,
    '--optimizeLevel', '3',
    '--shrinkLevel', '0',
    '--runtime', 'stub',
    '--importMemory',
    '--noAssert',
    '--enable', features,
    '--noExportMemory',
    '--use', 'abort=',
    ...(shared ? ['--sharedMemory', '--maximumMemory', SHARED_MAXIMUM_PAGES] : []),
  ]);
  if (error) {
    console.error(stderr.toString());
    console.error(`[convlens] could not compile ${source} (${features}): ${error.message}`);
    process.exit(1);
  }
  checkModule(output, readFileSync(output), !features.includes('relaxed'));
}

function checkModule(output, bytes, compileHere) {
  // The relaxed build cannot be compiled by an engine without relaxed SIMD (Node 20 without
  // --experimental-wasm-relaxed-simd); its sections are checked all the same.
  if (compileHere || WebAssembly.validate(bytes)) {
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
    const unexpected = imports.filter((entry) => !(entry.kind === 'memory' && entry.module === 'env' && entry.name === 'memory'));
    if (unexpected.length > 0 || imports.length !== 1) fail(output, `imports ${JSON.stringify(imports)}; expected only env.memory`);
  }
  // Section ids (WebAssembly core spec §5.5.2): 11 is the data section, 8 the start function.
  let offset = 8;
  while (offset < bytes.length) {
    const id = bytes[offset];
    offset += 1;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[offset];
      offset += 1;
      size |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
    }
    if (id === 11 && size > 1) fail(output, 'has a data segment, which would overwrite tfjs\'s heap');
    if (id === 8) fail(output, 'has a start function');
    offset += size;
  }
}

function fail(output, message) {
  console.error(`[convlens] ${output} ${message}`);
  process.exit(1);
}
