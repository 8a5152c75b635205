/**
 * `convlens check [files|dirs|tsconfig.json ...] [--json]`: the findings of every model in
 * the given files, exactly as the editor shows them, because they come from the same
 * language service (`collectDiagnostics`) over the same kind of program, and TypeScript's
 * syntax errors (a file that does not parse cannot be checked). No code runs.
 */
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as ts from 'typescript';
import { collectDiagnostics, toFindingCode } from '../language/service/index';
import type { CliIo } from './cli-io';
import { renderCheckReport, stringifyCheckReport, type CheckDiagnostic, type CheckSeverity } from './check-report';
import { toDisplayPath } from './model-file';
import { createProjectProgram, defaultProjectSettings, findNearestConfig, isUnparsable, readProjectSettings, UNPARSABLE_REASON, type ProjectSettings } from './typescript-project';
import { CHECK_SYNOPSIS, USAGE } from './usage';
import { parseCommandLine } from './usage-error';
import { UserError, toOneLine } from './user-error';

/** Folders a directory search never enters. */
const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['node_modules', 'dist', '.git']);

/** Files checked together: one program per tsconfig.json (or per "no tsconfig"). */
interface CheckGroup {
  readonly settings: ProjectSettings;
  readonly files: string[];
}

export async function runCheck(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCheckArgs(args);
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const groups = await collectGroups(positionals.length === 0 ? ['.'] : positionals, io.cwd);

  const diagnostics: CheckDiagnostic[] = [];
  let fileCount = 0;
  let failed = false;
  for (const { settings, files } of groups.values()) {
    const program = createProjectProgram(settings, files);
    for (const file of files) {
      const sourceFile = program.getSourceFile(file);
      if (sourceFile === undefined) continue;
      fileCount += 1;
      const display = toDisplayPath(file, io.cwd);
      // A file that is not TypeScript text, or does not parse, is an error as the editor
      // shows it: CI must not pass on it. (A binary file would give an "Invalid character"
      // per byte; TypeScript's own message for it says it once.)
      if (isUnparsable(program, file)) {
        diagnostics.push({ file: display, line: 1, column: 1, code: 'TS0', severity: 'error', message: `${UNPARSABLE_REASON}.` });
        continue;
      }
      if (sourceFile.text.includes('\u0000')) {
        diagnostics.push({ file: display, line: 1, column: 1, code: 'TS1490', severity: 'error', message: 'File appears to be binary.' });
        continue;
      }
      for (const diagnostic of program.getSyntacticDiagnostics(sourceFile)) diagnostics.push(toCheckDiagnostic(diagnostic, sourceFile, display));
      try {
        for (const diagnostic of collectDiagnostics(ts, program, sourceFile)) {
          diagnostics.push(toCheckDiagnostic(diagnostic, sourceFile, display));
        }
      } catch (error) {
        // A bug in ConvLens, not in the file: say so with the stack, check the other files,
        // and fail the run (exit 2) so that CI does not pass on a file nobody checked.
        failed = true;
        io.stderr(`convlens: internal error while checking ${display}, please report it: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      }
    }
  }
  // By file, then by position (syntax errors and findings interleaved as in the file).
  diagnostics.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));

  const report = { files: fileCount, diagnostics };
  io.stdout(values.json === true ? stringifyCheckReport(report) : renderCheckReport(report));
  if (failed) return 2;
  return diagnostics.some((diagnostic) => diagnostic.severity === 'error') ? 1 : 0;
}

function toCheckDiagnostic(diagnostic: ts.Diagnostic, sourceFile: ts.SourceFile, display: string): CheckDiagnostic {
  const { line, character } = sourceFile.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
  return {
    file: display,
    line: line + 1,
    column: character + 1,
    code: toFindingCode(diagnostic.code) ?? `TS${diagnostic.code}`,
    severity: toSeverity(diagnostic.category),
    message: toOneLine(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')),
  };
}

function toSeverity(category: ts.DiagnosticCategory): CheckSeverity {
  switch (category) {
    case ts.DiagnosticCategory.Error:
      return 'error';
    case ts.DiagnosticCategory.Warning:
      return 'warning';
    case ts.DiagnosticCategory.Message:
    case ts.DiagnosticCategory.Suggestion:
      return 'info';
  }
}

/**
 * The files to check, grouped by the tsconfig.json they are compiled with: a tsconfig.json
 * argument brings its own files; any other file, and every .ts/.tsx file under a folder,
 * goes with its nearest tsconfig.json. A file named twice is checked once.
 */
async function collectGroups(targets: readonly string[], cwd: string): Promise<Map<string, CheckGroup>> {
  const groups = new Map<string, CheckGroup>();
  const seen = new Set<string>();
  const add = (file: string, settings: () => ProjectSettings, key: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    let group = groups.get(key);
    if (group === undefined) {
      group = { settings: settings(), files: [] };
      groups.set(key, group);
    }
    group.files.push(file);
  };
  const addWithNearestConfig = (file: string): void => {
    const configPath = findNearestConfig(file);
    add(file, () => (configPath === null ? defaultProjectSettings() : readProjectSettings(configPath, toDisplayPath(configPath, cwd))), configPath ?? '');
  };

  // A tsconfig.json's own files, then those of the projects it references (a solution-style
  // tsconfig.json lists none of its own), each compiled with its own settings.
  const visitedProjects = new Set<string>();
  const addProject = (configPath: string): void => {
    if (visitedProjects.has(configPath)) return;
    visitedProjects.add(configPath);
    const settings = readProjectSettings(configPath, toDisplayPath(configPath, cwd));
    for (const file of settings.fileNames.filter(isCheckedFile)) add(file, () => settings, configPath);
    for (const reference of settings.projectReferences ?? []) addProject(ts.resolveProjectReferencePath(reference));
  };

  for (const target of targets) {
    const absolute = path.resolve(cwd, target);
    const display = toDisplayPath(absolute, cwd);
    const kind = await statKind(absolute, display);
    if (kind === 'directory') {
      for (const file of await findTypeScriptFiles(absolute)) addWithNearestConfig(file);
    } else if (absolute.endsWith('.json')) {
      addProject(absolute);
    } else if (isCheckedFile(absolute)) {
      addWithNearestConfig(absolute);
    } else {
      throw new UserError(`${display} is not a .ts or .tsx file, a folder or a tsconfig.json`);
    }
  }
  return groups;
}

function isCheckedFile(file: string): boolean {
  return /\.(?:ts|tsx|mts|cts)$/.test(file) && !/\.d\.(?:ts|mts|cts)$/.test(file) && !/\.d\.[^.\\/]+\.ts$/.test(file);
}

async function statKind(absolute: string, display: string): Promise<'file' | 'directory'> {
  try {
    const stats = await stat(absolute);
    return stats.isDirectory() ? 'directory' : 'file';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError(`${display}: no such file or folder`);
    throw new UserError(`cannot read ${display}: ${toOneLine(String((error as Error).message))}`);
  }
}

/** Every .ts/.tsx file under `folder` (not declaration files), skipping SKIPPED_FOLDERS, sorted. */
async function findTypeScriptFiles(folder: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) await walk(full);
      } else if (entry.isFile() && /\.tsx?$/.test(entry.name) && isCheckedFile(full)) {
        found.push(full);
      }
    }
  };
  await walk(folder);
  return found.sort();
}

function parseCheckArgs(args: readonly string[]) {
  return parseCommandLine(
    args,
    {
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    CHECK_SYNOPSIS,
  );
}
