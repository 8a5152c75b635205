/**
 * Quick fixes where the repair is mechanical: insert `flatten()` before a dense layer (or
 * softmax) that receives an image; give a residual the projection shortcut that matches
 * its main branch; switch a window that does not fit to `padding: 'same'`.
 */
import type * as ts from 'typescript';
import { FINDING_CODES } from '../engine/index';
import type { EvaluationLimits } from '../evaluate/index';
import type { Shape } from '../ir/index';
import { analyzeFile } from './file-analysis';
import { locateFindings, toDiagnosticCode } from './diagnostics';

export const FIXABLE_FINDING_CODES: readonly string[] = [
  FINDING_CODES.denseOnImage.code,
  FINDING_CODES.softmaxOnImage.code,
  FINDING_CODES.residualMismatch.code,
  FINDING_CODES.nonPositiveOutput.code,
];

export const FIXABLE_DIAGNOSTIC_CODES: readonly number[] = FIXABLE_FINDING_CODES.map(toDiagnosticCode);

export function getCodeFixes(
  tsModule: typeof import('typescript'),
  program: ts.Program,
  sourceFile: ts.SourceFile,
  start: number,
  end: number,
  errorCodes: readonly number[],
  limits?: EvaluationLimits,
): ts.CodeFixAction[] {
  const analysis = analyzeFile(tsModule, program, sourceFile, limits);
  const fixes: ts.CodeFixAction[] = [];
  for (const { finding, start: findingStart, length } of locateFindings(tsModule, program, sourceFile, limits)) {
    if (!errorCodes.includes(toDiagnosticCode(finding.code))) continue;
    if (findingStart + length < start || findingStart > end) continue;
    const site = analysis.locate(finding.node);
    if (site === undefined || !tsModule.isCallExpression(site)) continue;
    const editor = new FixEditor(tsModule, sourceFile, site);
    let fix: ts.CodeFixAction | undefined;
    switch (finding.code) {
      case FINDING_CODES.denseOnImage.code:
      case FINDING_CODES.softmaxOnImage.code:
        fix = editor.insertFlatten();
        break;
      case FINDING_CODES.residualMismatch.code: {
        const [report] = analysis.reportsOf(finding.node);
        fix = report === undefined ? undefined : editor.addProjection(report.input, report.output);
        break;
      }
      case FINDING_CODES.nonPositiveOutput.code:
        fix = editor.paddingSame();
        break;
      default:
        break;
    }
    if (fix !== undefined) fixes.push(fix);
  }
  return fixes;
}

