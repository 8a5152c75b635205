/**
 * The Markdown of hovers: a layer's shapes, parameters with the formula filled in, MACs,
 * receptive field and activation size; a model's summary table and totals. Pure text.
 */
import {
  formatBytes,
  formatCount,
  formatScaled,
  formatShape,
  isPositive,
  minus,
  product,
  shortenText,
  sum,
  type Analysis,
  type LayerReport,
  type ModelAnalysis,
  type ReceptiveField,
  type ShapeFormat,
} from '../engine/index';
import type { LayerNode, Num } from '../ir/index';

/** Table rows beyond this are left to the Summary panel and `convlens summary`. */
const MAX_TABLE_ROWS = 60;
/** Contexts beyond this (a helper's conv in every stage) are counted, not shown. */
const MAX_CONTEXTS = 4;

function formatField(field: ReceptiveField | null): string {
  if (field === null) return '–';
  const [height, width] = field.size;
  const [jumpHeight, jumpWidth] = field.jump;
  const [startHeight, startWidth] = field.start;
  const size = height === width ? `${height ?? '?'}×${height ?? '?'}` : `${height ?? '?'}×${width ?? '?'}`;
  const jump = jumpHeight === jumpWidth ? `${jumpHeight ?? '?'}` : `${jumpHeight ?? '?'}×${jumpWidth ?? '?'}`;
  return `${size}, jump ${jump}, first centre (${startHeight ?? '?'}, ${startWidth ?? '?'})`;
}

function totalParams(report: LayerReport): Num {
  return sum(report.params.trainable, report.params.nonTrainable);
}

function code(text: string): string {
  return `\`${text}\``;
}

/** One context of a layer (a call site may produce the layer in several models or stages). */
export function describeLayer(report: LayerReport, format: ShapeFormat, unknownReasons: readonly string[]): string {
  const node = report.node as LayerNode;
  const lines = [`**${shortenText(report.name)}** · ${node.kind}${report.aux ? ' · auxiliary head (training only)' : ''}`, ''];
  lines.push(`${code(formatShape(report.input, format))} → ${code(formatShape(report.output, format))}`, '');
  const params = report.params.formula ?? (totalParams(report) === 0 ? '0' : formatCount(totalParams(report)));
  lines.push(`- Parameters: ${params}${report.container ? ' (sum of its layers)' : ''}`);
  if (report.macs !== 0) {
    lines.push(`- MACs: ${formatCount(report.macs)} (FLOPs = 2×MACs = ${formatCount(product(report.macs, 2))})`);
  }
  lines.push(`- Receptive field: ${formatField(report.receptiveField)}`);
  const bytes = product(report.activations, 4);
  lines.push(`- Activations: ${formatCount(report.activations)} values, ${formatBytes(bytes)} per sample (float32)`);
  for (const reason of unknownReasons) lines.push(`- Unknown: ${reason}`);
  if (unknownReasons.length === 0 && (report.output === null || report.output.includes(null))) {
    lines.push('- Unknown: depends on a value ConvLens cannot know without running the code (see the layers above)');
  }
  return lines.join('\n');
}

export function describeLayerContexts(reports: readonly LayerReport[], format: ShapeFormat, unknownReasons: readonly string[]): string {
  // The same IR object analysed in several models gives identical reports: show each once.
  const distinct = new Map<string, LayerReport>();
  for (const report of reports) {
    const key = `${formatShape(report.input)}→${formatShape(report.output)}:${report.name}`;
    if (!distinct.has(key)) distinct.set(key, report);
  }
  const contexts = [...distinct.values()];
  const shown = contexts.slice(0, MAX_CONTEXTS).map((report) => describeLayer(report, format, unknownReasons));
  const more = contexts.length > MAX_CONTEXTS ? [`… and ${contexts.length - MAX_CONTEXTS} more contexts`] : [];
  const body = [...shown, ...more].join('\n\n---\n\n');
  return contexts.length > 1 ? `This call is evaluated in ${contexts.length} contexts:\n\n${body}` : body;
}

function modelTable(model: ModelAnalysis, format: ShapeFormat): string[] {
  const leaves = model.layers.filter((report) => !report.container);
  const rows = leaves.slice(0, MAX_TABLE_ROWS).map((report) => {
    const field = report.receptiveField === null ? '–' : `${report.receptiveField.size[0] ?? '?'} / ${report.receptiveField.jump[0] ?? '?'}`;
    const name = `${'&nbsp;'.repeat(report.depth * 2)}${shortenText(report.name)}${report.aux ? ' (aux)' : ''}`;
    return `| ${name} | ${formatShape(report.output, format)} | ${formatCount(totalParams(report))} | ${formatCount(report.macs)} | ${field} |`;
  });
  const more = leaves.length > MAX_TABLE_ROWS ? [`| … ${leaves.length - MAX_TABLE_ROWS} more layers | | | | |`] : [];
  return ['| layer | output | params | MACs | RF / jump |', '|---|---|---:|---:|---|', ...rows, ...more];
}

function modelTotals(model: ModelAnalysis): string[] {
  const { trainable, nonTrainable, aux } = model.params;
  const total = sum(trainable, nonTrainable);
  const lines = [
    `- Trainable params: **${formatCount(trainable)}**${isPositive(aux) === true ? ` (auxiliary heads ${formatCount(aux)}; without them ${formatCount(minus(trainable, aux))})` : ''}`,
    `- Non-trainable params: ${formatCount(nonTrainable)} · total ${formatCount(total)}`,
    `- MACs: ${formatScaled(model.macs)} per sample (FLOPs ${formatScaled(product(model.macs, 2))})${isPositive(model.auxMacs) === true ? `; auxiliary heads add ${formatScaled(model.auxMacs)} in training` : ''}`,
    `- Receptive field: ${formatField(model.receptiveField)}`,
    `- Memory: params ${formatBytes(model.memory.paramBytes)}, activations ${formatBytes(model.memory.activationBytesPerSample)} per sample, training state with Adam ${formatBytes(model.memory.trainingStateBytes)}`,
  ];
  const errors = model.findings.filter((finding) => finding.severity === 'error').length;
  if (errors > 0) lines.push(`- ${errors} error${errors === 1 ? '' : 's'}: see the squiggles`);
  return lines;
}

export function describeModel(analysis: Analysis, format: ShapeFormat): string {
  if (analysis.kind === 'model') {
    return [
      `**${shortenText(analysis.name)}** · model · ${code(formatShape(analysis.input, format))} → ${code(formatShape(analysis.output, format))}`,
      '',
      ...modelTable(analysis, format),
      '',
      ...modelTotals(analysis),
    ].join('\n');
  }
  return [
    `**${shortenText(analysis.name)}** · GAN · latent ${code(formatShape(analysis.input, format))} → image ${code(formatShape(analysis.output, format))}`,
    `- Params: ${formatCount(analysis.params.trainable)} trainable (generator ${formatCount(analysis.generator.params.trainable)}, discriminator ${formatCount(analysis.discriminator.params.trainable)}), ${formatCount(analysis.params.nonTrainable)} non-trainable`,
    '',
    '**Generator**',
    '',
    ...modelTable(analysis.generator, format),
    '',
    '**Discriminator**',
    '',
    ...modelTable(analysis.discriminator, format),
  ].join('\n');
}
