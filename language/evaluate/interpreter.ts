/**
 * An interpreter over the safe subset of TypeScript that model files are written in
 * (language/evaluate/README.md). It walks the AST with the TypeChecker's help and never runs user code:
 * the only functions it calls are the DSL's pure factories and the built-ins of
 * builtins.ts. Names resolve through the checker's symbols, so imports, re-exports,
 * shadowing and closures behave as TypeScript says they do.
 *
 * Everything it cannot know becomes an `Unknown` with a reason; a step budget and a call
 * depth limit bound every evaluation, so a `while (true)` or runaway recursion ends in an
 * unknown rather than a hang.
 */
import type * as ts from 'typescript';
import {
  createArrayMethods,
  createGlobals,
  type Invoker,
  MAX_ARRAY_LENGTH,
  MAX_STRING_LENGTH,
  NUMBER_METHODS,
  STRING_METHODS,
  stringOf,
  tooLongString,
} from './builtins';
import { Expr, isExpr, isRootNode, shortenText } from '../ir/index';
import { callDslFactory, childAt, childSlots, DSL_FACTORY_NAMES, isLayerNode, LAYER_PARENT_FACTORIES } from './dsl-bridge';
import { Environment } from './environment';
import { involvesSymbols, negated, symbolicOperator } from './symbolic-values';
import {
  BudgetExceeded,
  Builtin,
  BuiltinNamespace,
  Closure,
  describeValue,
  DslFunction,
  DslNamespace,
  isCallable,
  isPlainObject,
  Unknown,
  UnknownControlFlow,
  type Value,
} from './values';

export interface EvaluationLimits {
  /** Expressions and statements evaluated (big arrays count their length). */
  readonly stepBudget: number;
  /** Nested user-function calls. */
  readonly maxCallDepth: number;
  /**
   * Expressions and statements being evaluated inside one another, across calls
   * (DEFAULT_NESTING_DEPTH when absent). Deeper code is an unknown that says so.
   */
  readonly maxNestingDepth?: number;
  /**
   * Wall-clock milliseconds the evaluation of one file may take; past them it stops, like a
   * spent step budget, and the evaluation is `abandoned` (FileEvaluation). Absent: no time
   * limit, so `convlens check` answers the same on every machine; the editor sets one.
   */
  readonly timeBudgetMs?: number;
}

/**
 * Expressions and statements nested inside one another. Hand-written code nests a few
 * dozen levels; TypeScript's own parser gives up at around 700 nested calls on Node's
 * default stack, so a thousand lets everything it parses evaluate while recursion through
 * user functions (200 calls deep at most) still ends well before the evaluator's own frames
 * (about 4 per level, 10 where a built-in such as map calls back) would exhaust the stack.
 * Deeper code becomes an unknown saying so, never a RangeError.
 */
export const DEFAULT_NESTING_DEPTH = 1_000;

export const DEFAULT_LIMITS: EvaluationLimits = { stepBudget: 1_000_000, maxCallDepth: 200, maxNestingDepth: DEFAULT_NESTING_DEPTH };

/** Steps between two looks at the clock when there is a time budget (a look costs ~25 ns). */
const CLOCK_CHECK_INTERVAL = 1_024;

/**
 * Built-ins that never convert an array argument to a string or a number. Every other
 * built-in may (`Math.max(xs)`, `'a'.concat(xs)`, `xs.slice(ys)`), and JavaScript's
 * conversion joins a nested array once per place each part sits in, so callBuiltin walks
 * such an argument first (stringOf), charged and bounded.
 */
const NON_CONVERTING_BUILTINS: ReadonlySet<string> = new Set([
  'Array.isArray', 'Number.isInteger', 'Number.isFinite', 'Number.isNaN', 'Object.keys', 'Object.values', 'Object.entries',
  'Object.assign', 'Object.freeze', 'Object.fromEntries', 'Array.from', 'Array.of', 'Array', 'JSON.stringify', 'console', 'Math.random',
  'Boolean',
]);

/** Array methods (read off an array) that never convert their arguments. */
const NON_CONVERTING_ARRAY_METHODS: ReadonlySet<string> = new Set([
  'push', 'pop', 'unshift', 'reverse', 'sort', 'map', 'forEach', 'flatMap', 'filter', 'some', 'every', 'find', 'findIndex',
  'reduce', 'concat', 'entries', 'keys', 'values',
]);

/** `language/dsl/index.ts` in this repository, `…/convlens/dist/language/dsl/index.d.ts` in a user's project. */
const DSL_FILE = /[\\/]language[\\/]dsl[\\/]index\.(?:d\.)?ts$/;

export function isDslFile(fileName: string): boolean {
  return DSL_FILE.test(fileName);
}

type Completion = undefined | { readonly type: 'return'; readonly value: Value } | { readonly type: 'break' | 'continue'; readonly label: string | undefined };

interface ModuleState {
  readonly scope: Environment;
  done: boolean;
  /** Its exports as one object, for `import * as m`, made once the module has run. */
  namespace?: { [key: string]: Value };
}

/**
 * What the evaluation of a program records besides values. Plain Maps, not WeakMaps: the
 * record lives exactly as long as the IR it describes, and WeakMap inserts cost several
 * times more (thousands per keystroke in a big model).
 */
export interface EvaluationRecord {
  /** The DSL call that created each IR object (or the argument an unknown layer stands for). */
  readonly createdBy: Map<object, ts.Node>;
  /** Every IR object each DSL call returned, in evaluation order (a call inside a loop returns many). */
  readonly dslCalls: Map<ts.CallExpression, object[]>;
  /** Every layer, model or GAN each call of a user function (a helper such as `bottleneck(128, 2)`) returned. */
  readonly helperCalls: Map<ts.CallExpression, object[]>;
  /**
   * Every place a layer, block or array of layers named by a reference (`a`, `blocks.stem`,
   * `stages[0]`, `...stages`) was passed to `model`, `sequential`, `concat`, `residual` or
   * `aux`, per evaluation of that argument: the object the call built and the index, in
   * `childrenOf(parent)`, of the child the argument became (an array's last one).
   */
  readonly layerReferences: Map<ts.Expression, LayerReference[]>;
  /** Why parts of an IR object are unknown. */
  readonly unknownReasons: Map<object, Unknown[]>;
  /** Problems that stopped part of the evaluation (budget, unsupported syntax at top level). */
  readonly problems: Unknown[];
  /** The top-level statement that was running when each model or GAN was created (for ordering exports). */
  readonly rootStatement: Map<object, ts.Statement>;
  /** Every user function that was called while evaluating the program (its declaration). */
  readonly calledFunctions: Set<ts.Node>;
  /**
   * IR objects made while evaluating a function nothing called, with symbols for its
   * parameters (Interpreter.evaluateUncalled), and that function's declaration: where a
   * call also made concrete ones, those win; else those of the function the call is in.
   */
  readonly symbolicNodes: Map<object, ts.Node>;
}

/** One evaluation of a layer argument written as a reference (EvaluationRecord.layerReferences). */
export interface LayerReference {
  /** The model or container the DSL call built. */
  readonly parent: object;
  /** The index in `childrenOf(parent)` of the child the argument became (an array's last one). */
  readonly child: number;
}

/** An argument written as a reference, and the arguments' values it became (a spread: several). */
interface ReferenceArgument {
  readonly expression: ts.Expression;
  readonly start: number;
  end: number;
}

