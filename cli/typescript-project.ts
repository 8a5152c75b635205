/**
 * TypeScript programs for the static commands (`summary` without `--execute`, `check`): a
 * file is compiled with the options of its nearest tsconfig.json, as the editor compiles
 * it, or with sensible defaults when there is none. Nothing is emitted and nothing runs.
 */
import * as path from 'node:path';
import * as ts from 'typescript';
import { defaultCompilerOptions } from '../language/service/index';
import { UserError, toOneLine } from './user-error';

/** The compiler settings a group of files is checked with. */
export interface ProjectSettings {
  /** The tsconfig.json the settings come from; null for the defaults. */
  readonly configPath: string | null;
  readonly options: ts.CompilerOptions;
  /** The files the tsconfig.json lists (empty for the defaults). */
  readonly fileNames: readonly string[];
  readonly projectReferences: readonly ts.ProjectReference[] | undefined;
}

/** The tsconfig.json nearest to `filePath` (its folder, then each parent), or null. */
export function findNearestConfig(filePath: string): string | null {
  return ts.findConfigFile(path.dirname(filePath), (candidate) => ts.sys.fileExists(candidate), 'tsconfig.json') ?? null;
}

/** Reads a tsconfig.json (following `extends`); a file that cannot be read or parsed is the user's problem. */
export function readProjectSettings(configPath: string, displayPath: string): ProjectSettings {
  const { config, error } = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  if (error !== undefined) {
    throw new UserError(`${displayPath}: ${toOneLine(ts.flattenDiagnosticMessageText(error.messageText, '\n'))}`);
  }
  // Errors such as "no inputs were found" or an unknown option do not stop the editor
  // either; the options that could be read still apply.
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(configPath), undefined, configPath);
  return {
    configPath,
    options: { ...parsed.options, noEmit: true },
    fileNames: parsed.fileNames,
    projectReferences: parsed.projectReferences,
  };
}

/** For a file that no tsconfig.json covers: what a new TypeScript project for Node would use. */
export function defaultProjectSettings(): ProjectSettings {
  return { configPath: null, options: defaultCompilerOptions(ts), fileNames: [], projectReferences: undefined };
}

/** The settings for `filePath`: its nearest tsconfig.json's, else the defaults. */
export function settingsForFile(filePath: string, cwd: string): ProjectSettings {
  const configPath = findNearestConfig(filePath);
  if (configPath === null) return defaultProjectSettings();
  return readProjectSettings(configPath, path.relative(cwd, configPath));
}

/**
 * One program, with the project's options, whose roots are `files` (which need not be in
 * the tsconfig's `include`). The project's other files are not loaded: evaluation follows
 * imports, and parsing and binding a whole project (test/ here has dozens of files) for
 * one model file costs seconds. JavaScript files are allowed when one is asked for.
 */
export function createProjectProgram(settings: ProjectSettings, files: readonly string[]): ts.Program {
  const options: ts.CompilerOptions = { ...settings.options };
  if (files.some((file) => /\.[cm]?jsx?$/.test(file))) options.allowJs = true;
  const rootNames = [...new Set(files)];
  const host = ts.createCompilerHost(options, true);
  // NOTE: TypeScript's parser recurses once per nested expression, so a file with some 600
  // calls nested in one another overflows Node's stack (tsserver's too). Such a file stands
  // in the program as an empty one and is reported by `unparsableFiles`, not as a crash.
  const unparsable = new Set<string>();
  const getSourceFile = withParsedDeclarations(host, options);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    try {
      return getSourceFile(fileName, languageVersion, onError, shouldCreate);
    } catch (error) {
      if (!(error instanceof RangeError) || !/call stack/i.test(error.message)) throw error;
      unparsable.add(path.resolve(fileName));
      return ts.createSourceFile(fileName, '', languageVersion);
    }
  };
  const resolutionCache = ts.createModuleResolutionCache(host.getCurrentDirectory(), (name) => host.getCanonicalFileName(name), options);
  host.resolveModuleNameLiterals = (literals, containingFile, redirectedReference, compilerOptions, containingSourceFile) =>
    literals.map((literal) => {
      const mode = ts.getModeForUsageLocation(containingSourceFile, literal, compilerOptions);
      const resolved = ts.resolveModuleName(literal.text, containingFile, compilerOptions, host, resolutionCache, redirectedReference, mode);
      if (resolved.resolvedModule === undefined && isConvLensSpecifier(literal.text)) return resolveOwnConvLens(literal.text) ?? resolved;
      return resolved;
    });
  const program = ts.createProgram({
    rootNames,
    options,
    host,
    ...(settings.projectReferences === undefined ? {} : { projectReferences: settings.projectReferences }),
  });
  unparsableByProgram.set(program, unparsable);
  return program;
}

