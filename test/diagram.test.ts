/**
 * The architecture diagram's graph (language/diagram) for zoo models, and the CLI's
 * `summary --diagram` file. Expectations are the architectures as their papers and
 * torchvision define them, counted by hand in the comments: LeNet-5's layer chain, GoogLeNet's
 * nine inception modules of four branches and two aux heads, ResNet-50's 16 bottlenecks of
 * which 4 have a projection shortcut.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { GanNode, ModelNode } from 'convlens/ir';
import { analyze } from 'convlens/engine';
import { summarizeAnalysis } from 'convlens/service';
import { buildDiagram, diagramSvg, layoutDiagram, renderDiagramSvg, type DiagramGraph, type DiagramOptions, type DiagramSource } from 'convlens/diagram';
import { dcgan } from '../examples/dcgan';
import { googlenet } from '../examples/googlenet';
import { lenet5 } from '../examples/lenet5';
import { resnet152, resnet50 } from '../examples/resnet';
import { repoRoot, runConvlens } from './cli-harness';

function sourceOf(exportName: string, root: ModelNode | GanNode): DiagramSource {
  return { ...summarizeAnalysis(exportName, analyze(root), 'C@HxW', () => null), title: exportName };
}

function diagramOf(exportName: string, root: ModelNode | GanNode, options?: DiagramOptions): DiagramGraph {
  return buildDiagram(sourceOf(exportName, root), options);
}

/** The edges into a node, by label. */
function labelsInto(graph: DiagramGraph, id: string): string[] {
  return graph.edges.filter((edge) => edge.to === id).map((edge) => edge.label);
}

/** The chain from the input, following the single edge out of each node. */
function chain(graph: DiagramGraph): { labels: string[]; nodes: string[] } {
  const labels: string[] = [];
  const nodes: string[] = [];
  let at = 'input';
  for (;;) {
    const out = graph.edges.filter((edge) => edge.from === at);
    if (out.length !== 1) break;
    labels.push(out[0]!.label);
    at = out[0]!.to;
    nodes.push(graph.nodes.find((node) => node.id === at)!.label);
  }
  return { labels, nodes };
}