export class Interpreter implements Invoker {
  private steps = 0;
  private depth = 0;
  /** Expressions and statements being evaluated right now, one inside another. */
  private nesting = 0;
  private readonly maxNesting: number;
  /** Date.now() past which the evaluation stops; undefined without a time budget. */
  private readonly deadline: number | undefined;
  private readonly started = Date.now();
  private nextClockCheck = CLOCK_CHECK_INTERVAL;
  private aborted: Unknown | undefined;
  /** Set when the time budget ran out: the evaluation is abandoned as a whole. */
  timedOut: Unknown | undefined;
  private readonly modules = new Map<ts.SourceFile, ModuleState>();
  private readonly symbols = new Map<ts.Node, ts.Symbol | undefined>();
  private readonly referencesByScope = new Map<ts.Node, Map<string, ts.Symbol | undefined>>();
  private readonly globals: ReadonlyMap<string, Value>;
  private readonly arrayMethods: ReadonlyMap<string, Builtin>;
  private readonly dslNamespace = new DslNamespace(DSL_FACTORY_NAMES);
  private readonly operators: OperatorTables;
  readonly record: EvaluationRecord = {
    createdBy: new Map(),
    dslCalls: new Map(),
    helperCalls: new Map(),
    layerReferences: new Map(),
    unknownReasons: new Map(),
    problems: [],
    rootStatement: new Map(),
    calledFunctions: new Set(),
    symbolicNodes: new Map(),
  };
  /** The function nothing called being evaluated with symbols (evaluateUncalled), if any. */
  private symbolicOwner: ts.Node | undefined;
  /** Top-level statements being executed, innermost module last. */
  private readonly topLevel: ts.Statement[] = [];
  /** What each abandoned region may write (see writtenIdentifiers). */
  private readonly writes = new Map<ts.Node, readonly ts.Identifier[]>();

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly program: ts.Program,
    private readonly checker: ts.TypeChecker,
    private readonly limits: EvaluationLimits = DEFAULT_LIMITS,
  ) {
    this.arrayMethods = createArrayMethods(this);
    this.globals = createGlobals(this);
    this.operators = createOperatorTables(this.ts);
    this.maxNesting = limits.maxNestingDepth ?? DEFAULT_NESTING_DEPTH;
    this.deadline = limits.timeBudgetMs === undefined ? undefined : this.started + limits.timeBudgetMs;
  }

  // ── budget ──────────────────────────────────────────────────────────────────────────

  charge(count: number, site: ts.Node): void {
    this.steps += count;
    if (this.aborted !== undefined) throw new BudgetExceeded(this.aborted.reason);
    if (this.deadline !== undefined && this.steps >= this.nextClockCheck) {
      // A cooperative deadline: the clock is read every CLOCK_CHECK_INTERVAL steps, so a slow
      // evaluation is abandoned where it stands rather than finished and then discarded.
      this.nextClockCheck = this.steps + CLOCK_CHECK_INTERVAL;
      const now = Date.now();
      if (now > this.deadline) {
        this.aborted = new Unknown(
          `evaluation stopped after ${(now - this.started).toLocaleString('en-US')} ms, over its time budget of ${(this.limits.timeBudgetMs ?? 0).toLocaleString('en-US')} ms`,
          site,
        );
        this.timedOut = this.aborted;
        this.record.problems.push(this.aborted);
        throw new BudgetExceeded(this.aborted.reason);
      }
    }
    if (this.steps > this.limits.stepBudget) {
      this.aborted = new Unknown(
        `evaluation stopped after ${this.limits.stepBudget.toLocaleString('en-US')} steps (a loop that never ends, or a very large computation)`,
        site,
      );
      this.record.problems.push(this.aborted);
      throw new BudgetExceeded(this.aborted.reason);
    }
  }

  // ── modules ─────────────────────────────────────────────────────────────────────────

  /** Evaluates a source file's top-level statements once, as loading the module would. */
  evaluateModule(sourceFile: ts.SourceFile): Environment {
    const existing = this.modules.get(sourceFile);
    if (existing !== undefined) return existing.scope;
    const state: ModuleState = { scope: new Environment(undefined), done: false };
    this.modules.set(sourceFile, state);
    this.hoistFunctions(sourceFile.statements, state.scope);
    for (const statement of sourceFile.statements) {
      this.topLevel.push(statement);
      try {
        this.executeStatement(statement, state.scope);
      } catch (error) {
        if (error instanceof BudgetExceeded) {
          // Nothing after this runs: what the rest of the module declares is unknown for the same reason.
          const aborted = this.aborted ?? new Unknown(error.message, statement);
          this.abandon(statement, state.scope, aborted);
          for (const rest of sourceFile.statements.slice(sourceFile.statements.indexOf(statement) + 1)) this.declareAbandoned(rest, state.scope, aborted);
          break;
        }
        if (error instanceof UnknownControlFlow) {
          // The statement stopped part-way (a loop over an unknown count): what it declares or
          // may have changed is unknown, not the partial result.
          this.record.problems.push(error.unknown);
          this.abandon(statement, state.scope, error.unknown);
          continue;
        }
        // The evaluator promises never to throw on user input (README): anything else that
        // escapes a statement becomes a problem and the next statement runs.
        const unknown = isStackOverflow(error)
          ? new Unknown('the code nests too deeply to evaluate', statement)
          : new Unknown(`this statement could not be evaluated (${error instanceof Error ? error.message : String(error)})`, statement);
        this.record.problems.push(unknown);
        this.abandon(statement, state.scope, unknown);
      } finally {
        this.topLevel.pop();
      }
    }
    state.done = true;
    return state.scope;
  }

  private hoistFunctions(statements: readonly ts.Statement[], scope: Environment): void {
    for (const statement of statements) {
      if (!this.ts.isFunctionDeclaration(statement)) continue;
      if (statement.name === undefined) {
        // `export default function (c: number) { … }` has no name; it is known as the default export.
        const exported = this.ts.isSourceFile(statement.parent) ? this.defaultExportSymbol(statement.parent) : undefined;
        if (exported !== undefined && statement.body !== undefined) scope.declare(exported, new Closure(statement, scope));
        continue;
      }
      const symbol = this.declaredSymbol(statement.name);
      if (symbol === undefined) continue;
      if (statement.body !== undefined) scope.declare(symbol, new Closure(statement, scope));
      else if (this.isAmbient(statement)) scope.declare(symbol, this.ambientValue(statement.name));
    }
  }

  /** `declare const x: number;` or `declare function f(): number;`: typed, but without a value. */
  private isAmbient(statement: ts.FunctionDeclaration | ts.VariableStatement): boolean {
    return statement.modifiers?.some((modifier) => modifier.kind === this.ts.SyntaxKind.DeclareKeyword) ?? false;
  }

  private ambientValue(name: ts.Identifier): Unknown {
    return new Unknown(`'${name.text}' is declared with \`declare\`, so its value is only known when the code runs`, name);
  }

  // ── symbols ─────────────────────────────────────────────────────────────────────────

  private symbolAt(node: ts.Node): ts.Symbol | undefined {
    if (this.symbols.has(node)) return this.symbols.get(node);
    // In `{ stride }` the name is a property; the value is the variable it abbreviates.
    const symbol =
      node.parent !== undefined && this.ts.isShorthandPropertyAssignment(node.parent) && node.parent.name === node
        ? this.checker.getShorthandAssignmentValueSymbol(node.parent)
        : this.checker.getSymbolAtLocation(node);
    const canonical = symbol === undefined ? undefined : this.canonical(symbol);
    this.symbols.set(node, canonical);
    return canonical;
  }

  /** One symbol per declaration: aliases resolved, local and export symbols merged. */
  private canonical(symbol: ts.Symbol): ts.Symbol {
    let resolved = symbol;
    if (resolved.flags & this.ts.SymbolFlags.Alias) resolved = this.checker.getAliasedSymbol(resolved);
    return this.checker.getExportSymbolOfSymbol(resolved);
  }

  private declaredSymbol(name: ts.Identifier): ts.Symbol | undefined {
    return this.symbolAt(name);
  }

  /** The value a name refers to. */
  /**
   * The symbol a name used as a value refers to. Every use of one name in one lexical scope
   * refers to the same declaration, so the checker is asked once per (scope, name): in a
   * model written out layer by layer the same few DSL names occur thousands of times, and
   * `getSymbolAtLocation` was half of the evaluation's time.
   */
  private symbolOfReference(identifier: ts.Identifier): ts.Symbol | undefined {
    if (this.ts.isShorthandPropertyAssignment(identifier.parent)) return this.symbolAt(identifier);
    let container: ts.Node = identifier.parent;
    while (!isScopeContainer(this.ts, container) && container.parent !== undefined) container = container.parent;
    let names = this.referencesByScope.get(container);
    if (names === undefined) {
      names = new Map();
      this.referencesByScope.set(container, names);
    }
    if (names.has(identifier.text)) return names.get(identifier.text);
    const symbol = this.symbolAt(identifier);
    names.set(identifier.text, symbol);
    return symbol;
  }

  private valueOfIdentifier(identifier: ts.Identifier, scope: Environment): Value {
    if (identifier.text === 'undefined') return undefined;
    const symbol = this.symbolOfReference(identifier);
    if (symbol === undefined) return new Unknown(`cannot resolve '${identifier.text}'`, identifier);
    const bound = scope.find(symbol);
    if (bound !== undefined) return bound.get(symbol);
    return this.valueOfSymbol(symbol, identifier, identifier.text);
  }

  /**
   * `name` is how the code spells it: an import that does not resolve has the checker's
   * placeholder symbol, whose own name is 'unknown'.
   */
  private valueOfSymbol(symbol: ts.Symbol, site: ts.Node, name = symbol.name): Value {
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (declaration === undefined) {
      return new Unknown(`cannot resolve '${name}' (is the module installed?)`, site);
    }
    const sourceFile = declaration.getSourceFile();
    if (isDslFile(sourceFile.fileName)) {
      if (this.ts.isSourceFile(declaration) || symbol.flags & this.ts.SymbolFlags.ValueModule) return this.dslNamespace;
      // The declaration's own name: `import { conv2d as c }` is still conv2d.
      if (DSL_FACTORY_NAMES.has(symbol.name)) return new DslFunction(symbol.name);
      return new Unknown(`'${name}' is not a ConvLens factory`, site);
    }
    if (this.program.isSourceFileDefaultLibrary(sourceFile) || sourceFile.hasNoDefaultLib) {
      return this.globals.get(symbol.name) ?? new Unknown(`the built-in '${name}' is not evaluated statically`, site);
    }
    if (sourceFile.fileName.endsWith('.json')) return new Unknown(`'${name}' comes from a JSON file, which is read only when the code runs`, site);
    if (sourceFile.isDeclarationFile) {
      return new Unknown(`'${name}' is declared in ${baseName(sourceFile.fileName)}, a declaration file; only TypeScript sources are evaluated`, site);
    }
    if (this.ts.isSourceFile(declaration)) return this.moduleNamespace(declaration, symbol);
    // A destructured parameter's names are binding elements too; a destructured `const` is not a parameter.
    if (this.ts.isParameter(this.rootDeclaration(declaration))) {
      return new Unknown(`'${name}' is a parameter whose value is only known when the function is called`, site);
    }
    if (!this.isModuleLevel(declaration)) {
      return new Unknown(`'${name}' is not in scope here`, site);
    }
    const moduleScope = this.evaluateModule(sourceFile);
    if (moduleScope.find(symbol) !== undefined) return moduleScope.get(symbol);
    if (this.ts.isClassDeclaration(declaration)) {
      return new Unknown(`'${name}' is a class, which ConvLens does not evaluate`, site);
    }
    return new Unknown(`'${name}' has no value yet at this point (or depends on a value that could not be evaluated)`, site);
  }

  /**
   * `import * as config from './config'`: an object of the module's exports, read after the
   * module has run (a module still running, in a cycle, shows what it has so far).
   */
  private moduleNamespace(sourceFile: ts.SourceFile, moduleSymbol: ts.Symbol): Value {
    const state = this.modules.get(sourceFile);
    if (state?.namespace !== undefined) return state.namespace;
    const scope = this.evaluateModule(sourceFile);
    const namespace: { [key: string]: Value } = Object.create(null) as { [key: string]: Value };
    for (const exported of this.checker.getExportsOfModule(moduleSymbol)) {
      namespace[exported.name] = this.valueOfExport(exported, scope, sourceFile);
    }
    const done = this.modules.get(sourceFile);
    if (done !== undefined && done.done) done.namespace = namespace;
    return namespace;
  }

  /** The value of one of a module's exports (following re-exports into other files). */
  valueOfExport(exported: ts.Symbol, moduleScope: Environment, site: ts.Node): Value {
    const symbol = this.canonical(exported);
    if (moduleScope.find(symbol) !== undefined) return moduleScope.get(symbol);
    return this.valueOfSymbol(symbol, site);
  }

  /** The parameter or variable a binding element (`b` in `{ a: [b] }`) belongs to. */
  private rootDeclaration(declaration: ts.Node): ts.Node {
    let node = declaration;
    while (this.ts.isBindingElement(node) || this.ts.isObjectBindingPattern(node) || this.ts.isArrayBindingPattern(node)) node = node.parent;
    return node;
  }

  /** The symbol a declaration's name binds (the key of its scope entry). */
  symbolOfDeclaration(name: ts.Identifier): ts.Symbol | undefined {
    return this.symbolAt(name);
  }

  private isModuleLevel(declaration: ts.Node): boolean {
    let node: ts.Node | undefined = declaration.parent;
    while (node !== undefined && !this.ts.isSourceFile(node)) {
      if (this.ts.isFunctionLike(node) || this.ts.isBlock(node) || this.ts.isModuleBlock(node) || this.ts.isClassLike(node)) return false;
      node = node.parent;
    }
    return true;
  }

  // ── code abandoned part-way ─────────────────────────────────────────────────────────

  /**
   * A top-level statement stopped part-way: the names it declares and the variables it may
   * have changed are `unknown`, so `export const m = model(…)` carries the reason instead
   * of "no value yet", and a loop that pushed two of an unknown number of blocks does not
   * leave a confidently wrong model behind.
   */
  private abandon(statement: ts.Statement, scope: Environment, unknown: Unknown): void {
    this.declareAbandoned(statement, scope, unknown);
    this.forgetWrites(statement, scope, unknown);
  }

  /** The names a top-level statement that did not finish (or never ran) declares are `unknown`. */
  private declareAbandoned(statement: ts.Statement, scope: Environment, unknown: Unknown): void {
    if (!this.ts.isVariableStatement(statement)) return;
    for (const declaration of statement.declarationList.declarations) {
      for (const name of this.boundIdentifiers(declaration.name)) {
        const symbol = this.declaredSymbol(name);
        if (symbol !== undefined && scope.find(symbol) === undefined) scope.declare(symbol, unknown);
      }
    }
  }

  /**
   * After `region` (a statement or a function body) stopped part-way, every variable outside
   * it that it may assign or mutate (`x = …`, `x.p = …`, `x++`, `x.push(…)`), also through the
   * user functions it calls, holds a partial result; it becomes `unknown`. Names are
   * resolved by symbol, so the region's own locals are never found in `scope`.
   */
  private forgetWrites(region: ts.Node, scope: Environment, unknown: Unknown): void {
    for (const identifier of this.writtenIdentifiers(region)) {
      const symbol = this.symbolAt(identifier);
      if (symbol === undefined) continue;
      const bound = scope.find(symbol) ?? this.moduleScopeOf(symbol)?.find(symbol);
      if (bound === undefined) continue;
      const reason = `'${identifier.text}' may have been changed by code that could not be evaluated: ${unknown.reason}`;
      bound.set(symbol, new Unknown(reason, unknown.node));
    }
  }

  private moduleScopeOf(symbol: ts.Symbol): Environment | undefined {
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    return declaration === undefined ? undefined : this.modules.get(declaration.getSourceFile())?.scope;
  }

  /** The root names that `region` and the user functions it calls write to (cached per region). */
  private writtenIdentifiers(region: ts.Node): readonly ts.Identifier[] {
    const cached = this.writes.get(region);
    if (cached !== undefined) return cached;
    const t = this.ts;
    const written: ts.Identifier[] = [];
    const visited = new Set<ts.Node>();
    const pending: ts.Node[] = [region];
    const addRoot = (target: ts.Expression): void => {
      let node: ts.Expression = target;
      for (;;) {
        if (t.isParenthesizedExpression(node) || t.isNonNullExpression(node) || t.isAsExpression(node)) node = node.expression;
        else if (t.isPropertyAccessExpression(node) || t.isElementAccessExpression(node)) node = node.expression;
        else break;
      }
      if (t.isIdentifier(node)) written.push(node);
    };
    // An explicit stack rather than recursion: the region may be the expression nested too
    // deeply to evaluate.
    const stack: ts.Node[] = [];
    for (let body = pending.pop(); body !== undefined; body = pending.pop()) {
      visited.add(body);
      stack.push(body);
      for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
        if (t.isBinaryExpression(node) && isAssignmentOperator(t, node.operatorToken.kind)) addRoot(node.left);
        else if ((t.isPrefixUnaryExpression(node) || t.isPostfixUnaryExpression(node)) && isIncrement(t, node.operator)) addRoot(node.operand);
        else if (t.isCallExpression(node)) {
          const callee = node.expression;
          if (t.isPropertyAccessExpression(callee) && MUTATING_METHODS.has(callee.name.text)) addRoot(callee.expression);
          const calleeBody = t.isIdentifier(callee) ? this.userFunctionBody(callee) : undefined;
          if (calleeBody !== undefined && !visited.has(calleeBody)) pending.push(calleeBody);
        }
        t.forEachChild(node, (child) => {
          stack.push(child);
        });
      }
    }
    this.writes.set(region, written);
    return written;
  }

  /** The body of the user function a callee names (`addBlock` in `addBlock(64)`), if any. */
  private userFunctionBody(callee: ts.Identifier): ts.Node | undefined {
    const declaration = this.symbolAt(callee)?.valueDeclaration;
    if (declaration === undefined || declaration.getSourceFile().isDeclarationFile) return undefined;
    if (this.ts.isFunctionDeclaration(declaration)) return declaration.body;
    if (this.ts.isVariableDeclaration(declaration) && declaration.initializer !== undefined) {
      const initializer = declaration.initializer;
      if (this.ts.isArrowFunction(initializer) || this.ts.isFunctionExpression(initializer)) return initializer.body;
    }
    return undefined;
  }

  /** Every identifier a binding name (`x`, `{ a, b: [c] }`) declares. */
  private boundIdentifiers(name: ts.BindingName): ts.Identifier[] {
    if (this.ts.isIdentifier(name)) return [name];
    const names: ts.Identifier[] = [];
    for (const element of name.elements) {
      if (!this.ts.isOmittedExpression(element)) names.push(...this.boundIdentifiers(element.name));
    }
    return names;
  }

  // ── statements ──────────────────────────────────────────────────────────────────────

  private executeBlock(statements: readonly ts.Statement[], scope: Environment): Completion {
    this.hoistFunctions(statements, scope);
    for (const statement of statements) {
      const completion = this.executeStatement(statement, scope);
      if (completion !== undefined) return completion;
    }
    return undefined;
  }

  private executeStatement(statement: ts.Statement, scope: Environment): Completion {
    this.charge(1, statement);
    this.enterNesting(statement);
    try {
      return this.executeStatementHere(statement, scope);
    } finally {
      this.nesting -= 1;
    }
  }

  /**
   * One more level of code inside the code being evaluated; past maxNestingDepth the code
   * around it stops (an unknown with the reason, as for code that throws).
   */
  private enterNesting(site: ts.Node): void {
    if (this.nesting >= this.maxNesting) {
      throw new UnknownControlFlow(
        new Unknown(
          `the code nests more than ${this.maxNesting.toLocaleString('en-US')} levels deep (expressions, statements and calls inside one another), too deeply to evaluate`,
          site,
        ),
      );
    }
    this.nesting += 1;
  }

  private executeStatementHere(statement: ts.Statement, scope: Environment): Completion {
    const t = this.ts;
    if (t.isVariableStatement(statement)) {
      if (this.isAmbient(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          for (const name of this.boundIdentifiers(declaration.name)) {
            const symbol = this.declaredSymbol(name);
            if (symbol !== undefined) scope.declare(symbol, this.ambientValue(name));
          }
        }
        return undefined;
      }
      this.declareVariables(statement.declarationList, scope);
      return undefined;
    }
    if (t.isExpressionStatement(statement)) {
      this.evaluate(statement.expression, scope);
      return undefined;
    }
    if (t.isReturnStatement(statement)) {
      return { type: 'return', value: statement.expression === undefined ? undefined : this.evaluate(statement.expression, scope) };
    }
    if (t.isIfStatement(statement)) {
      const condition = this.condition(statement.expression, scope);
      if (condition) return this.executeStatement(statement.thenStatement, new Environment(scope));
      return statement.elseStatement === undefined ? undefined : this.executeStatement(statement.elseStatement, new Environment(scope));
    }
    if (t.isBlock(statement)) return this.executeBlock(statement.statements, new Environment(scope));
    if (t.isForOfStatement(statement)) return this.executeForOf(statement, scope, undefined);
    if (t.isForStatement(statement)) return this.executeFor(statement, scope, undefined);
    if (t.isForInStatement(statement)) return this.executeForIn(statement, scope, undefined);
    if (t.isWhileStatement(statement) || t.isDoStatement(statement)) return this.executeWhile(statement, scope, undefined);
    if (t.isBreakStatement(statement)) return { type: 'break', label: statement.label?.text };
    if (t.isContinueStatement(statement)) return { type: 'continue', label: statement.label?.text };
    if (t.isLabeledStatement(statement)) return this.executeLabeled(statement, scope);
    if (t.isSwitchStatement(statement)) return this.executeSwitch(statement, scope);
    if (t.isThrowStatement(statement)) {
      throw new UnknownControlFlow(new Unknown('the code throws here', statement));
    }
    if (t.isTryStatement(statement)) {
      // Only a `try` that does not throw is followed: a `throw` (or an unknown) inside it
      // stays unknown rather than guessing what the `catch` would see.
      const completion = this.executeBlock(statement.tryBlock.statements, new Environment(scope));
      const after = statement.finallyBlock === undefined ? undefined : this.executeBlock(statement.finallyBlock.statements, new Environment(scope));
      return after ?? completion;
    }
    if (
      t.isFunctionDeclaration(statement) ||
      t.isImportDeclaration(statement) ||
      t.isImportEqualsDeclaration(statement) ||
      t.isExportDeclaration(statement) ||
      t.isInterfaceDeclaration(statement) ||
      t.isTypeAliasDeclaration(statement) ||
      t.isEmptyStatement(statement) ||
      t.isClassDeclaration(statement) ||
      t.isModuleDeclaration(statement)
    ) {
      return undefined;
    }
    if (t.isEnumDeclaration(statement)) {
      this.declareEnum(statement, scope);
      return undefined;
    }
    if (t.isExportAssignment(statement)) {
      this.exportDefault(statement, scope);
      return undefined;
    }
    throw new UnknownControlFlow(new Unknown(`${t.SyntaxKind[statement.kind]} is not evaluated statically`, statement));
  }

  /**
   * `enum Width { Small = 16, Large = 64 }`: an object of its members, numbers counting on
   * from the previous one as TypeScript numbers them (the reverse mapping is left out).
   */
  private declareEnum(declaration: ts.EnumDeclaration, scope: Environment): void {
    const symbol = this.declaredSymbol(declaration.name);
    if (symbol === undefined) return;
    const members: { [key: string]: Value } = {};
    // Members may refer to earlier ones by their bare name, so they live in a scope of their own.
    const memberScope = new Environment(scope);
    let next: Value = 0;
    for (const member of declaration.members) {
      const key = this.propertyKey(member.name, scope);
      if (key instanceof Unknown) continue;
      const value: Value = member.initializer !== undefined ? this.evaluate(member.initializer, memberScope) : typeof next === 'number' ? next : new Unknown(`enum member '${shortenText(String(key))}' follows a member that is not a number`, member);
      members[key] = value;
      const memberSymbol = this.symbolAt(member.name);
      if (memberSymbol !== undefined) memberScope.declare(memberSymbol, value);
      next = typeof value === 'number' ? value + 1 : value;
    }
    scope.declare(symbol, members);
  }

  /** `export default expr`: kept under the module's `default` symbol. */
  private exportDefault(statement: ts.ExportAssignment, scope: Environment): void {
    const exported = this.defaultExportSymbol(statement.getSourceFile());
    const value = this.evaluate(statement.expression, scope);
    if (exported !== undefined) scope.declare(exported, value);
  }

  /** The symbol of a module's `default` export (the key its value is kept under). */
  private defaultExportSymbol(sourceFile: ts.SourceFile): ts.Symbol | undefined {
    const moduleSymbol = this.checker.getSymbolAtLocation(sourceFile);
    const exported = moduleSymbol === undefined ? undefined : this.checker.getExportsOfModule(moduleSymbol).find((symbol) => symbol.name === 'default');
    return exported === undefined ? undefined : this.checker.getExportSymbolOfSymbol(exported);
  }

  private declareVariables(list: ts.VariableDeclarationList, scope: Environment): void {
    for (const declaration of list.declarations) {
      const value = declaration.initializer === undefined ? undefined : this.evaluate(declaration.initializer, scope);
      this.bindName(declaration.name, value, scope, declaration);
    }
  }

  /** Binds a name or a destructuring pattern to a value. */
  private bindName(name: ts.BindingName, value: Value, scope: Environment, site: ts.Node): void {
    const t = this.ts;
    if (t.isIdentifier(name)) {
      const symbol = this.declaredSymbol(name);
      if (symbol !== undefined) scope.declare(symbol, value);
      return;
    }
    if (t.isObjectBindingPattern(name)) {
      const used: string[] = [];
      for (const element of name.elements) {
        if (element.dotDotDotToken !== undefined) {
          if (value instanceof Unknown) this.bindName(element.name, value, scope, site);
          else if (isPlainObject(value)) {
            this.bindName(element.name, Object.fromEntries(Object.entries(value).filter(([key]) => !used.includes(key))), scope, site);
          } else this.bindName(element.name, {}, scope, site);
          continue;
        }
        const keyNode = element.propertyName ?? element.name;
        const key = t.isIdentifier(keyNode) || t.isStringLiteral(keyNode) || t.isNumericLiteral(keyNode)
          ? keyNode.text
          : t.isComputedPropertyName(keyNode)
            ? this.evaluate(keyNode.expression, scope)
            : undefined;
        if (typeof key === 'string') used.push(key);
        let item: Value =
          key instanceof Unknown
            ? key
            : typeof key === 'string' || typeof key === 'number'
              ? this.getProperty(value, key, element)
              : new Unknown(`cannot destructure with the key ${describeValue(key)}`, element);
        if (item === undefined && element.initializer !== undefined) item = this.evaluate(element.initializer, scope);
        this.bindName(element.name, item, scope, site);
      }
      return;
    }
    // Array pattern.
    const items: readonly Value[] | Unknown =
      value instanceof Unknown
        ? value
        : Array.isArray(value)
          ? (value as Value[])
          : typeof value === 'string'
            ? [...value]
            : new Unknown(`cannot destructure ${describeValue(value)} as an array`, site);
    name.elements.forEach((element, index) => {
      if (t.isOmittedExpression(element)) return;
      let item: Value;
      if (items instanceof Unknown) item = items;
      else if (element.dotDotDotToken !== undefined) item = items.slice(index);
      else item = items[index];
      if (item === undefined && element.initializer !== undefined) item = this.evaluate(element.initializer, scope);
      this.bindName(element.name, item, scope, site);
    });
  }

  private condition(expression: ts.Expression, scope: Environment): boolean {
    const value = this.evaluate(expression, scope);
    if (value instanceof Unknown) throw new UnknownControlFlow(value);
    return Boolean(value);
  }

  /** Applies a loop body's completion: returns a completion that leaves the loop, or undefined to go on. */
  private loopExit(completion: Completion, label: string | undefined): { leave: boolean; completion: Completion } {
    if (completion === undefined) return { leave: false, completion: undefined };
    if (completion.type === 'return') return { leave: true, completion };
    const mine = completion.label === undefined || completion.label === label;
    if (completion.type === 'break') return { leave: true, completion: mine ? undefined : completion };
    return mine ? { leave: false, completion: undefined } : { leave: true, completion };
  }

  private executeForOf(statement: ts.ForOfStatement, scope: Environment, label: string | undefined): Completion {
    const iterable = this.evaluate(statement.expression, scope);
    if (iterable instanceof Unknown) throw new UnknownControlFlow(iterable);
    if (!Array.isArray(iterable) && typeof iterable !== 'string') {
      throw new UnknownControlFlow(new Unknown(`for…of over ${describeValue(iterable)} is not evaluated statically`, statement.expression));
    }
    // An array is read live, as its iterator does: items pushed in the loop are visited too.
    const items: readonly Value[] = typeof iterable === 'string' ? [...iterable] : (iterable as Value[]);
    for (let index = 0; index < items.length; index += 1) {
      this.charge(1, statement);
      const item = items[index];
      const iteration = new Environment(scope);
      this.bindLoopVariable(statement.initializer, item, iteration, scope);
      const { leave, completion } = this.loopExit(this.executeStatement(statement.statement, iteration), label);
      if (leave) return completion;
    }
    return undefined;
  }

  private executeForIn(statement: ts.ForInStatement, scope: Environment, label: string | undefined): Completion {
    const target = this.evaluate(statement.expression, scope);
    if (target instanceof Unknown) throw new UnknownControlFlow(target);
    const keys = isPlainObject(target) ? Object.keys(target) : Array.isArray(target) ? Object.keys(target) : [];
    for (const key of keys) {
      const iteration = new Environment(scope);
      this.bindLoopVariable(statement.initializer, key, iteration, scope);
      const { leave, completion } = this.loopExit(this.executeStatement(statement.statement, iteration), label);
      if (leave) return completion;
    }
    return undefined;
  }

  private bindLoopVariable(initializer: ts.ForInitializer, value: Value, iteration: Environment, outer: Environment): void {
    if (this.ts.isVariableDeclarationList(initializer)) {
      const [declaration] = initializer.declarations;
      if (declaration !== undefined) this.bindName(declaration.name, value, iteration, initializer);
      return;
    }
    this.reference(initializer, outer).set(value);
  }

  private executeFor(statement: ts.ForStatement, scope: Environment, label: string | undefined): Completion {
    const loopScope = new Environment(scope);
    if (statement.initializer !== undefined) {
      if (this.ts.isVariableDeclarationList(statement.initializer)) this.declareVariables(statement.initializer, loopScope);
      else this.evaluate(statement.initializer, loopScope);
    }
    // A `let` in the header gets a fresh binding per iteration (ECMAScript's
    // CreatePerIterationEnvironment), so closures made in the body keep their iteration's value.
    let iterationScope = loopScope;
    for (;;) {
      this.charge(1, statement);
      if (statement.condition !== undefined && !this.condition(statement.condition, iterationScope)) return undefined;
      const { leave, completion } = this.loopExit(this.executeStatement(statement.statement, new Environment(iterationScope)), label);
      if (leave) return completion;
      iterationScope = iterationScope.copy();
      if (statement.incrementor !== undefined) this.evaluate(statement.incrementor, iterationScope);
    }
  }

  private executeWhile(statement: ts.WhileStatement | ts.DoStatement, scope: Environment, label: string | undefined): Completion {
    let first = this.ts.isDoStatement(statement);
    for (;;) {
      this.charge(1, statement);
      if (!first && !this.condition(statement.expression, scope)) return undefined;
      first = false;
      const { leave, completion } = this.loopExit(this.executeStatement(statement.statement, new Environment(scope)), label);
      if (leave) return completion;
    }
  }

  private executeLabeled(statement: ts.LabeledStatement, scope: Environment): Completion {
    const t = this.ts;
    const label = statement.label.text;
    const inner = statement.statement;
    let completion: Completion;
    if (t.isForOfStatement(inner)) completion = this.executeForOf(inner, scope, label);
    else if (t.isForStatement(inner)) completion = this.executeFor(inner, scope, label);
    else if (t.isForInStatement(inner)) completion = this.executeForIn(inner, scope, label);
    else if (t.isWhileStatement(inner) || t.isDoStatement(inner)) completion = this.executeWhile(inner, scope, label);
    else completion = this.executeStatement(inner, scope);
    if (completion !== undefined && completion.type === 'break' && completion.label === label) return undefined;
    return completion;
  }

  private executeSwitch(statement: ts.SwitchStatement, scope: Environment): Completion {
    const discriminant = this.evaluate(statement.expression, scope);
    if (discriminant instanceof Unknown) throw new UnknownControlFlow(discriminant);
    const clauses = statement.caseBlock.clauses;
    let matched = clauses.findIndex((clause) => {
      if (!this.ts.isCaseClause(clause)) return false;
      const value = this.evaluate(clause.expression, scope);
      if (value instanceof Unknown) throw new UnknownControlFlow(value);
      return value === discriminant;
    });
    if (matched < 0) matched = clauses.findIndex((clause) => this.ts.isDefaultClause(clause));
    if (matched < 0) return undefined;
    const switchScope = new Environment(scope);
    for (const clause of clauses.slice(matched)) {
      const completion = this.executeBlock(clause.statements, switchScope);
      if (completion === undefined) continue;
      if (completion.type === 'break' && completion.label === undefined) return undefined;
      return completion;
    }
    return undefined;
  }

  // ── expressions ─────────────────────────────────────────────────────────────────────

  evaluate(expression: ts.Expression, scope: Environment): Value {
    this.charge(1, expression);
    this.enterNesting(expression);
    try {
      return this.evaluateHere(expression, scope);
    } finally {
      this.nesting -= 1;
    }
  }

  private evaluateHere(expression: ts.Expression, scope: Environment): Value {
    const t = this.ts;
    switch (expression.kind) {
      case t.SyntaxKind.NumericLiteral:
        return Number((expression as ts.NumericLiteral).text);
      case t.SyntaxKind.StringLiteral:
      case t.SyntaxKind.NoSubstitutionTemplateLiteral:
        return (expression as ts.StringLiteral).text;
      case t.SyntaxKind.TrueKeyword:
        return true;
      case t.SyntaxKind.FalseKeyword:
        return false;
      case t.SyntaxKind.NullKeyword:
        return null;
      case t.SyntaxKind.Identifier:
        return this.valueOfIdentifier(expression as ts.Identifier, scope);
      default:
        break;
    }
    if (t.isParenthesizedExpression(expression) || t.isAsExpression(expression) || t.isSatisfiesExpression(expression) || t.isNonNullExpression(expression) || t.isTypeAssertionExpression(expression)) {
      return this.evaluate(expression.expression, scope);
    }
    if (t.isTemplateExpression(expression)) {
      let text = expression.head.text;
      for (const span of expression.templateSpans) {
        const value = this.evaluate(span.expression, scope);
        if (value instanceof Unknown) return value;
        const piece = stringOf(value, this, span.expression);
        if (piece instanceof Unknown) return piece;
        text += piece + span.literal.text;
        if (text.length > MAX_STRING_LENGTH) return tooLongString('this template string', text.length, expression);
      }
      return text;
    }
    if (t.isArrayLiteralExpression(expression)) return this.evaluateArray(expression.elements, scope);
    if (t.isObjectLiteralExpression(expression)) return this.evaluateObject(expression, scope);
    if (t.isPropertyAccessExpression(expression) || t.isElementAccessExpression(expression) || t.isCallExpression(expression)) {
      const value = this.evaluateChainLink(expression, scope);
      return value === SHORT_CIRCUIT ? undefined : value;
    }
    if (t.isNewExpression(expression)) {
      const callee = this.evaluate(expression.expression, scope);
      if (callee instanceof BuiltinNamespace && callee.name === 'Array') {
        const args = this.evaluateArguments(expression.arguments ?? t.factory.createNodeArray(), scope);
        return args instanceof Unknown ? args : this.invoke(callee, args, expression);
      }
      return new Unknown('`new` is only evaluated for Array', expression);
    }
    if (t.isArrowFunction(expression) || t.isFunctionExpression(expression)) return new Closure(expression, scope);
    if (t.isConditionalExpression(expression)) {
      const condition = this.evaluate(expression.condition, scope);
      if (condition instanceof Unknown) return condition;
      return this.evaluate(condition ? expression.whenTrue : expression.whenFalse, scope);
    }
    if (t.isBinaryExpression(expression)) return this.evaluateBinary(expression, scope);
    if (t.isPrefixUnaryExpression(expression) || t.isPostfixUnaryExpression(expression)) return this.evaluateUnary(expression, scope);
    if (t.isTypeOfExpression(expression)) {
      const value = this.evaluate(expression.expression, scope);
      if (value instanceof Unknown) return value;
      if (isCallable(value)) return 'function';
      if (value instanceof DslNamespace || value instanceof BuiltinNamespace) return 'object';
      if (isExpr(value)) return 'number';
      return typeof value;
    }
    if (t.isVoidExpression(expression)) {
      this.evaluate(expression.expression, scope);
      return undefined;
    }
    if (t.isDeleteExpression(expression)) {
      // Ignoring a delete would leave a stale option behind (`delete options.stride`).
      const target = expression.expression;
      if (!t.isPropertyAccessExpression(target) && !t.isElementAccessExpression(target)) return true;
      const object = this.evaluate(target.expression, scope);
      const key = t.isPropertyAccessExpression(target) ? target.name.text : this.evaluate(target.argumentExpression, scope);
      if (object instanceof Unknown) throw new UnknownControlFlow(object);
      if (key instanceof Unknown) throw new UnknownControlFlow(key);
      if (isPlainObject(object) && !Object.isFrozen(object) && (typeof key === 'string' || typeof key === 'number')) return delete object[key];
      const what = typeof key === 'string' || typeof key === 'number' ? `'${shortenText(String(key))}'` : describeValue(key);
      throw new UnknownControlFlow(new Unknown(`cannot delete ${what} of ${describeValue(object)}`, expression));
    }
    if (t.isSpreadElement(expression)) return new Unknown('a spread outside an array or call', expression);
    return new Unknown(`${t.SyntaxKind[expression.kind]} is not evaluated statically`, expression);
  }

  /** The items `...value` spreads, charged to the budget before they are copied. */
  private spreadItems(value: Value, site: ts.Node): readonly Value[] | Unknown {
    if (value instanceof Unknown) return value;
    if (Array.isArray(value) || typeof value === 'string') {
      this.charge(value.length, site);
      return Array.isArray(value) ? (value as Value[]) : [...value];
    }
    return new Unknown(`cannot spread ${describeValue(value)}`, site);
  }

  /**
   * A DSL call's arguments. A spread of an unknown array stands as one `Unknown` at its
   * place, and `unknownSpread` says where, so `model('m', input(3, 32, 32), ...blocks)` keeps
   * its name and input when `blocks` is unknown (dsl-bridge decides what the gap means).
   */
  private evaluateSpreadArguments(
    args: readonly ts.Expression[],
    scope: Environment,
    references?: ReferenceArgument[],
  ): { values: Value[]; unknownSpread: number | undefined } {
    const values: Value[] = [];
    let unknownSpread: number | undefined;
    for (const element of args) {
      // Which values each argument written as a reference became (see recordLayerReferences).
      const reference: ReferenceArgument | undefined =
        references !== undefined && this.isReferenceArgument(element) ? { expression: element, start: values.length, end: values.length } : undefined;
      if (!this.ts.isSpreadElement(element)) {
        values.push(this.evaluate(element, scope));
      } else {
        const items = this.spreadItems(this.evaluate(element.expression, scope), element);
        if (items instanceof Unknown) {
          unknownSpread ??= values.length;
          values.push(items);
        } else {
          for (const item of items) values.push(item);
        }
      }
      if (reference !== undefined) {
        reference.end = values.length;
        references!.push(reference);
      }
    }
    return { values, unknownSpread };
  }

  /**
   * `a`, `blocks.stem`, `stages[0]` (in parentheses, with `!`, `as` or `satisfies` too), and
   * a spread of one of them (`...stages`): an argument that names a layer rather than makes one.
   */
  private isReferenceArgument(argument: ts.Expression): boolean {
    const t = this.ts;
    let node = t.isSpreadElement(argument) ? argument.expression : argument;
    while (t.isParenthesizedExpression(node) || t.isNonNullExpression(node) || t.isAsExpression(node) || t.isSatisfiesExpression(node)) node = node.expression;
    return t.isIdentifier(node) || t.isPropertyAccessExpression(node) || t.isElementAccessExpression(node);
  }

  /**
   * After `name(…)` built `result`: where each layer argument written as a reference went in
   * it. One pass over the arguments (childSlots) for all of a call's references, so a model
   * of a thousand named layers costs a thousand, not a million; an argument whose value is
   * not a layer (or an array ending in one) that sits where the call put it is not recorded.
   */
  private recordLayerReferences(name: string, values: readonly Value[], references: readonly ReferenceArgument[], result: Value): void {
    if (!isLayerNode(result) && !isRootNode(result)) return;
    const slots = childSlots(name, values);
    if (slots === undefined) return;
    const { layerReferences } = this.record;
    for (const { expression, start, end } of references) {
      if (end <= start) continue;
      const child = slots[end - 1]!;
      if (child < 0) continue;
      let last = values[end - 1];
      // The DSL splices an array, and arrays inside it, into the list: its last layer is what the list goes on with.
      for (let level = 0; level < 2 && Array.isArray(last); level += 1) last = (last as readonly Value[])[(last as readonly Value[]).length - 1];
      if (!isLayerNode(last) || childAt(result, child) !== last) continue;
      const uses = layerReferences.get(expression);
      if (uses === undefined) layerReferences.set(expression, [{ parent: result, child }]);
      else uses.push({ parent: result, child });
    }
  }

  private evaluateArray(elements: readonly ts.Expression[], scope: Environment): Value {
    const result: Value[] = [];
    for (const element of elements) {
      if (this.ts.isSpreadElement(element)) {
        const items = this.spreadItems(this.evaluate(element.expression, scope), element);
        if (items instanceof Unknown) return items;
        // A loop, not push(...items): spreading 100k arguments overflows the stack.
        for (const item of items) result.push(item);
      } else if (this.ts.isOmittedExpression(element)) {
        result.push(undefined);
      } else {
        result.push(this.evaluate(element, scope));
      }
    }
    return result;
  }

  private evaluateObject(expression: ts.ObjectLiteralExpression, scope: Environment): Value {
    const t = this.ts;
    const result: { [key: string]: Value } = {};
    for (const property of expression.properties) {
      if (t.isSpreadAssignment(property)) {
        const spread = this.evaluate(property.expression, scope);
        if (spread instanceof Unknown) return spread;
        if (isPlainObject(spread)) Object.assign(result, spread);
        continue;
      }
      if (t.isShorthandPropertyAssignment(property)) {
        result[property.name.text] = this.valueOfIdentifier(property.name, scope);
        continue;
      }
      const key = this.propertyKey(property.name, scope);
      if (key instanceof Unknown) return key;
      if (t.isPropertyAssignment(property)) result[key] = this.evaluate(property.initializer, scope);
      else if (t.isMethodDeclaration(property)) result[key] = new Closure(property, scope);
      else result[key] = new Unknown('getters and setters are not evaluated statically', property);
    }
    return result;
  }

  private propertyKey(name: ts.PropertyName, scope: Environment): string | Unknown {
    const t = this.ts;
    if (t.isIdentifier(name) || t.isStringLiteral(name) || t.isNumericLiteral(name) || t.isPrivateIdentifier(name)) return name.text;
    if (t.isComputedPropertyName(name)) {
      const key = this.evaluate(name.expression, scope);
      if (key instanceof Unknown) return key;
      return stringOf(key, this, name);
    }
    return new Unknown('unsupported property name', name);
  }

  /** Reads a property: own data of plain objects, array and string members, namespaces. */
  getProperty(target: Value, key: string | number, site: ts.Node): Value {
    if (target instanceof Unknown) return target;
    if (target === null || target === undefined) return new Unknown(`cannot read '${shortenText(String(key))}' of ${String(target)}`, site);
    if (Array.isArray(target)) {
      if (key === 'length') return target.length;
      if (typeof key === 'number' || /^\d+$/.test(key)) return (target as Value[])[Number(key)];
      return this.arrayMethods.get(key)?.bindTo(target as Value[]) ?? new Unknown(`the array method '${shortenText(String(key))}' is not evaluated statically`, site);
    }
    if (typeof target === 'string') {
      if (key === 'length') return target.length;
      if (typeof key === 'number' || /^\d+$/.test(key)) return target[Number(key)];
      return STRING_METHODS.get(key)?.bindTo(target) ?? new Unknown(`the string method '${shortenText(String(key))}' is not evaluated statically`, site);
    }
    if (typeof target === 'number') {
      return NUMBER_METHODS.get(String(key))?.bindTo(target) ?? new Unknown(`the number member '${shortenText(String(key))}' is not evaluated statically`, site);
    }
    if (target instanceof DslNamespace) return target.names.has(String(key)) ? new DslFunction(String(key)) : undefined;
    if (target instanceof BuiltinNamespace) return target.members.get(String(key)) ?? new Unknown(`${target.name}.${key} is not evaluated statically`, site);
    if (isPlainObject(target)) return Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
    return new Unknown(`cannot read '${shortenText(String(key))}' of ${describeValue(target)}`, site);
  }

  private evaluateArguments(args: ts.NodeArray<ts.Expression>, scope: Environment): Value[] | Unknown {
    const result = this.evaluateArray(args, scope);
    return result instanceof Unknown ? result : (result as Value[]);
  }

  /**
   * A property access, element access or call, which may be a link of an optional chain:
   * in `a?.b.c()` a nullish `a` skips the whole rest of the chain (SHORT_CIRCUIT), where
   * `(a?.b).c` would read `c` of undefined.
   */
  private evaluateChainLink(expression: ts.PropertyAccessExpression | ts.ElementAccessExpression | ts.CallExpression, scope: Environment): Value | ShortCircuit {
    if (this.ts.isCallExpression(expression)) return this.evaluateCall(expression, scope);
    const target = this.evaluateChainTarget(expression.expression, scope);
    if (target === SHORT_CIRCUIT) return SHORT_CIRCUIT;
    if (expression.questionDotToken !== undefined && (target === null || target === undefined)) return SHORT_CIRCUIT;
    if (this.ts.isPropertyAccessExpression(expression)) return this.getProperty(target, expression.name.text, expression);
    const key = this.evaluate(expression.argumentExpression, scope);
    if (key instanceof Unknown) return key;
    if (typeof key !== 'string' && typeof key !== 'number') return new Unknown(`cannot index with ${describeValue(key)}`, expression);
    return this.getProperty(target, key, expression);
  }

  /** The object of an access or the callee of a call, continuing the chain it belongs to. */
  private evaluateChainTarget(expression: ts.Expression, scope: Environment): Value | ShortCircuit {
    const t = this.ts;
    if (!t.isOptionalChain(expression)) return this.evaluate(expression, scope);
    this.charge(1, expression);
    if (t.isNonNullExpression(expression)) return this.evaluateChainTarget(expression.expression, scope);
    return this.evaluateChainLink(expression, scope);
  }

  private evaluateCall(call: ts.CallExpression, scope: Environment): Value | ShortCircuit {
    const callee = this.evaluateChainTarget(call.expression, scope);
    if (callee === SHORT_CIRCUIT) return SHORT_CIRCUIT;
    if (call.questionDotToken !== undefined && (callee === null || callee === undefined)) return SHORT_CIRCUIT;
    if (callee instanceof DslFunction) {
      const references: ReferenceArgument[] | undefined = LAYER_PARENT_FACTORIES.has(callee.name) ? [] : undefined;
      const { values, unknownSpread } = this.evaluateSpreadArguments(call.arguments, scope, references);
      const result = this.callDsl(callee.name, values, call, unknownSpread);
      if (references !== undefined && references.length > 0) this.recordLayerReferences(callee.name, values, references, result);
      return result;
    }
    const args = this.evaluateArguments(call.arguments, scope);
    if (args instanceof Unknown) return args;
    const result = this.invoke(callee, args, call);
    if (callee instanceof Closure) {
      // A helper that returns layers to splice (`...block(64)`) stands for its last one:
      // that is the block's output where the list is spliced in.
      const block = Array.isArray(result) ? result[result.length - 1] : result;
      if (isLayerNode(block) || isRootNode(block)) {
        const results = this.record.helperCalls.get(call) ?? [];
        results.push(block);
        this.record.helperCalls.set(call, results);
      }
    }
    return result;
  }

  /** Calls any callable value (also from built-ins such as `map`). */
  call(callee: Value, args: readonly Value[], site: ts.Node): Value {
    return this.invoke(callee, args, site);
  }

  private invoke(callee: Value, args: readonly Value[], site: ts.Node): Value {
    if (callee instanceof Unknown) return callee;
    if (callee instanceof Closure) return this.callClosure(callee, args, site);
    if (callee instanceof Builtin) return this.callBuiltin(callee, args, site);
    if (callee instanceof DslFunction) return this.callDsl(callee.name, args, site);
    if (callee instanceof BuiltinNamespace) {
      const direct = callee.members.get('__call__');
      if (direct instanceof Builtin) return this.callBuiltin(direct, args, site);
    }
    return new Unknown(`${describeValue(callee)} is not a function that can be evaluated`, site);
  }

  /**
   * Built-ins apply real JavaScript functions to user data, which can throw where the code
   * would throw at run time (`(1).toFixed(1000)`, `{ toString: 1 } + ''`); that is an unknown
   * for this call, never an exception out of the evaluator.
   */
  private callBuiltin(builtin: Builtin, args: readonly Value[], site: ts.Node): Value {
    // What a built-in reads costs what it holds (an array its length, a string a step per
    // kilobyte), so a loop over `bigString.indexOf(…)` ends at the budget too.
    const receiver = builtin.receiver;
    let cost = typeof receiver === 'string' ? receiver.length >> 10 : 0;
    for (const arg of args) cost += Array.isArray(arg) ? arg.length : typeof arg === 'string' ? arg.length >> 10 : 0;
    if (cost > 0) this.charge(cost, site);
    const converting = Array.isArray(receiver) ? !NON_CONVERTING_ARRAY_METHODS.has(builtin.name) : !NON_CONVERTING_BUILTINS.has(builtin.name);
    if (converting) {
      for (const arg of args) {
        if (!Array.isArray(arg)) continue;
        const text = stringOf(arg, this, site);
        if (text instanceof Unknown) return text;
      }
    }
    let result: Value;
    try {
      result = builtin.call(receiver, args, site);
    } catch (error) {
      if (error instanceof BudgetExceeded || error instanceof UnknownControlFlow) throw error;
      return new Unknown(`${builtin.name}(…) fails with these arguments: ${error instanceof Error ? error.message : String(error)}`, site);
    }
    return typeof result === 'string' && result.length > MAX_STRING_LENGTH ? tooLongString(`${builtin.name}(…)`, result.length, site) : result;
  }

  /**
   * Evaluates a function that nothing called, so its layers have shapes before it is used:
   * each parameter TypeScript types as a number becomes a symbol named after it
   * (language/ir/symbolic.ts), one with a default of another type takes its default, and
   * any other is unknown. What it builds is recorded in `symbolicNodes`. A budget that
   * runs out stops this evaluation only (the caller keeps what the program gave).
   */
  evaluateUncalled(closure: Closure): Value {
    const declaration = closure.declaration;
    const site = declaration.name ?? declaration;
    const args = declaration.parameters.map((parameter): Value => {
      const name = parameter.name;
      if (parameter.dotDotDotToken !== undefined || !this.ts.isIdentifier(name)) {
        return parameter.initializer !== undefined ? undefined : new Unknown(`'${shortenText(name.getText())}' is only known when the function is called`, parameter);
      }
      const type = this.checker.getNonNullableType(this.checker.getTypeAtLocation(name));
      if ((type.flags & this.ts.TypeFlags.NumberLike) !== 0) return Expr.symbol(name.text);
      if (parameter.initializer !== undefined) return undefined;
      return new Unknown(`'${name.text}' is a parameter whose value is only known when the function is called`, parameter);
    });
    this.symbolicOwner = declaration;
    try {
      return this.callClosure(closure, args, site);
    } catch (error) {
      if (error instanceof BudgetExceeded) return new Unknown(error.message, site);
      throw error;
    } finally {
      this.symbolicOwner = undefined;
    }
  }

  private callClosure(closure: Closure, args: readonly Value[], site: ts.Node): Value {
    const declaration = closure.declaration;
    if (declaration.body === undefined) return new Unknown('a function without a body', site);
    if (this.depth >= this.limits.maxCallDepth) {
      return new Unknown(`calls nest deeper than ${this.limits.maxCallDepth} levels (unbounded recursion?)`, site);
    }
    if (declaration.asteriskToken !== undefined || (this.ts.getCombinedModifierFlags(declaration) & this.ts.ModifierFlags.Async) !== 0) {
      return new Unknown('generators and async functions are not evaluated statically', site);
    }
    this.depth += 1;
    if (this.symbolicOwner === undefined) this.record.calledFunctions.add(declaration);
    try {
      const scope = new Environment(closure.scope);
      declaration.parameters.forEach((parameter, index) => {
        let value: Value = parameter.dotDotDotToken !== undefined ? args.slice(index) : args[index];
        if (value === undefined && parameter.initializer !== undefined) value = this.evaluate(parameter.initializer, scope);
        else if (value === undefined && parameter.questionToken === undefined && parameter.dotDotDotToken === undefined && index >= args.length) {
          value = new Unknown(`parameter '${parameter.name.getText()}' was not given`, parameter);
        }
        this.bindName(parameter.name, value, scope, parameter);
      });
      if (!this.ts.isBlock(declaration.body)) return this.evaluate(declaration.body, scope);
      const completion = this.executeBlock(declaration.body.statements, scope);
      return completion?.type === 'return' ? completion.value : undefined;
    } catch (error) {
      if (!(error instanceof UnknownControlFlow)) throw error;
      // The call stopped part-way: what it changed outside itself is partial (see forgetWrites).
      this.forgetWrites(declaration.body, closure.scope, error.unknown);
      return error.unknown;
    } finally {
      this.depth -= 1;
    }
  }

  private callDsl(name: string, args: readonly Value[], site: ts.Node, unknownSpread?: number): Value {
    // The factories read the lists they are given (dims, layers): that costs what they hold.
    let cost = 0;
    for (const arg of args) if (Array.isArray(arg)) cost += arg.length;
    if (cost > 0) this.charge(cost, site);
    const outcome = callDslFactory(name, args, unknownSpread);
    const { value } = outcome;
    if (value instanceof Unknown) return new Unknown(value.reason, site);
    if (typeof value === 'object' && value !== null) {
      const record = this.record;
      if (!record.createdBy.has(value)) record.createdBy.set(value, site);
      const statement = this.topLevel[this.topLevel.length - 1];
      if ((name === 'model' || name === 'gan') && statement !== undefined) record.rootStatement.set(value, statement);
      for (const { layer, unknown } of outcome.unknownLayers) record.createdBy.set(layer, unknown.node ?? site);
      if (this.symbolicOwner !== undefined) record.symbolicNodes.set(value, this.symbolicOwner);
      if (outcome.unknowns.length > 0) record.unknownReasons.set(value, [...outcome.unknowns]);
      if (this.ts.isCallExpression(site)) {
        const results = record.dslCalls.get(site) ?? [];
        results.push(value);
        record.dslCalls.set(site, results);
      }
    }
    return value;
  }

  private evaluateBinary(expression: ts.BinaryExpression, scope: Environment): Value {
    const t = this.ts;
    const operator = expression.operatorToken.kind;
    if (operator === t.SyntaxKind.EqualsToken) {
      // JavaScript resolves the target (`xs[i++]`) before it evaluates the right-hand side.
      const reference = this.reference(expression.left, scope);
      const value = this.evaluate(expression.right, scope);
      reference.set(value);
      return value;
    }
    const logical = this.operators.logicalAssignments.get(operator);
    if (logical !== undefined) {
      // `a ??= b` evaluates b and assigns only when a is nullish (or falsy, or truthy).
      const reference = this.reference(expression.left, scope);
      const current = reference.get();
      if (current instanceof Unknown || !this.shortCircuitTakesRight(logical, current)) return current;
      const value = this.evaluate(expression.right, scope);
      reference.set(value);
      return value;
    }
    const compound = this.operators.compoundAssignments.get(operator);
    if (compound !== undefined) {
      const reference = this.reference(expression.left, scope);
      const value = applyOperator(compound, reference.get(), this.evaluate(expression.right, scope), expression, this);
      reference.set(value);
      return value;
    }
    const shortCircuit = this.operators.logical.get(operator);
    if (shortCircuit !== undefined) {
      const left = this.evaluate(expression.left, scope);
      if (left instanceof Unknown) return left;
      return this.shortCircuitTakesRight(shortCircuit, left) ? this.evaluate(expression.right, scope) : left;
    }
    if (operator === t.SyntaxKind.CommaToken) {
      this.evaluate(expression.left, scope);
      return this.evaluate(expression.right, scope);
    }
    const binary = this.operators.binary.get(operator);
    const left = this.evaluate(expression.left, scope);
    const right = this.evaluate(expression.right, scope);
    if (binary === undefined) return new Unknown(`the operator '${expression.operatorToken.getText()}' is not evaluated statically`, expression);
    return applyOperator(binary, left, right, expression, this);
  }

  private shortCircuitTakesRight(operator: LogicalOperator, left: Value): boolean {
    if (operator === '&&') return Boolean(left);
    if (operator === '||') return !left;
    return left === null || left === undefined;
  }

  private evaluateUnary(expression: ts.PrefixUnaryExpression | ts.PostfixUnaryExpression, scope: Environment): Value {
    const t = this.ts;
    const operator = expression.operator;
    if (isIncrement(t, operator)) {
      // One reference, so `counts[key()]++` evaluates `key()` once.
      const reference = this.reference(expression.operand, scope);
      const current = reference.get();
      if (current instanceof Unknown) return current;
      if (typeof current !== 'number') return new Unknown(`cannot increment ${describeValue(current)}`, expression);
      const next = operator === t.SyntaxKind.PlusPlusToken ? current + 1 : current - 1;
      reference.set(next);
      return t.isPrefixUnaryExpression(expression) ? next : current;
    }
    const value = this.evaluate(expression.operand, scope);
    if (value instanceof Unknown) return value;
    switch (operator) {
      case t.SyntaxKind.MinusToken:
        return typeof value === 'number' ? -value : isExpr(value) ? negated(value) : new Unknown(`cannot negate ${describeValue(value)}`, expression);
      case t.SyntaxKind.PlusToken:
        return typeof value === 'number' || isExpr(value) ? value : typeof value === 'string' || typeof value === 'boolean' || value === null ? Number(value) : new Unknown(`cannot convert ${describeValue(value)} to a number`, expression);
      case t.SyntaxKind.ExclamationToken:
        return !value;
      case t.SyntaxKind.TildeToken:
        return typeof value === 'number' ? ~value : new Unknown(`cannot apply ~ to ${describeValue(value)}`, expression);
      default:
        return new Unknown('unsupported unary operator', expression);
    }
  }

  /**
   * What an assignment writes to: a name, a property or an element, with its object and key
   * evaluated once. Writing where the evaluator cannot follow stops the enclosing code
   * (UnknownControlFlow), since later reads would otherwise see a stale value.
   */
  private reference(target: ts.Expression, scope: Environment): Reference {
    const t = this.ts;
    if (t.isParenthesizedExpression(target) || t.isNonNullExpression(target) || t.isAsExpression(target) || t.isSatisfiesExpression(target)) {
      return this.reference(target.expression, scope);
    }
    if (t.isIdentifier(target)) {
      const symbol = this.symbolAt(target);
      const bound = symbol === undefined ? undefined : scope.find(symbol);
      return {
        get: () => this.valueOfIdentifier(target, scope),
        set: (value) => {
          if (symbol === undefined || bound === undefined) {
            throw new UnknownControlFlow(new Unknown(`assigns to '${target.text}', which is outside what was evaluated`, target));
          }
          bound.set(symbol, value);
        },
      };
    }
    if (t.isPropertyAccessExpression(target) || t.isElementAccessExpression(target)) {
      const object = this.evaluate(target.expression, scope);
      const key = t.isPropertyAccessExpression(target) ? target.name.text : this.evaluate(target.argumentExpression, scope);
      if (object instanceof Unknown) throw new UnknownControlFlow(object);
      if (key instanceof Unknown) throw new UnknownControlFlow(key);
      if (typeof key !== 'string' && typeof key !== 'number') {
        throw new UnknownControlFlow(new Unknown(`cannot index with ${describeValue(key)}`, target));
      }
      return {
        get: () => this.getProperty(object, key, target),
        set: (value) => this.setProperty(object, key, value, target),
      };
    }
    if (t.isArrayLiteralExpression(target) || t.isObjectLiteralExpression(target)) {
      throw new UnknownControlFlow(new Unknown('destructuring assignment is not evaluated statically; use a declaration', target));
    }
    throw new UnknownControlFlow(new Unknown('unsupported assignment target', target));
  }

  private setProperty(object: Value, key: string | number, value: Value, site: ts.Node): void {
    if (Array.isArray(object) && !Object.isFrozen(object)) {
      const array = object as Value[];
      if (key === 'length') {
        // `xs.length = 0` empties a list; a huge length would make a sparse array that every later copy pays for.
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_ARRAY_LENGTH) {
          throw new UnknownControlFlow(new Unknown(`cannot set an array's length to ${typeof value === 'number' ? value : describeValue(value)}`, site));
        }
        if (value > array.length) this.charge(value - array.length, site);
        array.length = value;
        return;
      }
      const index = typeof key === 'number' ? key : /^\d+$/.test(key) ? Number(key) : Number.NaN;
      if (!Number.isInteger(index) || index < 0 || index >= MAX_ARRAY_LENGTH) {
        throw new UnknownControlFlow(new Unknown(`cannot assign to element '${shortenText(String(key))}' of an array`, site));
      }
      if (index > array.length) this.charge(index - array.length, site);
      array[index] = value;
      return;
    }
    if (isPlainObject(object) && !Object.isFrozen(object)) {
      object[key] = value;
      return;
    }
    const what = Object.isFrozen(object) && typeof object === 'object' && object !== null ? 'a ConvLens IR object, which cannot change' : describeValue(object);
    throw new UnknownControlFlow(new Unknown(`cannot assign to '${shortenText(String(key))}' of ${what}`, site));
  }
}

