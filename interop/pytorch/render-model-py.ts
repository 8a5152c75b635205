/**
 * Network plans → model.py: one nn.Module class per network, built by build_model() (a
 * GAN: build_generator() and build_discriminator()), the helper modules they use, and the
 * constants train.py reads.
 */
import { formatShape } from '../../language/engine/index';
import { helperSource, helpersNeedFunctional, helpersNeedMath, toHelperClosure, type HelperName } from './python-helpers';
import { describeCounts, type ModulePlan, type NetworkPlan, type OutputActivation } from './plan-network';
import { toPythonNumber, toPythonString, toPythonTuple } from './python-syntax';

/** Where the export came from, for the file's docstring. */
export interface ExportOrigin {
  /** The model file as the user named it (`examples/lenet5.ts`). */
  readonly sourceFile: string;
  readonly exportName: string;
  /** The IR came from running the file (`convlens export --execute`). */
  readonly executed?: boolean;
}

export type ExportedNetworks =
  | { readonly kind: 'model'; readonly name: string; readonly network: NetworkPlan }
  | {
      readonly kind: 'gan';
      readonly name: string;
      readonly latent: number;
      readonly image: readonly [number, number, number];
      readonly generator: NetworkPlan;
      readonly discriminator: NetworkPlan;
    };

const INDENT = '    ';

export function networksOf(exported: ExportedNetworks): readonly NetworkPlan[] {
  return exported.kind === 'model' ? [exported.network] : [exported.generator, exported.discriminator];
}

export function renderModelPy(exported: ExportedNetworks, origin: ExportOrigin): string {
  const networks = networksOf(exported);
  const used = new Set<HelperName>();
  for (const network of networks) network.helpers.forEach((helper) => used.add(helper));
  const helpers = toHelperClosure(used);
  const imports = [
    ...(helpersNeedMath(helpers) ? ['import math', ''] : []),
    'import torch',
    'from torch import nn',
    ...(helpersNeedFunctional(helpers) ? ['import torch.nn.functional as F'] : []),
  ];
  const what = exported.kind === 'model' ? `the model ${exported.name}` : `the GAN ${exported.name} (a generator and a discriminator)`;
  const sections = [
    `"""${what.charAt(0).toUpperCase()}${what.slice(1)}, exported from ConvLens.

Source: ${origin.sourceFile}, export \`${origin.exportName}\`. Regenerate with
    convlens export ${origin.sourceFile} --model ${origin.exportName} --to pytorch --force${origin.executed === true ? ' --execute' : ''}

Tensors are batch first and channels first, as in ConvLens: an image batch is [N, C, H, W].
Every submodule sits where the layer sits in the ConvLens model: the index in a layer list,
\`main\` and \`shortcut\` in a residual block, the branch index in a concat, \`head\` in an
auxiliary classifier. So a state_dict key is the layer's path in \`convlens summary\` plus
the parameter's name (\`5.main.0.weight\`). The comment after each layer gives its path,
its ConvLens name and its output shape per sample (C@H×W).
"""
${imports.join('\n')}`,
    ...helpers.map(helperSource),
    ...networks.map(renderNetworkClass),
    exported.kind === 'model' ? renderModelConstants(exported.network) : renderGanConstants(exported),
  ];
  return `${sections.join('\n\n\n')}\n`;
}

function renderNetworkClass(network: NetworkPlan): string {
  const lines = [
    `class ${network.className}(nn.Sequential):`,
    `${INDENT}"""${network.title}: ${formatShape(network.input)} → ${formatShape(network.output)}.`,
    '',
    `${INDENT}${describeCounts(network)}, as ConvLens counts them.`,
    ...(network.auxHeads.length === 0
      ? []
      : [`${INDENT}In training mode forward also returns the outputs of the auxiliary heads ${network.auxHeads.map((head) => head.name).join(', ')}.`]),
    `${INDENT}"""`,
    '',
    `${INDENT}input_shape = ${toPythonTuple(network.input)}`,
    `${INDENT}output_shape = ${toPythonTuple(network.output)}`,
    '',
    `${INDENT}def __init__(self):`,
    `${INDENT}${INDENT}super().__init__(`,
    ...network.layers.flatMap((layer) => renderModule(layer, INDENT.repeat(3), '')),
    `${INDENT}${INDENT})`,
  ];
  if (network.auxHeads.length > 0) {
    const outputs = network.auxHeads.map((head) => `${head.accessor}.pop_output()`);
    lines.push(
      '',
      `${INDENT}def forward(self, x):`,
      `${INDENT}${INDENT}"""Eval mode: the main output. Training mode: (main, ${network.auxHeads.map((head) => head.name).join(', ')}),`,
      `${INDENT}${INDENT}the auxiliary heads' outputs after the main one, for the weighted loss (AUX_HEADS)."""`,
      `${INDENT}${INDENT}x = super().forward(x)`,
      `${INDENT}${INDENT}if not self.training:`,
      `${INDENT}${INDENT}${INDENT}return x`,
      `${INDENT}${INDENT}return x, ${outputs.join(', ')}`,
    );
  }
  return lines.join('\n');
}

