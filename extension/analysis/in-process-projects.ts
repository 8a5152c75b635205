/**
 * The in-process fallback's TypeScript: a `ts.LanguageService` per tsconfig.json (the
 * nearest one to each file, as tsserver picks it), over the editor's open documents and
 * the files on disk, with the `typescript` 6 the extension ships. Used when tsserver has
 * no plugin (TypeScript 7's native server loads none) or a ConvLens request to it failed;
 * the answers come from the same functions the plugin uses (language/service/answer-*.ts).
 *
 * Roots are only the files asked about, with the project's options: evaluation follows
 * imports, so a project's other files are never parsed (the CLI does the same). No vscode
 * here: open documents come through `OpenDocuments`.
 */
import * as path from 'node:path';
import type * as ts from 'typescript';
import { defaultCompilerOptions, EDITOR_LIMITS, type RequestTarget } from 'convlens/service';

export interface OpenDocument {
  readonly version: number;
  readonly text: string;
}

export interface OpenDocuments {
  /** The editor's text of `fileName` when it is open, else undefined (then the disk's is used). */
  get(fileName: string): OpenDocument | undefined;
}

interface Project {
  readonly configPath: string | null;
  readonly options: ts.CompilerOptions;
  readonly rootNames: Set<string>;
  readonly service: ts.LanguageService;
}

export class InProcessProjects {
  private readonly projects = new Map<string, Project>();
  private readonly diskVersions = new Map<string, number>();
  private readonly registry: ts.DocumentRegistry;

  constructor(
    private readonly tsModule: typeof import('typescript'),
    private readonly documents: OpenDocuments,
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.registry = tsModule.createDocumentRegistry(tsModule.sys.useCaseSensitiveFileNames);
  }

  get typescript(): typeof import('typescript') {
    return this.tsModule;
  }

  /** The program `fileName` is answered over, up to date with the editor; undefined for a file TypeScript does not take. */
  targetFor(fileName: string): RequestTarget | undefined {
    const file = path.resolve(fileName);
    const project = this.projectFor(file);
    project.rootNames.add(file);
    const program = project.service.getProgram();
    const sourceFile = program?.getSourceFile(file);
    if (program === undefined || sourceFile === undefined || sourceFile.isDeclarationFile) return undefined;
    // The editor's limits, with their time budget: the extension host must never hang on a file.
    return { program, sourceFile, limits: EDITOR_LIMITS };
  }

  /** A file changed on disk (a watcher saw it): programs read it again. A tsconfig.json change rebuilds its project. */
  fileChanged(fileName: string): void {
    const file = path.resolve(fileName);
    if (path.basename(file) === 'tsconfig.json' || path.basename(file) === 'jsconfig.json') {
      for (const [key, project] of this.projects) {
        if (project.configPath === null || project.configPath === file || key.startsWith(`${path.dirname(file)}${path.sep}`)) {
          project.service.dispose();
          this.projects.delete(key);
        }
      }
      return;
    }
    this.diskVersions.set(file, (this.diskVersions.get(file) ?? 0) + 1);
  }

  /** A document was closed in the editor: it stops being a root (it may still be imported). */
  documentClosed(fileName: string): void {
    const file = path.resolve(fileName);
    for (const project of this.projects.values()) project.rootNames.delete(file);
    this.diskVersions.set(file, (this.diskVersions.get(file) ?? 0) + 1);
  }

  dispose(): void {
    for (const project of this.projects.values()) project.service.dispose();
    this.projects.clear();
  }

  private projectFor(file: string): Project {
    const ts = this.tsModule;
    const configPath = ts.findConfigFile(path.dirname(file), (candidate) => ts.sys.fileExists(candidate), 'tsconfig.json') ?? null;
    const key = configPath ?? `${path.dirname(file)}${path.sep}`;
    const existing = this.projects.get(key);
    if (existing !== undefined) return existing;
    const options = configPath === null ? defaultCompilerOptions(ts) : this.readOptions(configPath);
    const project = this.createProject(configPath, options);
    this.projects.set(key, project);
    return project;
  }

  private readOptions(configPath: string): ts.CompilerOptions {
    const ts = this.tsModule;
    const { config, error } = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
    if (error !== undefined) {
      this.log(`${configPath}: ${ts.flattenDiagnosticMessageText(error.messageText, ' ')}; using default options`);
      return defaultCompilerOptions(ts);
    }
    // As tsserver, options that could be read apply even when the file has other errors.
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(configPath), undefined, configPath);
    return { ...parsed.options, noEmit: true };
  }

  private createProject(configPath: string | null, options: ts.CompilerOptions): Project {
    const ts = this.tsModule;
    const rootNames = new Set<string>();
    const currentDirectory = configPath === null ? process.cwd() : path.dirname(configPath);
    const project: Project = { configPath, options, rootNames, service: undefined as unknown as ts.LanguageService };
    const host: ts.LanguageServiceHost = {
      getScriptFileNames: () => [...rootNames],
      getScriptVersion: (file) => this.versionOf(file),
      getScriptSnapshot: (file) => {
        const open = this.documents.get(file);
        if (open !== undefined) return ts.ScriptSnapshot.fromString(open.text);
        const text = ts.sys.readFile(file);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => currentDirectory,
      getCompilationSettings: () => options,
      getDefaultLibFileName: (compilerOptions) => ts.getDefaultLibFilePath(compilerOptions),
      fileExists: (file) => this.documents.get(file) !== undefined || ts.sys.fileExists(file),
      readFile: (file, encoding) => this.documents.get(file)?.text ?? ts.sys.readFile(file, encoding),
      readDirectory: (...args) => ts.sys.readDirectory(...args),
      directoryExists: (directory) => ts.sys.directoryExists(directory),
      getDirectories: (directory) => ts.sys.getDirectories(directory),
      realpath: (file) => ts.sys.realpath?.(file) ?? file,
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
    };
    (project as { service: ts.LanguageService }).service = ts.createLanguageService(host, this.registry);
    return project;
  }

  private versionOf(file: string): string {
    const open = this.documents.get(file);
    return open !== undefined ? `open:${open.version}` : `disk:${this.diskVersions.get(path.resolve(file)) ?? 0}`;
  }
}
