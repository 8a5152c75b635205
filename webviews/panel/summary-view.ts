/** The Summary tab (browser only): architecture diagram, layer table, totals, findings; a row click reveals its line. */
import type { SummaryFinding, SummaryRow, SummarySnapshot } from '../protocol';
import type { PanelContext } from './context';
import { DiagramView } from './diagram-view';
import { h, replaceChildren } from './dom';
import { formatCount, formatSi } from './format';
import type { PanelState } from './state';

const COLUMNS = ['Layer', 'Kind', 'Output', 'Params', 'MACs', 'Receptive field'];
const COLUMN_WIDTHS = ['26%', '15%', '15%', '14%', '12%', '18%'];
/** Row height of vscode-table (px), to size the table to its rows up to a limit. */
const ROW_HEIGHT = 24;

export class SummaryView {
  readonly element: HTMLElement;
  private readonly heading = h('div', { class: 'summary-heading' });
  private readonly table = h('vscode-table', { class: 'summary-table', attrs: { zebra: true, 'bordered-columns': true, 'min-column-width': '48px' } });
  private readonly totals = h('dl', { class: 'totals' });
  private readonly findings = h('ul', { class: 'findings' });
  private readonly empty = h('p', { class: 'empty', text: 'No summary yet: save the model file or run “ConvLens: Show Summary”.' });
  private shown: SummarySnapshot | null = null;
  private readonly diagram: DiagramView;

  constructor(private readonly context: PanelContext) {
    this.diagram = new DiagramView(context);
    this.element = h(
      'section',
      { class: 'tab-body summary', data: { tab: 'summary' } },
      this.empty,
      this.diagram.element,
      this.heading,
      this.table,
      h('div', { class: 'summary-footer' }, h('section', { class: 'totals-box' }, h('h3', { text: 'Totals' }), this.totals), h('section', { class: 'findings-box' }, h('h3', { text: 'Findings' }), this.findings)),
    );
    for (const list of [this.table, this.findings]) {
      list.addEventListener('click', (event) => this.onRowClick(event));
      list.addEventListener('keydown', (event) => {
        if ((event as KeyboardEvent).key === 'Enter' || (event as KeyboardEvent).key === ' ') this.onRowClick(event);
      });
    }
  }

  render(state: PanelState): void {
    const summary = state.summary;
    if (summary === this.shown) return;
    this.shown = summary;
    this.diagram.render(summary);
    this.empty.hidden = summary !== null;
    this.heading.hidden = summary === null;
    this.table.hidden = summary === null;
    if (summary === null) {
      replaceChildren(this.totals);
      replaceChildren(this.findings);
      return;
    }
    const layers = summary.rows.filter((row) => !row.container).length;
    replaceChildren(
      this.heading,
      h('span', { class: 'muted', text: `${plural(layers, 'layer')}${layers !== summary.rows.length ? ` in ${plural(summary.rows.length - layers, 'container')}` : ''} · click a row to reveal its source` }),
    );
    const header = h('vscode-table-header', { attrs: { slot: 'header' } }, ...COLUMNS.map((name, index) => h('vscode-table-header-cell', { text: name, class: index === 3 || index === 4 ? 'num' : '' })));
    const body = h('vscode-table-body', { attrs: { slot: 'body' } }, ...summary.rows.map((row) => this.row(row)));
    replaceChildren(this.table, header, body);
    // As tall as its rows (plus the header), scrolling beyond 60% of the window.
    this.table.style.height = `${Math.min((summary.rows.length + 1) * ROW_HEIGHT + 12, Math.max(240, Math.round(window.innerHeight * 0.6)))}px`;
    // The table sizes columns once its header cells are slotted.
    requestAnimationFrame(() => {
      (this.table as unknown as { columns: string[] }).columns = COLUMN_WIDTHS;
    });
    this.renderTotals(summary);
    this.renderFindings(summary.findings);
  }

  private row(row: SummaryRow): HTMLElement {
    const name = h('span', { class: 'layer-name', text: row.name });
    name.style.paddingLeft = `${row.depth * 14}px`;
    const classes = ['layer-row', row.container ? 'container' : '', row.aux ? 'aux' : '', row.line !== null ? 'clickable' : ''].filter(Boolean).join(' ');
    const element = h(
      'vscode-table-row',
      {
        class: classes,
        title: row.line !== null ? `Line ${row.line}: click to reveal` : undefined,
        data: row.line !== null ? { line: String(row.line) } : {},
        attrs: row.line !== null ? { tabindex: 0 } : {},
      },
      h('vscode-table-cell', {}, name),
      h('vscode-table-cell', { class: 'kind', text: row.kind + (row.aux ? ' (aux)' : '') }),
      h('vscode-table-cell', { class: 'mono', text: row.output }),
      h('vscode-table-cell', { class: 'num', text: row.container && row.params === null ? '' : formatCount(row.params) }),
      h('vscode-table-cell', { class: 'num', text: row.macs === null ? '?' : formatSi(row.macs), title: row.macs === null ? undefined : formatCount(row.macs) }),
      h('vscode-table-cell', { class: 'mono', text: row.receptiveField ?? '' }),
    );
    return element;
  }

  private renderTotals(summary: SummarySnapshot): void {
    const { totals } = summary;
    const total = totals.trainable !== null && totals.nonTrainable !== null ? totals.trainable + totals.nonTrainable : null;
    const entries: [string, string, string][] = [
      ['trainable', 'Trainable params', formatCount(totals.trainable)],
      ['nonTrainable', 'Non-trainable params', formatCount(totals.nonTrainable)],
      ['total', 'Total params', formatCount(total)],
      ['macs', 'MACs per sample', totals.macs === null ? '?' : `${formatCount(totals.macs)} (${formatSi(totals.macs)})`],
      ['receptiveField', 'Receptive field', totals.receptiveField ?? '—'],
    ];
    if (totals.aux !== null && totals.aux > 0) entries.splice(3, 0, ['aux', 'Aux heads’ params', `${formatCount(totals.aux)} (training only)`]);
    replaceChildren(this.totals, ...entries.flatMap(([key, label, value]) => [h('dt', { text: label }), h('dd', { text: value, data: { total: key } })]));
  }

  private renderFindings(findings: readonly SummaryFinding[]): void {
    if (findings.length === 0) {
      replaceChildren(this.findings, h('li', { class: 'finding none', text: 'No problems found.' }));
      return;
    }
    replaceChildren(
      this.findings,
      ...findings.map((finding) =>
        h(
          'li',
          {
            class: `finding ${finding.severity}${finding.line !== null ? ' clickable' : ''}`,
            data: finding.line !== null ? { line: String(finding.line) } : {},
            title: finding.line !== null ? `Line ${finding.line}` : undefined,
            attrs: finding.line !== null ? { tabindex: 0 } : {},
          },
          h('span', { class: 'severity', text: finding.severity }),
          h('span', { class: 'code', text: finding.code }),
          h('span', { class: 'message', text: finding.message }),
          finding.line !== null ? h('span', { class: 'line', text: `line ${finding.line}` }) : null,
        ),
      ),
    );
  }

  private onRowClick(event: Event): void {
    const target = event.target instanceof Element ? event.target.closest('[data-line]') : null;
    const line = Number((target as HTMLElement | null)?.dataset['line']);
    if (Number.isInteger(line) && line >= 1) this.context.post({ type: 'revealLine', line });
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
