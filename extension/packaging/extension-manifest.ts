/**
 * The .vsix's package.json from the root one (see package-vsix.ts for why there are two):
 * the editor's fields as they are, `main` the bundled extension, none of the npm package's
 * entry points, and the staged node_modules packages as exact `dependencies`. Pure.
 */

/** Fields that belong to npm only: the workspace root's and its packages'. */
export const NPM_ONLY_FIELDS: readonly string[] = ['private', 'workspaces', 'main', 'types', 'exports', 'bin', 'files', 'scripts', 'dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

export const EXTENSION_MAIN = './dist/extension.js';

export function toExtensionManifest(root: Readonly<Record<string, unknown>>, staged: ReadonlyMap<string, string>): Record<string, unknown> {
  const manifest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(root)) {
    if (!NPM_ONLY_FIELDS.includes(key)) manifest[key] = value;
  }
  manifest['main'] = EXTENSION_MAIN;
  manifest['dependencies'] = Object.fromEntries([...staged].sort(([a], [b]) => a.localeCompare(b)));
  return manifest;
}
