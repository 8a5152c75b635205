/**
 * How `convlens train` and `convlens run` find the runtime (cli/runtime-package.ts): in the
 * user's project first, and a runtime whose version does not match is refused with the
 * install line. (test/packages/ covers a project without the runtime, and with it.)
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runConvlens } from './cli-harness';

describe('convlens train/run: the runtime package', () => {
  let project: string;

  beforeEach(() => {
    project = mkdtempSync(path.join(tmpdir(), 'convlens-runtime-package-'));
    writeFileSync(path.join(project, 'model.ts'), "import { input, model, dense } from 'convlens';\nexport const net = model('net', input(4), dense(2));\n");
  });

  afterEach(() => rmSync(project, { recursive: true, force: true }));

  for (const command of ['train', 'run']) {
    it(`${command}: a runtime of another version in the project is refused, naming the install command`, async () => {
      const runtime = path.join(project, 'node_modules', 'convlens-runtime');
      mkdirSync(runtime, { recursive: true });
      writeFileSync(path.join(runtime, 'package.json'), JSON.stringify({ name: 'convlens-runtime', version: '0.2.0', main: 'index.js' }));
      writeFileSync(path.join(runtime, 'index.js'), "throw new Error('a mismatched runtime must not be loaded');\n");
      const result = await runConvlens([command, 'model.ts', '--model', 'net'], { cwd: project });
      assert.deepEqual(result, {
        status: 2,
        stdout: '',
        stderr: 'convlens: convlens-runtime 0.2.0 does not match convlens 0.1.0: run npm install --save-dev convlens-runtime@0.1.0\n',
      });
    });
  }

  it('--help needs no runtime', async () => {
    const runtime = path.join(project, 'node_modules', 'convlens-runtime');
    mkdirSync(runtime, { recursive: true });
    writeFileSync(path.join(runtime, 'package.json'), JSON.stringify({ name: 'convlens-runtime', version: '9.9.9' }));
    const result = await runConvlens(['train', '--help'], { cwd: project });
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^ {6}Needs the training runtime: npm install --save-dev convlens-runtime\.$/m);
  });
});
