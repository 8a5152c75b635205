/**
 * Execute mode: bundle a model file with esbuild, run the bundle, and collect the models
 * and GANs it exports together with where each IR node was created.
 *
 * The bundle is compiled with `vm.compileFunction` under a made-up file name, so its
 * frames are easy to pick out of a stack trace; esbuild's source map (decoded with
 * `node:module`'s `SourceMap`) maps them back to the user's files. Nothing is written to
 * disk and no process-wide setting (such as `process.setSourceMapsEnabled`) is changed.
 */
import type { BuildFailure, Message } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { Console } from 'node:console';
import { SourceMap, createRequire, type SourceMapPayload } from 'node:module';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { compileFunction } from 'node:vm';
import * as ts from 'typescript';
import { isRootNode } from '../language/ir/index';
import { checkIsFile, sortByCreation, toDisplayPath, type CreationKey, type ExportedRoot, type ModelFile } from './model-file';
import { findOptionalPackage } from './optional-package';
import { createRecordingDsl } from './recording-dsl';
import { toLocate, type SourceLocation } from './source-location';
import { findTopLevelStatementStart } from './top-level-statement';
import { UserError, toOneLine } from './user-error';

export { toDisplayPath, type ExportedRoot, type ModelFile } from './model-file';

/** A position in any file of the bundle, 1-based. */
interface BundleOrigin extends SourceLocation {
  readonly file: string;
}

/** Runs `filePath` (resolved against `cwd`) and returns what it exports. Throws UserError for the user's problems. */
export async function executeModelFile(filePath: string, cwd: string, writeConsole: (text: string) => void): Promise<ModelFile> {
  const absolutePath = path.resolve(cwd, filePath);
  const displayPath = toDisplayPath(absolutePath, cwd);
  await checkIsFile(absolutePath, displayPath);

  // Never written: it names the bundle in stack traces and anchors the source map's paths.
  const bundlePath = `${absolutePath}.convlens-bundle.js`;
  const { code, sourceMap } = await bundle(absolutePath, bundlePath, cwd);
  const findOrigins = createOriginFinder(bundlePath, sourceMap);

  const locations = new WeakMap<object, SourceLocation>();
  /** For models and GANs: the outermost frame in the model file, i.e. its top-level code that was running. */
  const outermost = new WeakMap<object, SourceLocation>();
  const recordCaller = (node: object): void => {
    // Factories may be called from deep inside the user's helpers; keep enough frames to
    // get back to the model file.
    const savedLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 100;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = savedLimit;
    const inFile = findOrigins(stack).filter((candidate) => candidate.file === absolutePath);
    // The innermost frame in the model file itself: the DSL call when it is written there,
    // else the call of the imported helper that made it.
    const innermost = inFile[0];
    if (innermost !== undefined) locations.set(node, { line: innermost.line, column: innermost.column });
    const outer = inFile[inFile.length - 1];
    if (outer !== undefined && isRootNode(node)) outermost.set(node, { line: outer.line, column: outer.column });
  };
  const recordingDsl = createRecordingDsl(recordCaller);

  const exported = runBundle(code, bundlePath, absolutePath, recordingDsl, writeConsole, (thrown) =>
    describeThrown(thrown, findOrigins, cwd, displayPath),
  );
  const locate = toLocate(locations);
  const roots = collectRoots(exported, (thrown) => describeThrown(thrown, findOrigins, cwd, displayPath));
  // The statements are found in the file as it was bundled (esbuild read it just now).
  const sourceFile = ts.createSourceFile(absolutePath, await readFile(absolutePath, 'utf8'), ts.ScriptTarget.Latest, true);
  const keyOf = (root: object): CreationKey => {
    const outer = outermost.get(root);
    return { statementStart: outer === undefined ? null : findTopLevelStatementStart(sourceFile, outer), location: locate(root) };
  };
  return { displayPath, roots: sortByCreation(roots, keyOf), locate };
}

async function bundle(
  absolutePath: string,
  bundlePath: string,
  cwd: string,
): Promise<{ code: string; sourceMap: SourceMapPayload }> {
  const { build } = loadEsbuild(cwd, toDisplayPath(absolutePath, cwd));
  try {
    const result = await build({
      entryPoints: [absolutePath],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: `node${process.versions.node.split('.')[0]}`,
      // The user's file gets a recording copy of the DSL (see runBundle), never a bundled one.
      external: ['convlens', 'convlens/*'],
      // 'external' leaves no sourceMappingURL comment, so nothing ever tries to load the map.
      sourcemap: 'external',
      sourcesContent: false,
      write: false,
      outfile: bundlePath,
      absWorkingDir: cwd,
      logLevel: 'silent',
    });
    const code = result.outputFiles.find((file) => file.path.endsWith('.js'))?.text;
    const map = result.outputFiles.find((file) => file.path.endsWith('.map'))?.text;
    if (code === undefined || map === undefined) throw new Error('[convlens] esbuild returned no bundle or no source map');
    return { code, sourceMap: JSON.parse(map) as SourceMapPayload };
  } catch (error) {
    const messages = (error as Partial<BuildFailure>).errors;
    if (Array.isArray(messages) && messages.length > 0) {
      throw new UserError(describeBuildMessage(messages[0] as Message, cwd));
    }
    throw error;
  }
}

/**
 * esbuild, which bundles the file before it runs. Only running a file needs it (`summary
 * --execute`, and `train`/`run`/`export` on a file static evaluation cannot know), so it is
 * an optional peer of this package rather than a dependency.
 */