/** A place an assignment reads and writes. */
interface Reference {
  get(): Value;
  set(value: Value): void;
}

type LogicalOperator = '&&' | '||' | '??';

type BinaryOperator =
  | '+' | '-' | '*' | '/' | '%' | '**'
  | '===' | '!==' | '==' | '!='
  | '<' | '>' | '<=' | '>='
  | '&' | '|' | '^' | '<<' | '>>' | '>>>'
  | 'in';

/** The operators by syntax kind (looked up by value: `SyntaxKind[kind]` names `<` FirstBinaryOperator). */
interface OperatorTables {
  readonly binary: ReadonlyMap<ts.SyntaxKind, BinaryOperator>;
  readonly compoundAssignments: ReadonlyMap<ts.SyntaxKind, BinaryOperator>;
  readonly logical: ReadonlyMap<ts.SyntaxKind, LogicalOperator>;
  readonly logicalAssignments: ReadonlyMap<ts.SyntaxKind, LogicalOperator>;
}

function createOperatorTables(t: typeof import('typescript')): OperatorTables {
  const K = t.SyntaxKind;
  return {
    binary: new Map<ts.SyntaxKind, BinaryOperator>([
      [K.PlusToken, '+'], [K.MinusToken, '-'], [K.AsteriskToken, '*'], [K.SlashToken, '/'], [K.PercentToken, '%'],
      [K.AsteriskAsteriskToken, '**'], [K.EqualsEqualsEqualsToken, '==='], [K.ExclamationEqualsEqualsToken, '!=='],
      [K.EqualsEqualsToken, '=='], [K.ExclamationEqualsToken, '!='], [K.LessThanToken, '<'], [K.GreaterThanToken, '>'],
      [K.LessThanEqualsToken, '<='], [K.GreaterThanEqualsToken, '>='], [K.AmpersandToken, '&'], [K.BarToken, '|'],
      [K.CaretToken, '^'], [K.LessThanLessThanToken, '<<'], [K.GreaterThanGreaterThanToken, '>>'],
      [K.GreaterThanGreaterThanGreaterThanToken, '>>>'], [K.InKeyword, 'in'],
    ]),
    compoundAssignments: new Map<ts.SyntaxKind, BinaryOperator>([
      [K.PlusEqualsToken, '+'], [K.MinusEqualsToken, '-'], [K.AsteriskEqualsToken, '*'], [K.SlashEqualsToken, '/'],
      [K.PercentEqualsToken, '%'], [K.AsteriskAsteriskEqualsToken, '**'], [K.AmpersandEqualsToken, '&'], [K.BarEqualsToken, '|'],
      [K.CaretEqualsToken, '^'], [K.LessThanLessThanEqualsToken, '<<'], [K.GreaterThanGreaterThanEqualsToken, '>>'],
      [K.GreaterThanGreaterThanGreaterThanEqualsToken, '>>>'],
    ]),
    logical: new Map<ts.SyntaxKind, LogicalOperator>([[K.AmpersandAmpersandToken, '&&'], [K.BarBarToken, '||'], [K.QuestionQuestionToken, '??']]),
    logicalAssignments: new Map<ts.SyntaxKind, LogicalOperator>([
      [K.AmpersandAmpersandEqualsToken, '&&'], [K.BarBarEqualsToken, '||'], [K.QuestionQuestionEqualsToken, '??'],
    ]),
  };
}

