/**
 * "ConvLens: New Model File": the text of a new model file, a tsconfig.json for a folder
 * that has none, and the `convlens` dependency for a package.json that lacks it. Pure
 * text in, text out; the command (new-model-file-command.ts) writes only files that do not
 * exist and never replaces what a user wrote.
 */

/** A name fit for an exported `const`: `my-net.ts` → `myNet`. */
export function toExportName(fileName: string): string {
  const base = fileName.replace(/\.[cm]?tsx?$/, '');
  const words = base.split(/[^A-Za-z0-9]+/).filter((word) => word !== '');
  const joined = words.map((word, index) => (index === 0 ? word.charAt(0).toLowerCase() + word.slice(1) : word.charAt(0).toUpperCase() + word.slice(1))).join('');
  if (joined === '') return 'net';
  return /^[0-9]/.test(joined) ? `net${joined}` : joined;
}

/** A small MNIST classifier (LeNet-5's modern reading) to start from: trains in a minute. */
export function modelFileText(exportName: string): string {
  return `import { conv2d, dense, flatten, input, maxPool2d, model, relu } from 'convlens';

/**
 * A LeNet-style classifier for MNIST's 1@28×28 digits. Shapes, parameters and receptive
 * fields appear after each layer as you type; "Train" above the model trains it.
 */
export const ${exportName} = model(
  '${exportName}',
  input(1, 28, 28),
  conv2d(6, 5, { padding: 2 }),
  relu(),
  maxPool2d(2),
  conv2d(16, 5),
  relu(),
  maxPool2d(2),
  flatten(),
  dense(120),
  relu(),
  dense(84),
  relu(),
  dense(10),
);
`;
}

/** What a model file needs: strict, and module resolution that reads `convlens`'s `exports`. */
export function tsconfigText(): string {
  return `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'node16',
        moduleResolution: 'node16',
        strict: true,
        skipLibCheck: true,
        noEmit: true,
      },
    },
    null,
    2,
  )}\n`;
}

/** A package.json for a folder that has none. */
export function packageJsonText(packageName: string, convlensVersion: string): string {
  return `${JSON.stringify({ name: toPackageName(packageName), private: true, version: '0.0.0', dependencies: { convlens: `^${convlensVersion}` } }, null, 2)}\n`;
}

/**
 * `text` (a package.json) with `convlens` added to its dependencies, indented as the file
 * is; undefined when it already depends on convlens (in any dependency list) or is not a
 * JSON object, so the caller leaves the file alone.
 */
export function addConvLensDependency(text: string, convlensVersion: string): string | undefined {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) return undefined;
  const record = manifest as Record<string, unknown>;
  const lists = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
  if (lists.some((list) => typeof record[list] === 'object' && record[list] !== null && 'convlens' in (record[list] as object))) return undefined;
  if (record['name'] === 'convlens') return undefined;
  const current = record['dependencies'];
  const dependencies = typeof current === 'object' && current !== null && !Array.isArray(current) ? (current as Record<string, unknown>) : {};
  record['dependencies'] = Object.fromEntries(Object.entries({ ...dependencies, convlens: `^${convlensVersion}` }).sort(([a], [b]) => a.localeCompare(b)));
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? '  ';
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  return `${JSON.stringify(record, null, indent).replace(/\n/g, newline)}${newline}`;
}

/** npm's rules for a package name, loosely: lower case, URL-safe. */
function toPackageName(folderName: string): string {
  const name = folderName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '');
  return name === '' ? 'convlens-models' : name;
}
