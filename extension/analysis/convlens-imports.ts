/**
 * The cheap test the extension makes before doing any work for a document: does its text
 * import `convlens` (or `convlens/engine`)? Files that reach the DSL only through a local
 * helper are found by the plugin itself (service/reaches-dsl.ts) once the extension is at
 * work; this only decides whether it starts. Pure.
 */

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]convlens(?:\/[\w./-]*)?['"]/;

export function importsConvLens(text: string): boolean {
  return IMPORT.test(text);
}

/** Whether a package.json's text lists `convlens` among its dependencies. */
export function dependsOnConvLens(packageJsonText: string): boolean {
  try {
    const manifest = JSON.parse(packageJsonText) as Record<string, unknown>;
    return ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].some((list) => {
      const entries = manifest[list];
      return typeof entries === 'object' && entries !== null && 'convlens' in entries;
    });
  } catch {
    // Not JSON (being edited, say): it lists nothing.
    return false;
  }
}
