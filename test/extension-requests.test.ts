/**
 * ConvLens's own tsserver requests (language/service/requests.ts and answer-*.ts), which feed the
 * VS Code extension's hints, code lenses, panels and training, in the real tsserver as VS
 * Code starts it (test/tsserver-client.ts); and the extension's in-process fallback
 * (TypeScript 7, a failed request), which must answer exactly the same.
 *
 * The models live in a user's project written at test time to a temporary folder, with
 * `node_modules/convlens` linked to this repository, as test/tsserver.test.ts does.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { InProcessProjects, type OpenDocument } from '../extension/analysis/in-process-projects';
import { FAILURES_BEFORE_IN_PROCESS, ModelAnalysis, type AnalysisMode, type TsServerTransport } from '../extension/analysis/model-analysis';
import { modelFileText } from '../extension/scaffold/model-scaffold';
import * as dsl from 'convlens';
import {
  answerCodeFixes,
  answerInlayHints,
  answerModel,
  answerModelLenses,
  answerSummary,
  CONVLENS_REQUESTS,
  type ConvLensCodeFix,
  type ConvLensInlayHint,
  type ModelBody,
  type ModelLensBody,
  type SummaryBody,
} from 'convlens/service';
import { DEFAULT_SETTINGS, toSettings } from 'convlens/service';
import { PLUGIN_NAME, positionOf, repoRoot, TsServer, type Location } from './tsserver-client';

const NETS = `import { conv2d, dense, flatten, gan, input, maxPool2d, model, relu, reshape, sequential, tanh, conv2dTranspose, sigmoid } from 'convlens';

function block(filters: number) {
  return sequential(conv2d(filters, 3, { padding: 1 }), relu(), maxPool2d(2));
}

export const small = model(
  'small',
  input(1, 28, 28),
  block(8),
  block(16),
  flatten(),
  dense(10),
);

export const digits = gan('digits', {
  latent: 16,
  image: [1, 28, 28],
  generator: sequential(dense(7 * 7 * 8), relu(), reshape(8, 7, 7), conv2dTranspose(1, 4, { stride: 4 }), tanh()),
  discriminator: sequential(conv2d(4, 4, { stride: 4 }), relu(), flatten(), dense(1), sigmoid()),
});

export const broken = model('broken', input(1, 28, 28), conv2d(8, 3), dense(10));

const hidden = model('hidden', input(4), dense(2));
export const alsoHidden = hidden;

export function sized(width: number) {
  return model('sized', input(1, width, width), flatten(), dense(10));
}

export const unknownWidth = sized(Math.floor(Math.random() * 28));
`;

const PLAIN = `export const answer = 6 * 7;\n`;

/** Hints written back into the text as `/* label *\/`, as Volar's tests do. */
function render(text: string, hints: readonly ConvLensInlayHint[]): string {
  let rendered = text;
  const positioned = hints.map((hint) => ({ hint, at: positionOf(text, hint.position) })).sort((a, b) => b.at - a.at);
  for (const { hint, at } of positioned) rendered = `${rendered.slice(0, at)}${hint.whitespaceBefore ? ' ' : ''}/* ${hint.text} */${rendered.slice(at)}`;
  return rendered;
}

function applyEdits(text: string, edits: readonly { start: Location; end: Location; newText: string }[]): string {
  let result = text;
  const spans = edits.map((edit) => ({ start: positionOf(text, edit.start), end: positionOf(text, edit.end), newText: edit.newText })).sort((a, b) => b.start - a.start);
  for (const edit of spans) result = result.slice(0, edit.start) + edit.newText + result.slice(edit.end);
  return result;
}

/** The IR the file's exports have when the file runs (the DSL itself), to compare static evaluation with. */
function runExports(text: string): Record<string, unknown> {
  const { outputText } = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  const exports: Record<string, unknown> = {};
  const load = (specifier: string): unknown => {
    if (specifier === 'convlens') return dsl;
    throw new Error(`unexpected import ${specifier}`);
  };
  new Function('require', 'exports', outputText)(load, exports);
  return exports;
}