/** Builds the text edits of one fix at one call. */
class FixEditor {
  private readonly edits: ts.TextChange[] = [];

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly sourceFile: ts.SourceFile,
    private readonly call: ts.CallExpression,
  ) {}

  private action(fixName: string, description: string): ts.CodeFixAction {
    return { fixName, description, changes: [{ fileName: this.sourceFile.fileName, textChanges: [...this.edits] }] };
  }

  private insert(position: number, newText: string): void {
    this.edits.push({ span: { start: position, length: 0 }, newText });
  }

  /** `flatten()` as a layer in front of this call, which must sit in a list of layers. */
  insertFlatten(): ts.CodeFixAction | undefined {
    const parent = this.call.parent;
    const inList = this.ts.isArrayLiteralExpression(parent) || (this.ts.isCallExpression(parent) && parent.arguments.includes(this.call));
    if (!inList) return undefined;
    const flatten = this.dslName('flatten');
    this.insert(this.call.getStart(this.sourceFile), `${flatten}(), `);
    return this.action('convlens.insertFlatten', 'Insert flatten() before this layer');
  }

  addProjection(input: Shape | null, output: Shape | null): ts.CodeFixAction | undefined {
    if (input === null || output === null || input.length !== 3 || output.length !== 3) return undefined;
    const [filters, outputHeight] = output;
    const inputHeight = input[1];
    // A residual that fails for every value has numbers on both sides; symbolic ones are no error.
    if (typeof filters !== 'number' || typeof outputHeight !== 'number' || typeof inputHeight !== 'number') return undefined;
    if (outputHeight <= 0 || inputHeight % outputHeight !== 0) return undefined;
    const stride = inputHeight / outputHeight;
    const projection = `${this.dslName('conv2d')}(${filters}, 1${stride === 1 ? '' : `, { stride: ${stride} }`})`;
    const [main, shortcut] = this.call.arguments;
    if (main === undefined) return undefined;
    if (shortcut === undefined) this.insert(main.getEnd(), `, ${projection}`);
    else this.edits.push({ span: { start: shortcut.getStart(this.sourceFile), length: shortcut.getEnd() - shortcut.getStart(this.sourceFile) }, newText: projection });
    return this.action('convlens.addProjection', `Use a projection shortcut: ${projection}`);
  }

  paddingSame(): ts.CodeFixAction | undefined {
    const calleeName = this.ts.isPropertyAccessExpression(this.call.expression) ? this.call.expression.name.text : this.call.expression.getText(this.sourceFile);
    const optionsIndex = /pool/i.test(calleeName) ? 1 : 2;
    const args = this.call.arguments;
    const options = args[optionsIndex];
    if (options === undefined) {
      const last = args[args.length - 1];
      if (last === undefined || args.length !== optionsIndex) return undefined;
      this.insert(last.getEnd(), ", { padding: 'same' }");
    } else if (this.ts.isObjectLiteralExpression(options)) {
      const padding = options.properties.find(
        (property) => this.ts.isPropertyAssignment(property) && property.name.getText(this.sourceFile) === 'padding',
      );
      if (padding !== undefined && this.ts.isPropertyAssignment(padding)) {
        const value = padding.initializer;
        this.edits.push({ span: { start: value.getStart(this.sourceFile), length: value.getEnd() - value.getStart(this.sourceFile) }, newText: "'same'" });
      } else if (options.properties.length === 0) {
        this.edits.push({ span: { start: options.getStart(this.sourceFile), length: options.getEnd() - options.getStart(this.sourceFile) }, newText: "{ padding: 'same' }" });
      } else {
        this.insert(options.properties[0]!.getStart(this.sourceFile), "padding: 'same', ");
      }
    } else {
      return undefined;
    }
    return this.action('convlens.paddingSame', "Switch padding to 'same'");
  }

  /**
   * How to name the DSL factory `name` here: `cl.name` when the call is written through a
   * namespace, the local name of an existing import, or a new named import.
   */
  private dslName(name: string): string {
    const t = this.ts;
    if (t.isPropertyAccessExpression(this.call.expression)) return `${this.call.expression.expression.getText(this.sourceFile)}.${name}`;
    let named: ts.NamedImports | undefined;
    let namespace: string | undefined;
    for (const statement of this.sourceFile.statements) {
      if (!t.isImportDeclaration(statement) || !t.isStringLiteral(statement.moduleSpecifier) || statement.moduleSpecifier.text !== 'convlens') continue;
      const bindings = statement.importClause?.namedBindings;
      if (bindings === undefined || statement.importClause?.isTypeOnly === true) continue;
      if (t.isNamespaceImport(bindings)) namespace = bindings.name.text;
      else {
        const existing = bindings.elements.find((element) => (element.propertyName ?? element.name).text === name && !element.isTypeOnly);
        if (existing !== undefined) return existing.name.text;
        named ??= bindings;
      }
    }
    if (named !== undefined) {
      const last = named.elements[named.elements.length - 1];
      if (last !== undefined) this.insert(last.getEnd(), `, ${name}`);
      else this.insert(named.getStart(this.sourceFile) + 1, ` ${name} `);
      return name;
    }
    if (namespace !== undefined) return `${namespace}.${name}`;
    this.insert(0, `import { ${name} } from 'convlens';\n`);
    return name;
  }
}
