/**
 * New Model File's texts: the model file, a tsconfig.json, and the `convlens` dependency
 * added to a package.json without disturbing what the user wrote. (That the model file is
 * a sound model is checked in extension-requests.test.ts, through tsserver.)
 */
import * as assert from 'node:assert/strict';
import { addConvLensDependency, modelFileText, packageJsonText, toExportName, tsconfigText } from '../extension/scaffold/model-scaffold';

describe('extension: New Model File', () => {
  const names: readonly [string, string][] = [
    ['model.ts', 'model'],
    ['my-net.ts', 'myNet'],
    ['LeNet_5.ts', 'leNet5'],
    ['2layers.ts', 'net2layers'],
    ['---.ts', 'net'],
    ['digits.mts', 'digits'],
  ];
  for (const [file, exportName] of names) {
    it(`${file} exports ${exportName}`, () => assert.equal(toExportName(file), exportName));
  }

  it('the model file exports the model under its name', () => {
    const text = modelFileText('myNet');
    assert.match(text, /^import \{ conv2d, dense, flatten, input, maxPool2d, model, relu \} from 'convlens';$/m);
    assert.match(text, /^export const myNet = model\(\n {2}'myNet',\n {2}input\(1, 28, 28\),$/m);
  });

  it('tsconfig.json: strict, node16 resolution (reads convlens\'s exports), nothing emitted', () => {
    assert.deepEqual(JSON.parse(tsconfigText()), {
      compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, skipLibCheck: true, noEmit: true },
    });
  });

  it('a new package.json depends on convlens', () => {
    assert.deepEqual(JSON.parse(packageJsonText('My Models', '0.1.0')), { name: 'my-models', private: true, version: '0.0.0', dependencies: { convlens: '^0.1.0' } });
    assert.equal(JSON.parse(packageJsonText('.hidden', '0.1.0')).name, 'hidden');
  });

  it('adds convlens to the dependencies, sorted, in the file\'s own indentation', () => {
    const text = '{\n    "name": "app",\n    "dependencies": {\n        "zod": "^3.0.0",\n        "axios": "^1.0.0"\n    }\n}\n';
    assert.equal(
      addConvLensDependency(text, '0.1.0'),
      '{\n    "name": "app",\n    "dependencies": {\n        "axios": "^1.0.0",\n        "convlens": "^0.1.0",\n        "zod": "^3.0.0"\n    }\n}\n',
    );
  });

  it('makes a dependencies list when there is none, and keeps CRLF line ends', () => {
    assert.equal(addConvLensDependency('{\r\n  "name": "app"\r\n}\r\n', '0.2.0'), '{\r\n  "name": "app",\r\n  "dependencies": {\r\n    "convlens": "^0.2.0"\r\n  }\r\n}\r\n');
  });

  it('leaves a package.json alone that has convlens already, is convlens, or is not JSON', () => {
    assert.equal(addConvLensDependency('{ "dependencies": { "convlens": "file:../convlens" } }', '0.1.0'), undefined);
    assert.equal(addConvLensDependency('{ "devDependencies": { "convlens": "^0.1.0" } }', '0.1.0'), undefined);
    assert.equal(addConvLensDependency('{ "name": "convlens" }', '0.1.0'), undefined);
    assert.equal(addConvLensDependency('{ "name": "app", }', '0.1.0'), undefined);
    assert.equal(addConvLensDependency('[]', '0.1.0'), undefined);
  });
});