/**
 * Declaration files parsed by earlier programs of this process: the default library and
 * @types/node (some 3 MB) took most of the time of a program made for one model file, and
 * `check` makes one program per project. A file is reused only with the same text, in a
 * program whose options parse and bind it the same way (the bucket key of TypeScript's
 * DocumentRegistry, which the language service reuses files by, and the same file
 * options); the least recently used go first past MAX_PARSED_DECLARATIONS.
 */
const parsedDeclarations = new Map<string, { readonly text: string; readonly sourceFile: ts.SourceFile }>();
const MAX_PARSED_DECLARATIONS = 400;
const bucketKeys = ts.createDocumentRegistry();

/** `host.getSourceFile`, reusing the declaration files in parsedDeclarations. */
function withParsedDeclarations(host: ts.CompilerHost, options: ts.CompilerOptions): ts.CompilerHost['getSourceFile'] {
  const parse = host.getSourceFile.bind(host);
  const bucket = bucketKeys.getKeyForCompilationSettings(options);
  return (fileName, languageVersion, onError, shouldCreate) => {
    if (shouldCreate === true || !/\.d\.[cm]?ts$/.test(fileName)) return parse(fileName, languageVersion, onError, shouldCreate);
    const text = host.readFile(fileName);
    if (text === undefined) return parse(fileName, languageVersion, onError, shouldCreate);
    const fileOptions = typeof languageVersion === 'object' ? [languageVersion.languageVersion, languageVersion.impliedNodeFormat, languageVersion.jsDocParsingMode] : [languageVersion];
    const key = JSON.stringify([bucket, fileOptions, fileName]);
    const parsed = parsedDeclarations.get(key);
    parsedDeclarations.delete(key);
    if (parsed !== undefined && parsed.text === text) {
      // The most recently used last.
      parsedDeclarations.set(key, parsed);
      return parsed.sourceFile;
    }
    const sourceFile = parse(fileName, languageVersion, onError, shouldCreate);
    if (sourceFile !== undefined) {
      parsedDeclarations.set(key, { text, sourceFile });
      if (parsedDeclarations.size > MAX_PARSED_DECLARATIONS) parsedDeclarations.delete(parsedDeclarations.keys().next().value!);
    }
    return sourceFile;
  };
}

const unparsableByProgram = new WeakMap<ts.Program, ReadonlySet<string>>();

/** Files of a program made by createProjectProgram that TypeScript could not parse (they stand in it empty). */
export function isUnparsable(program: ts.Program, fileName: string): boolean {
  return unparsableByProgram.get(program)?.has(path.resolve(fileName)) === true;
}

/** Why an unparsable file could not be read, in one line. */
export const UNPARSABLE_REASON = 'TypeScript cannot parse it: its expressions are nested too deeply (the parser ran out of stack). Build deep models in a loop, or name the inner parts';

function isConvLensSpecifier(specifier: string): boolean {
  return specifier === 'convlens' || specifier.startsWith('convlens/');
}

/** This package's root: dist/cli/ is two folders below it. */
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/**
 * `convlens` as this command's own package, for a file whose project does not have it
 * installed: execute mode hands such a file its own DSL too, so both modes see the same
 * factories. Resolved as a self-reference from inside the package (its `exports`).
 */
function resolveOwnConvLens(specifier: string): ts.ResolvedModuleWithFailedLookupLocations | undefined {
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };
  const resolved = ts.resolveModuleName(specifier, path.join(PACKAGE_ROOT, 'convlens-self-reference.ts'), options, ts.sys);
  return resolved.resolvedModule === undefined ? undefined : resolved;
}
