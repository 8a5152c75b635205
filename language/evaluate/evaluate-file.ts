/**
 * Static evaluation of one file: the IR of every model and GAN it defines, with the call
 * that created each IR object, without running any of its code.
 */
import type * as ts from 'typescript';
import { childrenOf, isRootNode, type AnyNode, type RootNode } from '../ir/index';
import { DEFAULT_LIMITS, type EvaluationLimits, type EvaluationRecord, Interpreter } from './interpreter';
import { evaluateUncalledHelpers, type SymbolicRoot } from './uncalled-helpers';
import { Unknown } from './values';

export interface EvaluatedRoot {
  /** The export's name (`default` for a default export); null for a top-level model that is not exported. */
  readonly exportName: string | null;
  readonly root: RootNode;
  /** The name the model is declared under in this file, for hovers and code lenses. */
  readonly nameNode: ts.Identifier | undefined;
}

export interface UnresolvedExport {
  readonly exportName: string;
  /** Why its value could not be evaluated. */
  readonly unknown: Unknown;
}

export interface FileEvaluation {
  readonly sourceFile: ts.SourceFile;
  /** Exported models and GANs in the order the file creates them, then the file's other top-level ones. */
  readonly roots: readonly EvaluatedRoot[];
  /** Exports that are typed as a model or GAN but could not be evaluated. */
  readonly unresolved: readonly UnresolvedExport[];
  readonly record: EvaluationRecord;
  /**
   * The file's functions that nothing called, evaluated with symbols for their number
   * parameters (uncalled-helpers.ts): their layers' shapes, for hints, hovers and findings;
   * never exported models.
   */
  readonly symbolicRoots: readonly SymbolicRoot[];
  /**
   * Why the evaluation was given up as a whole: its time budget (EvaluationLimits.timeBudgetMs)
   * ran out. Roots and unresolved exports are then empty, and an editor shows TypeScript's
   * own answers. Cached like any evaluation, so one version of the program is not
   * evaluated again on every request.
   */
  readonly abandoned?: Unknown;
}

/** Per program, per file, per limits object (the editor's and the CLI's limits are constants). */
const cache = new WeakMap<ts.Program, Map<string, Map<EvaluationLimits, FileEvaluation>>>();

/**
 * Evaluates `sourceFile` of `program`. Results are cached per program (a program is one
 * version of the project), so hints, hovers and diagnostics of one edit share the work.
 * `tsModule` is the TypeScript that the host runs (tsserver injects its own).
 */
