import { html, type Interpolation, type SafeHtml } from './html.js';

export interface Column<T> {
  header: string;
  cell: (row: T, index: number) => Interpolation;
  /** Right-aligned with tabular figures, so digits line up down the column. */
  numeric?: boolean;
}

export interface TableOptions<T> {
  caption?: string;
  /** Summary rows under the body (a macro average, totals), in the same columns. */
  footer?: readonly T[];
  /** Said instead of an empty table. */
  empty?: string;
}

/** An HTML table of `rows`, one `tbody` row each; cells are escaped unless they are SafeHtml. */
export function table<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  opts: TableOptions<T> = {},
): SafeHtml {
  if (rows.length === 0 && opts.empty !== undefined) {
    return html`<p class="empty">${opts.empty}</p>`;
  }
  const cls = (column: Column<T>) => (column.numeric ? html` class="num"` : '');
  const line = (row: T, index: number) =>
    html`<tr>${columns.map((column) => html`<td${cls(column)}>${column.cell(row, index)}</td>`)}</tr>`;
  const footer = opts.footer?.length ? html`<tfoot>${opts.footer.map(line)}</tfoot>` : '';
  return html`<div class="table-wrap"><table>
${opts.caption ? html`<caption>${opts.caption}</caption>` : ''}
<thead><tr>${columns.map((column) => html`<th scope="col"${cls(column)}>${column.header}</th>`)}</tr></thead>
<tbody>${rows.map(line)}</tbody>
${footer}
</table></div>`;
}
