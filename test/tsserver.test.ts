/**
 * The plugin inside the real tsserver, over stdio, started as VS Code starts it for an
 * extension-contributed plugin (`--globalPlugins convlens-tsserver-plugin
 * --pluginProbeLocations <repo root>`; see test/tsserver-client.ts). Hints are written back
 * into the source as `/* label *\/`; every wait is on a response, never a sleep.
 *
 * Broken models live in a project written at test time to a temporary folder, as a user's
 * project would be: a tsconfig.json and `node_modules/convlens` (a link to this repository,
 * so the DSL comes from its declaration files). They must not live under test/, which the
 * test build type-checks.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type * as ts from 'typescript';
import { locationOf, PLUGIN_NAME, positionOf, repoRoot, TsServer, type Location } from './tsserver-client';

interface ProtocolHint {
  readonly text: string;
  readonly position: Location;
  readonly whitespaceBefore?: boolean;
}

interface ProtocolDiagnostic {
  readonly start: Location;
  readonly end: Location;
  readonly text: string;
  readonly code: number;
  readonly category: string;
  readonly source?: string;
}

interface ProtocolQuickInfo {
  readonly displayString: string;
  readonly documentation: string;
  readonly start: Location;
  readonly end: Location;
}

interface ProtocolCodeFix {
  readonly fixName: string;
  readonly description: string;
  readonly changes: readonly { fileName: string; textChanges: readonly { start: Location; end: Location; newText: string }[] }[];
}

const examplesFolder = path.join(repoRoot, 'examples');
const lenetFile = path.join(examplesFolder, 'lenet5.ts');

function render(text: string, hints: readonly ProtocolHint[]): string {
  let rendered = text;
  const positioned = hints.map((hint) => ({ hint, at: positionOf(text, hint.position) })).sort((a, b) => b.at - a.at);
  for (const { hint, at } of positioned) {
    rendered = `${rendered.slice(0, at)}${hint.whitespaceBefore === true ? ' ' : ''}/* ${hint.text} */${rendered.slice(at)}`;
  }
  return rendered;
}

function squiggled(text: string, diagnostic: { start: Location; end: Location }): string {
  return text.slice(positionOf(text, diagnostic.start), positionOf(text, diagnostic.end));
}

/** Diagnostics in the order of the file (TypeScript's come first in a response, then the plugin's). */
function inFileOrder(text: string, diagnostics: readonly ProtocolDiagnostic[]): ProtocolDiagnostic[] {
  return [...diagnostics].sort((a, b) => positionOf(text, a.start) - positionOf(text, b.start));
}

function applyProtocolEdits(text: string, edits: readonly { start: Location; end: Location; newText: string }[]): string {
  let result = text;
  const spans = edits.map((edit) => ({ start: positionOf(text, edit.start), end: positionOf(text, edit.end), newText: edit.newText }));
  for (const edit of spans.sort((a, b) => b.start - a.start)) result = result.slice(0, edit.start) + edit.newText + result.slice(edit.end);
  return result;
}

/** A user's project: tsconfig.json and `convlens` installed as a link to this repository. */
function makeUserProject(files: Record<string, string>): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'convlens-tsserver-'));
  writeFileSync(
    path.join(folder, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: true, types: [] } }),
  );
  mkdirSync(path.join(folder, 'node_modules'));
  symlinkSync(path.join(repoRoot, 'packages', 'convlens'), path.join(folder, 'node_modules', 'convlens'), 'dir');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(folder, name), text);
  return folder;
}

const BROKEN = `import { conv2d, dense, input, model, relu, residual, sequential } from 'convlens';

export const res = model(
  'res',
  input(16, 32, 32),
  residual(sequential(conv2d(32, 3, { padding: 1 }), relu(), conv2d(32, 3, { padding: 1 }))),
  relu(),
);

export const flat = model('flat', input(1, 28, 28), conv2d(8, 3), relu(), dense(10));

export const big = model('big', input(1, 5, 5), conv2d(8, 7), relu());

const typo: number = 'not a number';
`;

const PLAIN = `export function area(width: number, height: number): number {
  return width * height;
}