describe('architecture diagram', function () {
  describe('graph', function () {
    it('LeNet-5: one node per layer, edges labelled with the shape that flows along them', function () {
      const graph = diagramOf('lenet5', lenet5);
      assert.equal(graph.groups.length, 0);
      // 12 layers, the input and the output.
      assert.equal(graph.nodes.length, 14);
      const { labels, nodes } = chain(graph);
      assert.deepEqual(nodes, ['C1', 'tanh_1', 'S2', 'C3', 'tanh_2', 'S4', 'C5', 'tanh_3', 'flatten_1', 'F6', 'tanh_4', 'output', 'output']);
      // LeCun et al. 1998: 32×32 → C1 6@28×28 → S2 6@14×14 → C3 16@10×10 → S4 16@5×5 → C5 120 → F6 84 → 10.
      assert.deepEqual(labels, ['1@32×32', '6@28×28', '6@28×28', '6@14×14', '16@10×10', '16@10×10', '16@5×5', '120@1×1', '120@1×1', '120', '84', '84', '10']);
    });

    it('follows the shape format', function () {
      const source = { ...summarizeAnalysis('lenet5', analyze(lenet5), 'HWC', () => null), title: 'lenet5' };
      assert.deepEqual(chain(buildDiagram(source)).labels.slice(0, 2), ['[32,32,1]', '[28,28,6]']);
    });

    it('GoogLeNet: inception modules and aux heads start collapsed; the aux heads are side branches marked training-only', function () {
      const graph = diagramOf('googlenet', googlenet);
      const collapsed = graph.nodes.filter((node) => node.kind === 'collapsed');
      // 9 inception modules (3a, 3b, 4a–4e, 5a, 5b) of 19 leaves each (3 + 6 + 6 + 4), 2 aux heads of 9.
      assert.deepEqual(collapsed.filter((node) => node.layerKind === 'concat').map((node) => node.detail), Array(9).fill('concat · 19 layers'));
      const heads = collapsed.filter((node) => node.layerKind === 'aux');
      assert.deepEqual(heads.map((node) => [node.label, node.detail, node.aux]), [['aux1', 'aux · 9 layers', true], ['aux2', 'aux · 9 layers', true]]);
      for (const head of heads) {
        // x passes on: the head has an edge in (4a's / 4d's 512@14×14 and 528@14×14) and none out.
        assert.equal(graph.edges.filter((edge) => edge.from === head.id).length, 0);
        assert.ok(graph.edges.filter((edge) => edge.to === head.id).every((edge) => edge.aux));
      }
      assert.deepEqual(heads.map((head) => labelsInto(graph, head.id)), [['512@14×14'], ['528@14×14']]);
    });

    it('GoogLeNet: an expanded inception module joins its four branches in a concat', function () {
      const first = diagramOf('googlenet', googlenet).nodes.find((node) => node.layerKind === 'concat')!;
      const graph = diagramOf('googlenet', googlenet, { expanded: new Map([[first.id, true]]) });
      const join = graph.nodes.find((node) => node.id === `${first.id}/join`)!;
      assert.equal(join.detail, 'concat');
      // Inception 3a (Szegedy et al. 2015, table 1): #1×1 64, #3×3 128, #5×5 32, pool proj 32 → 256@28×28.
      assert.deepEqual(labelsInto(graph, join.id), ['64@28×28', '128@28×28', '32@28×28', '32@28×28']);
      assert.deepEqual(graph.edges.filter((edge) => edge.from === join.id).map((edge) => edge.label), ['256@28×28']);
      // The four branches start from the same input: the max pool's 192@28×28.
      const group = graph.groups.find((candidate) => candidate.id === first.id)!;
      assert.equal(group.layerKind, 'concat');
      const pool = graph.nodes.find((node) => node.label === 'maxPool2d_2')!;
      const entries = graph.edges.filter((edge) => edge.from === pool.id);
      assert.equal(entries.length, 4);
      for (const edge of entries) {
        assert.equal(edge.label, '192@28×28');
        // Each enters a branch: a node inside the module's group (or a group within it).
        assert.ok(graph.nodes.find((node) => node.id === edge.to)!.id.startsWith(`${first.id}.`));
      }
    });

    it('GoogLeNet expanded: nine joins of four branches; every layer of the aux heads is training-only', function () {
      const graph = diagramOf('googlenet', googlenet, { expandAll: true });
      const joins = graph.nodes.filter((node) => node.kind === 'join');
      assert.equal(joins.length, 9);
      for (const join of joins) assert.equal(labelsInto(graph, join.id).length, 4);
      const auxGroups = graph.groups.filter((group) => group.layerKind === 'aux');
      assert.deepEqual(auxGroups.map((group) => [group.label, group.aux]), [['aux1', true], ['aux2', true]]);
      // Each head: adaptive pool, conv, batch norm, relu, flatten, dense, relu, dropout, dense.
      const auxLayers = graph.nodes.filter((node) => node.aux && node.kind === 'layer');
      assert.equal(auxLayers.length, 18);
      assert.ok(auxLayers.every((node) => node.group !== null));
    });

    it('ResNet-50 expanded: 16 residual additions, 4 through a projection and 12 through identity edges', function () {
      const graph = diagramOf('resnet50', resnet50, { expandAll: true });
      const adds = graph.nodes.filter((node) => node.kind === 'join' && node.detail === 'add');
      assert.equal(adds.length, 16);
      const identity = graph.edges.filter((edge) => edge.identity);
      assert.equal(identity.length, 12);
      assert.ok(identity.every((edge) => adds.some((add) => add.id === edge.to)));
      // layer1's first block: main path and projection both give 256@56×56.
      assert.deepEqual(labelsInto(graph, adds[0]!.id), ['256@56×56', '256@56×56']);
    });

    it('ResNet-152 starts with its four stages collapsed', function () {
      const graph = diagramOf('resnet152', resnet152);
      // input, conv, bn, relu, max pool, 4 stages, pool, dense, output.
      assert.equal(graph.nodes.length, 12);
      // Bottlenecks of 8 layers plus the ReLU after the addition; each stage's first has a 2-layer projection: 3·9+2, 8·9+2, 36·9+2, 3·9+2.
      assert.deepEqual(graph.nodes.filter((node) => node.kind === 'collapsed').map((node) => node.detail), ['sequential · 29 layers', 'sequential · 74 layers', 'sequential · 326 layers', 'sequential · 29 layers']);
      assert.deepEqual(chain(graph).labels.slice(4, 9), ['64@56×56', '256@56×56', '512@28×28', '1024@14×14', '2048@7×7']);
    });

    it('a GAN is generator → image → discriminator', function () {
      const graph = diagramOf('dcgan', dcgan);
      const { labels, nodes } = chain(graph);
      assert.deepEqual(nodes, ['generator', 'image', 'discriminator', 'real or fake']);
      // DCGAN (Radford et al.; the PyTorch tutorial): z of 100 → 3@64×64 → [1].
      assert.deepEqual(labels, ['100', '3@64×64', '3@64×64', '1']);
      assert.equal(graph.nodes.find((node) => node.id === 'input')!.label, 'latent z');
    });
  });

  describe('SVG', function () {
    it('has a node, an edge label and a data-line per layer; collapsed containers get an expand toggle', function () {
      const source = { ...summarizeAnalysis('lenet5', analyze(lenet5), 'C@HxW', (node) => (node === lenet5.layers[0] ? 21 : null)), title: 'lenet5' };
      const svg = renderDiagramSvg(layoutDiagram(buildDiagram(source)));
      assert.equal((svg.match(/<g class="cl-node /g) ?? []).length, 14);
      assert.equal((svg.match(/class="cl-edge-label"/g) ?? []).length, 13);
      assert.match(svg, /data-node="0"[^>]*data-line="21"/);
      assert.doesNotMatch(svg, /<style|style=|<script/i);
      const googlenetSvg = diagramSvg(sourceOf('googlenet', googlenet));
      assert.equal((googlenetSvg.match(/data-toggle="/g) ?? []).length, 11 + 3);
    });

    it('emphasis: the largest layer gets the full bar, by parameters or by MACs', function () {
      const source = sourceOf('lenet5', lenet5);
      const weightOf = (svg: string, id: string): number => Number(new RegExp(`data-node="${id}"[^>]*data-weight="([\\d.]+)"`).exec(svg)?.[1]);
      const byParams = diagramSvg(source, { emphasis: 'params' });
      const byMacs = diagramSvg(source, { emphasis: 'macs' });
      // Parameters: C1 (5·5·1 + 1)·6 = 156, C3 (5·5·6 + 1)·16 = 2,416, C5 (5·5·16 + 1)·120 = 48,120, F6 (120 + 1)·84 = 10,164.
      // MACs: C1 25·6·28·28 = 117,600, C3 150·16·10·10 = 240,000, C5 400·120 = 48,000, F6 10,080.
      assert.equal(weightOf(byParams, '6'), 1);
      assert.equal(weightOf(byMacs, '3'), 1);
      // C1: 156 parameters of 48,120 → √(156/48,120) = 0.057.
      assert.equal(weightOf(byParams, '0'), 0.057);
    });
  });

  describe('convlens summary --diagram', function () {
    let scratch: string;
    before(() => (scratch = mkdtempSync(path.join(tmpdir(), 'convlens-diagram-'))));
    after(() => rmSync(scratch, { recursive: true, force: true }));

    it('writes a standalone SVG of the model, with each layer on its line and the table on stdout as before', async function () {
      const out = path.join(scratch, 'lenet5.svg');
      const result = await runConvlens(['summary', 'examples/lenet5.ts', '--model', 'lenet5', '--diagram', out], { cwd: repoRoot });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /Model "lenet5"/);
      assert.match(result.stderr, /wrote the diagram of lenet5 to /);
      const svg = readFileSync(out, 'utf8');
      assert.match(svg, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.match(svg, /<style>[^<]*\.cl-diagram/);
      assert.equal((svg.match(/<g class="cl-node /g) ?? []).length, 14);
      // C1 is made on line 21 of examples/lenet5.ts, dense(10) "output" on line 34.
      assert.match(svg, /data-node="0" data-kind="conv2d" data-line="21"/);
      assert.match(svg, /data-node="11" data-kind="dense" data-line="34"/);
      const labels = [...svg.matchAll(/class="cl-edge-label"[^>]*>([^<]*)</g)].map((match) => match[1]);
      assert.deepEqual(labels.slice(0, 4), ['1@32×32', '6@28×28', '6@28×28', '6@14×14']);
    });

    it('--expand opens every container: ResNet-50 has its 16 additions', async function () {
      const out = path.join(scratch, 'resnet50.svg');
      const result = await runConvlens(['summary', 'examples/resnet.ts', '--model', 'resnet50', '--diagram', out, '--expand', '--json'], { cwd: repoRoot });
      assert.equal(result.status, 0, result.stderr);
      JSON.parse(result.stdout);
      const svg = readFileSync(out, 'utf8');
      assert.equal((svg.match(/<g class="cl-node join/g) ?? []).length, 16);
      assert.equal((svg.match(/class="cl-edge identity"/g) ?? []).length, 12);
      assert.equal((svg.match(/data-kind="residual"/g) ?? []).length, 16);
    });

    it('bad input: one line, exit 2', async function () {
      const cases: [string[], RegExp][] = [
        [['summary', 'examples/lenet5.ts', '--diagram', path.join(scratch, 'x.svg')], /^convlens: --diagram draws one model and examples\/lenet5.ts exports 3 \(lenet5, lenet5Modern, lenet5Mnist\): pick one with --model\n$/],
        [['summary', 'examples/lenet5.ts', '--model', 'lenet5', '--diagram', 'out.png'], /^convlens: --diagram writes SVG: give a file name ending in \.svg, not 'out.png'\. Usage: /],
        [['summary', 'examples/lenet5.ts', '--model', 'lenet5', '--diagram', path.join(scratch, 'missing', 'x.svg')], /^convlens: cannot write --diagram .*missing\/x\.svg: ENOENT/],
        [['summary', 'examples/lenet5.ts', '--model', 'lenet5', '--diagram', path.join(scratch, 'y.svg'), '--emphasis', 'flops'], /^convlens: --emphasis takes params or macs, not 'flops'\. Usage: /],
      ];
      for (const [args, message] of cases) {
        const result = await runConvlens(args, { cwd: repoRoot });
        assert.equal(result.status, 2, args.join(' '));
        assert.match(result.stderr, message);
        assert.equal(result.stderr.trimEnd().split('\n').length, 1);
      }
    });
  });
});
