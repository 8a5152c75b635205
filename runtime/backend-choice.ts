/**
 * Which TensorFlow.js backend trains the model (runtime/README.md), in order of preference:
 *
 * 1. `webgpu` — `@tensorflow/tfjs-backend-webgpu` on Dawn (the `webgpu` npm package) when
 *    Dawn finds a hardware adapter (not a CPU fallback such as SwiftShader). With
 *    CONVLENS_WEBGPU_SOFTWARE=1, an explicit `webgpu` request takes Dawn's OpenGL ES
 *    backend on Mesa's software rasteriser (llvmpipe) instead: far slower than wasm, but the
 *    same WebGPU code path, so machines without a GPU (CI) can test it.
 * 2. `tensorflow` — `@tensorflow/tfjs-node` (native libtensorflow) when it resolves, from
 *    ConvLens's own install or from the user's workspace. It is an optional dependency:
 *    its install script downloads libtensorflow, which fails offline, and a .vsix runs no
 *    install scripts, so it is found where the user installed it, never bundled.
 * 3. `wasm` — XNNPACK in WebAssembly with ConvLens's own gradient kernels
 *    (kernels/wasm-kernels.ts); SIMD yes, threads no (tfjs hard-wires them off in Node).
 * 4. `cpu` — plain JavaScript; always there, slow (~17 LeNet images/s here).
 *
 * The choice is reported with the reason each better backend was passed over.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
// Registers the cpu backend, and (through tfjs-layers) every op's gradient.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { checkKernelSettings } from './kernels/kernel-settings';
import { fixStockKernels } from './kernels/stock-kernel-fixes';
import { registerWasmKernels } from './kernels/wasm-kernels';
import { simdVariant } from './kernels/wasm-simd-module';

export const BACKEND_NAMES = ['webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The environment variable that lets an explicit `webgpu` request run on a software adapter. */
export const WEBGPU_SOFTWARE_VARIABLE = 'CONVLENS_WEBGPU_SOFTWARE';

export interface PassedOver {
  readonly backend: BackendName;
  readonly reason: string;
}

export interface BackendChoice {
  readonly backend: BackendName;
  /** The better backends that were tried first, and why each was not used. */
  readonly passedOver: readonly PassedOver[];
  /** A line for people: `wasm (webgpu: no hardware adapter; tensorflow: not installed)`. */
  readonly summary: string;
}

export interface BackendOptions {
  /** A backend name, or 'auto' for the first that works. */
  readonly requested?: BackendName | 'auto';
  /** The user's workspace, where @tensorflow/tfjs-node may be installed. */
  readonly workspace?: string;
}

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

/** Selects and initialises a backend; throws when an explicitly requested one cannot run. */
export async function chooseBackend(options: BackendOptions = {}): Promise<BackendChoice> {
  // PROD skips tfjs's debug checks and its "install tfjs-node" banner on the cpu backend.
  tf.env().set('PROD', true);
  // The kernels' settings, before any work: a typo there would otherwise surface only when
  // a kernel that reads it first runs.
  checkKernelSettings();
  const requested = options.requested ?? 'auto';
  const candidates: readonly BackendName[] = requested === 'auto' ? BACKEND_NAMES : [requested];
  const passedOver: PassedOver[] = [];
  for (const backend of candidates) {
    // Only an explicit request: then `backend` is the one candidate.
    const software = requested === 'webgpu' && process.env[WEBGPU_SOFTWARE_VARIABLE] === '1';
    const reason = await tryBackend(backend, options.workspace ?? process.cwd(), software);
    if (reason === null) {
      if (software) return { backend, passedOver, summary: `${backend} (on a software adapter: ${WEBGPU_SOFTWARE_VARIABLE}=1)` };
      const summary = passedOver.length === 0 ? backend : `${backend} (${passedOver.map((entry) => `${entry.backend}: ${entry.reason}`).join('; ')})`;
      return { backend, passedOver, summary };
    }
    if (requested !== 'auto') throw new Error(`backend '${backend}' cannot run here: ${reason}`);
    passedOver.push({ backend, reason });
  }
  throw new Error(`[convlens] no TensorFlow.js backend could start: ${passedOver.map((entry) => `${entry.backend}: ${entry.reason}`).join('; ')}`);
}

/** Initialises `backend` (webgpu on the software adapter when asked); null when it runs, else why not. */
async function tryBackend(backend: BackendName, workspace: string, softwareWebGpu: boolean): Promise<string | null> {
  switch (backend) {
    case 'webgpu':
      return await tryWebGpu(softwareWebGpu);
    case 'tensorflow':
      return await tryTensorFlowNode(workspace);
    case 'wasm':
      registerWasmKernels();
      // Compiles ConvLens's module now rather than at the first kernel: CONVLENS_SIMD=relaxed
      // on an engine without relaxed SIMD is refused before any work.
      simdVariant();
      return await activate('wasm');
    case 'cpu':
      fixStockKernels('cpu');
      return await activate('cpu');
    default: {
      const unreachable: never = backend;
      return unreachable;
    }
  }
}

async function activate(name: string): Promise<string | null> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok ? null : `tfjs could not initialise '${name}'`;
  } catch (error) {
    return firstLine(error);
  }
}

interface AdapterProbe {
  readonly found: boolean;
  readonly fallback?: boolean;
  readonly description?: string;
  readonly error?: string;
}

