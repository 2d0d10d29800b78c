import { html, type SafeHtml } from './html.js';

export interface LegendEntry {
  name: string;
  colour: string;
  dashed?: boolean;
}

/**
 * An HTML legend under the chart rather than inside the SVG: it wraps on narrow screens and
 * holds any number of long names (a tuning report compares one curve per trial).
 */
export function legend(entries: readonly LegendEntry[]): SafeHtml {
  const items = entries.map(
    ({ name, colour, dashed }) =>
      html`<li><svg class="swatch" viewBox="0 0 24 8" aria-hidden="true"><line x1="1" x2="23" y1="4" y2="4" stroke="${colour}" stroke-width="3"${dashed ? html` stroke-dasharray="5 3"` : ''}/></svg>${name}</li>`,
  );
  return html`<ul class="legend">${items}</ul>`;
}