export const unit = area(1, 1);
`;

describe('tsserver with the ConvLens plugin (protocol)', function () {
  this.timeout(60_000);
  let server: TsServer;
  let project: string;
  let logFile: string;

  before(async () => {
    project = makeUserProject({ 'broken.ts': BROKEN, 'plain.ts': PLAIN });
    logFile = path.join(project, 'tsserver.log');
    server = new TsServer({ logFile });
    await server.body('configure', { preferences: {} });
  });

  after(async () => {
    await server?.shutdown();
    if (project !== undefined) rmSync(project, { recursive: true, force: true });
  });

  it('loads the plugin from the probe location, as VS Code does', async () => {
    await server.open(lenetFile);
    // The log is written before the response goes out.
    await server.body('semanticDiagnosticsSync', { file: lenetFile });
    const log = readFileSync(logFile, 'utf8');
    assert.match(log, /\[convlens\] loaded for project .*examples[\\/]tsconfig\.json/);
    assert.doesNotMatch(log, /\[convlens\] \w+ failed/);
  });

  it('hints: the examples\' LeNet-5 with the output of every layer', async () => {
    const text = readFileSync(lenetFile, 'utf8');
    await server.open(lenetFile, text);
    const hints = await server.body<ProtocolHint[]>('provideInlayHints', { file: lenetFile, start: 0, length: text.length });
    const rendered = render(text, hints);
    const start = rendered.indexOf('export const lenet5 = model(');
    assert.equal(
      rendered.slice(start, rendered.indexOf(';', start) + 1),
      `export const lenet5 = model(
  'lenet5',
  input(1, 32, 32),
  conv2d(6, 5, { name: 'C1' }) /* → 6@28×28 */,
  tanh() /* → 6@28×28 */,
  avgPool2d(2, { name: 'S2' }) /* → 6@14×14 */,
  // Full connectivity from S2 to C3 (see above).
  conv2d(16, 5, { name: 'C3' }) /* → 16@10×10 */,
  tanh() /* → 16@10×10 */,
  avgPool2d(2, { name: 'S4' }) /* → 16@5×5 */,
  // C5 is a convolution whose 5×5 kernel covers all of S4's 5×5 maps, so its output is 120@1×1.
  conv2d(120, 5, { name: 'C5' }) /* → 120@1×1 */,
  tanh() /* → 120@1×1 */,
  flatten() /* → 120 */,
  dense(84, { name: 'F6' }) /* → 84 */,
  tanh() /* → 84 */,
  dense(10, { name: 'output' }) /* → 10 */,
) /* → 10 */;`,
    );
  });

  it('quick info on a layer: TypeScript\'s signature and docs, then ConvLens\'s numbers', async () => {
    const text = readFileSync(lenetFile, 'utf8');
    const at = text.indexOf("conv2d(6, 5, { name: 'C1' })") + 2;
    const info = await server.body<ProtocolQuickInfo>('quickinfo', { file: lenetFile, ...locationOf(text, at) });
    assert.match(info.displayString, /^\(alias\) conv2d\(filters: number, kernelSize: IntPair, options\?: Conv2dOptions\): Conv2dNode/);
    assert.match(info.documentation, /^2-D convolution with `filters` output channels\./);
    // 28·28·6·5·5 = 117,600 MACs; no padding, so the first window is centred on pixel 2.
    assert.ok(
      info.documentation.endsWith(
        [
          '**C1** · conv2d',
          '',
          '`1@32×32` → `6@28×28`',
          '',
          '- Parameters: (5·5·1 + 1)·6 = 156',
          '- MACs: 117,600 (FLOPs = 2×MACs = 235,200)',
          '- Receptive field: 5×5, jump 1, first centre (2, 2)',
          '- Activations: 4,704 values, 18.38 KiB per sample (float32)',
        ].join('\n'),
      ),
      info.documentation,
    );
  });

  it('quick info on a model name: the summary table and totals', async () => {
    const text = readFileSync(lenetFile, 'utf8');
    const at = text.indexOf('export const lenet5 =') + 'export const '.length + 1;
    const info = await server.body<ProtocolQuickInfo>('quickinfo', { file: lenetFile, ...locationOf(text, at) });
    assert.equal(info.displayString, 'const lenet5: ModelNode');
    const lines = info.documentation.split('\n');
    assert.ok(lines.includes('**lenet5** · model · `1@32×32` → `10`'), info.documentation);
    assert.ok(lines.includes('| C1 | 6@28×28 | 156 | 117,600 | 5 / 1 |'), info.documentation);
    // 2,416 weights and biases, 10·10·16·(5·5·6) = 240,000 MACs.
    assert.ok(lines.includes('| C3 | 16@10×10 | 2,416 | 240,000 | 14 / 2 |'), info.documentation);
    assert.ok(lines.includes('- Trainable params: **61,706**'), info.documentation);
  });

  it('no diagnostics on any example, and hints in each', async () => {
    const examples = readdirSync(examplesFolder).filter((name) => name.endsWith('.ts'));
    for (const name of examples) {
      const file = path.join(examplesFolder, name);
      const text = readFileSync(file, 'utf8');
      await server.open(file, text);
      assert.deepEqual(await server.body<ProtocolDiagnostic[]>('semanticDiagnosticsSync', { file }), [], name);
      assert.deepEqual(await server.body<ProtocolDiagnostic[]>('syntacticDiagnosticsSync', { file }), [], name);
      const hints = await server.body<ProtocolHint[]>('provideInlayHints', { file, start: 0, length: text.length });
      assert.ok(hints.length > 0, `hints in ${name}`);
    }
  });

  it('a broken model in a user\'s project: each error at its call, with its code, next to TypeScript\'s own', async () => {
    const file = path.join(project, 'broken.ts');
    await server.open(file, BROKEN);
    const diagnostics = await server.body<ProtocolDiagnostic[]>('semanticDiagnosticsSync', { file });
    assert.deepEqual(
      inFileOrder(BROKEN, diagnostics).map((diagnostic) => ({
        at: squiggled(BROKEN, diagnostic),
        code: diagnostic.code,
        category: diagnostic.category,
        source: diagnostic.source,
      })),
      [
        { at: 'residual', code: 91002, category: 'error', source: 'convlens' },
        { at: 'dense', code: 91004, category: 'error', source: 'convlens' },
        { at: 'conv2d', code: 91001, category: 'error', source: 'convlens' },
        { at: 'typo', code: 2322, category: 'error', source: undefined },
      ],
    );
    const byCode = new Map(diagnostics.map((diagnostic) => [diagnostic.code, diagnostic]));
    assert.equal(byCode.get(91002)?.text, 'Residual branches disagree: main gives 32@32×32, shortcut gives 16@32×32. Give the shortcut a 1×1 conv2d with 32 filters: residual(main, conv2d(32, 1)).');
    assert.equal(byCode.get(91004)?.text, 'dense(10) expects a vector but receives the image 8@26×26. Insert flatten() (or globalAvgPool2d()) before it.');
    // The second conv2d of the file is the one that does not fit.
    assert.equal(positionOf(BROKEN, byCode.get(91001)!.start), BROKEN.indexOf('conv2d(8, 7)'));
  });

  it('getSupportedCodeFixes includes ConvLens\'s fixable codes (VS Code asks only for those)', async () => {
    const codes = await server.body<string[]>('getSupportedCodeFixes', { file: path.join(project, 'broken.ts') });
    for (const code of ['91001', '91002', '91004', '91005']) assert.ok(codes.includes(code), code);
    assert.ok(codes.includes('2304'), "TypeScript's own codes stay");
  });

  it('getCodeFixes: insert flatten(), then the file re-analyses without that error', async () => {
    const file = path.join(project, 'broken.ts');
    await server.open(file, BROKEN);
    const diagnostic = (await server.body<ProtocolDiagnostic[]>('semanticDiagnosticsSync', { file })).find((candidate) => candidate.code === 91004);
    assert.ok(diagnostic !== undefined);
    const fixes = await server.body<ProtocolCodeFix[]>('getCodeFixes', {
      file,
      startLine: diagnostic.start.line,
      startOffset: diagnostic.start.offset,
      endLine: diagnostic.end.line,
      endOffset: diagnostic.end.offset,
      errorCodes: [91004],
    });
    assert.deepEqual(
      fixes.map((fix) => [fix.fixName, fix.description, fix.changes.map((change) => change.fileName)]),
      [['convlens.insertFlatten', 'Insert flatten() before this layer', [file]]],
    );
    const fixed = applyProtocolEdits(BROKEN, fixes[0]!.changes[0]!.textChanges);
    assert.equal(
      fixed,
      BROKEN.replace('sequential } from', 'sequential, flatten } from').replace('relu(), dense(10)', 'relu(), flatten(), dense(10)'),
    );
    await server.open(file, fixed);
    const after = await server.body<ProtocolDiagnostic[]>('semanticDiagnosticsSync', { file });
    assert.deepEqual(
      inFileOrder(fixed, after).map((remaining) => remaining.code),
      [91002, 91001, 2322],
    );
    await server.open(file, BROKEN);
  });

  it('getCodeFixes: projection shortcut and padding \'same\' through the protocol', async () => {
    const file = path.join(project, 'broken.ts');
    await server.open(file, BROKEN);
    let text = BROKEN;
    for (const code of [91002, 91001]) {
      const diagnostic = (await server.body<ProtocolDiagnostic[]>('semanticDiagnosticsSync', { file })).find((candidate) => candidate.code === code);
      assert.ok(diagnostic !== undefined, String(code));
      const [fix, ...others] = await server.body<ProtocolCodeFix[]>('getCodeFixes', {
        file,
        startLine: diagnostic.start.line,
        startOffset: diagnostic.start.offset,
        endLine: diagnostic.end.line,
        endOffset: diagnostic.end.offset,
        errorCodes: [code],
      });
      assert.ok(fix !== undefined && others.length === 0, String(code));
      text = applyProtocolEdits(text, fix.changes[0]!.textChanges);
      await server.open(file, text);
    }
    assert.equal(
      text,
      BROKEN.replace('{ padding: 1 }))),', "{ padding: 1 })), conv2d(32, 1)),").replace('conv2d(8, 7)', "conv2d(8, 7, { padding: 'same' })"),
    );
    const after = await server.body<ProtocolDiagnostic[]>('semanticDiagnosticsSync', { file });
    assert.deepEqual(
      inFileOrder(text, after).map((remaining) => remaining.code),
      [91004, 2322],
    );
    await server.open(file, BROKEN);
  });

  it('configurePlugin { hints: false } turns the hints off, { hints: true } back on', async () => {
    const text = readFileSync(lenetFile, 'utf8');
    await server.open(lenetFile, text);
    const hints = () => server.body<ProtocolHint[]>('provideInlayHints', { file: lenetFile, start: 0, length: text.length });
    const before = (await hints()).length;
    assert.ok(before > 0);
    try {
      await server.body('configurePlugin', { pluginName: PLUGIN_NAME, configuration: { hints: false } });
      assert.deepEqual(await hints(), []);
      await server.body('configurePlugin', { pluginName: PLUGIN_NAME, configuration: { shapeFormat: 'CHW' } });
      assert.deepEqual(await hints(), [], 'a later message about another key keeps hints off');
    } finally {
      await server.body('configurePlugin', { pluginName: PLUGIN_NAME, configuration: { hints: true, shapeFormat: 'C@HxW' } });
    }
    assert.equal((await hints()).length, before);
  });

  it('configurePlugin: shape format and params in hints', async () => {
    const text = readFileSync(lenetFile, 'utf8');
    await server.open(lenetFile, text);
    try {
      await server.body('configurePlugin', { pluginName: PLUGIN_NAME, configuration: { shapeFormat: 'HWC', showParamsInHints: true } });
      const hints = await server.body<ProtocolHint[]>('provideInlayHints', { file: lenetFile, start: 0, length: text.length });
      assert.deepEqual(
        hints.slice(0, 2).map((hint) => hint.text),
        ['→ [28,28,6] · 156 params', '→ [28,28,6]'],
      );
    } finally {
      await server.body('configurePlugin', { pluginName: PLUGIN_NAME, configuration: { shapeFormat: 'C@HxW', showParamsInHints: false } });
    }
  });

  it('TypeScript still answers on ordinary code: quick info, diagnostics, no hints of ours', async () => {
    const file = path.join(project, 'plain.ts');
    await server.open(file, PLAIN);
    const info = await server.body<ProtocolQuickInfo>('quickinfo', { file, ...locationOf(PLAIN, PLAIN.indexOf('area(1') + 1) });
    assert.equal(info.displayString, 'function area(width: number, height: number): number');
    assert.deepEqual(await server.body('semanticDiagnosticsSync', { file }), []);
    assert.deepEqual(await server.body('provideInlayHints', { file, start: 0, length: PLAIN.length }), []);
    // TypeScript's own quick info inside a model file is kept too.
    const broken = path.join(project, 'broken.ts');
    const typo = await server.body<ProtocolQuickInfo>('quickinfo', { file: broken, ...locationOf(BROKEN, BROKEN.indexOf('typo') + 1) });
    assert.equal(typo.displayString, 'const typo: number');
    assert.equal(typo.documentation, '');
  });

  it('a file in the middle of typing: every request answers, nothing is logged as failed', async () => {
    const file = path.join(project, 'typing.ts');
    const text = `import { conv2d, input, model, relu } from 'convlens';\n\nexport const m = model('m', input(1, 28, 28), conv2d(6, 5), relu(), conv2d(\n`;
    await server.open(file, text);
    const hints = await server.body<ProtocolHint[]>('provideInlayHints', { file, start: 0, length: text.length });
    assert.ok(Array.isArray(hints));
    const syntax = await server.body<ProtocolDiagnostic[]>('syntacticDiagnosticsSync', { file });
    assert.ok(syntax.length > 0, 'TypeScript reports the syntax error');
    await server.body('semanticDiagnosticsSync', { file });
    await server.body('quickinfo', { file, ...locationOf(text, text.indexOf('conv2d(6') + 1) });
    await server.closeFile(file);
    assert.doesNotMatch(readFileSync(logFile, 'utf8'), /\[convlens\] \w+ failed/);
  });
});

describe('tsserver plugin adapter', () => {
  type Init = (modules: { typescript: typeof ts }) => ts.server.PluginModule;
  // The package as tsserver resolves it: node_modules/convlens-tsserver-plugin → language/plugin.
  const init = require('convlens-tsserver-plugin') as Init;
  const typescript = require('typescript') as typeof ts;

  /** A language service whose program cannot be had: every ConvLens feature fails inside. */
  function failingService(): { service: ts.LanguageService; logged: string[] } {
    const logged: string[] = [];
    const diagnostic: ts.Diagnostic = { file: undefined, start: 0, length: 1, messageText: 'theirs', category: typescript.DiagnosticCategory.Error, code: 2322 };
    const service = {
      getProgram: () => {
        throw new Error('no program today');
      },
      provideInlayHints: () => [{ text: 'their hint', position: 3, kind: typescript.InlayHintKind.Type }],
      getQuickInfoAtPosition: () => ({ kind: typescript.ScriptElementKind.constElement, kindModifiers: '', textSpan: { start: 0, length: 1 }, displayParts: [{ kind: 'text', text: 'theirs' }] }),
      getSemanticDiagnostics: () => [diagnostic],
      getCodeFixesAtPosition: () => [],
      getSupportedCodeFixes: () => ['2322'],
    } as unknown as ts.LanguageService;
    return { service, logged };
  }

  it("falls back to TypeScript's result on any internal error and logs it with [convlens]", () => {
    const { service, logged } = failingService();
    const info = {
      languageService: service,
      config: {},
      project: { projectService: { logger: { info: (message: string) => logged.push(message) } }, getProjectName: () => 'test', getProjectVersion: () => '1' },
    } as unknown as ts.server.PluginCreateInfo;
    const proxy = init({ typescript }).create(info);
    assert.deepEqual(
      proxy.provideInlayHints('a.ts', { start: 0, length: 10 }, undefined).map((hint) => hint.text),
      ['their hint'],
    );
    assert.equal(proxy.getQuickInfoAtPosition('a.ts', 0, undefined)?.displayParts?.[0]?.text, 'theirs');
    assert.deepEqual(proxy.getSemanticDiagnostics('a.ts').map((diagnostic) => diagnostic.messageText), ['theirs']);
    assert.deepEqual(proxy.getCodeFixesAtPosition('a.ts', 0, 1, [91004], {}, {}), []);
    const failures = logged.filter((message) => message.startsWith('[convlens] ') && message.includes('failed'));
    assert.deepEqual(
      failures.map((message) => message.split(' ')[1]),
      ['provideInlayHints', 'getQuickInfoAtPosition', 'getSemanticDiagnostics', 'getCodeFixesAtPosition'],
    );
    assert.ok(failures.every((message) => message.includes('no program today')));
  });
});
