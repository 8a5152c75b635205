/**
 * An interpreter over the safe subset of TypeScript that model files are written in
 * (DESIGN.md §4). It walks the AST with the TypeChecker's help and never runs user code:
 * the only functions it calls are the DSL's pure factories and the built-ins of
 * builtins.ts. Names resolve through the checker's symbols, so imports, re-exports,
 * shadowing and closures behave as TypeScript says they do.
 *
 * Everything it cannot know becomes an `Unknown` with a reason; a step budget and a call
 * depth limit bound every evaluation, so a `while (true)` or runaway recursion ends in an
 * unknown rather than a hang.
 */
import type * as ts from 'typescript';
import { createArrayMethods, createGlobals, type Invoker, NUMBER_METHODS, STRING_METHODS } from './builtins';
import { isRootNode } from '../ir/index';
import { callDslFactory, DSL_FACTORY_NAMES, isLayerNode } from './dsl-bridge';
import { Environment } from './environment';
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
}

export const DEFAULT_LIMITS: EvaluationLimits = { stepBudget: 1_000_000, maxCallDepth: 200 };

/** `language/dsl/index.ts` in this repository, `…/convlens/dist/language/dsl/index.d.ts` in a user's project. */
const DSL_FILE = /[\\/]language[\\/]dsl[\\/]index\.(?:d\.)?ts$/;

export function isDslFile(fileName: string): boolean {
  return DSL_FILE.test(fileName);
}

type Completion = undefined | { readonly type: 'return'; readonly value: Value } | { readonly type: 'break' | 'continue'; readonly label: string | undefined };

interface ModuleState {
  readonly scope: Environment;
  done: boolean;
}

/** What the evaluation of a program records besides values. */
export interface EvaluationRecord {
  /** The DSL call that created each IR object (or the argument an unknown layer stands for). */
  readonly createdBy: WeakMap<object, ts.Node>;
  /** Every IR object each DSL call returned, in evaluation order (a call inside a loop returns many). */
  readonly dslCalls: Map<ts.CallExpression, object[]>;
  /** Every layer, model or GAN each call of a user function (a helper such as `bottleneck(128, 2)`) returned. */
  readonly helperCalls: Map<ts.CallExpression, object[]>;
  /** Why parts of an IR object are unknown. */
  readonly unknownReasons: WeakMap<object, Unknown[]>;
  /** Problems that stopped part of the evaluation (budget, unsupported syntax at top level). */
  readonly problems: Unknown[];
  /** The top-level statement that was running when each model or GAN was created (for ordering exports). */
  readonly rootStatement: WeakMap<object, ts.Statement>;
}