describe('extension: ConvLens tsserver requests', function () {
  this.timeout(60_000);
  let server: TsServer;
  let project: string;
  let nets: string;
  let plain: string;
  let scaffold: string;

  before(async () => {
    project = mkdtempSync(path.join(tmpdir(), 'convlens-requests-'));
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: true, types: [] } }),
    );
    mkdirSync(path.join(project, 'node_modules'));
    symlinkSync(path.join(repoRoot, 'packages', 'convlens'), path.join(project, 'node_modules', 'convlens'), 'dir');
    nets = path.join(project, 'nets.ts');
    plain = path.join(project, 'plain.ts');
    scaffold = path.join(project, 'scaffold.ts');
    writeFileSync(nets, NETS);
    writeFileSync(plain, PLAIN);
    writeFileSync(scaffold, modelFileText('scaffold'));
    server = new TsServer();
    await server.body('configure', { preferences: {} });
    for (const file of [nets, plain, scaffold]) await server.open(file);
  });

  after(async () => {
    await server?.shutdown();
    if (project !== undefined) rmSync(project, { recursive: true, force: true });
  });

  it('_convlens.inlayHints: every layer and helper call, inside the range asked for', async () => {
    const hints = await server.body<ConvLensInlayHint[]>(CONVLENS_REQUESTS.inlayHints, { file: nets, start: 0, length: NETS.length });
    const rendered = render(NETS, hints);
    const start = rendered.indexOf('export const small');
    assert.equal(
      rendered.slice(start, rendered.indexOf(';', start) + 1),
      `export const small = model(
  'small',
  input(1, 28, 28),
  block(8) /* → 8@14×14 */,
  block(16) /* → 16@7×7 */,
  flatten() /* → 784 */,
  dense(10) /* → 10 */,
) /* → 10 */;`,
    );
    // A call evaluated in two contexts shows both shapes.
    assert.ok(rendered.includes('conv2d(filters, 3, { padding: 1 }) /* → 8@28×28 | 16@14×14 */'), rendered);
    const firstLine = NETS.indexOf('export const digits');
    const partial = await server.body<ConvLensInlayHint[]>(CONVLENS_REQUESTS.inlayHints, { file: nets, start: firstLine, length: NETS.indexOf('});', firstLine) - firstLine });
    assert.deepEqual(
      partial.map((hint) => hint.text),
      ['→ 392', '→ 392', '→ 8@7×7', '→ 1@28×28', '→ 1@28×28', '→ 1@28×28', '→ 4@7×7', '→ 4@7×7', '→ 196', '→ 1', '→ 1', '→ 1'],
    );
  });

  it('_convlens.modelLenses: each exported model and GAN at its name, none for a plain file', async () => {
    const lenses = await server.body<ModelLensBody[]>(CONVLENS_REQUESTS.modelLenses, { file: nets });
    assert.deepEqual(
      lenses.map((lens) => [lens.exportName, lens.kind, lens.modelName, NETS.slice(positionOf(NETS, lens.start), positionOf(NETS, lens.end))]),
      [
        ['small', 'model', 'small', 'small'],
        ['digits', 'gan', 'digits', 'digits'],
        ['broken', 'model', 'broken', 'broken'],
        // A model made under another name and exported as it is.
        ['alsoHidden', 'model', 'hidden', 'alsoHidden'],
        ['unknownWidth', 'model', 'sized', 'unknownWidth'],
      ],
    );
    assert.deepEqual(await server.body(CONVLENS_REQUESTS.modelLenses, { file: plain }), []);
    assert.deepEqual(await server.body(CONVLENS_REQUESTS.inlayHints, { file: plain, start: 0, length: PLAIN.length }), []);
  });

  it('_convlens.summary: the layer table with the line of each call, totals and findings', async () => {
    const { summary } = await server.body<SummaryBody>(CONVLENS_REQUESTS.summary, { file: nets, exportName: 'small' });
    assert.ok(summary !== null);
    assert.equal(summary.kind, 'model');
    assert.equal(summary.input, '1@28×28');
    assert.equal(summary.output, '10');
    assert.deepEqual(
      summary.rows.map((row) => `${'  '.repeat(row.depth)}${row.name} ${row.output} ${row.params ?? '?'} ${row.receptiveField ?? '-'} line ${row.line ?? '-'}`),
      // A layer is at the DSL call that made it when that call is in the file (in the helper
      // here), as `convlens summary` places it.
      [
        'sequential_1 8@14×14 80 4×4 / 2 line 4',
        '  conv2d_1 8@28×28 80 3×3 / 1 line 4',
        '  relu_1 8@28×28 0 3×3 / 1 line 4',
        '  maxPool2d_1 8@14×14 0 4×4 / 2 line 4',
        'sequential_2 16@7×7 1168 10×10 / 4 line 4',
        '  conv2d_2 16@14×14 1168 8×8 / 2 line 4',
        '  relu_2 16@14×14 0 8×8 / 2 line 4',
        '  maxPool2d_2 16@7×7 0 10×10 / 4 line 4',
        'flatten_1 784 0 - line 12',
        'dense_1 10 7850 - line 13',
      ],
    );
    // (3·3·1 + 1)·8 + (3·3·8 + 1)·16 + (784 + 1)·10
    assert.deepEqual(summary.totals, { trainable: 9098, nonTrainable: 0, aux: 0, macs: 28 * 28 * 8 * 9 + 14 * 14 * 16 * 72 + 7840, receptiveField: '10×10 / 4' });
    assert.deepEqual(summary.findings, []);

    const broken = (await server.body<SummaryBody>(CONVLENS_REQUESTS.summary, { file: nets, exportName: 'broken' })).summary;
    assert.deepEqual(
      broken?.findings.map((finding) => [finding.code, finding.severity, finding.line]),
      [['CL1004', 'error', 23]],
    );
    assert.deepEqual((await server.body<SummaryBody>(CONVLENS_REQUESTS.summary, { file: nets, exportName: 'nothing' })).summary, null);
  });

  it("_convlens.summary of a GAN: each network a row with its layers below", async () => {
    const { summary } = await server.body<SummaryBody>(CONVLENS_REQUESTS.summary, { file: nets, exportName: 'digits' });
    assert.equal(summary?.kind, 'gan');
    assert.equal(summary?.input, '16');
    assert.deepEqual(
      summary?.rows.map((row) => `${row.depth} ${row.name} ${row.output} ${row.params ?? '?'}`),
      [
        '0 generator 1@28×28 6793',
        '1 dense_1 392 6664',
        '1 relu_1 392 0',
        '1 reshape_1 8@7×7 0',
        '1 conv2dTranspose_1 1@28×28 129',
        '1 tanh_1 1@28×28 0',
        '0 discriminator 1 265',
        '1 conv2d_1 4@7×7 68',
        '1 relu_1 4@7×7 0',
        '1 flatten_1 196 0',
        '1 dense_1 1 197',
        '1 sigmoid_1 1 0',
      ],
    );
    assert.deepEqual(summary?.findings, []);
  });

  it('_convlens.model: the IR the file gives when it runs, with what stops training', async () => {
    const ran = runExports(NETS);
    for (const exportName of ['small', 'digits', 'broken']) {
      const { model } = await server.body<ModelBody>(CONVLENS_REQUESTS.model, { file: nets, exportName });
      assert.ok(model !== null, exportName);
      assert.deepEqual(JSON.parse(JSON.stringify(model.root)), JSON.parse(JSON.stringify(ran[exportName])), exportName);
      assert.equal(model.kind, exportName === 'digits' ? 'gan' : 'model');
    }
    const small = (await server.body<ModelBody>(CONVLENS_REQUESTS.model, { file: nets, exportName: 'small' })).model;
    assert.deepEqual([small?.errors, small?.unknown], [[], null]);
    const broken = (await server.body<ModelBody>(CONVLENS_REQUESTS.model, { file: nets, exportName: 'broken' })).model;
    assert.equal(broken?.errors.length, 1);
    assert.match(broken?.errors[0] ?? '', /^dense\(10\) expects a vector but receives the image 8@26×26/);
    const unknown = (await server.body<ModelBody>(CONVLENS_REQUESTS.model, { file: nets, exportName: 'unknownWidth' })).model;
    assert.match(unknown?.unknown ?? '', /Math\.random\(\)/);
    assert.deepEqual((await server.body<ModelBody>(CONVLENS_REQUESTS.model, { file: nets, exportName: 'hidden' })).model, null);
    assert.deepEqual((await server.body<ModelBody>(CONVLENS_REQUESTS.model, { file: plain, exportName: 'answer' })).model, null);
  });

  it('_convlens.codeFixes: the fix of a finding, as edits in protocol locations', async () => {
    const diagnostics = await server.body<{ start: Location; end: Location; code: number; source?: string }[]>('semanticDiagnosticsSync', { file: nets });
    const finding = diagnostics.find((diagnostic) => diagnostic.source === 'convlens');
    assert.ok(finding !== undefined);
    assert.equal(finding.code, 91004);
    const args = { file: nets, start: positionOf(NETS, finding.start), end: positionOf(NETS, finding.end), errorCodes: [finding.code] };
    const fixes = await server.body<ConvLensCodeFix[]>(CONVLENS_REQUESTS.codeFixes, args);
    assert.deepEqual(
      fixes.map((fix) => fix.description),
      ['Insert flatten() before this layer'],
    );
    const fixed = applyEdits(NETS, fixes[0]!.changes.flatMap((change) => (change.fileName === nets ? change.textChanges : [])));
    assert.ok(fixed.includes("export const broken = model('broken', input(1, 28, 28), conv2d(8, 3), flatten(), dense(10));"), fixed);
    // TypeScript's own codes are not ConvLens's business.
    assert.deepEqual(await server.body(CONVLENS_REQUESTS.codeFixes, { ...args, errorCodes: [2322] }), []);
  });

  it('malformed arguments fail the request with a [convlens] message; TypeScript goes on', async () => {
    const response = await server.request(CONVLENS_REQUESTS.summary, { file: nets });
    assert.equal(response.success, false);
    assert.match(response.message ?? '', /\[convlens\] _convlens\.summary: malformed arguments/);
    const quickInfo = await server.request('quickinfo', { file: plain, line: 1, offset: 14 });
    assert.equal(quickInfo.success, true);
  });

  it('languageServiceHints: false keeps the hints out of TypeScript\'s inlay hints, never out of the extension\'s', async () => {
    const provide = async (): Promise<string[]> =>
      (await server.body<{ text: string }[]>('provideInlayHints', { file: scaffold, start: 0, length: 10_000 })).map((hint) => hint.text).filter((text) => text.startsWith('→'));
    const ours = async (): Promise<number> => (await server.body<ConvLensInlayHint[]>(CONVLENS_REQUESTS.inlayHints, { file: scaffold, start: 0, length: 10_000 })).length;
    try {
      // Twelve layers and the model.
      assert.equal((await provide()).length, 13);
      await server.body('configurePlugin', { pluginName: PLUGIN_NAME, configuration: { languageServiceHints: false } });
      assert.deepEqual(await provide(), []);
      assert.equal(await ours(), 13);
      await server.body('configurePlugin', { pluginName: PLUGIN_NAME, configuration: { hints: false } });
      assert.equal(await ours(), 0);
      // Settings sent with a request win over the plugin's.
      const withSettings = await server.body<ConvLensInlayHint[]>(CONVLENS_REQUESTS.inlayHints, { file: scaffold, start: 0, length: 10_000, settings: { hints: true, shapeFormat: 'HWC' } });
      assert.equal(withSettings[0]?.text, '→ [28,28,6]');
    } finally {
      await server.body('configurePlugin', { pluginName: PLUGIN_NAME, configuration: { ...DEFAULT_SETTINGS, languageServiceHints: true } });
    }
  });

  it('the scaffold of New Model File is a sound LeNet for MNIST (61,706 parameters)', async () => {
    const { summary } = await server.body<SummaryBody>(CONVLENS_REQUESTS.summary, { file: scaffold, exportName: 'scaffold' });
    assert.equal(summary?.input, '1@28×28');
    assert.equal(summary?.totals.trainable, 61_706);
    assert.deepEqual(summary?.findings, []);
    const diagnostics = await server.body<unknown[]>('semanticDiagnosticsSync', { file: scaffold });
    assert.deepEqual(diagnostics, []);
  });

  describe('in-process, as the extension answers without the plugin', () => {
    let projects: InProcessProjects;
    const open = new Map<string, OpenDocument>();

    before(() => {
      projects = new InProcessProjects(ts, { get: (fileName) => open.get(path.resolve(fileName)) });
    });

    after(() => projects?.dispose());

    it('gives exactly the answers of the tsserver plugin', async () => {
      const settings = toSettings({ languageServiceHints: false });
      for (const file of [nets, scaffold, plain]) {
        const text = readFileSync(file, 'utf8');
        const target = projects.targetFor(file);
        assert.ok(target !== undefined, file);
        const hintArgs = { file, start: 0, length: text.length };
        assert.deepEqual(answerInlayHints(ts, target, hintArgs, settings), await server.body(CONVLENS_REQUESTS.inlayHints, hintArgs), file);
        assert.deepEqual(answerModelLenses(ts, target), await server.body(CONVLENS_REQUESTS.modelLenses, { file }), file);
        const fixArgs = { file, start: text.indexOf('dense(10));'), end: text.indexOf('dense(10));') + 5, errorCodes: [91004] };
        assert.deepEqual(answerCodeFixes(ts, target, fixArgs), await server.body(CONVLENS_REQUESTS.codeFixes, fixArgs), file);
        for (const exportName of ['small', 'digits', 'broken', 'alsoHidden', 'unknownWidth', 'scaffold']) {
          const args = { file, exportName };
          assert.deepEqual(answerSummary(ts, target, args, settings), await server.body(CONVLENS_REQUESTS.summary, args), `${file} ${exportName}`);
          assert.deepEqual(JSON.parse(JSON.stringify(answerModel(ts, target, args))), await server.body(CONVLENS_REQUESTS.model, args), `${file} ${exportName}`);
        }
      }
    });

    it("answers over the editor's text, and reads a closed file again once told it changed", () => {
      const edited = NETS.replace("block(16),\n  flatten()", 'block(16),\n  block(32),\n  flatten()');
      open.set(nets, { version: 2, text: edited });
      try {
        const args = { file: nets, exportName: 'small' };
        assert.equal(answerSummary(ts, projects.targetFor(nets)!, args, DEFAULT_SETTINGS).summary?.output, '10');
        assert.equal(answerSummary(ts, projects.targetFor(nets)!, args, DEFAULT_SETTINGS).summary?.rows.filter((row) => row.kind === 'sequential').length, 3);
      } finally {
        open.delete(nets);
        projects.documentClosed(nets);
      }
      assert.equal(answerSummary(ts, projects.targetFor(nets)!, { file: nets, exportName: 'small' }, DEFAULT_SETTINGS).summary?.rows.filter((row) => row.kind === 'sequential').length, 2);
      const helper = path.join(project, 'helper.ts');
      writeFileSync(helper, "import { conv2d } from 'convlens';\nexport const stem = conv2d(4, 3);\n");
      const user = path.join(project, 'user.ts');
      writeFileSync(user, "import { input, model, flatten, dense } from 'convlens';\nimport { stem } from './helper';\nexport const net = model('net', input(1, 8, 8), stem, flatten(), dense(2));\n");
      const output = (): string | undefined => answerSummary(ts, projects.targetFor(user)!, { file: user, exportName: 'net' }, DEFAULT_SETTINGS).summary?.rows[0]?.output;
      assert.equal(output(), '4@6×6');
      writeFileSync(helper, "import { conv2d } from 'convlens';\nexport const stem = conv2d(4, 5);\n");
      projects.fileChanged(helper);
      assert.equal(output(), '4@4×4');
    });

    it('a file outside any tsconfig.json gets the defaults of a new Node project', () => {
      const loose = mkdtempSync(path.join(tmpdir(), 'convlens-loose-'));
      try {
        mkdirSync(path.join(loose, 'node_modules'));
        symlinkSync(path.join(repoRoot, 'packages', 'convlens'), path.join(loose, 'node_modules', 'convlens'), 'dir');
        const file = path.join(loose, 'net.ts');
        writeFileSync(file, modelFileText('net'));
        const target = projects.targetFor(file);
        assert.ok(target !== undefined);
        assert.equal(target.program.getCompilerOptions().strict, true);
        assert.equal(answerSummary(ts, target, { file, exportName: 'net' }, DEFAULT_SETTINGS).summary?.totals.trainable, 61_706);
      } finally {
        rmSync(loose, { recursive: true, force: true });
      }
    });
  });

  describe('where the extension gets its answers', () => {
    const throughServer: TsServerTransport = async (command, args) => {
      const response = await server.request(command, args);
      if (!response.success) throw new Error(response.message ?? 'failed');
      return response.body;
    };
    /** One set of in-process projects per test, made on first use, as the extension does. */
    let shared: InProcessProjects | undefined;
    const projects = (): InProcessProjects => (shared ??= new InProcessProjects(ts, { get: () => undefined }));
    afterEach(() => {
      shared?.dispose();
      shared = undefined;
    });

    it('from the tsserver plugin when it answers', async () => {
      const logged: string[] = [];
      const analysis = new ModelAnalysis({ transport: throughServer, inProcess: () => assert.fail('in-process was used'), settings: () => DEFAULT_SETTINGS, log: (line) => logged.push(line) });
      assert.equal(analysis.mode, 'tsserver');
      assert.deepEqual((await analysis.modelLenses(nets)).map((lens) => lens.exportName), ['small', 'digits', 'broken', 'alsoHidden', 'unknownWidth']);
      assert.equal((await analysis.summary(nets, 'small'))?.totals.trainable, 9098);
      assert.equal((await analysis.model(nets, 'digits'))?.kind, 'gan');
      assert.equal((await analysis.inlayHints(scaffold, 0, 10_000)).length, 13);
      assert.deepEqual(logged, []);
    });

    it('in-process for a failed request, and from then on after repeated failures', async () => {
      const logged: string[] = [];
      const modes: AnalysisMode[] = [];
      let calls = 0;
      const failing: TsServerTransport = async () => {
        calls += 1;
        throw new Error('Unrecognized JSON command: _convlens.modelLenses');
      };
      const analysis = new ModelAnalysis({ transport: failing, inProcess: projects, settings: () => DEFAULT_SETTINGS, log: (line) => logged.push(line) });
      analysis.onModeChanged((mode) => modes.push(mode));
      for (let attempt = 1; attempt <= FAILURES_BEFORE_IN_PROCESS + 2; attempt += 1) {
        assert.deepEqual((await analysis.modelLenses(nets)).map((lens) => lens.exportName), ['small', 'digits', 'broken', 'alsoHidden', 'unknownWidth']);
      }
      assert.equal(calls, FAILURES_BEFORE_IN_PROCESS);
      assert.equal(analysis.mode, 'in-process');
      assert.deepEqual(modes, ['in-process']);
      assert.ok(logged.some((line) => line.includes('_convlens.modelLenses through tsserver failed (1 in a row)')), logged.join('\n'));
      analysis.setMode('tsserver', 'TypeScript 7 was turned off');
      assert.equal(analysis.mode, 'tsserver');
    });

    it('in-process from the start under TypeScript 7', async () => {
      const logged: string[] = [];
      const analysis = new ModelAnalysis({
        transport: () => assert.fail('tsserver was asked'),
        inProcess: projects,
        settings: () => DEFAULT_SETTINGS,
        log: (line) => logged.push(line),
        inProcessReason: 'TypeScript 7 (typescript.experimental.useTsgo) runs no tsserver plugins',
      });
      assert.equal(analysis.mode, 'in-process');
      assert.equal((await analysis.summary(scaffold, 'scaffold'))?.totals.trainable, 61_706);
      assert.deepEqual(logged, ['static analysis runs in the extension: TypeScript 7 (typescript.experimental.useTsgo) runs no tsserver plugins']);
    });

    it('a wrong answer counts as a failure', async () => {
      const logged: string[] = [];
      const analysis = new ModelAnalysis({ transport: async () => undefined, inProcess: projects, settings: () => DEFAULT_SETTINGS, log: (line) => logged.push(line) });
      assert.equal((await analysis.model(nets, 'small'))?.name, 'small');
      assert.match(logged[0] ?? '', /_convlens\.model through tsserver failed \(1 in a row\), answering in-process: unexpected answer undefined/);
    });
  });
});
