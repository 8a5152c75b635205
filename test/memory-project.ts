/**
 * A project of in-memory files over a real `ts.LanguageService`, with `convlens` resolved to
 * the DSL's source: how the service tests (and the adversarial ones) give the editor
 * features a program without touching the disk.
 */
import * as path from 'node:path';
import ts from 'typescript';

const repoRoot = path.resolve(__dirname, '..', '..');
const dslFile = path.join(repoRoot, 'language', 'dsl', 'index.ts');

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  types: [],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
};

const registry = ts.createDocumentRegistry();

/** Unique over the run: the registry shares source files between projects by name and version. */
let nextVersion = 0;

export class MemoryProject {
  private readonly files = new Map<string, { text: string; version: number }>();
  private readonly root: string;
  readonly service: ts.LanguageService;
  /** Bumped on every edit: what tsserver's project version is to the plugin. */
  version = 1;

  /** `folder` names the project's virtual folder (below the repository; nothing is written there). */
  constructor(files: Record<string, string>, folder = '.virtual-service-test') {
    this.root = path.join(repoRoot, folder);
    for (const [name, text] of Object.entries(files)) this.files.set(this.path(name), { text, version: ++nextVersion });
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => compilerOptions,
      getScriptFileNames: () => [...this.files.keys()],
      getScriptVersion: (fileName) => String(this.files.get(fileName)?.version ?? 0),
      getScriptSnapshot: (fileName) => {
        const text = this.files.get(fileName)?.text ?? ts.sys.readFile(fileName);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => this.root,
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      fileExists: (fileName) => this.files.has(fileName) || ts.sys.fileExists(fileName),
      readFile: (fileName) => this.files.get(fileName)?.text ?? ts.sys.readFile(fileName),
      directoryExists: (directory) => directory.startsWith(this.root) || ts.sys.directoryExists(directory),
      getDirectories: (directory) => (directory.startsWith(this.root) ? [] : ts.sys.getDirectories(directory)),
      resolveModuleNameLiterals: (literals, containingFile, _redirect, options) =>
        literals.map((literal) =>
          literal.text === 'convlens'
            ? { resolvedModule: { resolvedFileName: dslFile, extension: ts.Extension.Ts, isExternalLibraryImport: false } }
            : ts.resolveModuleName(literal.text, containingFile, options, host),
        ),
    };
    this.service = ts.createLanguageService(host, registry);
  }

  path(name: string): string {
    return path.join(this.root, name);
  }

  text(name: string): string {
    const file = this.files.get(this.path(name));
    if (file === undefined) throw new Error(`no file ${name}`);
    return file.text;
  }

  edit(name: string, text: string): void {
    this.files.set(this.path(name), { text, version: ++nextVersion });
    this.version += 1;
  }

  /** The current program and the file's source in it. */
  target(name: string): { program: ts.Program; sourceFile: ts.SourceFile } {
    const program = this.service.getProgram();
    const sourceFile = program?.getSourceFile(this.path(name));
    if (program === undefined || sourceFile === undefined) throw new Error(`no program for ${name}`);
    return { program, sourceFile };
  }

  /** TypeScript's own errors in the file (a fixture or a fix that does not type-check is a broken test). */
  typeErrors(name: string): string[] {
    return [...this.service.getSyntacticDiagnostics(this.path(name)), ...this.service.getSemanticDiagnostics(this.path(name))].map((diagnostic) =>
      ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
    );
  }
}
