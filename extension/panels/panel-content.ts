/**
 * What a model's panel shows, from the language service's summary: the Summary tab's
 * snapshot, the layers the Feature maps tab offers, the title and the first paint. Pure.
 */
import type { ModelSummary } from 'convlens/service';
import type { InspectableLayer, PanelInitialState, PanelTab, SummarySnapshot } from '../../webviews/protocol';

/** The panel's title: `ConvLens: lenet5Mnist` (extension/README.md promises this format). */
export function panelTitle(exportName: string): string {
  return `ConvLens: ${exportName}`;
}

export function toSummarySnapshot(summary: ModelSummary): SummarySnapshot {
  return {
    title: summary.exportName,
    kind: summary.kind,
    input: summary.input,
    output: summary.output,
    // The geometry is the Feature maps tab's (layersListed), not the Summary's.
    rows: summary.rows.map(({ receptiveFieldGeometry: _geometry, ...row }) => ({ ...row })),
    totals: { ...summary.totals },
    findings: summary.findings.map((finding) => ({ ...finding })),
  };
}

/**
 * The layers whose outputs the Feature maps tab can show: every leaf layer of a classifier
 * (feature maps come from a classifier checkpoint; a GAN has none), with its output shape
 * and, where it is known, its receptive field's size, jump and start (drawn on the input).
 */
export function toInspectableLayers(summary: ModelSummary): InspectableLayer[] {
  if (summary.kind !== 'model') return [];
  return summary.rows
    .filter((row) => !row.container && row.kind !== 'unknown')
    .map((row) => {
      const field = row.receptiveFieldGeometry ?? null;
      const layer = { name: row.name, kind: row.kind, output: row.output };
      return field === null ? layer : { ...layer, receptiveField: { size: [...field.size], jump: [...field.jump], start: [...field.start] } };
    });
}

/** The last leaf layer of the main path: its output, through softmax, gives the predictions. */
export function outputLayerOf(summary: ModelSummary): { readonly name: string; readonly kind: string } | undefined {
  const leaves = summary.rows.filter((row) => !row.container && !row.aux);
  const last = leaves[leaves.length - 1];
  if (last === undefined) return undefined;
  // identity() passes its input on: what the output means (probabilities after a softmax) is
  // the kind of the last layer that is not one.
  let meaning = last;
  for (let index = leaves.length - 1; index >= 0 && meaning.kind === 'identity'; index -= 1) meaning = leaves[index]!;
  return { name: last.name, kind: meaning.kind };
}

export function toInitialState(exportName: string, summary: ModelSummary | undefined, tab: PanelTab): PanelInitialState {
  return {
    title: exportName,
    tab,
    ...(summary === undefined ? {} : { kind: summary.kind, summary: toSummarySnapshot(summary) }),
  };
}