export function evaluateFile(
  tsModule: typeof import('typescript'),
  program: ts.Program,
  sourceFile: ts.SourceFile,
  limits: EvaluationLimits = DEFAULT_LIMITS,
): FileEvaluation {
  let perProgram = cache.get(program);
  if (perProgram === undefined) {
    perProgram = new Map();
    cache.set(program, perProgram);
  }
  let perFile = perProgram.get(sourceFile.fileName);
  if (perFile === undefined || [...perFile.values()].some((cached) => cached.sourceFile !== sourceFile)) {
    perFile = new Map();
    perProgram.set(sourceFile.fileName, perFile);
  }
  const cached = perFile.get(limits);
  if (cached !== undefined) return cached;

  const checker = program.getTypeChecker();
  const interpreter = new Interpreter(tsModule, program, checker, limits);
  const scope = interpreter.evaluateModule(sourceFile);
  const record = interpreter.record;
  if (interpreter.timedOut !== undefined) {
    const abandoned: FileEvaluation = { sourceFile, roots: [], unresolved: [], record, symbolicRoots: [], abandoned: interpreter.timedOut };
    perFile.set(limits, abandoned);
    return abandoned;
  }

  // Only what a DSL call returned is a model: an object literal shaped like one is not IR.
  const isEvaluatedRoot = (value: unknown): value is RootNode => isRootNode(value) && record.createdBy.has(value);
  const roots: EvaluatedRoot[] = [];
  const unresolved: UnresolvedExport[] = [];
  const exportedValues = new Set<object>();
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  const exports = moduleSymbol === undefined ? [] : checker.getExportsOfModule(moduleSymbol);
  for (const exported of exports) {
    const value = interpreter.valueOfExport(exported, scope, sourceFile);
    if (isEvaluatedRoot(value)) {
      exportedValues.add(value);
      roots.push({ exportName: exported.name, root: value, nameNode: declaredName(tsModule, exported) });
    } else if (value instanceof Unknown && isTypedAsRoot(tsModule, checker, exported)) {
      unresolved.push({ exportName: exported.name, unknown: value });
    }
  }
  // The order the file creates them: by the top-level statement that was running, then by
  // the creating call (two models in one statement). Roots made by another file go last.
  const position = (root: RootNode): readonly [number, number] => {
    const statement = record.rootStatement.get(root);
    const inFile = statement !== undefined && statement.getSourceFile() === sourceFile;
    const created = record.createdBy.get(root);
    return [inFile ? statement.getStart() : Number.MAX_SAFE_INTEGER, created?.getSourceFile() === sourceFile ? created.getStart() : 0];
  };
  roots.sort((a, b) => {
    const [statementA, callA] = position(a.root);
    const [statementB, callB] = position(b.root);
    return statementA - statementB || callA - callB;
  });

  for (const [symbol, value] of scope.entries()) {
    if (!isEvaluatedRoot(value) || exportedValues.has(value)) continue;
    roots.push({ exportName: null, root: value, nameNode: declaredName(tsModule, symbol) });
  }

  // After the program's own evaluation, so a helper it called keeps only its concrete shapes.
  const symbolicRoots = evaluateUncalledHelpers(tsModule, interpreter, scope, sourceFile);
  const evaluation: FileEvaluation = { sourceFile, roots, unresolved, record, symbolicRoots };
  perFile.set(limits, evaluation);
  return evaluation;
}

function declaredName(tsModule: typeof import('typescript'), symbol: ts.Symbol): ts.Identifier | undefined {
  const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (declaration === undefined) return undefined;
  if (tsModule.isVariableDeclaration(declaration) && tsModule.isIdentifier(declaration.name)) return declaration.name;
  if (tsModule.isExportSpecifier(declaration)) return declaration.name.kind === tsModule.SyntaxKind.Identifier ? declaration.name : undefined;
  return undefined;
}

/** Whether an export is declared as a ConvLens model or GAN (so failing to evaluate it is news). */
function isTypedAsRoot(tsModule: typeof import('typescript'), checker: ts.TypeChecker, symbol: ts.Symbol): boolean {
  const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (declaration === undefined) return false;
  const type = checker.getTypeOfSymbolAtLocation(symbol, declaration);
  const kind = type.getProperty('kind');
  if (kind === undefined) return false;
  const kindType = checker.getTypeOfSymbolAtLocation(kind, declaration);
  return kindType.isStringLiteral() && (kindType.value === 'model' || kindType.value === 'gan') && tsModule !== undefined;
}

/**
 * The first reason, in execution order, why part of `root` is unknown: a reason recorded
 * on one of its objects, or an unknown layer's own (with the call that stands for it).
 */
export function firstUnknown(root: RootNode, record: EvaluationRecord): Unknown | undefined {
  // Pre-order with an explicit stack (a tree may nest deeper than recursion goes), each
  // object once: a subtree seen before held no reason, and a layer object reused in 2^n
  // places (`s = sequential(s, s)`) must not cost 2^n.
  const seen = new Set<AnyNode>();
  const pending: AnyNode[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (seen.has(node)) continue;
    seen.add(node);
    const own = record.unknownReasons.get(node)?.[0] ?? (node.kind === 'unknown' ? new Unknown(node.reason, record.createdBy.get(node)) : undefined);
    if (own !== undefined) return own;
    const children = childrenOf(node);
    for (let index = children.length - 1; index >= 0; index -= 1) pending.push(children[index]!);
  }
  return undefined;
}
