import { html, type SafeHtml } from './html.js';
import { ACCENT } from './palette.js';
import { px } from './scale.js';

export interface HeatmapOptions {
  title: string;
  /** Names of the rows, top to bottom, and of the columns, left to right. */
  rowLabels: readonly string[];
  colLabels: readonly string[];
  /** `values[row][col]`, shown in each cell. */
  values: readonly (readonly number[])[];
  rowTitle: string;
  colTitle: string;
  /**
   * What a cell's shade is relative to: its row (the default; for a confusion matrix this
   * shows where each class's examples went, whatever the class sizes), or the largest cell.
   */
  shadeBy?: 'row' | 'all';
}

const CELL = 44;
/** Labels longer than this are cut in the picture; the full text stays in the tooltip. */
const MAX_LABEL = 18;
const CHAR_WIDTH = 7;

/**
 * A matrix of counts as shaded cells. Each cell is a `g.cell` with its row, column and
 * value as data attributes and the count printed inside; axis labels hold the names.
 */
export function heatmap(opts: HeatmapOptions): SafeHtml {
  const rows = opts.values.length;
  const cols = Math.max(opts.colLabels.length, ...opts.values.map((r) => r.length));
  const rowLabelWidth = labelWidth(opts.rowLabels);
  // Column labels stand at 45 degrees, so they need about as much height as their length.
  const colLabelHeight = labelWidth(opts.colLabels) * 0.75;
  const left = 28 + rowLabelWidth;
  const top = 28 + colLabelHeight;
  // The last column's label leans out to the right of the grid.
  const width = left + cols * CELL + colLabelHeight;
  const height = top + rows * CELL + 12;

  const max = Math.max(0, ...opts.values.flat().filter(Number.isFinite));
  const cells = opts.values.map((row, r) => {
    const rowSum = row.reduce((sum, v) => sum + (Number.isFinite(v) ? v : 0), 0);
    const scale = (opts.shadeBy ?? 'row') === 'row' ? rowSum : max;
    return row.map((value, c) => {
      const shade = scale > 0 && Number.isFinite(value) ? value / scale : 0;
      const cx = left + c * CELL;
      const cy = top + r * CELL;
      const rowName = opts.rowLabels[r] ?? String(r);
      const colName = opts.colLabels[c] ?? String(c);
      const classes = `cell${r === c ? ' diagonal' : ''}${value === 0 ? ' zero' : ''}`;
      return html`<g class="${classes}" data-row="${r}" data-col="${c}" data-value="${value}">
<rect x="${cx}" y="${cy}" width="${CELL - 2}" height="${CELL - 2}" rx="3" fill="${ACCENT}" fill-opacity="${px(0.06 + 0.94 * shade)}"/>
<text x="${cx + (CELL - 2) / 2}" y="${cy + (CELL - 2) / 2}" text-anchor="middle" dominant-baseline="central"${shade > 0.5 ? html` class="on-dark"` : ''}>${value}</text>
<title>${opts.rowTitle} ${rowName}, ${opts.colTitle} ${colName}: ${value}</title>
</g>`;
    });
  });
  const rowLabels = opts.rowLabels.map(
    (name, r) =>
      html`<g><title>${name}</title><text class="row-label" x="${left - 8}" y="${top + r * CELL + (CELL - 2) / 2}" text-anchor="end" dominant-baseline="central">${shorten(name)}</text></g>`,
  );
  const colLabels = opts.colLabels.map((name, c) => {
    const x = left + c * CELL + (CELL - 2) / 2;
    return html`<g><title>${name}</title><text class="col-label" transform="translate(${x} ${top - 8}) rotate(-45)">${shorten(name)}</text></g>`;
  });
  return html`<figure class="chart heatmap" data-chart="heatmap">
<figcaption>${opts.title}</figcaption>
<svg viewBox="0 0 ${px(width)} ${px(height)}" style="max-width:${px(width)}px" role="img" aria-label="${opts.title}">
<text class="axis-label" transform="translate(14 ${px(top + (rows * CELL) / 2)}) rotate(-90)" text-anchor="middle">${opts.rowTitle}</text>
<text class="axis-label" x="${px(left + (cols * CELL) / 2)}" y="14" text-anchor="middle">${opts.colTitle}</text>
${rowLabels}
${colLabels}
${cells}
</svg>
</figure>`;
}

function shorten(name: string): string {
  return name.length > MAX_LABEL ? `${name.slice(0, MAX_LABEL - 1)}…` : name;
}

function labelWidth(labels: readonly string[]): number {
  return Math.min(MAX_LABEL, Math.max(1, ...labels.map((l) => l.length))) * CHAR_WIDTH;
}
