/**
 * `convlens summary --execute`: the command on the model files in test/fixtures/cli/ (and
 * on files written to a temporary folder where a fixture must not type-check or must live
 * in its own folder). Numbers are counted by hand in the comments next to them, never
 * re-derived with the engine's formulas.
 *
 * The tests call the command in-process (`runConvlens`, test/cli-harness.ts). Two start
 * bin/convlens.js in a child process (`spawnConvlens`), because the process is their
 * subject:
 * - "summarises every exported model in source order": a whole `--json` summary through
 *   the real binary, its exit status and its stdout read back from a pipe;
 * - "an unknown command": a user error through the real binary (exit 2, one line on stderr).
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { repoRoot, runConvlens, spawnConvlens, type ConvlensResult } from './cli-harness';

const fixtures = 'test/fixtures/cli';

type CliResult = ConvlensResult;

/** The command in-process, in `cwd` (the repository by default). */
function runCli(args: readonly string[], cwd = repoRoot): Promise<CliResult> {
  return runConvlens(args, { cwd });
}

function toSummaryJson(result: CliResult): { result: CliResult; json: { models: unknown[] } } {
  return { result, json: JSON.parse(result.stdout) as { models: unknown[] } };
}

async function summaryJson(args: readonly string[], cwd = repoRoot): Promise<{ result: CliResult; json: { models: unknown[] } }> {
  return toSummaryJson(await runCli(['summary', ...args, '--execute', '--json'], cwd));
}

