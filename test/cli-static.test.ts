/**
 * The static commands: `convlens summary` without `--execute` (no code runs) and
 * `convlens check`. Static summaries are checked against literal numbers counted by hand
 * and, as a differential oracle, against `--execute` on every example and on the fixtures
 * both modes can evaluate.
 *
 * Every test calls the command in-process (`runConvlens`, test/cli-harness.ts), with the
 * working directory it names: none has the process as its subject (test/cli.test.ts runs
 * the real bin/convlens.js end to end), so none spawns one.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { repoRoot, runConvlens, type ConvlensResult } from './cli-harness';

const fixtures = 'test/fixtures/cli';

type CliResult = ConvlensResult;

/** The command in-process, in `cwd` (the repository by default). */
function runCli(args: readonly string[], cwd = repoRoot): Promise<CliResult> {
  return runConvlens(args, { cwd });
}

/** Asserts a user error: exit 2, nothing on stdout, one line on stderr and no stack trace. */
function assertUserError(result: CliResult, expected: string | RegExp): void {
  assert.equal(result.status, 2, `exit status; stderr: ${result.stderr}`);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^convlens: [^\n]+\n$/, 'one line starting with "convlens: "');
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  if (typeof expected === 'string') assert.equal(result.stderr, `${expected}\n`);
  else assert.match(result.stderr, expected);
}

/** Writes each file's lines into `folder` (created), so that line numbers are easy to read off. */
function writeFiles(folder: string, files: Record<string, readonly string[]>): void {
  rmSync(folder, { recursive: true, force: true });
  for (const [name, lines] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    writeFileSync(path.join(folder, name), `${lines.join('\n')}\n`);
  }
}

interface LayerJson {
  readonly kind: string;
  readonly name: string;
  readonly line: number | null;
}

interface SummaryJson {
  readonly models: readonly { readonly export: string; readonly name: string; readonly layers: readonly LayerJson[] }[];
}

/** Layers as [kind, line] pairs, which is what location tests compare. */
function layerLines(json: SummaryJson, index = 0): [string, number | null][] {
  return (json.models[index]?.layers ?? []).map((layer) => [layer.kind, layer.line]);
}

/** Every example, and the fixtures that both modes can evaluate. */
const differentialFiles = [
  ...readdirSync(path.join(repoRoot, 'examples'))
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name) => `examples/${name}`),
  `${fixtures}/lenet.ts`,
  `${fixtures}/gan.ts`,
  `${fixtures}/dense-on-image.ts`,
  `${fixtures}/broken.ts`,
  `${fixtures}/static-styles.ts`,
  `${fixtures}/helper/net.ts`,
];