export class Interpreter implements Invoker {
  private steps = 0;
  private depth = 0;
  private aborted: Unknown | undefined;
  private readonly modules = new Map<ts.SourceFile, ModuleState>();
  private readonly symbols = new Map<ts.Node, ts.Symbol | undefined>();
  private readonly globals: ReadonlyMap<string, Value>;
  private readonly arrayMethods: ReadonlyMap<string, Builtin>;
  private readonly dslNamespace = new DslNamespace(DSL_FACTORY_NAMES);
  readonly record: EvaluationRecord = {
    createdBy: new WeakMap(),
    dslCalls: new Map(),
    helperCalls: new Map(),
    unknownReasons: new WeakMap(),
    problems: [],
    rootStatement: new WeakMap(),
  };
  /** Top-level statements being executed, innermost module last. */
  private readonly topLevel: ts.Statement[] = [];

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly program: ts.Program,
    private readonly checker: ts.TypeChecker,
    private readonly limits: EvaluationLimits = DEFAULT_LIMITS,
  ) {
    this.arrayMethods = createArrayMethods(this);
    this.globals = createGlobals(this);
  }

  // ── budget ──────────────────────────────────────────────────────────────────────────

  charge(count: number, site: ts.Node): void {
    this.steps += count;
    if (this.aborted !== undefined) throw new BudgetExceeded(this.aborted.reason);
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
        if (error instanceof UnknownControlFlow) continue;
        if (error instanceof BudgetExceeded) break;
        if (error instanceof RangeError) {
          // NOTE: a pathologically nested expression overflows the JavaScript stack.
          this.record.problems.push(new Unknown('the code nests too deeply to evaluate', statement));
          continue;
        }
        throw error;
      } finally {
        this.topLevel.pop();
      }
    }
    state.done = true;
    return state.scope;
  }

  private hoistFunctions(statements: readonly ts.Statement[], scope: Environment): void {
    for (const statement of statements) {
      if (this.ts.isFunctionDeclaration(statement) && statement.name !== undefined && statement.body !== undefined) {
        const symbol = this.declaredSymbol(statement.name);
        if (symbol !== undefined) scope.declare(symbol, new Closure(statement, scope));
      }
    }
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
  private valueOfIdentifier(identifier: ts.Identifier, scope: Environment): Value {
    if (identifier.text === 'undefined') return undefined;
    const symbol = this.symbolAt(identifier);
    if (symbol === undefined) return new Unknown(`cannot resolve '${identifier.text}'`, identifier);
    const bound = scope.find(symbol);
    if (bound !== undefined) return bound.get(symbol);
    return this.valueOfSymbol(symbol, identifier);
  }

  private valueOfSymbol(symbol: ts.Symbol, site: ts.Node): Value {
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    const name = symbol.name;
    if (declaration === undefined) {
      return new Unknown(`cannot resolve '${name}' (is the module installed?)`, site);
    }
    const sourceFile = declaration.getSourceFile();
    if (isDslFile(sourceFile.fileName)) {
      if (this.ts.isSourceFile(declaration) || symbol.flags & this.ts.SymbolFlags.ValueModule) return this.dslNamespace;
      if (DSL_FACTORY_NAMES.has(name)) return new DslFunction(name);
      return new Unknown(`'${name}' is not a ConvLens factory`, site);
    }
    if (this.program.isSourceFileDefaultLibrary(sourceFile) || sourceFile.hasNoDefaultLib) {
      return this.globals.get(name) ?? new Unknown(`the built-in '${name}' is not evaluated statically`, site);
    }
    if (sourceFile.fileName.endsWith('.json')) return new Unknown(`'${name}' comes from a JSON file, which is read only when the code runs`, site);
    if (sourceFile.isDeclarationFile) {
      return new Unknown(`'${name}' is declared in ${baseName(sourceFile.fileName)}, a declaration file; only TypeScript sources are evaluated`, site);
    }
    if (this.ts.isParameter(declaration) || this.ts.isBindingElement(declaration)) {
      return new Unknown(`'${name}' is a parameter whose value is only known when the function is called`, site);
    }
    if (!this.isModuleLevel(declaration)) {
      return new Unknown(`'${name}' is not in scope here`, site);
    }
    const moduleScope = this.evaluateModule(sourceFile);
    if (moduleScope.find(symbol) !== undefined) return moduleScope.get(symbol);
    if (this.ts.isClassDeclaration(declaration) || this.ts.isEnumDeclaration(declaration)) {
      return new Unknown(`'${name}' is a ${this.ts.isClassDeclaration(declaration) ? 'class' : 'enum'}, which ConvLens does not evaluate`, site);
    }
    return new Unknown(`'${name}' has no value yet at this point (or depends on a value that could not be evaluated)`, site);
  }

  /** The value of one of a module's exports (following re-exports into other files). */
  valueOfExport(exported: ts.Symbol, moduleScope: Environment, site: ts.Node): Value {
    const symbol = this.canonical(exported);
    if (moduleScope.find(symbol) !== undefined) return moduleScope.get(symbol);
    return this.valueOfSymbol(symbol, site);
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
    const t = this.ts;
    if (t.isVariableStatement(statement)) {
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
    if (
      t.isFunctionDeclaration(statement) ||
      t.isImportDeclaration(statement) ||
      t.isImportEqualsDeclaration(statement) ||
      t.isExportDeclaration(statement) ||
      t.isInterfaceDeclaration(statement) ||
      t.isTypeAliasDeclaration(statement) ||
      t.isEmptyStatement(statement) ||
      t.isClassDeclaration(statement) ||
      t.isEnumDeclaration(statement) ||
      t.isModuleDeclaration(statement)
    ) {
      return undefined;
    }
    if (t.isExportAssignment(statement)) {
      this.exportDefault(statement, scope);
      return undefined;
    }
    throw new UnknownControlFlow(new Unknown(`${t.SyntaxKind[statement.kind]} is not evaluated statically`, statement));
  }

  /** `export default expr`: kept under the module's `default` symbol. */
  private exportDefault(statement: ts.ExportAssignment, scope: Environment): void {
    const sourceFile = statement.getSourceFile();
    const moduleSymbol = this.checker.getSymbolAtLocation(sourceFile);
    const exported = moduleSymbol === undefined ? undefined : this.checker.getExportsOfModule(moduleSymbol).find((symbol) => symbol.name === 'default');
    const value = this.evaluate(statement.expression, scope);
    if (exported !== undefined) scope.declare(this.checker.getExportSymbolOfSymbol(exported), value);
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
          key instanceof Unknown ? key : key === undefined ? new Unknown('unsupported destructuring key', element) : this.getProperty(value, key as string | number, element);
        if (item === undefined && element.initializer !== undefined) item = this.evaluate(element.initializer, scope);
        this.bindName(element.name, item, scope, site);
      }
      return;
    }
    // Array pattern.
    const items: readonly Value[] | Unknown = value instanceof Unknown ? value : Array.isArray(value) ? (value as Value[]) : new Unknown(`cannot destructure ${describeValue(value)} as an array`, site);
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
    const items: readonly Value[] = Array.isArray(iterable)
      ? [...(iterable as Value[])]
      : typeof iterable === 'string'
        ? [...iterable]
        : (() => {
            throw new UnknownControlFlow(new Unknown(`for…of over ${describeValue(iterable)} is not evaluated statically`, statement.expression));
          })();
    for (const item of items) {
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
    this.assign(initializer, value, outer);
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
        text += String(value) + span.literal.text;
      }
      return text;
    }
    if (t.isArrayLiteralExpression(expression)) return this.evaluateArray(expression.elements, scope);
    if (t.isObjectLiteralExpression(expression)) return this.evaluateObject(expression, scope);
    if (t.isPropertyAccessExpression(expression)) {
      const target = this.evaluate(expression.expression, scope);
      if (expression.questionDotToken !== undefined && (target === null || target === undefined)) return undefined;
      return this.getProperty(target, expression.name.text, expression);
    }
    if (t.isElementAccessExpression(expression)) {
      const target = this.evaluate(expression.expression, scope);
      if (expression.questionDotToken !== undefined && (target === null || target === undefined)) return undefined;
      const key = this.evaluate(expression.argumentExpression, scope);
      if (key instanceof Unknown) return key;
      if (typeof key !== 'string' && typeof key !== 'number') return new Unknown(`cannot index with ${describeValue(key)}`, expression);
      return this.getProperty(target, key, expression);
    }
    if (t.isCallExpression(expression)) return this.evaluateCall(expression, scope);
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
      return typeof value;
    }
    if (t.isVoidExpression(expression)) {
      this.evaluate(expression.expression, scope);
      return undefined;
    }
    if (t.isSpreadElement(expression)) return new Unknown('a spread outside an array or call', expression);
    return new Unknown(`${t.SyntaxKind[expression.kind]} is not evaluated statically`, expression);
  }

  private evaluateArray(elements: readonly ts.Expression[], scope: Environment): Value {
    const result: Value[] = [];
    for (const element of elements) {
      if (this.ts.isSpreadElement(element)) {
        const spread = this.evaluate(element.expression, scope);
        if (spread instanceof Unknown) return spread;
        if (Array.isArray(spread)) result.push(...(spread as Value[]));
        else if (typeof spread === 'string') result.push(...spread);
        else return new Unknown(`cannot spread ${describeValue(spread)}`, element);
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
      return String(key);
    }
    return new Unknown('unsupported property name', name);
  }

  /** Reads a property: own data of plain objects, array and string members, namespaces. */
  getProperty(target: Value, key: string | number, site: ts.Node): Value {
    if (target instanceof Unknown) return target;
    if (target === null || target === undefined) return new Unknown(`cannot read '${key}' of ${String(target)}`, site);
    if (Array.isArray(target)) {
      if (key === 'length') return target.length;
      if (typeof key === 'number' || /^\d+$/.test(key)) return (target as Value[])[Number(key)];
      return this.arrayMethods.get(key)?.bindTo(target as Value[]) ?? new Unknown(`the array method '${key}' is not evaluated statically`, site);
    }
    if (typeof target === 'string') {
      if (key === 'length') return target.length;
      if (typeof key === 'number' || /^\d+$/.test(key)) return target[Number(key)];
      return STRING_METHODS.get(key)?.bindTo(target) ?? new Unknown(`the string method '${key}' is not evaluated statically`, site);
    }
    if (typeof target === 'number') {
      return NUMBER_METHODS.get(String(key))?.bindTo(target) ?? new Unknown(`the number member '${key}' is not evaluated statically`, site);
    }
    if (target instanceof DslNamespace) return target.names.has(String(key)) ? new DslFunction(String(key)) : undefined;
    if (target instanceof BuiltinNamespace) return target.members.get(String(key)) ?? new Unknown(`${target.name}.${key} is not evaluated statically`, site);
    if (isPlainObject(target)) return Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
    return new Unknown(`cannot read '${key}' of ${describeValue(target)}`, site);
  }

  private evaluateArguments(args: ts.NodeArray<ts.Expression>, scope: Environment): Value[] | Unknown {
    const result = this.evaluateArray(args, scope);
    return result instanceof Unknown ? result : (result as Value[]);
  }

  private evaluateCall(call: ts.CallExpression, scope: Environment): Value {
    const t = this.ts;
    let callee: Value;
    if (t.isPropertyAccessExpression(call.expression)) {
      const target = this.evaluate(call.expression.expression, scope);
      if (call.expression.questionDotToken !== undefined && (target === null || target === undefined)) return undefined;
      callee = this.getProperty(target, call.expression.name.text, call.expression);
    } else {
      callee = this.evaluate(call.expression, scope);
    }
    if (call.questionDotToken !== undefined && (callee === null || callee === undefined)) return undefined;
    const args = this.evaluateArguments(call.arguments, scope);
    if (callee instanceof DslFunction) {
      // A spread of unknown layers still makes a layer: one unknown layer stands for them.
      return this.callDsl(callee.name, args instanceof Unknown ? [args] : args, call);
    }
    if (args instanceof Unknown) return args;
    const result = this.invoke(callee, args, call);
    if (callee instanceof Closure && (isLayerNode(result) || isRootNode(result))) {
      const results = this.record.helperCalls.get(call) ?? [];
      results.push(result);
      this.record.helperCalls.set(call, results);
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
    if (callee instanceof Builtin) return callee.call(callee.receiver, args, site);
    if (callee instanceof DslFunction) return this.callDsl(callee.name, args, site);
    if (callee instanceof BuiltinNamespace) {
      const direct = callee.members.get('__call__');
      if (direct instanceof Builtin) return direct.call(undefined, args, site);
    }
    return new Unknown(`${describeValue(callee)} is not a function that can be evaluated`, site);
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
      if (error instanceof UnknownControlFlow) return error.unknown;
      throw error;
    } finally {
      this.depth -= 1;
    }
  }

  private callDsl(name: string, args: readonly Value[], site: ts.Node): Value {
    const outcome = callDslFactory(name, args);
    const { value } = outcome;
    if (value instanceof Unknown) return new Unknown(value.reason, site);
    if (typeof value === 'object' && value !== null) {
      const record = this.record;
      if (!record.createdBy.has(value)) record.createdBy.set(value, site);
      const statement = this.topLevel[this.topLevel.length - 1];
      if ((name === 'model' || name === 'gan') && statement !== undefined) record.rootStatement.set(value, statement);
      for (const { layer, unknown } of outcome.unknownLayers) record.createdBy.set(layer, unknown.node ?? site);
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
      const value = this.evaluate(expression.right, scope);
      this.assign(expression.left, value, scope);
      return value;
    }
    const compound = COMPOUND_ASSIGNMENTS.get(t.SyntaxKind[operator] ?? '');
    if (compound !== undefined) {
      const current = this.evaluate(expression.left, scope);
      const right = this.evaluate(expression.right, scope);
      const value = applyOperator(compound, current, right, expression);
      this.assign(expression.left, value, scope);
      return value;
    }
    if (operator === t.SyntaxKind.AmpersandAmpersandToken || operator === t.SyntaxKind.BarBarToken || operator === t.SyntaxKind.QuestionQuestionToken) {
      const left = this.evaluate(expression.left, scope);
      if (left instanceof Unknown) return left;
      if (operator === t.SyntaxKind.AmpersandAmpersandToken) return left ? this.evaluate(expression.right, scope) : left;
      if (operator === t.SyntaxKind.BarBarToken) return left ? left : this.evaluate(expression.right, scope);
      return left === null || left === undefined ? this.evaluate(expression.right, scope) : left;
    }
    if (operator === t.SyntaxKind.CommaToken) {
      this.evaluate(expression.left, scope);
      return this.evaluate(expression.right, scope);
    }
    const left = this.evaluate(expression.left, scope);
    const right = this.evaluate(expression.right, scope);
    return applyOperator(t.SyntaxKind[operator] ?? '', left, right, expression);
  }

  private evaluateUnary(expression: ts.PrefixUnaryExpression | ts.PostfixUnaryExpression, scope: Environment): Value {
    const t = this.ts;
    const operator = expression.operator;
    if (operator === t.SyntaxKind.PlusPlusToken || operator === t.SyntaxKind.MinusMinusToken) {
      const current = this.evaluate(expression.operand, scope);
      if (current instanceof Unknown) return current;
      if (typeof current !== 'number') return new Unknown(`cannot increment ${describeValue(current)}`, expression);
      const next = operator === t.SyntaxKind.PlusPlusToken ? current + 1 : current - 1;
      this.assign(expression.operand, next, scope);
      return t.isPrefixUnaryExpression(expression) ? next : current;
    }
    const value = this.evaluate(expression.operand, scope);
    if (value instanceof Unknown) return value;
    switch (operator) {
      case t.SyntaxKind.MinusToken:
        return -(value as number);
      case t.SyntaxKind.PlusToken:
        return +(value as number);
      case t.SyntaxKind.ExclamationToken:
        return !value;
      case t.SyntaxKind.TildeToken:
        return ~(value as number);
      default:
        return new Unknown('unsupported unary operator', expression);
    }
  }

  /** Assigns to a name, a property or an element. */
  private assign(target: ts.Node, value: Value, scope: Environment): void {
    const t = this.ts;
    if (t.isParenthesizedExpression(target) || t.isNonNullExpression(target) || t.isAsExpression(target)) {
      this.assign(target.expression, value, scope);
      return;
    }
    if (t.isIdentifier(target)) {
      const symbol = this.symbolAt(target);
      const bound = symbol === undefined ? undefined : scope.find(symbol);
      if (symbol === undefined || bound === undefined) {
        throw new UnknownControlFlow(new Unknown(`assigns to '${target.text}', which is outside what was evaluated`, target));
      }
      bound.set(symbol, value);
      return;
    }
    if (t.isPropertyAccessExpression(target) || t.isElementAccessExpression(target)) {
      const object = this.evaluate(target.expression, scope);
      const key = t.isPropertyAccessExpression(target) ? target.name.text : this.evaluate(target.argumentExpression, scope);
      if (object instanceof Unknown) throw new UnknownControlFlow(object);
      if (key instanceof Unknown) throw new UnknownControlFlow(key);
      if ((isPlainObject(object) || Array.isArray(object)) && !Object.isFrozen(object) && (typeof key === 'string' || typeof key === 'number')) {
        (object as Record<string | number, Value>)[key] = value;
        return;
      }
      throw new UnknownControlFlow(new Unknown(`cannot assign to a property of ${describeValue(object)}`, target));
    }
    if (t.isArrayLiteralExpression(target) || t.isObjectLiteralExpression(target)) {
      throw new UnknownControlFlow(new Unknown('destructuring assignment is not evaluated statically; use a declaration', target));
    }
    throw new UnknownControlFlow(new Unknown('unsupported assignment target', target));
  }
}