/**
 * A binary operator on known values, with JavaScript's own semantics. Operands are plain
 * data, but converting an object to a primitive can still throw (`{ toString: 1 } + ''`);
 * that is an unknown, as the code would throw when it runs. An array operand that the
 * operator converts (all but `===`, `!==`, `in`, and `==` between two objects) is joined
 * by stringOf first, which is what JavaScript's conversion gives but bounded; a string
 * result longer than MAX_STRING_LENGTH is unknown.
 */
function applyOperator(operator: BinaryOperator, left: Value, right: Value, site: ts.Node, invoker: Invoker): Value {
  if (left instanceof Unknown) return left;
  if (right instanceof Unknown) return right;
  if (involvesSymbols(left, right)) return symbolicOperator(operator, left, right, site);
  let a = left;
  let b = right;
  if (convertsOperands(operator, left, right)) {
    if (Array.isArray(left)) {
      const text = stringOf(left, invoker, site);
      if (text instanceof Unknown) return text;
      a = text;
    }
    if (Array.isArray(right)) {
      const text = stringOf(right, invoker, site);
      if (text instanceof Unknown) return text;
      b = text;
    }
  }
  let result: Value;
  try {
    result = applyKnownOperator(operator, a, b, site, invoker);
  } catch (error) {
    if (error instanceof BudgetExceeded || error instanceof UnknownControlFlow) throw error;
    return new Unknown(`'${operator}' cannot be applied to ${describeValue(left)} and ${describeValue(right)}: ${error instanceof Error ? error.message : String(error)}`, site);
  }
  return typeof result === 'string' && result.length > MAX_STRING_LENGTH ? tooLongString(`'${operator}'`, result.length, site) : result;
}

