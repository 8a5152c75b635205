/**
 * The extension's settings and manifest, without VS Code: settings.json values → the
 * plugin's configuration and the runtime's TrainingSettings; package.json's contributions
 * agree with the code (command ids, defaults, the plugin's name).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { COMMANDS } from '../extension/commands/command-ids';
import { DEFAULT_EXTENSION_SETTINGS, readExtensionSettings, toPluginConfiguration, toServiceSettings, toTrainingSettings, type ExtensionSettings } from '../extension/configuration';
import { EXTENSION_MAIN, toExtensionManifest } from '../extension/packaging/extension-manifest';
import { toSettings } from 'convlens/service';

const repoRoot = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  main: string;
  exports: unknown;
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: unknown } };
  contributes: {
    typescriptServerPlugins: { name: string }[];
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, { default: unknown; enum?: unknown[] }> };
  };
};

/** A getter over a flat settings object, as `workspace.getConfiguration('convlens').get` reads it. */
function getter(values: Record<string, unknown>): (key: string) => unknown {
  return (key) => values[key];
}

describe('extension: settings', () => {
  it('defaults when nothing is set', () => {
    assert.deepEqual(readExtensionSettings(getter({})), DEFAULT_EXTENSION_SETTINGS);
  });

  it("package.json's defaults are the code's", () => {
    const properties = manifest.contributes.configuration.properties;
    const defaults = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key.replace(/^convlens\./, ''), property.default]));
    assert.deepEqual(readExtensionSettings(getter(defaults)), DEFAULT_EXTENSION_SETTINGS);
    assert.deepEqual(Object.keys(properties).sort(), [
      'convlens.hints.enabled',
      'convlens.hints.shapeFormat',
      'convlens.hints.showParams',
      'convlens.training.backend',
      'convlens.training.batchSize',
      'convlens.training.dataset',
      'convlens.training.epochs',
      'convlens.training.learningRate',
      'convlens.training.optimizer',
    ]);
    assert.deepEqual(properties['convlens.hints.shapeFormat']?.enum, ['C@HxW', 'CHW', 'HWC']);
  });

  it('reads every setting', () => {
    const settings = readExtensionSettings(
      getter({
        'hints.enabled': false,
        'hints.shapeFormat': 'HWC',
        'hints.showParams': true,
        'training.dataset': ' fashion-mnist ',
        'training.epochs': 3,
        'training.batchSize': 128,
        'training.backend': 'cpu',
        'training.learningRate': 0.05,
        'training.optimizer': 'sgd',
      }),
    );
    assert.deepEqual(settings, {
      hints: { enabled: false, shapeFormat: 'HWC', showParams: true },
      training: { dataset: 'fashion-mnist', epochs: 3, batchSize: 128, backend: 'cpu', learningRate: 0.05, optimizer: 'sgd' },
    });
  });

  it('keeps the default for each malformed value of a hand-edited settings.json', () => {
    const settings = readExtensionSettings(
      getter({
        'hints.enabled': 'yes',
        'hints.shapeFormat': 'NCHW',
        'hints.showParams': 1,
        'training.dataset': '  ',
        'training.epochs': 1.5,
        'training.batchSize': -64,
        'training.backend': 'gpu',
        'training.learningRate': -1,
        'training.optimizer': 'adamw',
      }),
    );
    assert.deepEqual(settings, DEFAULT_EXTENSION_SETTINGS);
  });

  it("the plugin's configuration turns its own inlay hints off (the extension shows them)", () => {
    const settings: ExtensionSettings = { ...DEFAULT_EXTENSION_SETTINGS, hints: { enabled: true, shapeFormat: 'CHW', showParams: true } };
    const configuration = toPluginConfiguration(settings);
    assert.deepEqual(configuration, { hints: true, shapeFormat: 'CHW', showParamsInHints: true, languageServiceHints: false });
    // What the plugin makes of it (onConfigurationChanged → toSettings).
    assert.deepEqual(toSettings(configuration), toServiceSettings(settings));
  });

  it('training settings follow `convlens train`: Adam 0.001, SGD 0.01, GAN 0.0002 without validation', () => {
    const target = { kind: 'model' as const, cwd: '/work/space', outDirectory: '/work/space/.convlens/runs/lenet' };
    const adam = toTrainingSettings(DEFAULT_EXTENSION_SETTINGS, target);
    assert.deepEqual(adam, {
      dataset: 'mnist',
      epochs: 1,
      batchSize: 64,
      learningRate: 0.001,
      optimizer: 'adam',
      validationSplit: 0.1,
      augmentation: { cropPadding: 0, mirror: false },
      tta: false,
      seed: 1,
      backend: 'auto',
      outDirectory: '/work/space/.convlens/runs/lenet',
      resume: false,
      workers: 1,
      cwd: '/work/space',
    });
    const sgd = { ...DEFAULT_EXTENSION_SETTINGS, training: { ...DEFAULT_EXTENSION_SETTINGS.training, optimizer: 'sgd' as const } };
    assert.equal(toTrainingSettings(sgd, target).learningRate, 0.01);
    const gan = toTrainingSettings(DEFAULT_EXTENSION_SETTINGS, { ...target, kind: 'gan' });
    assert.equal(gan.learningRate, 0.0002);
    assert.equal(gan.validationSplit, 0);
    const explicit = { ...DEFAULT_EXTENSION_SETTINGS, training: { ...DEFAULT_EXTENSION_SETTINGS.training, learningRate: 0.003 } };
    assert.equal(toTrainingSettings(explicit, { ...target, kind: 'gan' }).learningRate, 0.003);
  });
});