const COMPOUND_ASSIGNMENTS: ReadonlyMap<string, string> = new Map([
  ['PlusEqualsToken', 'PlusToken'],
  ['MinusEqualsToken', 'MinusToken'],
  ['AsteriskEqualsToken', 'AsteriskToken'],
  ['SlashEqualsToken', 'SlashToken'],
  ['PercentEqualsToken', 'PercentToken'],
  ['AsteriskAsteriskEqualsToken', 'AsteriskAsteriskToken'],
]);

/** A binary operator on known values; JavaScript's own semantics, applied to plain data only. */
function applyOperator(operator: string, left: Value, right: Value, site: ts.Node): Value {
  if (left instanceof Unknown) return left;
  if (right instanceof Unknown) return right;
  const a = left as never;
  const b = right as never;
  switch (operator) {
    case 'PlusToken':
      return (a as number) + (b as number);
    case 'MinusToken':
      return (a as number) - (b as number);
    case 'AsteriskToken':
      return (a as number) * (b as number);
    case 'SlashToken':
      return (a as number) / (b as number);
    case 'PercentToken':
      return (a as number) % (b as number);
    case 'AsteriskAsteriskToken':
      return (a as number) ** (b as number);
    case 'EqualsEqualsEqualsToken':
      return left === right;
    case 'ExclamationEqualsEqualsToken':
      return left !== right;
    case 'EqualsEqualsToken':
      // eslint-disable-next-line eqeqeq
      return left == right;
    case 'ExclamationEqualsToken':
      // eslint-disable-next-line eqeqeq
      return left != right;
    case 'LessThanToken':
      return (a as number) < (b as number);
    case 'GreaterThanToken':
      return (a as number) > (b as number);
    case 'LessThanEqualsToken':
      return (a as number) <= (b as number);
    case 'GreaterThanEqualsToken':
      return (a as number) >= (b as number);
    case 'AmpersandToken':
      return (a as number) & (b as number);
    case 'BarToken':
      return (a as number) | (b as number);
    case 'CaretToken':
      return (a as number) ^ (b as number);
    case 'LessThanLessThanToken':
      return (a as number) << (b as number);
    case 'GreaterThanGreaterThanToken':
      return (a as number) >> (b as number);
    case 'GreaterThanGreaterThanGreaterThanToken':
      return (a as number) >>> (b as number);
    case 'InKeyword':
      return isPlainObject(right) ? Object.prototype.hasOwnProperty.call(right, String(left)) : new Unknown('`in` on a non-object', site);
    default:
      return new Unknown(`the operator ${operator} is not evaluated statically`, site);
  }
}

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? fileName;
}