describe('convlens summary (static, the default)', function () {
  // Each test builds a TypeScript program, or bundles and runs a file, once or twice: seconds on a busy machine.
  this.timeout(60_000);
  let scratch = '';
  before(function () {
    scratch = mkdtempSync(path.join(tmpdir(), 'convlens-static-'));
  });
  after(function () {
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('static equals --execute (differential)', function () {
    for (const file of differentialFiles) {
      it(file, async function () {
        const staticRun = await runCli(['summary', file, '--json']);
        const executed = await runCli(['summary', file, '--json', '--execute']);
        assert.equal(staticRun.stderr, '', 'static mode warns about nothing');
        assert.equal(staticRun.status, executed.status, `exit status; stderr: ${staticRun.stderr}${executed.stderr}`);
        assert.deepEqual(JSON.parse(staticRun.stdout), JSON.parse(executed.stdout));
      });
    }

    it('the tables too (ResNet)', async function () {
      const staticRun = await runCli(['summary', 'examples/resnet.ts']);
      assert.equal(staticRun.status, 0, staticRun.stderr);
      assert.equal(staticRun.stdout, (await runCli(['summary', 'examples/resnet.ts', '--execute'])).stdout);
    });

    it('roots made in one statement, through helpers, re-exported and default-exported: same order and lines', async function () {
      const folder = path.join(scratch, 'order');
      writeFiles(folder, {
        'blocks.ts': [
          "import { conv2d, relu, sequential } from 'convlens';",
          'export const block = (filters: number) => sequential(conv2d(filters, 3, { padding: 1 }), relu());',
          "export const stem = sequential(conv2d(4, 1, { name: 'stem' }));",
        ],
        'net.ts': [
          "import * as cl from 'convlens';",
          "import { dense, flatten, input, model } from 'convlens';",
          "import { block, stem } from './blocks';",
          '',
          'const local = (filters: number) => block(filters);',
          "const make = (name: string) => model(name, input(4), dense(1));",
          '',
          "export const [first, second] = [model('b', input(4), dense(2)), model('a', input(4), dense(3))];",
          "export const net = cl.model('net', cl.input(3, 8, 8),",
          '  cl',
          '    .conv2d(4, 3),',
          '  local(4),',
          '  stem,',
          '  flatten(), dense(2));',
          "export default model('d', input(2), cl.dense(9));",
          'export { net as alias };',
          "export const later = make('later'), earlier = make('earlier');",
        ],
      });
      const staticRun = await runCli(['summary', 'net.ts', '--json'], folder);
      const executed = await runCli(['summary', 'net.ts', '--json', '--execute'], folder);
      assert.equal(staticRun.status, 0, staticRun.stderr);
      assert.equal(staticRun.stderr, '');
      const json = JSON.parse(staticRun.stdout) as SummaryJson;
      assert.deepEqual(JSON.parse(executed.stdout), json);
      // By statement, then by the creating call, then (one call site for both) by name.
      assert.deepEqual(
        json.models.map((entry) => entry.export),
        ['first', 'second', 'alias', 'net', 'default', 'earlier', 'later'],
      );
      // `cl\n.conv2d` is at `conv2d` (line 11); local's block at the call in this file (line 5);
      // the imported `stem` was made by blocks.ts alone, so no line in net.ts.
      assert.deepEqual(layerLines(json, 3), [
        ['conv2d', 11],
        ['conv2d', 5],
        ['relu', 5],
        ['conv2d', null],
        ['flatten', 14],
        ['dense', 14],
      ]);
    });
  });

  describe('positions', function () {
    it("a finding's column is its callee's, however the DSL function is reached, as in --execute", async function () {
      const folder = path.join(scratch, 'callees');
      writeFiles(folder, {
        'net.ts': [
          "import * as cl from 'convlens';",
          "import { dense as fc, input } from 'convlens';",
          'const { conv2d } = cl;',
          "export const parenthesised = cl.model('a', input(1, 8, 8), (cl).dense(2));",
          "export const indexed = cl.model('b', input(1, 8, 8), cl['dense'](4));",
          "export const renamed = cl.model('c', input(1, 8, 8), fc(4));",
          "export const destructured = cl.model('d', input(1, 8, 8), conv2d(1, 9));",
          "export const inCallback = cl.model('e', input(1, 8, 8), [1].map(() => cl.dense(3))[0]!);",
        ],
      });
      const staticRun = await runCli(['summary', 'net.ts', '--json'], folder);
      assert.equal(staticRun.status, 1, staticRun.stderr);
      const json = JSON.parse(staticRun.stdout) as { models: { diagnostics: { line: number; column: number }[] }[] };
      assert.deepEqual(
        json.models.map(({ diagnostics }) => diagnostics.map(({ line, column }) => [line, column])),
        [[[4, 65]], [[5, 57]], [[6, 54]], [[7, 59]], [[8, 74]]],
      );
      assert.deepEqual(JSON.parse((await runCli(['summary', 'net.ts', '--json', '--execute'], folder)).stdout), json);
    });
  });

  describe('--json', function () {
    it('follows tables, helpers with defaults, loops that push and namespace imports (counted by hand)', async function () {
      const result = await runCli(['summary', `${fixtures}/static-styles.ts`, '--json']);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.deepEqual(JSON.parse(result.stdout), {
        models: [
          {
            export: 'styled',
            name: 'styled',
            kind: 'model',
            input: [1, 8, 8],
            output: [3],
            // 40 + 296 + 99
            params: { trainable: 435, nonTrainable: 0, aux: 0 },
            // 2,304 + 4,608 + 96
            macs: 7008,
            // conv 3 pad 1: r 3, j 1, start 0; pool 2: r 4, j 2, start 0.5; conv 3 pad 1:
            // r 4 + 2·2 = 8, start 0.5 + (1 − 1)·2 = 0.5; pool 2: r 10, j 4, start 0.5 + 0.5·2 = 1.5.
            receptiveField: { size: [10, 10], jump: [4, 4], start: [1.5, 1.5] },
            layers: [
              // (3·3·1 + 1)·4 = 40 params; 8·8·4 outputs × 9 = 2,304 MACs; made in convBlock (line 13)
              { kind: 'conv2d', name: 'conv2d_1', input: [1, 8, 8], output: [4, 8, 8], params: 40, macs: 2304, line: 13, aux: false },
              { kind: 'relu', name: 'relu_1', input: [4, 8, 8], output: [4, 8, 8], params: 0, macs: 0, line: 13, aux: false },
              { kind: 'maxPool2d', name: 'maxPool2d_1', input: [4, 8, 8], output: [4, 4, 4], params: 0, macs: 0, line: 18, aux: false },
              // (3·3·4 + 1)·8 = 296 params; 4·4·8 outputs × 36 = 4,608 MACs
              { kind: 'conv2d', name: 'conv2d_2', input: [4, 4, 4], output: [8, 4, 4], params: 296, macs: 4608, line: 13, aux: false },
              { kind: 'relu', name: 'relu_2', input: [8, 4, 4], output: [8, 4, 4], params: 0, macs: 0, line: 13, aux: false },
              { kind: 'maxPool2d', name: 'maxPool2d_2', input: [8, 4, 4], output: [8, 2, 2], params: 0, macs: 0, line: 18, aux: false },
              { kind: 'flatten', name: 'flatten_1', input: [8, 2, 2], output: [32], params: 0, macs: 0, line: 21, aux: false },
              // 32·3 + 3 = 99 params, 96 MACs
              { kind: 'dense', name: 'dense_1', input: [32], output: [3], params: 99, macs: 96, line: 21, aux: false },
            ],
            diagnostics: [],
          },
        ],
      });
    });

    it('locates layers made by a helper in another file at the helper call in the summarised file', async function () {
      const result = await runCli(['summary', `${fixtures}/helper/net.ts`, '--json']);
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(layerLines(JSON.parse(result.stdout) as SummaryJson), [
        ['conv2d', 6],
        ['relu', 6],
        ['flatten', 7],
        ['dense', 7],
      ]);
    });

    it('reports findings at the offending call, as --execute does (column of the callee)', async function () {
      const result = await runCli(['summary', `${fixtures}/broken.ts`, '--json', '--model', 'denseOnImage']);
      assert.equal(result.status, 1, result.stderr);
      const [model] = (JSON.parse(result.stdout) as { models: { diagnostics: unknown[] }[] }).models;
      assert.deepEqual(model?.diagnostics, [
        {
          code: 'CL1004',
          severity: 'error',
          message: 'dense(10) expects a vector but receives the image 8@26×26. Insert flatten() (or globalAvgPool2d()) before it.',
          line: 16,
          column: 91,
        },
      ]);
    });
  });

  describe('what static evaluation cannot know', function () {
    it('warns once per export it cannot evaluate and still summarises the others', async function () {
      const result = await runCli(['summary', `${fixtures}/random.ts`, '--json']);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(
        result.stderr,
        [
          `convlens: warning: could not evaluate export picked statically: Math.random() has no value until the code runs (line 11); try --execute`,
          `convlens: warning: could not evaluate all of export noisy statically: Math.random() has no value until the code runs (line 14); try --execute`,
          '',
        ].join('\n'),
      );
      const json = JSON.parse(result.stdout) as { models: { export: string; output: unknown }[] };
      // `picked` is left out (the schema has no place for it); `noisy` has an unknown channel count.
      assert.deepEqual(
        json.models.map((entry) => [entry.export, entry.output]),
        [
          ['noisy', [null, 26, 26]],
          ['fixed', [2]],
        ],
      );
    });

    it('an export asked for with --model that cannot be evaluated is an error that suggests --execute', async function () {
      assertUserError(
        await runCli(['summary', `${fixtures}/random.ts`, '--model', 'picked']),
        'convlens: could not evaluate export picked statically: Math.random() has no value until the code runs (line 11); try --execute',
      );
    });

    it("runs none of the file's code", async function () {
      const folder = path.join(scratch, 'side-effect');
      const marker = path.join(folder, 'ran.txt');
      writeFiles(folder, {
        'net.ts': [
          "import { writeFileSync } from 'node:fs';",
          "import { dense, input, model } from 'convlens';",
          `writeFileSync(${JSON.stringify(marker)}, 'the file ran');`,
          "export const net = model('net', input(4), dense(2));",
        ],
      });
      const result = await runCli(['summary', 'net.ts', '--json'], folder);
      assert.equal(result.status, 0, result.stderr);
      assert.equal((JSON.parse(result.stdout) as SummaryJson).models[0]?.name, 'net');
      assert.equal(existsSync(marker), false, 'static mode wrote the marker: it ran the file');
    });
  });

  describe('projects', function () {
    it('a file outside any project (no tsconfig.json, no node_modules) gets the defaults and this convlens', async function () {
      const folder = path.join(scratch, 'loose');
      writeFiles(folder, {
        'net.ts': ["import { conv2d, flatten, input, model } from 'convlens';", "export const net = model('net', input(1, 6, 6), conv2d(2, 3), flatten());"],
      });
      const result = await runCli(['summary', 'net.ts', '--json'], folder);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.deepEqual(JSON.parse(result.stdout), JSON.parse((await runCli(['summary', 'net.ts', '--json', '--execute'], folder)).stdout));
    });

    it('a declaration file changed since an earlier command in the same process is read again', async function () {
      // The programs of one process share the declaration files they parsed (typescript-project.ts).
      const folder = path.join(scratch, 'declarations');
      writeFiles(folder, {
        'layers.d.ts': ["export { conv2d as layer } from 'convlens';"],
        'net.ts': ["import { flatten, input, model } from 'convlens';", "import { layer } from './layers';", "export const net = model('net', input(1, 6, 6), layer(2, 3), flatten());"],
      });
      const layers = async (): Promise<[string, number[]][]> => {
        const result = await runCli(['summary', 'net.ts', '--json'], folder);
        assert.equal(result.status, 0, result.stderr);
        return (JSON.parse(result.stdout) as { models: { layers: { kind: string; output: number[] }[] }[] }).models[0]!.layers.map((entry) => [entry.kind, entry.output]);
      };
      assert.deepEqual(await layers(), [['conv2d', [2, 4, 4]], ['flatten', [32]]]);
      writeFiles(folder, {
        'layers.d.ts': ["export { dense as layer } from 'convlens';"],
        'net.ts': ["import { flatten, input, model } from 'convlens';", "import { layer } from './layers';", "export const net = model('net', input(1, 6, 6), flatten(), layer(2));"],
      });
      assert.deepEqual(await layers(), [['flatten', [36]], ['dense', [2]]]);
    });

    it("honours the nearest tsconfig.json's options (paths) even for a file outside its include", async function () {
      const folder = path.join(scratch, 'paths');
      writeFiles(folder, {
        'tsconfig.json': [JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', paths: { '@blocks/*': ['./lib/*'] } }, include: ['lib'] })],
        'lib/blocks.ts': ["import { conv2d, relu, sequential } from 'convlens';", 'export const block = (filters: number) => sequential(conv2d(filters, 3), relu());'],
        'src/net.ts': [
          "import { flatten, input, model } from 'convlens';",
          "import { block } from '@blocks/blocks';",
          "export const net = model('net', input(1, 6, 6), block(2), flatten());",
        ],
      });
      const result = await runCli(['summary', 'src/net.ts', '--json'], folder);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '', 'the import resolved through paths');
      const json = JSON.parse(result.stdout) as SummaryJson;
      assert.deepEqual(layerLines(json), [
        ['conv2d', 3],
        ['relu', 3],
        ['flatten', 3],
      ]);
      // esbuild reads the same paths, so --execute agrees.
      assert.deepEqual(JSON.parse((await runCli(['summary', 'src/net.ts', '--json', '--execute'], folder)).stdout), json);
    });
  });

  describe('errors', function () {
    it('a file that does not exist', async function () {
      assertUserError(await runCli(['summary', `${fixtures}/missing.ts`]), `convlens: ${fixtures}/missing.ts: no such file`);
    });

    it('a file that does not parse: file:line:col and the message', async function () {
      const folder = path.join(scratch, 'syntax');
      writeFiles(folder, { 'syntax.ts': ["import { input, model } from 'convlens';", '', "export const net = model('net', input(1, 28, 28),"] });
      assertUserError(await runCli(['summary', 'syntax.ts'], folder), "convlens: syntax.ts:4:1: ')' expected.");
    });

    it('a file that exports no model', async function () {
      assertUserError(await runCli(['summary', `${fixtures}/no-models.ts`]), new RegExp(`^convlens: ${fixtures}/no-models\\.ts exports no model or gan`));
    });
  });
});

describe('convlens check', function () {
  this.timeout(60_000);
  let scratch = '';
  before(function () {
    scratch = mkdtempSync(path.join(tmpdir(), 'convlens-check-'));
  });
  after(function () {
    rmSync(scratch, { recursive: true, force: true });
  });

  const brokenLines = [
    'test/fixtures/cli/broken.ts:12:3 - error CL1002: Residual branches disagree: main gives 16@16×16, shortcut gives 8@16×16. Give the shortcut a 1×1 conv2d with 16 filters: residual(main, conv2d(16, 1)).',
    'test/fixtures/cli/broken.ts:16:91 - error CL1004: dense(10) expects a vector but receives the image 8@26×26. Insert flatten() (or globalAvgPool2d()) before it.',
    "test/fixtures/cli/broken.ts:19:71 - error CL1001: conv2d(4, 7) gets an empty output: its 7×7 window does not fit the padded input 5×5 (input 3@5×5). Use a smaller kernel or stride, more padding, or padding: 'same'.",
  ];

  it('the examples have no problems', async function () {
    const result = await runCli(['check', 'examples']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.equal(result.stdout, 'No problems in 7 files.\n');
    assert.equal(result.stderr, '');
  });

  it('a broken file: each error at its call, then the count, exit 1', async function () {
    const result = await runCli(['check', `${fixtures}/broken.ts`]);
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, `${brokenLines.join('\n')}\n\nFound 3 errors in 1 file.\n`);
  });

  it('--json', async function () {
    const result = await runCli(['check', `${fixtures}/broken.ts`, `${fixtures}/lenet.ts`, '--json']);
    assert.equal(result.status, 1, result.stderr);
    const json = JSON.parse(result.stdout) as { files: number; diagnostics: unknown[] };
    assert.equal(json.files, 2);
    assert.deepEqual(json.diagnostics[1], {
      file: 'test/fixtures/cli/broken.ts',
      line: 16,
      column: 91,
      code: 'CL1004',
      severity: 'error',
      message: 'dense(10) expects a vector but receives the image 8@26×26. Insert flatten() (or globalAvgPool2d()) before it.',
    });
    assert.deepEqual(
      json.diagnostics.map((diagnostic) => Object.keys(diagnostic as object)),
      [0, 1, 2].map(() => ['file', 'line', 'column', 'code', 'severity', 'message']),
    );
  });

  it('counts warnings and infos apart and exits 0 without errors', async function () {
    const folder = path.join(scratch, 'severities');
    writeFiles(folder, {
      'strided.ts': [
        "import { conv2d, dense, flatten, input, model } from 'convlens';",
        "export const strided = model('strided', input(1, 8, 8), conv2d(4, 3, { stride: 2 }), flatten(), dense(2));",
      ],
      'wrong.ts': ["import { dense, input, model } from 'convlens';", "export const wrong = model('wrong', input(1, 8, 8), dense(2));"],
    });
    const infoOnly = await runCli(['check', 'strided.ts'], folder);
    assert.equal(infoOnly.status, 0, infoOnly.stderr);
    assert.match(infoOnly.stdout, /^strided\.ts:2:57 - info CL1010: conv2d\(4, 3\) never reads the last 1 row and 1 column/);
    assert.match(infoOnly.stdout, /\n\nFound 1 info in 1 file\.\n$/);
    // A folder: both files, sorted, one summary line.
    const both = await runCli(['check', '.'], folder);
    assert.equal(both.status, 1, both.stderr);
    assert.match(both.stdout, /\nwrong\.ts:2:53 - error CL1004: /);
    assert.match(both.stdout, /\n\nFound 1 error, 1 info in 2 files\.\n$/);
  });

  it('a tsconfig.json checks its files, and a solution tsconfig.json those of its references', async function () {
    const folder = path.join(scratch, 'project');
    writeFiles(folder, {
      'tsconfig.json': [JSON.stringify({ files: [], references: [{ path: './app' }] })],
      'app/tsconfig.json': [JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', composite: true }, include: ['src'] })],
      'app/src/wrong.ts': ["import { dense, input, model } from 'convlens';", "export const wrong = model('wrong', input(1, 8, 8), dense(2));"],
      'app/src/types.d.ts': ['export type Unused = number;'],
      'app/other/ignored.ts': ["import { dense, input, model } from 'convlens';", "export const alsoWrong = model('x', input(1, 8, 8), dense(2));"],
    });
    for (const target of ['tsconfig.json', 'app/tsconfig.json']) {
      const result = await runCli(['check', target], folder);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stdout, /^app\/src\/wrong\.ts:2:53 - error CL1004: /);
      assert.match(result.stdout, /\n\nFound 1 error in 1 file\.\n$/, 'only the project’s own .ts file, not the .d.ts nor app/other');
    }
  });

  it('skips node_modules, dist and .git when searching a folder', async function () {
    const folder = path.join(scratch, 'skipped');
    const wrong = ["import { dense, input, model } from 'convlens';", "export const wrong = model('wrong', input(1, 8, 8), dense(2));"];
    writeFiles(folder, { 'node_modules/pkg/a.ts': wrong, 'dist/b.ts': wrong, '.git/c.ts': wrong, 'src/ok.ts': ['export const n = 1;'] });
    const result = await runCli(['check'], folder);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.equal(result.stdout, 'No problems in 1 file.\n');
  });

  describe('errors', function () {
    it('a path that does not exist', async function () {
      assertUserError(await runCli(['check', 'examples', 'nowhere/net.ts']), 'convlens: nowhere/net.ts: no such file or folder');
    });

    it('a file that is not TypeScript', async function () {
      assertUserError(await runCli(['check', 'README.md']), 'convlens: README.md is not a .ts or .tsx file, a folder or a tsconfig.json');
    });

    it('an unknown flag', async function () {
      assertUserError(await runCli(['check', '--fast']), /^convlens: unknown option '--fast'\. Usage: convlens check \[files\|folders\|tsconfig\.json \.\.\.\] \[--json\]/);
    });
  });
});
