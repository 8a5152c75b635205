/**
 * The page of "ConvLens: Compare Models": two models side by side, stage by stage (the
 * engine's compareModels), as static HTML — no script at all (the CSP names no script-src,
 * so none runs), styled by the panel's stylesheet and VS Code's theme variables. Pure.
 */
import { toComparisonTable, type ModelComparison } from 'convlens/engine';
import { escapeHtml } from '../../webviews/panel-html';

/** The page: a caption, the table (numbers right-aligned, the totals last) and what a stage is. */
export function renderComparisonHtml(options: { cspSource: string; styleUri: string; a: string; b: string; comparison: ModelComparison }): string {
  const { header, rows } = toComparisonTable(options.comparison);
  const numeric = (column: number): boolean => column > 0;
  const cells = (values: readonly string[], tag: 'td' | 'th'): string =>
    values.map((value, column) => `<${tag}${numeric(column) ? ' class="num"' : ''}>${escapeHtml(value)}</${tag}>`).join('');
  const body = rows.map((row, index) => `<tr${index === rows.length - 1 ? ' class="total"' : ''} data-stage="${escapeHtml(row[0]!)}">${cells(row, 'td')}</tr>`).join('\n');
  const title = `${options.a} vs ${options.b}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${options.cspSource}; font-src ${options.cspSource};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(options.styleUri)}">
<title>${escapeHtml(title)}</title>
</head>
<body class="comparison">
<h2>Compare <span class="mono">A = ${escapeHtml(options.a)}</span> with <span class="mono">B = ${escapeHtml(options.b)}</span></h2>
<p class="muted">Stage by stage: a stage is the layers whose output has that resolution (<span class="mono">head</span>: vectors). Trainable parameters, MACs per sample, activation memory (float32, one sample) and the receptive field reached; Δ = B − A. Aux heads are left out.</p>
<div class="comparison-scroll">
<table class="comparison-table">
<thead><tr>${cells(header, 'th')}</tr></thead>
<tbody>
${body}
</tbody>
</table>
</div>
</body>
</html>
`;
}

