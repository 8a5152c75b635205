/**
 * Packages the `convlens` command uses only for some work, and so does not depend on:
 * `convlens-runtime` (train, run) and `esbuild` (executing a model file). Each is looked up
 * in the user's project first, where `npm install --save-dev …` puts it, then beside this
 * package.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';

export interface FoundPackage {
  /** The package's package.json. */
  readonly packageJson: string;
  /** Loads the package (or a subpath of it) from where it was found. */
  readonly load: (specifier: string) => unknown;
}

export function findOptionalPackage(name: string, cwd: string): FoundPackage | undefined {
  for (const from of [path.join(cwd, 'package.json'), __filename]) {
    const requireFrom = createRequire(from);
    try {
      return { packageJson: requireFrom.resolve(`${name}/package.json`), load: (specifier) => requireFrom(specifier) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return undefined;
}
