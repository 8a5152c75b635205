/**
 * `convlens summary` without `--json`: one table per model like torchinfo's, plus
 * receptive fields, then the totals and the findings. Pure text rendering; like
 * summary-json.ts it does not know how the IR was obtained.
 */
import type { Num } from '../language/ir/index';
import { formatBytes, formatCount, formatScaled, formatShape, isPositive, product, shortenText } from '../language/engine/index';
import type { Finding, GanAnalysis, LayerReport, ModelAnalysis, ParamTotals, ReceptiveField } from '../language/engine/index';
import { createFindingLocator } from './finding-location';
import type { Locate, SourceLocation } from './source-location';
import { addKnown, type ExportedAnalysis } from './summary-json';

/** All summaries, separated by a blank line; ends with a newline. */
export function renderSummaryTables(entries: readonly ExportedAnalysis[], locate: Locate): string {
  return entries
    .map(({ exportName, analysis }) =>
      analysis.kind === 'gan' ? renderGan(exportName, analysis, locate) : renderModel(exportName, analysis, locate),
    )
    .join('\n');
}

function renderModel(exportName: string, analysis: ModelAnalysis, locate: Locate): string {
  const lines = [
    `Model ${JSON.stringify(shortenText(analysis.name))} (export ${exportName}): ${formatShape(analysis.input)} → ${formatShape(analysis.output)}`,
    '',
    ...renderLayerTable(analysis.layers, locate),
    '',
    ...renderNetworkTotals(analysis),
    '',
    ...renderFindings(analysis.findings, createFindingLocator(analysis.root, locate)),
  ];
  return lines.map((line) => `${line}\n`).join('');
}

function renderGan(exportName: string, analysis: GanAnalysis, locate: Locate): string {
  const network = (title: string, part: ModelAnalysis): string[] => [
    `${title} ${JSON.stringify(shortenText(part.name))}: ${formatShape(part.input)} → ${formatShape(part.output)}`,
    '',
    ...renderLayerTable(part.layers, locate),
    '',
    ...renderNetworkTotals(part),
  ];
  const lines = [
    `GAN ${JSON.stringify(shortenText(analysis.name))} (export ${exportName}): latent ${formatShape(analysis.input)} → image ${formatShape(analysis.output)}`,
    '',
    ...network('Generator', analysis.generator),
    '',
    ...network('Discriminator', analysis.discriminator),
    '',
    'GAN totals (generator + discriminator)',
    ...renderLabelled([
      ...paramRows(analysis.params),
      ['MACs', describeCount(analysis.macs, ' per sample')],
      ['FLOPs (= 2×MACs)', describeCount(twice(analysis.macs), '')],
    ]),
    '',
    ...renderFindings(analysis.findings, createFindingLocator(analysis.root, locate)),
  ];
  return lines.map((line) => `${line}\n`).join('');
}

interface Column {
  readonly title: string;
  readonly align: 'left' | 'right';
}

const columns: readonly Column[] = [
  { title: 'Layer', align: 'left' },
  { title: 'Kind', align: 'left' },
  { title: 'Output', align: 'left' },
  { title: 'Params', align: 'right' },
  { title: 'MACs', align: 'right' },
  { title: 'RF', align: 'left' },
  { title: 'Jump', align: 'left' },
  { title: 'Line', align: 'right' },
];

/** Every node, containers included, with its children indented under it. */
function renderLayerTable(layers: readonly LayerReport[], locate: Locate): string[] {
  const rows = layers.map((report) => [
    `${'  '.repeat(report.depth)}${shortenText(report.name)}`,
    report.node.kind,
    formatShape(report.output),
    formatCount(addKnown(report.params.trainable, report.params.nonTrainable)),
    formatCount(report.macs),
    report.receptiveField === null ? '-' : formatPair(report.receptiveField.size),
    report.receptiveField === null ? '-' : formatPair(report.receptiveField.jump),
    String(locate(report.node)?.line ?? ''),
  ]);
  const widths = columns.map((column, index) =>
    Math.max(column.title.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const renderRow = (cells: readonly string[]): string =>
    cells
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        return columns[index]?.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [
    renderRow(columns.map((column) => column.title)),
    renderRow(widths.map((width) => '─'.repeat(width))),
    ...rows.map(renderRow),
  ];
}

function renderNetworkTotals(analysis: ModelAnalysis): string[] {
  const auxMacs = isPositive(analysis.auxMacs) === true ? `; aux heads add ${formatCount(analysis.auxMacs)} in training` : '';
  const { memory } = analysis;
  return renderLabelled([
    ...paramRows(analysis.params),
    ['MACs', `${describeCount(analysis.macs, ' per sample')}, aux heads excluded${auxMacs}`],
    ['FLOPs (= 2×MACs)', describeCount(twice(analysis.macs), '')],
    ['Receptive field', describeReceptiveField(analysis.receptiveField)],
    [
      'Memory (float32)',
      `params ${formatBytes(memory.paramBytes)}, activations ${formatBytes(memory.activationBytesPerSample)} per sample, ` +
        `training state ${formatBytes(memory.trainingStateBytes)} (params, gradients, Adam)`,
    ],
  ]);
}

function paramRows(params: ParamTotals): [string, string][] {
  return [
    ['Trainable params', formatCount(params.trainable)],
    ['Non-trainable params', formatCount(params.nonTrainable)],
    ['Total params', formatCount(addKnown(params.trainable, params.nonTrainable))],
    ["Aux heads' params", `${formatCount(params.aux)} of the trainable (training only)`],
  ];
}

function renderLabelled(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${value}`);
}

/** `error CL1004: message (line 12)`, one finding a line. */
function renderFindings(findings: readonly Finding[], locateFinding: (finding: Finding) => SourceLocation | null): string[] {
  if (findings.length === 0) return ['No findings.'];
  return findings.map((finding) => {
    const location = locateFinding(finding);
    const where = location === null ? '' : ` (line ${location.line})`;
    return `${finding.severity} ${finding.code}: ${finding.message}${where}`;
  });
}

/** `416,520 (416.52 k) per sample`; the scaled form only where it is shorter to read. */
function describeCount(value: Num, suffix: string): string {
  if (value === null) return `?${suffix}`;
  const scaled = typeof value === 'number' && Math.abs(value) >= 1000 ? ` (${formatScaled(value)})` : '';
  return `${formatCount(value)}${scaled}${suffix}`;
}

function describeReceptiveField(field: ReceptiveField | null): string {
  if (field === null) return '- (no spatial output)';
  const [startHeight, startWidth] = field.start.map(formatNum);
  return `${formatPair(field.size)}, jump ${formatPair(field.jump)}, first centre at (${startHeight}, ${startWidth})`;
}

/** [h, w] as `h×w`. */
function formatPair(pair: readonly [Num, Num]): string {
  const [height, width] = pair;
  return `${formatNum(height)}×${formatNum(width)}`;
}

function formatNum(value: Num | undefined): string {
  return value === null || value === undefined ? '?' : String(value);
}

function twice(value: Num): Num {
  return product(2, value);
}
