/**
 * The environment variables that tune the wasm kernels, each parsed in one place:
 * CONVLENS_THREADS (kernel-threads.ts), CONVLENS_SIMD (wasm-simd-module.ts),
 * CONVLENS_WINOGRAD and CONVLENS_WINOGRAD_TILE (wasm-winograd.ts). A value that is not
 * one of a variable's own is the user's to fix: a TrainingError, which clients show as
 * one line. `checkKernelSettings` reads them all, so that chooseBackend refuses a typo
 * before any work, not when the first kernel that reads it runs (after an epoch, maybe).
 */
import { TrainingError } from '../training/training-error';

type Environment = Readonly<Record<string, string | undefined>>;

export const MAX_KERNEL_THREADS = 64;

/**
 * A variable's value, undefined when it is unset or empty: `CONVLENS_SIMD= npm test` clears
 * a setting in the shell, and means the default for every one of them.
 */
function settingOf(environment: Environment, name: string): string | undefined {
  const setting = environment[name];
  return setting === '' ? undefined : setting;
}

/** CONVLENS_THREADS: a thread count, or undefined for the default (unset, empty or `auto`). */
export function threadsSetting(environment: Environment = process.env): number | undefined {
  const setting = settingOf(environment, 'CONVLENS_THREADS');
  if (setting === undefined || setting === 'auto') return undefined;
  const threads = Number(setting);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_KERNEL_THREADS) {
    throw new TrainingError(`CONVLENS_THREADS must be a whole number from 1 to ${MAX_KERNEL_THREADS} or auto (got ${setting})`);
  }
  return threads;
}

/** CONVLENS_SIMD: the build asked for, or undefined (unset or empty) to choose by what the engine supports. */
export function simdSetting(environment: Environment = process.env): 'plain' | 'relaxed' | undefined {
  const setting = settingOf(environment, 'CONVLENS_SIMD');
  if (setting === undefined || setting === 'plain' || setting === 'relaxed') return setting;
  throw new TrainingError(`CONVLENS_SIMD must be plain or relaxed (got ${setting}); leave it unset to choose by what the engine supports`);
}

/** CONVLENS_WINOGRAD: false for `off` (the direct kernels for every convolution), true for `on`, unset or empty. */
export function winogradSetting(environment: Environment = process.env): boolean {
  const setting = settingOf(environment, 'CONVLENS_WINOGRAD');
  if (setting === undefined || setting === 'on') return true;
  if (setting === 'off') return false;
  throw new TrainingError(`CONVLENS_WINOGRAD must be on or off (got ${setting}); leave it unset for on`);
}

/** CONVLENS_WINOGRAD_TILE: 2 or 4 forces that tiling; undefined (unset or empty) chooses by the layer. */
export function winogradTileSetting(environment: Environment = process.env): 2 | 4 | undefined {
  const setting = settingOf(environment, 'CONVLENS_WINOGRAD_TILE');
  if (setting === undefined) return undefined;
  if (setting === '2' || setting === '4') return Number(setting) as 2 | 4;
  throw new TrainingError(`CONVLENS_WINOGRAD_TILE must be 2 or 4 (got ${setting}); leave it unset to choose by the layer`);
}

/** Throws the first setting's problem, if any. */
export function checkKernelSettings(environment: Environment = process.env): void {
  threadsSetting(environment);
  simdSetting(environment);
  winogradSetting(environment);
  winogradTileSetting(environment);
}
