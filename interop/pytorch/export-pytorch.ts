/**
 * The PyTorch export of one ConvLens model or GAN: model.py, train.py,
 * convlens_checkpoint.py and a README, as file contents. Pure: nothing is written here
 * (write-export-files.ts does that).
 */
import type { RootNode } from '../../language/ir/index';
import { analyze, shortenText, type Finding, type ModelAnalysis } from '../../language/engine/index';
import { ExportError } from './export-error';
import { planNetwork, type NetworkPlan } from './plan-network';
import { toClassName } from './python-syntax';
import { networkKeys, renderCheckpointPy } from './render-checkpoint-py';
import { renderModelPy, type ExportedNetworks, type ExportOrigin } from './render-model-py';
import { TRAIN_PY } from './train-py';

export interface ExportFile {
  /** Relative to the export folder. */
  readonly path: string;
  readonly content: string;
}

export interface PyTorchExport {
  readonly files: readonly ExportFile[];
  /** The networks as planned: `model`, or `generator` and `discriminator`. */
  readonly networks: ReadonlyMap<string, NetworkPlan>;
}

/**
 * Exports a model or GAN to PyTorch. Throws ExportError (one line, naming the layer) when
 * the model has error findings or values that static evaluation could not know.
 */
export function exportToPyTorch(root: RootNode, origin: ExportOrigin): PyTorchExport {
  const subject = `'${origin.exportName}'`;
  const analysis = analyze(root);
  let exported: ExportedNetworks;
  if (analysis.kind === 'model') {
    refuseErrors(subject, analysis.findings, [analysis]);
    exported = { kind: 'model', name: root.name, network: planNetwork(analysis, toClassName(root.name), root.name, subject) };
  } else {
    refuseErrors(subject, analysis.findings, [analysis.generator, analysis.discriminator]);
    if (root.kind !== 'gan') throw new Error('[convlens] a GAN analysis of a model');
    const latent = root.latent;
    const [channels, height, width] = root.image;
    if (typeof latent !== 'number' || typeof channels !== 'number' || typeof height !== 'number' || typeof width !== 'number') {
      throw new ExportError(`cannot export ${subject}: its latent size or image shape is unknown; give them values, or export with --execute`, 'unknownValue');
    }
    const className = toClassName(root.name);
    exported = {
      kind: 'gan',
      name: root.name,
      latent,
      image: [channels, height, width],
      generator: planNetwork(analysis.generator, `${className}Generator`, `${root.name} generator`, `${subject} (generator)`),
      discriminator: planNetwork(analysis.discriminator, `${className}Discriminator`, `${root.name} discriminator`, `${subject} (discriminator)`),
    };
  }
  const plans = exported.kind === 'model' ? [exported.network] : [exported.generator, exported.discriminator];
  const keys = networkKeys(exported);
  return {
    files: [
      { path: 'model.py', content: renderModelPy(exported, origin) },
      { path: 'train.py', content: TRAIN_PY },
      { path: 'convlens_checkpoint.py', content: renderCheckpointPy(exported) },
      { path: 'README.md', content: renderReadme(exported, origin) },
    ],
    networks: new Map(plans.map((plan, index) => [keys[index] as string, plan])),
  };
}

/** The first error finding, as one line that names the layer; the count of the others. */
function refuseErrors(subject: string, findings: readonly Finding[], networks: readonly ModelAnalysis[]): void {
  const errors = findings.filter((finding) => finding.severity === 'error');
  const [first] = errors;
  if (first === undefined) return;
  const report = networks.flatMap((network) => network.layers).find((layer) => layer.node === first.node);
  // A path is one segment per level: past a few dozen levels (CL1018's models) it says nothing a person can read.
  const path = (value: string): string => (value.length <= 80 ? value : `${value.slice(0, 40)}… (${value.split('.').length} levels deep)`);
  const where = report === undefined ? (first.path === 'input' ? 'its input' : path(first.path)) : `layer ${shortenText(report.name)} (path ${path(report.path)})`;
  const others = errors.length > 1 ? ` (and ${errors.length - 1} more; see convlens summary)` : '';
  throw new ExportError(`cannot export ${subject}: ${where} has error ${first.code}: ${first.message}${others}`, 'errorFindings');
}

function renderReadme(exported: ExportedNetworks, origin: ExportOrigin): string {
  const isGan = exported.kind === 'gan';
  const convert = isGan
    ? `python convlens_checkpoint.py to-torch RUN/checkpoint generator.pt --network generator   # ConvLens → PyTorch
python convlens_checkpoint.py to-convlens checkpoints/checkpoint.pt BACK --like RUN/checkpoint  # and back`
    : `python convlens_checkpoint.py to-torch RUN/checkpoint model.pt                               # ConvLens → PyTorch
python convlens_checkpoint.py to-convlens checkpoints/checkpoint.pt BACK --like RUN/checkpoint  # and back`;
  return `# ${exported.name} for PyTorch

Exported by ConvLens from \`${origin.sourceFile}\` (export \`${origin.exportName}\`).

- \`model.py\` — the ${isGan ? 'generator and discriminator' : 'model'} as \`nn.Module\`s: ${
    isGan ? '`build_generator()`, `build_discriminator()`' : '`build_model()`'
  }. A state_dict key is the layer's path in \`convlens summary\` plus the parameter name.
- \`train.py\` — training with DistributedDataParallel (\`python train.py --help\`).
- \`convlens_checkpoint.py\` — ConvLens (TensorFlow.js) checkpoints ⇄ PyTorch state_dicts.

\`\`\`sh
python train.py --data synthetic --epochs 1                      # a smoke test, no downloads
torchrun --standalone --nproc_per_node 2 train.py --data ${isGan ? 'cifar10' : 'mnist'} --download   # one machine, 2 processes
torchrun --nnodes 2 --node_rank 0 --nproc_per_node 8 --rdzv_backend c10d \\
    --rdzv_endpoint HOST:29500 --rdzv_id run1 train.py --data folder --data-dir /data/images  # each machine, its own --node_rank
${convert}
\`\`\`

\`RUN/checkpoint\` is the folder \`convlens train --out RUN\` writes. \`train.py --init-from
RUN/checkpoint\` starts from it (with its input normalisation) and \`--save-convlens BACK\`
writes the trained weights back as a ConvLens checkpoint that \`convlens run\` reads.
`;
}
