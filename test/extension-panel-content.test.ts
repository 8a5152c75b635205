/**
 * What the panel reads from a model's summary: the layer whose output the predictions are,
 * and whether those are already probabilities (after a softmax, also behind identity()).
 */
import assert from 'node:assert/strict';
import ts from 'typescript';
import { DEFAULT_SETTINGS, summarizeExportedModels } from 'convlens/service';
import { outputLayerOf } from '../extension/panels/panel-content';
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