function loadEsbuild(cwd: string, displayPath: string): typeof import('esbuild') {
  const found = findOptionalPackage('esbuild', cwd);
  if (found === undefined) throw new UserError(`running ${displayPath} needs esbuild to bundle it, which is not installed: run npm install --save-dev esbuild`);
  return found.load('esbuild') as typeof import('esbuild');
}

/** `file:line:col: text`, the way compilers print errors, for the first esbuild error. */
function describeBuildMessage(message: Message, cwd: string): string {
  const text = toOneLine(message.text);
  const location = message.location;
  if (location === null) return text;
  const file = toDisplayPath(path.resolve(cwd, location.file), cwd);
  return `${file}:${location.line}:${location.column + 1}: ${text}`;
}

/**
 * Runs the bundle as a CommonJS module whose `require('convlens')` is the recording DSL.
 * `convlens/…` subpaths resolve in this package (Node's self-reference) and anything else
 * (Node built-ins, packages left unbundled) from the user's file. The file's console output
 * goes to `writeConsole` (the command's stderr) so that it never mixes with the summary
 * (notably `--json`).
 */
function runBundle(
  code: string,
  bundlePath: string,
  absolutePath: string,
  recordingDsl: Readonly<Record<string, unknown>>,
  writeConsole: (text: string) => void,
  describe: (thrown: unknown) => string,
): unknown {
  const userRequire = createRequire(absolutePath);
  const ownRequire = createRequire(__filename);
  const requireForBundle = Object.assign(
    (id: string): unknown => {
      if (id === 'convlens') return recordingDsl;
      if (id.startsWith('convlens/')) return ownRequire(id);
      return userRequire(id);
    },
    { resolve: userRequire.resolve, cache: userRequire.cache, main: userRequire.main },
  );
  const moduleForBundle = { exports: {} as unknown, id: absolutePath, filename: absolutePath, loaded: false };
  const run = compileFunction(code, ['exports', 'require', 'module', '__filename', '__dirname', 'console'], {
    filename: bundlePath,
  });
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      writeConsole(chunk.toString());
      done();
    },
  });
  const userConsole = new Console({ stdout: sink, stderr: sink });
  try {
    run.call(
      moduleForBundle.exports,
      moduleForBundle.exports,
      requireForBundle,
      moduleForBundle,
      absolutePath,
      path.dirname(absolutePath),
      userConsole,
    );
  } catch (thrown) {
    throw new UserError(describe(thrown));
  }
  moduleForBundle.loaded = true;
  return moduleForBundle.exports;
}

/** The exported models and GANs (esbuild lists exports alphabetically). */
function collectRoots(exported: unknown, describe: (thrown: unknown) => string): ExportedRoot[] {
  if ((typeof exported !== 'object' && typeof exported !== 'function') || exported === null) return [];
  const roots: ExportedRoot[] = [];
  for (const exportName of Object.keys(exported)) {
    let value: unknown;
    try {
      // esbuild's exports are getters; a `let` read before its initialisation throws.
      value = (exported as Record<string, unknown>)[exportName];
    } catch (thrown) {
      throw new UserError(describe(thrown));
    }
    if (isRootNode(value)) roots.push({ exportName, root: value });
  }
  return roots;
}

/**
 * Maps the bundle's frames in a stack trace, innermost first, to positions in the files
 * the bundle was built from. Frames outside the bundle (Node, the DSL) are skipped.
 */
function createOriginFinder(bundlePath: string, payload: SourceMapPayload): (stack: string) => BundleOrigin[] {
  const sourceMap = new SourceMap(payload);
  const bundleDirectory = path.dirname(bundlePath);
  const framePattern = new RegExp(`${escapeRegExp(bundlePath)}:(\\d+):(\\d+)`);
  return (stack) => {
    const origins: BundleOrigin[] = [];
    for (const frame of stack.split('\n')) {
      const match = framePattern.exec(frame);
      if (match === null) continue;
      // Stack positions are 1-based; findEntry takes and returns 0-based offsets.
      // NOTE: Node 20's findOrigin returns wrong columns for esbuild's maps, so we use findEntry.
      const entry = sourceMap.findEntry(Number(match[1]) - 1, Number(match[2]) - 1);
      if (!('originalSource' in entry)) continue;
      origins.push({
        file: path.resolve(bundleDirectory, entry.originalSource),
        line: entry.originalLine + 1,
        column: entry.originalColumn + 1,
      });
    }
    return origins;
  };
}

/** `path:line:col: the file threw while running: Error: message`, located where it was thrown. */
function describeThrown(
  thrown: unknown,
  findOrigins: (stack: string) => BundleOrigin[],
  cwd: string,
  displayPath: string,
): string {
  let stack = '';
  let description: string;
  try {
    if (thrown instanceof Error) {
      stack = typeof thrown.stack === 'string' ? thrown.stack : '';
      description = `${thrown.name}: ${thrown.message}`;
    } else {
      description = String(thrown);
    }
  } catch {
    // A thrown value whose properties throw in turn: say so rather than crash the CLI.
    description = 'a value that cannot be shown';
  }
  const origin = findOrigins(stack)[0];
  const where =
    origin === undefined ? displayPath : `${toDisplayPath(origin.file, cwd)}:${origin.line}:${origin.column}`;
  return `${where}: the file threw while running: ${toOneLine(description)}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