describe('extension: manifest', () => {
  it('contributes every command under "ConvLens", and only those', () => {
    const contributed = manifest.contributes.commands;
    assert.deepEqual(contributed.map((entry) => entry.command).sort(), Object.values(COMMANDS).sort());
    assert.ok(contributed.every((entry) => entry.category === 'ConvLens'));
    const titles = Object.fromEntries(contributed.map((entry) => [entry.command, entry.title]));
    assert.deepEqual(titles, {
      'convlens.trainModel': 'Train Model',
      'convlens.stopTraining': 'Stop Training',
      'convlens.runModelOnImage': 'Run Model on Image',
      'convlens.showSummary': 'Show Summary',
      'convlens.showArchitecture': 'Show Architecture',
      'convlens.compareModels': 'Compare Models',
      'convlens.showFeatureMaps': 'Show Feature Maps',
      'convlens.trainGan': 'Train GAN',
      'convlens.showSamples': 'Show GAN Samples',
      'convlens.exportModel': 'Export Model',
      'convlens.newModelFile': 'New Model File',
      'convlens.showLog': 'Show Log',
    });
  });

  it('activates on TypeScript, supports untrusted workspaces in part, contributes the plugin', () => {
    assert.deepEqual(manifest.activationEvents, ['onLanguage:typescript', 'onLanguage:typescriptreact']);
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.deepEqual(manifest.contributes.typescriptServerPlugins.map((plugin) => plugin.name), ['convlens-tsserver-plugin']);
  });

  it("the .vsix's manifest: the editor's fields, the bundle as main, no npm entry points", () => {
    const staged = new Map([
      ['typescript', '6.0.3'],
      ['convlens-tsserver-plugin', '0.1.0'],
    ]);
    const vsix = toExtensionManifest(manifest as unknown as Record<string, unknown>, staged);
    assert.equal(vsix['main'], EXTENSION_MAIN);
    assert.deepEqual(vsix['dependencies'], { 'convlens-tsserver-plugin': '0.1.0', typescript: '6.0.3' });
    for (const field of ['private', 'workspaces', 'scripts', 'devDependencies', 'optionalDependencies']) assert.equal(field in vsix, false, field);
    assert.deepEqual(vsix['contributes'], manifest.contributes);
    assert.deepEqual(vsix['activationEvents'], manifest.activationEvents);
    // The repository's root is the extension under development (F5), built by tsc.
    assert.equal(manifest.main, './dist/extension/extension.js');
  });
});
