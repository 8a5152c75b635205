/**
 * Bad input to the command line, as a hostile user would give it: each is one line on
 * stderr naming what is wrong and the fix, with the right exit code, and nothing already on
 * disk is touched. In-process (main), from a temporary folder.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encodePng } from 'convlens-runtime/inspection/image-grid';
import { repoRoot, runConvlens } from './cli-harness';

const LENET = readFileSync(path.join(repoRoot, 'examples', 'lenet5.ts'), 'utf8');
const TRAIN_USAGE =
  'Usage: convlens train <file.ts> --model EXPORT [--dataset NAME|FOLDER] [--epochs N] [--batch-size N] [--lr X] [--optimizer sgd|adam] [--backend NAME] [--out DIR] [--resume] [--json] [--dry-run] [--tta] (see convlens --help)';

describe('convlens: bad input is one line and the right exit code', function () {
  this.timeout(60_000);
  let folder: string;

  before(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'convlens-messages-'));
    writeFileSync(path.join(folder, 'lenet5.ts'), LENET);
    writeFileSync(path.join(folder, 'a-file'), 'keep me\n');
    writeFileSync(path.join(folder, 'binary.ts'), Buffer.from([0x00, 0x01, 0x02, 0x62, 0x69, 0x6e]));
    writeFileSync(path.join(folder, 'broken.ts'), 'export const x = (;\n');
    writeFileSync(path.join(folder, 'model.js'), "const { model, input, dense } = require('convlens');\nexports.m = model('m', input(4), dense(2));\n");
  });

  after(() => rmSync(folder, { recursive: true, force: true }));

  it('check: a binary file is an error, said once', async () => {
    assert.deepEqual(await runConvlens(['check', 'binary.ts'], { cwd: folder }), {
      status: 1,
      stdout: 'binary.ts:1:1 - error TS1490: File appears to be binary.\n\nFound 1 error in 1 file.\n',
      stderr: '',
    });
  });

  it('check: a file that does not parse is an error (CI must not pass on it)', async () => {
    assert.deepEqual(await runConvlens(['check', 'broken.ts'], { cwd: folder }), {
      status: 1,
      stdout: 'broken.ts:1:19 - error TS1109: Expression expected.\n\nFound 1 error in 1 file.\n',
      stderr: '',
    });
  });

  it('check and summary: 5,000 calls nested in the source (beyond what TypeScript parses) are an error, not a crash', async () => {
    const depth = 5_000;
    writeFileSync(path.join(folder, 'deep.ts'), `import { input, model, relu, sequential } from 'convlens';\nexport const deep = model('deep', input(1, 8, 8), ${'sequential('.repeat(depth)}relu()${')'.repeat(depth)});\n`);
    const reason = 'TypeScript cannot parse it: its expressions are nested too deeply (the parser ran out of stack). Build deep models in a loop, or name the inner parts';
    assert.deepEqual(await runConvlens(['check', 'deep.ts'], { cwd: folder }), { status: 1, stdout: `deep.ts:1:1 - error TS0: ${reason}.\n\nFound 1 error in 1 file.\n`, stderr: '' });
    assert.deepEqual(await runConvlens(['summary', 'deep.ts'], { cwd: folder }), { status: 2, stdout: '', stderr: `convlens: deep.ts: ${reason}\n` });
  });

  it('summary: a JavaScript file is refused in one line that names --execute', async () => {
    assert.deepEqual(await runConvlens(['summary', 'model.js'], { cwd: folder }), {
      status: 2,
      stdout: '',
      stderr: 'convlens: model.js is JavaScript; static evaluation reads TypeScript model files (.ts, .tsx): rename it, or run it with --execute\n',
    });
  });

  for (const [command, args] of [
    ['train', ['train', 'lenet5.ts', '--model', 'lenet5Mnist', '--backend', 'cpu']],
    ['export', ['export', 'lenet5.ts', '--model', 'lenet5', '--to', 'pytorch']],
    ['run', ['run', 'lenet5.ts', '--model', 'lenet5Mnist', '--checkpoint', 'nowhere', '--image', 'nothing.png']],
  ] as const) {
    it(`${command} --out naming a file: one line, and the file is left alone`, async () => {
      assert.deepEqual(await runConvlens([...args, '--out', 'a-file'], { cwd: folder }), {
        status: 2,
        stdout: '',
        stderr: 'convlens: --out a-file is a file, not a folder: give a folder (it is made when missing)\n',
      });
      assert.deepEqual(await runConvlens([...args, '--out', 'a-file/inside'], { cwd: folder }), {
        status: 2,
        stdout: '',
        stderr: 'convlens: --out a-file/inside cannot be made: a-file is a file\n',
      });
      assert.equal(readFileSync(path.join(folder, 'a-file'), 'utf8'), 'keep me\n');
    });
  }

  it('a negative number is a value the option refuses, not an "ambiguous" argument', async () => {
    assert.deepEqual(await runConvlens(['train', 'lenet5.ts', '--model', 'lenet5Mnist', '--epochs', '-1'], { cwd: folder }), {
      status: 2,
      stdout: '',
      stderr: `convlens: --epochs must be a positive integer, got '-1'. ${TRAIN_USAGE}\n`,
    });
    assert.deepEqual(await runConvlens(['train', 'lenet5.ts', '--model', 'lenet5Mnist', '--lr', '-1e-3'], { cwd: folder }), {
      status: 2,
      stdout: '',
      stderr: `convlens: --lr must be a positive number, got '-1e-3'. ${TRAIN_USAGE}\n`,
    });
  });

  it('train runs a file static evaluation cannot know, and says so on stderr', async () => {
    const result = await runConvlens(['train', 'test/fixtures/cli/random.ts', '--model', 'fixed', '--dry-run', '--json', '--backend', 'cpu'], { cwd: repoRoot });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(
      result.stderr.split('\n')[0],
      'convlens: running test/fixtures/cli/random.ts to build its models: could not evaluate export picked statically: Math.random() has no value until the code runs (line 11)',
    );
  });

  it('a damaged PNG in a dataset folder is named', async () => {
    const dataset = path.join(folder, 'shapes');
    const pixels = { width: 28, height: 28, channels: 1 as const, data: new Uint8Array(28 * 28) };
    for (const name of ['a', 'b']) {
      mkdirSync(path.join(dataset, name), { recursive: true });
      writeFileSync(path.join(dataset, name, 'good.png'), encodePng(pixels));
    }
    // A PNG signature and then garbage.
    writeFileSync(path.join(dataset, 'b', 'torn.png'), Buffer.concat([encodePng(pixels).subarray(0, 40), Buffer.from('not the rest of a png')]));
    const result = await runConvlens(['train', 'lenet5.ts', '--model', 'lenet5Mnist', '--dataset', 'shapes', '--backend', 'cpu', '--out', 'shapes-run'], { cwd: folder });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /^convlens: shapes[\\/]b[\\/]torn\.png is a damaged PNG image \([^\n]+\): replace or remove it\n$/);
    assert.equal(existsSync(path.join(folder, 'shapes-run', 'checkpoint')), false);
  });
});