/** The same through bin/convlens.js in a child process. */
function spawnedSummaryJson(args: readonly string[], cwd = repoRoot): { result: CliResult; json: { models: unknown[] } } {
  return toSummaryJson(spawnConvlens(['summary', ...args, '--execute', '--json'], { cwd }));
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

/** The table's rows with runs of spaces collapsed, so that column widths don't matter. */
function normalisedLines(text: string): string[] {
  return text.split('\n').map((line) => line.trim().replace(/ {2,}/g, ' '));
}

const lenetJson = {
  export: 'lenet',
  name: 'LeNet-5',
  kind: 'model',
  input: [1, 32, 32],
  output: [10],
  // 156 + 2,416 + 48,120 + 10,164 + 850
  params: { trainable: 61706, nonTrainable: 0, aux: 0 },
  // 117,600 + 240,000 + 48,000 + 10,080 + 840
  macs: 416520,
  // conv 5 → r 5, j 1, start 2; pool 2 → r 6, j 2, start 2.5; conv 5 → r 14, start 6.5;
  // pool 2 → r 16, j 4, start 6.5 + 0.5·2 = 7.5 (the last 3-D output, S4).
  receptiveField: { size: [16, 16], jump: [4, 4], start: [7.5, 7.5] },
  layers: [
    // (5·5·1 + 1)·6 = 156 params; 28·28·6 outputs × 25 MACs = 117,600
    { kind: 'conv2d', name: 'C1', input: [1, 32, 32], output: [6, 28, 28], params: 156, macs: 117600, line: 12, aux: false },
    { kind: 'tanh', name: 'tanh_1', input: [6, 28, 28], output: [6, 28, 28], params: 0, macs: 0, line: 13, aux: false },
    { kind: 'avgPool2d', name: 'S2', input: [6, 28, 28], output: [6, 14, 14], params: 0, macs: 0, line: 14, aux: false },
    // (5·5·6 + 1)·16 = 2,416 params; 10·10·16 outputs × 150 MACs = 240,000
    { kind: 'conv2d', name: 'C3', input: [6, 14, 14], output: [16, 10, 10], params: 2416, macs: 240000, line: 17, aux: false },
    { kind: 'tanh', name: 'tanh_2', input: [16, 10, 10], output: [16, 10, 10], params: 0, macs: 0, line: 18, aux: false },
    { kind: 'avgPool2d', name: 'S4', input: [16, 10, 10], output: [16, 5, 5], params: 0, macs: 0, line: 19, aux: false },
    { kind: 'flatten', name: 'flatten_1', input: [16, 5, 5], output: [400], params: 0, macs: 0, line: 21, aux: false },
    // 400·120 + 120 = 48,120 params, 48,000 MACs
    { kind: 'dense', name: 'C5', input: [400], output: [120], params: 48120, macs: 48000, line: 22, aux: false },
    { kind: 'tanh', name: 'tanh_3', input: [120], output: [120], params: 0, macs: 0, line: 23, aux: false },
    // 120·84 + 84 = 10,164 params, 10,080 MACs
    { kind: 'dense', name: 'F6', input: [120], output: [84], params: 10164, macs: 10080, line: 24, aux: false },
    { kind: 'tanh', name: 'tanh_4', input: [84], output: [84], params: 0, macs: 0, line: 25, aux: false },
    // 84·10 + 10 = 850 params, 840 MACs
    { kind: 'dense', name: 'output', input: [84], output: [10], params: 850, macs: 840, line: 26, aux: false },
  ],
  diagnostics: [],
};

const auxNetJson = {
  export: 'auxNet',
  name: 'auxNet',
  kind: 'model',
  input: [3, 8, 8],
  output: [10],
  // 112 + 8 (γ, β) + 10 (aux head) + 650; non-trainable: the running mean and variance.
  params: { trainable: 780, nonTrainable: 8, aux: 10 },
  // 6,912 + 640; the aux head's 8 MACs are excluded.
  macs: 7552,
  // conv 3 pad 1 → r 3, j 1, start 1 − 1 = 0; pool 2 → r 4, j 2, start 0.5.
  receptiveField: { size: [4, 4], jump: [2, 2], start: [0.5, 0.5] },
  layers: [
    // (3·3·3 + 1)·4 = 112 params; 8·8·4 outputs × 27 MACs = 6,912
    { kind: 'conv2d', name: 'conv2d_1', input: [3, 8, 8], output: [4, 8, 8], params: 112, macs: 6912, line: 33, aux: false },
    // 4 γ + 4 β + 4 running means + 4 running variances
    { kind: 'batchNorm', name: 'batchNorm_1', input: [4, 8, 8], output: [4, 8, 8], params: 16, macs: 0, line: 34, aux: false },
    { kind: 'relu', name: 'relu_1', input: [4, 8, 8], output: [4, 8, 8], params: 0, macs: 0, line: 35, aux: false },
    { kind: 'globalAvgPool2d', name: 'globalAvgPool2d_1', input: [4, 8, 8], output: [4], params: 0, macs: 0, line: 36, aux: true },
    // 4·2 + 2 = 10 params, 8 MACs
    { kind: 'dense', name: 'dense_1', input: [4], output: [2], params: 10, macs: 8, line: 36, aux: true },
    { kind: 'maxPool2d', name: 'maxPool2d_1', input: [4, 8, 8], output: [4, 4, 4], params: 0, macs: 0, line: 37, aux: false },
    { kind: 'flatten', name: 'flatten_1', input: [4, 4, 4], output: [64], params: 0, macs: 0, line: 38, aux: false },
    // 64·10 + 10 = 650 params, 640 MACs
    { kind: 'dense', name: 'dense_2', input: [64], output: [10], params: 650, macs: 640, line: 39, aux: false },
  ],
  diagnostics: [],
};

const tinyGanJson = {
  export: 'tinyGan',
  name: 'tinyGan',
  kind: 'gan',
  input: [16],
  output: [1, 8, 8],
  // generator 9,281 + 64 non-trainable; discriminator 265
  params: { trainable: 9546, nonTrainable: 64, aux: 0 },
  // 16,384 + 2,176
  macs: 18560,
  generator: {
    name: 'tinyGan generator',
    kind: 'model',
    input: [16],
    output: [1, 8, 8],
    // 8,704 + 64 + 513
    params: { trainable: 9281, nonTrainable: 64, aux: 0 },
    macs: 16384,
    receptiveField: null,
    layers: [
      // 16·512 + 512 = 8,704 params, 8,192 MACs
      { kind: 'dense', name: 'dense_1', input: [16], output: [512], params: 8704, macs: 8192, line: 11, aux: false },
      { kind: 'reshape', name: 'reshape_1', input: [512], output: [32, 4, 4], params: 0, macs: 0, line: 12, aux: false },
      // 32 γ + 32 β trainable, 32 means + 32 variances not
      { kind: 'batchNorm', name: 'batchNorm_1', input: [32, 4, 4], output: [32, 4, 4], params: 128, macs: 0, line: 13, aux: false },
      { kind: 'relu', name: 'relu_1', input: [32, 4, 4], output: [32, 4, 4], params: 0, macs: 0, line: 14, aux: false },
      // out = (4 − 1)·2 − 2·1 + 4 = 8; 32·1·4·4 + 1 = 513 params; each of the 4·4 input
      // pixels scatters a 4×4×1 kernel per input channel: 4·4·32·16 = 8,192 MACs
      { kind: 'conv2dTranspose', name: 'conv2dTranspose_1', input: [32, 4, 4], output: [1, 8, 8], params: 513, macs: 8192, line: 15, aux: false },
      { kind: 'tanh', name: 'tanh_1', input: [1, 8, 8], output: [1, 8, 8], params: 0, macs: 0, line: 16, aux: false },
    ],
    diagnostics: [],
  },
  discriminator: {
    name: 'tinyGan discriminator',
    kind: 'model',
    input: [1, 8, 8],
    output: [1],
    // 136 + 129
    params: { trainable: 265, nonTrainable: 0, aux: 0 },
    // 2,048 + 128
    macs: 2176,
    // k 4, s 2, p 1: r 4, j 2, start (4 − 1)/2 − 1 = 0.5
    receptiveField: { size: [4, 4], jump: [2, 2], start: [0.5, 0.5] },
    layers: [
      // out = floor((8 + 2 − 4)/2) + 1 = 4; (4·4·1 + 1)·8 = 136 params; 4·4·8 × 16 = 2,048 MACs
      { kind: 'conv2d', name: 'conv2d_1', input: [1, 8, 8], output: [8, 4, 4], params: 136, macs: 2048, line: 19, aux: false },
      { kind: 'leakyRelu', name: 'leakyRelu_1', input: [8, 4, 4], output: [8, 4, 4], params: 0, macs: 0, line: 20, aux: false },
      { kind: 'flatten', name: 'flatten_1', input: [8, 4, 4], output: [128], params: 0, macs: 0, line: 21, aux: false },
      // 128 + 1 = 129 params, 128 MACs
      { kind: 'dense', name: 'dense_1', input: [128], output: [1], params: 129, macs: 128, line: 22, aux: false },
      { kind: 'sigmoid', name: 'sigmoid_1', input: [1], output: [1], params: 0, macs: 0, line: 23, aux: false },
    ],
    diagnostics: [],
  },
  diagnostics: [],
};

describe('convlens summary --execute', function () {
  let scratch = '';
  before(function () {
    scratch = mkdtempSync(path.join(tmpdir(), 'convlens-cli-'));
  });
  after(function () {
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('--json', function () {
    it('summarises every exported model in source order (LeNet-5 counted by hand)', function () {
      // Spawned: the real binary end to end.
      const { result, json } = spawnedSummaryJson([`${fixtures}/lenet.ts`]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.deepEqual(json, { models: [lenetJson, auxNetJson] });
    });

    it('selects one export with --model', async function () {
      const { result, json } = await summaryJson([`${fixtures}/lenet.ts`, '--model', 'auxNet']);
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(json, { models: [auxNetJson] });
    });

    it('summarises a gan: both networks and their totals', async function () {
      const { result, json } = await summaryJson([`${fixtures}/gan.ts`]);
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(json, { models: [tinyGanJson] });
    });

    it('exits 1 on an error finding and locates it at the offending call (dense on an image)', async function () {
      const { result, json } = await summaryJson([`${fixtures}/dense-on-image.ts`]);
      assert.equal(result.status, 1, result.stderr);
      const [broken] = json.models as { diagnostics: { code: string; severity: string; message: string; line: number; column: number }[] }[];
      assert.equal(broken?.diagnostics.length, 1);
      const [diagnostic] = broken?.diagnostics ?? [];
      assert.deepEqual(
        { code: diagnostic?.code, severity: diagnostic?.severity, line: diagnostic?.line, column: diagnostic?.column },
        { code: 'CL1004', severity: 'error', line: 12, column: 3 },
      );
      // conv2d(8, 3) on 1@28×28 gives 8@26×26; the message names it and the fix.
      assert.match(diagnostic?.message ?? '', /8@26×26/);
      assert.match(diagnostic?.message ?? '', /flatten\(\)/);
    });

    it('locates layers made by a helper in another file at the helper call in the summarised file', async function () {
      const folder = path.join(scratch, 'helper');
      writeModelFiles(folder, {
        'blocks.ts': [
          "import { conv2d, relu, sequential } from 'convlens';",
          'export const block = (filters: number) => sequential(conv2d(filters, 3, { padding: 1 }), relu());',
        ],
        'net.ts': [
          "import { dense, flatten, input, model } from 'convlens';",
          "import { block } from './blocks';",
          '',
          "export const net = model('net', input(3, 8, 8),",
          '  block(4),',
          '  flatten(), dense(2));',
        ],
      });
      const { result, json } = await summaryJson(['net.ts'], folder);
      assert.equal(result.status, 0, result.stderr);
      const [net] = json.models as { layers: { kind: string; line: number | null }[] }[];
      assert.deepEqual(
        net?.layers.map((layer) => [layer.kind, layer.line]),
        [
          ['conv2d', 5],
          ['relu', 5],
          ['flatten', 6],
          ['dense', 6],
        ],
      );
    });

    it("sends the file's console output to stderr, keeping stdout valid JSON", async function () {
      const folder = path.join(scratch, 'noisy');
      writeModelFiles(folder, {
        'noisy.ts': [
          "import { dense, input, model } from 'convlens';",
          "console.log('building the model');",
          "export const net = model('net', input(4), dense(2));",
        ],
      });
      const { result, json } = await summaryJson(['noisy.ts'], folder);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(json.models.length, 1);
      assert.equal(result.stderr, 'building the model\n');
    });
  });

  describe('table', function () {
    it('prints the layers indented by depth, the totals and no findings', async function () {
      const result = await runCli(['summary', `${fixtures}/lenet.ts`, '--execute', '--model', 'lenet']);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '');
      const lines = result.stdout.split('\n');
      const rows = normalisedLines(result.stdout);
      assert.equal(lines[0], 'Model "LeNet-5" (export lenet): 1@32×32 → 10');
      assert.ok(rows.includes('Layer Kind Output Params MACs RF Jump Line'), result.stdout);
      for (const row of [
        'input input 1@32×32 0 0 1×1 1×1 10',
        'sequential_1 sequential 6@14×14 156 117,600 6×6 2×2 11',
        'C1 conv2d 6@28×28 156 117,600 5×5 1×1 12',
        'S4 avgPool2d 16@5×5 0 0 16×16 4×4 19',
        'flatten_1 flatten 400 0 0 - - 21',
        'C5 dense 120 48,120 48,000 - - 22',
        'output dense 10 850 840 - - 26',
        'Trainable params: 61,706',
        'Non-trainable params: 0',
        'Total params: 61,706',
        "Aux heads' params: 0 of the trainable (training only)",
        'MACs: 416,520 (416.52 k) per sample, aux heads excluded',
        'FLOPs (= 2×MACs): 833,040 (833.04 k)',
        'Receptive field: 16×16, jump 4×4, first centre at (7.5, 7.5)',
        'No findings.',
      ]) {
        assert.ok(rows.includes(row), `missing row '${row}' in:\n${result.stdout}`);
      }
      // Children of a container are indented under it.
      assert.ok(lines.some((line) => line.startsWith('  C1 ')), result.stdout);
      assert.ok(lines.some((line) => line.startsWith('sequential_1 ')), result.stdout);
      assert.match(result.stdout, /^Memory \(float32\): +params 241\.04 KiB/m);
    });

    it('prints a gan as its generator, its discriminator and the totals', async function () {
      const result = await runCli(['summary', `${fixtures}/gan.ts`, '--execute']);
      assert.equal(result.status, 0, result.stderr);
      const rows = normalisedLines(result.stdout);
      for (const row of [
        'GAN "tinyGan" (export tinyGan): latent 16 → image 1@8×8',
        'Generator "tinyGan generator": 16 → 1@8×8',
        'conv2dTranspose_1 conv2dTranspose 1@8×8 513 8,192 - - 15',
        'Discriminator "tinyGan discriminator": 1@8×8 → 1',
        'conv2d_1 conv2d 8@4×4 136 2,048 4×4 2×2 19',
        'GAN totals (generator + discriminator)',
        'Trainable params: 9,546',
        'Non-trainable params: 64',
        'Total params: 9,610',
        'MACs: 18,560 (18.56 k) per sample',
      ]) {
        assert.ok(rows.includes(row), `missing row '${row}' in:\n${result.stdout}`);
      }
    });

    it('prints findings with their code and line, and exits 1 on an error', async function () {
      const result = await runCli(['summary', `${fixtures}/dense-on-image.ts`, '--execute']);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stdout, /^error CL1004: dense\(10\) [^\n]*8@26×26[^\n]* \(line 12\)$/m);
    });
  });

  describe('errors', function () {
    it('a file that does not exist', async function () {
      assertUserError(await runCli(['summary', `${fixtures}/missing.ts`, '--execute']), `convlens: ${fixtures}/missing.ts: no such file`);
    });

    it('a file that does not parse: file:line:col and the message, relative to the working directory', async function () {
      const folder = path.join(scratch, 'syntax');
      writeModelFiles(folder, {
        'syntax.ts': ["import { input, model } from 'convlens';", '', "export const net = model('net', input(1, 28, 28),"],
      });
      assertUserError(
        await runCli(['summary', path.join(folder, 'syntax.ts'), '--execute'], folder),
        'convlens: syntax.ts:4:1: Unexpected end of file',
      );
    });

    it('a file that throws while running: where it threw and what', async function () {
      assertUserError(
        await runCli(['summary', `${fixtures}/throws.ts`, '--execute']),
        `convlens: ${fixtures}/throws.ts:5:9: the file threw while running: Error: dataset not found: ./data/train`,
      );
    });

    it('a file that exports no model', async function () {
      assertUserError(
        await runCli(['summary', `${fixtures}/no-models.ts`, '--execute', '--json']),
        new RegExp(`^convlens: ${fixtures}/no-models\\.ts exports no model or gan`),
      );
    });

    it('an unknown export lists the available ones', async function () {
      assertUserError(
        await runCli(['summary', `${fixtures}/lenet.ts`, '--execute', '--model', 'resnet']),
        `convlens: ${fixtures}/lenet.ts has no model or gan export named 'resnet'; available: lenet, auxNet`,
      );
    });

    it('an unknown flag', async function () {
      assertUserError(
        await runCli(['summary', `${fixtures}/lenet.ts`, '--execute', '--fast']),
        /^convlens: unknown option '--fast'\. Usage: convlens summary <file\.ts>/,
      );
    });

    it('an unknown command', function () {
      // Spawned: a user error through the real binary.
      assertUserError(spawnConvlens(['frobnicate', `${fixtures}/lenet.ts`], { cwd: repoRoot }), /^convlens: unknown command 'frobnicate'\. Usage: /);
    });

    it('a missing --model value', async function () {
      assertUserError(await runCli(['summary', `${fixtures}/lenet.ts`, '--execute', '--model']), /--model/);
    });

    it('--help prints the usage and exits 0', async function () {
      const result = await runCli(['--help']);
      assert.equal(result.status, 0);
      assert.match(result.stdout, /^Usage: convlens <command>/);
      assert.match(result.stdout, /summary <file\.ts> \[--model EXPORT\] \[--json\] \[--execute\]/);
      assert.match(result.stdout, /check \[files\|folders\|tsconfig\.json \.\.\.\] \[--json\]/);
      assert.equal(result.stderr, '');
    });
  });
});

/** Writes each file's lines into `folder` (created), so that line numbers are easy to read off. */
function writeModelFiles(folder: string, files: Record<string, readonly string[]>): void {
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const [name, lines] of Object.entries(files)) writeFileSync(path.join(folder, name), `${lines.join('\n')}\n`);
}