/** Whether the operator converts its operands to primitives (an array to its joined string). */
function convertsOperands(operator: BinaryOperator, left: Value, right: Value): boolean {
  if (operator === '===' || operator === '!==' || operator === 'in') return false;
  const isObject = (value: Value): boolean => typeof value === 'object' && value !== null;
  return !((operator === '==' || operator === '!=') && isObject(left) && isObject(right));
}

function applyKnownOperator(operator: BinaryOperator, left: Value, right: Value, site: ts.Node, invoker: Invoker): Value {
  const a = left as number;
  const b = right as number;
  switch (operator) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '**':
      return a ** b;
    case '===':
      return left === right;
    case '!==':
      return left !== right;
    case '==':
      // eslint-disable-next-line eqeqeq
      return left == right;
    case '!=':
      // eslint-disable-next-line eqeqeq
      return left != right;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
    case '&':
      return a & b;
    case '|':
      return a | b;
    case '^':
      return a ^ b;
    case '<<':
      return a << b;
    case '>>':
      return a >> b;
    case '>>>':
      return a >>> b;
    case 'in':
      if (isPlainObject(right)) {
        const key = stringOf(left, invoker, site);
        return key instanceof Unknown ? key : Object.prototype.hasOwnProperty.call(right, key);
      }
      if (Array.isArray(right)) return typeof left === 'number' ? left >= 0 && left < right.length : left === 'length';
      return new Unknown('`in` on a non-object', site);
  }
}