function comment(plan: ModulePlan, extra: string | null): string {
  return `  # ${plan.path} ${plan.name} → ${formatShape(plan.output)}${extra === null ? '' : `, ${extra}`}`;
}

/** The lines that construct one module, as an argument (each ends with a comma). */
function renderModule(plan: ModulePlan, indent: string, prefix: string): string[] {
  const inner = indent + INDENT;
  switch (plan.kind) {
    case 'leaf':
      return [`${indent}${prefix}${plan.construct},${comment(plan, plan.note)}`];
    case 'sequential':
      if (plan.children.length === 0) return [`${indent}${prefix}nn.Sequential(),${comment(plan, null)}`];
      return [
        `${indent}${prefix}nn.Sequential(${comment(plan, null)}`,
        ...plan.children.flatMap((child) => renderModule(child, inner, '')),
        `${indent}),`,
      ];
    case 'residual':
      return [
        `${indent}${prefix}Residual(${comment(plan, plan.shortcut === null ? 'identity shortcut' : null)}`,
        ...renderModule(plan.main, inner, 'main='),
        ...(plan.shortcut === null ? [] : renderModule(plan.shortcut, inner, 'shortcut=')),
        `${indent}),`,
      ];
    case 'concat':
      return [`${indent}${prefix}Concat([${comment(plan, null)}`, ...plan.branches.flatMap((branch) => renderModule(branch, inner, '')), `${indent}]),`];
    case 'aux':
      return [
        `${indent}${prefix}Aux(  # ${plan.path} ${plan.auxName}: auxiliary head (training only) → ${formatShape(plan.head.output)}, loss weight ${toPythonNumber(plan.weight)}`,
        ...renderModule(plan.head, inner, ''),
        `${indent}),`,
      ];
    default: {
      const unreachable: never = plan;
      return unreachable;
    }
  }
}

function toPythonActivation(activation: OutputActivation): string {
  return activation === null ? 'None' : toPythonString(activation);
}

function renderModelConstants(network: NetworkPlan): string {
  const heads = network.auxHeads.map((head) => `(${toPythonString(head.name)}, ${toPythonNumber(head.weight)}, ${toPythonActivation(head.activation)})`);
  return `# What train.py and convlens_checkpoint.py need to know about the model.
KIND = 'model'
INPUT_SHAPE = ${toPythonTuple(network.input)}
OUTPUT_SHAPE = ${toPythonTuple(network.output)}
# What the output passes through last: None (logits), 'softmax', 'sigmoid' or 'tanh'.
OUTPUT_ACTIVATION = ${toPythonActivation(network.activation)}
# (name, loss weight, output activation) of each auxiliary head, in the order forward
# returns their outputs in training mode.
AUX_HEADS = ${heads.length === 0 ? '()' : `(${heads.join(', ')}${heads.length === 1 ? ',' : ''})`}


def build_model():
    """A fresh ${network.className}, initialised as PyTorch initialises its layers."""
    return ${network.className}()


if __name__ == '__main__':
    # python model.py: the model, and the shape it gives a random batch of two.
    net = build_model().eval()
    print(net)
    with torch.no_grad():
        print('output', tuple(net(torch.randn(2, *INPUT_SHAPE)).shape))`;
}

function renderGanConstants(exported: Extract<ExportedNetworks, { kind: 'gan' }>): string {
  const { generator, discriminator } = exported;
  return `# What train.py and convlens_checkpoint.py need to know about the GAN.
KIND = 'gan'
LATENT = ${exported.latent}
IMAGE_SHAPE = ${toPythonTuple(exported.image)}
# What each network's output passes through last: None, 'softmax', 'sigmoid' or 'tanh'.
GENERATOR_OUTPUT_ACTIVATION = ${toPythonActivation(generator.activation)}
DISCRIMINATOR_OUTPUT_ACTIVATION = ${toPythonActivation(discriminator.activation)}


def build_generator():
    """A fresh ${generator.className}: [N, ${exported.latent}] latent vectors → images."""
    return ${generator.className}()


def build_discriminator():
    """A fresh ${discriminator.className}: images → [N, 1] scores."""
    return ${discriminator.className}()


if __name__ == '__main__':
    # python model.py: both networks, and what they make of a random batch of two.
    generator, discriminator = build_generator().eval(), build_discriminator().eval()
    print(generator, discriminator, sep='\\n')
    with torch.no_grad():
        images = generator(torch.randn(2, LATENT))
        print('images', tuple(images.shape), 'scores', tuple(discriminator(images).shape))`;
}
