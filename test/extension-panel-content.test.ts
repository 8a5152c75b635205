/**
 * What the panel reads from a model's summary: the layer whose output the predictions are,
 * and whether those are already probabilities (after a softmax, also behind identity()); the
 * layers the Feature maps tab offers, with their receptive fields as numbers.
 */
import assert from 'node:assert/strict';
import ts from 'typescript';
import { DEFAULT_SETTINGS, summarizeExportedModels } from 'convlens/service';
import { outputLayerOf, toInspectableLayers, toSummarySnapshot } from '../extension/panels/panel-content';
import { MemoryProject } from './memory-project';

function summaryOf(source: string) {
  const project = new MemoryProject({ 'model.ts': source }, '.virtual-panel-content-test');
  const { program, sourceFile } = project.target('model.ts');
  const [summary] = summarizeExportedModels(ts, program, sourceFile, DEFAULT_SETTINGS);
  assert.ok(summary !== undefined, 'the model is summarised');
  return summary;
}

describe('extension: the output layer of a summary', () => {
  it('is the last layer, and means what it computes', () => {
    const summary = summaryOf("import { dense, input, model, softmax } from 'convlens';\nexport const net = model('net', input(4), dense(3), softmax());\n");
    assert.deepEqual(outputLayerOf(summary), { name: 'softmax_1', kind: 'softmax' });
  });

  it('behind identity(): still the last layer, but its meaning comes from the softmax before it', () => {
    const summary = summaryOf("import { dense, identity, input, model, softmax } from 'convlens';\nexport const net = model('net', input(4), dense(3), softmax(), identity(), identity());\n");
    assert.deepEqual(outputLayerOf(summary), { name: 'identity_2', kind: 'softmax' });
  });

  it('logits stay logits', () => {
    const summary = summaryOf("import { dense, identity, input, model } from 'convlens';\nexport const net = model('net', input(4), dense(3), identity());\n");
    assert.deepEqual(outputLayerOf(summary), { name: 'identity_1', kind: 'dense' });
  });
});

describe('extension: the layers the Feature maps tab offers', () => {
  const lenet = `import { conv2d, dense, flatten, input, maxPool2d, model, relu } from 'convlens';
export const lenet5Mnist = model('lenet5Mnist', input(1, 28, 28),
  conv2d(6, 5, { padding: 2 }), relu(), maxPool2d(2), conv2d(16, 5), relu(), maxPool2d(2), flatten(), dense(10));
`;

  it('carry the receptive field of every spatial layer as numbers: size, jump and the centre of unit 0 (LeNet-5 by hand)', () => {
    const layers = toInspectableLayers(summaryOf(lenet));
    const field = (name: string) => layers.find((layer) => layer.name === name)?.receptiveField;
    // conv 5, padding 2: 5 pixels, centred on pixel 0 (2 − 2).
    assert.deepEqual(field('conv2d_1'), { size: [5, 5], jump: [1, 1], start: [0, 0] });
    // 2×2 pool: 5 + 1 = 6, jump 2, first centre between pixels 0 and 1.
    assert.deepEqual(field('maxPool2d_1'), { size: [6, 6], jump: [2, 2], start: [0.5, 0.5] });
    // conv 5 on jump 2: 6 + 4·2 = 14, centre 0.5 + 2·2 = 4.5.
    assert.deepEqual(field('conv2d_2'), { size: [14, 14], jump: [2, 2], start: [4.5, 4.5] });
    assert.deepEqual(field('maxPool2d_2'), { size: [16, 16], jump: [4, 4], start: [5.5, 5.5] });
    // Vectors have none; the layer is still offered.
    assert.deepEqual(layers.find((layer) => layer.name === 'dense_1'), { name: 'dense_1', kind: 'dense', output: '10' });
  });

  it('the Summary tab keeps its rows as they were', () => {
    const snapshot = toSummarySnapshot(summaryOf(lenet));
    assert.ok(snapshot.rows.every((row) => !('receptiveFieldGeometry' in row)));
    assert.equal(snapshot.rows.find((row) => row.name === 'conv2d_2')?.receptiveField, '14×14 / 2');
  });
});
