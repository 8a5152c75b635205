/**
 * The training runtime (`convlens-runtime`: TensorFlow.js, ConvLens's SIMD kernels, Dawn,
 * MNIST) is a package of its own, hundreds of megabytes that a project which only writes
 * models never installs. `convlens train` and `convlens run` load it here; without it they
 * stop with the install command.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { findOptionalPackage } from './optional-package';
import { UserError } from './user-error';

export type Runtime = typeof import('convlens-runtime');

export const RUNTIME_PACKAGE = 'convlens-runtime';

/** The runtime for `command` (`train`, `run`), or a UserError naming the exact install command. */
export function loadRuntime(command: string, cwd: string): Runtime {
  // dist/cli/ is two folders below this package's root.
  const version = readVersion(path.join(__dirname, '..', '..', 'package.json'));
  const found = findOptionalPackage(RUNTIME_PACKAGE, cwd);
  if (found === undefined) {
    throw new UserError(`convlens ${command} needs the training runtime, which is not installed: run npm install --save-dev ${RUNTIME_PACKAGE}@${version}`);
  }
  const installed = readVersion(found.packageJson);
  // 0.x: a minor version may change the IR the runtime reads, so both must agree on it.
  if (majorMinor(installed) !== majorMinor(version)) {
    throw new UserError(`${RUNTIME_PACKAGE} ${installed} does not match convlens ${version}: run npm install --save-dev ${RUNTIME_PACKAGE}@${version}`);
  }
  return found.load(RUNTIME_PACKAGE) as Runtime;
}

function readVersion(packageJson: string): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

function majorMinor(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}