/**
 * The probes' answers in this process, by Dawn setup: an adapter does not come or go while
 * a process runs, and the runtime process chooses a backend for every request (a probe is
 * a child process that loads Dawn: some 0.3 s). A probe that failed (a timeout, a crash)
 * is not remembered: the next choice asks again.
 */
const probeAnswers = new Map<string, AdapterProbe>();
let probeCount = 0;

/** How many child processes this process has started to probe for a WebGPU adapter (tests). */
export function webGpuProbeCount(): number {
  return probeCount;
}

/**
 * Asks Dawn for an adapter in a child process first: Dawn prints its own warnings (a
 * missing libvulkan, say) straight to stderr, which would garble the command line's
 * output, and a broken driver must not take the training process down.
 */
function probeWebGpuAdapter(software: boolean): AdapterProbe {
  let entry: string;
  try {
    entry = require.resolve('webgpu');
  } catch {
    return { found: false, error: "the 'webgpu' package is not installed" };
  }
  const dawn = dawnSetup(software);
  const key = JSON.stringify(dawn);
  const answered = probeAnswers.get(key);
  if (answered !== undefined) return answered;
  probeCount += 1;
  const script = `
    const { create, globals } = await import(${JSON.stringify(pathToFileURL(entry).href)});
    Object.assign(globalThis, globals);
    const adapter = await create(${JSON.stringify(dawn.flags)}).requestAdapter(${JSON.stringify(dawn.adapterOptions)});
    const info = adapter === null ? null : adapter.info;
    process.stdout.write(JSON.stringify(adapter === null ? { found: false } : {
      found: true,
      fallback: Boolean(adapter.isFallbackAdapter || (info && info.type === 'CPU')),
      description: info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') : '',
    }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...dawn.env } });
  if (result.error !== undefined) return { found: false, error: firstLine(result.error) };
  try {
    const answer = JSON.parse(result.stdout) as AdapterProbe;
    probeAnswers.set(key, answer);
    return answer;
  } catch {
    const stderr = result.stderr.split('\n').find((line) => line.trim() !== '') ?? `exit status ${result.status}`;
    return { found: false, error: stderr.trim() };
  }
}

interface DawnSetup {
  /** Options for the `webgpu` package's `create`. */
  readonly flags: readonly string[];
  /** What requestAdapter is asked for. */
  readonly adapterOptions: { readonly featureLevel?: 'compatibility' };
  /** Environment Dawn's drivers read. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Dawn's defaults for a GPU; for the software adapter, its OpenGL ES backend (offered in
 * WebGPU's compatibility feature level only) on Mesa's EGL without a display.
 */
function dawnSetup(software: boolean): DawnSetup {
  if (!software) return { flags: [], adapterOptions: {}, env: {} };
  return { flags: ['backend=opengles'], adapterOptions: { featureLevel: 'compatibility' }, env: { EGL_PLATFORM: process.env['EGL_PLATFORM'] ?? 'surfaceless' } };
}

interface DawnGpu {
  requestAdapter(options?: object): Promise<unknown>;
}

async function tryWebGpu(software: boolean): Promise<string | null> {
  const probe = probeWebGpuAdapter(software);
  if (probe.error !== undefined) return probe.error;
  if (!probe.found) {
    return software ? 'Dawn found no OpenGL ES adapter (apt-get install libegl-mesa0 libgl1-mesa-dri libgles2)' : 'Dawn found no GPU adapter (no Vulkan, Metal or D3D driver)';
  }
  if (probe.fallback === true && !software) return `only a CPU fallback adapter (${probe.description ?? 'software'})`;
  try {
    const dawn = dawnSetup(software);
    // Mesa reads EGL_PLATFORM when Dawn first opens EGL, in this process too.
    Object.assign(process.env, dawn.env);
    const { create, globals } = (await import('webgpu')) as unknown as { create(flags: readonly string[]): DawnGpu; globals: object };
    Object.assign(globalThis, globals);
    const gpu = create(dawn.flags);
    // tfjs-backend-webgpu asks navigator.gpu for an adapter with options of its own; the
    // software adapter exists only at the compatibility feature level, so that is added.
    const requestAdapter = gpu.requestAdapter.bind(gpu);
    if (software) gpu.requestAdapter = (options = {}) => requestAdapter({ ...options, ...dawn.adapterOptions });
    const host = globalThis as unknown as { navigator?: { gpu?: unknown } };
    if (host.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
    (host.navigator as { gpu?: unknown }).gpu = gpu;
    await import('@tensorflow/tfjs-backend-webgpu');
    fixStockKernels('webgpu');
  } catch (error) {
    return `cannot load WebGPU: ${firstLine(error)}`;
  }
  return await activate('webgpu');
}

/** @tensorflow/tfjs-node from ConvLens's install, else from the user's workspace. */
async function tryTensorFlowNode(workspace: string): Promise<string | null> {
  const places = [createRequire(__filename), createRequire(path.join(path.resolve(workspace), 'package.json'))];
  let entry: string | null = null;
  for (const place of places) {
    try {
      entry = place.resolve('@tensorflow/tfjs-node');
      break;
    } catch {
      // Not in this place; the next one is tried and the reason is reported below.
    }
  }
  if (entry === null) return 'not installed (npm install @tensorflow/tfjs-node in the workspace to use it)';
  try {
    // Registers the 'tensorflow' backend in tfjs's global registry, shared by every copy of tfjs-core.
    require(entry);
  } catch (error) {
    return `installed but does not load: ${firstLine(error)}`;
  }
  return await activate('tensorflow');
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).trim();
}