const SHORT_CIRCUIT = Symbol('short-circuit');
/** An optional chain (`a?.b.c`) whose `?.` met null or undefined: the rest of the chain is skipped. */
type ShortCircuit = typeof SHORT_CIRCUIT;

/** `=`, `+=`, `??=` and the other assignments. */
function isAssignmentOperator(t: typeof import('typescript'), kind: ts.SyntaxKind): boolean {
  return kind >= t.SyntaxKind.FirstAssignment && kind <= t.SyntaxKind.LastAssignment;
}

function isIncrement(t: typeof import('typescript'), operator: ts.SyntaxKind): boolean {
  return operator === t.SyntaxKind.PlusPlusToken || operator === t.SyntaxKind.MinusMinusToken;
}

/** Array methods that change their array, for forgetWrites. */
const MUTATING_METHODS: ReadonlySet<string> = new Set(['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin']);

/**
 * A node that can declare names of its own (TypeScript keeps `locals` on exactly these):
 * inside one of them, and outside any nested one, a name always means the same thing.
 */
function isScopeContainer(t: typeof import('typescript'), node: ts.Node): boolean {
  scopeContainerKinds ??= new Set([
    t.SyntaxKind.SourceFile,
    t.SyntaxKind.Block,
    t.SyntaxKind.FunctionDeclaration,
    t.SyntaxKind.FunctionExpression,
    t.SyntaxKind.ArrowFunction,
    t.SyntaxKind.MethodDeclaration,
    t.SyntaxKind.Constructor,
    t.SyntaxKind.GetAccessor,
    t.SyntaxKind.SetAccessor,
    t.SyntaxKind.ClassStaticBlockDeclaration,
    t.SyntaxKind.MethodSignature,
    t.SyntaxKind.CallSignature,
    t.SyntaxKind.ConstructSignature,
    t.SyntaxKind.IndexSignature,
    t.SyntaxKind.FunctionType,
    t.SyntaxKind.ConstructorType,
    t.SyntaxKind.ClassDeclaration,
    t.SyntaxKind.ClassExpression,
    t.SyntaxKind.ModuleDeclaration,
    t.SyntaxKind.ModuleBlock,
    t.SyntaxKind.ForStatement,
    t.SyntaxKind.ForInStatement,
    t.SyntaxKind.ForOfStatement,
    t.SyntaxKind.CatchClause,
    t.SyntaxKind.CaseBlock,
    t.SyntaxKind.TypeAliasDeclaration,
    t.SyntaxKind.InterfaceDeclaration,
    t.SyntaxKind.EnumDeclaration,
    t.SyntaxKind.MappedType,
    t.SyntaxKind.ConditionalType,
  ]);
  return scopeContainerKinds.has(node.kind);
}
let scopeContainerKinds: ReadonlySet<ts.SyntaxKind> | undefined;

function isStackOverflow(error: unknown): boolean {
  // NOTE: V8's message for an exhausted stack; a pathologically nested expression causes it.
  return error instanceof RangeError && /call stack/i.test(error.message);
}

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? fileName;
}
